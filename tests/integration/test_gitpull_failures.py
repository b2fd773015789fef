"""A gallery link to a project the official cannot read, on a real hub in Chromium: after
가져오기 the page says in Korean what happened and what to do, git's output stays folded
under 자세히, and the way back leads to the gallery."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest

from tests.integration.test_browser import ARTIFACTS
from tests.support.hub import USER_PASSWORD, RunningHub, base_settings, free_port

pytestmark = [pytest.mark.hub, pytest.mark.browser]


@pytest.fixture(scope="module")
def world(tmp_path_factory, _gitlab_server_session):
    gitlab = _gitlab_server_session
    gitlab.reset()
    gitlab.add_user("owner", name="소유자")
    gitlab.add_group("team", {"owner": 50}, visibility="private")
    gitlab.add_project("team", "secret", visibility="private", files={"비밀.ipynb": "{}"})
    workdir = tmp_path_factory.mktemp("gitpull-fail-hub")
    settings = base_settings(
        workdir / "state",
        sharing={"gitlab_url": gitlab.url, "namespace": "team"},
        gallery={"enabled": True, "bind_url": f"http://127.0.0.1:{free_port()}"},
    )
    hub = RunningHub(workdir, settings)
    hub.start()
    try:
        yield {"hub": hub, "repo": f"{gitlab.url}/team/secret.git"}
    finally:
        hub.kill_everything()
        gitlab.reset()


def test_no_access_ends_on_a_korean_page_with_the_way_back(world, page):
    hub, repo = world["hub"], world["repo"]
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", "mina")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("#login_submit")
    page.wait_for_url("**/user/mina/**", timeout=180_000)
    query = urlencode(
        {"repo": repo, "branch": "main", "targetpath": "secret", "urlpath": "lab/tree/secret"}, quote_via=quote
    )
    page.goto(f"{hub.url}/hub/user-redirect/git-pull?{query}")
    page.locator("[data-gitpull=pull]").click()
    failed = page.locator("[data-gitpull=failed]")
    try:
        failed.wait_for(state="visible", timeout=120_000)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "gitpull-no-access.png"))
    assert failed.get_attribute("data-reason") == "no_access"
    assert page.locator("[data-gitpull=failed-title]").inner_text() == (
        "이 프로젝트를 볼 권한이 없습니다 / You have no access to this project"
    )
    assert "구성원으로 추가" in page.locator("[data-gitpull=next]").inner_text()
    back = page.locator("[data-gitpull=back]")
    assert back.inner_text() == "공유 갤러리로 돌아가기 / Back to the gallery"
    assert re.search(r"/services/gallery/?$", back.get_attribute("href"))
    # git's words only behind the fold; the raw log is hidden.
    details = page.locator("[data-gitpull=details]")
    assert details.get_attribute("open") is None
    assert not page.locator("[data-gitpull=log]").is_visible()
    assert "fatal" in page.locator("[data-gitpull=detail-lines]").text_content()
    assert not (hub.home("mina") / "secret" / "비밀.ipynb").exists()
