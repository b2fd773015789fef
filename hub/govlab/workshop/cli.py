"""`govlab workshop ...`: the trainer's commands (registered by govlab.cli)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import settings
from . import ops, seats
from .handout import nbgitpuller_link
from .hubapi import HubApiError, HubClient, token_from_env
from .roster import roster_html


def _settings_or_none(path: str | None) -> settings.LoadedSettings | None:
    if not path and not os.environ.get(settings.SETTINGS_ENV):
        return None
    try:
        return settings.load(path)
    except settings.SettingsError as e:
        print(str(e), file=sys.stderr)
        raise SystemExit(2) from None


def _cohort(loaded: settings.LoadedSettings, name: str) -> settings.WorkshopSettings:
    w = loaded.settings.workshop(name)
    if w is None:
        known = ", ".join(x.name for x in loaded.settings.workshops) or "(없음 / none)"
        print(
            f"설정 파일에 코호트 '{name}'가 없습니다 / cohort '{name}' is not in {loaded.source} (workshops: {known})",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return w


def _client(args, loaded) -> HubClient:
    url = args.hub_url or os.environ.get("GOVLAB_HUB_URL") or (loaded and loaded.settings.hub.address)
    if not url:
        print("허브 주소가 필요합니다 / give --hub-url (or GOVLAB_HUB_URL, or --config)", file=sys.stderr)
        raise SystemExit(2)
    token = args.token or token_from_env()
    if not token:
        print(
            f"토큰이 필요합니다: {url}/hub/token 에서 만드세요 / give --token or set GOVLAB_HUB_TOKEN "
            f"(create one at {url}/hub/token)",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return HubClient(url, token)


def cmd_create(args) -> int:
    loaded = _settings_or_none(args.config) or settings.load()
    w = _cohort(loaded, args.cohort)
    address = loaded.settings.hub.address
    link = nbgitpuller_link(address, w.materials_repo, w.materials_branch) if w.materials_repo else ""
    if w.generated:
        path = seats.seat_file(loaded.state_dir, w.name)
        if path.exists() and not args.force:
            print(
                f"{w.name}의 좌석 비밀번호가 이미 있습니다 ({path}); 다시 만들면 이전 비밀번호는 무효가 됩니다: --force\n"
                f"seats of {w.name} already exist; --force makes new passwords (the old ones stop working)",
                file=sys.stderr,
            )
            return 2
        passwords = seats.create_seats(loaded.state_dir, w.name, w.seat_names)
        rows = list(passwords.items())
    else:
        rows = [(m, None) for m in w.seat_names]
    html = roster_html(w.name, address, rows, w.trainers, link)
    if args.roster:
        fd = os.open(args.roster, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(html)
        print(f"명단 / roster: {args.roster} (인쇄 후 삭제하세요 / print it, then delete it)", file=sys.stderr)
    else:
        sys.stdout.write(html)
    print(
        f"{w.name}: 좌석 {len(rows)}개 / {len(rows)} seats; 강사 / trainers: {', '.join(w.trainers) or '-'}.\n"
        "설정을 바꾼 뒤에는 허브를 다시 시작하세요 / restart the hub after changing the workshops settings.",
        file=sys.stderr,
    )
    return 0


def cmd_status(args, client, loaded) -> int:
    print(ops.status_table(ops.status(client, args.cohort)))
    return 0


def cmd_prewarm(args, client, loaded) -> int:
    results = ops.prewarm(client, args.cohort, concurrency=args.concurrency, timeout=args.timeout)
    return 0 if all(isinstance(v, float) for v in results.values()) else 1


def cmd_handout(args, client, loaded) -> int:
    src = args.from_dir
    if not src and loaded:
        w = _cohort(loaded, args.cohort)
        if w.materials_repo:
            print(
                f"nbgitpuller 링크 / link: {nbgitpuller_link(loaded.settings.hub.address, w.materials_repo, w.materials_branch)}"
            )
            return 0
        if w.starter:
            src = Path(w.starter).expanduser()
            src = src if src.is_absolute() else loaded.source.parent / src
    if not src or not Path(src).is_dir():
        print("배포할 폴더가 필요합니다 / give --from DIR (a folder of starter notebooks)", file=sys.stderr)
        return 2
    ops.handout(client, args.cohort, Path(src))
    return 0


def cmd_collect(args, client, loaded) -> int:
    got = ops.collect(client, args.cohort, Path(args.to))
    print(f"{sum(map(len, got.values()))}개 파일 → {args.to} / files collected")
    return 0


def cmd_end(args, client, loaded) -> int:
    w = loaded.settings.workshop(args.cohort) if loaded else None
    ops.end(
        client,
        args.cohort,
        export=Path(args.export) if args.export else None,
        remove_seats=args.remove_seats,
        delete_users=w.generated if w else True,
    )
    if args.remove_seats:
        if loaded and seats.remove_seats(loaded.state_dir, args.cohort):
            print(f"{args.cohort}: 좌석 비밀번호 삭제 / seat passwords removed")
        elif not loaded:
            print(
                "좌석 비밀번호 파일은 허브 서버에서 --config 로 지우세요 / run with --config on the hub host "
                "to remove the seat passwords",
                file=sys.stderr,
            )
        print(
            "settings의 workshops에서도 지우세요 (재시작 시 다시 생깁니다) / also remove the cohort from the settings"
        )
    return 0


def _run(func):
    def run(args) -> int:
        loaded = _settings_or_none(args.config)
        client = _client(args, loaded)
        try:
            return func(args, client, loaded)
        except HubApiError as e:
            print(str(e), file=sys.stderr)
            return 3

    return run


def register(sub) -> None:
    ws = sub.add_parser("workshop", help="workshop cohorts: create, prewarm, status, handout, collect, end")
    wsub = ws.add_subparsers(dest="workshop_command", required=True)

    def common(p, hub=True):
        p.add_argument("cohort", help="cohort name (workshops[].name in the settings)")
        p.add_argument("--config", help="settings file (on the hub host)")
        if hub:
            p.add_argument(
                "--hub-url",
                help="hub address, e.g. https://lab.example.go.kr (default: GOVLAB_HUB_URL or the settings)",
            )
            p.add_argument("--token", help="your hub API token (default: GOVLAB_HUB_TOKEN / JUPYTERHUB_API_TOKEN)")

    p = wsub.add_parser("create", help="(operator, on the hub host) generate seat passwords and the printable roster")
    common(p, hub=False)
    p.add_argument("--roster", help="write the roster HTML to this file (default: stdout)")
    p.add_argument("--force", action="store_true", help="make new passwords even if seats exist")
    p.set_defaults(func=cmd_create)

    p = wsub.add_parser("status", help="who is signed in, running, idle, and on which notebook")
    common(p)
    p.set_defaults(func=_run(cmd_status))

    p = wsub.add_parser("prewarm", help="start every seat's server before the session")
    common(p)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--timeout", type=float, default=600)
    p.set_defaults(func=_run(cmd_prewarm))

    p = wsub.add_parser("handout", help="copy starter files into every running lab (never overwrites)")
    common(p)
    p.add_argument("--from", dest="from_dir", help="folder to hand out (default: the cohort's starter)")
    p.set_defaults(func=_run(cmd_handout))

    p = wsub.add_parser("collect", help="copy every participant's notebooks and chats into a folder")
    common(p)
    p.add_argument("--to", required=True, help="destination folder (one sub-folder per seat)")
    p.set_defaults(func=_run(cmd_collect))

    p = wsub.add_parser("end", help="stop servers; --export DIR collects first; --remove-seats deletes the seats")
    common(p)
    p.add_argument("--export", help="collect everyone's work into this folder first")
    p.add_argument(
        "--remove-seats", action="store_true", help="delete the seats' hub users (admin token) and passwords"
    )
    p.set_defaults(func=_run(cmd_end))
