"""Settings in, JupyterHub configuration out: pure functions, no I/O.

`build_hub_config` returns a nested dict {ClassName: {trait: value}} that
jupyterhub_config.py merges into `c`. Everything a deployment mode needs is derived
here from the validated settings plus a few facts about the running machine
(`Runtime`), so that each rule can be unit-tested with a table of cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .labconfig import lab_environment
from .settings import USERNAME_RE, LoadedSettings
from .workshop.seats import seat_dir

CULLER_SERVICE = "idle-culler"
AUTHENTICATOR = "govlab.auth.GovlabPasswordAuthenticator"


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


def auth_state_roles() -> list[dict[str, Any]]:
    """Roles that let a lab read its own user's auth_state (the fresh GitLab token).

    The server token only receives scopes its user holds, so both the user role and
    the server role get `admin:auth_state!user` (users can then read their own
    auth_state too; it holds nothing but their own tokens).
    """
    return [
        {"name": "user", "scopes": ["self", "admin:auth_state!user"]},
        {"name": "server", "scopes": ["users:activity!user", "access:servers!server", "admin:auth_state!user"]},
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
            "cleanup_servers": hub.stop_servers_on_exit,
            "log_level": hub.log_level,
        },
        "ConfigurableHTTPProxy": {
            "api_url": hub.proxy_api_url,
            "command": list(runtime.proxy_command),
            "pid_file": str(state / "jupyterhub-proxy.pid"),
        },
    }


def auth_section(loaded: LoadedSettings) -> dict[str, dict[str, Any]]:
    auth = loaded.settings.auth
    secrets = loaded.secrets
    common: dict[str, Any] = {
        "admin_users": set(auth.admin_users),
        # Names become directory names and URL parts: keep them to a safe ASCII set.
        "username_pattern": USERNAME_RE.pattern,
    }
    if auth.allowed_users:
        # Workshop seats and trainers are allowed by being listed in a cohort.
        cohort_users = {u for w in loaded.settings.workshops for u in (*w.seat_names, *w.trainers)}
        common["allowed_users"] = set(auth.allowed_users) | cohort_users
    else:
        common["allow_all"] = True
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
            "authenticator_class": "gitlab",
            # The lab fetches the official's fresh GitLab token right before each
            # share (GET /hub/api/user): its server token must read that user's auth_state.
            "load_roles": auth_state_roles(),
        },
        "Authenticator": {
            **common,
            # Encrypted with JUPYTERHUB_CRYPT_KEY; holds the access and refresh tokens.
            "enable_auth_state": True,
            # GitLab tokens live 2 hours: refresh before they are handed out.
            "refresh_pre_spawn": True,
            "auth_refresh_age": 300,
        },
        "GitLabOAuthenticator": {
            "gitlab_url": gitlab.url,
            "client_id": gitlab.client_id,
            "client_secret": secrets.gitlab_client_secret.get_secret_value()
            if secrets.gitlab_client_secret
            else "",
            "oauth_callback_url": f"{loaded.settings.hub.address}/hub/oauth_callback",
            # `api` lets the lab create projects and commit for the official.
            "scope": ["api", "read_user"],
            "allowed_gitlab_groups": set(gitlab.allowed_groups),
        },
    }


def spawner_section(loaded: LoadedSettings, runtime: Runtime) -> dict[str, dict[str, Any]]:
    settings = loaded.settings
    args = []
    if runtime.running_as_root:
        # Local processes run as the hub's user; jupyter_server refuses root without this.
        args.append("--allow-root")
    env = lab_environment(loaded, lab_config_dir=runtime.lab_config_dir)
    env.update(runtime.extra_env)
    spawner: dict[str, Any] = {
        "cmd": [_bin(runtime, "jupyterhub-singleuser")],
        "args": args,
        "default_url": "/lab",
        "environment": env,
        "start_timeout": settings.hub.start_timeout,
        "http_timeout": settings.hub.start_timeout,
        "mem_limit": settings.limits.memory,
        "cpu_limit": settings.limits.cpu,
    }
    if settings.mode == "local":
        return {
            "JupyterHub": {"spawner_class": "simple"},
            "Spawner": spawner,
            "SimpleLocalProcessSpawner": {
                "home_dir_template": str(loaded.state_dir / "home" / "{username}"),
            },
        }
    raise ValueError(f"mode {settings.mode!r} has no spawner in this version")


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
    return merge(
        hub_section(loaded, runtime),
        auth_section(loaded),
        spawner_section(loaded, runtime),
        culler_section(loaded, runtime),
        workshop_section(loaded),
    )
