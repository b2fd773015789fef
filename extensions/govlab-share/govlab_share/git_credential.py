"""A git credential helper: the official's fresh GitLab token, for clones from our GitLab.

With GitLab sign-in, "내 실험실에서 열기" (nbgitpuller) clones internal and private
projects as the signed-in official. git asks this helper only for the configured GitLab
URL (`credential.<url>.helper`, set in the lab process's environment by
`git_environment`); the helper gets the token exactly as a share does (tokens.py: the
hub's share service, `GET api/token` with the lab's own API token, which answers the
short-lived access token only) and never stores it. On any failure it answers nothing, so git fails with its usual authentication
error instead of hanging on a prompt.

    git credential protocol: `python -m govlab_share.git_credential get` < key=value lines
"""

from __future__ import annotations

import asyncio
import os
import sys
from types import SimpleNamespace

from .errors import ShareError
from .tokens import get_token

TIMEOUT = 20.0
# Where the helper (a process git starts) finds the share service; not a secret.
SERVICE_URL_ENV = "GOVLAB_SHARE_SERVICE_URL"


def git_environment(gitlab_url: str, environ=None, service_url: str = "") -> dict[str, str]:
    """GIT_CONFIG_* variables registering this helper for `gitlab_url` (appended to any
    the environment already has), and the share service's address for it."""
    environ = os.environ if environ is None else environ
    try:
        n = int(environ.get("GIT_CONFIG_COUNT") or 0)
    except ValueError:
        n = 0
    command = f"!{sys.executable} -m govlab_share.git_credential"
    out = {SERVICE_URL_ENV: service_url} if service_url else {}
    return {
        **out,
        "GIT_CONFIG_COUNT": str(n + 1),
        f"GIT_CONFIG_KEY_{n}": f"credential.{gitlab_url.rstrip('/')}.helper",
        f"GIT_CONFIG_VALUE_{n}": command,
    }


def answer(operation: str, request: str, environ=None) -> str:
    """What the helper prints for one git request (empty: no credentials)."""
    if operation != "get":
        return ""  # store/erase: the hub keeps the token, not us
    fields = dict(line.split("=", 1) for line in request.splitlines() if "=" in line)
    if fields.get("protocol") not in ("http", "https"):
        return ""
    environ = os.environ if environ is None else environ
    config = SimpleNamespace(token_source="hub", request_timeout=TIMEOUT, service_url=environ.get(SERVICE_URL_ENV, ""))
    try:
        token = asyncio.run(get_token(config, environ))
    except ShareError:
        return ""
    return f"username=oauth2\npassword={token.value}\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = answer(argv[0] if argv else "", sys.stdin.read())
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
