"""The `govlab` command: start the hub, check a settings file, print versions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import metadata
from pathlib import Path

import yaml

from . import (
    __version__,
    handoff,
    hublock,
    k8svalues,
    llmcheck,
    localaccess,
    localusers,
    runpasswords,
    settings,
    statedir,
)
from . import messages as account_messages
from .atomicfile import write_atomic
from .gallery import cli as gallery_cli
from .hubconfig import build_hub_config
from .hubsetup import PACKAGED_JUPYTERHUB_CONFIG, plain_http_warning, runtime_for
from .labconfig import lab_server_config
from .workshop import cli as workshop_cli

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
    secrets = {
        k: ({n: MASK for n in v} if isinstance(v, dict) else MASK if v is not None else None)
        for k, v in loaded.secrets.model_dump().items()
    }
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
    if loaded.settings.mode in settings.CHART_MODES:
        values = _k8s_values_or_exit(loaded)
        print(
            json.dumps(
                {"settings_file": str(loaded.source), "mode": loaded.settings.mode, "helm_values": values},
                indent=2,
                ensure_ascii=False,
            )
        )
        print(
            f"OK: {loaded.source} is valid. mode {loaded.settings.mode}: the hub runs in the cluster "
            "from the Zero to JupyterHub chart; write its values with `govlab k8s-values` "
            "(docs/kubernetes.md).",
            file=sys.stderr,
        )
        return 0
    print(json.dumps(resolved_config(loaded), indent=2, ensure_ascii=False, default=_jsonable))
    for warning in (plain_http_warning(loaded), llmcheck.probe(loaded)):
        if warning:
            print(f"WARNING: {warning}", file=sys.stderr)
    # What `govlab start` would refuse when run by this user (check-config may run as another).
    for key, message in settings.local_mode_problems(loaded.settings, running_as_root=os.geteuid() == 0):
        print(f"WARNING: {key}: {message}", file=sys.stderr)
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
    # Before loading: the settings refer to these variables ({env: GOVLAB_ADMIN_PASSWORD}).
    generated = runpasswords.generate(os.environ) if args.generate_passwords else {}
    loaded = _load_or_exit(args.config)
    settings_ = loaded.settings
    if settings_.mode in settings.CHART_MODES:
        print(
            f"govlab start: mode {settings_.mode} runs the hub inside the cluster, not here: "
            "write the Zero to JupyterHub chart values with `govlab k8s-values` and install "
            "the chart (docs/kubernetes.md).",
            file=sys.stderr,
        )
        return 2
    refused = settings.local_mode_problems(settings_, running_as_root=os.geteuid() == 0)
    if settings_.mode == "local":
        refused += handoff.loose_secret_files(settings_, loaded.source.parent)
    if refused:
        print(str(settings.SettingsError(str(loaded.source), refused)), file=sys.stderr)
        return 2
    # One hub per state dir, held until the hub process ends (the fd survives the execve).
    try:
        hublock.acquire(statedir.ensure(loaded.state_dir), str(loaded.source))
    except hublock.HubRunning as busy:
        print(str(busy), file=sys.stderr)
        return 2
    if args.allow_lab_python and settings_.mode == "local" and os.geteuid() == 0:
        _allow_lab_python()
    # Secrets leave the environment here: the hub gets them through a pipe, so neither
    # its /proc/<pid>/environ nor the proxy's (a copy of the hub's) holds them.
    env, secret_values = handoff.split_environ(os.environ, handoff.secret_env_names(settings_))
    env[settings.SETTINGS_ENV] = str(loaded.source)
    runpasswords.announce(generated, loaded.state_dir, sys.stdout, hublock.lock_path(loaded.state_dir))
    env[handoff.FD_ENV] = str(handoff.send(secret_values))
    print(f"govlab {__version__}: starting JupyterHub ({settings_.mode} mode) with {loaded.source}")
    print(f"  주소 / address: {settings_.hub.address}/")
    if settings_.auth.method == "shared-password":
        admins = ", ".join(settings_.auth.admin_users) or "-"
        print(
            "  로그인 / sign in: 아무 사용자 이름(영문 소문자, 숫자, - _ .)과 사용자 비밀번호 "
            "/ any user name (a-z 0-9 - _ .) with the user password"
        )
        print(f"  관리자 / admins: {admins} (관리자 비밀번호 / with the admin password)")
        if loaded.secrets.user_password:
            print(account_messages.SHARED_PASSWORD_WARNING, file=sys.stderr)
    elif settings_.auth.method == "accounts":
        admins = ", ".join(settings_.auth.admin_users) or "-"
        print(
            "  로그인 / sign in: 각자의 계정 (이용 신청 후 관리자 승인) "
            f"/ own accounts (apply, an admin approves at {settings_.hub.address}/hub/authorize)"
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


def _allow_lab_python() -> None:
    try:
        changed = localaccess.allow_lab_group_python(sys.executable)
    except (OSError, RuntimeError) as e:
        print(f"govlab start: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    for directory in changed:
        print(
            f"  {directory}: 실험실 사용자 그룹({localusers.LAB_GROUP})이 통과만 할 수 있게 했습니다 "
            f"/ the lab users' group may now pass through (execute only, ACL)"
        )


def _k8s_values_or_exit(loaded: settings.LoadedSettings) -> dict:
    try:
        return k8svalues.k8s_values(loaded.settings)
    except k8svalues.K8sValuesError as e:
        print(f"govlab settings in {loaded.source} cannot become chart values: {e}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_k8s_values(args) -> int:
    loaded = _load_or_exit(args.config)
    values = _k8s_values_or_exit(loaded)
    header = [
        f"# Zero to JupyterHub (chart 4.x) values from {loaded.source.name} (govlab {__version__}).",
        "# No secret is in this file. Create the Secrets it refers to first (docs/kubernetes.md):",
        *(f"#   {line}" for line in k8svalues.secret_commands(loaded.settings)),
        "# then: helm upgrade --install govlab jupyterhub/jupyterhub --version 4.x -f THIS_FILE",
    ]
    text = "\n".join(header) + "\n" + yaml.safe_dump(values, sort_keys=False, allow_unicode=True, width=100)
    if args.output:
        out = Path(args.output)
        write_atomic(out, text)
        print(f"OK: wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="govlab", description="govlab: an AI notebook lab for public officials")
    sub = p.add_subparsers(dest="command", required=True)

    start = sub.add_parser("start", help="validate the settings and run JupyterHub")
    start.add_argument("--config", help=f"settings file (default: ${settings.SETTINGS_ENV} or config/govlab.yaml)")
    start.add_argument("--jupyterhub-config", default=PACKAGED_JUPYTERHUB_CONFIG, type=Path, help=argparse.SUPPRESS)
    start.add_argument(
        "--allow-lab-python",
        action="store_true",
        help="mode local as root: let the officials' system users pass through the directories "
        "above govlab's Python (an ACL entry, execute only) instead of refusing to start",
    )
    start.add_argument(
        "--generate-passwords",
        action="store_true",
        help="make fresh GOVLAB_ADMIN_PASSWORD / GOVLAB_USER_PASSWORD values for this run when unset: "
        "printed on a terminal, otherwise written to a 0600 file in the state dir (its path printed)",
    )
    start.add_argument("jupyterhub_args", nargs=argparse.REMAINDER, help="passed on to jupyterhub")
    start.set_defaults(func=cmd_start)

    check = sub.add_parser("check-config", help="validate a settings file and show the resolved config")
    check.add_argument("--config", help="settings file")
    check.set_defaults(func=cmd_check_config)

    k8s = sub.add_parser("k8s-values", help="print the Zero to JupyterHub chart values (mode: kubernetes)")
    k8s.add_argument("--settings", "--config", dest="config", help="settings file")
    k8s.add_argument("--output", help="write the values to this file instead of printing them")
    k8s.set_defaults(func=cmd_k8s_values)

    workshop_cli.register(sub)
    gallery_cli.register(sub)

    version = sub.add_parser("version", help="print govlab and component versions")
    version.set_defaults(func=cmd_version)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    raise SystemExit(main())
