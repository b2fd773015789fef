"""Settings in, JupyterHub configuration out: pure functions, no I/O.

`build_hub_config` returns a nested dict {ClassName: {trait: value}} that
jupyterhub_config.py merges into `c`. Everything a deployment mode needs is derived
here from the validated settings plus a few facts about the running machine
(`Runtime`), so that each rule can be unit-tested with a table of cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .gallery.config import CURATE_SCOPE
from .labconfig import SHARE_SERVICE, lab_environment, lab_server_config, share_service_role
from .labimage import LAB_CMD, LAB_CONFIG_ENV, LAB_GID, LAB_UID
from .settings import CHART_MODES, GALLERY_SERVICE, LOCAL_HOMES_DEFAULT, USERNAME_RE, AccountsSettings, LoadedSettings
from .shareservice.config import CONFIG_ENV as SHARE_CONFIG_ENV
from .shareservice.config import TOKEN_ENV as SHARE_TOKEN_ENV
from .welcome import ENV_SWITCH as WELCOME_SWITCH_ENV
from .workshop.seats import seat_dir

CULLER_SERVICE = "idle-culler"
AUTHENTICATOR = "govlab.auth.GovlabPasswordAuthenticator"
ACCOUNTS_AUTHENTICATOR = "govlab.auth.GovlabAccountsAuthenticator"
HUB_TEMPLATES = str(Path(__file__).with_name("templates"))
GITLAB_AUTHENTICATOR = "govlab.gitlab_auth.GovlabGitLabOAuthenticator"
# Shown by the hub when a GitLab account signs in but is not allowed (Korean first).
GITLAB_REFUSED_MESSAGE = (
    "이 GitLab 계정은 govlab을 사용할 수 있는 그룹에 속해 있지 않습니다. "
    "관리자에게 그룹 가입을 요청하세요. / "
    "This GitLab account is not in a group allowed to use govlab: "
    "ask the administrator to add you to the group."
)


def trainer_scopes(cohort: str, seats: list[str] = ()) -> list[str]:
    """What a cohort's trainer may do: only to the cohort group's members.

    `access:servers!group=` is resolved by the hub (browser sign-in to a lab works),
    but a lab checking an API token cannot resolve group membership (jupyterhub's
    services.auth.check_scopes), so the seats are also listed by name: the trainer's
    API token then opens the seats' labs too (hand-out, collect, status).
    """
    g = f"group={cohort}"
    return [
        f"read:groups!{g}",  # the member list
        f"read:users!{g}",  # names, activity, server models
        f"read:tokens!{g}",  # token metadata, never values: who really signed in (status)
        f"servers!{g}",  # start (pre-warm) and stop
        f"access:servers!{g}",  # open a participant's lab (help, hand out, collect)
        *(f"access:servers!user={seat}" for seat in seats),
    ]


def workshop_section(loaded: LoadedSettings) -> dict[str, dict[str, Any]]:
    """Each cohort: a group of its seats and a trainer role scoped to that group."""
    workshops = loaded.settings.workshops
    if not workshops:
        return {}
    groups = {w.name: {"users": w.seat_names} for w in workshops}
    roles = [
        {
            "name": w.role_name,
            "description": f"govlab workshop trainer for cohort {w.name}",
            "scopes": trainer_scopes(w.name, w.seat_names),
            "users": list(w.trainers),
        }
        for w in workshops
    ]
    return {"JupyterHub": {"load_groups": groups, "load_roles": roles}}


def starter_dirs(loaded: LoadedSettings) -> dict[str, str]:
    """Seat name -> the cohort's starter folder (absolute), for the first-start hand-out."""
    out: dict[str, str] = {}
    for w in loaded.settings.workshops:
        if not w.starter:
            continue
        folder = Path(w.starter).expanduser()
        if not folder.is_absolute():
            folder = loaded.source.parent / folder
        for seat in w.seat_names:
            out[seat] = str(folder)
    return out


def auth_state_roles(lab_reads_auth_state: bool = False) -> list[dict[str, Any]]:
    """Roles around the official's auth_state (their GitLab access and refresh tokens).

    Users may read their own auth_state (the gallery reads it with the browser's token
    for the gallery). A lab's server token gets it only where no share service runs
    (`lab_reads_auth_state`: the Kubernetes chart); elsewhere the lab asks the share
    service, which hands out the access token alone (the server token only receives
    scopes its user holds, so both roles would need it).
    """
    server = ["users:activity!user", "access:servers!server"]
    return [
        {"name": "user", "scopes": ["self", "admin:auth_state!user"]},
        {"name": "server", "scopes": server + (["admin:auth_state!user"] if lab_reads_auth_state else [])},
    ]


@dataclass(frozen=True)
class Runtime:
    """Facts about the machine the hub runs on (gathered at the edge)."""

    python: str  # interpreter of the environment holding jupyterhub and the lab
    proxy_command: tuple[str, ...] = ("configurable-http-proxy",)
    running_as_root: bool = False
    lab_config_dir: str = ""  # directory holding the generated lab config
    extra_env: dict[str, str] = field(default_factory=dict)


def _bin(runtime: Runtime, name: str) -> str:
    return str(Path(runtime.python).parent / name)


def hub_process_env(loaded: LoadedSettings) -> dict[str, str]:
    """Environment variables the hub process itself needs (set by hubsetup).

    The PostgreSQL password reaches libpq as PGPASSWORD, not inside db_url or
    db_kwargs: JupyterHub hands db_url to alembic (which writes it into a temporary
    alembic.ini) and alembic's engine never sees db_kwargs. Labs do not inherit it
    (spawners pass on only Spawner.env_keep). Zero to JupyterHub does the same.
    """
    password = loaded.secrets.db_password
    if not (loaded.settings.hub.uses_postgresql and password):
        return {}
    return {"PGPASSWORD": password.get_secret_value()}


def stop_servers_on_exit(loaded: LoadedSettings) -> bool:
    """Local labs are child processes: stop them with the hub. Containers outlive a
    hub restart (an upgrade interrupts nobody) unless the operator says otherwise."""
    explicit = loaded.settings.hub.stop_servers_on_exit
    return loaded.settings.mode == "local" if explicit is None else explicit


def hub_section(loaded: LoadedSettings, runtime: Runtime) -> dict[str, dict[str, Any]]:
    hub = loaded.settings.hub
    state = loaded.state_dir
    return {
        "JupyterHub": {
            "bind_url": hub.bind_url,
            "hub_bind_url": hub.hub_bind_url,
            "db_url": hub.db_url or f"sqlite:///{state / 'jupyterhub.sqlite'}",
            "cookie_secret_file": str(state / "jupyterhub_cookie_secret"),
            "concurrent_spawn_limit": hub.concurrent_spawn_limit,
            "cleanup_servers": stop_servers_on_exit(loaded),
            "log_level": hub.log_level,
        },
        "ConfigurableHTTPProxy": proxy_traits(loaded, runtime),
    }


def proxy_traits(loaded: LoadedSettings, runtime: Runtime) -> dict[str, Any]:
    hub = loaded.settings.hub
    if hub.external_proxy:
        # The proxy is its own service (docker-compose): the hub neither starts nor
        # stops it; JupyterHub reads the shared token from $CONFIGPROXY_AUTH_TOKEN.
        return {"api_url": hub.proxy_api_url, "should_start": False}
    return {
        "api_url": hub.proxy_api_url,
        # Through govlab.proxyexec: the proxy gets its own token, not the hub's environment.
        "command": [runtime.python, "-m", "govlab.proxyexec", *runtime.proxy_command],
        "pid_file": str(loaded.state_dir / "jupyterhub-proxy.pid"),
    }


def accounts_auth(loaded: LoadedSettings, common: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """auth.method: accounts - officials apply, admins approve, each has a password."""
    accounts = loaded.settings.auth.accounts or AccountsSettings()
    traits: dict[str, Any] = {
        "minimum_password_length": accounts.min_password_length,
        "check_common_password": True,
        "allowed_failed_logins": accounts.max_failed_logins,
        "seconds_before_next_try": accounts.lockout_seconds,
        "ask_email_on_signup": True,
        # Every application waits for an admin; no e-mail self-approval, no 2FA secret shown.
        "open_signup": False,
        "allow_self_approval_for": None,
        "allow_2fa": False,
        # Workshop seats keep their one-time passwords (hashes in the seat files).
        "seat_dir": str(seat_dir(loaded.state_dir)),
        "seat_names": {s for w in loaded.settings.workshops if w.generated for s in w.seat_names},
    }
    if loaded.secrets.admin_password:
        traits["admin_password"] = loaded.secrets.admin_password.get_secret_value()
    return {
        # govlab's Korean pages (login, 이용 신청, approval, password): branding_section.
        "JupyterHub": {"authenticator_class": ACCOUNTS_AUTHENTICATOR},
        "Authenticator": common,
        "GovlabAccountsAuthenticator": traits,
    }


def branding_section(loaded: LoadedSettings) -> dict[str, dict[str, Any]]:
    """govlab's Korean hub pages over JupyterHub's (every sign-in method), and what they show."""
    branding = loaded.settings.hub.branding
    traits: dict[str, Any] = {
        "template_paths": [HUB_TEMPLATES],
        # Read by the templates as `govlab_*`; Jinja escapes them (the notice is plain text).
        "template_vars": {
            "govlab_title": branding.title,
            "govlab_agency": branding.agency,
            "govlab_notice": branding.notice,
            "govlab_auth_method": loaded.settings.auth.method,
        },
    }
    logo = branding.logo_path(loaded.source.parent)
    if logo:
        traits["logo_file"] = str(logo)
    return {"JupyterHub": traits}


def auth_section(loaded: LoadedSettings, gitlab_class: str = "gitlab") -> dict[str, dict[str, Any]]:
    """Sign-in traits. `gitlab_class`: oauthenticator's own class where govlab is not
    installed in the hub (the Kubernetes chart's hub image); govlab's subclass, which
    renews tokens before they expire, everywhere else."""
    auth = loaded.settings.auth
    secrets = loaded.secrets
    common: dict[str, Any] = {
        "admin_users": set(auth.admin_users),
        # Names become directory names and URL parts: keep them to a safe ASCII set.
        "username_pattern": USERNAME_RE.pattern,
    }
    # Workshop seats and trainers are allowed by being listed in a cohort.
    cohort_users = {u for w in loaded.settings.workshops for u in (*w.seat_names, *w.trainers)}
    gitlab_groups = auth.method == "gitlab" and auth.gitlab and auth.gitlab.allowed_groups
    if auth.allowed_users or (gitlab_groups and cohort_users):
        common["allowed_users"] = set(auth.allowed_users) | cohort_users
    elif not gitlab_groups:
        # allow_all overrides every other rule, allowed GitLab groups included.
        common["allow_all"] = True
    if auth.method == "accounts":
        return accounts_auth(loaded, common)
    if auth.method == "shared-password":
        shared: dict[str, Any] = {}
        if secrets.user_password:
            shared["user_password"] = secrets.user_password.get_secret_value()
        if secrets.admin_password:
            shared["admin_password"] = secrets.admin_password.get_secret_value()
        seats = {s for w in loaded.settings.workshops if w.generated for s in w.seat_names}
        if not seats:
            return {
                "JupyterHub": {"authenticator_class": "shared-password"},
                "Authenticator": common,
                "SharedPasswordAuthenticator": shared,
            }
        # Workshop seats sign in with their own one-time passwords (hashes in the seat files).
        return {
            "JupyterHub": {"authenticator_class": AUTHENTICATOR},
            "Authenticator": common,
            "SharedPasswordAuthenticator": shared,
            "GovlabPasswordAuthenticator": {
                "seat_dir": str(seat_dir(loaded.state_dir)),
                "seat_names": seats,
            },
        }
    gitlab = auth.gitlab
    assert gitlab is not None  # guaranteed by AuthSettings validation
    return {
        "JupyterHub": {
            "authenticator_class": gitlab_class,
            # The lab fetches the official's fresh GitLab token right before each
            # share (GET /hub/api/users/<name>): its server token must read that
            # user's auth_state.
            "load_roles": auth_state_roles(lab_reads_auth_state=loaded.settings.mode in CHART_MODES),
        },
        "Authenticator": {
            **common,
            # Encrypted with JUPYTERHUB_CRYPT_KEY; holds the access and refresh tokens.
            "enable_auth_state": True,
            # GitLab tokens live 2 hours: refresh before they are handed out, and
            # check at most every 5 minutes while the official is active (also when
            # the lab asks for the token with its API token).
            "refresh_pre_spawn": True,
            "auth_refresh_age": 300,
        },
        "GitLabOAuthenticator": {
            "gitlab_url": gitlab.url,
            "client_id": gitlab.client_id,
            "client_secret": secrets.gitlab_client_secret.get_secret_value() if secrets.gitlab_client_secret else "",
            "oauth_callback_url": f"{loaded.settings.hub.address}/hub/oauth_callback",
            # `api` lets the lab create projects and commit for the official.
            "scope": ["api", "read_user"],
            "allowed_gitlab_groups": set(gitlab.allowed_groups),
            "custom_403_message": GITLAB_REFUSED_MESSAGE,
        },
    }


def spawner_section(loaded: LoadedSettings, runtime: Runtime) -> dict[str, dict[str, Any]]:
    settings = loaded.settings
    spawner: dict[str, Any] = {
        "default_url": "/lab",
        "start_timeout": settings.hub.start_timeout,
        "http_timeout": settings.hub.start_timeout,
        "mem_limit": settings.limits.memory,
        "cpu_limit": settings.limits.cpu,
    }
    if settings.mode == "local":
        return local_spawner_section(loaded, runtime, spawner)
    if settings.mode in CONTAINER_SPAWNERS:
        return container_spawner_section(loaded, runtime, spawner)
    raise ValueError(f"mode {settings.mode!r} has no spawner in this version")


# Read by every local lab: loads $GOVLAB_LAB_CONFIG (the state dir is the hub's only).
LOCAL_LAB_CONFIG_LOADER = str(Path(__file__).with_name("labenv"))
LOCAL_SPAWNER = "govlab.spawners.GovlabLocalSpawner"
SIMPLE_SPAWNER = "govlab.spawners.GovlabSimpleSpawner"


def local_homes(loaded: LoadedSettings, runtime: Runtime) -> str:
    homes = loaded.settings.local.homes
    if homes:
        return homes
    return LOCAL_HOMES_DEFAULT if runtime.running_as_root else str(loaded.state_dir / "home")


def local_spawner_section(
    loaded: LoadedSettings, runtime: Runtime, spawner: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Mode local: as root, each official's lab as their own system user; without root
    (local.trusted_group only) as the hub's user. Never as root (no --allow-root)."""
    env = lab_environment(loaded, lab_config_dir=LOCAL_LAB_CONFIG_LOADER)
    env[LAB_CONFIG_ENV] = json.dumps(lab_server_config(loaded), ensure_ascii=False, sort_keys=True)
    env.update(runtime.extra_env)
    common = {**spawner, "cmd": [_bin(runtime, "jupyterhub-singleuser")], "args": [], "environment": env}
    homes = local_homes(loaded, runtime)
    if runtime.running_as_root:
        return {
            "JupyterHub": {"spawner_class": LOCAL_SPAWNER},
            "Spawner": common,
            "GovlabLocalSpawner": {"homes": homes},
        }
    return {
        "JupyterHub": {"spawner_class": SIMPLE_SPAWNER},
        "Spawner": common,
        "SimpleLocalProcessSpawner": {"home_dir_template": f"{homes}/{{username}}"},
    }


CONTAINER_SPAWNERS = {
    "docker": ("GovlabDockerSpawner", "govlab.spawners.GovlabDockerSpawner"),
    "swarm": ("GovlabSwarmSpawner", "govlab.spawners.GovlabSwarmSpawner"),
}
# The official's user in the lab image.
LAB_USER = f"{LAB_UID}:{LAB_GID}"


def container_environment(loaded: LoadedSettings, runtime: Runtime) -> dict[str, str]:
    """A container lab's environment: the same as a local lab's, with the lab config
    itself (secret-free JSON) in place of a config directory on the hub's disk."""
    env = lab_environment(loaded, lab_config_dir="")
    env[LAB_CONFIG_ENV] = json.dumps(lab_server_config(loaded), ensure_ascii=False, sort_keys=True)
    if not loaded.settings.welcome.enabled:
        env[WELCOME_SWITCH_ENV] = "off"  # the image's entry point hands out no 시작하기
    env.update(runtime.extra_env)
    return env


def container_spawner_section(
    loaded: LoadedSettings, runtime: Runtime, spawner: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Modes docker and swarm: one unprivileged, limited container per official."""
    settings = loaded.settings
    docker = settings.docker
    cls_name, cls_path = CONTAINER_SPAWNERS[settings.mode]
    traits: dict[str, Any] = {
        "image": docker.image,
        "pull_policy": docker.pull_policy,
        "network_name": docker.network,
        "prefix": "govlab",
        # Containers are disposable; the home volume is what persists.
        "remove": True,
        "volumes": {docker.volume_template: docker.home},
        "notebook_dir": docker.home,
        "cmd": LAB_CMD,
        "environment": container_environment(loaded, runtime),
    }
    if settings.mode == "docker":
        traits["extra_create_kwargs"] = {"user": LAB_USER}
        traits["extra_host_config"] = {
            # No Linux capabilities, no privilege gain (setuid), no swap beyond the
            # memory limit (a kernel that allocates past it is killed, not slowed),
            # a bounded number of processes. No Docker socket is ever mounted.
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "memswap_limit": settings.limits.memory,
            "pids_limit": docker.pids_limit,
        }
    else:
        traits["extra_container_spec"] = {"user": LAB_USER, "cap_drop": ["ALL"]}
    if docker.host_network:
        # Labs share the hub machine's network: each listens on loopback at a port the
        # hub assigns (govlab.spawnhooks), never on the machine's public interfaces.
        traits["ip"] = "127.0.0.1"
        # Nothing to publish: the hub routes to that port directly (govlab.spawners).
        traits["use_internal_ip"] = True
    out: dict[str, dict[str, Any]] = {
        "JupyterHub": {"spawner_class": cls_path},
        "Spawner": spawner,
        cls_name: traits,
    }
    if docker.hub_connect_url:
        out["JupyterHub"]["hub_connect_url"] = docker.hub_connect_url
    return out


def culler_section(loaded: LoadedSettings, runtime: Runtime) -> dict[str, dict[str, Any]]:
    cull = loaded.settings.culling
    if not cull.enabled:
        return {}
    command = [
        runtime.python,
        "-m",
        "jupyterhub_idle_culler",
        f"--timeout={cull.timeout}",
        f"--cull-every={cull.every}",
    ]
    if cull.max_age:
        command.append(f"--max-age={cull.max_age}")
    return {
        "JupyterHub": {
            "services": [{"name": CULLER_SERVICE, "command": command}],
            "load_roles": [
                {
                    "name": "govlab-idle-culler",
                    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
                    "services": [CULLER_SERVICE],
                }
            ],
        }
    }


SERVER_DEFAULT_SCOPES = ["users:activity!user", "access:servers!server"]  # JupyterHub's `server` role


def gallery_config(loaded: LoadedSettings) -> dict[str, Any]:
    """What the gallery service needs to know (no secrets): passed as JSON in its environment."""
    settings = loaded.settings
    gallery = settings.gallery
    namespaces = list(gallery.namespaces) or ([settings.sharing.namespace] if settings.sharing.namespace else [])
    return {
        "gitlab_url": settings.sharing.gitlab_url,
        "namespaces": namespaces,
        "topic": gallery.topic,
        # GitLab sign-in: private projects are listed with the official's own GitLab token.
        "user_tokens": settings.auth.method == "gitlab",
        # Shared-password sign-in: one token creates every project; a private one is
        # shown to the official its manifest names as owner.
        "owner_private": settings.auth.method != "gitlab",
        "db_path": str(loaded.state_dir / "gallery.sqlite"),
        "refresh_every": gallery.refresh_every,
        "request_timeout": gallery.request_timeout,
        "page_size": gallery.page_size,
        "curate_scope": CURATE_SCOPE,
        "agency": settings.sharing.agency,
    }


def gallery_section(loaded: LoadedSettings, runtime: Runtime) -> dict[str, dict[str, Any]]:
    """The gallery: a hub-managed service, who may open it, who may curate it."""
    settings = loaded.settings
    gallery = settings.gallery
    if not gallery.enabled:
        return {}
    env = {"GOVLAB_GALLERY_CONFIG": json.dumps(gallery_config(loaded), ensure_ascii=False)}
    token = loaded.secrets.gallery_token or loaded.secrets.sharing_token
    if token:
        # The environment of a managed service lives in the hub's memory only.
        env["GOVLAB_GALLERY_GITLAB_TOKEN"] = token.get_secret_value()
    # Tokens the browser holds for the gallery: identify the official, carry the curator
    # mark, and (GitLab sign-in) read only that official's own GitLab token.
    allowed = ["read:users:name!user", CURATE_SCOPE]
    if settings.auth.method == "gitlab":
        allowed.append("admin:auth_state!user")
    service = {
        "name": GALLERY_SERVICE,
        "url": gallery.bind_url,
        "command": [runtime.python, "-m", "govlab.gallery"],
        "environment": env,
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": allowed,
        "display": True,
        # JupyterHub 6 services have no display name: govlab's page.html shows this one
        # in the Services menu; the service name (URLs, scopes) stays.
        "info": {"description": "공유 갤러리 / Gallery of shared work", "display_name": "공유 갤러리"},
    }
    curators = sorted(set(settings.auth.admin_users) | set(gallery.curators))
    return {
        "JupyterHub": {
            "services": [service],
            "custom_scopes": {
                CURATE_SCOPE: {"description": "Mark gallery entries as featured best practice (우수사례)."}
            },
            # Every official may open the gallery; the service itself needs no hub API rights.
            "extra_user_scopes": [f"access:services!service={GALLERY_SERVICE}"],
            "load_roles": [
                # A lab announces a new share to the gallery with its own API token.
                {"name": "server", "scopes": SERVER_DEFAULT_SCOPES + [f"access:services!service={GALLERY_SERVICE}"]},
                {
                    "name": "govlab-gallery-curator",
                    "description": "Marks gallery entries as featured (우수사례)",
                    "scopes": [CURATE_SCOPE],
                    "users": curators,
                },
            ],
        }
    }


SHARE_ACCESS_SCOPE = f"access:services!service={SHARE_SERVICE}"
# The share service reads an official's auth_state (GitLab sign-in): the least that works.
SHARE_SERVICE_SCOPES = ["admin:auth_state", "read:users:name"]


def share_service_config(loaded: LoadedSettings) -> dict[str, Any]:
    """What the share service needs to know (no secrets): JSON in its environment."""
    settings = loaded.settings
    role = share_service_role(loaded)
    return {
        # GovlabShare traits: the service commits as a lab would.
        "share": {
            "gitlab_url": settings.sharing.gitlab_url,
            "namespace": settings.sharing.namespace,
            "gallery_topic": settings.gallery.topic,
        },
        "owners_path": str(loaded.state_dir / "share-service" / "owners.json"),
        "publish": role == "publish",
        "user_tokens": role == "tokens",
    }


def share_service_section(loaded: LoadedSettings, runtime: Runtime) -> dict[str, dict[str, Any]]:
    """The share service: a hub-managed service holding the shared GitLab token (or
    reading officials' auth_state), reached by labs with their own API token."""
    role = share_service_role(loaded)
    if not role:
        return {}
    env = {SHARE_CONFIG_ENV: json.dumps(share_service_config(loaded), ensure_ascii=False)}
    if role == "publish":
        # The environment of a managed service lives in the hub's memory only.
        env[SHARE_TOKEN_ENV] = loaded.secrets.sharing_token.get_secret_value()
    service = {
        "name": SHARE_SERVICE,
        "url": loaded.settings.sharing.service_bind_url,
        "command": [runtime.python, "-m", "govlab.shareservice"],
        "environment": env,
        "display": False,
    }
    roles: list[dict[str, Any]] = [
        # A lab calls the service with its own API token (the user holds it too: a
        # server token only receives scopes its user holds).
        {"name": "server", "scopes": SERVER_DEFAULT_SCOPES + [SHARE_ACCESS_SCOPE]},
    ]
    if role == "tokens":
        roles.append(
            {
                "name": "govlab-share-service",
                "description": "Reads officials' GitLab access tokens for their labs",
                "scopes": SHARE_SERVICE_SCOPES,
                "services": [SHARE_SERVICE],
            }
        )
    return {"JupyterHub": {"services": [service], "extra_user_scopes": [SHARE_ACCESS_SCOPE], "load_roles": roles}}


def fold_user_scopes(config: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A `user` role in load_roles replaces the default one, and JupyterHub then drops
    extra_user_scopes: fold them into that role so both settings hold."""
    hub = config.get("JupyterHub", {})
    extra = hub.get("extra_user_scopes") or []
    for role in hub.get("load_roles", []):
        if role.get("name") == "user" and extra:
            role["scopes"] = list(role["scopes"]) + [s for s in extra if s not in role["scopes"]]
            del hub["extra_user_scopes"]  # folded in: JupyterHub would only warn it is ignored
    return config


def fold_roles(config: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Two sections may each extend one role (the `server` role: auth_state for GitLab
    sign-in, the gallery's access scope): JupyterHub wants one entry per name."""
    hub = config.get("JupyterHub", {})
    roles: dict[str, dict[str, Any]] = {}
    for role in hub.get("load_roles", []):
        if role["name"] in roles:
            first = roles[role["name"]]
            first["scopes"] = list(first["scopes"]) + [s for s in role["scopes"] if s not in first["scopes"]]
        else:
            roles[role["name"]] = dict(role)
    if "load_roles" in hub:
        hub["load_roles"] = list(roles.values())
    return config


def merge(*sections: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Merge config sections; list values of one trait (services, roles) concatenate."""
    out: dict[str, dict[str, Any]] = {}
    for section in sections:
        for cls, traits in section.items():
            target = out.setdefault(cls, {})
            for name, value in traits.items():
                if name in target and isinstance(target[name], list) and isinstance(value, list):
                    target[name] = target[name] + value
                elif name in target and target[name] != value:
                    raise ValueError(f"{cls}.{name} is set twice with different values")
                else:
                    target[name] = value
    return out


def build_hub_config(loaded: LoadedSettings, runtime: Runtime) -> dict[str, dict[str, Any]]:
    return fold_user_scopes(
        fold_roles(
            merge(
                hub_section(loaded, runtime),
                branding_section(loaded),
                auth_section(loaded, gitlab_class=GITLAB_AUTHENTICATOR),
                spawner_section(loaded, runtime),
                culler_section(loaded, runtime),
                workshop_section(loaded),
                gallery_section(loaded, runtime),
                share_service_section(loaded, runtime),
            )
        )
    )
