"""Issue seat passwords all-or-nothing: the roster and the seat hashes change together.

A password is useful only if both the hub (the hash) and the learner (the roster) have
it. So the roster is staged first (its target checked and the file written beside it),
then the hashes are committed, then the roster is moved into place (or printed); any
failure puts the seat file back as it was, so the previous passwords keep working and a
failed first run leaves no cohort behind.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from . import seats
from .roster import RosterError, discard, publish, stage

KEPT = (
    "좌석 비밀번호는 바뀌지 않았습니다: 이전 비밀번호가 그대로 유효합니다.\n"
    "The seat passwords were not changed: the previous ones still work."
)
KEPT_FIRST = (
    "좌석을 만들지 않았습니다: 고친 뒤 같은 명령을 다시 실행하세요.\n"
    "No seats were created: fix this and run the same command again."
)


class IssueError(Exception):
    """Nothing was issued; the message (Korean + English) says why and what to do."""


def roster_failed(path: str, reason: str) -> str:
    return (
        f"명단을 {path} 에 쓸 수 없습니다 ({reason}). 쓸 수 있는 폴더 안의 파일 이름을 --roster 로 "
        f"주거나, --roster 없이 화면으로 받으세요.\n"
        f"Cannot write the roster to {path} ({reason}): give --roster a file name inside a folder "
        f"you can write, or leave --roster out to print it."
    )


def seats_failed(path: Path, reason: str) -> str:
    return (
        f"좌석 파일 {path} 을(를) 쓸 수 없습니다 ({reason}): 허브 서버에서 hub.state_dir 의 "
        f"소유자로 실행하세요.\n"
        f"Cannot write the seat file {path} ({reason}): run this on the hub host as the user "
        f"who owns hub.state_dir."
    )


def issue(
    state_dir: Path,
    cohort: str,
    record: dict | None,
    html: str,
    roster: str | None = None,
    out: TextIO | None = None,
) -> None:
    """Commit `record` (None: nothing to commit) and deliver `html`, both or neither."""
    out = out or sys.stdout
    first = not seats.seat_file(state_dir, cohort).exists()
    kept = KEPT_FIRST if first and record is not None else KEPT
    staged = None
    if roster:
        try:
            staged = stage(Path(roster), html)
        except RosterError as e:
            raise IssueError(f"{roster_failed(roster, str(e))}\n{kept}") from None
    previous: str | None = None
    if record is not None:
        try:
            previous = seats.commit(state_dir, cohort, record)
        except OSError as e:
            if staged:
                discard(staged)
            reason = e.strerror or str(e)
            raise IssueError(f"{seats_failed(seats.seat_file(state_dir, cohort), reason)}\n{kept}") from None
    try:
        if staged:
            publish(staged, Path(roster))
        else:
            out.write(html)
            out.flush()
    except (RosterError, OSError) as e:
        reason = str(e) if isinstance(e, RosterError) else (e.strerror or str(e))
        message = roster_failed(roster or "stdout", reason)
        if record is not None:
            try:
                seats.undo(state_dir, cohort, previous)
            except OSError as undo_error:
                raise IssueError(
                    f"{message}\n좌석 파일을 되돌리지 못했습니다 ({undo_error.strerror}): create --force 로 다시 "
                    f"만드세요.\nCould not restore the seat file: run create --force again."
                ) from None
        raise IssueError(f"{message}\n{kept}") from None
