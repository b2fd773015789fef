"""`GET /govlab-share/origin?path=` and `POST /govlab-share/events`: a notebook's origin and
its completed re-run, for the frontend's reuse plugin (src/reuse.ts).

The browser names only the notebook; the project comes from the checkout on disk
(origin.py) and the event goes to the gallery from here with the lab's hub token,
which the browser never sees. A re-run counts once per notebook per kernel session.
"""

from __future__ import annotations

import asyncio
import json
import re

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from . import paths, reuse_events
from .errors import ShareError, bad_request
from .origin import origin_of

MAX_BODY = 16 * 1024
MAX_PATH = 4096  # longer than any path a lab holds
MAX_SEEN = 1000  # (notebook, session) pairs remembered; the oldest go first
_SESSION_RE = re.compile(r"[A-Za-z0-9_-]{1,100}")


class _ReuseBase(APIHandler):
    @property
    def share(self) -> dict:
        return self.settings["govlab_share"]

    def fail(self, err: ShareError) -> None:
        self.set_status(err.status)
        self.finish(json.dumps(err.to_dict(), ensure_ascii=False))

    async def origin(self, path: str) -> tuple[str, dict | None]:
        """(relative path, origin) of a notebook; file reads off the event loop."""
        root, gitlab_url = self.share["root_dir"], self.share["config"].gitlab_url

        if len(path) > MAX_PATH:
            raise bad_request("경로가 너무 깁니다.", "The path is too long.")

        def work():
            rel, _ = paths.resolve(root, path, suffix=".ipynb")
            return rel, origin_of(root, rel, gitlab_url)

        return await asyncio.get_running_loop().run_in_executor(None, work)


class OriginHandler(_ReuseBase):
    @tornado.web.authenticated
    async def get(self):
        try:
            rel, origin = await self.origin(self.get_query_argument("path", ""))
        except ShareError as e:
            return self.fail(e)
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"path": rel, "origin": origin}, ensure_ascii=False))


def _parse(raw: bytes) -> tuple[str, str]:
    if len(raw or b"") > MAX_BODY:
        raise bad_request("요청이 너무 큽니다.", "The request is too large.")
    try:
        body = json.loads(raw or b"")
    except ValueError:
        raise bad_request("요청 본문이 올바른 JSON이 아닙니다.", "The request body is not valid JSON.") from None
    if not isinstance(body, dict) or body.get("kind") != "rerun":
        raise bad_request("알 수 없는 사건입니다.", "Unknown event kind.", ["kind: must be 'rerun'"])
    path, session = body.get("path"), body.get("session")
    if not isinstance(path, str) or not isinstance(session, str) or not _SESSION_RE.fullmatch(session):
        raise bad_request("요청 형식이 올바르지 않습니다.", "Malformed request.", ["path, session: required strings"])
    return path, session


class EventsHandler(_ReuseBase):
    """`{"kind": "rerun", "path": <notebook>, "session": <kernel id>}`: every code cell ran."""

    @tornado.web.authenticated
    async def post(self):
        try:
            path, session = _parse(self.request.body)
            rel, origin = await self.origin(path)
        except ShareError as e:
            return self.fail(e)
        if origin is None:
            return self.fail(
                ShareError(
                    "no_origin",
                    404,
                    "이 노트북은 공유 갤러리에서 가져온 것이 아닙니다.",
                    "This notebook was not opened from the gallery.",
                )
            )
        seen: dict = self.share.setdefault("reruns_seen", {})
        key = (rel, session)
        if key in seen:  # a second tab or a repeated run in the same kernel session
            return self.finish(json.dumps({"project": origin["project"], "sent": False, "repeated": True}))
        seen[key] = True
        while len(seen) > MAX_SEEN:
            seen.pop(next(iter(seen)))
        sent = await reuse_events.rerun(self.share["config"], self.share["environ"], origin["project"], self.log)
        self.log.info("govlab_share: re-run of %s (%s) reported: %s", rel, origin["project"], sent)
        self.finish(json.dumps({"project": origin["project"], "sent": sent, "repeated": False}))


def setup_reuse(server_app) -> None:
    """Routes beside the share's (setup_handlers ran first and holds the settings)."""
    web_app = server_app.web_app
    base = url_path_join(web_app.settings["base_url"], "govlab-share")
    web_app.add_handlers(
        ".*$",
        [(url_path_join(base, "origin"), OriginHandler), (url_path_join(base, "events"), EventsHandler)],
    )
