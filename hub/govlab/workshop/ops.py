"""Cohort operations for trainers, over the hub REST API with the caller's own token."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .handout import starter_files
from .hubapi import HubApiError, HubClient

COLLECT_SUFFIXES = (".ipynb", ".chat")
# A lab names its own files, and an official controls their lab: bound what it can make us walk.
MAX_DEPTH = 20
MAX_NAME = 1024


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class SeatStatus:
    seat: str
    # "online": a browser is connected to the lab (open kernels/terminals) or a notebook
    # is open; "seen": the hub has seen this user or server before; "never".
    signed_in: str
    server: str  # running | pending | stopped
    last_activity: dt.datetime | None
    idle_minutes: int | None
    notebooks: list[str]


def server_state(model: dict) -> str:
    server = (model.get("servers") or {}).get("")
    if model.get("pending") or (server and not server.get("ready")):
        return "pending"
    return "running" if server else "stopped"


def seat_status(client: HubClient, seat: str, now: dt.datetime | None = None) -> SeatStatus:
    now = now or _now()
    model = client.user(seat)
    state = server_state(model)
    server = (model.get("servers") or {}).get("") or {}
    last = _parse_time(server.get("last_activity") or model.get("last_activity"))
    notebooks: list[str] = []
    connections = 0
    if state == "running":
        try:
            sessions = client.sessions(seat)
            sessions.sort(key=lambda s: (s.get("kernel") or {}).get("last_activity") or "", reverse=True)
            notebooks = [s.get("path", "") for s in sessions]
            connections = int(client.lab_status(seat).get("connections") or 0)
        except HubApiError:
            notebooks = ["?"]
    idle = int((now - last).total_seconds() // 60) if last and state == "running" else None
    if connections or (notebooks and notebooks != ["?"]):
        seen = "online"
    else:
        seen = "seen" if model.get("last_activity") else "never"
    return SeatStatus(seat, seen, state, last, idle, notebooks)


def status(client: HubClient, cohort: str) -> list[SeatStatus]:
    seats = client.cohort_members(cohort)
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda s: seat_status(client, s), seats))


def status_table(rows: list[SeatStatus]) -> str:
    labels = {"running": "실행 중 running", "pending": "시작 중 pending", "stopped": "중지 stopped"}
    head = [
        "좌석 seat",
        "접속 signed in",
        "서버 server",
        "마지막 활동 last activity",
        "유휴(분) idle min",
        "노트북 notebook",
    ]
    lines = [head]
    for r in rows:
        lines.append(
            [
                r.seat,
                {"online": "접속 중 online", "seen": "기록 있음 seen", "never": "없음 never"}.get(
                    r.signed_in, r.signed_in
                ),
                labels.get(r.server, r.server),
                r.last_activity.astimezone().strftime("%H:%M:%S") if r.last_activity else "-",
                "-" if r.idle_minutes is None else str(r.idle_minutes),
                (r.notebooks[0] + (f" (+{len(r.notebooks) - 1})" if len(r.notebooks) > 1 else ""))
                if r.notebooks
                else "-",
            ]
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in lines]
    running = sum(r.server == "running" for r in rows)
    out.append(f"\n{len(rows)}명 중 {running}명 실행 중 / {running} of {len(rows)} running")
    return "\n".join(out)


def wait_ready(client: HubClient, seat: str, timeout: float, poll: float = 1.0) -> None:
    deadline = time.monotonic() + timeout
    seen = False
    while time.monotonic() < deadline:
        model = client.user(seat)
        server = (model.get("servers") or {}).get("")
        if server and server.get("ready"):
            return
        seen = seen or bool(model.get("pending") or server)
        if seen and not server and not model.get("pending"):
            raise HubApiError(f"{seat} 서버가 시작되지 못했습니다 / {seat}'s server failed to start (see the hub log)")
        time.sleep(poll)
    raise HubApiError(
        f"{seat} 서버가 {timeout:.0f}초 안에 준비되지 않았습니다 / {seat}'s server not ready in {timeout:.0f}s"
    )


def prewarm(
    client: HubClient,
    cohort: str,
    concurrency: int = 4,
    timeout: float = 600,
    report: Callable[[str], None] = print,
) -> dict[str, float | str]:
    """Start every seat's server (at most `concurrency` starting at once); seat -> seconds or error."""
    seats = client.cohort_members(cohort)
    t0 = time.monotonic()

    def one(seat: str) -> tuple[str, float | str]:
        start = time.monotonic()
        try:
            client.start_server(seat)
            wait_ready(client, seat, timeout)
        except HubApiError as e:
            report(f"  {seat}: 실패 / failed: {e}")
            return seat, str(e)
        took = time.monotonic() - start
        report(f"  {seat}: 준비됨 / ready in {took:.1f}s")
        return seat, took

    report(
        f"{cohort}: {len(seats)}개 서버 시작 (동시 {concurrency}) / starting {len(seats)} servers, {concurrency} at a time"
    )
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        results = dict(pool.map(one, seats))
    ok = sum(isinstance(v, float) for v in results.values())
    report(
        f"{ok}/{len(seats)} 준비 완료, 총 {time.monotonic() - t0:.1f}초 / {ok} of {len(seats)} ready in {time.monotonic() - t0:.1f}s"
    )
    return results


def running_seats(client: HubClient, cohort: str, report: Callable[[str], None], skipped_note: str = ""):
    """The cohort's seats whose labs run (the contents API needs one); the rest are reported."""
    for seat in client.cohort_members(cohort):
        if server_state(client.user(seat)) == "running":
            yield seat
        else:
            report(f"  {seat}: 서버가 꺼져 있어 건너뜀{skipped_note} / not running, skipped")


def handout(client: HubClient, cohort: str, src: Path, report: Callable[[str], None] = print) -> dict[str, list[str]]:
    """Copy src's files into every running seat's lab, never overwriting an existing file."""
    files = starter_files(Path(src))
    out: dict[str, list[str]] = {}
    for seat in running_seats(client, cohort, report, " (첫 시작 때 자동 배포)"):
        copied = []
        made: set[str] = set()
        for rel in files:
            path = rel.as_posix()
            if client.exists(seat, path):
                continue
            for parent in reversed(rel.parents[:-1]):
                p = parent.as_posix()
                if p not in made and not client.exists(seat, p):
                    client.make_dir(seat, p)
                made.add(p)
            client.write_bytes(seat, path, (Path(src) / rel).read_bytes())
            copied.append(path)
        out[seat] = copied
        report(f"  {seat}: {len(copied)}개 배포 / {len(copied)} files handed out")
    return out


def _walk(client: HubClient, seat: str, path: str = "", depth: int = 0) -> list[str]:
    found = []
    if depth > MAX_DEPTH:
        return found
    for item in client.list_dir(seat, path):
        name, sub = str(item.get("name", "")), item.get("path")
        if name.startswith(".") or name == "__pycache__" or not isinstance(sub, str):
            continue
        if item.get("type") == "directory":
            found += _walk(client, seat, sub, depth + 1)
        elif name.endswith(COLLECT_SUFFIXES):
            found.append(sub)
    return found


def inside(root: Path, rel: str) -> Path | None:
    """root/rel when it stays in root: relative, no `..`, no symlink on the way; else None."""
    if not isinstance(rel, str) or not rel or len(rel) > MAX_NAME or "\x00" in rel or "\\" in rel:
        return None
    parts = rel.split("/")
    if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return None
    target = Path(root)
    for part in parts:
        target = target / part
        if target.is_symlink():
            return None
    return target


def _save(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # O_NOFOLLOW: a symlink placed at the last step is refused, not written through.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def collect(client: HubClient, cohort: str, dest: Path, report: Callable[[str], None] = print) -> dict[str, list[str]]:
    """Download every seat's notebooks and chats into dest/<seat>/... (running servers only).

    Names come from the labs, which officials control: a name that would land outside
    dest/<seat> (absolute, `..`, through a symlink) is skipped with a warning.
    """
    dest = Path(dest).resolve()
    out: dict[str, list[str]] = {}
    for seat in running_seats(client, cohort, report):
        root = inside(dest, seat)
        if root is None:
            report(
                f"  경고: 좌석 이름 {seat[:100]!r}은(는) 쓸 수 없어 건너뜀 / warning: seat name {seat[:100]!r} skipped"
            )
            continue
        saved = []
        for path in _walk(client, seat):
            target = inside(root, path)
            try:
                if target is None:
                    raise ValueError(path)
                data = client.read_bytes(seat, path)
                _save(target, data)
            except (OSError, ValueError):
                shown = repr(path[:200]) if isinstance(path, str) else "?"
                report(
                    f"  경고: {seat}의 파일 {shown}은(는) {root} 밖을 가리키거나 쓸 수 없어 건너뜀 / "
                    f"warning: {seat}'s file {shown} skipped: it points outside {root} or cannot be written"
                )
                continue
            saved.append(path)
        out[seat] = saved
        report(f"  {seat}: {len(saved)}개 수집 / {len(saved)} files collected")
    return out


def end(
    client: HubClient,
    cohort: str,
    export: Path | None = None,
    remove_seats: bool = False,
    delete_users: bool = True,
    timeout: float = 120,
    report: Callable[[str], None] = print,
) -> list[str]:
    """Export (collect), stop every server, and optionally delete the seats' hub users."""
    seats = client.cohort_members(cohort)
    if export:
        collect(client, cohort, export, report)
    for seat in seats:
        client.stop_server(seat)
    deadline = time.monotonic() + timeout
    pending = set(seats)
    while pending and time.monotonic() < deadline:
        pending = {s for s in pending if server_state(client.user(s)) != "stopped"}
        if pending:
            time.sleep(1)
    if pending:
        raise HubApiError(f"서버가 멈추지 않았습니다 / servers did not stop: {sorted(pending)}")
    report(f"{cohort}: {len(seats)}개 서버 중지 / {len(seats)} servers stopped")
    if remove_seats and delete_users:
        for seat in seats:
            client.delete_user(seat)
        report(f"{cohort}: {len(seats)}개 좌석 삭제 / {len(seats)} seats removed")
    elif remove_seats:
        # Existing accounts (members) keep their user; they only leave the cohort.
        client.remove_from_group(cohort, seats)
        report(f"{cohort}: {len(seats)}명 코호트에서 제외 / {len(seats)} members removed from the cohort")
    return seats
