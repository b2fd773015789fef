"""A lab whose hub has no GitLab configured (no `sharing.gitlab_url`), in Chromium: the
notebook's share button is there but disabled, and its tooltip says in Korean why;
the lab's status route says so too (signed-in only)."""

from __future__ import annotations

import pytest
import requests

from tests.integration.test_browser import ARTIFACTS
from tests.support.hub import USER_PASSWORD, RunningHub, base_settings

pytestmark = [pytest.mark.hub, pytest.mark.browser]

TOOLTIP = "관리자가 GitLab 공유를 아직 설정하지 않았습니다 / Sharing to GitLab is not set up yet"
NOTEBOOK = {
    "cells": [{"cell_type": "markdown", "id": "m1", "metadata": {}, "source": "# 보고서"}],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("share-off-hub")
    h = RunningHub(workdir, base_settings(workdir / "state"))
    h.start()
    try:
        yield h
    finally:
        h.kill_everything()


def test_the_share_button_is_disabled_with_a_korean_tooltip(hub, page):
    token = hub.create_user("jisu")
    hub.start_server("jisu")
    assert hub.put_file("jisu", "보고서.ipynb", NOTEBOOK, token=token).status_code == 201
    status = hub.lab("GET", "jisu", "/govlab-share/status", token=token)
    assert status.status_code == 200 and status.json() == {"configured": False}
    assert requests.get(f"{hub.url}/user/jisu/govlab-share/status", timeout=30, allow_redirects=False).status_code in (
        302,
        403,
    )
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", "jisu")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("#login_submit")
    page.wait_for_url("**/user/jisu/**", timeout=180_000)
    page.goto(f"{hub.url}/user/jisu/lab/workspaces/share-off/tree/보고서.ipynb")
    button = page.locator("[data-govlab=share-button]:visible").first
    try:
        button.wait_for(timeout=120_000)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "share-off-button.png"))
    # JupyterLab's <jp-button> web component: disabled for the user and for screen readers.
    assert button.get_attribute("disabled") is not None and button.get_attribute("aria-disabled") == "true"
    assert button.get_attribute("title") == TOOLTIP
    assert button.get_attribute("data-sharing") == "not-configured"
    button.click(force=True)  # a click on it opens nothing
    page.wait_for_timeout(1000)
    assert page.locator(".jp-Dialog").count() == 0
