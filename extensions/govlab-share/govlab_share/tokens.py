"""Get a GitLab token right before each push. Never logged, never sent to the browser.

- token_source "hub": the official's OAuth access token (oauthenticator keeps it in
  the encrypted auth_state). With `service_url` (every hub govlab starts) it comes
  from the share service's `GET api/token`, which returns the access token alone
  (never the refresh token) for the owner of the lab's API token; the lab's token
  has no auth_state scope. Without (the Kubernetes chart) it is read from
  `GET $JUPYTERHUB_API_URL/users/$JUPYTERHUB_USER` with the server's own API token
  (needs scope admin:auth_state!user), by govlab_share.authstate: the one auth_state
  reader, which the hub's share service and gallery use too.
- token_source "env": a personal access token in an environment variable.
- token_source "service": no token in the lab at all; the share service commits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import share_client
from .authstate import HubUnavailable, access_token, fetch_auth_state
from .errors import ShareError


@dataclass(frozen=True)
class GitLabToken:
    value: str = field(repr=False)
    kind: str  # "oauth" (Bearer) or "private" (PRIVATE-TOKEN)


def _relogin(detail: str) -> ShareError:
    return ShareError(
        "gitlab_unauthorized",
        401,
        "GitLab 로그인 정보가 없거나 만료되었습니다. 다시 로그인하세요.",
        "The GitLab sign-in is missing or expired: sign in again.",
        details=[detail],
    )


def _not_configured(message: str, message_en: str) -> ShareError:
    return ShareError("not_configured", 503, message, message_en)


async def get_token(config, environ=None) -> GitLabToken:
    environ = os.environ if environ is None else environ
    if config.token_source == "env":
        value = environ.get(config.token_env, "").strip()
        if not value:
            raise _not_configured(
                f"GitLab 토큰이 설정되지 않았습니다 (환경 변수 {config.token_env}).",
                f"No GitLab token configured (environment variable {config.token_env}).",
            )
        return GitLabToken(value=value, kind="private")
    if config.token_source == "service":
        raise _not_configured(
            "이 실험실은 GitLab 토큰을 갖지 않습니다. 공유는 허브의 공유 서비스가 합니다.",
            "This lab holds no GitLab token: the hub's share service shares for it.",
        )
    if getattr(config, "service_url", ""):
        return await _token_from_service(config, environ)
    return await _token_from_hub(config, environ)


async def _token_from_service(config, environ) -> GitLabToken:
    if not environ.get("JUPYTERHUB_API_TOKEN"):
        raise _not_configured(
            "JupyterHub 안에서 실행되고 있지 않아 GitLab 토큰을 받을 수 없습니다.",
            "Not running under JupyterHub: cannot get a GitLab token.",
        )
    try:
        answer = await share_client.token(config, environ)
    except ShareError as e:
        if e.status in (401, 403):
            raise _relogin(f"share service answered {e.status} {e.code}") from None
        raise
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise _relogin("no access_token from the share service")
    return GitLabToken(value=token, kind="oauth")


async def _token_from_hub(config, environ) -> GitLabToken:
    api_url = environ.get("JUPYTERHUB_API_URL", "").rstrip("/")
    api_token = environ.get("JUPYTERHUB_API_TOKEN", "")
    user = environ.get("JUPYTERHUB_USER", "")
    if not api_url or not api_token or not user:
        raise _not_configured(
            "JupyterHub 안에서 실행되고 있지 않아 GitLab 토큰을 받을 수 없습니다.",
            "Not running under JupyterHub: cannot get a GitLab token.",
        )
    try:
        auth_state = await fetch_auth_state(api_url, user, api_token, config.request_timeout)
    except HubUnavailable as e:
        if e.status in (401, 403):
            # The hub refuses the server's token: the session is gone or the token
            # lacks the auth_state scope. Either way the user must sign in again.
            raise _relogin(str(e)) from None
        raise _hub_down(str(e)) from None
    if auth_state is None:
        raise _relogin("no auth_state in the hub's answer")
    token = access_token(auth_state)
    if token is None:
        raise _relogin("no access_token in auth_state")
    return GitLabToken(value=token, kind="oauth")


def _hub_down(detail: str) -> ShareError:
    return ShareError(
        "gitlab_unavailable",
        502,
        "JupyterHub에 연결할 수 없어 GitLab 토큰을 받지 못했습니다. 잠시 후 다시 시도하세요.",
        "Cannot reach JupyterHub to get a GitLab token; try again later.",
        details=[detail],
    )
