"""Hostile git-pull links on a real hub (local mode): each refused with a Korean page and
nothing written; a good link asks first and pulls only after the official presses
가져오기 (its POST carries the lab's XSRF token), in requests and in Chromium.

The repository is a public project on the loopback GitLab (`sharing.gitlab_url`),
cloned over git's smart HTTP. It carries a file named PLANTED.txt: wherever a refused
link tried to put it, it must not be.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import requests

from tests.integration.test_browser import ARTIFACTS
from tests.support.hub import USER_PASSWORD, RunningHub, base_settings, login_session

pytestmark = pytest.mark.hub

MARKER = "PLANTED.txt"
NOTEBOOK = json.dumps(
    {
        "cells": [{"cell_type": "markdown", "id": "m1", "metadata": {}, "source": "# 교육 자료"}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)


@pytest.fixture(scope="module")
def world(tmp_path_factory, _gitlab_server_session):
    gitlab = _gitlab_server_session
    gitlab.reset()
    gitlab.add_user("trainer", name="강사")
    gitlab.add_group("edu", {"trainer": 50}, visibility="public")
    gitlab.add_project(
        "edu", "materials", visibility="public", files={"교육.ipynb": NOTEBOOK, MARKER: "print('planted')\n"}
    )
    workdir = tmp_path_factory.mktemp("gitpull-hub")
    settings = base_settings(workdir / "state", sharing={"gitlab_url": gitlab.url})
    # One shared password for the test officials: a trial among people who trust each other.
    settings["auth"]["shared_password"].setdefault("trusted_trial", True)
    hub = RunningHub(workdir, settings)
    hub.start()
    try:
        tokens = {u: hub.create_user(u) for u in ("alice", "bob")}
        for u in tokens:
            hub.start_server(u)
        yield {"hub": hub, "gitlab": gitlab, "repo": f"{gitlab.url}/edu/materials.git", "tokens": tokens}
    finally:
        hub.kill_everything()
        gitlab.reset()


def link(hub: RunningHub, **params) -> str:
    return f"{hub.url}/hub/user-redirect/git-pull?{urlencode(params, quote_via=quote)}"


def planted(hub: RunningHub, user: str, elsewhere: Path) -> list[str]:
    return [str(p) for base in (hub.home(user), elsewhere) if base.exists() for p in base.rglob(MARKER)]


def test_hostile_links_are_refused_and_write_nothing(world, tmp_path):
    hub, repo = world["hub"], world["repo"]
    s = login_session(hub, "alice")
    outside = tmp_path / f"outside-{uuid.uuid4().hex[:8]}"
    cases = [
        ("target_absolute", {"repo": repo, "targetpath": str(outside)}),
        ("target_parent", {"repo": repo, "targetpath": "../../" + outside.name}),
        ("target_hidden", {"repo": repo, "targetpath": ".jupyter"}),
        ("target_hidden", {"repo": repo, "targetpath": ".local/share/jupyter/kernels"}),
        ("repo_host", {"repo": "https://github.com/attacker/payload.git", "targetpath": "payload"}),
        ("repo_host", {"repo": repo.replace("127.0.0.1", "localhost"), "targetpath": "m2"}),
        ("urlpath_invalid", {"repo": repo, "targetpath": "m3", "urlpath": "https://evil.example/"}),
    ]
    for reason, params in cases:
        r = s.get(link(hub, **params), timeout=60)
        assert r.status_code == 400, (reason, r.status_code, r.text[:300])
        assert f'data-reason="{reason}"' in r.text, (reason, r.text[:500])
        assert "이 링크는 열 수 없습니다" in r.text and "아무것도 가져오지 않았습니다" in r.text
        assert "/user/alice/git-pull" in r.url  # the lab's page, not the hub's 404
    assert planted(hub, "alice", outside) == []
    assert not outside.exists()


def test_the_pull_api_does_nothing_without_a_confirmation(world):
    hub, repo = world["hub"], world["repo"]
    s = login_session(hub, "alice")
    # nbgitpuller's own API link: one GET used to clone.
    r = s.get(f"{hub.url}/user/alice/git-pull/api?{urlencode({'repo': repo, 'targetpath': 'direct'})}", timeout=60)
    assert r.status_code == 403 and "data:" not in r.text
    assert not (hub.home("alice") / "direct").exists()


def confirmation(s: requests.Session, hub: RunningHub, repo: str, folder: str) -> tuple[str, dict]:
    page = s.get(
        link(hub, repo=repo, branch="main", targetpath=folder, urlpath=f"lab/tree/{folder}/교육.ipynb"), timeout=60
    )
    assert page.status_code == 200, page.text[:500]
    form = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page.text))
    return page.text, form


def test_a_post_without_the_xsrf_token_pulls_nothing(world):
    hub, repo = world["hub"], world["repo"]
    s = login_session(hub, "alice")
    _, form = confirmation(s, hub, repo, "no-xsrf")
    form.pop("_xsrf", None)
    # What a page on another site could send with alice's cookies.
    r = s.post(f"{hub.url}/user/alice/git-pull", data=form, allow_redirects=False, timeout=60)
    assert r.status_code == 403
    assert not (hub.home("alice") / "no-xsrf").exists()


def test_a_good_link_asks_then_pulls_after_the_post(world):
    hub, repo = world["hub"], world["repo"]
    s = login_session(hub, "alice")
    html, form = confirmation(s, hub, repo, "materials")
    assert "저장소 가져오기" in html and "가져오기 / Pull" in html and "취소 / Cancel" in html
    assert f'data-gitpull="repo">{repo}<' in html and 'data-gitpull="folder">materials<' in html
    assert form["_xsrf"] and not (hub.home("alice") / "materials").exists()  # the GET pulled nothing
    progress = s.post(f"{hub.url}/user/alice/git-pull", data=form, timeout=60)
    assert progress.status_code == 200, progress.text[:500]
    data = json.loads(re.search(r'type="application/json">([^<]+)<', progress.text).group(1))
    events = s.get(f"{hub.url}{data['api']}", timeout=120).text
    assert '"phase": "finished"' in events, events[-1000:]
    r = hub.lab("GET", "alice", "/api/contents/materials/교육.ipynb", token=world["tokens"]["alice"])
    assert r.status_code == 200 and r.json()["content"]["cells"][0]["source"] == "# 교육 자료"
    # The same confirmation cannot be replayed.
    assert s.get(f"{hub.url}{data['api']}", timeout=60).status_code == 403


@pytest.mark.browser
def test_the_confirmation_page_in_chromium(world, page):
    hub, repo = world["hub"], world["repo"]
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("#login_submit")
    page.wait_for_url("**/user/bob/**", timeout=180_000)
    page.goto(link(hub, repo=repo, branch="main", targetpath="materials", urlpath="lab/tree/materials/교육.ipynb"))
    pull = page.locator("[data-gitpull=pull]")
    pull.wait_for(timeout=60_000)
    assert pull.is_visible() and pull.inner_text() == "가져오기 / Pull"
    assert page.locator("[data-gitpull=cancel]").inner_text() == "취소 / Cancel"
    assert page.locator("[data-gitpull=folder]").inner_text() == "materials"
    assert "저장소 가져오기" in page.locator("h1").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "gitpull-confirm.png"))
    assert not (hub.home("bob") / "materials").exists()
    pull.click()
    try:
        page.wait_for_url(re.compile(r".*/user/bob/lab/tree/materials/.*"), timeout=120_000)
        page.wait_for_selector(".jp-NotebookPanel", timeout=120_000)
    finally:
        page.screenshot(path=str(ARTIFACTS / "gitpull-opened.png"))
        print("URL", page.url, page.content()[:3000])
    assert (hub.home("bob") / "materials" / "교육.ipynb").exists()
