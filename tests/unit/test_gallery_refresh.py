"""The gallery's one-project refresh (POST api/refresh) and who sees a private share.

The gallery app is real, JupyterHub's own HubOAuth checks the tokens, and GitLab is the
loopback server. The hub's token check (`GET /hub/api/user`) is answered by a small
stand-in that knows three tokens; the full path through a real hub is in
tests/integration/test_gallery_password.py.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import pytest
import tornado.web
from jupyterhub.services.auth import HubOAuth
from tornado.httpclient import AsyncHTTPClient
from tornado.httpserver import HTTPServer

from govlab.gallery.app import Gallery, make_app
from govlab.gallery.config import GalleryConfig
from tests.support.ports import free_port

pytest_plugins = ("govlab_share.pytest_plugin",)

ACCESS = "access:services!service=gallery"
# hub API token -> the model the hub answers for it
HUB_TOKENS = {
    "kim-lab-token": {"kind": "user", "name": "kim", "scopes": [ACCESS, "users:activity!user=kim"]},
    "lee-lab-token": {"kind": "user", "name": "lee", "scopes": [ACCESS]},
    "no-access-token": {"kind": "user", "name": "park", "scopes": ["users:activity!user=park"]},
}


class HubUser(tornado.web.RequestHandler):
    def get(self):
        token = self.request.headers.get("Authorization", "").partition(" ")[2]
        if token not in HUB_TOKENS:
            raise tornado.web.HTTPError(403)
        self.finish(HUB_TOKENS[token])


def manifest(owner: str) -> str:
    return json.dumps({"title": f"{owner}의 비공개 노트북", "owner": owner, "author": owner}, ensure_ascii=False)


@pytest.fixture
def world(gitlab_server, tmp_path):
    g = gitlab_server
    g.add_user("bot")
    bot = g.add_token("bot", scopes=("api",))
    g.add_group("shared", {"bot": 50}, visibility="public")
    g.add_group("elsewhere", {"bot": 50}, visibility="public")
    g.add_project("shared", "민원 분석", "minwon", "public", ["govlab"], files={"README.md": "# 민원\n"})
    g.add_project("shared", "토픽 없음", "no-topic", "public", [], files={"README.md": "# x\n"})
    g.add_project(
        "shared",
        "김 비공개",
        "kim-secret",
        "private",
        ["govlab"],
        files={"govlab-manifest.json": manifest("kim"), "README.md": "# 비공개\n"},
    )
    g.add_project("elsewhere", "다른 그룹", "other", "public", ["govlab"], files={"README.md": "# y\n"})
    cfg = GalleryConfig(
        gitlab_url=g.url,
        namespaces=("shared",),
        owner_private=True,
        token=bot,
        refresh_every=3600,
        request_timeout=5,
        db_path=str(tmp_path / "g.sqlite"),
        prefix="/services/gallery/",
    )
    return cfg


@pytest.fixture(scope="module")
def hub_port():
    """The stand-in hub API, on its own thread: HubAuth checks tokens synchronously."""
    port, ready = free_port(), threading.Event()
    holder = {}

    def serve():
        async def main():
            server = HTTPServer(tornado.web.Application([(r"/hub/api/user", HubUser)]))
            server.listen(port, "127.0.0.1")
            holder["stop"] = asyncio.Event()
            holder["loop"] = asyncio.get_running_loop()
            ready.set()
            await holder["stop"].wait()
            server.stop()

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    yield port
    holder["loop"].call_soon_threadsafe(holder["stop"].set)
    thread.join(10)


def run(cfg: GalleryConfig, hub_port: int, scenario):
    """Start the gallery on loopback, then run `scenario(call, gallery)`."""

    async def main():
        gallery_port = free_port()
        auth = HubOAuth(
            api_url=f"http://127.0.0.1:{hub_port}/hub/api",
            api_token="service-token",
            oauth_client_id="service-gallery",
            access_scopes={ACCESS},
            base_url="/services/gallery/",
            cache_max_age=0,
        )
        gallery = Gallery(cfg)
        gallery.notify_url = f"http://127.0.0.1:{gallery_port}/services/gallery/api/refresh"
        server = HTTPServer(make_app(gallery, auth))
        server.listen(gallery_port, "127.0.0.1")
        client = AsyncHTTPClient()

        async def call(method: str, path: str, token: str = "", body: dict | None = None):
            headers = {"Authorization": f"token {token}"} if token else {}
            r = await client.fetch(
                f"http://127.0.0.1:{gallery_port}/services/gallery/{path}",
                method=method,
                headers=headers,
                body=None if body is None else json.dumps(body),
                raise_error=False,
                follow_redirects=False,
                request_timeout=30,
            )
            ctype = r.headers.get("Content-Type", "")
            return r.code, (json.loads(r.body) if ctype.startswith("application/json") and r.body else r.body)

        try:
            return await scenario(call, gallery)
        finally:
            server.stop()
            gallery.close()

    return asyncio.run(main())


def test_refresh_needs_a_hub_token_with_access_to_the_gallery(hub_port, world):
    async def scenario(call, gallery):
        body = {"project": "shared/minwon"}
        return [
            (await call("POST", "api/refresh", body=body))[0],  # no token
            (await call("POST", "api/refresh", "forged-token", body))[0],  # the hub does not know it
            (await call("POST", "api/refresh", "no-access-token", body))[0],  # lacks the gallery scope
            (await call("POST", "api/refresh", "kim-lab-token", body))[0],
        ]

    assert run(world, hub_port, scenario) == [403, 403, 403, 200]


def test_refresh_lists_a_new_share_at_once_and_refuses_what_is_not_the_gallerys(hub_port, world, gitlab_server):
    async def scenario(call, gallery):
        await gallery.catalog.view("kim", None)  # the catalog is loaded (refresh_every: an hour)
        gitlab_server.add_project("shared", "새 공유", "fresh", "public", ["govlab"], files={"README.md": "# 새\n"})
        before = {e.path_with_namespace for e in (await gallery.catalog.view("kim", None))[0]}
        fresh = await call("POST", "api/refresh", "kim-lab-token", {"project": "shared/fresh"})
        after = {e.path_with_namespace for e in (await gallery.catalog.view("lee", None))[0]}
        refused = {
            path: (await call("POST", "api/refresh", "kim-lab-token", {"project": path}))[0]
            for path in ("elsewhere/other", "shared/no-topic", "shared/missing", "../etc", "shared")
        }
        listed = {e.path_with_namespace for e in (await gallery.catalog.view("kim", None))[0]}
        return before, fresh, after, refused, listed

    before, (status, answer), after, refused, listed = run(world, hub_port, scenario)
    assert "shared/fresh" not in before and "shared/fresh" in after  # for every official, at once
    assert status == 200 and answer["project"] == "shared/fresh"
    assert answer["url"] == "/services/gallery/p/shared/fresh" and answer["ko"]
    assert refused == {
        "elsewhere/other": 403,  # outside the gallery's namespaces: no GitLab call
        "shared/no-topic": 404,
        "shared/missing": 404,  # not a shared project
        "../etc": 400,
        "shared": 400,
    }
    assert not {"elsewhere/other", "shared/no-topic"} & listed


def test_a_private_share_is_listed_for_its_owner_only(hub_port, world):
    async def scenario(call, gallery):
        await gallery.catalog.view("lee", None)  # loaded before the share
        kim = await call("POST", "api/refresh", "kim-lab-token", {"project": "shared/kim-secret"})
        lee = await call("POST", "api/refresh", "lee-lab-token", {"project": "shared/kim-secret"})
        seen = {}
        for user in ("kim", "lee"):
            entries, _ = await gallery.catalog.view(user, None)
            seen[user] = {e.path_with_namespace for e in entries}
        return kim[0], lee[0], seen

    kim, lee, seen = run(world, hub_port, scenario)
    assert (kim, lee) == (200, 404)  # lee learns nothing about it
    assert "shared/kim-secret" in seen["kim"] and "shared/kim-secret" not in seen["lee"]
    assert "shared/minwon" in seen["lee"]


def test_a_full_refresh_started_before_the_share_does_not_drop_it(hub_port, world, gitlab_server):
    async def scenario(call, gallery):
        shared = gallery.catalog.shared
        await gallery.catalog.view("kim", None)
        gitlab_server.fault("GET", r"^/api/v4/projects$", status=None, delay=1.5, count=1, after=True)
        shared.due = 0  # a scheduled full refresh: its listing is read before the share lands
        shared.kick()
        assert shared.running
        await asyncio.sleep(0.3)
        gitlab_server.add_project("shared", "새 공유", "fresh", "public", ["govlab"], files={"README.md": "# 새\n"})
        await call("POST", "api/refresh", "kim-lab-token", {"project": "shared/fresh"})
        await shared.task  # finishes with an answer that may predate the new project
        return {e.path_with_namespace for e in shared.entries}

    assert "shared/fresh" in run(world, hub_port, scenario)


# -- the lab's side (govlab_share.gallery_notify) ------------------------------------------
def test_the_lab_announces_a_share_with_its_hub_token(hub_port, world, gitlab_server):
    from govlab_share.config import GovlabShare
    from govlab_share.gallery_notify import after_share

    async def scenario(call, gallery):
        await gallery.catalog.view("kim", None)
        gitlab_server.add_project("shared", "새 공유", "fresh", "public", ["govlab"], files={"README.md": "# 새\n"})
        cfg = GovlabShare(
            gallery_notify_url=gallery.notify_url, gallery_url="https://lab.example.go.kr/services/gallery"
        )
        link = await after_share(cfg, {"JUPYTERHUB_API_TOKEN": "kim-lab-token"}, "shared/fresh")
        listed = {e.path_with_namespace for e in (await gallery.catalog.view("lee", None))[0]}
        return link, listed

    link, listed = run(world, hub_port, scenario)
    assert link == "https://lab.example.go.kr/services/gallery/p/shared/fresh"
    assert "shared/fresh" in listed


def test_an_unreachable_gallery_never_fails_or_holds_the_share():
    from govlab_share.config import GovlabShare
    from govlab_share.gallery_notify import NOTIFY_TIMEOUT, after_share

    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        cfg = GovlabShare(
            gallery_notify_url=f"http://127.0.0.1:{port}/services/gallery/api/refresh",
            gallery_url="https://lab.example.go.kr/services/gallery",
        )
        start = time.monotonic()
        link = asyncio.run(after_share(cfg, {"JUPYTERHUB_API_TOKEN": "t"}, "shared/fresh"))
        took = time.monotonic() - start
    assert link.endswith("/p/shared/fresh")  # the link still works: the gallery reads it on the first visit
    assert took < NOTIFY_TIMEOUT + 0.5


def test_the_manifest_names_the_sharing_official_as_owner():
    from govlab_share.manifest import render_manifest
    from govlab_share.taskdoc import DocMeta

    meta = DocMeta(
        title="t",
        description="",
        author="김민수",
        agency="",
        shared_at="2026-12-01T10:00:00+09:00",
        ai_model="",
        notebook="a.ipynb",
        source_path="a.ipynb",
        branch="main",
        owner="kim",
    )
    assert json.loads(render_manifest(meta, {"a.ipynb": b"{}"}))["owner"] == "kim"  # the hub name, not the display name
