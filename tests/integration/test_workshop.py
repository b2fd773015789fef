"""A 10-seat workshop on a real hub (local mode), driven through `govlab workshop`.

One hub and one pre-warm for the whole module: ten labs starting on two cores take a
minute or two, so the tests run in order on the same cohort and end it last.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.hub import GOVLAB, REPO, USER_PASSWORD, RunningHub, base_settings, login_session, try_login
from tests.support.workshopcli import session_token, workshop

pytestmark = pytest.mark.hub

COHORT = "cohort-a"
MEMBERS = "cohort-m"
SEATS = [f"a-{i:02d}" for i in range(1, 11)]
STARTER = REPO / "starter_notebooks"
FIRST = "01_주피터랩과_AI_도우미.ipynb"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("workshop-hub")
    state = workdir / "state"
    settings = base_settings(
        state,
        workshops=[
            {"name": COHORT, "seats": 10, "seat_prefix": "a", "trainers": ["kim"], "starter": str(STARTER)},
            # An existing account that never signs in until the status test makes it.
            {"name": MEMBERS, "members": ["park"], "trainers": ["kim"]},
        ],
    )
    settings["culling"] = {"enabled": False}
    h = RunningHub(workdir, settings)
    h.roster_path = workdir / "roster.html"
    created = workshop(h, "create", COHORT, "--roster", str(h.roster_path), config=True)
    assert created.returncode == 0, created.stderr
    h.start()
    try:
        yield h
    finally:
        h.kill_everything()


@pytest.fixture(scope="module")
def passwords(hub) -> dict[str, str]:
    html = hub.roster_path.read_text()
    return dict(re.findall(r"<td class='seat'>([^<]+)</td><td class='password'>([^<]+)</td>", html))


@pytest.fixture(scope="module")
def tokens(hub, passwords) -> dict[str, str]:
    out = {}
    for seat in SEATS:
        s = try_login(hub, seat, passwords[seat])
        assert s is not None, f"{seat} could not sign in with its seat password"
        out[seat] = session_token(hub, s, seat)
    for user in ("kim", "lee"):  # the trainer, and an official who is not one
        out[user] = session_token(hub, login_session(hub, user, USER_PASSWORD), user)
    return out


def running(hub: RunningHub) -> set[str]:
    return {s for s in SEATS if (hub.api("GET", f"/users/{s}").json().get("servers") or {}).get("", {}).get("ready")}


def test_roster_holds_every_seat_and_the_seat_file_only_hashes(hub, passwords):
    assert sorted(passwords) == SEATS
    html = hub.roster_path.read_text()
    assert f"{hub.url}/hub/login" in html
    seat_file = hub.state_dir / "workshops" / f"{COHORT}.json"
    assert oct(seat_file.stat().st_mode & 0o777) == "0o600"
    text = seat_file.read_text()
    assert not any(pw in text for pw in passwords.values())


def test_every_seat_signs_in_with_its_password_then_uses_the_rest_api(hub, tokens, passwords):
    for seat in SEATS:
        me = hub.api("GET", "/user", token=tokens[seat]).json()
        assert me["name"] == seat and me["admin"] is False
        assert COHORT in me["groups"]
    # a seat's name opens only with its own password: not the shared one, not a neighbour's
    assert try_login(hub, "a-01", USER_PASSWORD) is None
    assert try_login(hub, "a-01", passwords["a-02"]) is None


def test_a_failing_roster_path_leaves_the_old_passwords_working(hub, tokens, passwords, tmp_path):
    seat_file = hub.state_dir / "workshops" / f"{COHORT}.json"
    before = seat_file.read_bytes()
    (tmp_path / "a-file").write_text("x")
    for bad in (tmp_path, tmp_path / "a-file" / "roster.html", tmp_path / "missing" / "roster.html"):
        result = workshop(hub, "create", COHORT, "--force", "--roster", str(bad), config=True)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr and "the previous ones still work" in result.stderr
    assert seat_file.read_bytes() == before
    for seat in ("a-01", "a-10"):
        assert try_login(hub, seat, passwords[seat]) is not None, seat


def test_a_password_typed_without_dashes_and_in_capitals_signs_in(hub, tokens, passwords):
    s = try_login(hub, "a-05", passwords["a-05"].replace("-", "").upper())
    assert s is not None
    assert hub.api("GET", "/user", token=session_token(hub, s, "a-05")).json()["name"] == "a-05"
    assert try_login(hub, "a-05", passwords["a-06"].replace("-", "").upper()) is None


def test_reset_seat_issues_a_new_password_and_refuses_the_old(hub, tokens, passwords):
    result = workshop(hub, "reset-seat", COHORT, "a-07", config=True)
    assert result.returncode == 0, result.stderr
    slip = dict(re.findall(r"<td class='seat'>([^<]{1,64})</td><td class='password'>([^<]{1,64})</td>", result.stdout))
    assert list(slip) == ["a-07"] and slip["a-07"] != passwords["a-07"]
    assert f"{hub.url}/hub/login" in result.stdout and "<svg" in result.stdout
    assert try_login(hub, "a-07", passwords["a-07"]) is None
    assert try_login(hub, "a-07", slip["a-07"]) is not None
    assert try_login(hub, "a-08", passwords["a-08"]) is not None  # the others keep theirs


def test_an_invalid_or_expired_token_is_told_apart_from_a_missing_trainer_right(hub, tokens):
    r = hub.api("POST", "/users/kim/tokens", json={"note": "expires", "expires_in": 1})
    assert r.status_code == 201, r.text
    expired = r.json()["token"]
    time.sleep(2)
    for token in ("not-a-real-token-0123456789", expired):
        result = workshop(hub, "status", COHORT, token=token)
        assert result.returncode == 3, result.stdout + result.stderr
        assert "토큰이 유효하지 않거나 만료되었습니다" in result.stderr and "invalid or expired" in result.stderr
        assert "/hub/token" in result.stderr and "workshops[].trainers" not in result.stderr
    result = workshop(hub, "status", COHORT, token=tokens["lee"])  # valid token, not a trainer
    assert result.returncode == 3 and "workshops[].trainers" in result.stderr
    assert "invalid or expired" not in result.stderr


@pytest.mark.parametrize("command", [["status"], ["prewarm"], ["collect", "--to", "/tmp/should-not-exist"]])
@pytest.mark.parametrize("who", ["lee", "a-01"])
def test_a_non_trainer_cannot_run_trainer_commands(hub, tokens, command, who):
    result = workshop(hub, command[0], COHORT, *command[1:], token=tokens[who])
    assert result.returncode == 3, result.stdout + result.stderr
    assert "workshops[].trainers" in result.stderr
    assert running(hub) == set()


def test_prewarm_brings_every_server_up(hub, tokens):
    t0 = time.monotonic()
    result = workshop(hub, "prewarm", COHORT, "--concurrency", "5", token=tokens["kim"])
    assert result.returncode == 0, result.stdout + result.stderr + hub.log()[-3000:]
    assert "10 of 10 ready" in result.stdout
    assert running(hub) == set(SEATS)
    print(f"prewarm of 10 labs: {time.monotonic() - t0:.0f}s")


def test_starter_notebooks_are_in_every_home_at_first_start(hub, tokens):
    for seat in SEATS:
        r = hub.lab("GET", seat, "/api/contents/", token=tokens["kim"])
        assert r.status_code == 200, (seat, r.status_code)
        names = {item["name"] for item in r.json()["content"]}
        assert {FIRST, "data"} <= names, (seat, names)


def test_the_trainer_can_open_a_participants_lab(hub, tokens):
    r = hub.lab("GET", "a-03", "/lab", token=tokens["kim"])
    assert r.status_code == 200
    r = hub.lab("GET", "a-03", f"/api/contents/{FIRST}", token=tokens["kim"])
    assert r.status_code == 200 and r.json()["type"] == "notebook"


@pytest.mark.parametrize("path", ["/lab", "/api/contents/", f"/api/contents/{FIRST}"])
def test_a_participant_cannot_open_anothers_lab(hub, tokens, path):
    r = hub.lab("GET", "a-02", path, token=tokens["a-01"], allow_redirects=False)
    assert r.status_code == 403, (r.status_code, r.text[:200])
    r = hub.api("POST", "/users/a-02/server", token=tokens["a-01"])
    assert r.status_code in (403, 404)


def test_status_shows_who_runs_and_which_notebook(hub, tokens):
    r = hub.lab(
        "POST",
        "a-04",
        "/api/sessions",
        token=tokens["a-04"],
        json={"path": FIRST, "name": FIRST, "type": "notebook", "kernel": {"name": "python3"}},
    )
    assert r.status_code == 201, r.text
    result = workshop(hub, "status", COHORT, token=tokens["kim"])
    assert result.returncode == 0, result.stderr
    line = next(l for l in result.stdout.splitlines() if l.startswith("a-04"))
    assert FIRST in line and "running" in line and "online" in line
    assert "10 of 10 running" in result.stdout
    for seat in SEATS:
        assert any(l.startswith(seat) for l in result.stdout.splitlines())


def _row(result: subprocess.CompletedProcess, seat: str) -> str:
    return next(l for l in result.stdout.splitlines() if l.startswith(seat))


def test_status_tells_a_prewarmed_seat_from_one_who_signed_in(hub, tokens):
    prewarm = workshop(hub, "prewarm", MEMBERS, token=tokens["kim"])
    assert prewarm.returncode == 0, prewarm.stdout + prewarm.stderr
    try:
        before = workshop(hub, "status", MEMBERS, token=tokens["kim"])
        assert before.returncode == 0, before.stderr
        assert "실행 중 running" in _row(before, "park") and "접속 안 함 never" in _row(before, "park")
        assert "1 of 1 running, 0 signed in" in before.stdout
        # park signs in and the browser opens the lab (the hub's OAuth hand-over to the lab)
        s = login_session(hub, "park")
        r = s.get(f"{hub.url}/user/park/lab", timeout=120)
        assert r.status_code == 200 and r.url.startswith(f"{hub.url}/user/park/lab"), (r.status_code, r.url)
        after = workshop(hub, "status", MEMBERS, token=tokens["kim"])
        assert "접속함 signed in" in _row(after, "park"), after.stdout
        assert "1 of 1 running, 1 signed in" in after.stdout
        # --watch redraws until Ctrl-C, then ends cleanly
        cmd = [
            str(GOVLAB),
            "workshop",
            "status",
            MEMBERS,
            "--watch",
            "1",
            "--hub-url",
            hub.url,
            "--token",
            tokens["kim"],
        ]
        watch = subprocess.Popen(cmd, env=hub.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(5)
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=60)
        assert watch.returncode == 0, out + err
        assert out.count("Ctrl-C to stop") >= 2 and out.count("1 of 1 running, 1 signed in") >= 2
        assert "Traceback" not in err
    finally:
        hub.stop_server("park")


def test_handout_keeps_edits_and_collect_gathers_them(hub, tokens, tmp_path):
    marker = "# 민수가 고친 셀 (a learner's edit)"
    nb = hub.lab("GET", "a-01", f"/api/contents/{FIRST}", token=tokens["a-01"]).json()["content"]
    nb["cells"].append({"cell_type": "code", "metadata": {}, "source": marker, "outputs": [], "execution_count": None})
    assert hub.put_file("a-01", FIRST, nb, token=tokens["a-01"]).status_code == 200
    # a-02 deleted a notebook: the hand-out brings it back; a-01's edit stays
    assert hub.lab("DELETE", "a-02", f"/api/contents/{FIRST}", token=tokens["a-02"]).status_code == 204
    result = workshop(hub, "handout", COHORT, "--from", str(STARTER), token=tokens["kim"])
    assert result.returncode == 0, result.stderr
    assert "a-02: 1개 배포" in result.stdout
    assert hub.lab("GET", "a-02", f"/api/contents/{FIRST}", token=tokens["a-02"]).status_code == 200
    edited = hub.lab("GET", "a-01", f"/api/contents/{FIRST}", token=tokens["a-01"]).json()["content"]
    assert edited["cells"][-1]["source"] == marker

    dest = tmp_path / "review"
    result = workshop(hub, "collect", COHORT, "--to", str(dest), token=tokens["kim"])
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in dest.iterdir()) == SEATS
    collected = json.loads((dest / "a-01" / FIRST).read_text())
    source = collected["cells"][-1]["source"]
    assert ("".join(source) if isinstance(source, list) else source) == marker
    assert len(list((dest / "a-05").glob("*.ipynb"))) == 5


def test_a_stopped_seat_receives_a_hand_out_at_its_next_start(hub, tokens, tmp_path):
    fixed = tmp_path / "03_고친본.ipynb"
    fixed.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    hub.stop_server("a-09")
    # From the trainer's own machine (no --config) a stopped seat cannot be reached: said so, exit 1.
    result = workshop(hub, "handout", COHORT, "--file", str(fixed), token=tokens["kim"])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "a-09: 서버가 꺼져 있어 건너뜀" in result.stdout and "--config" in result.stdout
    assert "a-09" in result.stderr and "got nothing" in result.stderr
    # A corrected notebook under a new name: the learner's edited copy stays untouched.
    before = hub.lab("GET", "a-01", f"/api/contents/{FIRST}", token=tokens["kim"]).json()["content"]
    result = workshop(
        hub,
        "handout",
        COHORT,
        "--file",
        str(STARTER / FIRST),
        "--as",
        "고친본/" + FIRST,
        token=tokens["kim"],
        config=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "a-09: 서버가 꺼져 있어 다음 시작 때 1개 배포 예정" in result.stdout
    assert "a-01: 1개 배포" in result.stdout
    assert hub.lab("GET", "a-01", f"/api/contents/고친본/{FIRST}", token=tokens["kim"]).status_code == 200
    assert hub.lab("GET", "a-01", f"/api/contents/{FIRST}", token=tokens["kim"]).json()["content"] == before
    # Files the seats already have: each running seat lists them as skipped, and why.
    result = workshop(hub, "handout", COHORT, "--file", str(fixed), "--file", str(STARTER / FIRST), token=tokens["kim"])
    assert "a-01: 0개 배포" in result.stdout
    skipped = re.findall(rf"skipped, [^\n]{{0,40}}exists[^\n]{{0,40}}: {fixed.name}, {FIRST}", result.stdout)
    assert len(skipped) == len(SEATS) - 1, result.stdout
    # With its lab stopped, collect on the hub host reads a-09's home on disk.
    review = tmp_path / "review"
    result = workshop(hub, "collect", COHORT, "--to", str(review), token=tokens["kim"], config=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "a-09: " in result.stdout and "from disk" in result.stdout
    assert (review / "a-09" / FIRST).exists()
    # Next start: the queued file is there, once.
    hub.start_server("a-09")
    r = hub.lab("GET", "a-09", f"/api/contents/고친본/{FIRST}", token=tokens["kim"])
    assert r.status_code == 200 and r.json()["type"] == "notebook"
    assert not list((hub.state_dir / "handouts").glob("*/*"))
    assert hub.lab("DELETE", "a-09", f"/api/contents/고친본/{FIRST}", token=tokens["a-09"]).status_code == 204
    hub.stop_server("a-09")
    hub.start_server("a-09")
    assert hub.lab("GET", "a-09", f"/api/contents/고친본/{FIRST}", token=tokens["kim"]).status_code == 404


def test_starter_files_deleted_by_a_learner_do_not_come_back_at_the_next_start(hub, tokens):
    assert hub.lab("DELETE", "a-08", f"/api/contents/{FIRST}", token=tokens["a-08"]).status_code == 204
    hub.stop_server("a-08")
    hub.start_server("a-08")
    names = {i["name"] for i in hub.lab("GET", "a-08", "/api/contents/", token=tokens["kim"]).json()["content"]}
    assert FIRST not in names and "data" in names
    assert "02_공공데이터_pandas.ipynb" in names


def test_collect_into_a_target_that_cannot_be_written_fails_before_downloading(hub, tokens, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for bad, words in ((a_file, "is a file"), (a_file / "review", "cannot create"), ("/proc/govlab", "system folder")):
        for command in (["collect", COHORT, "--to", str(bad)], ["end", COHORT, "--export", str(bad)]):
            result = workshop(hub, *command, token=tokens["kim"])
            assert result.returncode == 2, result.stdout + result.stderr
            assert words in result.stderr and "Traceback" not in result.stderr
            assert "수집" not in result.stdout and "collected" not in result.stdout
    assert a_file.read_text() == "x" and not Path("/proc/govlab").exists()
    assert running(hub) == set(SEATS)  # `end` stopped nothing


def test_collect_takes_output_files_only_when_asked(hub, tokens, tmp_path):
    assert hub.lab("PUT", "a-03", "/api/contents/output", token=tokens["a-03"], json={"type": "directory"}).ok
    assert hub.put_file("a-03", "output/정산서.csv", "a,b\n1,2\n", token=tokens["a-03"]).status_code in (200, 201)
    plain, full = tmp_path / "plain", tmp_path / "full"
    assert workshop(hub, "collect", COHORT, "--to", str(plain), token=tokens["kim"]).returncode == 0
    result = workshop(hub, "collect", COHORT, "--to", str(full), "--output", token=tokens["kim"])
    assert result.returncode == 0, result.stderr
    assert not (plain / "a-03" / "output").exists()
    assert (full / "a-03" / "output" / "정산서.csv").read_text() == "a,b\n1,2\n"


def test_end_stops_exports_and_removes_the_seats(hub, tokens, passwords, tmp_path):
    # the trainer ends the session: work exported, servers stopped
    result = workshop(hub, "end", COHORT, "--export", str(tmp_path / "export"), token=tokens["kim"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "export" / "a-10" / FIRST).exists()
    assert running(hub) == set()
    assert all(not hub.api("GET", f"/users/{s}").json().get("servers") for s in SEATS)
    # removing seats needs the operator (admin token, on the hub host)
    result = workshop(hub, "end", COHORT, "--remove-seats", token=tokens["kim"])
    assert result.returncode == 3 and "admin" in result.stderr
    result = workshop(hub, "end", COHORT, "--remove-seats", token=hub.token, config=True)
    assert result.returncode == 0, result.stdout + result.stderr
    for seat in SEATS:
        assert hub.api("GET", f"/users/{seat}").status_code == 404
    assert not (hub.state_dir / "workshops" / f"{COHORT}.json").exists()
    assert try_login(hub, "a-01", passwords["a-01"]) is None
    assert hub.api("GET", f"/groups/{COHORT}").json()["users"] == []
