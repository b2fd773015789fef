"""Per-official accounts on a real hub (auth.method: accounts), driven as a browser would:
apply (이용 신청), wait for an admin's approval, sign in with one's own password.

One hub for the module (no labs are started: a sign-in ends at the hub's redirect).
Each test uses its own user names, so the tests do not depend on their order.
"""

from __future__ import annotations

import html
import re
import time

import pytest
import requests

from govlab.workshop.seats import create_seats
from tests.support.hub import ADMIN_PASSWORD, RunningHub, base_settings

pytestmark = pytest.mark.hub

LOCKOUT_SECONDS = 4
MAX_FAILED = 3
SEAT = "ws-01"
XSRF_RE = re.compile(r'name="_xsrf" value="([^"]{1,2000})"')


def text(r: requests.Response) -> str:
    # The hub's pages declare UTF-8 in <meta>, not in the Content-Type header.
    return r.content.decode("utf-8")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("accounts-hub")
    settings = base_settings(workdir / "state")
    settings["auth"] = {
        "method": "accounts",
        "admin_users": ["admin"],
        "accounts": {
            "admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"},
            "max_failed_logins": MAX_FAILED,
            "lockout_seconds": LOCKOUT_SECONDS,
        },
    }
    settings["workshops"] = [{"name": "ws", "seats": 1}]
    h = RunningHub(workdir, settings)
    # A workshop seat with its own one-time password (what `govlab workshop create` writes).
    h.seat_password = create_seats(h.state_dir, "ws", [SEAT])[SEAT]
    h.start()
    try:
        yield h
    finally:
        h.kill_everything()


def form_xsrf(s: requests.Session, url: str) -> tuple[str, str]:
    """GET a page as a browser does; return its HTML and the form's XSRF token."""
    r = s.get(url, timeout=30)
    assert r.status_code == 200, (url, r.status_code, text(r)[:500])
    m = XSRF_RE.search(text(r))
    assert m, f"no XSRF token in the form at {url}"
    return text(r), html.unescape(m.group(1))


def apply(
    hub: RunningHub, username: str, password: str, confirmation: str | None = None, **fields
) -> requests.Response:
    s = requests.Session()
    _, xsrf = form_xsrf(s, f"{hub.url}/hub/signup")
    data = {
        "_xsrf": xsrf,
        "full_name": fields.get("full_name", "김민수"),
        "agency": fields.get("agency", "행정안전부"),
        "email": fields.get("email", f"{username}@mois.go.kr"),
        "username": username,
        "signup_password": password,
        "signup_password_confirmation": password if confirmation is None else confirmation,
    }
    return s.post(f"{hub.url}/hub/signup", data=data, timeout=30)


def login(hub: RunningHub, username: str, password: str) -> tuple[requests.Session | None, str]:
    """Sign in through the form; (session, "") on success, (None, the page's error) else."""
    s = requests.Session()
    _, xsrf = form_xsrf(s, f"{hub.url}/hub/login")
    r = s.post(
        f"{hub.url}/hub/login",
        data={"username": username, "password": password, "_xsrf": xsrf},
        allow_redirects=False,
        timeout=30,
    )
    if r.status_code == 302:
        return s, ""
    m = re.search(r'class="login_error[^"]{0,100}"[^>]{0,100}>(.{1,2000}?)</p>', text(r), re.S)
    return None, html.unescape(m.group(1)).strip() if m else text(r)[:300]


@pytest.fixture(scope="module")
def admin(hub) -> requests.Session:
    s, error = login(hub, "admin", ADMIN_PASSWORD)
    assert s is not None, error
    return s


def decide(hub: RunningHub, admin: requests.Session, username: str, action: str = "approve") -> requests.Response:
    """What the admin's button on the authorization page sends."""
    page, xsrf = form_xsrf(admin, f"{hub.url}/hub/authorize")
    assert f'id="application-{username}"' in page
    return admin.post(
        f"{hub.url}/hub/authorize", data={"_xsrf": xsrf, "username": username, "action": action}, timeout=30
    )


def approved_account(hub, admin, username: str, password: str) -> None:
    assert apply(hub, username, password).status_code == 200
    assert decide(hub, admin, username).status_code == 200


def test_an_official_applies_waits_for_approval_then_signs_in_with_their_own_password(hub, admin):
    r = apply(hub, "kim.minsu", "river-lamp-7-tulip", full_name="김민수", agency="행정안전부 디지털정부국")
    assert r.status_code == 200, text(r)[:500]
    assert "이용 신청이 접수되었습니다" in text(r) and "Your application has been sent" in text(r)

    # Not before an admin approves, with a message that says so (the password was right).
    s, error = login(hub, "kim.minsu", "river-lamp-7-tulip")
    assert s is None
    assert "승인하지 않았습니다" in error and "not approved" in error

    # The admin sees who applied (name, agency, e-mail) and approves with the page's form.
    page, _ = form_xsrf(admin, f"{hub.url}/hub/authorize")
    assert "이용 신청 승인" in page
    for shown in ("kim.minsu", "김민수", "행정안전부 디지털정부국", "kim.minsu@mois.go.kr", "대기 중"):
        assert shown in page, shown
    r = decide(hub, admin, "kim.minsu")
    assert r.status_code == 200 and "승인했습니다" in text(r)

    s, error = login(hub, "kim.minsu", "river-lamp-7-tulip")
    assert s is not None, error
    home = s.get(
        f"{hub.url}/hub/api/user", headers={"X-XSRFToken": s.cookies.get("_xsrf", path="/hub/") or ""}, timeout=30
    )
    assert home.status_code == 200 and home.json()["name"] == "kim.minsu"
    assert home.json()["admin"] is False

    # Revoking signs the official out at once and stops new sign-ins.
    r = decide(hub, admin, "kim.minsu", "revoke")
    assert r.status_code == 200 and "승인을 취소했습니다" in text(r)
    assert s.get(f"{hub.url}/hub/api/user", timeout=30).status_code == 403
    assert login(hub, "kim.minsu", "river-lamp-7-tulip")[0] is None


def test_approval_needs_an_admin_and_the_pages_xsrf_token(hub, admin):
    assert apply(hub, "lee.jiwon", "harbor-candle-42-moss").status_code == 200
    # A page elsewhere that makes the admin's browser post (no XSRF token): refused.
    forged = admin.post(f"{hub.url}/hub/authorize", data={"username": "lee.jiwon", "action": "approve"}, timeout=30)
    assert forged.status_code == 403
    # The old GET toggle of nativeauthenticator does not exist.
    assert admin.get(f"{hub.url}/hub/authorize/lee.jiwon", timeout=30).status_code == 404
    # An approved official is no admin: their own approval request is refused.
    approved_account(hub, admin, "park.other", "copper-field-88-wind")
    other, _ = login(hub, "park.other", "copper-field-88-wind")
    _, xsrf = form_xsrf(other, f"{hub.url}/hub/change-password")
    r = other.post(
        f"{hub.url}/hub/authorize", data={"_xsrf": xsrf, "username": "lee.jiwon", "action": "approve"}, timeout=30
    )
    assert r.status_code == 403
    s, error = login(hub, "lee.jiwon", "harbor-candle-42-moss")
    assert s is None and "승인하지 않았습니다" in error


def test_nobody_signs_in_as_another_official_or_an_admin_with_their_own_password(hub, admin):
    approved_account(hub, admin, "choi.a", "maple-orbit-31-sand")
    approved_account(hub, admin, "jung.b", "velvet-prism-64-oak")
    for name in ("choi.a", "admin", SEAT, "nobody.here"):
        s, error = login(hub, name, "velvet-prism-64-oak")
        assert s is None, name
        assert "올바르지 않습니다" in error and "Wrong user name or password" in error
    assert login(hub, "jung.b", "velvet-prism-64-oak")[0] is not None
    # Nor by applying for an admin's or a seat's name, or a name already taken.
    for name in ("admin", SEAT, "choi.a"):
        r = apply(hub, name, "another-good-pass-19")
        assert r.status_code == 400 and "이미 사용 중인 사용자 이름" in text(r), name
    assert login(hub, "choi.a", "another-good-pass-19")[0] is None


@pytest.mark.parametrize(
    "password, confirmation, words",
    [
        ("12345678", None, "10자 이상"),
        ("1234567890", None, "너무 흔한 비밀번호"),
        ("password123", None, "너무 흔한 비밀번호"),
        ("river-lamp-7-tulip", "river-lamp-7-tulib", "비밀번호 확인이 다릅니다"),
    ],
    ids=["short", "common-digits", "common-word", "confirmation"],
)
def test_a_weak_password_is_refused_at_application_with_the_reason(hub, admin, password, confirmation, words):
    r = apply(hub, "weak.pw", password, confirmation)
    assert r.status_code == 400
    assert words in html.unescape(text(r))
    assert "이용 신청이 접수되었습니다" not in text(r)
    # Nothing was created: the admin's list does not have the name.
    page, _ = form_xsrf(admin, f"{hub.url}/hub/authorize")
    assert 'id="application-weak.pw"' not in page


def test_repeated_failures_lock_the_name_then_it_opens_after_the_wait(hub, admin):
    approved_account(hub, admin, "yoon.c", "silver-brook-55-pine")
    errors = [login(hub, "yoon.c", f"wrong-guess-{i}")[1] for i in range(MAX_FAILED)]
    assert "올바르지 않습니다" in errors[0]
    assert "잠겼습니다" in errors[-1] and "locked" in errors[-1]
    # Locked: even the right password does not sign in now.
    s, error = login(hub, "yoon.c", "silver-brook-55-pine")
    assert s is None and "잠겼습니다" in error and "뒤에 다시 시도하세요" in error
    # Another official is not locked by it.
    approved_account(hub, admin, "han.d", "amber-grove-23-reed")
    assert login(hub, "han.d", "amber-grove-23-reed")[0] is not None
    time.sleep(LOCKOUT_SECONDS + 0.5)
    s, error = login(hub, "yoon.c", "silver-brook-55-pine")
    assert s is not None, error


def test_a_workshop_seat_signs_in_with_its_seat_password_only(hub):
    s, error = login(hub, SEAT, hub.seat_password)
    assert s is not None, error
    assert login(hub, SEAT, ADMIN_PASSWORD)[0] is None


def test_an_official_changes_their_password(hub, admin):
    approved_account(hub, admin, "kang.e", "cedar-moon-71-lake")
    s, _ = login(hub, "kang.e", "cedar-moon-71-lake")
    page, xsrf = form_xsrf(s, f"{hub.url}/hub/change-password")
    assert "비밀번호 변경" in page
    base = {"_xsrf": xsrf, "old_password": "cedar-moon-71-lake"}
    weak = s.post(
        f"{hub.url}/hub/change-password",
        data={**base, "new_password": "qwertyuiop", "new_password_confirmation": "qwertyuiop"},
        timeout=30,
    )
    assert weak.status_code == 400 and "너무 흔한 비밀번호" in text(weak)
    r = s.post(
        f"{hub.url}/hub/change-password",
        data={**base, "new_password": "sunny-delta-90-fern", "new_password_confirmation": "sunny-delta-90-fern"},
        timeout=30,
    )
    assert r.status_code == 200 and "비밀번호를 바꾸었습니다" in text(r)
    assert login(hub, "kang.e", "cedar-moon-71-lake")[0] is None
    assert login(hub, "kang.e", "sunny-delta-90-fern")[0] is not None


@pytest.mark.browser
def test_the_application_page_is_korean_and_submits_in_chromium(hub, admin, page):
    page.goto(f"{hub.url}/hub/login")
    assert page.locator("#login_submit").get_attribute("value") == "로그인 / Sign in"
    page.click("#signup_link")
    page.wait_for_url("**/hub/signup")
    assert page.locator("h1").inner_text() == "이용 신청 / Apply for an account"
    labels = page.locator("label").all_inner_texts()
    for label in (
        "이름 / Name",
        "소속 기관 / Agency",
        "업무용 이메일 / Work e-mail",
        "사용자 이름 / User name",
        "비밀번호 / Password",
        "비밀번호 확인 / Confirm password",
    ):
        assert label in labels, labels
    page.fill("#full_name_input", "오세영")
    page.fill("#agency_input", "서울특별시 디지털정책과")
    page.fill("#email_input", "oh.sy@seoul.go.kr")
    page.fill("#username_input", "oh.sy")
    page.fill("#password_input", "lantern-bay-36-clover")
    page.fill("#password_confirmation_input", "lantern-bay-36-clover")
    page.click("#signup_submit")
    success = page.locator("#signup_success")
    success.wait_for(timeout=30_000)
    assert "이용 신청이 접수되었습니다" in success.inner_text()
    listed, _ = form_xsrf(admin, f"{hub.url}/hub/authorize")
    assert 'id="application-oh.sy"' in listed and "서울특별시 디지털정책과" in listed
