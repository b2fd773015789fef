"""Read one official's auth_state from the hub API: the one reader, lab and hub side.

The hub keeps the official's GitLab tokens in the encrypted auth_state and fills it only
on `GET /users/<name>` for a token with `admin:auth_state` on that user. Callers: the lab
on Kubernetes (govlab_share.tokens, with the server's own token), and on the hub the share
service and the gallery (through govlab.authstate). It lives here because the extension
must not import the hub package; the hub package may import the extension.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest


class HubUnavailable(Exception):
    """The hub refused, failed or did not answer in time; `status` is the HTTP status
    (599: timeout) or None when no answer came (or it was not JSON)."""

    def __init__(self, detail: str, status: int | None = None):
        super().__init__(detail)
        self.status = status


async def fetch_auth_state(hub_api_url: str, user: str, hub_token: str, timeout: float) -> dict | None:
    """The user's auth_state, or None when the hub holds none for them."""
    request = HTTPRequest(
        f"{hub_api_url.rstrip('/')}/users/{quote(user, safe='')}",
        headers={"Authorization": f"token {hub_token}", "Accept": "application/json"},
        request_timeout=timeout,
        connect_timeout=timeout,
    )
    try:
        response = await AsyncHTTPClient().fetch(request)
    except HTTPClientError as e:
        raise HubUnavailable("timeout" if e.code == 599 else f"hub answered {e.code}", e.code) from e
    except OSError as e:  # connection refused, DNS
        raise HubUnavailable(type(e).__name__) from e
    try:
        model = json.loads(response.body)
    except ValueError as e:
        raise HubUnavailable("hub sent no JSON") from e
    state = model.get("auth_state") if isinstance(model, dict) else None
    return state if isinstance(state, dict) else None


def access_token(state: dict | None) -> str | None:
    token = state.get("access_token") if state else None
    return token if isinstance(token, str) and token else None
