"""The hub's own pages in Korean with govlab's look: a real hub, Chromium, no lab ever ready.

One password hub for the module, branded from the settings (title, agency, logo,
a notice with HTML in it), with the gallery in the Services menu. Its labs never
become ready on purpose (a test-only `Spawner.cmd` in the escape hatch): officials
named `slow-*` (and everyone else) get a process that never answers (the wait page,
then the spawn timeout); `fail-*` fail at once (spawn failed). A second, GitLab
sign-in hub is only asked for its sign-in page.
"""

from __future__ import annotations

import re
import secrets
import struct
import zlib

import pytest
import requests

from tests.support.hub import RunningHub, base_settings, free_port, login_session

pytestmark = [pytest.mark.hub, pytest.mark.browser]

TITLE = "세종 AI 실험실"
AGENCY = "행정안전부"
NOTICE = "<b>개인정보</b>를 입력하지 마세요.\n보안 서약을 지켜 주세요."
HTTP_TIMEOUT = 15  # seconds a `slow-*` lab is waited for before the spawn times out

# Test-only: labs that never become ready, chosen by the official's name. `fail-*`
# fail before their process starts. (This replaces govlab's pre-spawn hooks: no lab of
# this hub ever runs, so nothing is handed out.)
FAILING_LABS_CONFIG = f"""
c.Spawner.cmd = ["/bin/sh", "-c", "exec sleep 600"]
c.Spawner.http_timeout = {HTTP_TIMEOUT}

def _failing_hook(spawner):
    if spawner.user.name.startswith("fail-"):
        error = RuntimeError("test lab refused to start")
        error.jupyterhub_message = "test lab refused to start (exit 3)"  # shown to the official
        raise error

c.Spawner.pre_spawn_hook = _failing_hook
"""


def png_1x1() -> bytes:
    """A real one-pixel PNG (the browser must be able to draw the logo)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x1d\x4f\x91")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


LOGO = png_1x1()


def english_alone(text: str, phrase: str) -> int:
    """Occurrences of a stock English phrase that are not the English line after a Korean one."""
    return len(re.findall(r"(?<!/ )" + re.escape(phrase), text[:200_000]))


def assert_no_stock_english(text: str, *phrases: str) -> None:
    for phrase in phrases:
        assert english_alone(text, phrase) == 0, f"stock English {phrase!r} on the page:\n{text[:3000]}"


@pytest.fixture(scope="module")
def hub(tmp_path_factory, _gitlab_server_session):
    gitlab = _gitlab_server_session
    gitlab.reset()
    gitlab.add_user("team", name="정책팀")
    token = gitlab.add_token("team", scopes=("api",))
    workdir = tmp_path_factory.mktemp("hub-pages")
    (workdir / "brand").mkdir()
    (workdir / "brand" / "logo.png").write_bytes(LOGO)
    settings = base_settings(
        workdir / "state",
        sharing={"gitlab_url": gitlab.url, "token": {"env": "GOVLAB_GITLAB_TOKEN"}},
        gallery={"enabled": True, "bind_url": f"http://127.0.0.1:{free_port()}"},
    )
    # Relative to the settings file, as an operator writes it.
    settings["hub"]["branding"] = {"title": TITLE, "agency": AGENCY, "logo": "brand/logo.png", "notice": NOTICE}
    settings["culling"] = {"enabled": False}
    hub = RunningHub(workdir, settings, env={"GOVLAB_GITLAB_TOKEN": token})
    (workdir / "extra-config" / "60-failing-labs.py").write_text(FAILING_LABS_CONFIG)
    hub.start()
    try:
        yield hub
    finally:
        hub.kill_everything()
        gitlab.reset()


def signed_in(page, hub, username: str) -> None:
    """Sign in with the form but without the browser starting a lab: cookies handed over."""
    session = login_session(hub, username)
    page.context.add_cookies([{"name": c.name, "value": c.value, "url": hub.url} for c in session.cookies])


def body(page) -> str:
    return page.locator("body").inner_text()


def test_the_sign_in_page_is_korean_branded_with_the_name_rules_and_the_escaped_notice(hub, page):
    page.goto(f"{hub.url}/hub/login")
    assert page.locator("h1").first.inner_text() == "로그인 / Sign in"
    assert page.title() == TITLE
    assert page.locator("#govlab-title").inner_text() == TITLE
    assert page.locator("#govlab-agency").inner_text() == AGENCY
    rules = page.locator("#govlab-username-rules").inner_text()
    assert "영문 소문자(a-z), 숫자(0-9)" in rules and "64자" in rules
    # The notice is plain text: the operator's <b> is shown, never made bold.
    notice = page.locator("#govlab-notice")
    assert notice.inner_text().startswith("<b>개인정보</b>를 입력하지 마세요.\n보안 서약")
    assert notice.locator("b").count() == 0
    assert page.locator("label[for=username_input]").inner_text() == "사용자 이름 / User name"
    assert page.locator("#login_submit").get_attribute("value") == "로그인 / Sign in"
    assert_no_stock_english(body(page), "Sign in", "Username:", "Password:", "Login", "JupyterHub seems")
    # The logo is the operator's file, drawn by the browser.
    assert requests.get(f"{hub.url}/hub/logo", timeout=30).content == LOGO
    assert page.locator("img.jpy-logo").evaluate("img => img.complete && img.naturalWidth") == 1
    assert page.locator("img.jpy-logo").get_attribute("alt") == AGENCY


def test_signing_in_with_the_form_still_works(hub, page):
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", "fail-form")
    page.fill("#password_input", "govlab-test-password")
    page.click("#login_submit")
    page.wait_for_url(re.compile(r".*/hub/(spawn|spawn-pending|home|user)/?.*"), timeout=60_000)
    page.goto(f"{hub.url}/hub/home")
    assert page.locator("#login_widget").inner_text().startswith("fail-form")


def test_home_names_the_lab_in_korean_and_the_services_menu_says_공유_갤러리(hub, page):
    signed_in(page, hub, "home-kim")
    page.goto(f"{hub.url}/hub/home")
    assert page.locator("h1").first.inner_text() == "내 실험실"
    assert page.locator("#start").inner_text().strip() == "실험실 시작 / Start my lab"
    nav = page.locator("#thenavbar").inner_text()
    assert "홈 / Home" in nav and "로그아웃 / Sign out" in nav
    page.get_by_role("button", name="서비스 / Services").click()
    gallery = page.locator("#govlab-services a")
    assert gallery.all_inner_texts() == ["공유 갤러리"]
    assert gallery.first.get_attribute("href").endswith("/services/gallery/")
    assert_no_stock_english(
        body(page), "Start My Server", "Stop My Server", "My Server", "Services", "Logout", "Token", "Home"
    )


def test_the_token_page_is_korean_and_still_makes_tokens(hub, page):
    signed_in(page, hub, "token-lee")
    page.goto(f"{hub.url}/hub/token")
    assert page.locator("h1").first.inner_text() == "API 토큰"
    assert_no_stock_english(
        body(page), "Request new API token", "Token expires in", "Note", "You can configure", "Never"
    )
    page.fill("#token-note", "보고서 자동화")
    page.locator("#request-token-form button[type=submit]").click()
    page.locator("#token-area").wait_for(state="visible")
    token = page.locator("#token-result").inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", token), token
    assert page.locator("#token-area").inner_text().startswith("새 API 토큰 / New API token")


def test_a_page_that_does_not_exist_says_so_in_korean(hub, page):
    r = requests.get(f"{hub.url}/hub/no-such-page", timeout=30)
    assert r.status_code == 404
    page.goto(f"{hub.url}/hub/no-such-page")
    assert page.locator("#govlab-error-heading").inner_text() == "페이지를 찾을 수 없습니다"
    text = body(page)
    assert "Page not found (404)" in text and "홈" in text
    assert_no_stock_english(text, "404 : Not Found", "Jupyter has lots of moons")


def test_the_page_for_a_lab_the_proxy_cannot_reach_says_what_to_do(hub, page):
    # The proxy sends officials here when their lab is gone (503).
    response = page.goto(f"{hub.url}/hub/error/503")
    assert response.status == 200  # JupyterHub serves the proxy's error page itself
    assert page.locator("#govlab-error-heading").inner_text() == "실험실에 잠시 연결할 수 없습니다"
    assert "홈" in body(page)
    assert_no_stock_english(body(page), "503 : Service Unavailable", "Your server appears to be down")


def test_a_page_the_official_may_not_open_says_not_allowed(hub, page):
    signed_in(page, hub, "nonadmin-choi")
    response = page.goto(f"{hub.url}/hub/admin")
    assert response.status == 403
    assert page.locator("#govlab-error-heading").inner_text() == "권한이 없습니다"
    assert_no_stock_english(body(page), "403 : Forbidden")


def test_a_lab_that_is_not_running_is_explained_in_korean(hub, page):
    signed_in(page, hub, "idle-jung")
    page.goto(f"{hub.url}/user/idle-jung/lab")
    page.locator("#govlab-heading").wait_for()
    assert page.locator("#govlab-heading").inner_text() == "실험실이 꺼져 있습니다"
    assert page.locator("#start").inner_text().strip() in ("실험실 시작 / Start my lab",)
    assert_no_stock_english(body(page), "Server not running", "Launch", "Your server")


def test_a_lab_that_fails_to_start_ends_on_a_korean_page_with_a_retry(hub, page):
    signed_in(page, hub, "fail-park")
    page.goto(f"{hub.url}/hub/spawn/fail-park")
    # The start fails at once: an error page, or the wait page turning into one.
    page.wait_for_function("() => document.body.innerText.includes('시작하지 못했습니다')", timeout=90_000)
    assert_no_stock_english(body(page), "Spawn failed", "500 : Internal Server Error", "You can try restarting")
    page.goto(f"{hub.url}/hub/spawn-pending/fail-park")
    assert page.locator("#govlab-heading").inner_text() == "실험실을 시작하지 못했습니다"
    assert "exit 3" in page.locator("#govlab-failed-detail").inner_text()
    assert page.locator("#start").inner_text().strip() == "다시 시작 / Try again"
    assert_no_stock_english(body(page), "Spawn failed", "Relaunch", "Would you like to retry")


def test_the_wait_page_is_korean_with_a_quiet_stop_then_the_timeout_is_explained(hub, page):
    signed_in(page, hub, "slow-yoon")
    page.goto(f"{hub.url}/hub/spawn/slow-yoon")
    page.wait_for_url("**/hub/spawn-pending/slow-yoon**", timeout=60_000)
    assert page.locator("h1").first.inner_text() == "실험실을 준비하고 있습니다"
    stop = page.locator("#stop-server-btn")
    assert stop.inner_text() == "중지 / Stop"
    classes = stop.get_attribute("class")
    assert "btn-outline-secondary" in classes and "btn-danger" not in classes
    # JupyterHub's progress events, shown in Korean.
    page.wait_for_function(
        "() => document.getElementById('progress-log').innerText.includes('실험실을')", timeout=30_000
    )
    log = page.locator("#progress-log").inner_text()
    assert "Server requested" not in log and "Spawning server" not in log, log
    assert_no_stock_english(body(page), "Your server is starting up", "Stop Server", "Event log")
    # The process never answers: after http_timeout the wait page says it failed.
    page.locator("#govlab-spawn-failed").wait_for(state="visible", timeout=(HTTP_TIMEOUT + 60) * 1000)
    page.reload()
    assert page.locator("#govlab-heading").inner_text() == "실험실이 제한 시간 안에 시작되지 않았습니다"
    assert_no_stock_english(body(page), "Spawn failed", "Relaunch")


# -- GitLab sign-in: only its sign-in page ------------------------------------------------


@pytest.fixture(scope="module")
def gitlab_hub(tmp_path_factory, _gitlab_server_session):
    workdir = tmp_path_factory.mktemp("hub-pages-gitlab")
    settings = base_settings(workdir / "state")
    settings["auth"] = {
        "method": "gitlab",
        "gitlab": {
            "url": _gitlab_server_session.url,
            "client_id": "hub",
            "client_secret": {"env": "TEST_CLIENT_SECRET"},
        },
    }
    settings["hub"]["branding"] = {"notice": "보안 서약 <i>필수</i>"}
    hub = RunningHub(
        workdir, settings, env={"JUPYTERHUB_CRYPT_KEY": secrets.token_hex(32), "TEST_CLIENT_SECRET": "unused"}
    )
    hub.start()
    try:
        yield hub
    finally:
        hub.kill_everything()


def test_gitlab_sign_in_shows_one_korean_button_and_the_notice(gitlab_hub, page):
    page.goto(f"{gitlab_hub.url}/hub/login")
    assert page.locator("h1").first.inner_text() == "로그인 / Sign in"
    buttons = page.locator("#login-main a[role=button], #login-main button, #login-main input[type=submit]")
    assert buttons.count() == 1
    assert "GitLab" in buttons.first.inner_text() and buttons.first.inner_text().endswith("/ Sign in with GitLab")
    assert re.match(r"[가-힣 ]*GitLab[가-힣 ]*로그인", buttons.first.inner_text())
    assert "/hub/oauth_login" in buttons.first.get_attribute("href")
    assert page.locator("#username_input").count() == 0
    assert page.locator("#govlab-notice").inner_text() == "보안 서약 <i>필수</i>"
    # The default title when the settings name none.
    assert page.locator("#govlab-title").inner_text() == "govlab AI 실험실"
    assert_no_stock_english(body(page), "Sign in with GitLab", "Sign in", "JupyterHub seems")
