"""The share dialog's quality check in Chromium: on by default, progress per cell, a
cancel that shares nothing, a failure that names the cell and the missing module and
still lets the official share, and a skip that needs a reason.

Real hub, lab, kernels (the check runs nbclient in the lab) and Chromium; the loopback
GitLab. One hub for the module (spawns are costly).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from urllib.parse import urlsplit

import gitlab as python_gitlab
import nbformat
import pytest

from tests.integration.test_browser import ARTIFACTS, sign_in
from tests.integration.test_share_dialog import git_files, open_share_dialog, wait_result
from tests.support.gitlabhub import gallery_settings
from tests.support.hub import base_settings, hub_with_lab

pytestmark = [pytest.mark.hub, pytest.mark.browser]

USER = "minsu"  # the user test_share_dialog's helpers open the lab of


def notebook(title: str, *codes: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}")] + [nbformat.v4.new_code_cell(c) for c in codes]
    return nb


@pytest.fixture(scope="module")
def hub(tmp_path_factory, _gitlab_server_session):
    gitlab = _gitlab_server_session
    gitlab.reset()
    gitlab.add_user("kim", name="김민수", email="kim@example.go.kr")
    gitlab.add_user("gallery-bot")
    bot_token = gitlab.add_token("gallery-bot", scopes=("read_api",))
    # The gallery counts improvement requests for the dialog (the lab holds no token).
    sharing = {"agency": "행정안전부", "default_visibility": "internal"}
    gallery = gallery_settings()
    with share_hub(tmp_path_factory, gitlab, sharing, gallery, {"TEST_GALLERY_TOKEN": bot_token}) as running:
        yield running, running.user_token, gitlab
    gitlab.reset()


@contextlib.contextmanager
def share_hub(tmp_path_factory, gitlab, sharing: dict, gallery: dict | None = None, env: dict | None = None):
    """A hub sharing with kim's GitLab token in password mode, kim's lab started."""
    tmp = tmp_path_factory.mktemp("share-quality")
    sharing = {"gitlab_url": gitlab.url, "token": {"env": "GOVLAB_GITLAB_TOKEN"}, **sharing}
    settings = base_settings(tmp / "state", sharing=sharing, **({"gallery": gallery} if gallery else {}))
    env = {"GOVLAB_GITLAB_TOKEN": gitlab.add_token("kim", scopes=("api",)), **(env or {})}
    with hub_with_lab(tmp, settings, USER, env=env) as running:
        yield running


def gitlab_api(gitlab):
    return python_gitlab.Gitlab(gitlab.url, private_token=gitlab.add_token("kim", scopes=("api",)))


def manifest_of(gitlab, web_url: str) -> dict:
    files = git_files(gitlab.bare_repo_path(web_url.removeprefix(gitlab.url + "/")))
    return json.loads(files["govlab-manifest.json"])


def submit_and_catch_job(page) -> str:
    """Click 공유 and return the id of the check the dialog starts (C1 POST quality)."""
    with page.expect_response(
        # The lab's requests carry a cache-busting query.
        lambda r: urlsplit(r.url).path.endswith("/govlab-share/quality") and r.request.method == "POST"
    ) as started:
        page.locator("[data-govlab=share-submit]").click()
    response = started.value
    assert response.status == 202
    return response.json()["id"]


def test_check_is_on_by_default_shows_progress_and_is_recorded(hub, page):
    running, user_token, gitlab = hub
    nb_path = "월별집계.ipynb"
    nb = notebook("월별 집계", "x = 1", "import time\ntime.sleep(4)", "print(x + 1)")
    assert running.put_file(USER, nb_path, nb, token=user_token).status_code == 201

    sign_in(page, running, USER)
    open_share_dialog(page, running, nb_path, "quality-pass")
    section = page.locator("[data-govlab=share-quality-section]")
    assert "공유 전에 노트북을 처음부터 새 커널로 다시 실행해 봅니다" in section.inner_text()
    assert page.locator("[data-govlab=share-quality]").is_checked()
    assert page.locator("[data-govlab=share-quality-reason-row]").is_hidden()
    # Never shared: no improvement-request line.
    assert page.locator("[data-govlab=share-requests]").inner_text().strip() == ""

    job = submit_and_catch_job(page)
    line = page.locator("[data-govlab=share-quality-line]")
    # The sleeping cell is cell 2 of 3 code cells: the progress names it.
    page.wait_for_function(
        "() => /셀 2\\/3 실행 중 · \\d+초 \\/ Running cell 2 of 3/.test("
        "document.querySelector('[data-govlab=share-quality-line]')?.textContent || '')",
        timeout=60_000,
    )
    assert "셀 2/3 실행 중" in line.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "share-quality-progress.png"))

    note = page.locator("[data-govlab=share-result-quality]")
    note.wait_for(timeout=120_000)
    assert re.search(r"재실행 확인됨 · \d+초 / Re-run passed · \d+ s", note.inner_text()), note.inner_text()
    web_url = wait_result(page)
    quality = manifest_of(gitlab, web_url)["quality"]
    assert quality["state"] == "passed" and quality["passed"] is True
    assert quality["seconds"] >= 4
    status = running.lab("GET", USER, f"/govlab-share/quality/{job}", token=user_token).json()
    assert status["state"] == "passed" and status["done"] == 3

    # Colleagues file improvement requests (labelled GitLab issues): the author's
    # next dialog counts the open ones and links to them.
    project = gitlab_api(gitlab).projects.get(web_url.removeprefix(gitlab.url + "/"))
    for title in ("오류 수정 요청", "설명 보완 요청"):
        project.issues.create({"title": title, "labels": "개선요청"})
    done = project.issues.create({"title": "끝난 요청", "labels": "개선요청"})
    done.state_event = "close"
    done.save()
    project.issues.create({"title": "개선 요청이 아닌 이슈"})
    # The gallery reads the counts in the background (refresh_every): wait for them.
    deadline = time.monotonic() + 90
    while True:
        counts = running.lab("GET", USER, "/govlab-share/requests", token=user_token, params={"path": nb_path})
        if (counts.status_code == 200 and counts.json()["open"] == 2) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert counts.status_code == 200 and counts.json()["open"] == 2, counts.text
    open_share_dialog(page, running, nb_path, "quality-pass")
    slot = page.locator("[data-govlab=share-requests]")
    page.wait_for_function(
        "() => document.querySelector('[data-govlab=share-requests]')?.dataset.state !== 'loading'", timeout=60_000
    )
    assert slot.get_attribute("data-state") == "shown", slot.inner_text()
    link = page.locator("[data-govlab=share-requests-link]")
    link.wait_for(timeout=60_000)
    assert link.inner_text() == "열린 개선 요청 2건 · 보기 / 2 open improvement requests · view"
    assert link.get_attribute("href") == counts.json()["url"] and "#requests" in counts.json()["url"]


def test_failed_check_names_cell_and_module_and_can_share_anyway(hub, page):
    running, user_token, gitlab = hub
    nb_path = "지도분석.ipynb"
    nb = notebook("지도 분석", "print('준비')", "import govlab_no_such_module\nprint('지도')")
    assert running.put_file(USER, nb_path, nb, token=user_token).status_code == 201

    sign_in(page, running, USER)
    open_share_dialog(page, running, nb_path, "quality-fail")
    page.locator("[data-govlab=share-description]").fill("지도를 그립니다")
    submit_and_catch_job(page)
    failed = page.locator("[data-govlab=share-quality-failed]")
    failed.wait_for(timeout=120_000)
    # The markdown title is cell 1: the import is notebook cell 3.
    assert failed.get_attribute("data-cell") == "3"
    assert "3번째 셀에서 재실행이 멈췄습니다" in failed.inner_text()
    assert "The re-run stopped at cell 3." in failed.inner_text()
    assert "ModuleNotFoundError" in page.locator("[data-govlab=share-quality-error]").inner_text()
    missing = page.locator("[data-govlab=share-quality-missing]")
    assert missing.get_attribute("data-module") == "govlab_no_such_module"
    assert "없는 모듈: govlab_no_such_module" in missing.inner_text()
    page.screenshot(path=str(ARTIFACTS / "share-quality-failed.png"))

    # Back to fix: the filled form, nothing sent.
    page.locator("[data-govlab=share-quality-back]").click()
    page.locator("[data-govlab=share-dialog]").wait_for()
    assert page.locator("[data-govlab=share-description]").input_value() == "지도를 그립니다"
    assert page.locator("[data-govlab=share-previous]").count() == 0

    # A failed check does not block: 그래도 공유 shares it, recorded as failed.
    submit_and_catch_job(page)
    page.locator("[data-govlab=share-quality-anyway]").click()
    note = page.locator("[data-govlab=share-result-quality]")
    note.wait_for(timeout=120_000)
    assert "품질 점검 실패" in note.inner_text()
    web_url = wait_result(page)
    quality = manifest_of(gitlab, web_url)["quality"]
    assert quality["state"] == "failed" and quality["missing_module"] == "govlab_no_such_module"
    assert quality["failing_cell"]["index"] == 2


def test_cancel_returns_to_the_form_and_shares_nothing(hub, page):
    running, user_token, gitlab = hub
    nb_path = "긴계산.ipynb"
    nb = notebook("긴 계산", "import time\ntime.sleep(120)")
    assert running.put_file(USER, nb_path, nb, token=user_token).status_code == 201

    sign_in(page, running, USER)
    open_share_dialog(page, running, nb_path, "quality-cancel")
    page.locator("[data-govlab=share-title]").fill("긴 계산 정리")
    job = submit_and_catch_job(page)
    page.wait_for_function(
        "() => (document.querySelector('[data-govlab=share-quality-line]')?.textContent || '')"
        ".includes('셀 1/1 실행 중')",
        timeout=60_000,
    )
    cancel = page.locator("[data-govlab=share-quality-cancel]")
    assert "점검 취소" in cancel.inner_text()
    cancel.click()
    page.locator("[data-govlab=share-dialog]").wait_for()
    assert page.locator("[data-govlab=share-title]").input_value() == "긴 계산 정리"
    # The check was stopped on the server, well before its cell would end.
    status = {}
    for _ in range(30):
        status = running.lab("GET", USER, f"/govlab-share/quality/{job}", token=user_token).json()
        if status["state"] != "running":
            break
        page.wait_for_timeout(500)
    assert status["state"] == "cancelled" and status["done"] == 0
    # Nothing was shared: the next form is still a first share.
    page.locator("[data-govlab=share-cancel]").click()
    page.locator("[data-govlab=share-dialog]").wait_for(state="detached")
    open_share_dialog(page, running, nb_path, "quality-cancel")
    assert page.locator("[data-govlab=share-previous]").count() == 0


def test_skipping_needs_a_reason_and_is_recorded(hub, page):
    running, user_token, gitlab = hub
    nb_path = "내부망자료.ipynb"
    assert running.put_file(USER, nb_path, notebook("내부망 자료", "print(1)"), token=user_token).status_code == 201

    sign_in(page, running, USER)
    open_share_dialog(page, running, nb_path, "quality-skip")
    page.locator("[data-govlab=share-quality]").uncheck()
    reason = page.locator("[data-govlab=share-quality-reason]")
    reason.wait_for()
    # Off without a reason: 공유 is disabled.
    assert page.locator("[data-govlab=share-submit]").is_disabled()
    # Spaces only pass the browser's check and are refused with a message.
    reason.fill("   ")
    page.locator("[data-govlab=share-submit]").click()
    problem = page.locator("[data-govlab=share-error-dialog] [data-govlab=share-error][data-code=bad_request]")
    problem.wait_for()
    assert "이유를 적어 주세요" in problem.inner_text()
    page.locator("[data-govlab=share-close]").click()
    page.locator("[data-govlab=share-dialog]").wait_for()
    assert not page.locator("[data-govlab=share-quality]").is_checked()

    # A megabyte pasted in: at most 500 characters are kept and sent.
    page.locator("[data-govlab=share-quality-reason]").fill("내부망 데이터 " + "가" * (1 << 20))
    assert len(page.locator("[data-govlab=share-quality-reason]").input_value()) <= 500
    assert page.locator("[data-govlab=share-submit]").is_enabled()
    page.locator("[data-govlab=share-submit]").click()
    note = page.locator("[data-govlab=share-result-quality]")
    note.wait_for(timeout=120_000)
    assert "품질 점검 건너뜀" in note.inner_text()
    assert page.locator("[data-govlab=share-quality-dialog]").count() == 0  # no check ran
    web_url = wait_result(page)
    quality = manifest_of(gitlab, web_url)["quality"]
    assert quality["state"] == "skipped"
    assert quality["reason"].startswith("내부망 데이터") and len(quality["reason"]) <= 500

    # The re-share's form starts with the check on again.
    open_share_dialog(page, running, nb_path, "quality-skip")
    assert page.locator("[data-govlab=share-quality]").is_checked()


@contextlib.contextmanager
def hub_with_quality(tmp_path_factory, gitlab, quality_check: dict):
    """A hub of its own for settings the module's hub does not have."""
    sharing = {"default_visibility": "private", "quality_check": quality_check}
    with share_hub(tmp_path_factory, gitlab, sharing) as running:
        yield running, running.user_token


def test_a_notebook_that_never_ends_fails_at_the_time_limit(hub, tmp_path_factory, page):
    _, _, gitlab = hub
    with hub_with_quality(tmp_path_factory, gitlab, {"time_limit_seconds": 10}) as (running, user_token):
        nb_path = "끝없는계산.ipynb"
        nb = notebook("끝없는 계산", "print('시작')", "while True:\n    pass")
        assert running.put_file(USER, nb_path, nb, token=user_token).status_code == 201
        sign_in(page, running, USER)
        open_share_dialog(page, running, nb_path, "quality-limit")
        submit_and_catch_job(page)
        failed = page.locator("[data-govlab=share-quality-failed]")
        failed.wait_for(timeout=90_000)
        where = page.locator("[data-govlab=share-quality-where]").inner_text()
        assert "시간 제한(10초)" in where and "time limit (10 s)" in where
        assert failed.get_attribute("data-cell") == "3"
        page.locator("[data-govlab=share-quality-anyway]").click()
        web_url = wait_result(page)
        quality = manifest_of(gitlab, web_url)["quality"]
        assert quality["state"] == "timeout" and quality["time_limit"] == 10


def test_no_section_when_the_settings_turn_the_check_off(hub, tmp_path_factory, page):
    _, _, gitlab = hub
    with hub_with_quality(tmp_path_factory, gitlab, {"enabled": False}) as (running, user_token):
        nb_path = "점검없음.ipynb"
        assert running.put_file(USER, nb_path, notebook("점검 없음", "print(1)"), token=user_token).status_code == 201
        sign_in(page, running, USER)
        open_share_dialog(page, running, nb_path, "quality-off")
        assert page.locator("[data-govlab=share-scan-note]").is_visible()
        assert page.locator("[data-govlab=share-quality-section]").count() == 0
        page.locator("[data-govlab=share-submit]").click()
        web_url = wait_result(page)
        assert page.locator("[data-govlab=share-quality-dialog]").count() == 0
        assert manifest_of(gitlab, web_url)["quality"] == {"state": "unchecked"}
