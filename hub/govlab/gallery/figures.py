"""Reuse figures for the curators' report (pure: events + projects in, rows out).

Per project: opens, completed re-runs after opening, re-shares that started from it,
improvement requests. Per agency and per official: shares, projects that passed the
quality check, and reuse of their projects by officials of another agency. Only
other officials' actions count as reuse (an owner opening their own work is not reuse).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .store import Event

DEFAULT_DAYS = 30  # the period a report shows when none is chosen
MAX_DAYS = 3660  # a period longer than ten years is a typo


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Project:
    """A project the reader may see, with what its share wrote (manifest)."""

    id: int
    path: str
    title: str
    agency: str = ""
    owner: str = ""  # the sharing official's hub name


@dataclass
class ProjectRow:
    project: Project
    owner: str = ""
    agency: str = ""
    opens: int = 0
    reruns: int = 0
    reshares: int = 0
    requests_open: int | None = None  # None: GitLab did not tell (no issues API, not read yet)
    requests_closed: int | None = None
    quality: str = ""  # the latest share's check in the period: passed|failed|skipped|unchecked


@dataclass
class GroupRow:
    """One agency or one official."""

    name: str
    agency: str = ""
    shares: int = 0
    passed: int = 0
    other_opens: int = 0
    other_reruns: int = 0
    other_reshares: int = 0

    @property
    def other_total(self) -> int:
        return self.other_opens + self.other_reruns + self.other_reshares


@dataclass
class Figures:
    since: date
    until: date
    projects: list[ProjectRow]
    agencies: list[GroupRow]
    officials: list[GroupRow]


def _day(text: str, name: str) -> date:
    text = (text or "").strip()
    if len(text) != 10:
        raise BadPeriod(name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadPeriod(name) from None


def period(since: str, until: str, today: date) -> tuple[date, date]:
    """The chosen days (both inclusive); the last DEFAULT_DAYS days when not given."""
    end = _day(until, "until") if until else today
    start = _day(since, "since") if since else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end or (end - start).days > MAX_DAYS:
        raise BadPeriod("since")
    return start, end


def bounds(start: date, end: date) -> tuple[str, str]:
    """ISO UTC strings to compare `Event.at` with: [since, until)."""
    return (
        datetime(start.year, start.month, start.day).isoformat() + "+00:00",
        datetime.combine(end + timedelta(days=1), datetime.min.time()).isoformat() + "+00:00",
    )


def agency_lookup(owners: Iterable[tuple[str, str]], default: str = "") -> Callable[[str], str]:
    """An official's agency: the one their own shares' manifests name, else the deployment's."""
    known: dict[str, str] = {}
    for owner, agency in owners:
        if owner and agency:
            known.setdefault(owner, agency)
    return lambda user: known.get(user, default)


def compute(
    projects: list[Project],
    events: list[Event],
    start: date,
    end: date,
    agency_of: Callable[[str], str],
    requests: dict[int, tuple[int, int]] | None = None,
) -> Figures:
    """`events`: everything before the period's end, oldest first (an open before the
    period still makes a re-run in it count)."""
    since, until = bounds(start, end)
    requests = requests or {}
    by_id = {p.id: p for p in projects}
    by_path = {p.path.lower(): p for p in projects}

    def resolve(e_id: int | None, path: str | None) -> Project | None:
        if e_id is not None and e_id in by_id:
            return by_id[e_id]
        return by_path.get((path or "").lower())

    # Who shared it first: the owner when the manifest does not say.
    first_sharer: dict[int, str] = {}
    for e in events:
        if e.kind == "share":
            p = resolve(e.project_id, e.project)
            if p is not None:
                first_sharer.setdefault(p.id, e.user)
    rows = {}
    for p in projects:
        owner = p.owner or first_sharer.get(p.id, "")
        rows[p.id] = ProjectRow(p, owner=owner, agency=p.agency or (agency_of(owner) if owner else ""))
        if p.id in requests:
            rows[p.id].requests_open, rows[p.id].requests_closed = requests[p.id]

    agencies: dict[str, GroupRow] = {}
    officials: dict[str, GroupRow] = {}

    def official(user: str) -> GroupRow:
        if user not in officials:
            officials[user] = GroupRow(user, agency=agency_of(user))
        return officials[user]

    def agency(name: str) -> GroupRow:
        if name not in agencies:
            agencies[name] = GroupRow(name, agency=name)
        return agencies[name]

    def reuse(row: ProjectRow, actor: str, actor_agency: str, kind: str) -> None:
        # Reuse across agencies: both agencies known and different.
        theirs = actor_agency or agency_of(actor)
        if not row.agency or not theirs or theirs == row.agency:
            return
        targets = [agency(row.agency)] + ([official(row.owner)] if row.owner else [])
        for g in targets:
            setattr(g, kind, getattr(g, kind) + 1)

    first_open: dict[tuple[int, str], str] = {}
    reran: set[tuple[int, str]] = set()
    reshared: set[tuple[int, str]] = set()
    latest_share: dict[int, Event] = {}
    for e in events:
        if e.at >= until:
            continue
        in_period = e.at >= since
        p = resolve(e.project_id, e.project)
        if e.kind == "open" and p is not None:
            first_open.setdefault((p.id, e.user), e.at)
            row = rows[p.id]
            if in_period and e.user != row.owner:
                row.opens += 1
                reuse(row, e.user, e.agency, "other_opens")
        elif e.kind == "rerun" and p is not None and in_period:
            row = rows[p.id]
            opened = first_open.get((p.id, e.user))
            # A completed re-run counts after the official opened it from the gallery.
            if e.user != row.owner and opened is not None and opened <= e.at and (p.id, e.user) not in reran:
                reran.add((p.id, e.user))
                row.reruns += 1
                reuse(row, e.user, e.agency, "other_reruns")
        elif e.kind == "share" and in_period:
            if p is not None:
                latest_share[p.id] = e
                official(e.user).shares += 1
                ag = e.agency or agency_of(e.user)
                if ag:
                    agency(ag).shares += 1
            source = by_path.get((e.origin or "").lower())
            if source is not None and (p is None or p.id != source.id):
                row = rows[source.id]
                key = (source.id, e.project.lower())
                if e.user != row.owner and key not in reshared:
                    reshared.add(key)
                    row.reshares += 1
                    reuse(row, e.user, e.agency, "other_reshares")
    for pid, e in latest_share.items():
        rows[pid].quality = e.quality or "unchecked"
        if e.quality == "passed":
            official(e.user).passed += 1
            ag = e.agency or agency_of(e.user)
            if ag:
                agency(ag).passed += 1
    return Figures(
        start,
        end,
        list(rows.values()),
        sorted(agencies.values(), key=lambda g: (-g.other_total, -g.shares, g.name)),
        sorted(officials.values(), key=lambda g: (-g.other_total, -g.shares, g.name)),
    )


# -- order and CSV ------------------------------------------------------------------------
QUALITY_LABELS = {
    "passed": "통과 / passed",
    "failed": "실패 / failed",
    "skipped": "건너뜀 / skipped",
    "unchecked": "점검 안 함 / not checked",
}
# column key -> (heading ko, heading en, value of a row)
PROJECT_COLUMNS: dict[str, tuple[str, str, Callable[[ProjectRow], object]]] = {
    "title": ("제목", "Title", lambda r: r.project.title),
    "project": ("프로젝트", "Project", lambda r: r.project.path),
    "agency": ("기관", "Agency", lambda r: r.agency),
    "owner": ("공유자", "Shared by", lambda r: r.owner),
    "opens": ("열기", "Opens", lambda r: r.opens),
    "reruns": ("열고 다시 실행", "Re-runs after opening", lambda r: r.reruns),
    "reshares": ("이어서 공유", "Re-shares", lambda r: r.reshares),
    "requests_open": ("개선 요청(진행)", "Requests open", lambda r: r.requests_open),
    "requests_closed": ("개선 요청(완료)", "Requests closed", lambda r: r.requests_closed),
    "quality": ("품질 점검", "Quality check", lambda r: QUALITY_LABELS.get(r.quality, "")),
}
GROUP_COLUMNS: dict[str, tuple[str, str, Callable[[GroupRow], object]]] = {
    "name": ("이름", "Name", lambda g: g.name),
    "agency": ("기관", "Agency", lambda g: g.agency),
    "shares": ("공유", "Shares", lambda g: g.shares),
    "passed": ("품질 점검 통과", "Passed the check", lambda g: g.passed),
    "other_opens": ("타 기관 열기", "Opens by other agencies", lambda g: g.other_opens),
    "other_reruns": ("타 기관 다시 실행", "Re-runs by other agencies", lambda g: g.other_reruns),
    "other_reshares": ("타 기관 이어서 공유", "Re-shares by other agencies", lambda g: g.other_reshares),
}
TABLES = ("projects", "agencies", "officials")


def sort_projects(rows: list[ProjectRow], column: str, descending: bool) -> list[ProjectRow]:
    """Rows ordered by one column (unknown counts last either way); default: most opened."""
    if column not in PROJECT_COLUMNS:
        column, descending = "opens", True
    value = PROJECT_COLUMNS[column][2]
    known = [r for r in rows if value(r) is not None]
    unknown = [r for r in rows if value(r) is None]
    known.sort(key=lambda r: r.project.path.lower())
    known.sort(key=value, reverse=descending)  # stable: by path within equal values
    return known + sorted(unknown, key=lambda r: r.project.path.lower())


def table(fig: Figures, name: str) -> tuple[list[str], list[list]]:
    """One table's headings and rows, as the page and the CSV show them."""
    if name == "projects":
        cols, rows = PROJECT_COLUMNS, fig.projects
    else:
        cols = {k: v for k, v in GROUP_COLUMNS.items() if not (name == "agencies" and k == "agency")}
        rows = fig.agencies if name == "agencies" else fig.officials
    heads = [f"{ko} / {en}" for ko, en, _ in cols.values()]
    return heads, [[get(r) for _, _, get in cols.values()] for r in rows]


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    # Spreadsheets run a cell starting with = + - @ as a formula: a title is not one.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(fig: Figures, name: str) -> str:
    """UTF-8 with a byte-order mark when encoded (Excel then reads Korean correctly)."""
    heads, rows = table(fig, name)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(heads)
    for r in rows:
        w.writerow([_cell(v) for v in r])
    return "\ufeff" + out.getvalue()
