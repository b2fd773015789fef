"""The signed-in official's GitLab token, read from the hub with that official's own token.

The browser's token for the gallery (JupyterHub OAuth) carries `admin:auth_state!user`
only when the hub uses GitLab sign-in (see hubconfig.gallery_section): the gallery can
then read that one official's auth_state, never anyone else's, and holds no hub-wide
right of its own. The GitLab token stays in this process's memory; it never reaches
the browser or the disk.
"""

from __future__ import annotations

import time

from govlab import authstate

_cache: dict[str, tuple[float, str | None]] = {}
TTL = 60.0  # the hub refreshes GitLab tokens well before they expire (auth_refresh_age)


async def gitlab_token(hub_api_url: str, user: str, hub_token: str, timeout: float) -> str | None:
    """The user's GitLab access token, or None (no auth_state, hub refused or down)."""
    hit = _cache.get(user)
    if hit and time.monotonic() - hit[0] < TTL:
        return hit[1]
    try:
        token = authstate.access_token(await authstate.fetch_auth_state(hub_api_url, user, hub_token, timeout))
    except authstate.HubUnavailable:
        # Not cached: the next view asks again. Meanwhile private projects are left
        # out; the shared catalog still shows.
        return None
    _cache[user] = (time.monotonic(), token)
    return token
