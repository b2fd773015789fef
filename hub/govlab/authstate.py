"""Read one official's auth_state from the hub API (GitLab sign-in): hub-side name.

The gallery (with the official's own OAuth token) and the share service (with its own
token, scope admin:auth_state) both need the official's GitLab access token. The one
reader is govlab_share.authstate (the lab on Kubernetes reads it too, and the extension
cannot import this package).
"""

from __future__ import annotations

from govlab_share.authstate import HubUnavailable, access_token, fetch_auth_state

__all__ = ["HubUnavailable", "access_token", "fetch_auth_state"]
