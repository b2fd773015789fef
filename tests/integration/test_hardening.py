"""Issue 12's smaller hardening items on a real hub (local mode) with the gallery service
and the loopback GitLab: state-dir modes whatever runs first, request bodies refused
before buffering, the gallery's CSP in Chromium. No lab is started. One hub per module.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.integration.test_gallery import AGENCY, GROUP, wait_for
from tests.support.hub import GOVLAB, USER_PASSWORD, RunningHub, base_settings, free_port, login_session

pytestmark = [pytest.mark.hub, pytest.mark.browser]

COHORT = "cohort-h"
PROJECT = f"{GROUP}/hostile-readme"
# What a shared README could hold: none of it may run in the gallery.
README = """# 민원 분석

<script>window.__readme = 1</script>

<img src="x" onerror="window.__img = 1">

[link](javascript:window.__link=1)
"""
BIG = 95_000_000


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def child_pid(parent: int, word: str) -> int:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and word in cmdline:
            return int(entry.name)
    raise AssertionError(f"no child of {parent} running {word}")


@pytest.fixture(scope="module")
def hub(tmp_path_factory, _gitlab_server_session):
    gitlab = _gitlab_server_session
    gitlab.reset()
    gitlab.add_user("team", name="정책팀")
    token = gitlab.add_token("team", scopes=("api",))
    gitlab.add_group(GROUP, {"team": 30}, visibility="public")
    manifest = json.dumps({"title": "민원 분석", "agency": AGENCY, "author": "정책팀"}, ensure_ascii=False)
    gitlab.add_project(
        GROUP,
        "민원 분석",
        PROJECT.split("/")[1],
        "public",
        ["govlab"],
        files={"govlab-manifest.json": manifest, "README.md": README},
    )
    workdir = tmp_path_factory.mktemp("hardening-hub")
    settings = base_settings(
        workdir / "state",
        sharing={"gitlab_url": gitlab.url, "namespace": GROUP, "token": {"env": "GOVLAB_GITLAB_TOKEN"}},
        gallery={"enabled": True, "bind_url": f"http://127.0.0.1:{free_port()}"},
        workshops=[{"name": COHORT, "seats": 2, "seat_prefix": "h", "trainers": ["kim"]}],
        **{"auth.shared_password.trusted_trial": True},
    )
    h = RunningHub(workdir, settings, env={"GOVLAB_GITLAB_TOKEN": token})
    # The trainer's first command on a fresh machine, before the hub ever started.
    env = h.env()
    env.pop("GOVLAB_SETTINGS", None)
    created = subprocess.run(
        [
            str(GOVLAB),
            "workshop",
            "create",
            COHORT,
            "--config",
            str(h.settings_path),
            "--roster",
            str(workdir / "roster.html"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    h.modes_before_start = {
        p.relative_to(h.state_dir).as_posix() or ".": mode(p) for p in [h.state_dir, *h.state_dir.rglob("*")]
    }
    h.start()
    try:
        yield h
    finally:
        h.kill_everything()


def test_state_dir_and_database_files_are_owner_only_whatever_ran_first(hub):
    assert hub.modes_before_start == {".": 0o700, "workshops": 0o700, f"workshops/{COHORT}.json": 0o600}
    s = login_session(hub, "choi")  # writes to the hub database
    s.get(f"{hub.url}/services/gallery/", timeout=60)  # the gallery opens its database
    state = hub.state_dir
    assert mode(state) == 0o700
    private = [p for p in state.iterdir() if p.name.startswith(("jupyterhub", "gallery")) and p.is_file()]
    names = {p.name for p in private}
    assert {"jupyterhub.sqlite", "jupyterhub_cookie_secret", "gallery.sqlite"} <= names, names
    assert {p.name: mode(p) for p in private} == {p.name: 0o600 for p in private}
    assert mode(state / "workshops" / f"{COHORT}.json") == 0o600


def stream_post(url: str, path: str, total_limit: int = 40_000_000, chunk: int = 256 * 1024) -> tuple[bytes, int]:
    """POST with `Content-Length: 95000000`, sending slowly until the server answers or
    closes; returns (what it answered, bytes sent)."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    sent = 0
    answer = b""
    try:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {BIG}\r\n\r\n".encode()
        )
        block = b"a" * chunk
        sock.settimeout(0.05)
        while sent < total_limit:
            try:
                got = sock.recv(4096)
                answer += got
                if answer or not got:
                    break
            except TimeoutError:
                pass
            try:
                sock.sendall(block)
            except OSError:
                break
            sent += chunk
        sock.settimeout(10)
        try:
            answer += sock.recv(4096)
        except OSError:
            pass
    finally:
        sock.close()
    return answer, sent


@pytest.mark.parametrize("target", ["hub", "gallery"])
def test_a_95_mb_post_is_refused_before_it_is_buffered(hub, target):
    if target == "hub":
        pid, path = hub.proc.pid, "/hub/login"
    else:
        pid, path = child_pid(hub.proc.pid, "govlab.gallery"), "/services/gallery/api/refresh"
    requests.get(f"{hub.url}/hub/login", timeout=30)  # warm up
    before = rss_kb(pid)
    answer, sent = stream_post(hub.url, path)
    time.sleep(1)
    grown = rss_kb(pid) - before
    assert sent < 40_000_000, f"{target} read {sent} bytes without refusing"
    # 400/413 from the server itself; the proxy says 502/503 when the server closed the
    # connection while the proxy was still forwarding the body (which one wins is a race).
    assert not answer or answer.split(b" ", 2)[1] in (b"400", b"413", b"502", b"503"), answer[:200]
    assert grown < 5_000, f"{target} RSS grew by {grown} kB"
    # Ordinary requests still work: a seat signs in, the gallery answers.
    s = login_session(hub, "choi")
    assert s.get(f"{hub.url}/services/gallery/api/entries", timeout=60).status_code == 200


def test_gallery_pages_carry_the_csp_and_nosniff(hub):
    s = login_session(hub, "choi")
    gallery = f"{hub.url}/services/gallery"
    wait_for(lambda: s.get(f"{gallery}/api/entries", timeout=30).json()["entries"])
    for url, status in (
        (f"{gallery}/", 200),
        (f"{gallery}/p/{PROJECT}", 200),
        (f"{gallery}/p/nobody/none", 404),
        (f"{gallery}/no-such-page", 404),
    ):
        r = s.get(url, timeout=60)
        assert r.status_code == status, (url, r.status_code)
        csp = r.headers.get("Content-Security-Policy", "")
        for directive in (
            "default-src 'self'",
            "script-src 'none'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ):
            assert directive in csp, (url, csp)
        assert "unsafe-inline" not in csp
        assert r.headers.get("X-Content-Type-Options") == "nosniff", url
        assert "<script" not in r.text.replace("&lt;script", "")
    css = s.get(f"{gallery}/static/gallery.css", timeout=30)
    assert css.status_code == 200 and css.headers.get("X-Content-Type-Options") == "nosniff"


def test_a_shared_projects_page_runs_no_script_in_chromium(hub, page):
    gallery = f"{hub.url}/services/gallery"
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{hub.url}/hub/login?next=/services/gallery/")
    page.fill("input[name=username]", "choi")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("#login_submit")
    page.wait_for_url("**/services/gallery/**", timeout=120_000)
    page.locator("[data-gallery=card]").first.wait_for(timeout=90_000)
    page.goto(f"{gallery}/p/{PROJECT}")
    page.get_by_text("민원 분석").first.wait_for()
    # The style sheet still applies (it moved out of the page for the CSP).
    assert page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor") == "rgb(31, 78, 154)"
    # Whatever slips into the page (a future rendering bug) cannot run.
    try:
        page.add_script_tag(content="window.__injected = 1")
    except Exception:
        pass  # Playwright reports the refused script
    page.wait_for_timeout(500)
    ran = page.evaluate("[window.__injected, window.__readme, window.__img, window.__link]")
    assert ran == [None, None, None, None]
    assert violations, "Chromium reported no CSP refusal"
