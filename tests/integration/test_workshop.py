"""A 10-seat workshop on a real hub (local mode), driven through `govlab workshop`.

One hub and one pre-warm for the whole module: ten labs starting on two cores take a
minute or two, so the tests run in order on the same cohort and end it last.
"""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest
import requests

from tests.support.hub import GOVLAB, REPO, USER_PASSWORD, RunningHub, base_settings, login_session, try_login

pytestmark = pytest.mark.hub

COHORT = "cohort-a"
SEATS = [f"a-{i:02d}" for i in range(1, 11)]
STARTER = REPO / "starter_notebooks"
FIRST = "01_주피터랩과_AI_도우미.ipynb"


def session_token(hub: RunningHub, s: requests.Session, user: str) -> str:
    """An API token made by the signed-in user through the REST API (cookie + XSRF)."""
    r = s.post(
        f"{hub.url}/hub/api/users/{user}/tokens",
        json={"note": "workshop test"},
        headers={"X-XSRFToken": s.cookies.get("_xsrf", path="/hub/") or s.cookies.get("_xsrf")},
        timeout=30,
    )
    assert r.status_code == 201, (user, r.status_code, r.text)
    return r.json()["token"]


def workshop(
    hub: RunningHub, *args: str, token: str | None = None, config: bool = False
) -> subprocess.CompletedProcess:
    cmd = [str(GOVLAB), "workshop", *args]
    if token:
        cmd += ["--hub-url", hub.url, "--token", token]
    if config:
        cmd += ["--config", str(hub.settings_path)]
    env = hub.env()
    for k in ("GOVLAB_HUB_TOKEN", "JUPYTERHUB_API_TOKEN", "GOVLAB_SETTINGS", "GOVLAB_HUB_URL"):
        env.pop(k, None)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("workshop-hub")
    state = workdir / "state"
    settings = base_settings(
        state,
        workshops=[{"name": COHORT, "seats": 10, "seat_prefix": "a", "trainers": ["kim"], "starter": str(STARTER)}],
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
