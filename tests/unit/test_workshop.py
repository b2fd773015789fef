"""Workshops: settings, the pure hub config, seat passwords, roster, authenticator, hand-out."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from govlab import settings
from govlab.auth import GovlabPasswordAuthenticator
from govlab.hubconfig import AUTHENTICATOR, Runtime, build_hub_config, starter_dirs, trainer_scopes
from govlab.settings import SettingsError
from govlab.workshop import seats
from govlab.workshop.handout import copy_missing, nbgitpuller_link, starter_hook
from govlab.workshop.hubapi import hub_root
from govlab.workshop.ops import SeatStatus, server_state, status_table
from govlab.workshop.roster import roster_html
from tests.support import aio

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
