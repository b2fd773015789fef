"""`govlab workshop status`: the sign-in signal and a table that lines up with Korean text."""

from __future__ import annotations

import datetime as dt

import pytest
from wcwidth import wcswidth

from govlab.workshop.status import SeatStatus, clip, signed_in, status_table, width

KOREAN_NB = "01_주피터랩과_AI_도우미.ipynb"
T = dt.datetime(2026, 12, 1, 4, 5, 6, tzinfo=dt.UTC)


def columns_of(line: str, *needles: str) -> list[int]:
    """Terminal columns where each needle starts in the line."""
    return [wcswidth(line[: line.index(n)]) for n in needles]


def test_columns_line_up_in_a_terminal_with_korean_cells():
    rows = [
        SeatStatus("a-01", "online", "running", T, 3, [KOREAN_NB, "x.ipynb"]),
        SeatStatus("a-02", "never", "running", T, 0, []),
        SeatStatus("a-03", "signed-in", "stopped", None, None, ["report.ipynb"]),
    ]
    progress = {"a-01": "01: 2/3", "a-02": "없음", "a-03": "02_분석: 1/3"}
    lines = status_table(rows, progress).splitlines()
    head, body = lines[0], [l for l in lines if l.startswith("a-")]
    # Every row's server and progress cells start at the header's columns, although
    # the cells before them hold Korean (two columns a syllable) in different amounts.
    want = columns_of(head, "서버 server", "진도 progress")
    cells = [("실행 중", "01: 2/3"), ("실행 중", "없음"), ("중지", "02_분석")]
    assert [columns_of(line, *c) for line, c in zip(body, cells)] == [want] * 3
    # the notebook column lines up too (a Korean notebook name on the first row)
    nb_col = columns_of(head, "노트북 notebook")[0]
    assert columns_of(body[0], KOREAN_NB)[0] == nb_col and columns_of(body[2], "report")[0] == nb_col


def test_the_table_names_states_in_korean_and_english_and_counts_sign_ins():
    rows = [
        SeatStatus("a-01", "online", "running", T, 3, []),
        SeatStatus("a-02", "never", "running", T, 0, []),
        SeatStatus("a-03", "signed-in", "stopped", None, None, []),
        SeatStatus("a-04", "unknown", "stopped", None, None, []),
    ]
    text = status_table(rows)
    line = {l[:4]: l for l in text.splitlines() if l.startswith("a-")}
    assert "접속 중 online" in line["a-01"]
    assert "접속 안 함 never" in line["a-02"] and "실행 중 running" in line["a-02"]
    assert "접속함 signed in" in line["a-03"]
    assert "확인 불가 unknown" in line["a-04"]
    assert "2 of 4 running, 2 signed in" in text and "4명 중 2명 실행 중, 2명 접속" in text
    assert "진도 progress" not in text  # the column appears only when progress is given


@pytest.mark.parametrize(
    "tokens, expected",
    [
        ([], False),
        # prewarm: the hub made the server's own token, nothing else
        ([{"note": "Server at /user/a-01/", "session_id": None}], False),
        # a browser session opened the lab (OAuth token with the session id)
        ([{"note": "Server at /user/a-01/", "session_id": None}, {"note": None, "session_id": "ab12"}], True),
        ([{"note": "Server at /user/a-01/", "session_id": "ab12"}], True),
        # a token the official made on /hub/token (or through the API while signed in)
        ([{"note": "workshop test", "session_id": None}], True),
        (["garbage", 3], False),
    ],
)
def test_only_a_sign_in_counts_as_signed_in(tokens, expected):
    assert signed_in(tokens) is expected


def test_learner_named_cells_cannot_break_the_table():
    evil = "a\x1b[2J\nb" + "가" * 100 + ".ipynb"
    cell = clip(evil)
    assert "\x1b" not in cell and "\n" not in cell
    assert width(cell) <= 40 and cell.endswith("…")
    text = status_table([SeatStatus("a-01", "online", "running", T, 1, [evil])])
    assert "\x1b" not in text and len(text.splitlines()) == 4  # head, row, blank, summary


def test_width_counts_korean_as_two_columns():
    assert width("좌석") == 4 and width("seat") == 4 and width("a가") == 3
