"""Reuse events (POST api/events), the open link's event and the curators' report.

The gallery app is real, JupyterHub's HubOAuth checks the tokens against the stand-in
hub API of test_gallery_refresh.py, and GitLab is the loopback server.
"""

from __future__ import annotations

import csv
import io
import time

import pytest

from govlab.gallery.config import CURATE_SCOPE
from govlab.gallery.events import EVENT_LIMIT
from tests.unit.test_gallery_refresh import ACCESS, HUB_TOKENS, hub_port, run, world  # noqa: F401

pytest_plugins = ("govlab_share.pytest_plugin",)

# The curator: a token carrying the hub's curator scope (the hub grants it to admins and
# gallery.curators).
HUB_TOKENS.setdefault("boss-token", {"kind": "user", "name": "boss", "scopes": [ACCESS, CURATE_SCOPE]})
SHARE = {"kind": "share", "project": "shared/minwon", "origin": None, "quality": "passed"}


def test_events_need_a_hub_token_with_access_to_the_gallery(hub_port, world):  # noqa: F811
    async def scenario(call, gallery):
        return [
            (await call("POST", "api/events", body=SHARE))[0],  # no token
            (await call("POST", "api/events", "forged-token", SHARE))[0],
            (await call("POST", "api/events", "no-access-token", SHARE))[0],
            gallery.store.events(),
        ]

    *codes, recorded = run(world, hub_port, scenario)
    assert codes == [401, 403, 403]
    assert recorded == []


def test_events_are_recorded_for_the_tokens_official(hub_port, world):  # noqa: F811
    async def scenario(call, gallery):
        await gallery.catalog.view("kim", None)  # the catalog knows shared/minwon's id
        share = await call("POST", "api/events", "kim-lab-token", {**SHARE, "user": "someone-else"})
        rerun = await call("POST", "api/events", "lee-lab-token", {"kind": "rerun", "project": "shared/minwon"})
        old_client = await call("POST", "api/events", "lee-lab-token", {"kind": "share", "project": "shared/new"})
        return share[0], rerun[0], old_client[0], gallery.store.events()

    share, rerun, old_client, events = run(world, hub_port, scenario)
    assert (share, rerun, old_client) == (204, 204, 204)
    assert [(e.kind, e.user, e.project, e.quality) for e in events] == [
        ("share", "kim", "shared/minwon", "passed"),  # the token's official, never the body's
        ("rerun", "lee", "shared/minwon", None),
        ("share", "lee", "shared/new", "unchecked"),  # no quality: recorded as not checked
    ]
    assert events[0].project_id is not None and events[2].project_id is None


@pytest.mark.parametrize(
    "body",
    [
        "not an object",
        [],
        {"kind": "open", "project": "shared/minwon"},  # opens are the gallery's own to record
        {"kind": "rerun"},
        {"kind": "rerun", "project": "../etc/passwd"},
        {"kind": "rerun", "project": "shared"},
        {"kind": "share", "project": "shared/a", "quality": "great"},
        {"kind": "share", "project": "shared/a", "origin": "x y/z", "quality": "passed"},
        {"kind": "share", "project": "shared/a", "origin": 5, "quality": "passed"},
        {"kind": "rerun", "project": "shared/" + "a" * 1_000_000},  # a megabyte
    ],
)
def test_bad_events_are_refused(hub_port, world, body):  # noqa: F811
    async def scenario(call, gallery):
        start = time.monotonic()
        code, answer = await call("POST", "api/events", "kim-lab-token", body)
        return code, answer, time.monotonic() - start, gallery.store.events()

    code, answer, took, events = run(world, hub_port, scenario)
    assert code == 400 and "올바르지" in answer["ko"] and "kind" in answer["en"]
    assert events == [] and took < 5


def test_events_are_rate_limited_per_official(hub_port, world):  # noqa: F811
    async def scenario(call, gallery):
        body = {"kind": "rerun", "project": "shared/minwon"}
        codes = [(await call("POST", "api/events", "kim-lab-token", body))[0] for _ in range(EVENT_LIMIT[0] + 1)]
        other = (await call("POST", "api/events", "lee-lab-token", body))[0]
        return codes, other, len(gallery.store.events())

    codes, other, recorded = run(world, hub_port, scenario)
    assert codes[:-1] == [204] * EVENT_LIMIT[0] and codes[-1] == 429
    assert other == 204  # one official's burst does not block another
    assert recorded == EVENT_LIMIT[0] + 1


def test_the_open_link_records_who_opened_and_the_report_counts_it(hub_port, world):  # noqa: F811
    async def scenario(call, gallery):
        await gallery.catalog.view("kim", None)
        await call("POST", "api/events", "kim-lab-token", SHARE)
        opened = await call("GET", "open/shared/minwon", "lee-lab-token")
        await call("POST", "api/events", "lee-lab-token", {"kind": "rerun", "project": "shared/minwon"})
        # kim's private project: opened by its owner, never in another curator's figures
        await call("POST", "api/refresh", "kim-lab-token", {"project": "shared/kim-secret"})
        await call("GET", "open/shared/kim-secret", "kim-lab-token")
        await call("POST", "api/events", "kim-lab-token", {**SHARE, "project": "shared/kim-secret"})
        refused = await call("GET", "report", "lee-lab-token")
        page = await call("GET", "report", "boss-token")
        sheet = await call("GET", "report.csv?sort=opens&dir=desc", "boss-token")
        bad = await call("GET", "report?since=2026-13-01", "boss-token")
        huge = await call("GET", "report?since=" + "9" * 50_000, "boss-token")  # near the header limit
        return opened, gallery.store.events(), refused, page, sheet, bad, huge

    opened, events, refused, page, sheet, bad, huge = run(world, hub_port, scenario)
    assert opened[0] == 302
    opens = [e for e in events if e.kind == "open"]
    assert [(e.user, e.project) for e in opens] == [("lee", "shared/minwon"), ("kim", "shared/kim-secret")]
    assert refused[0] == 403 and "관리자만".encode() in refused[1]
    assert page[0] == 200
    html = page[1].decode()
    assert 'data-project="shared/minwon"' in html and "kim-secret" not in html
    assert sheet[0] == 200 and sheet[1].startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(sheet[1].decode("utf-8-sig"))))
    minwon = next(r for r in rows if r[1] == "shared/minwon")
    assert minwon[4:7] == ["1", "1", "0"]  # lee opened it, then re-ran it
    assert minwon[9] == "통과 / passed"
    assert not any("kim-secret" in ",".join(r) for r in rows)
    assert bad[0] == 400 and huge[0] == 400


def test_improvement_requests_are_counted_and_a_gitlab_without_issues_leaves_them_unknown(gitlab_server):
    from govlab.gallery.catalog import client
    from govlab.gallery.issue_requests import LABEL
    from govlab.gallery.requests_count import read_counts

    g = gitlab_server
    g.add_user("bot")
    token = g.add_token("bot", scopes=("api",))
    g.add_group("shared", {"bot": 50}, visibility="public")
    pid = g.add_project("shared", "민원", "minwon", "public", ["govlab"], files={"README.md": "# 민원\n"})["id"]
    quiet = g.add_project("shared", "조용", "quiet", "public", ["govlab"], files={"README.md": "# q\n"})["id"]
    gl = client(g.url, token, 5)
    for title, labels in (("열 이름", LABEL), ("그래프", LABEL), ("질문", "question")):
        gl.http_post(f"/projects/{pid}/issues", post_data={"title": title, "labels": labels})
    gl.http_put(f"/projects/{pid}/issues/1", post_data={"state_event": "close"})
    assert read_counts(gl, [pid, quiet]) == {pid: (1, 1), quiet: (0, 0)}  # only the label counts
    g.fault("GET", r"/issues", status=404, count=2)  # a GitLab without the issues API
    assert read_counts(gl, [pid, quiet]) == {}
    g.fault("GET", r"/issues", status=500, count=1)  # down for one project: that one unknown
    assert read_counts(gl, [pid, quiet]) == {quiet: (0, 0)}
