"""The deployment settings file: its schema, loading and validation.

Operators write one YAML file (see config/govlab.example.yaml). It is validated once,
here, at the edge: every error names the key and says how to fix it. Secrets are never
values in the file, only references to an environment variable or a secret file; they
are resolved at load time and kept as SecretStr so that printing settings masks them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from .assistant.config import INSTRUCTIONS_MAX, TIMEOUT_DEFAULT, TIMEOUT_MAX, TIMEOUT_MIN
from .labimage import LAB_HOME

SETTINGS_ENV = "GOVLAB_SETTINGS"
# Modes whose hub runs elsewhere, from generated config: `kubernetes` is the Zero to
# JupyterHub Helm chart (`govlab k8s-values` writes its values). The settings file is
# valid in them, but `govlab start` refuses them, and their secrets live in the
# cluster: the {env:}/{file:} references only say which secrets exist.
CHART_MODES = ("kubernetes",)


class SettingsError(Exception):
    """A settings file that cannot be used. `problems` are (key, message) pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"govlab settings in {source} are not valid:"]
        lines += [f"  - {key}: {msg}" for key, msg in problems]
        super().__init__("\n".join(lines))


class _Section(BaseModel):
    # Unknown keys are typos far more often than intent: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(_Section):
    """Where a secret comes from: an environment variable or a file (never inline)."""

    env: str | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "SecretRef":
        if bool(self.env) == bool(self.file):
            raise ValueError(
                "give exactly one of `env: VARIABLE_NAME` or `file: /path/to/secret`"
            )
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"file {self.file}"

    def resolve(self, environ: Mapping[str, str], base_dir: Path) -> str | None:
        """The secret's value, or None when the variable or file is missing."""
        if self.env:
            value = environ.get(self.env)
        else:
            path = Path(self.file).expanduser()
            if not path.is_absolute():
                path = base_dir / path
            try:
                value = path.read_text(encoding="utf-8")
            except OSError:
                return None
        value = (value or "").strip()
        return value or None


Duration = Annotated[int, Field(ge=0, description="seconds")]
MEMORY_RE = re.compile(r"^\d+(\.\d+)?[KMGT]?$")
# The hub databases govlab supports; PostgreSQL goes through psycopg 3 (SQLAlchemy's
# default PostgreSQL driver), installed with govlab.
DB_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
# The hub's pages show the logo as an <img>: formats every browser draws.
LOGO_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp")
LOGO_MAX_BYTES = 1_000_000
NOTICE_MAX = 1000
TITLE_MAX = 60
AGENCY_MAX = 80
# Control characters other than line breaks have no place in text shown on a page.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class BrandingSettings(_Section):
    """What the hub's own pages show: product name, agency, logo, sign-in notice."""

    title: str = "govlab AI 실험실"
    agency: str = ""
    # A picture file; relative paths are relative to the settings file.
    logo: str = ""
    # Plain text on the sign-in page (보안 서약, 개인정보 입력 금지 안내); HTML is shown as text.
    notice: str = ""

    @field_validator("title", "agency")
    @classmethod
    def _one_line(cls, v: str, info: Any) -> str:
        v = v.strip()
        if info.field_name == "title" and not v:
            raise ValueError("must not be empty: name the product, e.g. govlab AI 실험실")
        limit = TITLE_MAX if info.field_name == "title" else AGENCY_MAX
        if len(v) > limit:
            raise ValueError(f"is {len(v)} characters long: shorten it to {limit} or fewer")
        if "\n" in v or _CONTROL_RE.search(v):
            raise ValueError("must be one line of plain text")
        return v

    @field_validator("notice")
    @classmethod
    def _notice(cls, v: str) -> str:
        v = v.strip()
        if len(v) > NOTICE_MAX:
            raise ValueError(
                f"is {len(v)} characters long; keep it under {NOTICE_MAX} "
                "(link a longer text from your intranet instead)"
            )
        if _CONTROL_RE.search(v):
            raise ValueError("must be plain text: remove control characters")
        return v

    @field_validator("logo")
    @classmethod
    def _logo_suffix(cls, v: str) -> str:
        if v and not v.lower().endswith(LOGO_SUFFIXES):
            raise ValueError(f"must be a picture file ending in one of {', '.join(LOGO_SUFFIXES)}")
        return v

    def logo_path(self, base_dir: Path) -> Path | None:
        if not self.logo:
            return None
        path = Path(self.logo).expanduser()
        return path if path.is_absolute() else (base_dir / path).resolve()


def branding_problems(branding: BrandingSettings, base_dir: Path) -> list[tuple[str, str]]:
    """The logo must be a readable file of modest size (the hub serves it on every page)."""
    path = branding.logo_path(base_dir)
    if path is None:
        return []
    if not path.is_file():
        return [("hub.branding.logo", f"file {path} does not exist: fix the path (relative to the settings file) or remove the key")]
    size = path.stat().st_size
    if size > LOGO_MAX_BYTES:
        return [("hub.branding.logo", f"file {path} is {size} bytes: use a picture under {LOGO_MAX_BYTES} bytes")]
    try:
        with path.open("rb"):
            pass
    except OSError as e:
        return [("hub.branding.logo", f"file {path} cannot be read ({e.strerror}): let the hub's user read it")]
    return []


class HubSettings(_Section):
    bind_url: str = "http://127.0.0.1:8000"
    # Address officials use in their browsers; links written into shared READMEs.
    public_url: str = ""
    # Relative paths are relative to the settings file.
    state_dir: str = "../.govlab"
    # Empty: SQLite in state_dir. PostgreSQL: postgresql://user@host:5432/dbname, with
    # the password in db_password (never in the URL, which is logged and printed).
    db_url: str = ""
    db_password: SecretRef | None = None
    # Internal addresses: the hub's API for the labs and the proxy's control API.
    hub_bind_url: str = "http://127.0.0.1:8081"
    proxy_api_url: str = "http://127.0.0.1:8001"
    # true: configurable-http-proxy runs as its own service (docker-compose) and the hub
    # only drives it at proxy_api_url, with the token from $CONFIGPROXY_AUTH_TOKEN.
    external_proxy: bool = False
    concurrent_spawn_limit: int = Field(20, ge=1)
    # Stop the labs when the hub stops. Default: yes in local mode (no orphan
    # processes); no in the container modes, so a hub upgrade interrupts nobody.
    stop_servers_on_exit: bool | None = None
    # Seconds a lab may take to start (2 cores and ten officials at once: minutes).
    start_timeout: int = Field(300, ge=10)
    # Python files loaded after govlab's config, in name order: the escape hatch.
    extra_config_dir: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    branding: BrandingSettings = BrandingSettings()

    @property
    def address(self) -> str:
        """Where officials reach the hub: public_url, else bind_url."""
        return self.public_url or self.bind_url

    @field_validator("bind_url", "public_url", "hub_bind_url", "proxy_api_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if v and not re.match(r"^https?://[^/\s]+(/.*)?$", v):
            raise ValueError("must be an http(s) URL such as http://127.0.0.1:8000")
        return v.rstrip("/")

    @field_validator("db_url")
    @classmethod
    def _db_url(cls, v: str) -> str:
        if not v:
            return v
        scheme, sep, rest = v.partition("://")
        if not sep or scheme not in DB_SCHEMES:
            raise ValueError(
                "must be empty (SQLite in state_dir), sqlite:////path/jupyterhub.sqlite or "
                "postgresql://user@host:5432/dbname"
            )
        if scheme.startswith("postgresql"):
            userinfo = rest.split("/", 1)[0].rpartition("@")[0]
            if ":" in userinfo:
                raise ValueError(
                    "holds a password: remove it from the URL and set "
                    "`hub.db_password: {env: GOVLAB_DB_PASSWORD}` (or `{file: ...}`)"
                )
        return v

    @property
    def uses_postgresql(self) -> bool:
        return self.db_url.startswith("postgresql")


class SharedPasswordSettings(_Section):
    # One password for every official: whoever knows it signs in as anyone. Only with
    # trusted_trial: true (a trial among people who trust each other); a warning at start.
    user_password: SecretRef | None = None
    admin_password: SecretRef | None = None
    trusted_trial: bool = False


class AccountsSettings(_Section):
    """auth.method: accounts - each official applies (이용 신청), an admin approves,
    the official signs in with their own password (jupyterhub-nativeauthenticator)."""

    # The auth.admin_users sign in with this password; nobody can apply for their names.
    admin_password: SecretRef | None = None
    # Officials' passwords: at least this long, and never one of the common passwords.
    min_password_length: int = Field(10, ge=8, le=64)
    # After this many failed sign-ins in a row a name is locked for lockout_seconds.
    max_failed_logins: int = Field(5, ge=1, le=100)
    lockout_seconds: int = Field(600, ge=1, le=86400)


class GitLabAuthSettings(_Section):
    url: str
    client_id: str
    client_secret: SecretRef
    # Group paths or numeric ids; members of any of them may sign in.
    allowed_groups: list[str] = []

    @field_validator("url")
    @classmethod
    def _gitlab_url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", v):
            raise ValueError("must be the GitLab's http(s) address, e.g. https://gitlab.example.go.kr")
        return v.rstrip("/")

    @field_validator("allowed_groups", mode="before")
    @classmethod
    def _groups(cls, v: Any) -> Any:
        if not isinstance(v, list):
            return v
        v = [str(g) if isinstance(g, int) else g for g in v]
        nested = [g for g in v if isinstance(g, str) and "/" in g]
        if nested:
            # oauthenticator 17.4 encodes the group path twice, so GitLab never finds
            # a subgroup by path (jupyterhub/oauthenticator#423); its id works.
            raise ValueError(
                f"{nested} are subgroups: give their numeric group ids instead "
                "(GitLab shows the id on the group's page)"
            )
        return v


class AuthSettings(_Section):
    method: Literal["shared-password", "gitlab", "accounts"] = "shared-password"
    admin_users: list[str] = []
    # Empty: anyone who knows the password (shared-password), passes GitLab's checks or
    # whose application an admin approved (accounts).
    allowed_users: list[str] = []
    shared_password: SharedPasswordSettings = SharedPasswordSettings()
    gitlab: GitLabAuthSettings | None = None
    accounts: AccountsSettings | None = None

    @field_validator("admin_users", "allowed_users")
    @classmethod
    def _usernames(cls, v: list[str]) -> list[str]:
        bad = [u for u in v if not USERNAME_RE.match(u)]
        if bad:
            raise ValueError(
                f"{bad} are not valid user names: use lowercase letters, digits, '-', '_' and '.'"
            )
        return v

    @model_validator(mode="after")
    def _method_section(self) -> "AuthSettings":
        if self.method == "gitlab" and self.gitlab is None:
            raise ValueError("method is 'gitlab' but the `auth.gitlab` section is missing")
        if self.accounts is not None and self.method != "accounts":
            raise ValueError("`auth.accounts` is only used with `method: accounts`: set the method, or remove the section")
        if self.method == "accounts" and self.shared_password != SharedPasswordSettings():
            raise ValueError(
                "method is 'accounts': remove `auth.shared_password` (officials have their own "
                "passwords; the admin password is `auth.accounts.admin_password`)"
            )
        return self


USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class LLMSettings(_Section):
    # A litellm model id for an OpenAI-compatible endpoint, e.g. "openai/qwen2.5-coder".
    # Empty: no model; the assistant answers that none is configured.
    model: str = ""
    base_url: str = ""
    api_key: SecretRef | None = None
    # Non-secret extra parameters passed to the model (temperature, ...).
    params: dict[str, Any] = {}
    # Probe the endpoint when the hub starts; a failure is a warning, not fatal.
    check_at_start: bool = True
    check_timeout: float = Field(3.0, gt=0, le=60)
    # The govlab assistant (govlab.assistant): operator text appended to its Korean
    # instructions; what happens to personal data in a message; which tools the model
    # may call; whether code-running calls wait for the official; how long a model
    # request may take. Values and defaults live in govlab.assistant.config.
    instructions: str = ""
    privacy_guard: Literal["block", "mask", "off"] = "block"
    tools: Literal["none", "notebook", "notebook+shell"] = "notebook"
    approve: Literal["always", "never"] = "always"
    timeout: int = TIMEOUT_DEFAULT

    @field_validator("instructions")
    @classmethod
    def _instructions(cls, v: str) -> str:
        if len(v) > INSTRUCTIONS_MAX:
            raise ValueError(
                f"is {len(v)} characters long: keep it to {INSTRUCTIONS_MAX} "
                "(every request carries it; put long guidance in a starter notebook)"
            )
        return v.strip()

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, v: int) -> int:
        if not TIMEOUT_MIN <= v <= TIMEOUT_MAX:
            raise ValueError(
                f"{v} is out of range: give seconds from {TIMEOUT_MIN} to {TIMEOUT_MAX} "
                f"(default {TIMEOUT_DEFAULT})"
            )
        return v

    @field_validator("model")
    @classmethod
    def _litellm_id(cls, v: str) -> str:
        if v and "/" not in v:
            raise ValueError(
                f"'{v}' has no provider prefix: write a litellm id such as 'openai/{v}'"
            )
        return v

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not re.match(r"^https?://", v):
            raise ValueError("must start with http:// or https:// (e.g. http://127.0.0.1:11434/v1)")
        return v.rstrip("/")

    @field_validator("params")
    @classmethod
    def _no_secret_params(cls, v: dict[str, Any]) -> dict[str, Any]:
        bad = [k for k in v if re.search(r"key|token|secret|password", k, re.I)]
        if bad:
            raise ValueError(f"{bad} look like secrets: use `llm.api_key: {{env: NAME}}` instead")
        return v


class LimitSettings(_Section):
    # Enforced by the container spawners (docker, swarm, kubernetes); local mode
    # only reports them to the lab (MEM_LIMIT / CPU_LIMIT).
    memory: str = "2G"
    cpu: float = Field(1.0, gt=0)

    @field_validator("memory")
    @classmethod
    def _memory(cls, v: str) -> str:
        if not MEMORY_RE.match(str(v)):
            raise ValueError("must be a size such as 512M, 2G or 1.5G")
        return str(v)


class CullingSettings(_Section):
    enabled: bool = True
    timeout: Duration = 3600
    every: Duration = 300
    # 0: no maximum age.
    max_age: Duration = 0


class SharingSettings(_Section):
    gitlab_url: str = ""
    # A GitLab group (e.g. the agency's); empty: each user's own namespace.
    namespace: str = ""
    default_visibility: Literal["private", "internal", "public"] = "private"
    agency: str = ""
    # Local sign-in only: a personal access token. It stays in the hub's share
    # service (govlab-share), which commits for the labs; no lab ever holds it.
    # With GitLab sign-in each official's own short-lived OAuth token is used.
    token: SecretRef | None = None
    # Where the share service listens; labs reach it there (or through the proxy).
    service_bind_url: str = "http://127.0.0.1:8094"
    # Besides gitlab_url (and workshops' materials_repo hosts), where "git-pull" links
    # may pull from: https base URLs, e.g. https://git.example.go.kr/edu.
    pull_hosts: list[str] = []

    @field_validator("pull_hosts")
    @classmethod
    def _pull_hosts(cls, v: list[str]) -> list[str]:
        bad = [u for u in v if not re.match(r"^https://[A-Za-z0-9.\-]{1,253}(:\d{1,5})?(/[^\s?#@]{0,500})?$", u)]
        if bad:
            raise ValueError(f"{bad}: each entry must be an https base URL such as https://git.example.go.kr/edu")
        return [u.rstrip("/") for u in v]

    @field_validator("service_bind_url")
    @classmethod
    def _service_bind_url(cls, v: str) -> str:
        m = re.match(r"^http://([^/:\s]+):(\d{2,5})/?$", v)
        if not m or m.group(1) in ("0.0.0.0", "::"):
            raise ValueError(
                "must be http://HOST:PORT that the hub's proxy can reach, e.g. http://127.0.0.1:8094 "
                "(one machine) or http://hub:8094 (the hub's container)"
            )
        return v.rstrip("/")


GALLERY_SERVICE = "gallery"  # the JupyterHub service name: /services/gallery/
GALLERY_TOPIC = "govlab"  # the GitLab topic the share extension sets on every project


class GallerySettings(_Section):
    """The gallery of shared work (a hub service)."""

    enabled: bool = False
    # Where the service listens; the hub's proxy forwards /services/gallery/ to it.
    bind_url: str = "http://127.0.0.1:8093"
    # GitLab groups whose shared projects are listed; empty: `sharing.namespace`,
    # and when that is empty too, every project carrying the topic.
    namespaces: list[str] = []
    topic: str = GALLERY_TOPIC
    # A read_api token (a bot user's) for the public and internal catalog; empty:
    # `sharing.token`, else anonymous (public projects only).
    token: SecretRef | None = None
    # Seconds between catalog refreshes; a page view never waits for one.
    refresh_every: int = Field(120, ge=10, le=86400)
    # Seconds one GitLab request may take before the gallery gives up and retries later.
    request_timeout: float = Field(10.0, gt=0, le=120)
    page_size: int = Field(24, ge=1, le=200)
    # Who may mark featured entries (besides auth.admin_users).
    curators: list[str] = []

    @field_validator("bind_url")
    @classmethod
    def _service_url(cls, v: str) -> str:
        # The hub's proxy connects to this address; the service listens on it.
        m = re.match(r"^http://([^/:\s]+):(\d{2,5})/?$", v)
        if not m or m.group(1) in ("0.0.0.0", "::"):
            raise ValueError(
                "must be http://HOST:PORT that the hub's proxy can reach, e.g. http://127.0.0.1:8093 "
                "(one machine) or http://hub:8093 (the hub's container)"
            )
        return v.rstrip("/")

    @field_validator("namespaces")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        bad = [g for g in v if not re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.\-]*(/[A-Za-z0-9_.][A-Za-z0-9_.\-]*)*", g)]
        if bad:
            raise ValueError(f"{bad} are not GitLab group paths: write them like 'agency/shared'")
        return v

    @field_validator("topic")
    @classmethod
    def _topic(cls, v: str) -> str:
        if not v.strip() or "," in v:
            raise ValueError("must be one GitLab topic name without commas, e.g. govlab")
        return v.strip()

    @field_validator("curators")
    @classmethod
    def _curators(cls, v: list[str]) -> list[str]:
        bad = [u for u in v if not USERNAME_RE.match(u)]
        if bad:
            raise ValueError(
                f"{bad} are not valid user names: use lowercase letters, digits, '-', '_' and '.'"
            )
        return v


DOCKER_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
IMAGE_RE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$")


class LocalSettings(_Section):
    """mode: local - labs as local processes (govlab.spawners.GovlabLocalSpawner)."""

    # Hub as root: each official's lab runs as their own system user (govlab-<name>)
    # with a 0700 home here. Empty: /home/govlab as root, <state_dir>/home otherwise.
    homes: str = ""
    # Without root every lab runs as the hub's user: officials can read each other's
    # files and the hub's secrets. Only for a group that trusts each other, said here.
    trusted_group: bool = False
    # Loopback ports the hub gives the labs (mode local; docker/swarm with network: host):
    # "LOW-HIGH" or [LOW, HIGH]. The default stays below Linux's ephemeral range
    # (32768-60999), so no outgoing connection or kernel socket takes a lab's port.
    lab_ports: tuple[int, int] = (20000, 32767)

    @field_validator("homes")
    @classmethod
    def _homes(cls, v: str) -> str:
        if v and not v.startswith("/"):
            raise ValueError("must be an absolute directory such as /home/govlab")
        return v.rstrip("/") or v

    @field_validator("lab_ports", mode="before")
    @classmethod
    def _lab_ports(cls, v: Any) -> tuple[int, int]:
        return port_range(v)


# Default parent of the officials' homes when the hub runs as root.
LOCAL_HOMES_DEFAULT = "/home/govlab"
# Fewest ports local.lab_ports may hold: one per running lab, with room for restarts
# (a port handed out stays reserved for a while; govlab.spawnhooks).
MIN_LAB_PORTS = 100
_PORT_RANGE_RE = re.compile(r"^\s{0,5}(\d{1,5})\s{0,5}-\s{0,5}(\d{1,5})\s{0,5}$")


def port_range(v: Any) -> tuple[int, int]:
    """"LOW-HIGH" or [LOW, HIGH] -> (low, high), within 1024-65535, MIN_LAB_PORTS or more."""
    example = '"20000-32767" or [20000, 32767]'
    if isinstance(v, str) and len(v) <= 40 and (m := _PORT_RANGE_RE.match(v)):
        low, high = int(m.group(1)), int(m.group(2))
    elif isinstance(v, (list, tuple)) and len(v) == 2 and all(type(p) is int for p in v):
        low, high = v
    else:
        raise ValueError(f"must be a port range such as {example}")
    if not 1024 <= low <= high <= 65535:
        raise ValueError(f"must be LOW-HIGH with 1024 <= LOW <= HIGH <= 65535, such as {example}")
    if high - low + 1 < MIN_LAB_PORTS:
        raise ValueError(
            f"holds {high - low + 1} ports: give at least {MIN_LAB_PORTS} (one per running lab, "
            f"with room to spare), e.g. \"20000-32767\""
        )
    return (low, high)


def _url_port(url: str, default_port: int | None = None) -> int | None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        return parts.port or default_port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


def hub_ports(settings: "Settings") -> dict[str, int]:
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


def _lab_port_problems(settings: "Settings") -> list[tuple[str, str]]:
    """local.lab_ports must leave the hub's own ports alone (where the hub assigns ports)."""
    if not (settings.mode == "local" or (settings.mode in ("docker", "swarm") and settings.docker.host_network)):
        return []
    low, high = settings.local.lab_ports
    return [
        (
            "local.lab_ports",
            f"{low}-{high} holds {key}'s port {port}: a lab could take it. Move the range "
            f"(e.g. \"20000-32767\") or change {key}",
        )
        for key, port in hub_ports(settings).items()
        if low <= port <= high
    ]


def local_mode_problems(settings: "Settings", running_as_root: bool) -> list[tuple[str, str]]:
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


class DockerSettings(_Section):
    """Modes docker and swarm: one container (or swarm service) per official."""

    # Built with images/build lab (or pushed to an internal registry).
    image: str = "govlab/lab:latest"
    # `never`: the image must already be on the engine (a closed network without a
    # registry); `ifnotpresent`: pull once; `always`: pull at every start.
    pull_policy: Literal["never", "ifnotpresent", "always"] = "ifnotpresent"
    # A user-defined Docker network shared with the hub (production: each lab has its
    # own network namespace), or "host": labs listen on 127.0.0.1 of the hub's machine
    # at ports the hub assigns (single host, one trusted group; what the tests use).
    network: str = "govlab"
    # Where labs reach the hub's API when not on the host network, e.g.
    # http://hub:8081 (the hub's name on that network).
    hub_connect_url: str = ""
    # Named volume per official for the home directory; {username} is required.
    volume_template: str = "govlab-home-{username}"
    # The official's home inside the lab image (uid 1000).
    home: str = LAB_HOME
    # Process limit per container (a fork bomb stays inside its own lab).
    pids_limit: int = Field(1024, ge=64)

    @field_validator("image")
    @classmethod
    def _image(cls, v: str) -> str:
        if not IMAGE_RE.match(v):
            raise ValueError("must be an image reference such as govlab/lab:0.1.0 or registry.example.go.kr/govlab/lab:0.1.0")
        return v

    @field_validator("network")
    @classmethod
    def _network(cls, v: str) -> str:
        if v == "bridge" or not DOCKER_NAME_RE.match(v):
            raise ValueError(
                "must be 'host' or the name of a user-defined network such as govlab "
                "(Docker's default 'bridge' gives containers no names to reach the hub by)"
            )
        return v

    @field_validator("volume_template")
    @classmethod
    def _volume(cls, v: str) -> str:
        if "{username}" not in v:
            raise ValueError("must contain {username}, or every official would share one home volume")
        if not DOCKER_NAME_RE.match(v.replace("{username}", "u")):
            raise ValueError("must be a Docker volume name: letters, digits, '_', '.', '-' and {username}")
        return v

    @field_validator("hub_connect_url")
    @classmethod
    def _connect_url(cls, v: str) -> str:
        if v and not re.match(r"^https?://[^/\s]+/?$", v):
            raise ValueError("must be an http(s) URL without a path, such as http://hub:8081")
        return v.rstrip("/")

    @field_validator("home")
    @classmethod
    def _home(cls, v: str) -> str:
        if not v.startswith("/") or v.rstrip("/") in ("", "/"):
            raise ValueError("must be an absolute directory inside the image, such as /home/govlab")
        return v.rstrip("/")

    @property
    def host_network(self) -> bool:
        return self.network == "host"


K8S_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
K8S_QUANTITY_RE = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$")


class KubernetesSettings(_Section):
    """mode: kubernetes - values for the Zero to JupyterHub chart (`govlab k8s-values`)."""

    # The lab image with a tag (registry/name:tag); pods pull it from the cluster's registry.
    image: str = "govlab/lab:latest"
    image_pull_policy: Literal["IfNotPresent", "Always", "Never"] = "IfNotPresent"
    # Each official's home: a PersistentVolumeClaim of this size, kept when the lab stops.
    storage: str = "10Gi"
    # Empty: the cluster's default StorageClass.
    storage_class: str = ""
    # What a lab is promised (limits.* is what it may use). Empty memory: half the limit.
    memory_guarantee: str = ""
    cpu_guarantee: float | None = Field(None, gt=0)
    # Kubernetes Secrets the operator creates (see docs/kubernetes.md): the hub's
    # (GitLab client secret, passwords, database password) and the labs' (model key).
    hub_secret: str = "govlab-hub"
    lab_secret: str = "govlab-lab"
    # Labs may reach only public addresses by default (the chart's NetworkPolicy):
    # list the private networks of GitLab, the model endpoint and package mirrors.
    lab_egress_cidrs: list[str] = []
    # How the proxy is exposed: ClusterIP behind an Ingress (ingress_class) or an
    # outside TLS proxy; LoadBalancer/NodePort publish it directly (plain HTTP).
    proxy_service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    # An Ingress for hub.public_url's host; tls_secret: a kubernetes.io/tls Secret.
    ingress_class: str = ""
    tls_secret: str = ""
    # The chart's user scheduler packs labs onto few nodes (useful with an autoscaler).
    user_scheduler: bool = False

    @field_validator("image")
    @classmethod
    def _image(cls, v: str) -> str:
        name, tag = split_image(v)
        if not name or not tag or any(ch.isspace() for ch in v):
            raise ValueError("must be an image with a tag, e.g. registry.example.go.kr/govlab/lab:1.0")
        return v

    @field_validator("storage")
    @classmethod
    def _storage(cls, v: str) -> str:
        if not K8S_QUANTITY_RE.match(v):
            raise ValueError("must be a Kubernetes size such as 10Gi or 500Mi")
        return v

    @field_validator("memory_guarantee")
    @classmethod
    def _guarantee(cls, v: str) -> str:
        if v and not MEMORY_RE.match(v):
            raise ValueError("must be a size such as 512M or 1G (empty: half of limits.memory)")
        return v

    @field_validator("hub_secret", "lab_secret", "storage_class", "ingress_class", "tls_secret")
    @classmethod
    def _k8s_name(cls, v: str) -> str:
        if v and (len(v) > 63 or not K8S_NAME_RE.match(v)):
            raise ValueError("must be a Kubernetes name: lowercase letters, digits and '-'")
        return v

    @field_validator("lab_egress_cidrs")
    @classmethod
    def _cidrs(cls, v: list[str]) -> list[str]:
        import ipaddress

        bad = []
        for cidr in v:
            try:
                ipaddress.ip_network(cidr)
            except ValueError:
                bad.append(cidr)
        if bad:
            raise ValueError(f"{bad} are not networks: write them like 10.20.0.0/16 or 10.20.1.5/32")
        return v


def split_image(image: str) -> tuple[str, str]:
    """'registry:5000/govlab/lab:1.0' -> ('registry:5000/govlab/lab', '1.0'); no tag: ''."""
    name, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:
        return image, ""
    return name, tag


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")


class WelcomeSettings(_Section):
    """The 시작하기 folder handed out at every official's first start (govlab.welcome)."""

    enabled: bool = True
    # A folder of the operator's own starters (relative paths: relative to the settings
    # file); empty = govlab's built-in starters for new officials.
    folder: str = ""

    def folder_path(self, base_dir: Path) -> Path:
        path = Path(self.folder).expanduser()
        return path if path.is_absolute() else (base_dir / path).resolve()


def welcome_problems(settings: "Settings", base_dir: Path) -> list[tuple[str, str]]:
    welcome = settings.welcome
    if not (welcome.enabled and welcome.folder):
        return []
    if settings.mode in ("swarm", *CHART_MODES):
        return [("welcome.folder", f"a folder on the hub's disk cannot reach {settings.mode} labs: remove the key "
                 "(the lab image's built-in starters are handed out) or build your starters into the lab image")]
    path = welcome.folder_path(base_dir)
    if not path.is_dir():
        return [("welcome.folder", f"folder {path} does not exist: fix the path (relative to the settings file), "
                 "or remove the key for the built-in starters")]
    return []


class WorkshopSettings(_Section):
    """One workshop cohort: a hub group of seats and its trainers."""

    # The JupyterHub group name; also the trainer role's suffix.
    name: str
    # Generated seats (one-time passwords, shared-password sign-in) ...
    seats: int | None = Field(None, ge=1, le=200)
    # ... or existing users (e.g. GitLab accounts) by name.
    members: list[str] = []
    # Seat user names are <seat_prefix>-01 ... (default: the cohort name).
    seat_prefix: str = ""
    trainers: list[str] = []
    # A folder of starter notebooks copied into each seat's home at first start
    # (relative paths: relative to the settings file). Learners' files are never overwritten.
    starter: str = ""
    # Or a git repository of materials handed out with nbgitpuller links.
    materials_repo: str = ""
    materials_branch: str = "main"

    @field_validator("name", "seat_prefix")
    @classmethod
    def _slug(cls, v: str) -> str:
        if v and not SLUG_RE.match(v):
            raise ValueError(
                "must be an ASCII slug: lowercase letters, digits and '-', at most 31 characters"
            )
        return v

    @field_validator("trainers", "members")
    @classmethod
    def _trainers(cls, v: list[str]) -> list[str]:
        bad = [u for u in v if not USERNAME_RE.match(u)]
        if bad:
            raise ValueError(
                f"{bad} are not valid user names: use lowercase letters, digits, '-', '_' and '.'"
            )
        return v

    @field_validator("materials_repo")
    @classmethod
    def _repo(cls, v: str) -> str:
        if v and not re.match(r"^https?://\S+$", v):
            raise ValueError("must be an http(s) git URL such as https://gitlab.example.go.kr/edu/materials.git")
        return v

    @model_validator(mode="after")
    def _one_material(self) -> "WorkshopSettings":
        if self.starter and self.materials_repo:
            raise ValueError("give either `starter` (a folder) or `materials_repo` (a git URL), not both")
        if bool(self.seats) == bool(self.members):
            raise ValueError("give either `seats: N` (generated seats) or `members: [names]` (existing users)")
        if len(self.members) > 200:
            raise ValueError("at most 200 members per cohort")
        return self

    @property
    def generated(self) -> bool:
        """Seats with generated passwords (not existing accounts)."""
        return bool(self.seats)

    @property
    def seat_names(self) -> list[str]:
        if self.members:
            return list(self.members)
        return seat_names(self.seat_prefix or self.name, self.seats or 0)

    @property
    def role_name(self) -> str:
        return f"govlab-trainer-{self.name}"


def seat_names(prefix: str, count: int) -> list[str]:
    width = max(2, len(str(count)))
    return [f"{prefix}-{i:0{width}d}" for i in range(1, count + 1)]


class Settings(_Section):
    mode: Literal["local", "docker", "swarm", "kubernetes"] = "local"
    hub: HubSettings = HubSettings()
    auth: AuthSettings = AuthSettings()
    llm: LLMSettings = LLMSettings()
    limits: LimitSettings = LimitSettings()
    culling: CullingSettings = CullingSettings()
    sharing: SharingSettings = SharingSettings()
    gallery: GallerySettings = GallerySettings()
    local: LocalSettings = LocalSettings()
    docker: DockerSettings = DockerSettings()
    kubernetes: KubernetesSettings = KubernetesSettings()
    workshops: list[WorkshopSettings] = []
    welcome: WelcomeSettings = WelcomeSettings()

    def workshop(self, name: str) -> WorkshopSettings | None:
        return next((w for w in self.workshops if w.name == name), None)


class Secrets(BaseModel):
    """Secret values resolved from the references in Settings (never from the file)."""

    model_config = ConfigDict(frozen=True)
    user_password: SecretStr | None = None
    admin_password: SecretStr | None = None
    gitlab_client_secret: SecretStr | None = None
    llm_api_key: SecretStr | None = None
    sharing_token: SecretStr | None = None
    gallery_token: SecretStr | None = None
    db_password: SecretStr | None = None


class LoadedSettings(BaseModel):
    """Validated settings plus the facts of where they came from."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    settings: Settings
    secrets: Secrets
    source: Path
    state_dir: Path


# Where each secret lives in the file, what it is for, and its minimum length.
_SECRET_FIELDS = (
    ("auth.shared_password.user_password", "user_password", 8),
    ("auth.shared_password.admin_password", "admin_password", 32),
    ("auth.accounts.admin_password", "admin_password", 32),
    ("auth.gitlab.client_secret", "gitlab_client_secret", 1),
    ("llm.api_key", "llm_api_key", 1),
    ("sharing.token", "sharing_token", 1),
    ("gallery.token", "gallery_token", 1),
    ("hub.db_password", "db_password", 1),
)


def _lookup(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


_URL_PASSWORD_RE = re.compile(r"(://[^/:@\s]*:)[^@/\s]*@")


def _pydantic_problems(err: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function-"))
        kind = e["type"]
        if kind == "extra_forbidden":
            msg = "unknown key: remove it or check its spelling (see config/govlab.example.yaml)"
        elif kind == "literal_error":
            msg = f"got {e.get('input')!r}; {e['msg'].lower()}"
        elif kind == "missing":
            msg = "is required in this section"
        else:
            msg = e["msg"].removeprefix("Value error, ")
            if "input" in e and not isinstance(e["input"], (dict, list)):
                # Never echo a password written into a URL (user:password@host).
                shown = _URL_PASSWORD_RE.sub(r"\1********@", repr(e["input"]))
                # A long value (llm.instructions) is named, not echoed whole.
                msg += f" (got {shown[:80] + '…' if len(shown) > 80 else shown})"
        problems.append((loc or "(top level)", msg))
    return problems


def parse(data: Any, source: str = "<settings>") -> Settings:
    """Validate a parsed YAML document into Settings (no environment access)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(source, [("(top level)", "the file must be a YAML mapping of sections")])
    try:
        return Settings.model_validate(data)
    except ValidationError as err:
        raise SettingsError(source, _pydantic_problems(err)) from None


def resolve_secrets(
    settings: Settings, environ: Mapping[str, str], base_dir: Path, source: str
) -> Secrets:
    """Read every referenced secret; a referenced but missing secret is an error."""
    problems = []
    values: dict[str, str] = {}
    for key, name, min_len in _SECRET_FIELDS:
        ref = _lookup(settings, key)
        if ref is None:
            continue
        value = ref.resolve(environ, base_dir)
        if value is None:
            problems.append(
                (key, f"{ref.describe()} is not set or empty: set it, or remove the key")
            )
        elif len(value) < min_len:
            problems.append((key, f"must be at least {min_len} characters long"))
        else:
            values[name] = value
    if problems:
        raise SettingsError(source, problems)
    return Secrets(**values)


def check_consistency(
    settings: Settings, secrets: Secrets, source: str, environ: Mapping[str, str] = {}
) -> None:
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
            problems.append(
                ("auth.shared_password.admin_password", "must differ from user_password")
            )
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


def _container_problems(settings: Settings) -> list[tuple[str, str]]:
    if settings.mode not in ("docker", "swarm"):
        return []
    docker = settings.docker
    problems: list[tuple[str, str]] = []
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


def _workshop_problems(settings: Settings) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
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
                problems.append((f"{key}.seat_prefix", f"seat {seat} is also a seat of cohort '{seat_owner[seat]}': use another seat_prefix"))
                break
            seat_owner[seat] = w.name
        if admins & set(seats):
            problems.append((f"{key}.seat_prefix", f"seats {sorted(admins & set(seats))} are admin users: seats must not be admins"))
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
                problems.append((f"workshops.{i}.seats", "generated seats sign in with passwords: with GitLab sign-in list existing accounts in `members` instead"))
    return problems


def _kubernetes_problems(settings: Settings) -> list[tuple[str, str]]:
    """What the Zero to JupyterHub values cannot carry."""
    problems: list[tuple[str, str]] = []
    hub = settings.hub
    if not hub.public_url:
        problems.append(("hub.public_url", "kubernetes mode needs the address officials use, e.g. https://lab.example.go.kr"))
    if hub.db_url.startswith("sqlite"):
        problems.append(("hub.db_url", "the chart keeps SQLite on its own volume: leave db_url empty, or use postgresql://"))
    if settings.auth.method == "accounts":
        problems.append(("auth.method", "accounts needs govlab's pages in the hub, which the chart's hub image does not have: use gitlab"))
    if hub.external_proxy:
        problems.append(("hub.external_proxy", "the chart runs its own proxy: remove the key"))
    if hub.extra_config_dir:
        problems.append(("hub.extra_config_dir", "the hub runs in the cluster: put extra config in the chart's hub.extraFiles instead"))
    if settings.gallery.enabled:
        problems.append(("gallery.enabled", "the gallery service needs the govlab hub image, not yet wired for kubernetes: set it to false"))
    if settings.sharing.token is not None:
        # Without the hub-side share service the shared token would sit in every lab.
        problems.append(("sharing.token", "no lab may hold a shared GitLab token, and the share service needs the govlab hub image, not yet wired for kubernetes: remove the key and use auth.method: gitlab (each official shares with their own GitLab sign-in)"))
    for i, w in enumerate(settings.workshops):
        if w.generated:
            problems.append((f"workshops.{i}.seats", "generated seats keep their passwords in the hub's state directory, which the chart's hub does not have: list accounts in `members`"))
        if w.starter:
            problems.append((f"workshops.{i}.starter", "starter folders are copied by a local hub: use `materials_repo` (nbgitpuller links) on kubernetes"))
    k8s = settings.kubernetes
    guarantee = k8s.memory_guarantee
    if guarantee and memory_bytes(guarantee) > memory_bytes(settings.limits.memory):
        problems.append(("kubernetes.memory_guarantee", f"{guarantee} is more than limits.memory ({settings.limits.memory})"))
    if k8s.cpu_guarantee and k8s.cpu_guarantee > settings.limits.cpu:
        problems.append(("kubernetes.cpu_guarantee", f"{k8s.cpu_guarantee} is more than limits.cpu ({settings.limits.cpu})"))
    if k8s.tls_secret and not k8s.ingress_class:
        problems.append(("kubernetes.tls_secret", "is used by the Ingress: set ingress_class too"))
    if k8s.ingress_class and not hub.public_url.startswith("https://"):
        problems.append(("hub.public_url", "the Ingress serves hub.public_url's host: make it https://"))
    return problems


def memory_bytes(size: str) -> int:
    """'2G' -> bytes, with JupyterHub's binary units (K, M, G, T = 1024**n)."""
    units = {"K": 1, "M": 2, "G": 3, "T": 4}
    if size[-1] in units:
        return int(float(size[:-1]) * 1024 ** units[size[-1]])
    return int(float(size))


def chart_secrets(settings: Settings) -> Secrets:
    """Chart modes: a marker for each referenced secret (the values live in the cluster)."""
    return Secrets(
        **{name: f"(in the cluster: {key})" for key, name, _ in _SECRET_FIELDS if _lookup(settings, key) is not None}
    )


def load(
    path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None
) -> LoadedSettings:
    """Load, validate and resolve a settings file. Raises SettingsError."""
    environ = os.environ if environ is None else environ
    if path is None:
        path = environ.get(SETTINGS_ENV) or default_settings_path()
    source = Path(path).expanduser().resolve()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as e:
        raise SettingsError(
            str(source),
            [("(file)", f"cannot read it ({e.strerror}): pass --config PATH or set {SETTINGS_ENV}")],
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise SettingsError(str(source), [(where, f"not valid YAML: {getattr(e, 'problem', e)}")]) from None
    settings = parse(data, str(source))
    if settings.mode in CHART_MODES:
        secrets = chart_secrets(settings)
    else:
        secrets = resolve_secrets(settings, environ, source.parent, str(source))
    check_consistency(settings, secrets, str(source), environ)
    if problems := branding_problems(settings.hub.branding, source.parent):
        raise SettingsError(str(source), problems)
    if problems := welcome_problems(settings, source.parent):
        raise SettingsError(str(source), problems)
    state_dir = Path(settings.hub.state_dir).expanduser()
    if not state_dir.is_absolute():
        state_dir = (source.parent / state_dir).resolve()
    return LoadedSettings(settings=settings, secrets=secrets, source=source, state_dir=state_dir)


def default_settings_path() -> Path:
    """config/govlab.yaml beside this checkout, else the example."""
    config_dir = Path(__file__).resolve().parents[2] / "config"
    own = config_dir / "govlab.yaml"
    return own if own.exists() else config_dir / "govlab.example.yaml"
