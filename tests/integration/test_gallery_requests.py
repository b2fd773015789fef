"""Improvement requests (개선 요청) from a gallery project page: a real hub with the gallery
service and the loopback GitLab.

Shared-password sign-in (no labs): the request becomes a GitLab issue through the
catalog token, the requester named at the top of its text; what is refused (no XSRF
token, empty, oversized, a resident registration number, GitLab 403/404/429/down) is
told in Korean and English with the form still filled, and a request whose answer
was lost is looked for, never sent twice. GitLab sign-in (Chromium, real labs): a
second official files a request on a colleague's shared notebook as themselves, it is
listed on the page, and the author's lab counts it (contract C2) through the gallery.
"""

from __future__ import annotations

import html
import json
import re

import pytest
import requests

from tests.integration.test_browser import ARTIFACTS
from tests.integration.test_gallery import AGENCY, GROUP, notebook, wait_for, xsrf_of
from tests.support.gitlabhub import gitlab_officials, gitlab_signin_hub, sign_in_and_start
from tests.support.hub import USER_PASSWORD, RunningHub, base_settings, free_port, login_session

pytestmark = pytest.mark.hub

LABEL = "개선요청"
RRN = "850315-1234566"  # a resident registration number with a valid check digit
PROJECT = f"{GROUP}/semu"


def gallery(hub: RunningHub) -> str:
    return f"{hub.url}/services/gallery"


def page_of(s: requests.Session, hub: RunningHub, project: str = PROJECT) -> str:
    r = s.get(f"{gallery(hub)}/p/{project}", timeout=30)
    assert r.status_code == 200, r.text[:500]
    return r.text


def send(s: requests.Session, hub: RunningHub, title: str, text: str, project: str = PROJECT, xsrf: bool = True):
    data = {"title": title, "text": text}
    if xsrf:
        data["_xsrf"] = xsrf_of(page_of(s, hub, project))
    return s.post(f"{gallery(hub)}/requests/{project}", data=data, allow_redirects=False, timeout=60)


def form_values(page: str) -> tuple[str, str]:
    title = re.search(r'name="title"[^>]*value="([^"]*)"', page).group(1)
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1)
    return html.unescape(title), html.unescape(text)


def test_requests_in_password_mode_go_through_the_catalog_token_and_refusals_keep_the_form(tmp_path, gitlab_server):
    gitlab_server.add_user("team", name="정책팀")
    token = gitlab_server.add_token("team", scopes=("api",))
    gitlab_server.add_group(GROUP, {"team": 30}, visibility="public")
    manifest = json.dumps({"title": "세무 민원 분류", "agency": AGENCY, "author": "정책팀"}, ensure_ascii=False)
    for path in ("semu", "closed-issues"):
        gitlab_server.add_project(
            GROUP, f"세무 {path}", path, "public", ["govlab"], files={"govlab-manifest.json": manifest}
        )
    settings = base_settings(
        tmp_path / "state",
        sharing={"gitlab_url": gitlab_server.url, "namespace": GROUP, "agency": AGENCY, "token": {"env": "TOK"}},
        gallery={"enabled": True, "bind_url": f"http://127.0.0.1:{free_port()}", "request_timeout": 3},
    )
    hub = RunningHub(tmp_path, settings, env={"TOK": token}).start()
    try:
        choi = login_session(hub, "choi")
        assert choi.get(f"{gallery(hub)}/", timeout=60).status_code == 200
        wait_for(lambda: len(choi.get(f"{gallery(hub)}/api/entries", timeout=30).json()["entries"]) == 2)
        page = page_of(choi, hub)
        assert 'id="requests"' in page and "아직 개선 요청이 없습니다" in page and "개선 요청 보내기" in page

        # No XSRF token: refused, nothing sent.
        assert send(choi, hub, "제목", "내용", xsrf=False).status_code == 403
        assert gitlab_server.issues(PROJECT) == []

        # Sent: an issue labelled 개선요청 by the catalog token's user, the requester named first.
        r = send(choi, hub, "열 이름이 바뀌었습니다", "2번 셀의 '민원유형' 열이 없습니다.\n확인 부탁드립니다.")
        assert r.status_code == 302 and r.headers["Location"].endswith("?sent=1#requests")
        [issue] = gitlab_server.issues(PROJECT)
        assert (issue["title"], issue["labels"], issue["author"], issue["state"]) == (
            "열 이름이 바뀌었습니다",
            [LABEL],
            "team",
            "opened",
        )
        assert issue["description"].startswith(f"요청자 / Requested by: choi ({AGENCY})")
        assert issue["description"].endswith("2번 셀의 '민원유형' 열이 없습니다.\n확인 부탁드립니다.")
        shown = choi.get(f"{gallery(hub)}/p/{PROJECT}?sent=1", timeout=30).text
        assert "개선 요청을 보냈습니다 (#1)" in shown and "열 이름이 바뀌었습니다" in shown
        assert re.search(r'data-gallery="requests-open">1<', shown)

        # A resident registration number: refused with the list, the form comes back as typed.
        typed = f"민원인 홍길동 {RRN} 의 자료가 보입니다 <script>x</script>"
        r = send(choi, hub, "개인정보 노출", typed)
        assert r.status_code == 422
        findings = re.search(r'data-gallery="request-findings">(.*?)</ul>', r.text, re.S).group(1)
        assert "주민등록번호" in findings and "resident registration number" in findings
        assert RRN not in findings  # the excerpt is masked; only the form holds what was typed
        assert form_values(r.text) == ("개인정보 노출", typed)
        assert "<script>x</script>" not in r.text  # escaped
        assert len(gitlab_server.issues(PROJECT)) == 1

        # Empty, and a megabyte of text: clear refusals, nothing sent, the hub still answers.
        r = send(choi, hub, "", "내용만")
        assert r.status_code == 400 and "제목을 입력하세요" in r.text and form_values(r.text)[1] == "내용만"
        huge = "가" * 1_000_000
        r = send(choi, hub, "긴 글", huge)
        assert r.status_code == 413 and "20,000자까지" in r.text and "at most 20,000 characters" in r.text
        assert len(gitlab_server.issues(PROJECT)) == 1

        # GitLab refusing: each told in Korean and English, with what to do.
        kang = login_session(hub, "kang")
        kang.get(f"{gallery(hub)}/", timeout=60)
        cases = [
            (403, {}, "허락하지 않았습니다", "does not let you"),
            (404, {}, "찾을 수 없습니다", "cannot find this project"),
            (429, {"retry_after": 30}, "30초 뒤에", "send again in 30 seconds"),
        ]
        for status, extra, ko, en in cases:
            gitlab_server.fault("POST", r"/issues$", status=status, **extra)
            r = send(kang, hub, f"요청 {status}", "본문")
            assert r.status_code == status and ko in r.text and en in r.text, (status, r.text[-2000:])
            assert form_values(r.text) == (f"요청 {status}", "본문")
        assert len(gitlab_server.issues(PROJECT)) == 1
        # GitLab down before it did anything (a 503): looked for, not found, told to send again.
        gitlab_server.fault("POST", r"/issues$", status=503)
        r = send(kang, hub, "요청 503", "본문")
        assert r.status_code == 504 and "만들어지지 않았습니다" in r.text
        assert len(gitlab_server.issues(PROJECT)) == 1
        assert sum(1 for m, p in gitlab_server.received if m == "POST" and p.endswith("/issues")) == 5

        # The answer lost after GitLab made the issue (a proxy's 502, then a slow answer):
        # found by title and text, reported as sent, never sent a second time.
        yoon = login_session(hub, "yoon")
        yoon.get(f"{gallery(hub)}/", timeout=60)
        gitlab_server.fault("POST", r"/issues$", status=502, after=True)
        r = send(yoon, hub, "응답이 사라진 요청", "본문 A")
        assert r.status_code == 302 and "sent=2" in r.headers["Location"], r.text[-1500:]
        gitlab_server.fault("POST", r"/issues$", status=None, delay=8, after=True)
        r = send(yoon, hub, "느린 요청", "본문 B")
        assert r.status_code == 302 and "sent=3" in r.headers["Location"], r.text[-1500:]
        assert [i["title"] for i in gitlab_server.issues(PROJECT)] == [
            "열 이름이 바뀌었습니다",
            "응답이 사라진 요청",
            "느린 요청",
        ]
        assert sum(1 for m, p in gitlab_server.received if m == "POST" and p.endswith("/issues")) == 7

        # Rate limit per official: 5 in 10 minutes (choi has made 2 attempts).
        for n in range(3):
            assert send(choi, hub, f"추가 요청 {n}", "본문").status_code == 302
        r = send(choi, hub, "하나 더", "본문")
        assert r.status_code == 429 and "너무 자주" in r.text and form_values(r.text) == ("하나 더", "본문")

        # Closed requests are listed apart; the count API (C2) answers a hub token only.
        gitlab_server.store.issues[gitlab_server.store.project_by_ref(PROJECT)["id"]][0]["state"] = "closed"
        hub_token = hub.api("POST", "/users/choi/tokens", json={"note": "lab"}).json()["token"]
        api = f"{gallery(hub)}/api/requests"

        def counts():
            got = requests.get(
                api, params={"project": PROJECT}, headers={"Authorization": f"token {hub_token}"}, timeout=30
            )
            assert got.status_code == 200, got.text
            body = got.json()
            return body if body["closed"] == 1 else None

        # The page's list is reused for 30 s; asked every 2 s, well inside the 60-a-minute limit.
        body = wait_for(counts, timeout=60, every=2)
        assert body == {"project": PROJECT, "open": 5, "closed": 1, "url": f"/services/gallery/p/{PROJECT}#requests"}
        assert choi.get(api, params={"project": PROJECT}, timeout=30).status_code == 403  # a cookie is not enough
        bad = requests.get(api, params={"project": "../x"}, headers={"Authorization": f"token {hub_token}"}, timeout=30)
        assert bad.status_code == 400 and bad.json()["ko"]
        shown = page_of(choi, hub)
        assert 'data-state="closed"' in shown and re.search(r'data-gallery="requests-closed">1<', shown)
        # Signed out: no form, no list, only the hub's sign-in.
        anon = requests.get(f"{gallery(hub)}/p/{PROJECT}", allow_redirects=False, timeout=30)
        assert anon.status_code in (302, 403) and "열 이름이 바뀌었습니다" not in anon.text
        # GitLab's token never reaches the page.
        assert token not in shown
    finally:
        hub.kill_everything()


@pytest.mark.browser
def test_a_second_official_files_a_request_in_chromium_and_the_author_sees_the_count(tmp_path, gitlab_server, page):
    tokens = gitlab_officials(gitlab_server, {"kim": "김민수", "park": "박지훈"})
    gitlab_server.add_group(GROUP, {"kim": 30}, visibility="public")
    hub = gitlab_signin_hub(
        tmp_path,
        gitlab_server,
        tokens,
        admin_users=("admin",),
        sharing={"namespace": GROUP, "agency": AGENCY},
        gallery={"request_timeout": 5},
    )
    hub.start()
    try:
        kim = sign_in_and_start(hub, ("kim",))["kim"]
        path = "민원분석.ipynb"
        assert hub.put_file("kim", path, notebook("민원 데이터 분석", "월별 민원 건수"), token=kim).status_code == 201

        def count():
            r = hub.lab("GET", "kim", "/govlab-share/requests", token=kim, params={"path": path})
            assert r.status_code == 200, r.text
            return r.json()

        assert count() == {"project": None}  # not shared yet
        r = hub.share("kim", kim, path, "민원 데이터 분석", "월별 민원 건수를 집계합니다.", "public")
        assert r.status_code == 200, r.text
        project = r.json()["project"]

        # park signs in at the gallery page of kim's work and files a request.
        page.goto(f"{gallery(hub)}/p/{project}")
        page.fill("input[name=username]", "park")
        page.fill("input[name=password]", USER_PASSWORD)
        page.click("#login_submit")
        page.locator("[data-gallery=request-form]").wait_for(timeout=120_000)
        assert "민원 데이터 분석" in page.locator("[data-gallery=detail-title]").inner_text()
        page.fill("[data-gallery=request-title-input]", "월 합계가 맞지 않습니다")
        page.fill("[data-gallery=request-text-input]", "3월 합계가 원자료와 12건 다릅니다.\n확인 부탁드립니다.")
        page.click("[data-gallery=request-submit]")
        page.locator("[data-gallery=request-sent]").wait_for(timeout=60_000)
        assert "월 합계가 맞지 않습니다" in page.locator("[data-gallery=request-list]").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "gallery-request-sent.png"), full_page=True)
        [issue] = gitlab_server.issues(project)
        assert (issue["author"], issue["labels"], issue["state"]) == ("park", [LABEL], "opened")
        assert issue["description"] == "3월 합계가 원자료와 12건 다릅니다.\n확인 부탁드립니다."  # as park himself

        # A resident registration number: refused, and nothing park typed is lost.
        typed = f"신청인 {RRN} 의 행이 그대로 보입니다."
        page.fill("[data-gallery=request-title-input]", "개인정보가 보입니다")
        page.fill("[data-gallery=request-text-input]", typed)
        page.click("[data-gallery=request-submit]")
        error = page.locator("[data-gallery=request-error]")
        error.wait_for(timeout=60_000)
        assert "주민등록번호" in error.inner_text() and "resident registration number" in error.inner_text()
        assert page.input_value("[data-gallery=request-title-input]") == "개인정보가 보입니다"
        assert page.input_value("[data-gallery=request-text-input]") == typed
        page.screenshot(path=str(ARTIFACTS / "gallery-request-refused.png"), full_page=True)
        assert len(gitlab_server.issues(project)) == 1

        # The author's lab counts it through the gallery (C2), with the page's link.
        got = count()
        assert (got["project"], got["open"], got["closed"]) == (project, 1, 0)
        assert got["url"].endswith(f"/services/gallery/p/{project}#requests")
    finally:
        hub.kill_everything()
