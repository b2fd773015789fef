"""Signing in through the login page in Chromium and working in the Korean lab."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.support.hub import USER_PASSWORD

pytestmark = [pytest.mark.hub, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"


def sign_in(page, hub, username: str) -> None:
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("#login_submit")
    # The hub spawns the lab and redirects into it; a cold start takes a while.
    page.wait_for_url(f"**/user/{username}/lab**", timeout=180_000)
    page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)


def dismiss_dialogs(page) -> list[str]:
    """Accept any modal JupyterLab dialog (kernel choice, restart notices); return their text."""
    seen = []
    dialogs = page.locator(".jp-Dialog")
    while dialogs.count():
        seen.append(dialogs.first.inner_text())
        page.locator(".jp-Dialog .jp-mod-accept").first.click()
        page.wait_for_timeout(300)
    return seen


def run_first_cell(page) -> None:
    """Select the first cell and press the toolbar's run button, as a user would."""
    seen: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    for _ in range(2):
        seen += dismiss_dialogs(page)
        page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first.click()
        page.locator("jp-button[data-command='notebook:run-cell-and-select-next']").first.click()
        try:
            page.locator(".jp-OutputArea-output").first.wait_for(timeout=45_000)
            return
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "run-cell-retry.png"))
            continue
    raise AssertionError(f"the cell did not run; dialogs seen: {seen}")


def test_sign_in_opens_the_korean_lab_and_runs_a_notebook(lab_hub, page):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells.append(nbformat.v4.new_code_cell("import pandas as pd\nprint('합계', pd.Series([1, 2, 3]).sum())"))
    sign_in(page, lab_hub, "yuna")

    # Korean menus from the ko-KR language pack.
    menubar = page.locator("#jp-menu-panel")
    for label in ("파일", "편집", "보기", "실행", "커널"):
        assert menubar.get_by_text(label, exact=True).count() >= 1, label
    # The assistant's chat panel is in the side bar (its tab title is Korean: "AI 대화").
    assert page.locator(".jp-SideBar [data-id='JupyterlabChat:sidepanel']").count() >= 1

    # A notebook opened in the lab runs through the UI.
    token = lab_hub.create_user("yuna")
    assert lab_hub.put_file("yuna", "보고서.ipynb", nb, token=token).status_code == 201
    page.goto(f"{lab_hub.url}/user/yuna/lab/tree/보고서.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    run_first_cell(page)
    output = page.locator(".jp-OutputArea-output").first
    assert "합계 6" in output.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "korean-lab.png"))
