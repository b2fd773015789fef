"""Cohort operations for trainers, over the hub REST API with the caller's own token."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .handout import starter_files
from .hubapi import HubApiError, HubClient

# Status lives in its own module; re-exported for the commands and tests that use ops.
from .status import SeatStatus, seat_status, server_state, status, status_table  # noqa: F401

COLLECT_SUFFIXES = (".ipynb", ".chat")
# A lab names its own files, and an official controls their lab: bound what it can make us walk.
MAX_DEPTH = 20
MAX_NAME = 1024


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


# What one hand-out may carry per file: the contents API sends it whole, base64, in one request.
MAX_HANDOUT_BYTES = 20 * 1024 * 1024
SHOWN = 8  # names listed per reason; the rest are counted


@dataclass
class HandoutResult:
    copied: dict[str, list[str]]  # seat -> files written into its running lab
    queued: dict[str, int]  # seat -> files queued for its next start
    skipped: dict[str, dict[str, list[str]]]  # seat ("*": every seat) -> reason -> files
    missed: list[str]  # seats that got nothing and nothing is queued for them


def handout_files(src: Path | None, files: list[Path], new_name: str | None) -> list[tuple[Path, str]]:
    """(source, name in the lab) pairs: a folder's files keep their sub-folders; a single
    file lands in the home under its own name, or under `new_name` (--as)."""
    pairs = [(Path(src) / rel, rel.as_posix()) for rel in starter_files(Path(src))] if src else []
    pairs += [(Path(f), Path(f).name) for f in files]
    if new_name:
        pairs = [(pairs[0][0], new_name)]
    return pairs


def _listing(reasons: dict[str, list[str]]) -> list[str]:
    out = []
    for reason, names in reasons.items():
        more = f" 외 {len(names) - SHOWN}개 / +{len(names) - SHOWN} more" if len(names) > SHOWN else ""
        out.append(f"    건너뜀 / skipped, {reason}: {', '.join(names[:SHOWN])}{more}")
    return out


EXISTS = "이미 있음(학습자 파일 유지) / exists (the learner's copy is kept)"


def handout(
    client: HubClient,
    cohort: str,
    files: list[tuple[Path, str]],
    report: Callable[[str], None] = print,
    queue: Callable[[str, list[tuple[Path, str]]], object] | None = None,
) -> HandoutResult:
    """Copy files into every running seat's lab, never overwriting an existing file.

    Stopped seats get them at their next start when `queue` is given (on the hub host:
    the hub's state dir); without it they are reported as missed.
    """
    result = HandoutResult({}, {}, {}, [])
    sendable = []
    for src, name in files:
        size = src.stat().st_size
        if size > MAX_HANDOUT_BYTES:
            result.skipped.setdefault("*", {}).setdefault(
                f"너무 큼(최대 {MAX_HANDOUT_BYTES // 2**20} MB) / too big (max {MAX_HANDOUT_BYTES // 2**20} MB)", []
            ).append(name)
        else:
            sendable.append((src, name))
    for line in _listing(result.skipped.get("*", {})):
        report(line.replace("    ", "  모든 좌석 / every seat: ", 1))
    for seat in client.cohort_members(cohort):
        state = server_state(client.user(seat))
        if state != "running":
            if queue is not None and state == "stopped" and sendable:
                queue(seat, sendable)
                result.queued[seat] = len(sendable)
                report(
                    f"  {seat}: 서버가 꺼져 있어 다음 시작 때 {len(sendable)}개 배포 예정 / "
                    f"not running: {len(sendable)} files queued for its next start"
                )
            else:
                result.missed.append(seat)
                how = (
                    "준비된 뒤 다시 실행하세요 / run handout again when it is ready"
                    if state == "pending"
                    else "허브 서버에서 --config 와 함께 실행하면 다음 시작 때 배포됩니다 / "
                    "run it on the hub host with --config to queue the files for the next start"
                )
                report(
                    f"  {seat}: 서버가 {'시작 중' if state == 'pending' else '꺼져 있어'} 건너뜀 / not running, skipped: {how}"
                )
            continue
        copied, exists = [], []
        made: set[str] = set()
        for src, path in sendable:
            if client.exists(seat, path):
                exists.append(path)
                continue
            for parent in reversed(Path(path).parents[:-1]):
                p = parent.as_posix()
                if p not in made and not client.exists(seat, p):
                    client.make_dir(seat, p)
                made.add(p)
            client.write_bytes(seat, path, src.read_bytes())
            copied.append(path)
        result.copied[seat] = copied
        if exists:
            result.skipped[seat] = {EXISTS: exists}
        report(f"  {seat}: {len(copied)}개 배포 / {len(copied)} files handed out")
        for line in _listing(result.skipped.get(seat, {})):
            report(line)
    return result


def _collectable(path: str, name: str, output: bool) -> bool:
    # output/ (any depth): the Excel files and charts the notebooks make.
    return name.endswith(COLLECT_SUFFIXES) or (output and "output" in path.split("/")[:-1])


def _walk(client: HubClient, seat: str, path: str = "", depth: int = 0, output: bool = False) -> list[str]:
    found = []
    if depth > MAX_DEPTH:
        return found
    for item in client.list_dir(seat, path):
        name, sub = str(item.get("name", "")), item.get("path")
        if name.startswith(".") or name == "__pycache__" or not isinstance(sub, str):
            continue
        if item.get("type") == "directory":
            found += _walk(client, seat, sub, depth + 1, output)
        elif _collectable(sub, name, output):
            found.append(sub)
    return found


def disk_files(home: Path, output: bool = False) -> list[str]:
    """What collect takes from a stopped lab's home on disk (local mode): the same files
    the contents API would list; symlinks are never followed."""
    found = []
    home = Path(home)
    for root, dirs, names in os.walk(home, followlinks=False):
        rel_root = Path(root).relative_to(home)
        if len(rel_root.parts) >= MAX_DEPTH:
            dirs[:] = []
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(names):
            rel = (rel_root / name).as_posix()
            if not name.startswith(".") and _collectable(rel, name, output) and not (Path(root) / name).is_symlink():
                found.append(rel)
    return found


def read_disk(home: Path, rel: str) -> bytes:
    target = inside(Path(home), rel)
    if target is None:
        raise ValueError(rel)
    fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return f.read()


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


def collect(
    client: HubClient,
    cohort: str,
    dest: Path,
    report: Callable[[str], None] = print,
    output: bool = False,
    home_of: Callable[[str], Path] | None = None,
) -> dict[str, list[str]]:
    """Download every seat's notebooks and chats (and `output/` files with `output`) into
    dest/<seat>/...: from running labs, and with `home_of` (local mode, on the hub host)
    from a stopped seat's home on disk.

    Names come from the labs, which officials control: a name that would land outside
    dest/<seat> (absolute, `..`, through a symlink) is skipped with a warning.
    """
    dest = Path(dest).resolve()
    out: dict[str, list[str]] = {}
    for seat in client.cohort_members(cohort):
        running = server_state(client.user(seat)) == "running"
        home = home_of(seat) if home_of and not running else None
        if not running and (home is None or not home.is_dir()):
            how = (
                ""
                if home_of
                else " (허브 서버에서 --config 로 실행하면 디스크에서 읽습니다 / with --config on the hub host it reads the disk)"
            )
            report(f"  {seat}: 서버가 꺼져 있어 건너뜀 / not running, skipped{how}")
            continue
        root = inside(dest, seat)
        if root is None:
            report(
                f"  경고: 좌석 이름 {seat[:100]!r}은(는) 쓸 수 없어 건너뜀 / warning: seat name {seat[:100]!r} skipped"
            )
            continue
        saved = []
        paths = _walk(client, seat, output=output) if running else disk_files(home, output)
        for path in paths:
            target = inside(root, path)
            try:
                if target is None:
                    raise ValueError(path)
                data = client.read_bytes(seat, path) if running else read_disk(home, path)
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
        where = "" if running else " (디스크에서 / from disk)"
        report(f"  {seat}: {len(saved)}개 수집{where} / {len(saved)} files collected")
    return out


def end(
    client: HubClient,
    cohort: str,
    export: Path | None = None,
    remove_seats: bool = False,
    delete_users: bool = True,
    timeout: float = 120,
    report: Callable[[str], None] = print,
    output: bool = False,
) -> list[str]:
    """Export (collect), stop every server, and optionally delete the seats' hub users."""
    seats = client.cohort_members(cohort)
    if export:
        got = collect(client, cohort, export, report, output=output)
        report(f"{sum(map(len, got.values()))}개 파일 → {export} / files exported")
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
