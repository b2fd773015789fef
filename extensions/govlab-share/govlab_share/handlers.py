"""Routes: GET /govlab-share/context and POST /govlab-share/share (docs/share-api.md)."""

from __future__ import annotations


import asyncio
import functools
import json
import os
from datetime import datetime
from pathlib import PurePosixPath

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from . import bundle as bundle_mod
from . import guard
from . import paths
from .chats import list_chats
from .config import VISIBILITIES, GovlabShare
from .errors import ShareError, bad_request
from .git_credential import git_environment
from .gitlab_client import too_large
from .history import ShareHistory, previous_summary
from .publish import ProjectInfo, ShareRequest, project_path, publish
from .taskdoc import DocMeta
from .tokens import get_token

SETTINGS_KEY = "govlab_share"
MAX_TITLE = 255
MAX_DESCRIPTION = 20000


class _Base(APIHandler):
    @property
    def share(self) -> dict:
        return self.settings[SETTINGS_KEY]

    @property
    def cfg(self) -> GovlabShare:
        return self.share["config"]

    @property
    def root(self) -> str:
        return self.share["root_dir"]

    def fail(self, err: ShareError) -> None:
        self.set_status(err.status)
        for key, value in err.headers.items():
            self.set_header(key, value)
        self.finish(json.dumps(err.to_dict(), ensure_ascii=False))

    async def run(self, fn, *args, **kwargs):
        """Blocking work (file reads, scanning, python-gitlab) off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))

    def user_names(self) -> tuple[str, str]:
        """(owner username, author display name) of the signed-in user."""
        user = self.current_user
        username = getattr(user, "username", None) or str(user or "")
        display = getattr(user, "display_name", None) or getattr(user, "name", None) or username
        return username, display


class ContextHandler(_Base):
    @tornado.web.authenticated
    async def get(self):
        try:
            body = await self.run(self._context, self.get_query_argument("path", ""))
        except ShareError as e:
            return self.fail(e)
        self.finish(json.dumps(body, ensure_ascii=False))

    def _context(self, path: str) -> dict:
        rel, real = paths.resolve(self.root, path, suffix=".ipynb")
        _, nb = bundle_mod.read_notebook(real)
        cfg = self.cfg
        problem = cfg.problem(self.settings[SETTINGS_KEY]["environ"])
        record = self.share["history"].get(rel, cfg.gitlab_url or None)
        return {
            "path": rel,
            "title": bundle_mod.notebook_title(nb) or PurePosixPath(rel).stem,
            "default_visibility": cfg.default_visibility,
            "visibilities": list(VISIBILITIES),
            "chats": [c.to_dict() for c in list_chats(self.root, rel, bundle_mod.cell_ids(nb))],
            "previous": previous_summary(record),
            "configured": problem is None,
            "problem": problem,
        }


def _parse_body(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"")
    except ValueError:
        raise bad_request("요청 본문이 올바른 JSON이 아닙니다.", "The request body is not valid JSON.")
    if not isinstance(body, dict):
        raise bad_request("요청 본문은 JSON 객체여야 합니다.", "The request body must be a JSON object.")
    errors = []
    path = body.get("path")
    if not isinstance(path, str) or not path.strip():
        errors.append("path: required string")
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise bad_request("제목을 입력하세요.", "The title is empty.", ["title: required"])
    if len(title) > MAX_TITLE:
        errors.append(f"title: at most {MAX_TITLE} characters")
    description = body.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        errors.append(f"description: string of at most {MAX_DESCRIPTION} characters")
    visibility = body.get("visibility")
    if visibility not in VISIBILITIES:
        raise bad_request(
            "공개 범위가 올바르지 않습니다 (private, internal, public 중 하나).",
            "Unknown visibility (private, internal or public).",
            [f"visibility: {visibility!r}"],
        )
    chats = body.get("chats", [])
    if chats is None:
        chats = []
    if not isinstance(chats, list) or not all(isinstance(c, str) for c in chats) or len(chats) > 100:
        errors.append("chats: list of at most 100 path strings")
    for key in ("keep_outputs", "force"):
        if not isinstance(body.get(key, False), bool):
            errors.append(f"{key}: boolean")
    if errors:
        raise bad_request("요청 형식이 올바르지 않습니다.", "Malformed request.", errors)
    return {
        "path": path,
        "title": title.strip(),
        "description": description.strip(),
        "visibility": visibility,
        "chats": chats,
        "keep_outputs": body.get("keep_outputs", False),
        "force": body.get("force", False),
    }


class ShareHandler(_Base):
    @tornado.web.authenticated
    async def post(self):
        try:
            body = _parse_body(self.request.body)
            rel, _ = paths.resolve(self.root, body["path"], suffix=".ipynb")
            lock = self.share["locks"].setdefault(rel, asyncio.Lock())
            async with lock:  # one share of a notebook at a time: no double project
                result = await self._share(rel, body)
        except ShareError as e:
            if e.status >= 500 or e.code.startswith("gitlab_"):
                self.log.warning("govlab_share: share failed: %s %s", e.code, e.details)
            return self.fail(e)
        self.finish(json.dumps(result, ensure_ascii=False))

    async def _share(self, rel: str, body: dict) -> dict:
        cfg = self.cfg
        problem = cfg.problem(self.settings[SETTINGS_KEY]["environ"])
        if problem:
            raise ShareError(
                "not_configured", 503,
                "GitLab 공유가 설정되지 않았습니다. 관리자에게 문의하세요.",
                "GitLab sharing is not configured; ask the operator.",
                details=[problem],
            )
        history: ShareHistory = self.share["history"]
        record = history.get(rel, cfg.gitlab_url)
        owner, author = self.user_names()
        tz = cfg.tzinfo()
        shared_at = datetime.now().astimezone(tz).isoformat(timespec="seconds")

        bundle = await self.run(
            bundle_mod.build_bundle, self.root, rel, body["chats"],
            keep_outputs=body["keep_outputs"], tz=tz,
        )
        meta = DocMeta(
            title=body["title"],
            description=body["description"],
            author=author,
            agency=cfg.agency,
            shared_at=shared_at,
            ai_model=cfg.resolved_ai_model(),
            notebook=bundle.notebook,
            source_path=rel,
            branch=cfg.branch,
            hub_public_url=cfg.hub_public_url,
            gallery_url=cfg.gallery_url,
            keep_outputs=body["keep_outputs"],
            history=list((record or {}).get("history") or []),
        )

        def render(info: ProjectInfo) -> dict[str, bytes]:
            meta.repo_name = info.path
            meta.clone_url = info.http_url_to_repo
            meta.web_url = info.web_url
            return bundle.with_documents(meta)

        # Scan everything before any GitLab call, with the project we expect to get.
        files = render(self._expected_project(rel, owner, record))
        size = bundle_mod.total_size(files)
        if size > cfg.max_bundle_bytes:
            raise too_large(size, cfg.max_bundle_bytes)
        environ = self.settings[SETTINGS_KEY]["environ"]
        known = guard.known_secrets(environ)
        await guard.check(files, known=known, budget=cfg.scan_budget)

        def final_files(info: ProjectInfo) -> dict[str, bytes]:
            out = render(info)
            # Only README/manifest can differ (project URLs): scan what changed.
            changed = {k: v for k, v in out.items() if files.get(k) != v}
            if changed:
                guard.check_sync(changed, known)
            return out

        token = await get_token(cfg, self.settings[SETTINGS_KEY]["environ"])
        req = ShareRequest(
            notebook_path=rel, owner=owner, title=body["title"],
            description=body["description"], visibility=body["visibility"], force=body["force"],
        )
        result, fields = await self.run(publish, cfg, token, req, record, final_files)
        del token

        same = record and record.get("project_id") == fields["project_id"]
        past = list((record or {}).get("history") or []) if same else []
        past.append({"commit": result["commit"], "shared_at": shared_at, "web_url": result["commit_url"]})
        fields.update(shared_at=shared_at, title=body["title"], history=past)
        await self.run(history.put, rel, fields)
        self.log.info("govlab_share: %s shared to %s (%s)", rel, result["project"], result["commit"][:12])
        return result

    def _expected_project(self, rel: str, owner: str, record: dict | None) -> ProjectInfo:
        cfg = self.cfg
        if record and record.get("path_with_namespace"):
            pwn = record["path_with_namespace"]
            return ProjectInfo(
                id=record.get("project_id") or 0,
                path=pwn.rsplit("/", 1)[-1],
                path_with_namespace=pwn,
                web_url=record.get("web_url") or f"{cfg.gitlab_url}/{pwn}",
                http_url_to_repo=record.get("http_url_to_repo") or f"{cfg.gitlab_url}/{pwn}.git",
            )
        path = project_path(rel, owner)
        pwn = f"{cfg.namespace or owner}/{path}"
        return ProjectInfo(0, path, pwn, f"{cfg.gitlab_url}/{pwn}", f"{cfg.gitlab_url}/{pwn}.git")


def setup_handlers(server_app) -> None:
    web_app = server_app.web_app
    cfg = GovlabShare(parent=server_app)  # reads {"GovlabShare": {...}} from the server config
    root_dir = getattr(server_app.contents_manager, "root_dir", None) or server_app.root_dir
    # A local-mode GitLab token leaves the process environment here, before any kernel
    # or terminal starts, so that user code cannot read it; only the handlers keep it.
    environ = dict(os.environ)
    if cfg.token_source == "env":
        os.environ.pop(cfg.token_env, None)
    elif cfg.gitlab_url:
        # GitLab sign-in: git (nbgitpuller's "open in my lab") clones internal and
        # private projects as the official, with the token the hub holds for them.
        os.environ.update(git_environment(cfg.gitlab_url))
    web_app.settings[SETTINGS_KEY] = {
        "config": cfg,
        "environ": environ,
        "root_dir": root_dir,
        "history": ShareHistory(cfg.history_path()),
        "locks": {},
    }
    base = url_path_join(web_app.settings["base_url"], "govlab-share")
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "context"), ContextHandler),
            (url_path_join(base, "share"), ShareHandler),
        ],
    )
