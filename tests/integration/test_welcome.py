"""The 시작하기 folder on a real hub (local mode): a new official outside any workshop
finds it at first start, owned by them; their edit survives a restart and a notebook
they deleted does not come back; `welcome.enabled: false` hands out nothing."""

from __future__ import annotations

import os

import pytest

from govlab.welcome import BUILTIN_PICK, FOLDER, MARKER
from tests.integration.test_browser import ARTIFACTS
from tests.support.hub import USER_PASSWORD, RunningHub, base_settings

pytestmark = pytest.mark.hub

FIRST, SECOND, SHARE = BUILTIN_PICK[:3]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("welcome-hub")
    h = RunningHub(workdir, base_settings(workdir / "state"))
    h.start()
    try:
        yield h
    finally:
        h.kill_everything()


def names(hub: RunningHub, user: str, token: str, path: str = FOLDER) -> set[str]:
    r = hub.lab("GET", user, f"/api/contents/{path}", token=token)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return {item["name"] for item in r.json()["content"]}


def test_first_start_hands_out_and_a_restart_respects_edits_and_deletions(hub):
    token = hub.create_user("sora")
    hub.start_server("sora")
    assert {FIRST, SECOND, SHARE, "data", "govlab_check.py"} <= names(hub, "sora", token)
    assert not any(n.startswith(("03_", "04_")) for n in names(hub, "sora", token))
    home = hub.home("sora")
    if os.geteuid() == 0:  # the hub is root: the official's system user owns what it got
        owner = os.stat(home).st_uid
        assert owner != 0
        for p in [home / MARKER, home / FOLDER, *(home / FOLDER).rglob("*")]:
            assert os.lstat(p).st_uid == owner, p
    edited = {
        "cells": [{"cell_type": "markdown", "id": "e1", "metadata": {}, "source": "내가 고친 노트북"}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    assert hub.put_file("sora", f"{FOLDER}/{FIRST}", edited, token=token).status_code == 200
    assert hub.lab("DELETE", "sora", f"/api/contents/{FOLDER}/{SECOND}", token=token).status_code == 204
    hub.stop_server("sora")
    hub.start_server("sora")
    after = names(hub, "sora", token)
    assert SECOND not in after and {FIRST, SHARE} <= after
    r = hub.lab("GET", "sora", f"/api/contents/{FOLDER}/{FIRST}", token=token)
    assert r.json()["content"]["cells"][0]["source"] == "내가 고친 노트북"


@pytest.mark.browser
def test_a_new_official_sees_the_folder_in_the_file_browser(hub, page):
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", "haneul")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("#login_submit")
    page.wait_for_url("**/user/haneul/lab**", timeout=180_000)
    item = page.locator(".jp-DirListing-item", has_text=FOLDER)
    try:
        item.first.wait_for(timeout=120_000)
        item.first.dblclick()
        page.locator(".jp-DirListing-item", has_text=FIRST).first.wait_for(timeout=60_000)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "welcome-filebrowser.png"))
    assert page.locator(".jp-DirListing-item", has_text=SHARE).count() == 1


def test_turned_off_hands_out_nothing(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("welcome-off-hub")
    h = RunningHub(workdir, base_settings(workdir / "state", **{"welcome.enabled": False}))
    h.start()
    try:
        token = h.create_user("doyun")
        h.start_server("doyun")
        root = names(h, "doyun", token, "")
        assert FOLDER not in root
        assert not (h.home("doyun") / MARKER).exists()
    finally:
        h.kill_everything()
