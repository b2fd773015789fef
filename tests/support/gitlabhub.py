"""A hub with GitLab sign-in as the gallery and the share see it, against the loopback GitLab.

The loopback GitLab cannot take part in an OAuth sign-in from a test, so officials sign in
with the shared password and an authenticator puts their GitLab token into encrypted
auth_state, as GitLabOAuthenticator does (AUTH_STATE_CONFIG, an extra hub config file).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from tests.support.hub import RunningHub, base_settings, free_port, login_session

AUTH_STATE_CONFIG = """
import json, os
from jupyterhub.authenticators.shared import SharedPasswordAuthenticator

TOKENS = json.loads(os.environ["TEST_GITLAB_TOKENS"])

class GitLabTokenAuthenticator(SharedPasswordAuthenticator):
    # Like GitLabOAuthenticator: each official's GitLab token goes into encrypted auth_state.
    async def authenticate(self, handler, data):
        user = await super().authenticate(handler, data)
        if user and user["name"] in TOKENS:
            user["auth_state"] = {"access_token": TOKENS[user["name"]]}
        return user

c.JupyterHub.authenticator_class = GitLabTokenAuthenticator
c.SharedPasswordAuthenticator.user_password = os.environ["GOVLAB_USER_PASSWORD"]
c.SharedPasswordAuthenticator.admin_password = os.environ["GOVLAB_ADMIN_PASSWORD"]
"""


def gallery_settings(**overrides: Any) -> dict[str, Any]:
    """The gallery on a free port, refreshing every 10 s, its token in $TEST_GALLERY_TOKEN."""
    return {
        "enabled": True,
        "bind_url": f"http://127.0.0.1:{free_port()}",
        "refresh_every": 10,
        "request_timeout": 3,
        "token": {"env": "TEST_GALLERY_TOKEN"},
        **overrides,
    }


def gitlab_officials(gitlab, names: dict[str, str]) -> dict[str, str]:
    """Add each official (`user -> display name`) to the loopback GitLab: their OAuth tokens."""
    tokens = {}
    for user, name in names.items():
        gitlab.add_user(user, name=name)
        tokens[user] = gitlab.add_token(user, scopes=("api", "read_user"), kind="oauth")
    return tokens


def gitlab_signin_hub(
    workdir: Path,
    gitlab,
    tokens: dict[str, str],
    *,
    admin_users: tuple[str, ...] = (),
    sharing: dict[str, Any] | None = None,
    gallery: dict[str, Any] | None = None,
) -> RunningHub:
    """A hub (not started yet) with GitLab sign-in and the gallery, which lists with a
    read_api token of a bot user of its own."""
    gitlab.add_user("gallery-bot")
    bot_token = gitlab.add_token("gallery-bot", scopes=("read_api",))
    settings = base_settings(
        workdir / "state",
        auth={
            "method": "gitlab",
            "admin_users": list(admin_users),
            "gitlab": {"url": gitlab.url, "client_id": "hub", "client_secret": {"env": "TEST_CLIENT_SECRET"}},
        },
        sharing={"gitlab_url": gitlab.url, **(sharing or {})},
        gallery=gallery_settings(**(gallery or {})),
    )
    hub = RunningHub(
        workdir,
        settings,
        env={
            "JUPYTERHUB_CRYPT_KEY": secrets.token_hex(32),
            "TEST_CLIENT_SECRET": "unused",
            "TEST_GITLAB_TOKENS": json.dumps(tokens),
            "TEST_GALLERY_TOKEN": bot_token,
        },
    )
    (workdir / "extra-config" / "60-gitlab-tokens.py").write_text(AUTH_STATE_CONFIG)
    return hub


def sign_in_and_start(hub: RunningHub, users: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Sign each official in through the form (stores auth_state), start their labs; their hub API tokens."""
    for user in users:
        login_session(hub, user).get(f"{hub.url}/hub/spawn", timeout=60)
    tokens = {}
    for user in users:
        hub.wait_ready(user)
        tokens[user] = hub.api("POST", f"/users/{user}/tokens", json={"note": "t"}).json()["token"]
    return tokens
