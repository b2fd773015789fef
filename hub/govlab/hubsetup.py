"""The edge between the settings file and a running JupyterHub.

govlab's jupyterhub_config.py (in this package; config/jupyterhub_config.py points to
it) calls `configure(c)`: load and validate the settings, write the labs' (secret-free)
config file, merge the pure `build_hub_config` result into `c`, add the pre-spawn
hooks, and warn about an unreachable model endpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from traitlets.config import Config

from . import llmcheck, settings
from .hubconfig import Runtime, build_hub_config, hub_process_env, starter_dirs
from .labconfig import lab_server_config
from .spawnhooks import assign_ports
from .workshop.handout import chain, starter_hook, starter_volume_hook


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
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(lab_server_config(loaded), indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path


def prepare_state_dir(state_dir: Path) -> None:
    # The hub database and cookie secret live here: owner-only.
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    (state_dir / "home").mkdir(exist_ok=True, mode=0o755)


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
        hooks.append(assign_ports)
    starters = starter_dirs(loaded)
    if starters and mode == "local":
        hooks.append(starter_hook(starters))
    elif starters and mode == "docker":
        hooks.append(starter_volume_hook(starters))
    return hooks


def configure(c: Config, environ=None) -> list[str]:
    """Apply the govlab settings to `c`; return extra config files to load after."""
    loaded = settings.load(environ=environ)
    if loaded.settings.mode in settings.CHART_MODES:
        raise SetupError(
            f"mode {loaded.settings.mode} runs the hub inside the cluster: write the chart "
            "values with `govlab k8s-values` (docs/kubernetes.md)"
        )
    runtime = runtime_for(loaded)
    prepare_state_dir(loaded.state_dir)
    if loaded.settings.mode == "local":
        # Container labs get the same config with each spawn ($GOVLAB_LAB_CONFIG).
        write_lab_config(loaded, Path(runtime.lab_config_dir))
    c.merge(Config(build_hub_config(loaded, runtime)))
    os.environ.update(hub_process_env(loaded))
    hooks = pre_spawn_hooks(loaded)
    if hooks:
        c.Spawner.pre_spawn_hook = chain(*hooks) if len(hooks) > 1 else hooks[0]
    warning = llmcheck.probe(loaded)
    if warning:
        # The hub's logger is not set up yet while config loads; stderr reaches the
        # operator's terminal and the service log alike.
        print(f"[govlab] WARNING: {warning}", file=sys.stderr, flush=True)
    return extra_config_files(loaded)
