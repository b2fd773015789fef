"""Issue 12's smaller hardening items, where no hub is needed: state-dir modes, the
plain-http warning, `workshop collect` against a hostile lab, the gallery's headers."""

from __future__ import annotations

import base64
import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

from govlab import settings, statedir
from govlab.gallery.app import content_security_policy
from govlab.gallery.store import Store
from govlab.hubsetup import plain_http_warning, prepare_state_dir
from govlab.workshop import ops, seats
from govlab.workshop.hubapi import HubClient

ENV = {"GOVLAB_USER_PASSWORD": "user-pass-1", "GOVLAB_ADMIN_PASSWORD": "a" * 32}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def load(tmp_path: Path, **hub) -> settings.LoadedSettings:
    data = {
        "hub": {"state_dir": "state", **hub},
        "auth": {
            "shared_password": {
                "user_password": {"env": "GOVLAB_USER_PASSWORD"},
                "admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"},
                "trusted_trial": True,
            }
        },
    }
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump(data))
    return settings.load(path, environ=ENV)


# -- state dir -------------------------------------------------------------------
def test_seats_written_first_make_an_owner_only_state_dir(tmp_path):
    # `govlab workshop create` before the hub's first start: nobody else may list or read it.
    old = os.umask(0o022)
    try:
        seats.create_seats(tmp_path / "state", "cohort-a", ["a-01"])
    finally:
        os.umask(old)
    assert mode(tmp_path / "state") == 0o700
    assert mode(tmp_path / "state" / "workshops") == 0o700
    assert mode(seats.seat_file(tmp_path / "state", "cohort-a")) == 0o600


def test_an_existing_open_state_dir_and_its_files_are_tightened(tmp_path, caplog):
    state = tmp_path / "state"
    (state / "workshops").mkdir(parents=True)
    for p, m in ((state, 0o755), (state / "workshops", 0o755)):
        os.chmod(p, m)
    for name in ("jupyterhub.sqlite", "jupyterhub_cookie_secret", "workshops/c.json"):
        (state / name).write_text("x")
        os.chmod(state / name, 0o644)
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    os.chmod(outside, 0o644)
    (state / "link").symlink_to(outside)
    with caplog.at_level(logging.WARNING, logger="govlab.statedir"):
        prepare_state_dir(state)
    assert mode(state) == 0o700 and mode(state / "workshops") == 0o700
    for name in ("jupyterhub.sqlite", "jupyterhub_cookie_secret", "workshops/c.json"):
        assert mode(state / name) == 0o600, name
    assert mode(outside) == 0o644  # never through a symlink
    assert "0700" in caplog.text and "jupyterhub.sqlite" in caplog.text


def test_gallery_database_and_its_wal_are_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        store = Store(str(tmp_path / "state" / "gallery.sqlite"))
        store.record_open(7)
        files = sorted((tmp_path / "state").glob("gallery.sqlite*"))
        assert {f.name for f in files} >= {"gallery.sqlite", "gallery.sqlite-wal"}
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        store.close()
    finally:
        os.umask(old)
    assert mode(tmp_path / "state") == 0o700


def test_write_private_is_owner_only_and_atomic(tmp_path):
    statedir.write_private(tmp_path / "secret", "s3cret")
    assert (tmp_path / "secret").read_text() == "s3cret" and mode(tmp_path / "secret") == 0o600
    assert not list(tmp_path.glob("*.tmp"))


def test_the_private_umask_makes_sqlite_files_owner_only(tmp_path):
    # What the hub process gets before JupyterHub creates jupyterhub.sqlite.
    old = statedir.private_umask()
    try:
        db = sqlite3.connect(tmp_path / "jupyterhub.sqlite")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
        assert {f.name: mode(f) for f in tmp_path.iterdir()} == {f.name: 0o600 for f in tmp_path.iterdir()}
        db.close()
    finally:
        os.umask(old)


# -- plain http on a public address ---------------------------------------------------------
@pytest.mark.parametrize(
    "hub, warns",
    [
        ({}, False),  # the default, http://127.0.0.1:8000
        ({"bind_url": "http://localhost:8000"}, False),
        ({"bind_url": "http://[::1]:8000"}, False),
        ({"bind_url": "http://0.0.0.0:8000"}, True),
        ({"bind_url": "http://10.1.2.3:8000"}, True),
        ({"bind_url": "http://lab.example.go.kr"}, True),
        ({"bind_url": "http://[::]:8000"}, True),
        ({"bind_url": "https://0.0.0.0:8443"}, False),
        # TLS is in front: the operator says so with the https public address.
        ({"bind_url": "http://0.0.0.0:8000", "public_url": "https://lab.example.go.kr"}, False),
        ({"bind_url": "http://0.0.0.0:8000", "public_url": "http://lab.example.go.kr"}, True),
    ],
)
def test_plain_http_on_a_public_address_warns(tmp_path, hub, warns):
    warning = plain_http_warning(load(tmp_path, **hub))
    assert bool(warning) == warns
    if warns:
        # Korean first, English alongside, and what to do next.
        assert warning.index("암호화") < warning.index("unencrypted")
        assert "https://" in warning and "127.0.0.1" in warning and hub["bind_url"] in warning


def test_check_config_prints_the_plain_http_warning(tmp_path):
    loaded = load(tmp_path, bind_url="http://0.0.0.0:8000")
    result = subprocess.run(
        [sys.executable, "-m", "govlab.cli", "check-config", "--config", str(loaded.source)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **ENV},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING: hub.bind_url http://0.0.0.0:8000" in result.stderr and "TLS" in result.stderr


# -- workshop collect against a hostile lab ------------------------------------------------
class HostileLab(BaseHTTPRequestHandler):
    """The hub API and a lab's contents API as an official who controls their lab serves them."""

    listings: dict[str, list[dict]] = {}

    def log_message(self, *args):
        pass

    def _json(self, data) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/hub/api/groups/cohort-a":
            return self._json({"users": ["a-01"]})
        if url.path == "/hub/api/users/a-01":
            return self._json({"name": "a-01", "servers": {"": {"ready": True}}})
        if query.get("format") == ["base64"]:
            return self._json({"content": base64.b64encode(b'{"cells": []}').decode()})
        path = unquote(url.path.split("/api/contents/", 1)[-1]).strip("/")
        return self._json({"type": "directory", "content": self.listings.get(path, [])})


@pytest.fixture
def hostile_lab():
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostileLab)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_collect_never_writes_outside_its_target(tmp_path, hostile_lab):
    dest = tmp_path / "review"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # A folder name in the trainer's target that already points elsewhere.
    (dest / "a-01").mkdir(parents=True)
    (dest / "a-01" / "linked").symlink_to(elsewhere)
    HostileLab.listings = {
        "": [
            {"name": "ok.ipynb", "path": "ok.ipynb", "type": "notebook"},
            {"name": "up.ipynb", "path": "../../up.ipynb", "type": "notebook"},
            {"name": "deep.ipynb", "path": "sub/../../../deep.ipynb", "type": "notebook"},
            {"name": "abs.ipynb", "path": str(elsewhere / "abs.ipynb"), "type": "notebook"},
            {"name": "linked", "path": "linked", "type": "directory"},
            {"name": "sub", "path": "sub", "type": "directory"},
        ],
        "linked": [{"name": "in-link.ipynb", "path": "linked/in-link.ipynb", "type": "notebook"}],
        "sub": [{"name": "nested.chat", "path": "sub/nested.chat", "type": "file"}],
    }
    said: list[str] = []
    got = ops.collect(HubClient(hostile_lab, "trainer-token"), "cohort-a", dest, report=said.append)

    assert got == {"a-01": ["ok.ipynb", "sub/nested.chat"]}
    assert (dest / "a-01" / "ok.ipynb").read_bytes() == b'{"cells": []}'
    assert (dest / "a-01" / "sub" / "nested.chat").exists()
    assert list(elsewhere.iterdir()) == []
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {"review/a-01/ok.ipynb", "review/a-01/sub/nested.chat"}
    for name in ("../../up.ipynb", "sub/../../../deep.ipynb", str(elsewhere / "abs.ipynb"), "linked/in-link.ipynb"):
        warning = next(line for line in said if repr(name) in line)
        assert "경고" in warning and "skipped" in warning


@pytest.mark.parametrize("name", ["", "/etc/passwd", "..", "a/../b", "a//b", "./a", "a\\..\\b", "a\x00b", "x" * 2000])
def test_inside_refuses_names_that_leave_the_folder(tmp_path, name):
    assert ops.inside(tmp_path, name) is None


def test_inside_keeps_ordinary_korean_names(tmp_path):
    assert ops.inside(tmp_path, "보고서/01_분석.ipynb") == tmp_path / "보고서" / "01_분석.ipynb"


# -- gallery headers ---------------------------------------------------------------------
def test_gallery_csp_allows_no_script_and_no_framing():
    csp = dict(d.strip().split(" ", 1) for d in content_security_policy("https://gitlab.example.go.kr/").split(";"))
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'none'"
    assert "unsafe-inline" not in ";".join(csp.values())
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'" and csp["form-action"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["img-src"] == "'self' data: https://gitlab.example.go.kr"
