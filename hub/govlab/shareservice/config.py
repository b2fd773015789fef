"""The share service's configuration, read once from the environment the hub gives it.

Non-secret values come as JSON in GOVLAB_SHARE_SERVICE_CONFIG (built by
govlab.hubconfig.share_service_config); the shared GitLab token in its own variable.
The environment of a hub-managed service lives in the hub's memory only.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

from govlab_share.config import GovlabShare

CONFIG_ENV = "GOVLAB_SHARE_SERVICE_CONFIG"
TOKEN_ENV = "GOVLAB_SHARE_GITLAB_TOKEN"
# JSON field names, the record and the form around the base64 files.
BODY_OVERHEAD = 2 * 1024 * 1024


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class ServiceConfig:
    share: GovlabShare  # the GitLab side: URL, namespace, branch, timeouts, limits
    owners_path: str
    publish: bool  # a shared token: commit for officials (password sign-in)
    user_tokens: bool  # GitLab sign-in: hand out each official's own access token
    prefix: str = "/services/govlab-share/"
    hub_api_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8094
    token: str = field(default="", repr=False)  # the shared GitLab token
    hub_token: str = field(default="", repr=False)  # this service's own hub API token

    @property
    def max_body_bytes(self) -> int:
        """Largest request: the bundle limit as base64 (4/3) plus the JSON around it."""
        return math.ceil(self.share.max_bundle_bytes * 4 / 3) + BODY_OVERHEAD


def from_env(environ: Mapping[str, str] | None = None) -> ServiceConfig:
    environ = os.environ if environ is None else environ
    raw = environ.get(CONFIG_ENV)
    if not raw:
        raise ConfigError(f"{CONFIG_ENV} is not set: the share service runs as a hub service")
    try:
        data = json.loads(raw)
        share = GovlabShare(**(data.get("share") or {}))
    except Exception as e:  # JSON or trait validation: name the problem
        raise ConfigError(f"{CONFIG_ENV} is not valid: {e}") from None
    if not share.gitlab_url:
        raise ConfigError("gitlab_url is empty: set sharing.gitlab_url in the settings file")
    if not data.get("owners_path"):
        raise ConfigError("owners_path is empty")
    service_url = urlparse(environ.get("JUPYTERHUB_SERVICE_URL") or "http://127.0.0.1:8094")
    return ServiceConfig(
        share=share,
        owners_path=data["owners_path"],
        publish=bool(data.get("publish")),
        user_tokens=bool(data.get("user_tokens")),
        prefix=environ.get("JUPYTERHUB_SERVICE_PREFIX") or "/services/govlab-share/",
        hub_api_url=(environ.get("JUPYTERHUB_API_URL") or "").rstrip("/"),
        host=service_url.hostname or "127.0.0.1",
        port=service_url.port or 8094,
        token=(environ.get(TOKEN_ENV) or "").strip(),
        hub_token=environ.get("JUPYTERHUB_API_TOKEN") or "",
    )
