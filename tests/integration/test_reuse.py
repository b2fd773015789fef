"""Reuse figures end to end: a real hub with the gallery, real labs, the loopback GitLab,
nbgitpuller cloning over smart HTTP, Chromium, and real kernels.

kim shares a notebook; lee opens it from the gallery in her own lab and runs all its
cells in Chromium: the gallery's store records exactly one `rerun` of kim's project (a
second run in the same kernel session is not another). lee then shares her copy: the
manifest and README name kim's project as its origin and the store has a `share` event
with that origin. The hub runs in GitLab sign-in mode as in test_gallery.py.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.integration.test_browser import ARTIFACTS, dismiss_dialogs
from tests.integration.test_gallery import confirm_pull, wait_for
from tests.support.gitlabhub import gitlab_officials, gitlab_signin_hub, sign_in_and_start
from tests.support.hub import USER_PASSWORD

pytestmark = [pytest.mark.hub, pytest.mark.browser]

GROUP = "shared"
TITLE = "민원 재사용 분석"


def notebook() -> dict:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {TITLE}\n월별 민원 건수를 셉니다."),
        nbformat.v4.new_code_cell("counts = {'1월': 3, '2월': 5}"),
        nbformat.v4.new_code_cell("total = sum(counts.values())\nprint('합계', total)"),
    ]
    return nb


@pytest.fixture(scope="module")
def world(tmp_path_factory, _gitlab_server_session):
    gitlab = _gitlab_server_session
    gitlab.reset()
    tokens = gitlab_officials(gitlab, {"kim": "김민수", "lee": "이서연"})
    gitlab.add_group(GROUP, {"kim": 30, "lee": 30}, visibility="public")
    workdir = tmp_path_factory.mktemp("reuse-hub")
    hub = gitlab_signin_hub(workdir, gitlab, tokens, sharing={"namespace": GROUP, "default_visibility": "public"})
    hub.start()
    try:
        hub_tokens = sign_in_and_start(hub, ("kim", "lee"))
        assert hub.put_file("kim", "민원.ipynb", notebook(), token=hub_tokens["kim"]).status_code == 201
        r = hub.share("kim", hub_tokens["kim"], "민원.ipynb", TITLE, "재사용 수치를 확인합니다.", "public")
        assert r.status_code == 200, r.text
        yield {"hub": hub, "gitlab": gitlab, "tokens": hub_tokens, "shared": r.json(), "workdir": workdir}
    finally:
        hub.kill_everything()
        gitlab.reset()


def events(world, kind: str, project: str) -> list[tuple]:
    """Rows of the gallery's own store (its SQLite file under the hub's state dir)."""
    paths = list(world["workdir"].rglob("gallery.sqlite"))
    assert len(paths) == 1, paths
    db = sqlite3.connect(paths[0])
    try:
        return db.execute(
            "SELECT user, origin, quality FROM events WHERE kind = ? AND project = ? ORDER BY id", (kind, project)
        ).fetchall()
    finally:
        db.close()


def run_all_cells(page) -> None:
    """실행 → 모든 셀 실행 (Run → Run All Cells), as an official does it, until the last
    cell's output shows. A lab whose kernel is still starting may ask which kernel
    (accepted) or drop the first request, as test_browser.run_first_cell retries."""
    for _ in range(3):
        dismiss_dialogs(page)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^실행$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^모든 셀 실행$")).click()
        page.wait_for_timeout(1000)
        dismiss_dialogs(page)
        try:
            page.get_by_text("합계 8").wait_for(timeout=45_000)  # the last cell's output
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the notebook did not run")


def test_a_second_official_reruns_a_shared_notebook_and_shares_her_copy(world, page):
    hub, kim_project = world["hub"], world["shared"]["project"]
    # kim's share itself is an event: no origin, no quality check asked for.
    assert wait_for(lambda: events(world, "share", kim_project)) == [("kim", None, "unchecked")]

    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", "lee")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("#login_submit")
    page.wait_for_url("**/user/lee/**", timeout=120_000)
    page.goto(f"{hub.url}/services/gallery/open/{kim_project}")
    folder = kim_project.rsplit("/", 1)[1]
    confirm_pull(page, folder)
    page.wait_for_url(re.compile(rf".*/user/lee/lab/tree/{folder}/.*"), timeout=120_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    # The kernel is up before running (a run against a starting kernel waits anyway).
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    assert events(world, "rerun", kim_project) == []  # opening is not re-running
    run_all_cells(page)
    try:
        rows = wait_for(lambda: events(world, "rerun", kim_project), timeout=30)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "reuse-rerun.png"))
    assert rows == [("lee", None, None)]
    # Running everything again in the same kernel session is not a second re-run.
    run_all_cells(page)
    time.sleep(5)
    assert len(events(world, "rerun", kim_project)) == 1

    # lee shares her copy: kim's project is its origin, in GitLab and in the store.
    path = f"{folder}/민원.ipynb"
    r = hub.share("lee", world["tokens"]["lee"], path, "민원 재사용 분석 (이서연)", "kim의 노트북을 고쳐 씀", "public")
    assert r.status_code == 200, r.text
    lee_project = r.json()["project"]
    assert lee_project != kim_project
    bare = world["gitlab"].bare_repo_path(lee_project)

    def committed(name: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", bare, "show", f"main:{name}"], check=True, capture_output=True
        ).stdout.decode()

    origin_url = f"{world['gitlab'].url}/{kim_project}"
    assert json.loads(committed("govlab-manifest.json"))["origin"] == {"project": kim_project, "url": origin_url}
    assert f"원본: [{kim_project}]({origin_url}) / Based on:" in committed("README.md")
    assert wait_for(lambda: events(world, "share", lee_project)) == [("lee", kim_project, "unchecked")]
