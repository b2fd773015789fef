"""Rules that span keys or sections, per mode, and checks of files the settings name.

Each function returns (key, message) problems; the loader raises them together, so an
operator sees every problem of a file at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from .base import Problem, SettingsError
from .schema import CHART_MODES, LOGO_MAX_BYTES, BrandingSettings, Settings
from .secrets import Secrets
from .types import memory_bytes


def branding_problems(branding: BrandingSettings, base_dir: Path) -> list[Problem]:
    """The logo must be a readable file of modest size (the hub serves it on every page)."""
    path = branding.logo_path(base_dir)
    if path is None:
        return []
    if not path.is_file():
        return [
            (
                "hub.branding.logo",
                f"file {path} does not exist: fix the path (relative to the settings file) or remove the key",
            )
        ]
    size = path.stat().st_size
    if size > LOGO_MAX_BYTES:
        return [("hub.branding.logo", f"file {path} is {size} bytes: use a picture under {LOGO_MAX_BYTES} bytes")]
    try:
        with path.open("rb"):
            pass
    except OSError as e:
        return [("hub.branding.logo", f"file {path} cannot be read ({e.strerror}): let the hub's user read it")]
    return []


def _url_port(url: str, default_port: int | None = None) -> int | None:
    try:
        parts = urlsplit(url)
        return parts.port or default_port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


def hub_ports(settings: Settings) -> dict[str, int]:
    """The ports the hub and its services listen on (or PostgreSQL on this machine), by key."""
    keys = {
        "hub.bind_url": settings.hub.bind_url,
        "hub.hub_bind_url": settings.hub.hub_bind_url,
        "hub.proxy_api_url": settings.hub.proxy_api_url,
        "gallery.bind_url": settings.gallery.bind_url,
        "sharing.service_bind_url": settings.sharing.service_bind_url,
    }
    ports = {key: port for key, url in keys.items() if (port := _url_port(url))}
    if settings.hub.uses_postgresql:
        host = re.sub(r"^[^:]+://([^/@]*@)?", "", settings.hub.db_url[:500]).split("/", 1)[0]
        if host.rsplit(":", 1)[0] in ("", "localhost", "127.0.0.1", "[::1]"):
            port = _url_port(f"postgresql://{host}", 5432)
            if port:
                ports["hub.db_url"] = port
    return ports


def _lab_port_problems(settings: Settings) -> list[Problem]:
    """local.lab_ports must leave the hub's own ports alone (where the hub assigns ports)."""
    if not (settings.mode == "local" or (settings.mode in ("docker", "swarm") and settings.docker.host_network)):
        return []
    low, high = settings.local.lab_ports
    return [
        (
            "local.lab_ports",
            f"{low}-{high} holds {key}'s port {port}: a lab could take it. Move the range "
            f'(e.g. "20000-32767") or change {key}',
        )
        for key, port in hub_ports(settings).items()
        if low <= port <= high
    ]


def local_mode_problems(settings: Settings, running_as_root: bool) -> list[Problem]:
    """Local mode without root gives no boundary between officials: only when said so."""
    if settings.mode != "local" or running_as_root or settings.local.trusted_group:
        return []
    return [
        (
            "local.trusted_group",
            "the hub does not run as root, so every lab would run as the hub's user and "
            "officials could read each other's files and the hub's secrets: run `govlab start` "
            "as root (each official gets a system user), use mode: docker, or set "
            "`local: {trusted_group: true}` if every official may see everything",
        )
    ]


def welcome_problems(settings: Settings, base_dir: Path) -> list[Problem]:
    welcome = settings.welcome
    if not (welcome.enabled and welcome.folder):
        return []
    if settings.mode in ("swarm", *CHART_MODES):
        return [
            (
                "welcome.folder",
                f"a folder on the hub's disk cannot reach {settings.mode} labs: remove the key "
                "(the lab image's built-in starters are handed out) or build your starters into the lab image",
            )
        ]
    path = welcome.folder_path(base_dir)
    if not path.is_dir():
        return [
            (
                "welcome.folder",
                f"folder {path} does not exist: fix the path (relative to the settings file), "
                "or remove the key for the built-in starters",
            )
        ]
    return []


def check_consistency(settings: Settings, secrets: Secrets, source: str, environ: Mapping[str, str] = {}) -> None:
    """Rules that span sections."""
    problems = []
    chart = settings.mode in CHART_MODES
    # (In the chart modes the chart generates and keeps the hub's encryption key.)
    if settings.auth.method == "gitlab" and not chart and not environ.get("JUPYTERHUB_CRYPT_KEY"):
        problems.append(
            (
                "auth.method",
                "GitLab sign-in keeps tokens encrypted: set JUPYTERHUB_CRYPT_KEY "
                "(generate one with `openssl rand -hex 32`)",
            )
        )
    if settings.auth.method == "shared-password":
        if not secrets.user_password and not secrets.admin_password:
            problems.append(
                (
                    "auth.shared_password",
                    "nobody could sign in: set `user_password: {env: GOVLAB_USER_PASSWORD}`",
                )
            )
        if settings.auth.admin_users and not secrets.admin_password:
            problems.append(
                (
                    "auth.shared_password.admin_password",
                    "admin_users are listed but no admin password is set: admins could not sign in",
                )
            )
        if (
            secrets.user_password
            and secrets.admin_password
            and secrets.user_password.get_secret_value() == secrets.admin_password.get_secret_value()
        ):
            problems.append(("auth.shared_password.admin_password", "must differ from user_password"))
        if secrets.user_password and not settings.auth.shared_password.trusted_trial:
            problems.append(
                (
                    "auth.shared_password.trusted_trial",
                    "user_password lets whoever knows it sign in as any official: use "
                    "`auth.method: accounts` (each official applies and has their own password), "
                    "or, for a trial among people who trust each other, set `trusted_trial: true`",
                )
            )
    if settings.auth.method == "accounts" and settings.auth.admin_users and not secrets.admin_password:
        problems.append(
            (
                "auth.accounts.admin_password",
                "admin_users are listed but no admin password is set: set "
                "`admin_password: {env: GOVLAB_ADMIN_PASSWORD}` (32+ characters)",
            )
        )
    if settings.llm.base_url and not settings.llm.model:
        problems.append(("llm.model", "base_url is set but no model: name the model, e.g. openai/<name>"))
    problems += _workshop_problems(settings)
    if chart:
        problems += _kubernetes_problems(settings)
    if settings.hub.external_proxy and not chart and not environ.get("CONFIGPROXY_AUTH_TOKEN"):
        problems.append(
            (
                "hub.external_proxy",
                "the hub and the separate proxy share a token: set CONFIGPROXY_AUTH_TOKEN for "
                "both (generate one with `openssl rand -hex 32`)",
            )
        )
    if settings.hub.db_password and not settings.hub.uses_postgresql:
        problems.append(
            ("hub.db_password", "is only used with a PostgreSQL hub.db_url: set db_url, or remove db_password")
        )
    if settings.sharing.namespace and not settings.sharing.gitlab_url:
        problems.append(("sharing.gitlab_url", "namespace is set but gitlab_url is empty"))
    if settings.gallery.enabled and not settings.sharing.gitlab_url:
        problems.append(("gallery.enabled", "the gallery lists what was shared to GitLab: set sharing.gitlab_url"))
    problems += _container_problems(settings)
    problems += _lab_port_problems(settings)
    if problems:
        raise SettingsError(source, problems)


def _container_problems(settings: Settings) -> list[Problem]:
    if settings.mode not in ("docker", "swarm"):
        return []
    docker = settings.docker
    problems: list[Problem] = []
    hub_host = re.sub(r"^https?://([^/:]+|\[[^]]+\]).*$", r"\1", settings.hub.hub_bind_url)
    if not docker.host_network:
        if hub_host in ("127.0.0.1", "localhost", "[::1]"):
            problems.append(
                (
                    "hub.hub_bind_url",
                    f"labs on the Docker network '{docker.network}' cannot reach a hub API bound to "
                    f"{hub_host}: set hub_bind_url: http://0.0.0.0:8081 and docker.hub_connect_url "
                    "to the hub's address on that network (e.g. http://hub:8081)",
                )
            )
        if not docker.hub_connect_url:
            problems.append(
                (
                    "docker.hub_connect_url",
                    f"labs on the Docker network '{docker.network}' need the hub's address on it, "
                    "e.g. http://hub:8081 (or use network: host on a single machine)",
                )
            )
    if settings.mode == "swarm":
        # Docker mode mounts a cohort's starter folder into its seats' containers; a
        # folder on the hub's disk cannot reach the swarm's nodes.
        for i, w in enumerate(settings.workshops):
            if w.starter:
                problems.append(
                    (
                        f"workshops.{i}.starter",
                        "a starter folder on the hub's disk cannot reach swarm nodes: use materials_repo",
                    )
                )
    return problems


def _workshop_problems(settings: Settings) -> list[Problem]:
    problems: list[Problem] = []
    seen_names: set[str] = set()
    seat_owner: dict[str, str] = {}
    admins = set(settings.auth.admin_users)
    for i, w in enumerate(settings.workshops):
        key = f"workshops.{i}"
        if w.name in seen_names:
            problems.append((f"{key}.name", f"cohort '{w.name}' is listed twice"))
        seen_names.add(w.name)
        seats = w.seat_names
        for seat in seats:
            if seat in seat_owner:
                problems.append(
                    (
                        f"{key}.seat_prefix",
                        f"seat {seat} is also a seat of cohort '{seat_owner[seat]}': use another seat_prefix",
                    )
                )
                break
            seat_owner[seat] = w.name
        if admins & set(seats):
            problems.append(
                (f"{key}.seat_prefix", f"seats {sorted(admins & set(seats))} are admin users: seats must not be admins")
            )
        clash = set(w.trainers) & set(seats)
        if clash:
            problems.append((f"{key}.trainers", f"{sorted(clash)} are seats of this cohort, not trainers"))
    trainers = {t for w in settings.workshops for t in w.trainers}
    for seat, cohort in seat_owner.items():
        if seat in trainers:
            problems.append(("workshops", f"{seat} is a trainer and a seat of cohort '{cohort}'"))
    if settings.auth.method == "gitlab":
        for i, w in enumerate(settings.workshops):
            if w.generated:
                problems.append(
                    (
                        f"workshops.{i}.seats",
                        "generated seats sign in with passwords: with GitLab sign-in list existing accounts in "
                        "`members` instead",
                    )
                )
    return problems


def _kubernetes_problems(settings: Settings) -> list[Problem]:
    """What the Zero to JupyterHub values cannot carry."""
    problems: list[Problem] = []
    hub = settings.hub
    if not hub.public_url:
        problems.append(
            ("hub.public_url", "kubernetes mode needs the address officials use, e.g. https://lab.example.go.kr")
        )
    if hub.db_url.startswith("sqlite"):
        problems.append(
            ("hub.db_url", "the chart keeps SQLite on its own volume: leave db_url empty, or use postgresql://")
        )
    if settings.auth.method == "accounts":
        problems.append(
            (
                "auth.method",
                "accounts needs govlab's pages in the hub, which the chart's hub image does not have: use gitlab",
            )
        )
    if hub.external_proxy:
        problems.append(("hub.external_proxy", "the chart runs its own proxy: remove the key"))
    if hub.extra_config_dir:
        problems.append(
            (
                "hub.extra_config_dir",
                "the hub runs in the cluster: put extra config in the chart's hub.extraFiles instead",
            )
        )
    if settings.gallery.enabled:
        problems.append(
            (
                "gallery.enabled",
                "the gallery service needs the govlab hub image, not yet wired for kubernetes: set it to false",
            )
        )
    if settings.sharing.token is not None:
        # Without the hub-side share service the shared token would sit in every lab.
        problems.append(
            (
                "sharing.token",
                "no lab may hold a shared GitLab token, and the share service needs the govlab hub image, not yet "
                "wired for kubernetes: remove the key and use auth.method: gitlab (each official shares with their "
                "own GitLab sign-in)",
            )
        )
    for i, w in enumerate(settings.workshops):
        if w.generated:
            problems.append(
                (
                    f"workshops.{i}.seats",
                    "generated seats keep their passwords in the hub's state directory, which the chart's hub does "
                    "not have: list accounts in `members`",
                )
            )
        if w.starter:
            problems.append(
                (
                    f"workshops.{i}.starter",
                    "starter folders are copied by a local hub: use `materials_repo` (nbgitpuller links) on kubernetes",
                )
            )
    k8s = settings.kubernetes
    guarantee = k8s.memory_guarantee
    if guarantee and memory_bytes(guarantee) > memory_bytes(settings.limits.memory):
        problems.append(
            ("kubernetes.memory_guarantee", f"{guarantee} is more than limits.memory ({settings.limits.memory})")
        )
    if k8s.cpu_guarantee and k8s.cpu_guarantee > settings.limits.cpu:
        problems.append(
            ("kubernetes.cpu_guarantee", f"{k8s.cpu_guarantee} is more than limits.cpu ({settings.limits.cpu})")
        )
    if k8s.tls_secret and not k8s.ingress_class:
        problems.append(("kubernetes.tls_secret", "is used by the Ingress: set ingress_class too"))
    if k8s.ingress_class and not hub.public_url.startswith("https://"):
        problems.append(("hub.public_url", "the Ingress serves hub.public_url's host: make it https://"))
    return problems
