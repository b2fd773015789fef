"""Exercise progress in `govlab workshop status`, on a real hub (local mode).

A learner runs the first starter notebook's own exercise and check cells in their lab's
kernel (over the kernel websocket, as JupyterLab does); the trainer's status then shows
the passed check, without opening the lab. A learner who writes nonsense into the
progress file gets "?", and the trainer's table still comes out.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.support.hub import REPO, USER_PASSWORD, RunningHub, base_settings, login_session, try_login
from tests.support.kernel import execute
from tests.support.workshopcli import session_token, workshop

pytestmark = pytest.mark.hub

COHORT = "cohort-p"
SEATS = ["p-01", "p-02"]
STARTER = REPO / "starter_notebooks"
FIRST = "01_주피터랩과_AI_도우미.ipynb"
SUCCESS = "정답입니다! 🎉"
RETRY = "다시 확인해 보세요"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("progress-hub")
    settings = base_settings(
        workdir / "state",
        workshops=[{"name": COHORT, "seats": 2, "seat_prefix": "p", "trainers": ["kim"], "starter": str(STARTER)}],
    )
    settings["culling"] = {"enabled": False}
    h = RunningHub(workdir, settings)
    roster = workdir / "roster.html"
    created = workshop(h, "create", COHORT, "--roster", str(roster), config=True)
    assert created.returncode == 0, created.stdout + created.stderr
    h.passwords = dict(
        re.findall(r"<td class='seat'>([^<]+)</td><td class='password'>([^<]+)</td>", roster.read_text())
    )
    h.start()
    try:
        yield h
    finally:
        h.kill_everything()


@pytest.fixture(scope="module")
def tokens(hub) -> dict[str, str]:
    out = {}
    for seat in SEATS:
        s = try_login(hub, seat, hub.passwords[seat])
        assert s is not None, f"{seat} could not sign in"
        out[seat] = session_token(hub, s, seat, note="progress test")
    out["kim"] = session_token(hub, login_session(hub, "kim", USER_PASSWORD), "kim")
    return out


def cell(nb, cell_id: str, solved: bool = False) -> str:
    found = next(c for c in nb.cells if c.id == cell_id)
    return found.metadata["govlab"]["solution"] if solved else found.source


def status_line(hub, tokens, seat: str) -> str:
    result = workshop(hub, "status", COHORT, token=tokens["kim"])
    assert result.returncode == 0, result.stdout + result.stderr
    return next(line for line in result.stdout.splitlines() if line.startswith(seat))


def test_status_shows_the_checks_a_learner_passed(hub, tokens):
    started = workshop(hub, "prewarm", COHORT, token=tokens["kim"])
    assert started.returncode == 0, started.stdout + started.stderr + hub.log()[-3000:]
    assert "진도 progress" in workshop(hub, "status", COHORT, token=tokens["kim"]).stdout
    assert status_line(hub, tokens, "p-01").rstrip().endswith("-")  # nothing recorded yet

    r = hub.lab(
        "POST",
        "p-01",
        "/api/sessions",
        token=tokens["p-01"],
        json={"path": FIRST, "name": FIRST, "type": "notebook", "kernel": {"name": "python3"}},
    )
    assert r.status_code == 201, r.text
    kernel = r.json()["kernel"]["id"]
    nb = nbformat.read(STARTER / FIRST, as_version=4)
    # exercise 1 solved, its check cell run as shipped; exercise 2 left blank
    out = execute(
        hub.url, "p-01", kernel, tokens["p-01"], cell(nb, "nb01-12", solved=True) + "\n" + cell(nb, "nb01-13")
    )
    assert SUCCESS in out, out
    out = execute(hub.url, "p-01", kernel, tokens["p-01"], cell(nb, "nb01-15") + "\n" + cell(nb, "nb01-16"))
    assert RETRY in out and SUCCESS not in out, out

    line = status_line(hub, tokens, "p-01")
    assert "01:1/2" in line, line
    assert status_line(hub, tokens, "p-02").rstrip().endswith("-")

    # the learner then solves exercise 2 too (after the cell above it that imports `date`)
    code = cell(nb, "nb01-10") + "\n" + cell(nb, "nb01-15", solved=True) + "\n" + cell(nb, "nb01-16")
    out = execute(hub.url, "p-01", kernel, tokens["p-01"], code)
    assert SUCCESS in out, out
    assert "01:2/2" in status_line(hub, tokens, "p-01")


def test_a_progress_file_a_learner_mangled_shows_as_unknown(hub, tokens):
    r = hub.lab("PUT", "p-02", "/api/contents/.govlab", token=tokens["p-02"], json={"type": "directory"})
    assert r.status_code in (200, 201), r.text
    assert hub.put_file("p-02", ".govlab/progress.json", "\x1b[2J" + "x" * 200_000, token=tokens["p-02"]).ok
    line = status_line(hub, tokens, "p-02")
    assert line.rstrip().endswith("?") and "\x1b" not in line, line
    assert "01:2/2" in status_line(hub, tokens, "p-01")
