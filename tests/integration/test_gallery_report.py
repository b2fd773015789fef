"""The curators' reuse report end to end: a real hub with the gallery service, the
loopback GitLab, officials' hub API tokens sending reuse events as their labs do (C3),
the open link, and `govlab gallery report` on the same settings file.

Shared-password sign-in: the catalog token reads every project; a private one is shown
to its manifest's owner only, so the curator (an admin) never sees kim's private work,
nor its figures. kim (행정안전부) shares; park (교육부, the agency his own share's
manifest names) opens it, re-runs it and shares his own version started from it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.integration.test_browser import ARTIFACTS
from tests.integration.test_gallery import GROUP, wait_for
from tests.support.hub import ADMIN_PASSWORD, GOVLAB, RunningHub, base_settings, free_port, login_session

pytestmark = [pytest.mark.hub, pytest.mark.browser]

MOIS, MOE = "행정안전부", "교육부"
LABEL = "개선요청"


def manifest(title: str, owner: str, agency: str) -> str:
    return json.dumps({"title": title, "owner": owner, "author": owner, "agency": agency}, ensure_ascii=False)


def cells(html: str, project: str) -> dict[str, str]:
    """The report page's figures of one project row (data-col -> text)."""
    m = re.search(r'<tr data-project="' + re.escape(project) + r'">(.{0,4000}?)</tr>', html, re.S)
    assert m, f"no row for {project}"
    return {
        k: re.sub(r"<[^>]{0,200}>", "", v).strip()
        for k, v in re.findall(r'data-col="(\w{1,30})">(.{0,300}?)</td>', m.group(1), re.S)
    }


def add_request(gitlab, token: str, project_id: int, state: str) -> bool:
    """An improvement request through GitLab's issues API; False while the loopback
    server has none (the report then shows the count as unknown)."""
    r = requests.post(
        f"{gitlab.url}/api/v4/projects/{project_id}/issues",
        headers={"PRIVATE-TOKEN": token},
        json={"title": "열 이름을 바꿔 주세요", "labels": LABEL},
        timeout=30,
    )
    if r.status_code == 404:
        return False
    assert r.status_code == 201, r.text
    if state == "closed":
        iid = r.json()["iid"]
        r = requests.put(
            f"{gitlab.url}/api/v4/projects/{project_id}/issues/{iid}",
            headers={"PRIVATE-TOKEN": token},
            json={"state_event": "close"},
            timeout=30,
        )
        assert r.status_code == 200, r.text
    return True


def test_the_curators_report_counts_reuse_across_agencies(tmp_path, gitlab_server, page):
    g = gitlab_server
    g.add_user("team", name="정책팀")
    token = g.add_token("team", scopes=("api",))
    g.add_group(GROUP, {"team": 50}, visibility="public")
    projects = {
        path: g.add_project(
            GROUP, title, path, vis, ["govlab"], files={"govlab-manifest.json": manifest(title, owner, ag)}
        )
        for path, title, vis, owner, ag in (
            ("minwon", "민원 데이터 분석", "public", "kim", MOIS),
            ("park-copy", "민원 데이터 분석 (교육부판)", "public", "park", MOE),
            ("kim-secret", "김 비공개 분석", "private", "kim", MOIS),
        )
    }
    with_requests = add_request(g, token, projects["minwon"]["id"], "opened")
    with_requests = with_requests and add_request(g, token, projects["minwon"]["id"], "closed")
    settings = base_settings(
        tmp_path / "state",
        sharing={"gitlab_url": g.url, "namespace": GROUP, "token": {"env": "GOVLAB_GITLAB_TOKEN"}, "agency": MOIS},
        gallery={
            "enabled": True,
            "bind_url": f"http://127.0.0.1:{free_port()}",
            "refresh_every": 10,
            "request_timeout": 3,
        },
    )
    hub = RunningHub(tmp_path, settings, env={"GOVLAB_GITLAB_TOKEN": token}).start()
    gallery = f"{hub.url}/services/gallery"
    try:
        tokens = {u: hub.create_user(u) for u in ("kim", "park", "lee")}

        def event(user: str, body: dict) -> int:
            r = requests.post(
                f"{gallery}/api/events", headers={"Authorization": f"token {tokens[user]}"}, json=body, timeout=30
            )
            return r.status_code

        sessions = {}
        for user in ("kim", "park", "lee", "admin"):
            s = login_session(hub, "admin", ADMIN_PASSWORD) if user == "admin" else login_session(hub, user)
            assert s.get(f"{gallery}/", timeout=60).status_code == 200  # the service's OAuth round trip
            sessions[user] = s
        # The catalog (with every manifest: owners and agencies) is loaded.
        wait_for(
            lambda: (
                {
                    e["project"]: e["agency"]
                    for e in sessions["kim"].get(f"{gallery}/api/entries", timeout=30).json()["entries"]
                }
                == {f"{GROUP}/minwon": MOIS, f"{GROUP}/park-copy": MOE, f"{GROUP}/kim-secret": MOIS}
            )
        )
        assert event("kim", {"kind": "share", "project": f"{GROUP}/minwon", "origin": None, "quality": "passed"}) == 204
        opened = sessions["park"].get(f"{gallery}/open/{GROUP}/minwon", allow_redirects=False, timeout=30)
        assert opened.status_code == 302
        assert event("park", {"kind": "rerun", "project": f"{GROUP}/minwon"}) == 204
        assert (
            event(
                "park",
                {"kind": "share", "project": f"{GROUP}/park-copy", "origin": f"{GROUP}/minwon", "quality": "skipped"},
            )
            == 204
        )
        # kim's private project: opened by lee? lee cannot (404); kim opens and re-shares it.
        assert (
            sessions["lee"].get(f"{gallery}/open/{GROUP}/kim-secret", allow_redirects=False, timeout=30).status_code
            == 404
        )
        assert (
            sessions["kim"].get(f"{gallery}/open/{GROUP}/kim-secret", allow_redirects=False, timeout=30).status_code
            == 302
        )
        assert (
            event("kim", {"kind": "share", "project": f"{GROUP}/kim-secret", "origin": None, "quality": "passed"})
            == 204
        )
        assert event("kim", {"kind": "open", "project": f"{GROUP}/minwon"}) == 400  # opens come from the link only

        # A non-curator gets 403, in Korean first.
        refused = sessions["lee"].get(f"{gallery}/report", timeout=30)
        assert refused.status_code == 403 and "관리자만" in refused.text
        assert "report-link" not in sessions["lee"].get(f"{gallery}/", timeout=30).text

        today = datetime.now(UTC).date().isoformat()
        admin = sessions["admin"]
        assert 'data-gallery="report-link"' in admin.get(f"{gallery}/", timeout=30).text
        shown = admin.get(f"{gallery}/report", params={"since": today, "until": today}, timeout=60)
        assert shown.status_code == 200, shown.text[:500]
        minwon = cells(shown.text, f"{GROUP}/minwon")
        figures = (minwon["opens"], minwon["reruns"], minwon["reshares"], minwon["quality"])
        assert figures == ("1", "1", "1", "통과 / passed")  # park opened, re-ran and re-shared it
        if with_requests:
            minwon = wait_for(
                lambda: (lambda c: c if c["requests_open"] != "-" else None)(
                    cells(admin.get(f"{gallery}/report", params={"since": today}, timeout=60).text, f"{GROUP}/minwon")
                )
            )
            assert (minwon["requests_open"], minwon["requests_closed"]) == ("1", "1")
        else:
            assert (minwon["requests_open"], minwon["requests_closed"]) == ("-", "-")
        assert "kim-secret" not in shown.text  # not the curator's to see: no figures either

        agencies = admin.get(f"{gallery}/report.csv", params={"since": today, "table": "agencies"}, timeout=60)
        rows = {r[0]: r for r in csv.reader(io.StringIO(agencies.content.decode("utf-8-sig")))}
        # 행정안전부: kim's share of minwon (passed); reuse by 교육부: an open, a re-run, a re-share.
        assert rows[MOIS][1:] == ["1", "1", "1", "1", "1"]
        assert rows[MOE][1:] == ["1", "0", "0", "0", "0"]
        officials = admin.get(f"{gallery}/report.csv", params={"since": today, "table": "officials"}, timeout=60)
        orows = {r[0]: r for r in csv.reader(io.StringIO(officials.content.decode("utf-8-sig")))}
        assert orows["kim"][1:] == [MOIS, "1", "1", "1", "1", "1"]  # kim-secret's share is not counted

        # The same table from the page and from the command line, byte for byte.
        sheet = admin.get(f"{gallery}/report.csv", params={"since": today, "until": today}, timeout=60)
        assert sheet.status_code == 200 and sheet.headers["Content-Type"].startswith("text/csv")
        assert sheet.content.startswith(b"\xef\xbb\xbf")
        out = tmp_path / "report.csv"
        done = subprocess.run(
            [str(GOVLAB), "gallery", "report", "--config", str(hub.settings_path), "--since", today, "--csv", str(out)],
            env=hub.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert out.read_bytes() == sheet.content
        assert "kim-secret" not in out.read_text(encoding="utf-8-sig")

        # In Chromium: the curator picks the period with the date inputs, sorts by a
        # column, and downloads the same CSV.
        page.goto(f"{hub.url}/hub/login?next=/services/gallery/report")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", ADMIN_PASSWORD)
        page.click("#login_submit")
        page.wait_for_url("**/services/gallery/report**", timeout=120_000)
        page.fill("input[name=since]", today)
        page.fill("input[name=until]", today)
        page.locator("[data-gallery=report-period] button").click()
        page.wait_for_url(re.compile(r".*since=" + today + r".*"))
        row = page.locator(f'[data-gallery=report-projects] tr[data-project="{GROUP}/minwon"]')
        assert row.locator("[data-col=reruns]").inner_text() == "1"
        order = page.locator("[data-gallery=report-projects] tbody tr")
        page.locator("[data-gallery=sort-title]").click()  # title, descending
        page.wait_for_url(re.compile(r".*sort=title.*"))
        first = order.first.get_attribute("data-project")
        page.locator("[data-gallery=sort-title]").click()  # the same column again: ascending
        page.wait_for_url(re.compile(r".*dir=asc.*"))
        assert [first, order.first.get_attribute("data-project")] == [f"{GROUP}/park-copy", f"{GROUP}/minwon"]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "gallery-report.png"), full_page=True)
        page.goto(f"{gallery}/report?since={today}&until={today}")
        with page.expect_download() as got:
            page.locator("[data-gallery=csv-projects]").click()
        assert Path(got.value.path()).read_bytes() == sheet.content
    finally:
        hub.kill_everything()
