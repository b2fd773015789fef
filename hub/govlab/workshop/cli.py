"""`govlab workshop ...`: the trainer's commands (registered by govlab.cli)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from .. import settings
from ..hubconfig import Runtime, local_homes
from ..localusers import system_name
from . import issuing, ops, progress, queued, seats, target
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


def _issue(loaded, cohort: str, record, html: str, roster: str | None) -> bool:
    """Save the seats and their roster all-or-nothing (issuing.py); False after telling why."""
    try:
        issuing.issue(loaded.state_dir, cohort, record, html, roster)
    except issuing.IssueError as e:
        print(str(e), file=sys.stderr)
        return False
    if roster:
        print(f"명단 / roster: {roster} (인쇄 후 삭제하세요 / print it, then delete it)", file=sys.stderr)
    return True


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
        record, passwords = seats.new_record(w.name, w.seat_names)
        rows = list(passwords.items())
    else:
        record, rows = None, [(m, None) for m in w.seat_names]
    html = roster_html(w.name, address, rows, w.trainers, link)
    # All-or-nothing: the new hashes count only once the roster holding them is written.
    if not _issue(loaded, w.name, record, html, args.roster):
        return 2
    print(
        f"{w.name}: 좌석 {len(rows)}개 / {len(rows)} seats; 강사 / trainers: {', '.join(w.trainers) or '-'}.\n"
        "설정을 바꾼 뒤에는 허브를 다시 시작하세요 / restart the hub after changing the workshops settings.",
        file=sys.stderr,
    )
    return 0


def cmd_reset_seat(args) -> int:
    """A new password for one seat (a lost slip); the old one stops working at once."""
    loaded = _settings_or_none(args.config) or settings.load()
    w = _cohort(loaded, args.cohort)
    if not w.generated:
        print(
            f"{w.name}는 참가자 본인 계정을 씁니다: 비밀번호는 본인이 바꿉니다.\n"
            f"{w.name} uses the participants' own accounts: they change their own passwords.",
            file=sys.stderr,
        )
        return 2
    if args.seat not in w.seat_names:
        print(
            f"{w.name}에 좌석 '{args.seat}'가 없습니다 / no seat '{args.seat}' in {w.name} "
            f"(좌석 / seats: {', '.join(w.seat_names)})",
            file=sys.stderr,
        )
        return 2
    try:
        record = seats.read_record(loaded.state_dir, w.name)
    except (OSError, ValueError) as e:
        print(
            f"좌석 파일을 읽을 수 없습니다 / cannot read the seat file "
            f"{seats.seat_file(loaded.state_dir, w.name)}: {e}",
            file=sys.stderr,
        )
        return 2
    if record is None:
        print(
            f"{w.name}의 좌석이 아직 없습니다: 먼저 govlab workshop create {w.name}\n"
            f"{w.name} has no seats yet: run govlab workshop create {w.name} first",
            file=sys.stderr,
        )
        return 2
    record, password = seats.reset_record(record, args.seat)
    html = roster_html(w.name, loaded.settings.hub.address, [(args.seat, password)], w.trainers)
    if not _issue(loaded, w.name, record, html, args.roster):
        return 2
    print(
        f"{args.seat}: 새 비밀번호 발급, 이전 비밀번호는 더 이상 쓸 수 없습니다.\n"
        f"{args.seat}: new password issued; the old one no longer signs in.",
        file=sys.stderr,
    )
    return 0


def status_text(client, cohort: str) -> str:
    """One status table, with each running seat's exercise progress (progress.py)."""
    rows = ops.status(client, cohort)
    passed = progress.cohort_progress(client, [r.seat for r in rows if r.server == "running"])
    return ops.status_table(rows, passed)


def cmd_status(args, client, loaded) -> int:
    if args.watch is None:
        print(status_text(client, args.cohort))
        return 0
    # --watch: redraw until Ctrl-C (or SIGTERM); the screen is cleared only on a terminal.
    # A process started in the background inherits SIGINT ignored, and Python then leaves
    # it ignored: watch mode asks for it explicitly, so Ctrl-C and `kill -INT` always end it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    clear = "\x1b[H\x1b[2J" if sys.stdout.isatty() else ""
    try:
        while True:
            text = status_text(client, args.cohort)
            stamp = time.strftime("%H:%M:%S")
            print(
                f"{clear}{stamp} · {args.watch:g}초마다 새로 고침, 끝내려면 Ctrl-C / "
                f"refreshing every {args.watch:g} s, Ctrl-C to stop\n{text}",
                flush=True,
            )
            time.sleep(args.watch)
    except KeyboardInterrupt:
        print()
        return 0


def _watch_seconds(value: str) -> float:
    seconds = float(value)
    if not 1 <= seconds <= 3600:
        raise argparse.ArgumentTypeError("1-3600 초 / seconds")
    return seconds


def cmd_prewarm(args, client, loaded) -> int:
    results = ops.prewarm(client, args.cohort, concurrency=args.concurrency, timeout=args.timeout)
    return 0 if all(isinstance(v, float) for v in results.values()) else 1


def cmd_handout(args, client, loaded) -> int:
    src = args.from_dir
    if not src and not args.files and loaded:
        w = _cohort(loaded, args.cohort)
        if w.materials_repo:
            print(
                f"nbgitpuller 링크 / link: {nbgitpuller_link(loaded.settings.hub.address, w.materials_repo, w.materials_branch)}"
            )
            return 0
        if w.starter:
            src = Path(w.starter).expanduser()
            src = src if src.is_absolute() else loaded.source.parent / src
    if not src and not args.files:
        print("배포할 폴더나 파일이 필요합니다 / give --from DIR or --file PATH", file=sys.stderr)
        return 2
    if src and not Path(src).is_dir():
        print(f"{src}: 폴더가 아닙니다 / not a folder: give --from DIR (a folder of notebooks)", file=sys.stderr)
        return 2
    bad = [f for f in args.files if not Path(f).is_file()]
    if bad:
        print(f"{', '.join(bad)}: 파일이 없습니다 / no such file: check --file", file=sys.stderr)
        return 2
    if args.new_name and (src or len(args.files) != 1):
        print("--as 는 --file 하나와 함께 씁니다 / --as goes with exactly one --file", file=sys.stderr)
        return 2
    if args.new_name and ops.inside(Path("/"), args.new_name) is None:
        print(
            f"--as {args.new_name!r}: 랩 안의 상대 경로를 주세요 / give a relative path inside the lab", file=sys.stderr
        )
        return 2
    files = ops.handout_files(Path(src) if src else None, [Path(f) for f in args.files], args.new_name)
    # On the hub host (--config) stopped seats get the files at their next start.
    queue = (lambda seat, pairs: queued.enqueue(loaded.state_dir, seat, pairs)) if loaded else None
    result = ops.handout(client, args.cohort, files, queue=queue)
    if result.missed:
        print(
            f"{len(result.missed)}개 좌석은 받지 못했습니다 / {len(result.missed)} seats got nothing: "
            f"{', '.join(result.missed)}",
            file=sys.stderr,
        )
        return 1
    return 0


def _home_of(loaded):
    """A stopped seat's home on disk (local mode, on the hub host), else None."""
    if not loaded or loaded.settings.mode != "local":
        return None
    root = os.geteuid() == 0
    homes = Path(local_homes(loaded, Runtime(python=sys.executable, running_as_root=root)))
    return lambda seat: homes / (system_name(seat) if root else seat)


def _target_ok(dest: str) -> bool:
    problem = target.problem(Path(dest))
    if problem:
        print(problem, file=sys.stderr)
    return problem is None


def cmd_collect(args, client, loaded) -> int:
    if not _target_ok(args.to):
        return 2
    got = ops.collect(client, args.cohort, Path(args.to), output=args.output, home_of=_home_of(loaded))
    total = sum(map(len, got.values()))
    print(f"{total}개 파일 → {args.to} / files collected")
    if not total:
        print(
            "수집된 파일이 없습니다: 랩이 꺼져 있으면 prewarm 후 다시 하거나 허브 서버에서 --config 로 실행하세요 / "
            "nothing collected: start the labs (prewarm) or run on the hub host with --config",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_end(args, client, loaded) -> int:
    if args.export and not _target_ok(args.export):
        return 2
    w = loaded.settings.workshop(args.cohort) if loaded else None
    ops.end(
        client,
        args.cohort,
        export=Path(args.export) if args.export else None,
        remove_seats=args.remove_seats,
        delete_users=w.generated if w else True,
        output=args.output,
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

    p = wsub.add_parser("reset-seat", help="(operator, on the hub host) a new password for one seat, one-slip roster")
    common(p, hub=False)
    p.add_argument("seat", help="the seat (user name), e.g. a-03")
    p.add_argument("--roster", help="write the one-slip roster HTML to this file (default: stdout)")
    p.set_defaults(func=cmd_reset_seat)

    p = wsub.add_parser("status", help="who is signed in, running, idle, and on which notebook")
    common(p)
    p.add_argument(
        "--watch",
        nargs="?",
        const=5.0,
        type=_watch_seconds,
        metavar="SECONDS",
        help="redraw every SECONDS (default 5) until Ctrl-C",
    )
    p.set_defaults(func=_run(cmd_status))

    p = wsub.add_parser("prewarm", help="start every seat's server before the session")
    common(p)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--timeout", type=float, default=600)
    p.set_defaults(func=_run(cmd_prewarm))

    p = wsub.add_parser(
        "handout", help="copy files into every lab (never overwrites); stopped labs get them at their next start"
    )
    common(p)
    p.add_argument("--from", dest="from_dir", help="folder to hand out (default: the cohort's starter)")
    p.add_argument("--file", dest="files", action="append", default=[], help="one file to hand out (repeatable)")
    p.add_argument("--as", dest="new_name", help="with one --file: its name in the lab (e.g. a corrected copy)")
    p.set_defaults(func=_run(cmd_handout))

    p = wsub.add_parser("collect", help="copy every participant's notebooks and chats into a folder")
    common(p)
    p.add_argument("--to", required=True, help="destination folder (one sub-folder per seat)")
    p.add_argument("--output", action="store_true", help="also the files in output/ folders (the notebooks' reports)")
    p.set_defaults(func=_run(cmd_collect))

    p = wsub.add_parser("end", help="stop servers; --export DIR collects first; --remove-seats deletes the seats")
    common(p)
    p.add_argument("--export", help="collect everyone's work into this folder first")
    p.add_argument("--output", action="store_true", help="with --export: also the files in output/ folders")
    p.add_argument(
        "--remove-seats", action="store_true", help="delete the seats' hub users (admin token) and passwords"
    )
    p.set_defaults(func=_run(cmd_end))
