"""Workshops: settings, the pure hub config, seat passwords, roster, authenticator, hand-out."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml
import zxingcpp

from govlab import settings
from govlab.auth import GovlabPasswordAuthenticator
from govlab.hubconfig import AUTHENTICATOR, Runtime, build_hub_config, starter_dirs, trainer_scopes
from govlab.settings import SettingsError
from govlab.workshop import issuing, queued, seats, target
from govlab.workshop.handout import copy_missing, nbgitpuller_link, starter_hook
from govlab.workshop.hubapi import hub_root
from govlab.workshop.ops import SeatStatus, disk_files, handout_files, read_disk, server_state, status_table
from govlab.workshop.roster import roster_html
from tests.support import aio
from tests.support.hub import GOVLAB

RUNTIME = Runtime(python="/venv/bin/python", proxy_command=("/venv/bin/chp",), lab_config_dir="/state/lab-config")
ENV = {"GOVLAB_USER_PASSWORD": "user-pass-1", "GOVLAB_ADMIN_PASSWORD": "a" * 32}
COHORT = {"name": "cohort-a", "seats": 3, "seat_prefix": "a", "trainers": ["kim"]}


def load(tmp_path: Path, workshops, auth=None) -> settings.LoadedSettings:
    data = {
        "hub": {"state_dir": "state"},
        "auth": auth
        or {
            "admin_users": ["admin"],
            "shared_password": {
                "user_password": {"env": "GOVLAB_USER_PASSWORD"},
                "admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"},
                "trusted_trial": True,
            },
        },
        "workshops": workshops,
    }
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return settings.load(path, environ=ENV)


# -- settings -------------------------------------------------------------------
# (workshops section, the key the error must name, words the message must hold)
INVALID = [
    ([{**COHORT, "name": "Cohort A"}], "workshops.0.name", "ASCII slug"),
    ([{**COHORT, "name": "반-1"}], "workshops.0.name", "ASCII slug"),
    ([{**COHORT, "seats": 0}], "workshops.0.seats", "greater than or equal to 1"),
    ([{**COHORT, "seats": 201}], "workshops.0.seats", "less than or equal to 200"),
    ([{**COHORT, "trainers": ["Kim Minsu"]}], "workshops.0.trainers", "not valid user names"),
    ([{**COHORT, "seat_prefix": "A_"}], "workshops.0.seat_prefix", "ASCII slug"),
    ([{**COHORT, "starter": "x", "materials_repo": "https://g.example/m.git"}], "workshops.0", "not both"),
    ([{**COHORT, "materials_repo": "git@g:m.git"}], "workshops.0.materials_repo", "http(s) git URL"),
    ([{"name": "c", "trainers": ["kim"]}], "workshops.0", "either `seats: N`"),
    ([{**COHORT, "members": ["lee"]}], "workshops.0", "either `seats: N`"),
    ([COHORT, COHORT], "workshops.1.name", "listed twice"),
    ([COHORT, {**COHORT, "name": "cohort-b"}], "workshops.1.seat_prefix", "also a seat"),
    ([{**COHORT, "seat_prefix": "ad", "seats": 1}], None, None),  # control: valid
    ([{**COHORT, "trainers": ["a-01"]}], "workshops.0.trainers", "seats of this cohort"),
    ([{**COHORT, "bogus": 1}], "workshops.0.bogus", "unknown key"),
]


@pytest.mark.parametrize("workshops, key, words", INVALID)
def test_workshop_settings_errors_name_the_key(tmp_path, workshops, key, words):
    if key is None:
        assert load(tmp_path, workshops).settings.workshops
        return
    with pytest.raises(SettingsError) as err:
        load(tmp_path, workshops)
    assert any(k == key and words in msg for k, msg in err.value.problems), err.value.problems


def test_seats_must_not_be_admins(tmp_path):
    auth = {
        "admin_users": ["a-02"],
        "shared_password": {
            "user_password": {"env": "GOVLAB_USER_PASSWORD"},
            "admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"},
        },
    }
    with pytest.raises(SettingsError, match="seats must not be admins"):
        load(tmp_path, [COHORT], auth=auth)


@pytest.mark.parametrize(
    "cohort, expected",
    [
        (COHORT, ["a-01", "a-02", "a-03"]),
        ({"name": "b", "seats": 2}, ["b-01", "b-02"]),
        ({"name": "c", "seats": 120}, ["c-001", "c-002"]),
        ({"name": "d", "members": ["lee", "park"]}, ["lee", "park"]),
    ],
)
def test_seat_names(tmp_path, cohort, expected):
    names = load(tmp_path, [cohort]).settings.workshops[0].seat_names
    assert names[: len(expected)] == expected


# -- the pure hub config -----------------------------------------------------------
def test_cohort_becomes_a_group_and_a_group_scoped_trainer_role(tmp_path):
    config = build_hub_config(load(tmp_path, [COHORT, {"name": "b", "seats": 1, "trainers": ["park"]}]), RUNTIME)
    hub = config["JupyterHub"]
    assert hub["load_groups"] == {"cohort-a": {"users": ["a-01", "a-02", "a-03"]}, "b": {"users": ["b-01"]}}
    roles = {r["name"]: r for r in hub["load_roles"]}
    trainer = roles["govlab-trainer-cohort-a"]
    assert trainer["users"] == ["kim"]
    assert set(trainer["scopes"]) == {
        "read:groups!group=cohort-a",
        "read:users!group=cohort-a",
        # token metadata only: `status` tells a sign-in from a prewarm by the seat's tokens
        "read:tokens!group=cohort-a",
        "servers!group=cohort-a",
        "access:servers!group=cohort-a",
        # API tokens reach the labs only with user filters (labs cannot resolve groups)
        "access:servers!user=a-01",
        "access:servers!user=a-02",
        "access:servers!user=a-03",
    }
    # Only filtered scopes: no admin, nothing beyond the cohort.
    assert all(s.endswith("!group=cohort-a") or s.split("=")[1] in {"a-01", "a-02", "a-03"} for s in trainer["scopes"])
    assert roles["govlab-trainer-b"]["users"] == ["park"]
    assert hub["authenticator_class"] == AUTHENTICATOR
    auth = config["GovlabPasswordAuthenticator"]
    assert auth["seat_names"] == {"a-01", "a-02", "a-03", "b-01"}
    assert auth["seat_dir"] == str(tmp_path / "state" / "workshops")


def test_trainer_scopes_exist_in_jupyterhub():
    from jupyterhub.scopes import scope_definitions

    for scope in trainer_scopes("x"):
        assert scope.split("!")[0] in scope_definitions


def test_no_workshops_keeps_the_plain_shared_password_hub(tmp_path):
    config = build_hub_config(load(tmp_path, []), RUNTIME)
    assert config["JupyterHub"]["authenticator_class"] == "shared-password"
    assert "load_groups" not in config["JupyterHub"]
    assert "GovlabPasswordAuthenticator" not in config


def test_allowed_users_include_seats_and_trainers(tmp_path):
    auth = {
        "allowed_users": ["lee"],
        "shared_password": {"user_password": {"env": "GOVLAB_USER_PASSWORD"}, "trusted_trial": True},
    }
    config = build_hub_config(load(tmp_path, [COHORT], auth=auth), RUNTIME)
    assert config["Authenticator"]["allowed_users"] == {"lee", "kim", "a-01", "a-02", "a-03"}


def test_starter_dirs_are_relative_to_the_settings_file(tmp_path):
    loaded = load(tmp_path, [{**COHORT, "starter": "../starter"}, {"name": "b", "seats": 1}])
    assert starter_dirs(loaded) == {s: str(tmp_path / "../starter") for s in ("a-01", "a-02", "a-03")}


# -- seat passwords ------------------------------------------------------------------
def test_seat_file_holds_only_hashes_and_is_private(tmp_path):
    passwords = seats.create_seats(tmp_path, "cohort-a", ["a-01", "a-02"])
    path = seats.seat_file(tmp_path, "cohort-a")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    for pw in passwords.values():
        assert pw not in text
    record = json.loads(text)["seats"]
    assert seats.verify_password(passwords["a-01"], record["a-01"])
    assert not seats.verify_password(passwords["a-02"], record["a-01"])
    assert not seats.verify_password("", record["a-01"])
    assert record["a-01"]["salt"] != record["a-02"]["salt"]


def test_passwords_are_readable_and_distinct():
    pws = {seats.generate_password() for _ in range(50)}
    assert len(pws) == 50
    for pw in pws:
        assert len(pw) == 14 and not set(pw) & set("01lIO")


# -- roster ----------------------------------------------------------------------------
def test_roster_has_address_and_every_password_but_no_hash(tmp_path):
    passwords = seats.create_seats(tmp_path, "cohort-a", ["a-01", "a-02", "a-03"])
    record = json.loads(seats.seat_file(tmp_path, "cohort-a").read_text())["seats"]
    html = roster_html("cohort-a", "https://lab.example.go.kr", list(passwords.items()), ["kim"])
    assert "https://lab.example.go.kr/hub/login" in html
    for seat, pw in passwords.items():
        assert f"data-seat='{seat}'" in html and pw in html
        assert record[seat]["hash"] not in html and record[seat]["salt"] not in html
    assert '<th>비밀번호 <span class="en">/ password</span></th>' in html  # Korean first
    assert "@media print" in html


def test_roster_escapes_html():
    html = roster_html("c", "http://h", [("a-01", "<b>x</b>")])
    assert "<b>x</b>" not in html and "&lt;b&gt;" in html


# -- authenticator -----------------------------------------------------------------------
def authenticator(tmp_path) -> GovlabPasswordAuthenticator:
    return GovlabPasswordAuthenticator(
        user_password="shared-pass-1",
        admin_password="a" * 32,
        admin_users={"admin"},
        seat_dir=str(seats.seat_dir(tmp_path)),
        seat_names={"a-01", "a-02"},
    )


def login(auth, name, password):
    return aio.run(auth.authenticate(None, {"username": name, "password": password}))


def test_authenticator_seats_and_shared_password(tmp_path):
    passwords = seats.create_seats(tmp_path, "cohort-a", ["a-01", "a-02"])
    auth = authenticator(tmp_path)
    assert login(auth, "a-01", passwords["a-01"]) == {"name": "a-01", "admin": False, "groups": []}
    # wrong password, another seat's password, the shared password: refused for a seat
    assert login(auth, "a-01", "wrong-password") is None
    assert login(auth, "a-01", passwords["a-02"]) is None
    assert login(auth, "a-01", "shared-pass-1") is None
    # everyone else: as before
    assert login(auth, "lee", "shared-pass-1")["name"] == "lee"
    assert login(auth, "lee", passwords["a-01"]) is None
    assert login(auth, "admin", "a" * 32)["admin"] is True
    # a removed cohort's passwords stop working (the store notices the file change)
    seats.remove_seats(tmp_path, "cohort-a")
    assert login(auth, "a-01", passwords["a-01"]) is None


def test_authenticator_sees_regenerated_passwords(tmp_path):
    old = seats.create_seats(tmp_path, "cohort-a", ["a-01"])
    auth = authenticator(tmp_path)
    assert login(auth, "a-01", old["a-01"])
    new = seats.create_seats(tmp_path, "cohort-a", ["a-01"])
    assert login(auth, "a-01", new["a-01"])
    assert not login(auth, "a-01", old["a-01"])


# -- hand-out at first start ----------------------------------------------------------------
def test_copy_missing_never_overwrites(tmp_path):
    src, home = tmp_path / "src", tmp_path / "home"
    (src / "data").mkdir(parents=True)
    (src / "01.ipynb").write_text("starter")
    (src / "data" / "x.csv").write_text("a,b")
    (src / ".ipynb_checkpoints").mkdir()
    (src / ".ipynb_checkpoints" / "01-checkpoint.ipynb").write_text("no")
    home.mkdir()
    (home / "01.ipynb").write_text("learner's edit")
    assert copy_missing(src, home) == ["data/x.csv"]
    assert (home / "01.ipynb").read_text() == "learner's edit"
    assert not (home / ".ipynb_checkpoints").exists()
    assert copy_missing(src, home) == []


def test_starter_hook_copies_into_the_seat_home_only(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "01.ipynb").write_text("starter")
    hook = starter_hook({"a-01": str(src)})
    log = SimpleNamespace(info=lambda *a: None)
    for name in ("a-01", "lee"):
        hook(SimpleNamespace(user=SimpleNamespace(name=name), home_dir=str(tmp_path / name), log=log))
    assert (tmp_path / "a-01" / "01.ipynb").read_text() == "starter"
    assert not (tmp_path / "lee").exists()


def test_nbgitpuller_link():
    link = nbgitpuller_link("https://lab.go.kr/", "https://gitlab.go.kr/edu/materials.git", "main")
    # The one link builder (govlab_share.gitpull_rules.pull_link) keeps '/' readable in the query.
    assert link.startswith("https://lab.go.kr/hub/user-redirect/git-pull?repo=https%3A//gitlab.go.kr/edu/materials.git")
    assert link.endswith("&branch=main&targetpath=materials&urlpath=lab/tree/materials")


# -- trainer-side helpers -------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://h:8000", "http://h:8000/", "http://h:8000/hub", "http://h:8000/hub/api/"])
def test_hub_root(url):
    assert hub_root(url) == "http://h:8000"


@pytest.mark.parametrize(
    "model, expected",
    [
        ({"servers": {}}, "stopped"),
        ({"pending": "spawn", "servers": {"": {"ready": False}}}, "pending"),
        ({"servers": {"": {"ready": True}}}, "running"),
        ({"servers": {"": {"ready": False}}}, "pending"),
    ],
)
def test_server_state(model, expected):
    assert server_state(model) == expected


def test_status_table_counts_running():
    rows = [
        SeatStatus("a-01", "online", "running", None, 3, ["02.ipynb", "01.ipynb"]),
        SeatStatus("a-02", "never", "stopped", None, None, []),
    ]
    text = status_table(rows)
    assert "02.ipynb (+1)" in text and "1 of 2 running" in text
    a01, a02 = (next(l for l in text.splitlines() if l.startswith(s)) for s in ("a-01", "a-02"))
    assert "online" in a01 and "never" in a02 and "stopped" in a02


# -- typed passwords: dashes, capitals, a Korean input method ---------------------------------
def test_a_seat_password_typed_loosely_still_signs_in_but_nothing_else_does(tmp_path):
    passwords = seats.create_seats(tmp_path, "cohort-a", ["a-01", "a-02"])
    auth = authenticator(tmp_path)
    pw = passwords["a-01"]
    plain = pw.replace("-", "")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in plain.upper())  # ＡＢＣ from a Korean IME
    for typed in (
        plain,
        plain.upper(),
        pw.upper(),
        f" {pw} ",
        pw.replace("-", " "),
        pw.replace("-", "\u2013"),
        fullwidth,
    ):
        assert login(auth, "a-01", typed) == {"name": "a-01", "admin": False, "groups": []}, typed
    # forgiving the form never lets a different password in
    for typed in (passwords["a-02"].replace("-", "").upper(), plain[:-1], plain + "a", plain.upper() * 50, ""):
        assert login(auth, "a-01", typed) is None, typed
    assert seats.normalize_password("x" * 10_000) == "x" * 10_000  # bounded: long input is left as typed


# -- reset-seat and all-or-nothing create --------------------------------------------------------
def test_reset_seat_changes_one_password_and_the_store_notices_at_once(tmp_path):
    old = seats.create_seats(tmp_path, "cohort-a", ["a-01", "a-02"])
    auth = authenticator(tmp_path)
    assert login(auth, "a-01", old["a-01"])
    record, new = seats.reset_record(seats.read_record(tmp_path, "cohort-a"), "a-01")
    seats.commit(tmp_path, "cohort-a", record)  # same size as before, within the same clock tick
    assert not login(auth, "a-01", old["a-01"])
    assert login(auth, "a-01", new)
    assert login(auth, "a-02", old["a-02"])  # the neighbour keeps theirs


def cohort_settings(tmp_path) -> Path:
    data = {
        "hub": {"state_dir": "state", "public_url": "https://lab.example.go.kr"},
        "auth": {
            "admin_users": ["admin"],
            "shared_password": {
                "user_password": {"env": "GOVLAB_USER_PASSWORD"},
                "admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"},
                "trusted_trial": True,
            },
        },
        "workshops": [COHORT],
    }
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def govlab(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **ENV}
    env.pop("GOVLAB_SETTINGS", None)
    return subprocess.run([str(GOVLAB), "workshop", *args], env=env, capture_output=True, text=True, timeout=120)


def roster_passwords(html: str) -> dict[str, str]:
    return dict(re.findall(r"<td class='seat'>([^<]{1,64})</td><td class='password'>([^<]{1,64})</td>", html))


def bad_roster_paths(tmp_path) -> list[Path]:
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-folder").mkdir(exist_ok=True)
    return [
        tmp_path / "a-folder",
        tmp_path / "missing" / "r.html",
        tmp_path / "a-file" / "r.html",
        Path("/proc/r.html"),
    ]


def test_create_with_a_bad_roster_path_leaves_the_old_seats_untouched(tmp_path):
    config = cohort_settings(tmp_path)
    first = govlab("create", "cohort-a", "--config", str(config), "--roster", str(tmp_path / "roster.html"))
    assert first.returncode == 0, first.stderr
    before = (tmp_path / "state" / "workshops" / "cohort-a.json").read_bytes()
    old = roster_passwords((tmp_path / "roster.html").read_text())
    assert sorted(old) == ["a-01", "a-02", "a-03"]
    for bad in bad_roster_paths(tmp_path):
        result = govlab("create", "cohort-a", "--config", str(config), "--force", "--roster", str(bad))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert "명단을" in result.stderr and "Cannot write the roster" in result.stderr
        assert "이전 비밀번호가 그대로 유효합니다" in result.stderr and "the previous ones still work" in result.stderr
        assert (tmp_path / "state" / "workshops" / "cohort-a.json").read_bytes() == before, bad
    assert not list(tmp_path.glob(".*.tmp")) and not list((tmp_path / "a-folder").iterdir())
    auth = authenticator(tmp_path / "state")
    auth.seat_names = {"a-01", "a-02", "a-03"}
    assert all(login(auth, seat, pw) for seat, pw in old.items())


def test_a_failed_first_create_leaves_no_cohort_and_can_simply_be_rerun(tmp_path):
    config = cohort_settings(tmp_path)
    result = govlab("create", "cohort-a", "--config", str(config), "--roster", str(tmp_path / "nope" / "r.html"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "No seats were created" in result.stderr
    assert not (tmp_path / "state" / "workshops" / "cohort-a.json").exists()
    # no --force needed: nothing was half made
    result = govlab("create", "cohort-a", "--config", str(config), "--roster", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stderr
    assert oct((tmp_path / "r.html").stat().st_mode & 0o777) == "0o600"


def test_create_to_a_closed_stdout_rolls_the_seats_back(tmp_path):
    config = cohort_settings(tmp_path)
    state = tmp_path / "state"
    old = seats.create_seats(state, "cohort-a", ["a-01", "a-02", "a-03"])
    before = seats.seat_file(state, "cohort-a").read_bytes()
    loaded = settings.load(config, environ=ENV)
    record, _ = seats.new_record("cohort-a", ["a-01", "a-02", "a-03"])
    with open(tmp_path / "ro.txt", "w+") as f, open(f.name) as read_only:
        with pytest.raises(issuing.IssueError, match="previous ones still work"):
            issuing.issue(loaded.state_dir, "cohort-a", record, "<html>", out=read_only)
    assert seats.seat_file(state, "cohort-a").read_bytes() == before
    assert login(authenticator(state), "a-01", old["a-01"])


def test_reset_seat_issues_a_one_slip_roster_and_only_that_seat_changes(tmp_path):
    config = cohort_settings(tmp_path)
    assert govlab("create", "cohort-a", "--config", str(config), "--roster", str(tmp_path / "all.html")).returncode == 0
    old = roster_passwords((tmp_path / "all.html").read_text())
    result = govlab("reset-seat", "cohort-a", "a-02", "--config", str(config))
    assert result.returncode == 0, result.stderr
    slip = roster_passwords(result.stdout)
    assert list(slip) == ["a-02"] and slip["a-02"] != old["a-02"]
    assert "https://lab.example.go.kr/hub/login" in result.stdout
    auth = authenticator(tmp_path / "state")
    auth.seat_names = {"a-01", "a-02", "a-03"}
    assert login(auth, "a-02", slip["a-02"]) and not login(auth, "a-02", old["a-02"])
    assert login(auth, "a-01", old["a-01"]) and login(auth, "a-03", old["a-03"])
    # a bad roster path changes nothing; an unknown seat is named
    before = (tmp_path / "state" / "workshops" / "cohort-a.json").read_bytes()
    result = govlab("reset-seat", "cohort-a", "a-01", "--config", str(config), "--roster", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (tmp_path / "state" / "workshops" / "cohort-a.json").read_bytes() == before
    result = govlab("reset-seat", "cohort-a", "a-09", "--config", str(config))
    assert result.returncode == 2 and "a-09" in result.stderr and "Traceback" not in result.stderr


def test_reset_seat_before_create_says_to_create_first(tmp_path):
    result = govlab("reset-seat", "cohort-a", "a-01", "--config", str(cohort_settings(tmp_path)))
    assert result.returncode == 2 and "create cohort-a" in result.stderr and "Traceback" not in result.stderr


# -- the QR code on every slip ----------------------------------------------------------------------
def svg_modules(svg: str) -> np.ndarray:
    """The dark modules of segno's inline SVG path (moves and horizontal runs), as an image."""
    size = int(re.search(r'width="(\d{1,5})"', svg).group(1)) // 3
    d = re.search(r'd="([^"]{1,100000})"', svg).group(1)
    img = np.full((size, size), 255, dtype=np.uint8)
    x = y = 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]{1,8})(?: (-?[\d.]{1,8}))?", d):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            img[int(y), int(x) : int(x + float(a))] = 0
            x += float(a)
    return np.kron(np.pad(img, 4, constant_values=255), np.ones((6, 6), dtype=np.uint8))


def test_every_slip_has_a_qr_code_a_phone_can_read(tmp_path):
    html = roster_html("cohort-a", "https://lab.example.go.kr/", [("a-01", "abcd-efgh-jkmn"), ("a-02", "x")])
    rows = re.findall(r"<tr class='seat-row'.{1,20000}?</tr>", html)
    assert len(rows) == 2
    for row in rows:
        assert "https://lab.example.go.kr/hub/login" in row
        svg = re.search(r"<svg.{1,20000}?</svg>", row).group(0)
        assert [r.text for r in zxingcpp.read_barcodes(svg_modules(svg))] == ["https://lab.example.go.kr/hub/login"]


# -- starter files at first start only; queued hand-outs; collect targets (issue 17) ------
def _spawn(hook, home: Path, name: str = "a-01") -> None:
    log = SimpleNamespace(info=lambda *a: None, warning=lambda *a: None)
    hook(SimpleNamespace(user=SimpleNamespace(name=name), home_dir=str(home), log=log))


def test_starter_files_come_only_at_first_start_unless_the_cohort_restores(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "01.ipynb").write_text("starter")
    (src / "02.ipynb").write_text("starter 2")
    once = starter_hook({"a-01": str(src), "a-02": str(src)})
    always = starter_hook({"a-01": str(src), "a-02": str(src)}, restore=frozenset({"a-02"}))
    for seat, hook in (("a-01", once), ("a-02", always)):
        home = tmp_path / seat
        _spawn(hook, home, seat)
        (home / "01.ipynb").unlink()  # the learner deletes one
        (home / "02.ipynb").write_text("my edit")
        _spawn(hook, home, seat)  # next start
        assert (home / "02.ipynb").read_text() == "my edit"
    assert not (tmp_path / "a-01" / "01.ipynb").exists()
    assert (tmp_path / "a-02" / "01.ipynb").read_text() == "starter"


def test_restore_starter_files_setting_defaults_to_off(tmp_path):
    base = {"name": "c", "seats": 2, "starter": "s"}
    assert settings.parse({"workshops": [base]}).workshops[0].restore_starter_files is False
    on = settings.parse({"workshops": [{**base, "restore_starter_files": True}]})
    assert on.workshops[0].restore_starter_files is True


def test_a_queued_hand_out_arrives_at_the_next_start_once(tmp_path):
    state, home = tmp_path / "state", tmp_path / "home"
    home.mkdir()
    (home / "mine.ipynb").write_text("learner's")
    fixed, mine = tmp_path / "fixed.ipynb", tmp_path / "mine.ipynb"
    fixed.write_text("corrected")
    mine.write_text("trainer's")
    queued.enqueue(state, "a-01", [(fixed, "고친/03_fixed.ipynb"), (mine, "mine.ipynb")])
    assert len(queued.batches(state, "a-01")) == 1 and queued.batches(state, "a-02") == []
    hook = queued.queued_hook(state)
    _spawn(hook, tmp_path / "other", "a-02")
    assert not (tmp_path / "other").exists()
    _spawn(hook, home)
    assert (home / "고친" / "03_fixed.ipynb").read_text() == "corrected"
    assert (home / "mine.ipynb").read_text() == "learner's"  # never overwritten
    assert queued.batches(state, "a-01") == []
    (home / "고친" / "03_fixed.ipynb").unlink()
    _spawn(hook, home)
    assert not (home / "고친" / "03_fixed.ipynb").exists()


def test_the_image_entry_point_delivers_workshop_files_and_queued_batches_once(tmp_path):
    from govlab import welcome

    src, home, state = tmp_path / "src", tmp_path / "home", tmp_path / "state"
    src.mkdir()
    (src / "01.ipynb").write_text("starter")
    f = tmp_path / "x.ipynb"
    f.write_text("queued")
    queued.enqueue(state, "a-01", [(f, "x.ipynb")])
    args = ["--home", str(home), "--workshop", str(src), "--queued", str(queued.seat_dir(state, "a-01"))]
    assert welcome.main(args) == 0
    assert (home / "01.ipynb").read_text() == "starter" and (home / "x.ipynb").read_text() == "queued"
    (home / "01.ipynb").unlink()
    (home / "x.ipynb").unlink()
    welcome.main(args)  # the batch is still mounted: the marker keeps it from coming back
    assert not (home / "01.ipynb").exists() and not (home / "x.ipynb").exists()
    welcome.main([*args, "--restore"])
    assert (home / "01.ipynb").exists() and not (home / "x.ipynb").exists()


def test_handout_files_single_files_and_a_new_name(tmp_path):
    src = tmp_path / "src"
    (src / "data").mkdir(parents=True)
    (src / "01.ipynb").write_text("a")
    (src / "data" / "d.csv").write_text("b")
    one = tmp_path / "03.ipynb"
    one.write_text("c")
    assert [n for _, n in handout_files(src, [one], None)] == ["01.ipynb", "data/d.csv", "03.ipynb"]
    assert handout_files(None, [one], "03_고친본.ipynb") == [(one, "03_고친본.ipynb")]


def test_collect_from_disk_takes_notebooks_chats_and_output_but_no_symlinks(tmp_path):
    home = tmp_path / "home"
    (home / "시작하기" / "output").mkdir(parents=True)
    (home / ".cache").mkdir()
    (home / "a.ipynb").write_text("{}")
    (home / "a.chat").write_text("{}")
    (home / "notes.txt").write_text("x")
    (home / ".cache" / "b.ipynb").write_text("{}")
    (home / "시작하기" / "output" / "보고서.xlsx").write_bytes(b"PK")
    secret = tmp_path / "secret.ipynb"
    secret.write_text("not the learner's")
    (home / "link.ipynb").symlink_to(secret)
    assert disk_files(home) == ["a.chat", "a.ipynb"]
    assert disk_files(home, output=True) == ["a.chat", "a.ipynb", "시작하기/output/보고서.xlsx"]
    assert read_disk(home, "시작하기/output/보고서.xlsx") == b"PK"
    with pytest.raises((OSError, ValueError)):  # never read through a symlink
        read_disk(home, "link.ipynb")


def test_collect_target_problems_are_found_before_anything(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for bad, words in ((a_file, "파일입니다"), (a_file / "sub", "cannot create"), (Path("/proc/govlab"), "system")):
        message = target.problem(bad)
        assert message and words in message and "--to" in message, (bad, message)
    fresh = tmp_path / "new" / "review"
    assert target.problem(fresh) is None and not (tmp_path / "new").exists()  # made only when saving
    if os.geteuid() != 0:  # root writes anywhere: the integration test uses other targets
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        assert "cannot write" in target.problem(ro)


@pytest.mark.parametrize("command", ["collect", "end"])
def test_cli_refuses_a_bad_target_before_calling_the_hub(tmp_path, capsys, command):
    from govlab.cli import main

    a_file = tmp_path / "file"
    a_file.write_text("x")
    flag = "--to" if command == "collect" else "--export"
    # Port 9 on loopback answers nothing: any hub call would fail with exit 3, not 2.
    argv = ["workshop", command, "cohort-a", flag, str(a_file), "--hub-url", "http://127.0.0.1:9", "--token", "t"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "폴더가 아니라 파일입니다" in err and "is a file" in err
    assert a_file.read_text() == "x"


def test_docker_mode_mounts_queued_hand_outs_and_asks_for_restore(tmp_path):
    from govlab.workshop.handout import RESTORE_ENV, starter_volume_hook

    src = tmp_path / "src"
    src.mkdir()
    seats_ = {"a-01": str(src), "a-02": str(src)}
    spawners = {n: SimpleNamespace(user=SimpleNamespace(name=n), volumes={}, environment={}) for n in seats_}
    for spawner in spawners.values():
        starter_volume_hook(seats_, restore=frozenset({"a-02"}))(spawner)
        queued.queued_volume_hook(tmp_path / "state")(spawner)
    assert RESTORE_ENV not in spawners["a-01"].environment and spawners["a-02"].environment[RESTORE_ENV] == "1"
    assert list(spawners["a-01"].volumes) == [str(src)]  # nothing queued: nothing mounted
    f = tmp_path / "x.ipynb"
    f.write_text("{}")
    queued.enqueue(tmp_path / "state", "a-01", [(f, "x.ipynb")])
    queued.queued_volume_hook(tmp_path / "state")(spawners["a-01"])
    assert spawners["a-01"].volumes[str(queued.seat_dir(tmp_path / "state", "a-01"))] == {
        "bind": queued.MOUNT,
        "mode": "ro",
    }
