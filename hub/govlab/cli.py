"""The `govlab` command: start the hub, check a settings file, print versions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import metadata
from pathlib import Path

from . import __version__, llmcheck, settings
from .hubconfig import build_hub_config
from .hubsetup import runtime_for
from .labconfig import lab_server_config
from .workshop import cli as workshop_cli

JUPYTERHUB_CONFIG = Path(__file__).resolve().parents[2] / "config" / "jupyterhub_config.py"
COMPONENTS = ("jupyterhub", "jupyterlab", "jupyter_server", "jupyter-ai", "jupyterlab_chat", "litellm")
MASK = "********"


def _load_or_exit(path: str | None) -> settings.LoadedSettings:
    try:
        return settings.load(path)
    except settings.SettingsError as e:
        print(str(e), file=sys.stderr)
        raise SystemExit(2) from None


def masked(loaded: settings.LoadedSettings) -> settings.LoadedSettings:
    """The same settings with every secret value replaced by a mask."""
    secrets = {k: (MASK if v is not None else None) for k, v in loaded.secrets.model_dump().items()}
    return loaded.model_copy(update={"secrets": settings.Secrets(**secrets)})


def _jsonable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if callable(value):
        return f"<{getattr(value, '__qualname__', value)}>"
    return str(value)


def resolved_config(loaded: settings.LoadedSettings) -> dict:
    """What the hub and the labs will be configured with, secrets masked."""
    shown = masked(loaded)
    runtime = runtime_for(loaded, proxy_command=("configurable-http-proxy",))
    return {
        "settings_file": str(loaded.source),
        "mode": loaded.settings.mode,
        "jupyterhub": build_hub_config(shown, runtime),
        "lab": lab_server_config(shown),
    }


def cmd_check_config(args) -> int:
    loaded = _load_or_exit(args.config)
    print(json.dumps(resolved_config(loaded), indent=2, ensure_ascii=False, default=_jsonable))
    warning = llmcheck.probe(loaded)
    if warning:
        print(f"WARNING: {warning}", file=sys.stderr)
    print(f"OK: {loaded.source} is valid.", file=sys.stderr)
    return 0


def cmd_version(args) -> int:
    print(f"govlab {__version__}")
    for name in COMPONENTS:
        try:
            print(f"  {name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            print(f"  {name} (not installed)")
    return 0


def cmd_start(args) -> int:
    loaded = _load_or_exit(args.config)
    settings_ = loaded.settings
    env = dict(os.environ, GOVLAB_SETTINGS=str(loaded.source))
    print(f"govlab {__version__}: starting JupyterHub ({settings_.mode} mode) with {loaded.source}")
    print(f"  주소 / address: {settings_.hub.address}/")
    if settings_.auth.method == "shared-password":
        admins = ", ".join(settings_.auth.admin_users) or "-"
        print(
            "  로그인 / sign in: 아무 사용자 이름(영문 소문자, 숫자, - _ .)과 사용자 비밀번호 "
            "/ any user name (a-z 0-9 - _ .) with the user password"
        )
        print(f"  관리자 / admins: {admins} (관리자 비밀번호 / with the admin password)")
    else:
        print(f"  로그인 / sign in: GitLab 계정 / your GitLab account at {settings_.auth.gitlab.url}")
    sys.stdout.flush()
    argv = [
        sys.executable,
        "-m",
        "jupyterhub",
        "-f",
        str(args.jupyterhub_config),
        *args.jupyterhub_args,
    ]
    os.execve(sys.executable, argv, env)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="govlab", description="govlab: an AI notebook lab for public officials")
    sub = p.add_subparsers(dest="command", required=True)

    start = sub.add_parser("start", help="validate the settings and run JupyterHub")
    start.add_argument("--config", help=f"settings file (default: ${settings.SETTINGS_ENV} or config/govlab.yaml)")
    start.add_argument("--jupyterhub-config", default=JUPYTERHUB_CONFIG, type=Path, help=argparse.SUPPRESS)
    start.add_argument("jupyterhub_args", nargs=argparse.REMAINDER, help="passed on to jupyterhub")
    start.set_defaults(func=cmd_start)

    check = sub.add_parser("check-config", help="validate a settings file and show the resolved config")
    check.add_argument("--config", help="settings file")
    check.set_defaults(func=cmd_check_config)

    workshop_cli.register(sub)

    version = sub.add_parser("version", help="print govlab and component versions")
    version.set_defaults(func=cmd_version)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    raise SystemExit(main())
