"""Reuse figures (figures.py, pure), the store's events table and its in-place migration."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, date, datetime

import pytest

from govlab.gallery import figures
from govlab.gallery.figures import Project
from govlab.gallery.store import Event, Store

MOIS, MOE = "행정안전부", "교육부"
AGENCIES = {"kim": MOIS, "lee": MOIS, "park": MOE, "choi": MOE}
P1 = Project(1, "shared/minwon", "민원 분석", MOIS, "kim")
P2 = Project(2, "shared/budget", "예산 집계", MOIS, "lee")
P3 = Project(3, "shared/park-copy", "민원 분석 (교육부)", MOE, "park")
START, END = date(2026, 7, 1), date(2026, 7, 31)


def ev(kind, project, user, at, *, pid=None, origin=None, quality=None, agency=""):
    return Event(kind, pid, project, user, agency, at, origin, quality)


def run(events, projects=(P1, P2, P3), requests=None):
    return figures.compute(list(projects), events, START, END, lambda u: AGENCIES.get(u, ""), requests)


def row(fig, path):
    return next(r for r in fig.projects if r.project.path == path)


CASES = [
    # (what, events, project, expected (opens, reruns, reshares))
    (
        "an open by another official counts",
        [ev("open", "shared/minwon", "park", "2026-07-02T10:00:00+00:00")],
        P1,
        (1, 0, 0),
    ),
    (
        "the owner's own open is not reuse",
        [ev("open", "shared/minwon", "kim", "2026-07-02T10:00:00+00:00")],
        P1,
        (0, 0, 0),
    ),
    (
        "opens are matched by id after a rename",
        [ev("open", "old/name", "park", "2026-07-02T10:00:00+00:00", pid=1)],
        P1,
        (1, 0, 0),
    ),
    (
        "outside the period: not counted",
        [ev("open", "shared/minwon", "park", "2026-08-01T00:00:00+00:00")],
        P1,
        (0, 0, 0),
    ),
    ("the last day counts whole", [ev("open", "shared/minwon", "park", "2026-07-31T23:59:59+00:00")], P1, (1, 0, 0)),
    (
        "a re-run without an open first is not a reuse from the gallery",
        [ev("rerun", "shared/minwon", "park", "2026-07-02T10:00:00+00:00")],
        P1,
        (0, 0, 0),
    ),
    (
        "a re-run after opening counts once per official",
        [
            ev("open", "shared/minwon", "park", "2026-06-20T10:00:00+00:00"),  # before the period: still an open
            ev("rerun", "shared/minwon", "park", "2026-07-02T10:00:00+00:00"),
            ev("rerun", "shared/minwon", "park", "2026-07-03T10:00:00+00:00"),
        ],
        P1,
        (0, 1, 0),
    ),
    (
        "a re-share by another official that started from it",
        [
            ev(
                "share",
                "shared/park-copy",
                "park",
                "2026-07-04T10:00:00+00:00",
                origin="shared/minwon",
                quality="passed",
            ),
            ev(
                "share",
                "shared/park-copy",
                "park",
                "2026-07-05T10:00:00+00:00",
                origin="shared/minwon",
                quality="passed",
            ),
        ],
        P1,
        (0, 0, 1),
    ),
    (
        "the owner sharing it again is not a re-share",
        [ev("share", "shared/minwon", "kim", "2026-07-04T10:00:00+00:00", origin="shared/minwon", quality="passed")],
        P1,
        (0, 0, 0),
    ),
]


@pytest.mark.parametrize("what, events, project, expected", CASES, ids=[c[0] for c in CASES])
def test_project_figures(what, events, project, expected):
    r = row(run(events), project.path)
    assert (r.opens, r.reruns, r.reshares) == expected


def test_agencies_and_officials():
    events = [
        ev("share", "shared/minwon", "kim", "2026-07-01T09:00:00+00:00", quality="failed"),
        ev("share", "shared/minwon", "kim", "2026-07-01T10:00:00+00:00", quality="passed"),  # latest: passed
        ev("share", "shared/budget", "lee", "2026-07-01T11:00:00+00:00", quality="passed"),
        ev("share", "shared/budget", "lee", "2026-07-01T12:00:00+00:00", quality="skipped"),  # latest: skipped
        ev("open", "shared/minwon", "park", "2026-07-02T10:00:00+00:00"),  # another agency
        ev("open", "shared/minwon", "lee", "2026-07-02T10:00:00+00:00"),  # the same agency
        ev("rerun", "shared/minwon", "park", "2026-07-02T11:00:00+00:00"),
        ev(
            "share",
            "shared/park-copy",
            "park",
            "2026-07-03T10:00:00+00:00",
            origin="shared/minwon",
            quality="unchecked",
        ),
        ev("share", "shared/hidden", "kim", "2026-07-03T10:00:00+00:00", quality="passed"),  # not visible
    ]
    fig = run(events)
    agencies = {g.name: (g.shares, g.passed, g.other_opens, g.other_reruns, g.other_reshares) for g in fig.agencies}
    officials = {g.name: (g.agency, g.shares, g.passed, g.other_total) for g in fig.officials}
    assert agencies == {MOIS: (4, 1, 1, 1, 1), MOE: (1, 0, 0, 0, 0)}
    assert officials == {"kim": (MOIS, 2, 1, 3), "lee": (MOIS, 2, 0, 0), "park": (MOE, 1, 0, 0)}
    assert [row(fig, p.path).quality for p in (P1, P2, P3)] == ["passed", "skipped", "unchecked"]
    assert row(fig, "shared/minwon").opens == 2  # both others' opens; only park's is cross-agency


def test_unknown_agency_is_never_counted_as_another_agency():
    fig = figures.compute(
        [P1], [ev("open", "shared/minwon", "guest", "2026-07-02T10:00:00+00:00")], START, END, lambda u: ""
    )
    assert row(fig, "shared/minwon").opens == 1
    assert all(g.other_total == 0 for g in fig.agencies + fig.officials)


def test_owner_falls_back_to_the_first_sharer_and_their_agency():
    anon = Project(9, "shared/anon", "무명", "", "")
    fig = run([ev("share", "shared/anon", "lee", "2026-07-01T10:00:00+00:00", quality="passed")], projects=[anon])
    assert (row(fig, "shared/anon").owner, row(fig, "shared/anon").agency) == ("lee", MOIS)


@pytest.mark.parametrize(
    "since, until, expected",
    [
        ("", "", (date(2026, 6, 2), date(2026, 7, 1))),
        ("2026-07-01", "2026-07-31", (START, END)),
        ("2026-07-05", "", (date(2026, 7, 5), date(2026, 7, 1))),  # refused below
    ],
)
def test_period(since, until, expected):
    today = date(2026, 7, 1)
    if expected[0] > expected[1]:
        with pytest.raises(figures.BadPeriod):
            figures.period(since, until, today)
    else:
        assert figures.period(since, until, today) == expected


@pytest.mark.parametrize("bad", ["2026-7-1", "yesterday", "2026-02-30", "2026-07-01" * 100_000, "1900-01-01"])
def test_bad_periods_are_refused(bad):
    with pytest.raises(figures.BadPeriod):
        figures.period(bad, "2026-07-31", date(2026, 7, 31))


def test_sorting_and_csv():
    fig = run(
        [
            ev("open", "shared/budget", "park", "2026-07-02T10:00:00+00:00"),
            ev("open", "shared/budget", "choi", "2026-07-02T10:00:00+00:00"),
            ev("open", "shared/minwon", "park", "2026-07-02T10:00:00+00:00"),
        ],
        projects=[P1, P2, Project(4, "shared/x", '=HYPERLINK("http://evil")', MOIS, "kim")],
        requests={1: (2, 1)},
    )
    by_opens = [r.project.path for r in figures.sort_projects(fig.projects, "opens", True)]
    assert by_opens == ["shared/budget", "shared/minwon", "shared/x"]
    by_requests = [r.project.path for r in figures.sort_projects(fig.projects, "requests_open", False)]
    assert by_requests[0] == "shared/minwon"  # unknown counts last either way
    assert [r.project.path for r in figures.sort_projects(fig.projects, "nonsense", False)] == by_opens
    fig.projects = figures.sort_projects(fig.projects, "opens", True)
    text = figures.to_csv(fig, "projects")
    assert text.startswith("\ufeff")  # Excel reads the Korean headings right
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][0] == "제목 / Title" and rows[0][4] == "열기 / Opens"
    assert rows[1][:5] == ["예산 집계", "shared/budget", MOIS, "lee", "2"]
    assert rows[2][7:9] == ["2", "1"] and rows[1][7:9] == ["", ""]
    assert rows[3][0].startswith("'=")  # never a formula in a spreadsheet


OLD_SCHEMA = """
CREATE TABLE featured (project_id INTEGER PRIMARY KEY, marked_by TEXT NOT NULL, marked_at TEXT NOT NULL);
CREATE TABLE opens (project_id INTEGER PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0);
INSERT INTO featured VALUES (7, 'admin', '2026-06-01T00:00:00+00:00');
INSERT INTO opens VALUES (7, 12);
"""


def test_a_store_file_of_the_old_schema_is_migrated_in_place(tmp_path):
    path = tmp_path / "gallery.sqlite"
    old = sqlite3.connect(path)
    old.executescript(OLD_SCHEMA)
    old.close()
    store = Store(str(path))
    try:
        assert store.featured() == {7: {"by": "admin", "at": "2026-06-01T00:00:00+00:00"}}
        assert store.opens() == {7: 12}
        assert store.record_open(7) == 13
        store.add_event(
            "open", "shared/minwon", "park", project_id=7, agency=MOE, at=datetime(2026, 7, 2, 10, tzinfo=UTC)
        )
        store.add_event("share", "shared/copy", "park", origin="shared/minwon", quality="passed")
        with pytest.raises(ValueError):
            store.add_event("delete", "shared/minwon", "park")
    finally:
        store.close()
    again = Store(str(path))  # a second open keeps everything
    try:
        got = again.events()
        assert got[0] == Event("open", 7, "shared/minwon", "park", MOE, "2026-07-02T10:00:00+00:00")
        assert (got[1].kind, got[1].origin, got[1].quality) == ("share", "shared/minwon", "passed")
        assert again.events(until="2026-07-02T10:00:00+00:00") == []  # exclusive bound
        assert again.opens() == {7: 13}
    finally:
        again.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2
