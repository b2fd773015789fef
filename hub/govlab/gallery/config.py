"""The gallery service's configuration, read once from the environment the hub gives it.

The hub builds it from the settings file (govlab.hubconfig.gallery_config): non-secret
values as JSON in GOVLAB_GALLERY_CONFIG, the catalog token in its own variable. Every
default is the settings schema's (govlab.settings.GallerySettings), never restated here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

from govlab.settings import GALLERY_SERVICE, GALLERY_TOPIC, GallerySettings

CONFIG_ENV = "GOVLAB_GALLERY_CONFIG"
TOKEN_ENV = "GOVLAB_GALLERY_GITLAB_TOKEN"
# The hub's custom scope that marks a curator (the hub grants it: hubconfig.gallery_section).
CURATE_SCOPE = "custom:govlab-gallery:curate"
_DEFAULTS = GallerySettings()
_BIND = urlparse(_DEFAULTS.bind_url)


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class GalleryConfig:
    gitlab_url: str
    namespaces: tuple[str, ...] = ()
    topic: str = GALLERY_TOPIC
    user_tokens: bool = False  # list private projects with each official's own GitLab token
    # Shared-password sign-in: private projects the catalog token sees are shown to the
    # official named `owner` in their manifest (the share wrote it from the hub name).
    owner_private: bool = False
    db_path: str = "gallery.sqlite"
    refresh_every: float = float(_DEFAULTS.refresh_every)
    request_timeout: float = _DEFAULTS.request_timeout
    page_size: int = _DEFAULTS.page_size
    curate_scope: str = CURATE_SCOPE
    agency: str = ""
    # Filled from JupyterHub's service environment.
    prefix: str = f"/services/{GALLERY_SERVICE}/"
    hub_api_url: str = ""
    host: str = str(_BIND.hostname)  # the schema's validator makes bind_url http://HOST:PORT
    port: int = int(_BIND.port or 0)
    token: str = field(default="", repr=False)  # catalog token (public + internal)

    @property
    def first_wait(self) -> float:
        """Longest a page view waits for a catalog that was never loaded."""
        return min(self.request_timeout, 5.0)


def from_env(environ: Mapping[str, str] | None = None) -> GalleryConfig:
    environ = os.environ if environ is None else environ
    raw = environ.get(CONFIG_ENV)
    if not raw:
        raise ConfigError(f"{CONFIG_ENV} is not set: the gallery runs as a hub service (gallery.enabled)")
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise ConfigError(f"{CONFIG_ENV} is not JSON: {e}") from None
    if not data.get("gitlab_url"):
        raise ConfigError("gitlab_url is empty: set sharing.gitlab_url in the settings file")
    service_url = urlparse(environ.get("JUPYTERHUB_SERVICE_URL") or _DEFAULTS.bind_url)
    d = GalleryConfig  # the defaults, for keys the hub left out
    return GalleryConfig(
        gitlab_url=data["gitlab_url"].rstrip("/"),
        namespaces=tuple(data.get("namespaces") or ()),
        topic=data.get("topic") or d.topic,
        user_tokens=bool(data.get("user_tokens")),
        owner_private=bool(data.get("owner_private")),
        db_path=data.get("db_path") or d.db_path,
        refresh_every=float(data.get("refresh_every") or d.refresh_every),
        request_timeout=float(data.get("request_timeout") or d.request_timeout),
        page_size=int(data.get("page_size") or d.page_size),
        curate_scope=data.get("curate_scope") or d.curate_scope,
        agency=data.get("agency") or "",
        prefix=environ.get("JUPYTERHUB_SERVICE_PREFIX") or d.prefix,
        hub_api_url=(environ.get("JUPYTERHUB_API_URL") or "").rstrip("/"),
        host=service_url.hostname or d.host,
        port=service_url.port or d.port,
        token=(environ.get(TOKEN_ENV) or "").strip(),
    )
