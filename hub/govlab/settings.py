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

SETTINGS_ENV = "GOVLAB_SETTINGS"
MODES = ("local", "docker", "swarm", "kubernetes")
# Modes whose spawner wiring exists in this version. The others are part of the
# schema so that operators can write them, but refusing them at start is clearer
# than a half-working hub.
AVAILABLE_MODES = ("local",)


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


class HubSettings(_Section):
    bind_url: str = "http://127.0.0.1:8000"
    # Address officials use in their browsers; links written into shared READMEs.
    public_url: str = ""
    # Relative paths are relative to the settings file.
    state_dir: str = "../.govlab"
    db_url: str = ""
    # Internal addresses: the hub's API for the labs and the proxy's control API.
    hub_bind_url: str = "http://127.0.0.1:8081"
    proxy_api_url: str = "http://127.0.0.1:8001"
    concurrent_spawn_limit: int = Field(20, ge=1)
    # Stop the labs when the hub stops. Local mode: yes (no orphan processes);
    # container modes: no, so that a hub upgrade does not interrupt anyone.
    stop_servers_on_exit: bool = True
    # Seconds a lab may take to start (2 cores and ten officials at once: minutes).
    start_timeout: int = Field(300, ge=10)
    # Python files loaded after govlab's config, in name order: the escape hatch.
    extra_config_dir: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

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


class SharedPasswordSettings(_Section):
    user_password: SecretRef | None = None
    admin_password: SecretRef | None = None


class GitLabAuthSettings(_Section):
    url: str
    client_id: str
    client_secret: SecretRef
    allowed_groups: list[str] = []


class AuthSettings(_Section):
    method: Literal["shared-password", "gitlab"] = "shared-password"
    admin_users: list[str] = []
    # Empty: anyone who knows the password (shared-password) or passes GitLab's checks.
    allowed_users: list[str] = []
    shared_password: SharedPasswordSettings = SharedPasswordSettings()
    gitlab: GitLabAuthSettings | None = None

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
    # Local sign-in only: a personal access token. With GitLab sign-in the lab
    # asks the hub for the signed-in user's fresh OAuth token instead.
    token: SecretRef | None = None


class DockerSettings(_Section):
    image: str = "govlab/lab:latest"
    network: str = "host"
    volume_template: str = "govlab-home-{username}"


class KubernetesSettings(_Section):
    image: str = "govlab/lab:latest"
    storage: str = "10Gi"


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")


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
    docker: DockerSettings = DockerSettings()
    kubernetes: KubernetesSettings = KubernetesSettings()
    workshops: list[WorkshopSettings] = []

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
    ("auth.gitlab.client_secret", "gitlab_client_secret", 1),
    ("llm.api_key", "llm_api_key", 1),
    ("sharing.token", "sharing_token", 1),
)


def _lookup(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


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
                msg += f" (got {e['input']!r})"
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
    if settings.auth.method == "gitlab" and not environ.get("JUPYTERHUB_CRYPT_KEY"):
        problems.append(
            (
                "auth.method",
                "GitLab sign-in keeps tokens encrypted: set JUPYTERHUB_CRYPT_KEY "
                "(generate one with `openssl rand -hex 32`)",
            )
        )
    if settings.mode not in AVAILABLE_MODES:
        problems.append(
            (
                "mode",
                f"'{settings.mode}' is part of the settings schema but not available in this "
                f"version; use one of {list(AVAILABLE_MODES)}",
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
    if settings.llm.base_url and not settings.llm.model:
        problems.append(("llm.model", "base_url is set but no model: name the model, e.g. openai/<name>"))
    problems += _workshop_problems(settings)
    if settings.sharing.namespace and not settings.sharing.gitlab_url:
        problems.append(("sharing.gitlab_url", "namespace is set but gitlab_url is empty"))
    if problems:
        raise SettingsError(source, problems)


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
    if settings.auth.method != "shared-password":
        for i, w in enumerate(settings.workshops):
            if w.generated:
                problems.append((f"workshops.{i}.seats", "generated seats sign in with passwords: with GitLab sign-in list existing accounts in `members` instead"))
    return problems


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
    secrets = resolve_secrets(settings, environ, source.parent, str(source))
    check_consistency(settings, secrets, str(source), environ)
    state_dir = Path(settings.hub.state_dir).expanduser()
    if not state_dir.is_absolute():
        state_dir = (source.parent / state_dir).resolve()
    return LoadedSettings(settings=settings, secrets=secrets, source=source, state_dir=state_dir)


def default_settings_path() -> Path:
    """config/govlab.yaml beside this checkout, else the example."""
    config_dir = Path(__file__).resolve().parents[2] / "config"
    own = config_dir / "govlab.yaml"
    return own if own.exists() else config_dir / "govlab.example.yaml"
