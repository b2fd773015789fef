"""`govlab workshop status`: who signed in, whose lab runs, idle time, open notebook.

"Signed in" needs a signal that `prewarm` cannot fake. A lab started by the trainer
reports activity to the hub, so the user's `last_activity` moves without the official
ever coming near; but JupyterHub only issues a token owned by the seat when the
official signs in: the OAuth token of a browser session that opened their lab (it
carries the session id) or a token the official made. A server's own token ("Server at
...") is the one a prewarm creates, so it does not count. Reading token metadata (never
the token) needs the trainer role's `read:tokens` on the cohort.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from wcwidth import wcswidth, wcwidth

from .hubapi import HubApiError, HubClient

# Labels of the "signed in" column: Korean first, the English word the tests read.
SIGNED_IN_LABELS = {
    "online": "접속 중 online",
    "signed-in": "접속함 signed in",
    "never": "접속 안 함 never",
    "unknown": "확인 불가 unknown",
}
SERVER_LABELS = {"running": "실행 중 running", "pending": "시작 중 pending", "stopped": "중지 stopped"}
# The server's own token; JupyterHub itself uses this note to tell it from the user's.
SERVER_TOKEN_NOTE = "Server at "
# A learner names their notebooks: keep a long or odd name from breaking the table.
CELL_MAX = 40
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class SeatStatus:
    seat: str
    # "online": signed in and working now (a browser connected, or a notebook open);
    # "signed-in": the official signed in (module docstring); "never": no sign-in,
    # even if prewarm started the lab; "unknown": the token may not read sign-ins.
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


def signed_in(tokens: list[dict[str, Any]]) -> bool:
    """Whether any of a user's tokens shows that the official signed in."""
    return any(
        t.get("session_id") or not str(t.get("note") or "").startswith(SERVER_TOKEN_NOTE)
        for t in tokens
        if isinstance(t, dict)
    )


def seat_status(client: HubClient, seat: str, now: dt.datetime | None = None) -> SeatStatus:
    now = now or _now()
    model = client.user(seat)
    state = server_state(model)
    server = (model.get("servers") or {}).get("") or {}
    last = _parse_time(server.get("last_activity") or model.get("last_activity"))
    try:
        seen = "signed-in" if signed_in(client.tokens(seat)) else "never"
    except HubApiError:
        seen = "unknown"
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
    working = connections or (notebooks and notebooks != ["?"])
    if working and seen == "signed-in":
        seen = "online"
    return SeatStatus(seat, seen, state, last, idle, notebooks)


def status(client: HubClient, cohort: str) -> list[SeatStatus]:
    seats = client.cohort_members(cohort)
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda s: seat_status(client, s), seats))


def width(text: str) -> int:
    """Terminal columns of text: a Korean syllable takes two."""
    w = wcswidth(text)
    return w if w >= 0 else sum(max(wcwidth(ch), 0) for ch in text)


def clip(text: str, limit: int = CELL_MAX) -> str:
    """One line of at most `limit` columns; control characters (a learner's file name
    could carry terminal escapes) become '?'."""
    text = _CONTROL_RE.sub("?", text)
    if width(text) <= limit:
        return text
    out, used = "", 0
    for ch in text:
        w = max(wcwidth(ch), 0)
        if used + w > limit - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def pad(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def align(rows: list[list[str]], gap: str = "  ") -> list[str]:
    """Rows of cells as lines whose columns line up in a terminal, Korean included."""
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [gap.join(pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def status_table(rows: list[SeatStatus], progress: Mapping[str, str] | None = None) -> str:
    """The status table; `progress` (seat -> text, e.g. "01: 2/3") adds a column."""
    head = [
        "좌석 seat",
        "접속 signed in",
        "서버 server",
        "마지막 활동 last activity",
        "유휴(분) idle min",
        "노트북 notebook",
    ]
    if progress is not None:
        head.append("진도 progress")
    lines = [head]
    for r in rows:
        notebook = "-"
        if r.notebooks:
            more = f" (+{len(r.notebooks) - 1})" if len(r.notebooks) > 1 else ""
            notebook = clip(r.notebooks[0]) + more
        cells = [
            clip(r.seat),
            SIGNED_IN_LABELS.get(r.signed_in, r.signed_in),
            SERVER_LABELS.get(r.server, r.server),
            r.last_activity.astimezone().strftime("%H:%M:%S") if r.last_activity else "-",
            "-" if r.idle_minutes is None else str(r.idle_minutes),
            notebook,
        ]
        if progress is not None:
            cells.append(clip(progress.get(r.seat, "-")))
        lines.append(cells)
    out = align(lines)
    running = sum(r.server == "running" for r in rows)
    signed = sum(r.signed_in in ("online", "signed-in") for r in rows)
    out.append(
        f"\n{len(rows)}명 중 {running}명 실행 중, {signed}명 접속 / {running} of {len(rows)} running, {signed} signed in"
    )
    return "\n".join(out)
