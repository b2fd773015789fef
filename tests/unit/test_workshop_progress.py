"""Reading exercise progress: the file is the learner's, so anything odd is refused or skipped."""

from __future__ import annotations

import json

import pytest

from govlab.workshop.progress import MAX_BYTES, NotebookProgress, cell, parse


def doc(*entries) -> bytes:
    return json.dumps({"version": 1, "results": {str(i): e for i, e in enumerate(entries)}}).encode()


def entry(notebook="02", exercise=1, of=3, passed=True):
    return {"notebook": notebook, "exercise": exercise, "of": of, "passed": passed, "at": "2026-12-01T10:00:00+00:00"}


def test_passed_exercises_are_counted_per_notebook():
    data = doc(entry(), entry(exercise=2, passed=False), entry("01", 2, 2), entry(exercise=3))
    assert parse(data) == [NotebookProgress("01", 1, 2), NotebookProgress("02", 2, 3)]
    assert cell(parse(data)) == "01:1/2 02:2/3"


@pytest.mark.parametrize(
    "bad",
    [
        entry(notebook="\x1b[2J"),  # terminal escapes never reach the trainer's screen
        entry(notebook="x" * 21),
        entry(exercise=4, of=3),
        entry(exercise=0),
        entry(of=10_000),
        entry(exercise="1"),
        entry(passed="yes"),  # only a real True counts as passed
        "not an entry",
    ],
)
def test_odd_entries_do_not_count(bad):
    assert parse(doc(entry("01", 1, 1), bad)) in (
        [NotebookProgress("01", 1, 1)],
        [NotebookProgress("01", 1, 1), NotebookProgress("02", 0, 3)],
    )


@pytest.mark.parametrize("data", [b"{not json", b"[]", b'{"results": []}', b"\xff\xfe", b" " * (MAX_BYTES + 1)])
def test_a_file_that_is_not_progress_is_refused(data):
    with pytest.raises(ValueError):
        parse(data)


def test_cells_for_nothing_and_unreadable():
    assert cell([]) == "-" and cell(None) == "?"
