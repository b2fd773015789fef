"""Read one official's auth_state from the hub API (GitLab sign-in).

The gallery (with the official's own OAuth token) and the share service (with its own
token, scope admin:auth_state) both need the official's GitLab access token; the hub
keeps it in the encrypted auth_state and fills it only on `GET /users/<name>`.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest


class HubUnavailable(Exception):
    """The hub refused, failed or did not answer in time."""


async def fetch_auth_state(hub_api_url: str, user: str, hub_token: str, timeout: float) -> dict | None:
    """The user's auth_state, or None when the hub holds none for them."""
    request = HTTPRequest(
        f"{hub_api_url}/users/{quote(user, safe='')}",
        headers={"Authorization": f"token {hub_token}", "Accept": "application/json"},
        request_timeout=timeout, connect_timeout=timeout,
    )
    try:
        response = await AsyncHTTPClient().fetch(request)
        model = json.loads(response.body)
    except (HTTPClientError, OSError, ValueError) as e:
        raise HubUnavailable(type(e).__name__) from e
    state = model.get("auth_state") if isinstance(model, dict) else None
    return state if isinstance(state, dict) else None


def access_token(state: dict | None) -> str | None:
    token = state.get("access_token") if state else None
    return token if isinstance(token, str) and token else None
