"""Exercise progress per seat, as the starter notebooks' check cells record it.

`starter_notebooks/govlab_check.py` writes `~/.govlab/progress.json` in the learner's
home (the lab's root); the trainer reads it through the lab's contents API with their
own token, as collect reads files. The file is the learner's to edit, so it is parsed
defensively and bounded: a bad file shows as "?" and never breaks `status`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .hubapi import HubApiError, HubClient

PROGRESS_PATH = ".govlab/progress.json"
MAX_BYTES = 64 * 1024
MAX_ENTRIES = 200
NOTEBOOK_RE = re.compile(r"[0-9A-Za-z_]{1,20}")


@dataclass(frozen=True)
class NotebookProgress:
    notebook: str
    passed: int
    total: int

    def __str__(self) -> str:
        return f"{self.notebook}:{self.passed}/{self.total}"


def parse(data: bytes) -> list[NotebookProgress]:
    """Passed exercises per notebook from progress.json; ValueError if it is not one."""
    if len(data) > MAX_BYTES:
        raise ValueError("progress file too large")
    doc = json.loads(data.decode("utf-8"))
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, dict):
        raise ValueError("no results")
    passed: dict[str, set[int]] = {}
    totals: dict[str, int] = {}
    for entry in list(results.values())[:MAX_ENTRIES]:
        if not isinstance(entry, dict):
            continue
        notebook, number, total = entry.get("notebook"), entry.get("exercise"), entry.get("of")
        if not (isinstance(notebook, str) and NOTEBOOK_RE.fullmatch(notebook)):
            continue
        if not (isinstance(number, int) and isinstance(total, int) and 0 < number <= total < 1000):
            continue
        totals[notebook] = max(totals.get(notebook, 0), total)
        passed.setdefault(notebook, set())
        if entry.get("passed") is True:
            passed[notebook].add(number)
    return [NotebookProgress(nb, len(passed[nb]), totals[nb]) for nb in sorted(totals)]


def seat_progress(client: HubClient, seat: str) -> list[NotebookProgress] | None:
    """The seat's progress from its running lab; [] when nothing is recorded, None if unreadable."""
    try:
        if not client.exists(seat, PROGRESS_PATH):
            return []
        return parse(client.read_bytes(seat, PROGRESS_PATH))
    except (HubApiError, ValueError, KeyError):
        return None


def cell(progress: list[NotebookProgress] | None) -> str:
    """The status table's cell, e.g. "01:2/2 02:1/3" (compact: five notebooks fit the
    table's column); "-" for none, "?" when unreadable."""
    if progress is None:
        return "?"
    return " ".join(str(p) for p in progress) or "-"


# A lab that does not answer within this shows "?": one busy lab must not hold the whole
# table (or a Ctrl-C of `status --watch`, which waits for these requests) for the
# client's 30 s.
LAB_TIMEOUT = 5.0


def cohort_progress(client: HubClient, running: Iterable[str]) -> dict[str, str]:
    """seat -> progress cell for the seats whose labs run (a stopped lab cannot be read)."""
    seats = list(running)
    quick = copy.copy(client)
    quick.timeout = min(client.timeout, LAB_TIMEOUT)
    pool = ThreadPoolExecutor(max_workers=8)
    try:
        return dict(zip(seats, pool.map(lambda s: cell(seat_progress(quick, s)), seats)))
    finally:
        # Not `with`: on Ctrl-C that would wait for every request still running.
        pool.shutdown(wait=False, cancel_futures=True)
