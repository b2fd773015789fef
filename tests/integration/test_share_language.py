"""The share extension speaks the lab's language, through JupyterLab's translator and our
Korean catalogue: a lab in Korean (the govlab default) shows the share button and dialog
in Korean, and the same official's lab switched to English shows them in English.

Real hub, lab and Chromium; the loopback GitLab (sharing must be configured for the
dialog to open)."""

from __future__ import annotations

import json

import nbformat
import pytest

from tests.integration.test_browser import ARTIFACTS, sign_in
from tests.support.hub import RunningHub, base_settings

pytestmark = [pytest.mark.hub, pytest.mark.browser]

USER = "haneul"
NOTEBOOK = "보고서.ipynb"
LANGUAGE_SETTINGS = "/lab/api/settings/@jupyterlab/translation-extension:plugin"


@pytest.fixture(scope="module")
def hub(tmp_path_factory, _gitlab_server_session):
    gitlab = _gitlab_server_session
    gitlab.reset()
    gitlab.add_user("kim", name="김민수", email="kim@example.go.kr")
    token = gitlab.add_token("kim", scopes=("api",))
    tmp = tmp_path_factory.mktemp("share-language")
    settings = base_settings(
        tmp / "state",
        sharing={"gitlab_url": gitlab.url, "token": {"env": "GOVLAB_GITLAB_TOKEN"}, "agency": "행정안전부"},
    )
    running = RunningHub(tmp, settings, env={"GOVLAB_GITLAB_TOKEN": token}).start()
    try:
        user_token = running.create_user(USER)
        running.start_server(USER)
        nb = nbformat.v4.new_notebook()
        # A kernel named up front: no kernel-choice dialog in the way of the toolbar.
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        nb.cells = [nbformat.v4.new_markdown_cell("# 보고서")]
        assert running.put_file(USER, NOTEBOOK, nb, token=user_token).status_code == 201
        yield running, user_token
    finally:
        running.kill_everything()
        gitlab.reset()


def open_dialog(page, running, workspace: str):
    page.goto(f"{running.url}/user/{USER}/lab/workspaces/{workspace}/tree/{NOTEBOOK}")
    page.locator(f".lm-TabBar-tab.jp-mod-current:has-text('{NOTEBOOK}')").wait_for(timeout=120_000)
    button = page.locator("[data-govlab=share-button]:visible").first
    label = button.inner_text().strip()
    button.click()
    dialog = page.locator("[data-govlab=share-dialog]")
    dialog.wait_for()
    try:
        texts = {
            "button": label,
            "dialog": dialog.inner_text(),
            "internal": dialog.locator("option[value=internal]").inner_text().strip(),
        }
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"share-language-{workspace}.png"))
    page.locator("[data-govlab=share-cancel]").click()
    dialog.wait_for(state="detached")
    return texts


def test_korean_lab_then_english_lab(hub, page):
    running, user_token = hub
    sign_in(page, running, USER)

    korean = open_dialog(page, running, "language-ko")
    assert korean["button"] == "GitLab에 공유"
    assert "공개 범위" in korean["dialog"] and "출력 결과 포함" in korean["dialog"]
    assert korean["internal"] == "내부 (Internal)"

    # The official picks English in the lab (Settings > Language), then reloads.
    answer = running.lab("PUT", USER, LANGUAGE_SETTINGS, token=user_token, json={"raw": json.dumps({"locale": "en"})})
    assert answer.status_code == 204, answer.text
    english = open_dialog(page, running, "language-en")
    assert english["button"] == "Share to GitLab"
    assert "Visibility" in english["dialog"] and "Include outputs" in english["dialog"]
    assert "공개 범위" not in english["dialog"] and "출력 결과 포함" not in english["dialog"]
    assert english["internal"] == "Internal"
