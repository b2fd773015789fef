"""The share dialog in Chromium: a re-share starts from the last share, removing a chat
needs a confirmation that names it, the blocked view leads back to the form, and the
overwrite view overwrites a project changed on GitLab only when asked.

Real hub, lab and Chromium; the loopback GitLab. One hub for the module (spawns are costly).
"""

from __future__ import annotations

import json
import subprocess

import gitlab as python_gitlab
import nbformat
import pytest

from tests.integration.test_browser import ARTIFACTS, sign_in
from tests.support.hub import RunningHub, base_settings

pytestmark = [pytest.mark.hub, pytest.mark.browser]

USER = "minsu"
AI = "jupyter-ai-personas::jupyter_ai_jupyternaut::JupyternautPersona"


def git_files(bare: str) -> dict[str, bytes]:
    names = subprocess.run(
        ["git", "-c", "core.quotePath=false", "--git-dir", bare, "ls-tree", "-r", "--name-only", "HEAD"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout.splitlines()
    return {
        n: subprocess.run(["git", "--git-dir", bare, "show", f"HEAD:{n}"], capture_output=True, check=True).stdout
        for n in names
    }


def notebook(title: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}"), nbformat.v4.new_code_cell("print('집계')")]
    return nb


def chat(question: str, attach: str | None = None) -> str:
    """A jupyterlab-chat document: the official's question and the assistant's answer."""
    attachments = {"a1": {"type": "notebook", "value": attach}} if attach else {}
    doc = {
        "messages": [
            {
                "type": "msg",
                "id": "m1",
                "time": 1764064800.0,
                "sender": "u1",
                "body": question,
                "attachments": ["a1"] if attach else [],
                "raw_time": False,
            },
            {
                "type": "msg",
                "id": "m2",
                "time": 1764064805.0,
                "sender": AI,
                "body": "네, 도와드릴게요.",
                "raw_time": False,
            },
        ],
        "users": {
            "u1": {"username": "u1", "name": "김민수", "bot": False},
            AI: {"username": AI, "name": "Jupyternaut", "bot": True},
        },
        "attachments": attachments,
        "metadata": {"id": "chat"},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, _gitlab_server_session):
    gitlab = _gitlab_server_session
    gitlab.reset()
    gitlab.add_user("kim", name="김민수", email="kim@example.go.kr")
    token = gitlab.add_token("kim", scopes=("api",))
    tmp = tmp_path_factory.mktemp("share-dialog")
    settings = base_settings(
        tmp / "state",
        sharing={
            "gitlab_url": gitlab.url,
            "token": {"env": "GOVLAB_GITLAB_TOKEN"},
            "agency": "행정안전부",
            "default_visibility": "internal",
        },
    )
    running = RunningHub(tmp, settings, env={"GOVLAB_GITLAB_TOKEN": token}).start()
    try:
        user_token = running.create_user(USER)
        running.start_server(USER)
        yield running, user_token, gitlab
    finally:
        running.kill_everything()
        gitlab.reset()


def open_share_dialog(page, hub, path: str, workspace: str):
    # A workspace of its own: the lab does not restore the other tests' notebooks.
    page.goto(f"{hub.url}/user/{USER}/lab/workspaces/{workspace}/tree/{path}")
    name = path.rsplit("/", 1)[-1]
    page.locator(f".lm-TabBar-tab.jp-mod-current:has-text('{name}')").wait_for()
    page.locator("[data-govlab=share-button]:visible").first.click()
    page.locator("[data-govlab=share-dialog]").wait_for()


def chat_box(page, path: str):
    return page.locator(f"[data-govlab=share-dialog] [data-govlab=share-chat][data-path='{path}']")


def wait_result(page) -> str:
    link = page.locator("[data-govlab=share-result-link]")
    link.wait_for(timeout=120_000)
    href = link.get_attribute("href")
    page.locator("[data-govlab=share-close]").click()
    page.locator("[data-govlab=share-result-dialog]").wait_for(state="detached")
    return href


def test_reshare_starts_from_the_last_share_and_confirms_chat_removal(hub, page):
    running, user_token, gitlab = hub
    nb_path, linked, other = "민원분석.ipynb", "민원분석.chat", "예산.chat"
    workspace = "reshare"
    assert running.put_file(USER, nb_path, notebook("민원 데이터 분석"), token=user_token).status_code == 201
    running.put_file(USER, linked, chat("민원 CSV를 월별로   집계해 줘", attach=nb_path), token=user_token)
    running.put_file(USER, other, chat("올해 예산 집행률을 알려줘"), token=user_token)

    sign_in(page, running, USER)
    open_share_dialog(page, running, nb_path, workspace)
    # Each chat shows its first question under its name.
    preview = page.locator(f"[data-govlab=share-chat-preview][data-path='{other}']")
    assert preview.inner_text() == "올해 예산 집행률을 알려줘"
    assert (
        page.locator(f"[data-govlab=share-chat-preview][data-path='{linked}']").inner_text()
        == "민원 CSV를 월별로 집계해 줘"
    )
    assert chat_box(page, linked).is_checked() and not chat_box(page, other).is_checked()
    page.locator("[data-govlab=share-title]").fill("민원 월별 집계")
    page.locator("[data-govlab=share-description]").fill("매월 민원 건수를 집계합니다")
    page.locator("[data-govlab=share-visibility]").select_option("private")
    chat_box(page, other).check()
    page.locator("[data-govlab=share-submit]").click()
    web_url = wait_result(page)
    bare = gitlab.bare_repo_path(web_url.removeprefix(gitlab.url + "/"))
    assert {f"chats/{linked}", f"chats/{other}"} <= set(git_files(bare))

    # The re-share's form is the last share's form.
    open_share_dialog(page, running, nb_path, workspace)
    assert page.locator("[data-govlab=share-title]").input_value() == "민원 월별 집계"
    assert page.locator("[data-govlab=share-description]").input_value() == "매월 민원 건수를 집계합니다"
    assert page.locator("[data-govlab=share-visibility]").input_value() == "private"
    assert chat_box(page, linked).is_checked() and chat_box(page, other).is_checked()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "share-reshare-form.png"))

    # Unticking a chat shared before asks first, naming it; going back keeps the form.
    chat_box(page, linked).uncheck()
    page.locator("[data-govlab=share-submit]").click()
    confirm = page.locator("[data-govlab=share-remove-chats]")
    confirm.wait_for()
    assert "다음 대화를 GitLab 저장소에서 삭제합니다" in confirm.inner_text()
    assert page.locator("[data-govlab=share-remove-list]").inner_text().strip() == "민원분석"
    page.locator("[data-govlab=share-back]").click()
    page.locator("[data-govlab=share-dialog]").wait_for()
    assert page.locator("[data-govlab=share-description]").input_value() == "매월 민원 건수를 집계합니다"
    assert not chat_box(page, linked).is_checked()
    assert len(git_files(bare)) and f"chats/{linked}" in git_files(bare)  # nothing sent yet

    page.locator("[data-govlab=share-submit]").click()
    page.locator("[data-govlab=share-remove-confirm]").click()
    assert wait_result(page) == web_url
    files = git_files(bare)
    assert f"chats/{linked}" not in files and f"chats/{other}" in files
    assert "매월 민원 건수를 집계합니다" in files["README.md"].decode()


def test_blocked_view_names_the_place_and_leads_back_to_the_form(hub, page):
    running, user_token, gitlab = hub
    nb_path, chat_path = "연락처정리.ipynb", "연락처정리.chat"
    workspace = "blocked"
    running.put_file(USER, nb_path, notebook("연락처 정리"), token=user_token)
    running.put_file(USER, chat_path, chat("담당자 010-2345-6789 에게 보낼 문구", attach=nb_path), token=user_token)

    sign_in(page, running, USER)
    open_share_dialog(page, running, nb_path, workspace)
    assert chat_box(page, chat_path).is_checked()  # linked: ticked by default
    page.locator("[data-govlab=share-description]").fill("연락처를 정리합니다")
    page.locator("[data-govlab=share-submit]").click()

    error = page.locator("[data-govlab=share-error][data-code=scan_blocked]")
    error.wait_for(timeout=120_000)
    # The server's message: Korean first, the English one beside it.
    assert "공유를 멈췄습니다" in error.locator(".jp-govlab-error-message").inner_text()
    assert "The scan found 1 secret(s)" in error.locator(".jp-govlab-error-message-alt").inner_text()
    assert page.locator("[data-govlab=share-failed-step][data-step=scan]").count() == 1
    scan_step = error.locator("[data-govlab=share-step][data-step=scan]")
    assert scan_step.get_attribute("data-state") == "failed" and "검사" in scan_step.inner_text()
    assert error.locator("[data-govlab=share-step][data-step=upload]").get_attribute("data-state") == "pending"
    finding = page.locator("[data-govlab=share-findings] [data-govlab=share-finding][data-kind=mobile_phone]")
    assert finding.count() == 1  # once, even though the transcript repeats it
    location = finding.locator("[data-govlab=share-finding-location]").inner_text()
    assert "대화" in location and "메시지" in location, location
    assert "010-2345-6789" not in error.inner_text()  # masked
    page.screenshot(path=str(ARTIFACTS / "share-blocked.png"))

    page.locator("[data-govlab=share-back]").click()
    page.locator("[data-govlab=share-dialog]").wait_for()
    assert page.locator("[data-govlab=share-description]").input_value() == "연락처를 정리합니다"
    assert chat_box(page, chat_path).is_checked()
    chat_box(page, chat_path).uncheck()
    page.locator("[data-govlab=share-submit]").click()
    web_url = wait_result(page)
    files = git_files(gitlab.bare_repo_path(web_url.removeprefix(gitlab.url + "/")))
    assert nb_path in files and not any(f.startswith("chats/") for f in files)
    assert all(b"010-2345-6789" not in data for data in files.values())


def test_extra_files_suggested_added_and_restored(hub, page):
    running, user_token, gitlab = hub
    nb = notebook("월별 집계")
    nb.cells.append(nbformat.v4.new_code_cell("import 도우미\nimport pandas as pd\ndf = pd.read_csv('월별.csv')"))
    nb_path = "집계/월별집계.ipynb"
    running.lab("PUT", USER, "/api/contents/집계", token=user_token, json={"type": "directory"})
    assert running.put_file(USER, nb_path, nb, token=user_token).status_code == 201
    running.put_file(USER, "집계/월별.csv", "월,건수\n1,3\n", token=user_token)
    running.put_file(USER, "집계/도우미.py", "def 합계(x):\n    return sum(x)\n", token=user_token)
    running.put_file(USER, "집계/메모.txt", "참고 메모\n", token=user_token)

    sign_in(page, running, USER)
    open_share_dialog(page, running, nb_path, "files")
    csv = page.locator("[data-govlab=share-file][data-path='집계/월별.csv']")
    module = page.locator("[data-govlab=share-file][data-path='집계/도우미.py']")
    assert not csv.is_checked() and not module.is_checked()  # suggested, unticked
    files = page.locator("[data-govlab=share-files]").inner_text()
    assert "노트북이 불러옴 / imported by the notebook" in files
    csv.check()
    # A file the notebook does not name: typed in, Enter adds it (and does not submit).
    page.locator("[data-govlab=share-file-input]").fill("집계/메모.txt")
    page.locator("[data-govlab=share-file-input]").press("Enter")
    assert page.locator("[data-govlab=share-file][data-path='집계/메모.txt']").is_checked()
    assert page.locator("[data-govlab=share-dialog]").is_visible()
    page.locator("[data-govlab=share-submit]").click()
    web_url = wait_result(page)
    files = git_files(gitlab.bare_repo_path(web_url.removeprefix(gitlab.url + "/")))
    assert files["월별.csv"] == "월,건수\n1,3\n".encode() and files["메모.txt"] == "참고 메모\n".encode()
    assert "도우미.py" not in files
    assert "월별.csv" in files["README.md"].decode()

    open_share_dialog(page, running, nb_path, "files")
    assert page.locator("[data-govlab=share-file][data-path='집계/월별.csv']").is_checked()
    assert page.locator("[data-govlab=share-file][data-path='집계/메모.txt']").is_checked()
    assert not page.locator("[data-govlab=share-file][data-path='집계/도우미.py']").is_checked()


def commit_count(bare: str) -> int:
    out = subprocess.run(
        ["git", "--git-dir", bare, "rev-list", "--count", "HEAD"], capture_output=True, check=True, text=True
    ).stdout
    return int(out)


def test_cancel_empty_title_and_overwrite_view(hub, page):
    running, user_token, gitlab = hub
    nb_path = "회의록정리.ipynb"
    workspace = "overwrite"
    assert running.put_file(USER, nb_path, notebook("회의록 정리"), token=user_token).status_code == 201

    sign_in(page, running, USER)
    # Cancel sends nothing: the next form is still a first share.
    open_share_dialog(page, running, nb_path, workspace)
    page.locator("[data-govlab=share-cancel]").click()
    page.locator("[data-govlab=share-dialog]").wait_for(state="detached")
    open_share_dialog(page, running, nb_path, workspace)
    assert page.locator("[data-govlab=share-previous]").count() == 0

    # An empty title disables the button; a title of spaces answers with the server's code.
    page.locator("[data-govlab=share-title]").fill("")
    page.locator("[data-govlab=share-description]").fill("회의록을 정리합니다")
    assert page.locator("[data-govlab=share-submit]").is_disabled()
    page.locator("[data-govlab=share-title]").fill("   ")
    assert page.locator("[data-govlab=share-submit]").is_enabled()
    page.locator("[data-govlab=share-submit]").click()
    problem = page.locator("[data-govlab=share-error-dialog] [data-govlab=share-error][data-code=bad_request]")
    problem.wait_for()
    assert problem.inner_text().strip()
    page.locator("[data-govlab=share-close]").click()
    page.locator("[data-govlab=share-dialog]").wait_for()
    assert page.locator("[data-govlab=share-description]").input_value() == "회의록을 정리합니다"

    page.locator("[data-govlab=share-title]").fill("회의록 정리")
    page.locator("[data-govlab=share-submit]").click()
    web_url = wait_result(page)
    project = web_url.removeprefix(gitlab.url + "/")
    bare = gitlab.bare_repo_path(project)

    # A colleague edits the project on GitLab.
    gl = python_gitlab.Gitlab(gitlab.url, private_token=gitlab.add_token("kim", scopes=("api",)))
    gl.projects.get(project).commits.create(
        {
            "branch": "main",
            "commit_message": "edit on GitLab",
            "actions": [
                {"action": "update", "file_path": "README.md", "content": "동료가 고친 README\n"},
                {"action": "create", "file_path": "notes.txt", "content": "동료의 메모\n"},
            ],
        }
    )
    commits = commit_count(bare)

    def reshare_until_conflict():
        open_share_dialog(page, running, nb_path, workspace)
        assert page.locator("[data-govlab=share-previous]").count() == 1
        page.locator("[data-govlab=share-submit]").click()
        view = page.locator("[data-govlab=share-error-dialog] [data-govlab=share-error][data-code=remote_changed]")
        view.wait_for(timeout=120_000)
        return view

    view = reshare_until_conflict()
    assert "GitLab의 파일이 바뀌었습니다" in view.locator(".jp-govlab-error-message").inner_text()
    assert "Files on GitLab changed" in view.locator(".jp-govlab-error-message-alt").inner_text()
    assert page.locator("[data-govlab=share-changed-files]").inner_text().split() == ["README.md"]
    assert "overwrite" in page.locator("[data-govlab=share-overwrite]").inner_text().lower()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "share-overwrite.png"))
    # Cancel leaves the colleague's edit as it is.
    page.locator("[data-govlab=share-cancel]").click()
    page.locator("[data-govlab=share-error-dialog]").wait_for(state="detached")
    assert page.locator("[data-govlab=share-result-dialog]").count() == 0
    assert commit_count(bare) == commits
    assert git_files(bare)["README.md"] == "동료가 고친 README\n".encode()

    # Overwrite shares to the same project, keeping the colleague's other files.
    reshare_until_conflict()
    page.locator("[data-govlab=share-overwrite]").click()
    assert wait_result(page) == web_url
    files = git_files(bare)
    assert commit_count(bare) == commits + 1
    assert "# 회의록 정리" in files["README.md"].decode() and files["notes.txt"] == "동료의 메모\n".encode()
