"""The edge between the settings file and a running JupyterHub.

govlab's jupyterhub_config.py (in this package; config/jupyterhub_config.py points to
it) calls `configure(c)`: load and validate the settings, write the labs' (secret-free)
config file, merge the pure `build_hub_config` result into `c`, add the pre-spawn
hooks, and warn about an unreachable model endpoint.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import tornado.httpserver
from traitlets.config import Config

from . import handoff, llmcheck, localusers, settings, statedir
from .atomicfile import write_atomic
from .hubconfig import Runtime, build_hub_config, hub_process_env, local_homes, starter_dirs
from .labconfig import lab_server_config
from .spawnhooks import port_assigner
from .welcome import source_of as welcome_source
from .welcome import welcome_hook, welcome_volume_hook
from .workshop.handout import chain, starter_hook, starter_volume_hook
from .workshop.queued import queued_hook, queued_volume_hook

# Largest request body the hub reads (sign-in forms and API calls are a few kB). Tornado
# reads up to 100 MB into memory before a handler runs; JupyterHub has no trait for it,
# so the default arguments of every HTTPServer in the hub process (Configurable) say so.
HUB_MAX_BODY = 1024 * 1024

# The jupyterhub_config.py that `govlab start` runs (config/jupyterhub_config.py loads it too).
PACKAGED_JUPYTERHUB_CONFIG = Path(__file__).with_name("jupyterhub_config.py")


class SetupError(Exception):
    """The machine lacks something the hub needs (not a settings problem)."""


def find_proxy() -> tuple[str, ...]:
    """configurable-http-proxy from PATH or beside this Python (scripts/setup links it there)."""
    found = shutil.which("configurable-http-proxy") or shutil.which(
        "configurable-http-proxy", path=str(Path(sys.executable).parent)
    )
    if not found:
        raise SetupError(
            "configurable-http-proxy was not found: run `scripts/setup` (it installs the "
            "pinned proxy from npm) or put it on PATH"
        )
    return (found,)


def runtime_for(loaded: settings.LoadedSettings, proxy_command: tuple[str, ...] | None = None) -> Runtime:
    return Runtime(
        python=sys.executable,
        proxy_command=proxy_command or find_proxy(),
        running_as_root=hasattr(os, "geteuid") and os.geteuid() == 0,
        lab_config_dir=str(loaded.state_dir / "lab-config"),
    )


def write_lab_config(loaded: settings.LoadedSettings, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "jupyter_server_config.json"
    write_atomic(path, json.dumps(lab_server_config(loaded), indent=2, ensure_ascii=False))
    return path


def prepare_state_dir(state_dir: Path) -> None:
    # The hub database and cookie secret live here: owner-only (fixed if made otherwise).
    statedir.ensure(state_dir)
    (state_dir / "home").mkdir(exist_ok=True, mode=0o755)


def plain_http_warning(loaded: settings.LoadedSettings) -> str | None:
    """A warning when officials' passwords and cookies would cross the network unencrypted."""
    hub = loaded.settings.hub
    url = urlsplit(hub.bind_url)
    if url.scheme != "http" or hub.public_url.startswith("https://"):
        return None
    host = (url.hostname or "").strip("[]")
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    return (
        f"hub.bind_url {hub.bind_url} 은 암호화되지 않은 http 주소로 다른 컴퓨터에서 접속할 수 있습니다: "
        "비밀번호와 로그인 쿠키가 그대로 전송됩니다. 앞에 TLS 프록시(nginx, Caddy 등)를 두고 "
        "hub.public_url 을 https:// 주소로 설정하거나, bind_url 을 127.0.0.1 로 바꾸세요. / "
        f"hub.bind_url {hub.bind_url} serves plain http on a non-loopback address: passwords and "
        "sign-in cookies cross the network unencrypted. Put a TLS proxy (nginx, Caddy) in front "
        "and set hub.public_url to its https:// address, or bind to 127.0.0.1."
    )


def extra_config_files(loaded: settings.LoadedSettings) -> list[str]:
    extra = loaded.settings.hub.extra_config_dir
    if not extra:
        return []
    directory = Path(extra).expanduser()
    if not directory.is_absolute():
        directory = loaded.source.parent / directory
    return sorted(str(p) for p in directory.glob("*.py"))


def pre_spawn_hooks(loaded: settings.LoadedSettings) -> list:
    """What runs before each spawn: port assignment where labs share one network,
    the workshop starter hand-out where a cohort has a starter folder."""
    mode = loaded.settings.mode
    hooks = []
    if mode == "local" or loaded.settings.docker.host_network and mode in ("docker", "swarm"):
        hooks.append(port_assigner(loaded.settings.local.lab_ports))
    # The 시작하기 folder: copied by the hub in local mode, by the image's entry point
    # in container modes (the hub mounts an operator's folder in docker mode).
    welcome = welcome_source(loaded)
    if mode == "local" and welcome:
        hooks.append(welcome_hook(*welcome))
    elif mode == "docker" and welcome and loaded.settings.welcome.folder:
        hooks.append(welcome_volume_hook(welcome[0]))
    starters = starter_dirs(loaded)
    restore = frozenset(s for w in loaded.settings.workshops if w.restore_starter_files for s in w.seat_names)
    if starters and mode == "local":
        hooks.append(starter_hook(starters, restore))
    elif starters and mode == "docker":
        hooks.append(starter_volume_hook(starters, restore))
    # Hand-outs queued for stopped seats (govlab.workshop.queued), after the starters.
    if loaded.settings.workshops and mode == "local":
        hooks.append(queued_hook(loaded.state_dir))
    elif loaded.settings.workshops and mode == "docker":
        hooks.append(queued_volume_hook(loaded.state_dir))
    return hooks


TRUSTED_GROUP_WARNING = (
    "local.trusted_group: 모든 랩이 허브와 같은 시스템 사용자로 실행됩니다. 공무원들은 서로의 "
    "파일과 허브의 비밀 값(비밀번호, 키, 토큰)을 읽을 수 있습니다. 서로 신뢰하는 사람들만 쓰게 "
    "하거나, 허브를 root로 실행하거나(공무원마다 시스템 사용자) mode: docker 를 쓰세요. / "
    "local.trusted_group: every lab runs as the hub's system user. Officials can read each "
    "other's files and the hub's secrets (passwords, keys, tokens). Let only people who trust "
    "each other in, or run the hub as root (a system user per official), or use mode: docker."
)


def local_setup(loaded: settings.LoadedSettings, runtime: Runtime) -> str | None:
    """Mode local: refuse what has no boundary unless said so; make the homes' parent;
    check that officials' users can run govlab's Python. Returns a warning to show."""
    problems = settings.local_mode_problems(loaded.settings, runtime.running_as_root)
    problems += handoff.loose_secret_files(loaded.settings, loaded.source.parent)
    if problems:
        raise settings.SettingsError(str(loaded.source), problems)
    if not runtime.running_as_root:
        return TRUSTED_GROUP_WARNING
    homes = Path(local_homes(loaded, runtime))
    localusers.make_homes_root(homes)
    failure = localusers.lab_group_can_run(runtime.python)
    if failure:
        blocked = " ".join(str(d) for d in localusers.blocking_dirs(runtime.python)) or "<directory>"
        raise SetupError(
            f"officials' system users (group {localusers.LAB_GROUP}) cannot run govlab's Python "
            f"{runtime.python}: {failure}. Install govlab where every user can read it (e.g. a "
            "checkout under /opt or /srv whose .venv is made from a system Python: "
            "GOVLAB_PYTHON=/usr/bin/python3 scripts/setup), or let that group pass through the "
            f"directory that blocks it: setfacl -m g:{localusers.LAB_GROUP}:x {blocked}"
        )
    return None


def hub_secret_config(c: Config, environ) -> None:
    """What JupyterHub would read from its own environment, as config instead."""
    key = environ.get("JUPYTERHUB_CRYPT_KEY", "")
    if key.strip():
        c.CryptKeeper.keys = [k for k in key.split(";") if k.strip()]
    token = environ.get("CONFIGPROXY_AUTH_TOKEN", "")
    if token:
        c.ConfigurableHTTPProxy.auth_token = token


def configure(c: Config, environ=None) -> list[str]:
    """Apply the govlab settings to `c`; return extra config files to load after."""
    # `govlab start` hands the secrets over through a pipe, not this process's environment.
    environ = handoff.receive() if environ is None else environ
    loaded = settings.load(environ=environ)
    if loaded.settings.mode in settings.CHART_MODES:
        raise SetupError(
            f"mode {loaded.settings.mode} runs the hub inside the cluster: write the chart "
            "values with `govlab k8s-values` (docs/kubernetes.md)"
        )
    runtime = runtime_for(loaded)
    # Before anything is written: the hub's SQLite files (and -journal/-wal), cookie
    # secret and its services' files are then owner-only, whoever made the dir.
    statedir.private_umask()
    tornado.httpserver.HTTPServer.configure(None, max_body_size=HUB_MAX_BODY)
    prepare_state_dir(loaded.state_dir)
    if loaded.settings.mode == "local":
        # Container labs get the same config with each spawn ($GOVLAB_LAB_CONFIG).
        write_lab_config(loaded, Path(runtime.lab_config_dir))
    local_warning = local_setup(loaded, runtime) if loaded.settings.mode == "local" else None
    c.merge(Config(build_hub_config(loaded, runtime)))
    hub_secret_config(c, environ)
    os.environ.update(hub_process_env(loaded))
    hooks = pre_spawn_hooks(loaded)
    if hooks:
        c.Spawner.pre_spawn_hook = chain(*hooks) if len(hooks) > 1 else hooks[0]
    for warning in (local_warning, plain_http_warning(loaded), llmcheck.probe(loaded)):
        if warning:
            # The hub's logger is not set up yet while config loads; stderr reaches the
            # operator's terminal and the service log alike.
            print(f"[govlab] WARNING: {warning}", file=sys.stderr, flush=True)
    return extra_config_files(loaded)
