"""Improvement requests' parts against the loopback GitLab: checks, scan, the one create
and the look-up after a lost answer (the pages are in tests/integration/test_gallery_requests.py)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from govlab import messages
from govlab.gallery import issue_requests as ir

RRN = "850315-1234566"
POOL = ThreadPoolExecutor(2)


async def run(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(POOL, fn, *args)


@pytest.fixture
def project(gitlab_server):
    gitlab_server.add_user("team")
    gitlab_server.add_group("shared", {"team": 30}, visibility="public")
    p = gitlab_server.add_project("shared", "세무", "semu", "public")
    token = gitlab_server.add_token("team")
    return {"id": p["id"], "gl": ir.client(gitlab_server.url, token, 2.0, oauth=False), "path": "shared/semu"}


def test_validate_names_each_problem():
    assert ir.validate("제목", "내용") == []
    assert ir.validate(" ", "") == [messages.REQUEST_TITLE_EMPTY, messages.REQUEST_TEXT_EMPTY]
    [long_text] = ir.validate("제목", "가" * 1_000_000)
    assert "1,000,000자" in long_text.ko and "20,000" in long_text.en
    assert ir.validate("가" * 201, "x")[0].ko.startswith("제목은 200자까지")


def test_compose_names_the_requester_only_through_the_catalog_token():
    assert ir.compose("본문", "choi", "행정안전부", on_behalf=False) == "본문"
    text = ir.compose("본문", "choi", "행정안전부", on_behalf=True)
    assert text.startswith("요청자 / Requested by: choi (행정안전부)") and text.endswith("\n\n본문")


def test_scan_refuses_a_resident_registration_number_with_a_masked_list():
    with pytest.raises(ir.RequestFailed) as e:
        asyncio.run(ir.scan(run, "문의", f"신청인 {RRN} 확인"))
    assert e.value.status == 422 and e.value.findings[0]["where"] == "내용 / text"
    assert "주민등록번호" in e.value.findings[0]["kind"] and RRN not in str(e.value.findings)
    asyncio.run(ir.scan(run, "문의", "3월 합계가 다릅니다"))  # clean: no exception
    asyncio.run(ir.scan(run, "긴 글", "가나다 " * 5000))  # the longest text allowed, within the budget


def test_send_creates_once_with_the_label(gitlab_server, project):
    issue = asyncio.run(ir.send(run, project["gl"], project["id"], "요청", "본문", 2.0))
    assert (issue["iid"], issue["labels"]) == (1, [ir.LABEL])
    assert [i["title"] for i in gitlab_server.issues(project["path"])] == ["요청"]


def test_a_lost_answer_is_looked_up_never_resent(gitlab_server, project):
    gl, pid = project["gl"], project["id"]
    # GitLab made it, then the answer timed out: found, one issue.
    gitlab_server.fault("POST", r"/issues$", status=None, delay=6, after=True)
    issue = asyncio.run(ir.send(run, gl, pid, "느린 요청", "본문", 2.0))
    assert issue["title"] == "느린 요청"
    # A 500 before anything was made: looked for, not found, "not sent".
    gitlab_server.fault("POST", r"/issues$", status=500)
    with pytest.raises(ir.RequestFailed) as e:
        asyncio.run(ir.send(run, gl, pid, "실패한 요청", "본문", 2.0))
    assert e.value.text == messages.REQUEST_NOT_SENT
    # Answer lost and the look-up fails too: "unknown", never "failed".
    gitlab_server.fault("POST", r"/issues$", status=502)
    gitlab_server.fault("GET", r"/issues$", status=503)
    with pytest.raises(ir.RequestFailed) as e:
        asyncio.run(ir.send(run, gl, pid, "모르는 요청", "본문", 2.0))
    assert e.value.text == messages.REQUEST_UNKNOWN
    posts = [m for m, p in gitlab_server.received if m == "POST" and p.endswith("/issues")]
    assert len(posts) == 3 and [i["title"] for i in gitlab_server.issues(project["path"])] == ["느린 요청"]


def test_gitlab_refusals_and_a_gitlab_that_is_not_there(gitlab_server, project):
    gl, pid = project["gl"], project["id"]
    gitlab_server.fault("POST", r"/issues$", status=429, retry_after=42)
    with pytest.raises(ir.RequestFailed) as e:
        asyncio.run(ir.send(run, gl, pid, "요청", "본문", 2.0))
    assert (e.value.status, e.value.retry_after) == (429, 42) and "42초" in e.value.text.ko
    assert sum(1 for m, p in gitlab_server.received if m == "POST") == 1  # 429 not waited out and resent
    nowhere = ir.client("http://127.0.0.1:9", "x", 2.0, oauth=False)  # nothing listens on port 9
    with pytest.raises(ir.RequestFailed) as e:
        asyncio.run(ir.send(run, nowhere, pid, "요청", "본문", 2.0))
    assert e.value.text == messages.REQUEST_GITLAB_DOWN


def test_listed_counts_and_caches(gitlab_server, project):
    gl, pid = project["gl"], project["id"]
    for n in range(3):
        asyncio.run(ir.send(run, gl, pid, f"요청 {n}", "본문", 2.0))
    gitlab_server.store.issues[pid][0]["state"] = "closed"
    reqs = ir.Requests()
    got = asyncio.run(reqs.listed(run, gl, pid, 2.0))
    assert (got.open, got.closed, [i["title"] for i in got.items]) == (2, 1, ["요청 2", "요청 1", "요청 0"])
    gitlab_server.fault("GET", r"/issues", status=503, count=10)
    assert asyncio.run(reqs.listed(run, gl, pid, 2.0)) is got  # reused for LIST_TTL
    reqs.forget(pid)
    assert asyncio.run(reqs.listed(run, gl, pid, 2.0)) is None  # GitLab down: no list, no error
