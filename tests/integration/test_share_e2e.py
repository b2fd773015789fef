"""One click shares a notebook with its prompt history: real hub, lab, Chromium, git."""

from __future__ import annotations

import hashlib
import json
import subprocess

import nbformat
import pytest

from tests.integration.test_browser import ARTIFACTS, sign_in
from tests.support.chat import ask
from tests.support.hub import MOCK_ANSWER, RunningHub, base_settings
from tests.support.kernel import execute

pytestmark = [pytest.mark.hub, pytest.mark.browser]

NOTEBOOK = "민원분석.ipynb"
CHAT = "민원분석.chat"
QUESTION = "민원 CSV를 월별로 집계하는 코드를 써 줘"


def git_show(bare: str, path: str) -> bytes:
    return subprocess.run(["git", "--git-dir", bare, "show", f"HEAD:{path}"], capture_output=True, check=True).stdout


def git_files(bare: str) -> set[str]:
    out = subprocess.run(
        ["git", "-c", "core.quotePath=false", "--git-dir", bare, "ls-tree", "-r", "--name-only", "HEAD"],
        capture_output=True,
        check=True,
        text=True,
    )
    return set(out.stdout.splitlines())


@pytest.fixture
def sharing_hub(tmp_path, gitlab_server):
    gitlab_server.add_user("kim", name="김민수", email="kim@example.go.kr")
    token = gitlab_server.add_token("kim", scopes=("api",))
    settings = base_settings(
        tmp_path / "state",
        sharing={
            "gitlab_url": gitlab_server.url,
            "token": {"env": "GOVLAB_GITLAB_TOKEN"},
            "agency": "행정안전부",
            "default_visibility": "internal",
        },
    )
    hub = RunningHub(tmp_path, settings, env={"GOVLAB_GITLAB_TOKEN": token}).start()
    try:
        yield hub, token
    finally:
        hub.kill_everything()


def test_one_click_share_from_the_lab(sharing_hub, gitlab_server, page):
    hub, gitlab_token = sharing_hub
    user_token = hub.create_user("minsu")
    hub.start_server("minsu")

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 민원 데이터 분석\n월별 민원 건수를 집계합니다."),
        nbformat.v4.new_code_cell(
            "print('집계 완료')",
            execution_count=1,
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="집계 완료\n")],
        ),
    ]
    assert hub.put_file("minsu", NOTEBOOK, nb, token=user_token).status_code == 201
    hub.put_file("minsu", "다른대화.chat", "{}", token=user_token)
    hub.put_file("minsu", CHAT, "{}", token=user_token)
    # A real Jupyternaut chat with the notebook attached, as the chat's attach button does.
    answer = ask(
        hub.url,
        "minsu",
        CHAT,
        user_token,
        QUESTION,
        attachments=[{"type": "notebook", "value": NOTEBOOK, "cells": [{"id": nb.cells[1].id, "input_type": "code"}]}],
    )
    assert answer["body"] == MOCK_ANSWER
    before = hub.lab("GET", "minsu", f"/api/contents/{NOTEBOOK}", token=user_token).json()

    sign_in(page, hub, "minsu")
    page.goto(f"{hub.url}/user/minsu/lab/tree/{NOTEBOOK}")
    page.locator("[data-govlab=share-button]").first.click()
    dialog = page.locator("[data-govlab=share-dialog]")
    dialog.wait_for()
    assert page.locator("[data-govlab=share-title]").input_value() == "민원 데이터 분석"
    assert page.locator("[data-govlab=share-visibility]").input_value() == "internal"
    linked = page.locator(f"[data-govlab=share-chat][data-path='{CHAT}']")
    other = page.locator("[data-govlab=share-chat][data-path='다른대화.chat']")
    assert linked.is_checked() and not other.is_checked()
    assert not page.locator("[data-govlab=share-keep-outputs]").is_checked()
    page.locator("[data-govlab=share-description]").fill("매월 민원 CSV를 모아 건수를 집계하는 노트북")
    page.locator("[data-govlab=share-submit]").click()
    link = page.locator("[data-govlab=share-result-link]")
    link.wait_for(timeout=120_000)
    web_url = link.get_attribute("href")
    assert web_url.startswith(gitlab_server.url + "/kim/minwonbunseog-")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "share-result.png"))

    # What landed in GitLab: one commit with the notebook, chat, transcript, README, manifest.
    project = web_url.removeprefix(gitlab_server.url + "/")
    bare = gitlab_server.bare_repo_path(project)
    files = git_files(bare)
    assert {NOTEBOOK, f"chats/{CHAT}", "README.md", "govlab-manifest.json"} <= files
    assert any(f.startswith("chats/") and f.endswith(".md") for f in files)
    assert "chats/다른대화.chat" not in files
    shared_nb = nbformat.reads(git_show(bare, NOTEBOOK).decode(), as_version=4)
    assert shared_nb.cells[1].outputs == [] and shared_nb.cells[1].execution_count is None
    assert shared_nb.cells[1].source == "print('집계 완료')"
    chat_in_lab = hub.lab("GET", "minsu", f"/api/contents/{CHAT}?format=text&type=file", token=user_token).json()[
        "content"
    ]
    assert git_show(bare, f"chats/{CHAT}") == chat_in_lab.encode()
    transcript = next(git_show(bare, f).decode() for f in files if f.startswith("chats/") and f.endswith(".md"))
    assert QUESTION in transcript and MOCK_ANSWER in transcript and "AI 도우미" in transcript
    readme = git_show(bare, "README.md").decode()
    for text in ("민원 데이터 분석", "매월 민원 CSV를 모아", "행정안전부", "openai/mock-model", "git-pull"):
        assert text in readme, text
    manifest = json.loads(git_show(bare, "govlab-manifest.json"))
    digests = json.dumps(manifest)
    assert hashlib.sha256(git_show(bare, NOTEBOOK)).hexdigest() in digests
    commits = subprocess.run(
        ["git", "--git-dir", bare, "rev-list", "--count", "HEAD"], capture_output=True, text=True, check=True
    )
    assert commits.stdout.strip() == "1"

    # The user's notebook keeps its cells and outputs (the lab may have saved kernel
    # metadata before sharing; the share itself only reads), and the token never
    # reached user code.
    after = hub.lab("GET", "minsu", f"/api/contents/{NOTEBOOK}", token=user_token).json()
    assert after["content"]["cells"] == before["content"]["cells"]
    assert after["content"]["cells"][1]["outputs"][0]["text"] == "집계 완료\n"
    kernel = hub.lab("POST", "minsu", "/api/kernels", token=user_token, json={"name": "python3"}).json()
    leaked = execute(
        hub.url, "minsu", kernel["id"], user_token, "import os; print(os.environ.get('GOVLAB_GITLAB_TOKEN'))"
    )
    assert leaked.strip() == "None"
    assert gitlab_token not in page.content()
