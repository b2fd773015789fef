"""The settings file's schema: one model per section, each key described.

The descriptions are the operators' reference: `python -m govlab.settings.reference
--write` turns them into docs/settings.md and the comments of config/govlab.example.yaml.
Checks within one key or one section live here; rules that span sections in rules.py.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..assistant.config import INSTRUCTIONS_MAX, TIMEOUT_DEFAULT, TIMEOUT_MAX, TIMEOUT_MIN
from ..labimage import LAB_HOME
from .base import Section
from .secrets import SecretRef
from .types import (
    DOCKER_NAME_RE,
    IMAGE_RE,
    K8S_NAME_RE,
    K8S_QUANTITY_RE,
    MEMORY_RE,
    SLUG_RE,
    Duration,
    GalleryServiceUrl,
    HttpUrl,
    PortRange,
    ShareServiceUrl,
    UserNames,
    seat_names,
    split_image,
)

# Modes whose hub runs elsewhere, from generated config: `kubernetes` is the Zero to
# JupyterHub Helm chart (`govlab k8s-values` writes its values). The settings file is
# valid in them, but `govlab start` refuses them, and their secrets live in the
# cluster: the {env:}/{file:} references only say which secrets exist.
CHART_MODES = ("kubernetes",)
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
GALLERY_SERVICE = "gallery"  # the JupyterHub service name: /services/gallery/
GALLERY_TOPIC = "govlab"  # the GitLab topic the share extension sets on every project
# Default parent of the officials' homes when the hub runs as root.
LOCAL_HOMES_DEFAULT = "/home/govlab"


class BrandingSettings(Section):
    """What the hub's own pages show: product name, agency, logo, sign-in notice."""

    title: str = Field(
        "govlab AI 실험실",
        description="Product name in the header and the browser tab (one line, 60 characters at most).",
    )
    agency: str = Field("", description="The agency's name shown beside it, e.g. 행정안전부 (80 characters at most).")
    logo: str = Field(
        "",
        description="A picture file (.png .svg .jpg .jpeg .gif .webp, under 1 MB), relative to the settings file; "
        "empty: JupyterHub's logo.",
    )
    notice: str = Field(
        "",
        description="Plain text on the sign-in page (HTML is shown as text, 1000 characters at most), e.g. "
        "개인정보(주민등록번호, 전화번호 등)를 입력하지 마세요. "
        "보안 서약을 지켜 주세요.",
    )

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


class HubSettings(Section):
    """The hub process: its addresses, database, state and limits."""

    bind_url: HttpUrl = Field(
        "http://127.0.0.1:8000",
        description="Where the hub listens. Put a TLS-terminating reverse proxy in front for real use.",
    )
    public_url: HttpUrl = Field(
        "", description="The address officials use in their browsers (links in shared READMEs); empty: bind_url."
    )
    state_dir: str = Field(
        "../.govlab",
        description="Hub database, cookie secret, the labs' config and (local mode) user homes; "
        "relative to the settings file.",
    )
    db_url: str = Field(
        "",
        description="Empty: SQLite in state_dir. PostgreSQL: postgresql://user@host:5432/dbname, with the password "
        "in db_password (a password inside the URL is refused).",
    )
    db_password: SecretRef | None = Field(
        None,
        description="The PostgreSQL password, as a secret reference; only with a postgresql db_url.",
        examples=[{"env": "GOVLAB_DB_PASSWORD"}],
    )
    hub_bind_url: HttpUrl = Field(
        "http://127.0.0.1:8081", description="Internal address of the hub's API, which the labs call."
    )
    proxy_api_url: HttpUrl = Field("http://127.0.0.1:8001", description="Internal address of the proxy's control API.")
    external_proxy: bool = Field(
        False,
        description="true: configurable-http-proxy is a service of its own (config/docker-compose.yml, "
        "docs/compose.md); the hub drives it at proxy_api_url with $CONFIGPROXY_AUTH_TOKEN.",
    )
    concurrent_spawn_limit: int = Field(20, ge=1, description="How many labs may be starting at the same time.")
    stop_servers_on_exit: bool | None = Field(
        None,
        description="Stop the labs when the hub stops. Empty: true in local mode (no orphan processes), false in "
        "the container modes (labs keep running through a hub restart or upgrade).",
        examples=[False],
    )
    start_timeout: int = Field(
        300, ge=10, description="Seconds a lab may take to start (2 cores and ten officials at once: minutes)."
    )
    extra_config_dir: str = Field(
        "",
        description="Directory of extra *.py JupyterHub config files, loaded after govlab's in name order: "
        "the escape hatch.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="The hub's log level.")
    branding: BrandingSettings = Field(
        BrandingSettings(),
        description="What the hub's own pages (sign-in, wait, home, errors) show; Korean first.",
    )

    @property
    def address(self) -> str:
        """Where officials reach the hub: public_url, else bind_url."""
        return self.public_url or self.bind_url

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


class SharedPasswordSettings(Section):
    """auth.method: shared-password - one password for every official."""

    user_password: SecretRef | None = Field(
        None,
        description="The one password every official signs in with (8+ characters): whoever knows it signs in "
        "as anyone, so it needs trusted_trial: true.",
        examples=[{"env": "GOVLAB_USER_PASSWORD"}],
    )
    admin_password: SecretRef | None = Field(
        None,
        description="The password of the auth.admin_users (32+ characters, different from user_password).",
        examples=[{"env": "GOVLAB_ADMIN_PASSWORD"}],
    )
    trusted_trial: bool = Field(
        False,
        description="true: a trial among people who trust each other, said here; a warning at every start.",
        examples=[True],
    )


class AccountsSettings(Section):
    """auth.method: accounts - each official applies (이용 신청), an admin approves,
    the official signs in with their own password (jupyterhub-nativeauthenticator)."""

    admin_password: SecretRef | None = Field(
        None,
        description="The password the auth.admin_users sign in with (32+ characters); nobody can apply for "
        "their names.",
        examples=[{"env": "GOVLAB_ADMIN_PASSWORD"}],
    )
    min_password_length: int = Field(
        10,
        ge=8,
        le=64,
        description="Officials' passwords are at least this long; common passwords are always refused.",
    )
    max_failed_logins: int = Field(
        5, ge=1, le=100, description="Failed sign-ins in a row before a name is locked for lockout_seconds."
    )
    lockout_seconds: int = Field(600, ge=1, le=86400, description="Seconds a locked name stays locked.")


class GitLabAuthSettings(Section):
    """auth.method: gitlab - sign in with the government GitLab (OAuth)."""

    url: str = Field(description="The GitLab's http(s) address.", examples=["https://gitlab.example.go.kr"])
    client_id: str = Field(
        description="The OAuth application's id, from GitLab's Applications page.", examples=["0123abcd"]
    )
    client_secret: SecretRef = Field(
        description="The OAuth application's secret, as a secret reference.",
        examples=[{"file": "/run/secrets/gitlab_client_secret"}],
    )
    allowed_groups: list[str] = Field(
        [],
        description="Members of any of these groups may sign in; empty: every account of this GitLab. "
        "Top-level group paths or numeric group ids; give a subgroup by its id.",
        examples=[["ai-lab"]],
    )

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


class AuthSettings(Section):
    """How officials sign in, and who is an admin."""

    method: Literal["shared-password", "gitlab", "accounts"] = Field(
        "shared-password",
        description="accounts: each official applies on the sign-in page (이용 신청: name, agency, e-mail, user "
        "name, password), an admin approves at "
        "/hub/authorize, and the official signs in with their own password (recommended without GitLab). "
        "gitlab: sign in with the government GitLab (auth.gitlab). shared-password: one password for every "
        "official, whoever knows it signs in as anyone; only for a trial among people who trust each other.",
    )
    admin_users: UserNames = Field([], description="User names of the hub's admins.")
    allowed_users: UserNames = Field(
        [],
        description="Who may sign in (names: a-z 0-9 . _ -); empty: anyone who knows the password "
        "(shared-password), passes GitLab's checks (gitlab) or whose application an admin approved (accounts).",
    )
    shared_password: SharedPasswordSettings = Field(
        SharedPasswordSettings(), description="With method: shared-password: the passwords."
    )
    gitlab: GitLabAuthSettings | None = Field(None, description="With method: gitlab: the GitLab to sign in with.")
    accounts: AccountsSettings | None = Field(
        None, description="With method: accounts: the admins' password and the password rules."
    )

    @model_validator(mode="after")
    def _method_section(self) -> AuthSettings:
        if self.method == "gitlab" and self.gitlab is None:
            raise ValueError("method is 'gitlab' but the `auth.gitlab` section is missing")
        if self.accounts is not None and self.method != "accounts":
            raise ValueError(
                "`auth.accounts` is only used with `method: accounts`: set the method, or remove the section"
            )
        if self.method == "accounts" and self.shared_password != SharedPasswordSettings():
            raise ValueError(
                "method is 'accounts': remove `auth.shared_password` (officials have their own "
                "passwords; the admin password is `auth.accounts.admin_password`)"
            )
        return self


class LLMSettings(Section):
    """The assistant's model and the govlab assistant's behaviour (docs/assistant.md).
    Values and defaults of the assistant's keys live in govlab.assistant.config."""

    model: str = Field(
        "",
        description="A litellm model id; for any OpenAI-compatible endpoint (vLLM, Ollama, a cloud gateway) "
        "write openai/<model name>. Empty: the lab works, and the assistant says that no model is configured.",
    )
    base_url: str = Field(
        "",
        description="The endpoint every request goes to, e.g. http://127.0.0.1:11434/v1; empty: the provider's own.",
    )
    api_key: SecretRef | None = Field(
        None,
        description="The endpoint's key, as a secret reference; it stays in the labs' environment.",
        examples=[{"env": "GOVLAB_LLM_API_KEY"}],
    )
    params: dict[str, Any] = Field(
        {}, description="Non-secret extra parameters passed to the model, e.g. {temperature: 0.2}."
    )
    check_at_start: bool = Field(
        True, description="Probe the endpoint when the hub starts; a failure is a warning, not fatal."
    )
    check_timeout: float = Field(3.0, gt=0, le=60, description="Seconds the probe at start may take.")
    instructions: str = Field(
        "",
        description=f"Agency-specific text appended to the assistant's Korean instructions "
        f"(at most {INSTRUCTIONS_MAX} characters).",
    )
    privacy_guard: Literal["block", "mask", "off"] = Field(
        "block",
        description="A message (with its attached cells and files) holding a resident/foreign registration "
        "number, card or mobile number, secret or key - block: nothing is sent, the official sees what was found "
        "and resends; mask: the values are masked in what is sent; off: no check (not recommended).",
    )
    tools: Literal["none", "notebook", "notebook+shell"] = Field(
        "notebook",
        description="Tools the model may call: none, notebook (read, add, edit and run cells) or notebook+shell "
        "(also shell commands).",
    )
    approve: Literal["always", "never"] = Field(
        "always",
        description="always: a tool call that runs code waits for the official's 허용/거부; never: it runs.",
    )
    timeout: int = Field(
        TIMEOUT_DEFAULT,
        description=f"Seconds a model request may take before the official is told it failed "
        f"({TIMEOUT_MIN}..{TIMEOUT_MAX}).",
    )

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
                f"{v} is out of range: give seconds from {TIMEOUT_MIN} to {TIMEOUT_MAX} (default {TIMEOUT_DEFAULT})"
            )
        return v

    @field_validator("model")
    @classmethod
    def _litellm_id(cls, v: str) -> str:
        if v and "/" not in v:
            raise ValueError(f"'{v}' has no provider prefix: write a litellm id such as 'openai/{v}'")
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


class LimitSettings(Section):
    """Per lab. Enforced by the container spawners (docker, swarm, kubernetes); local mode
    only reports them to the lab (MEM_LIMIT / CPU_LIMIT)."""

    memory: str = Field("2G", description="Memory a lab may use: a size such as 512M, 2G or 1.5G.")
    cpu: float = Field(1.0, gt=0, description="CPU cores a lab may use, e.g. 0.5 or 2.")

    @field_validator("memory")
    @classmethod
    def _memory(cls, v: str) -> str:
        if not MEMORY_RE.match(str(v)):
            raise ValueError("must be a size such as 512M, 2G or 1.5G")
        return str(v)


class CullingSettings(Section):
    """jupyterhub-idle-culler stops idle labs (their files stay)."""

    enabled: bool = Field(True, description="Stop labs that have been idle for `timeout` seconds.")
    timeout: Duration = Field(3600, description="Seconds without activity after which a lab is stopped.")
    every: Duration = Field(300, description="Seconds between two checks for idle labs.")
    max_age: Duration = Field(0, description="Seconds after which a lab is stopped even when busy; 0: no maximum age.")


class QualityCheckSettings(Section):
    """The quality check (품질 점검) in the share dialog: the notebook re-run in a fresh kernel."""

    enabled: bool = Field(
        True,
        description="The share dialog offers the check (skippable with a reason); false: no check is offered.",
    )
    time_limit_seconds: int = Field(
        300, ge=10, le=3600, description="Longest time a check may run the notebook; past it the check stops."
    )


class SharingSettings(Section):
    """ "GitLab에 공유": where the share extension pushes an official's work."""

    gitlab_url: str = Field("", description='The GitLab that "GitLab에 공유" pushes to; empty: sharing is off.')
    namespace: str = Field("", description="A GitLab group such as the agency's; empty: each official's own namespace.")
    default_visibility: Literal["private", "internal", "public"] = Field(
        "private", description="The visibility the share dialog proposes for a new project."
    )
    agency: str = Field("", description="The agency named in every shared task document (README).")
    token: SecretRef | None = Field(
        None,
        description="With local sign-in only: a personal access token with the `api` scope (a bot user's). It stays "
        "in the hub's share service, which commits for the labs and only into each official's own projects; no lab "
        "ever holds it. With GitLab sign-in the lab gets the official's own short-lived token from that service.",
        examples=[{"env": "GOVLAB_GITLAB_TOKEN"}],
    )
    service_bind_url: ShareServiceUrl = Field(
        "http://127.0.0.1:8094",
        description="Where the share service (/services/govlab-share/) listens; labs reach it there.",
    )
    pull_hosts: list[str] = Field(
        [],
        description="Besides gitlab_url and workshops' materials_repo hosts, the https base URLs that "
        '"내 실험실에서 열기" / git-pull links may pull from (always after a confirmation page), '
        "e.g. https://git.example.go.kr/edu.",
    )
    quality_check: QualityCheckSettings = Field(
        QualityCheckSettings(), description="The quality check (re-run before sharing) in the share dialog."
    )

    @field_validator("pull_hosts")
    @classmethod
    def _pull_hosts(cls, v: list[str]) -> list[str]:
        bad = [u for u in v if not re.match(r"^https://[A-Za-z0-9.\-]{1,253}(:\d{1,5})?(/[^\s?#@]{0,500})?$", u)]
        if bad:
            raise ValueError(f"{bad}: each entry must be an https base URL such as https://git.example.go.kr/edu")
        return [u.rstrip("/") for u in v]


class GallerySettings(Section):
    """The gallery of shared work (a hub service)."""

    enabled: bool = Field(
        False,
        description="A hub service (/services/gallery/, in the hub's Services menu) listing the work shared to "
        'GitLab, with Korean search and "내 실험실에서 열기". Needs sharing.gitlab_url.',
    )
    bind_url: GalleryServiceUrl = Field(
        "http://127.0.0.1:8093",
        description="Where the service listens; the hub's proxy forwards /services/gallery/ to it.",
    )
    namespaces: list[str] = Field(
        [],
        description="GitLab groups whose shared projects are listed; empty: sharing.namespace, and when that is "
        "empty too, every project carrying the topic.",
    )
    topic: str = Field(GALLERY_TOPIC, description="The GitLab topic the share extension puts on every project.")
    token: SecretRef | None = Field(
        None,
        description="A read_api token (e.g. of a bot user) for public and internal projects; empty: sharing.token, "
        "else anonymous (public only). With GitLab sign-in, private projects are listed with each official's own "
        "token (only their own and their groups'). With shared-password sign-in, improvement requests (개선 요청) "
        "are filed as GitLab issues with this token: give it the api scope, or officials are told it is not allowed.",
        examples=[{"env": "GOVLAB_GALLERY_TOKEN"}],
    )
    refresh_every: int = Field(
        120, ge=10, le=86400, description="Seconds between catalog refreshes; a page view never waits for one."
    )
    request_timeout: float = Field(
        10.0, gt=0, le=120, description="Seconds one GitLab request may take before the gallery retries later."
    )
    page_size: int = Field(24, ge=1, le=200, description="Entries on one gallery page.")
    curators: UserNames = Field(
        [], description="Who may mark entries as featured (우수사례), besides auth.admin_users."
    )

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


class LocalSettings(Section):
    """mode: local - labs as local processes (govlab.spawners.GovlabLocalSpawner).
    Run `govlab start` as root: each official's lab then runs as their own system user
    (govlab-<name>, no password, no login shell) with a 0700 home under `homes`
    (docs/operators.md, "Local mode: who runs a lab")."""

    homes: str = Field(
        "",
        description=f"Parent of the officials' 0700 homes when the hub runs as root; empty: {LOCAL_HOMES_DEFAULT} "
        "as root, <state_dir>/home otherwise.",
    )
    trusted_group: bool = Field(
        False,
        description="Without root every lab runs as the hub's user and officials can read each other's files and "
        "the hub's secrets: refused unless this says the group trusts each other.",
    )
    lab_ports: PortRange = Field(
        (20000, 32767),
        description='Loopback ports the hub gives the labs (also docker/swarm with network: host): "LOW-HIGH" or '
        "[LOW, HIGH], 100+ ports, none of the hub's (README, \"Ports\"). The default stays below Linux's "
        "ephemeral range (32768-60999), so no outgoing connection takes a lab's port.",
    )

    @field_validator("homes")
    @classmethod
    def _homes(cls, v: str) -> str:
        if v and not v.startswith("/"):
            raise ValueError("must be an absolute directory such as /home/govlab")
        return v.rstrip("/") or v


class DockerSettings(Section):
    """Modes docker and swarm: one container (or swarm service) per official.
    Build the image with `images/build lab` (docs/containers.md)."""

    image: str = Field(
        "govlab/lab:latest", description="The lab image, built with images/build lab or from an internal registry."
    )
    pull_policy: Literal["never", "ifnotpresent", "always"] = Field(
        "ifnotpresent",
        description="never: the image must be on the engine already (closed network, no registry); "
        "ifnotpresent: pull once; always: pull at every start.",
    )
    network: str = Field(
        "govlab",
        description="A user-defined Docker network shared with the hub (each lab in its own network namespace), "
        'or "host": labs listen on 127.0.0.1 of this machine at ports the hub assigns (one host, one trusted '
        "group).",
    )
    hub_connect_url: str = Field(
        "",
        description="The hub's address on that network, e.g. http://hub:8081 (not needed with network: host). "
        "With a network, also set hub.hub_bind_url: http://0.0.0.0:8081.",
    )
    volume_template: str = Field(
        "govlab-home-{username}",
        description="The named volume per official that holds the home directory ({username} required).",
    )
    home: str = Field(LAB_HOME, description="The official's home inside the lab image (uid 1000).")
    pids_limit: int = Field(
        1024, ge=64, description="Process limit per container (a fork bomb stays inside its own lab)."
    )

    @field_validator("image")
    @classmethod
    def _image(cls, v: str) -> str:
        if not IMAGE_RE.match(v):
            raise ValueError(
                "must be an image reference such as govlab/lab:0.1.0 or registry.example.go.kr/govlab/lab:0.1.0"
            )
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


class KubernetesSettings(Section):
    """mode: kubernetes - values for the Zero to JupyterHub chart (`govlab k8s-values`,
    docs/kubernetes.md)."""

    image: str = Field(
        "govlab/lab:latest",
        description="The lab image with a tag (registry/name:tag); pods pull it from the cluster's registry.",
        examples=["registry.example.go.kr/govlab/lab:0.1.0"],
    )
    image_pull_policy: Literal["IfNotPresent", "Always", "Never"] = Field(
        "IfNotPresent", description="When pods pull the lab image."
    )
    storage: str = Field(
        "10Gi", description="Each official's home: a PersistentVolumeClaim of this size, kept when the lab stops."
    )
    storage_class: str = Field("", description="The volumes' StorageClass; empty: the cluster's default.")
    memory_guarantee: str = Field(
        "", description="Memory a lab is promised (limits.memory is what it may use); empty: half of limits.memory."
    )
    cpu_guarantee: float | None = Field(
        None,
        gt=0,
        description="CPU cores a lab is promised (limits.cpu is what it may use); empty: none.",
        examples=[0.5],
    )
    hub_secret: str = Field(
        "govlab-hub",
        description="The Kubernetes Secret you create for the hub (GitLab client secret, passwords, database "
        "password), e.g. with kubectl create secret generic.",
    )
    lab_secret: str = Field("govlab-lab", description="The Kubernetes Secret you create for the labs (model key).")
    lab_egress_cidrs: list[str] = Field(
        [],
        description="Labs may reach only public addresses by default (the chart's NetworkPolicy): list the private "
        "networks of GitLab, the model endpoint and package mirrors.",
    )
    proxy_service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = Field(
        "ClusterIP",
        description="ClusterIP: behind an Ingress (ingress_class) or your TLS proxy; LoadBalancer/NodePort publish "
        "the proxy directly (plain HTTP).",
    )
    ingress_class: str = Field("", description="e.g. nginx: an Ingress for hub.public_url's host; empty: none.")
    tls_secret: str = Field("", description="A kubernetes.io/tls Secret for the Ingress.")
    user_scheduler: bool = Field(
        False, description="The chart's user scheduler packs labs onto few nodes (useful with an autoscaler)."
    )

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
        bad = []
        for cidr in v:
            try:
                ipaddress.ip_network(cidr)
            except ValueError:
                bad.append(cidr)
        if bad:
            raise ValueError(f"{bad} are not networks: write them like 10.20.0.0/16 or 10.20.1.5/32")
        return v


# Variables an official's lab depends on, set by govlab, JupyterHub, Jupyter or the
# image: the settings may not replace them (a lab would break or lose its guards).
LAB_ENV_RESERVED_PREFIXES = ("JUPYTERHUB_", "JUPYTER_", "JPY_", "GOVLAB_", "LITELLM_", "OPENAI_", "LD_", "PYTHON")
LAB_ENV_RESERVED = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "PWD",
        "VIRTUAL_ENV",
        "CONFIGPROXY_AUTH_TOKEN",
        "MEM_LIMIT",
        "CPU_LIMIT",
        "MEM_GUARANTEE",
        "CPU_GUARANTEE",
        "NB_USER",
        "NB_UID",
        "NB_GID",
    }
)
LAB_ENV_MAX = 100
LAB_ENV_VALUE_MAX = 4096
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# Bounded by _ENV_NAME_RE's length limit.
_SECRET_NAME_RE = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.I)


def _env_name_problems(names: list[str]) -> list[str]:
    bad = [n for n in names if not isinstance(n, str) or not _ENV_NAME_RE.match(n)]
    if bad:
        return [f"{bad} are not variable names: use letters, digits and '_', not starting with a digit"]
    taken = [n for n in names if n.upper() in LAB_ENV_RESERVED or n.upper().startswith(LAB_ENV_RESERVED_PREFIXES)]
    if taken:
        return [
            f"{taken} are set by govlab, JupyterHub or Jupyter in every lab and cannot be replaced: choose "
            f"another name (names starting with {', '.join(LAB_ENV_RESERVED_PREFIXES)} are reserved)"
        ]
    return []


def _check_env_names(v: Any) -> bool:
    """False when `v` is not a mapping (pydantic says so); raises on too many or bad names."""
    if not isinstance(v, dict):
        return False
    if len(v) > LAB_ENV_MAX:
        raise ValueError(f"has {len(v)} variables: at most {LAB_ENV_MAX}")
    if problems := _env_name_problems(list(v)):
        raise ValueError(problems[0])
    return True


class LabSettings(Section):
    """What every official's lab gets, in every mode: environment variables for the
    kernels (e.g. the data.go.kr service key the starter notebooks use)."""

    environment: dict[str, str] = Field(
        {},
        description="Non-secret variables every lab (and its kernels) sees, e.g. {TZ: Asia/Seoul}. Names that look "
        "like secrets (KEY, TOKEN, SECRET, PASSWORD) belong in secret_environment.",
        examples=[{"TZ": "Asia/Seoul"}],
    )
    secret_environment: dict[str, SecretRef] = Field(
        {},
        description="Keys meant for officials, each as a secret reference ({env: NAME} or {file: PATH}, never the "
        "value itself); every lab gets them in its environment. In mode kubernetes they live in "
        "kubernetes.lab_secret under the variable's name.",
        examples=[{"DATA_GO_KR_SERVICE_KEY": {"env": "GOVLAB_DATA_GO_KR_KEY"}}],
    )

    @field_validator("environment", mode="before")
    @classmethod
    def _environment(cls, v: Any) -> Any:
        if not _check_env_names(v):
            return v
        secretish = [n for n in v if _SECRET_NAME_RE.search(n)]
        if secretish:
            raise ValueError(
                f"{secretish} look like secrets: move them to `lab.secret_environment` as "
                "{env: VARIABLE_NAME} or {file: /path/to/secret}"
            )
        out = {}
        for name, value in v.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (int, float)):
                value = str(value)
            if not isinstance(value, str):
                raise ValueError(f"{name}: give a text value (quote it), not a list or mapping")
            if len(value) > LAB_ENV_VALUE_MAX or "\x00" in value:
                raise ValueError(f"{name}: the value must be text of at most {LAB_ENV_VALUE_MAX} characters")
            out[name] = value
        return out

    @field_validator("secret_environment", mode="before")
    @classmethod
    def _secret_environment(cls, v: Any) -> Any:
        if not _check_env_names(v):
            return v
        inline = [n for n, ref in v.items() if not isinstance(ref, (dict, SecretRef))]
        if inline:
            # The value itself is never echoed: it is a secret written where it must not be.
            raise ValueError(
                f"{inline}: a secret is never written in the settings file; give "
                "{env: VARIABLE_NAME} or {file: /path/to/secret} instead"
            )
        return v

    @model_validator(mode="after")
    def _disjoint(self) -> LabSettings:
        both = sorted(set(self.environment) & set(self.secret_environment))
        if both:
            raise ValueError(f"{both} are in both environment and secret_environment: keep each in one")
        return self


class WelcomeSettings(Section):
    """The 시작하기 folder handed out at every official's first start (govlab.welcome).
    Later starts add only files never handed out before (edits are kept, deleted files
    stay deleted); see docs/operators.md "Welcome folder"."""

    enabled: bool = Field(
        True, description='Put a "시작하기" folder of starter notebooks in every official\'s home at first start.'
    )
    folder: str = Field(
        "", description="A folder of your own starters, relative to the settings file; empty: govlab's built-in ones."
    )

    def folder_path(self, base_dir: Path) -> Path:
        path = Path(self.folder).expanduser()
        return path if path.is_absolute() else (base_dir / path).resolve()


class WorkshopSettings(Section):
    """One workshop cohort: a hub group of seats and a trainer role limited to that group
    (docs/workshops.md). Restart the hub after changing the cohorts; then, on the hub
    host: govlab workshop create cohort-a --roster roster.html"""

    name: str = Field(
        description="The JupyterHub group name, an ASCII slug; also the trainer role's suffix.",
        examples=["cohort-a"],
    )
    seats: int | None = Field(
        None,
        ge=1,
        le=200,
        description="1..200 generated seats (one-time passwords, password sign-in): <seat_prefix>-01 ... "
        "<seat_prefix>-10 for 10; or instead `members`.",
        examples=[10],
    )
    members: UserNames = Field(
        [], description="Existing accounts (e.g. GitLab users) by name, instead of generated seats."
    )
    seat_prefix: str = Field(
        "", description="Seat user names are <seat_prefix>-01 ...; empty: the cohort name.", examples=["a"]
    )
    trainers: UserNames = Field(
        [], description="Who may start, stop, open and collect this cohort's labs.", examples=[["kim"]]
    )
    starter: str = Field(
        "",
        description="A folder of starter notebooks copied into each seat's home at first start (relative to the "
        "settings file); learners' files are never overwritten.",
        examples=["../starter_notebooks"],
    )
    restore_starter_files: bool = Field(
        False,
        description="false: `starter` files are copied at a seat's first start only (a learner who deletes one "
        "does not get it back); true: deleted starter files are copied again at every start (existing files are "
        "never overwritten).",
    )
    materials_repo: str = Field("", description="Or a git repository of materials, handed out with nbgitpuller links.")
    materials_branch: str = Field("main", description="The branch of materials_repo.")

    @field_validator("name", "seat_prefix")
    @classmethod
    def _slug(cls, v: str) -> str:
        if v and not SLUG_RE.match(v):
            raise ValueError("must be an ASCII slug: lowercase letters, digits and '-', at most 31 characters")
        return v

    @field_validator("materials_repo")
    @classmethod
    def _repo(cls, v: str) -> str:
        if v and not re.match(r"^https?://\S+$", v):
            raise ValueError("must be an http(s) git URL such as https://gitlab.example.go.kr/edu/materials.git")
        return v

    @model_validator(mode="after")
    def _one_material(self) -> WorkshopSettings:
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


class Settings(Section):
    """The whole settings file."""

    mode: Literal["local", "docker", "swarm", "kubernetes"] = Field(
        "local",
        description="local: one machine, each official's lab is a local process (embedded default). docker: one "
        "container per official on one Docker host (production). swarm: the same as services of a Docker Swarm. "
        "kubernetes: Zero to JupyterHub values from this file (`govlab k8s-values`).",
    )
    hub: HubSettings = Field(HubSettings(), description="The hub: addresses, database, state and its pages.")
    auth: AuthSettings = Field(AuthSettings(), description="How officials sign in, and who is an admin.")
    llm: LLMSettings = Field(LLMSettings(), description="The assistant's model and the govlab assistant (AI 도우미).")
    limits: LimitSettings = Field(
        LimitSettings(), description="Per lab. Enforced by the container modes; local mode only reports them."
    )
    culling: CullingSettings = Field(
        CullingSettings(), description="jupyterhub-idle-culler stops labs idle for `timeout` seconds (files stay)."
    )
    sharing: SharingSettings = Field(SharingSettings(), description='"GitLab에 공유": where shared work goes.')
    gallery: GallerySettings = Field(GallerySettings(), description="The gallery of shared work (a hub service).")
    local: LocalSettings = Field(
        LocalSettings(),
        description="Mode local. Run `govlab start` as root: each official's lab then runs as their own system "
        "user (govlab-<name>, no password, no login shell) with a 0700 home under `homes` (docs/operators.md, "
        '"Local mode: who runs a lab").',
    )
    docker: DockerSettings = Field(
        DockerSettings(),
        description="Modes docker and swarm. Build the image with `images/build lab` (docs/containers.md).",
    )
    kubernetes: KubernetesSettings = Field(
        KubernetesSettings(),
        description="Mode kubernetes: values for the Zero to JupyterHub chart (docs/kubernetes.md).",
    )
    workshops: list[WorkshopSettings] = Field(
        [],
        description="Workshop cohorts (docs/workshops.md): each a hub group of seats and a trainer role limited to "
        "that group. Restart the hub after changing them; then, on the hub host: "
        "govlab workshop create cohort-a --roster roster.html",
    )
    lab: LabSettings = Field(
        LabSettings(),
        description="Every official's lab, in every mode: environment variables, secret ones by reference.",
    )
    welcome: WelcomeSettings = Field(
        WelcomeSettings(),
        description="A \"시작하기\" folder in every official's home at their lab's first start. Later starts add "
        "only files never handed out before (edits are kept, deleted files stay deleted); docs/operators.md, "
        '"Welcome folder".',
    )

    def workshop(self, name: str) -> WorkshopSettings | None:
        return next((w for w in self.workshops if w.name == name), None)
