"""Reuse figures, the lab's side: /govlab-share/origin, /govlab-share/events and the share's
`origin` (manifest, README) and share event. The gallery's events route is another part's
HTTP contract (C3): a small recording server stands in for it here; the real-hub test
(tests/integration/test_reuse.py) runs against the real gallery."""

import asyncio
import json
import subprocess
import time

import pytest
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from .conftest import make_notebook
from .helpers import post_share, remote_files, share_body

LAB_TOKEN = "kim-lab-token"


@pytest.fixture
def gallery(jp_serverapp, jp_asyncio_loop):
    """A recording stand-in for the gallery's refresh and events routes, wired into the lab."""
    seen: list[tuple[str, str, dict]] = []

    class Record(tornado.web.RequestHandler):
        def post(self, route):
            seen.append((route, self.request.headers.get("Authorization", ""), json.loads(self.request.body)))
            if route == "refresh":
                self.finish({"project": seen[-1][2].get("project")})
            else:
                self.set_status(204)

    async def start():
        sock, port = bind_unused_port()
        server = HTTPServer(tornado.web.Application([(r"/services/gallery/api/(refresh|events)", Record)]))
        server.add_sockets([sock])
        return server, port

    server, port = jp_asyncio_loop.run_until_complete(start())
    share = jp_serverapp.web_app.settings["govlab_share"]
    share["config"].gallery_notify_url = f"http://127.0.0.1:{port}/services/gallery/api/refresh"
    share["environ"]["JUPYTERHUB_API_TOKEN"] = LAB_TOKEN

    def events(count: int = 0, wait: float = 5.0) -> list[dict]:
        """The events received, after waiting (the loop running) until there are `count`."""

        async def settle():
            deadline = time.monotonic() + wait
            while sum(r == "events" for r, _, _ in seen) < count and time.monotonic() < deadline:
                await asyncio.sleep(0.05)

        jp_asyncio_loop.run_until_complete(settle())
        assert all(auth == f"token {LAB_TOKEN}" for _, auth, _ in seen)  # the lab's hub token, always
        return [body for route, _, body in seen if route == "events"]

    yield events
    server.stop()


@pytest.fixture
def pulled(jp_root_dir, gitlab_server, gitlab_user):
    """lee's shared project, pulled into kim's root as the gallery's open link does (git clone)."""
    gitlab_server.add_user("lee", name="이영희")
    nb = json.dumps(make_notebook(), ensure_ascii=False)
    gitlab_server.add_project("lee", "민원 분석", "minwon", "public", ["govlab"], files={"report.ipynb": nb})
    url = f"{gitlab_server.url}/lee/minwon.git"
    subprocess.run(["git", "clone", "-q", url, str(jp_root_dir / "minwon")], check=True, capture_output=True)
    return {"path": "minwon/report.ipynb", "project": "lee/minwon", "url": f"{gitlab_server.url}/lee/minwon"}


def get_origin(fetch, path):
    resp = fetch("govlab-share", "origin", params={"path": path})
    return resp.code, json.loads(resp.body or b"{}")


def post_event(fetch, body):
    resp = fetch("govlab-share", "events", method="POST", body=body if isinstance(body, str) else json.dumps(body))
    return resp.code, json.loads(resp.body or b"{}")


def test_origin_of_a_pulled_notebook_and_of_an_own_one(fetch, workspace, pulled):
    assert get_origin(fetch, pulled["path"]) == (
        200,
        {"path": pulled["path"], "origin": {"project": pulled["project"], "url": pulled["url"]}},
    )
    assert get_origin(fetch, workspace["path"]) == (200, {"path": workspace["path"], "origin": None})


def test_origin_refuses_paths_outside_and_odd_input(fetch, workspace, pulled):
    assert get_origin(fetch, "../etc/x.ipynb")[0] == 403
    assert get_origin(fetch, "minwon/.git/config")[0] == 403
    assert get_origin(fetch, "missing.ipynb")[0] == 404
    code, body = get_origin(fetch, "a" * 30_000 + ".ipynb")  # near the longest URL HTTP carries
    assert code == 400 and body["error"]["message"]
    code, body = post_event(fetch, {"kind": "rerun", "path": "가" * 1024 * 1024, "session": "k-1"})
    assert code == 400 and body["error"]["message"]  # a megabyte of path in the body


def test_a_rerun_is_sent_once_per_notebook_and_kernel_session(fetch, pulled, gallery):
    assert post_event(fetch, {"kind": "rerun", "path": pulled["path"], "session": "k-1"}) == (
        200,
        {"project": "lee/minwon", "sent": True, "repeated": False},
    )
    assert gallery(1) == [{"kind": "rerun", "project": "lee/minwon"}]
    code, body = post_event(fetch, {"kind": "rerun", "path": pulled["path"], "session": "k-1"})
    assert (code, body["repeated"], body["sent"]) == (200, True, False)
    assert len(gallery(2, wait=0.5)) == 1  # a second tab or a second run all: not counted again
    code, body = post_event(fetch, {"kind": "rerun", "path": pulled["path"], "session": "k-2"})
    assert (code, body["sent"]) == (200, True)
    assert gallery(2) == [{"kind": "rerun", "project": "lee/minwon"}] * 2  # a new kernel session counts


def test_a_rerun_of_a_notebook_from_nowhere_or_a_bad_request_sends_nothing(fetch, workspace, pulled, gallery):
    code, body = post_event(fetch, {"kind": "rerun", "path": workspace["path"], "session": "k-1"})
    assert code == 404 and body["error"]["code"] == "no_origin"
    assert "갤러리" in body["error"]["message"] and body["error"]["message_en"]
    bad = [
        {"kind": "share", "path": pulled["path"], "session": "k-1"},  # the browser cannot claim a share
        {"kind": "rerun", "path": pulled["path"]},
        {"kind": "rerun", "path": pulled["path"], "session": "../x"},
        {"kind": "rerun", "path": pulled["path"], "session": "k" * 1024 * 1024},
        ["rerun"],
    ]
    for body in bad:
        code, answer = post_event(fetch, body)
        assert code == 400 and answer["error"]["message"], body
    assert post_event(fetch, "{not json")[0] == 400
    assert gallery(wait=0.3) == []


def test_a_share_of_a_pulled_notebook_names_its_origin(fetch, pulled, gitlab_server, gallery):
    status, data = post_share(fetch, share_body(path=pulled["path"], chats=[]))
    assert status == 200, data
    assert data["project"] != "lee/minwon"  # kim's own project, based on lee's
    remote = remote_files(gitlab_server.bare_repo_path(data["project"]))
    manifest = json.loads(remote["govlab-manifest.json"])
    assert manifest["origin"] == {"project": "lee/minwon", "url": pulled["url"]}
    readme = remote["README.md"].decode()
    link = f"[lee/minwon]({pulled['url']})"
    assert f"원본: {link} / Based on: {link}" in readme
    assert gallery(1) == [{"kind": "share", "project": data["project"], "origin": "lee/minwon", "quality": "unchecked"}]


def test_a_share_of_an_own_notebook_has_no_origin(fetch, workspace, gitlab_server, gallery):
    status, data = post_share(fetch, share_body(chats=[]))
    assert status == 200, data
    remote = remote_files(gitlab_server.bare_repo_path(data["project"]))
    assert json.loads(remote["govlab-manifest.json"])["origin"] is None
    assert "Based on" not in remote["README.md"].decode()
    assert gallery(1) == [{"kind": "share", "project": data["project"], "origin": None, "quality": "unchecked"}]


def test_an_unreachable_gallery_fails_neither_the_share_nor_the_rerun(fetch, jp_serverapp, pulled):
    share = jp_serverapp.web_app.settings["govlab_share"]
    share["config"].gallery_notify_url = "http://127.0.0.1:9/services/gallery/api/refresh"  # nothing listens
    share["environ"]["JUPYTERHUB_API_TOKEN"] = LAB_TOKEN
    status, data = post_share(fetch, share_body(path=pulled["path"], chats=[]))
    assert status == 200, data
    code, body = post_event(fetch, {"kind": "rerun", "path": pulled["path"], "session": "k-1"})
    assert (code, body["sent"]) == (200, False)
