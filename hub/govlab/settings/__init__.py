"""The deployment settings file: its schema, loading and validation.

Operators write one YAML file (see config/govlab.example.yaml, docs/settings.md). It is
validated once, here, at the edge: every error names the key and says how to fix it.
Secrets are never values in the file, only references to an environment variable or a
secret file; they are resolved at load time and kept as SecretStr so that printing
settings masks them.

One job per module: `types` (values several keys share), `secrets` (secret references),
`schema` (the sections and their keys), `rules` (checks across sections and modes),
`loading` (the file in, errors out), `reference` (the generated docs). Callers import
from `govlab.settings` only.
"""

from __future__ import annotations

from .base import Problem, SettingsError
from .loading import SETTINGS_ENV, LoadedSettings, default_settings_path, load, parse
from .rules import (
    branding_problems,
    check_consistency,
    hub_ports,
    local_mode_problems,
    welcome_problems,
)
from .schema import (
    AGENCY_MAX,
    CHART_MODES,
    DB_SCHEMES,
    GALLERY_SERVICE,
    GALLERY_TOPIC,
    LOCAL_HOMES_DEFAULT,
    LOGO_MAX_BYTES,
    LOGO_SUFFIXES,
    NOTICE_MAX,
    TITLE_MAX,
    AccountsSettings,
    AuthSettings,
    BrandingSettings,
    CullingSettings,
    DockerSettings,
    GallerySettings,
    GitLabAuthSettings,
    HubSettings,
    KubernetesSettings,
    LimitSettings,
    LLMSettings,
    LocalSettings,
    Settings,
    SharedPasswordSettings,
    SharingSettings,
    WelcomeSettings,
    WorkshopSettings,
)
from .secrets import SecretRef, Secrets, chart_secrets, resolve_secrets
from .types import (
    DOCKER_NAME_RE,
    IMAGE_RE,
    K8S_NAME_RE,
    K8S_QUANTITY_RE,
    MEMORY_RE,
    MIN_LAB_PORTS,
    SLUG_RE,
    USERNAME_RE,
    Duration,
    memory_bytes,
    port_range,
    seat_names,
    split_image,
)

__all__ = [
    "AGENCY_MAX",
    "CHART_MODES",
    "DB_SCHEMES",
    "DOCKER_NAME_RE",
    "GALLERY_SERVICE",
    "GALLERY_TOPIC",
    "IMAGE_RE",
    "K8S_NAME_RE",
    "K8S_QUANTITY_RE",
    "LOCAL_HOMES_DEFAULT",
    "LOGO_MAX_BYTES",
    "LOGO_SUFFIXES",
    "MEMORY_RE",
    "MIN_LAB_PORTS",
    "NOTICE_MAX",
    "SETTINGS_ENV",
    "SLUG_RE",
    "TITLE_MAX",
    "USERNAME_RE",
    "AccountsSettings",
    "AuthSettings",
    "BrandingSettings",
    "CullingSettings",
    "DockerSettings",
    "Duration",
    "GallerySettings",
    "GitLabAuthSettings",
    "HubSettings",
    "KubernetesSettings",
    "LimitSettings",
    "LLMSettings",
    "LoadedSettings",
    "LocalSettings",
    "Problem",
    "SecretRef",
    "Secrets",
    "Settings",
    "SettingsError",
    "SharedPasswordSettings",
    "SharingSettings",
    "WelcomeSettings",
    "WorkshopSettings",
    "branding_problems",
    "chart_secrets",
    "check_consistency",
    "default_settings_path",
    "hub_ports",
    "load",
    "local_mode_problems",
    "memory_bytes",
    "parse",
    "port_range",
    "resolve_secrets",
    "seat_names",
    "split_image",
    "welcome_problems",
]
