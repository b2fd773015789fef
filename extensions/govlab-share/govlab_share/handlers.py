"""Routes: GET /govlab-share/context, POST /govlab-share/check and /share (docs/share-api.md)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import os
from datetime import datetime
from pathlib import PurePosixPath

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from . import bundle as bundle_mod
from . import gallery_notify, guard, paths, publish, reuse_events, share_client
from .chats import list_chats
from .config import VISIBILITIES, GovlabShare
from .errors import ShareError, bad_request
from .git_credential import git_environment
from .history import ShareHistory, previous_summary, shared_chats
from .origin import origin_of
from .publish import ProjectInfo, ShareRequest, project_path
from .quality import handlers as quality_handlers
from .quality import share as quality_share
from .requests_count import RequestCountHandler
from .suggest import suggest_files
from .taskdoc import DocMeta
from .tokens import get_token

SETTINGS_KEY = "govlab_share"
MAX_TITLE = 255
MAX_DESCRIPTION = 20000
MAX_EXTRA_FILES = 100


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
        chats = [c.to_dict() for c in list_chats(self.root, rel, bundle_mod.cell_ids(nb))]
        return {
            "path": rel,
            "title": bundle_mod.notebook_title(nb) or PurePosixPath(rel).stem,
            "default_visibility": cfg.default_visibility,
            "visibilities": list(VISIBILITIES),
            "chats": chats,
            "suggested_files": suggest_files(self.root, rel, nb),
            "previous": previous_summary(record, [c["path"] for c in chats]),
            "configured": problem is None,
            "problem": problem,
            # What the dialog shows beside each step's elapsed time (seconds).
            "budgets": {"scan": cfg.scan_budget, "upload": upload_budget(cfg)},
            "max_bundle_bytes": cfg.max_bundle_bytes,
            # The dialog offers the quality check only when it is on (docs/share-api.md).
            "quality_check": {"enabled": cfg.quality_check_enabled, "time_limit": cfg.quality_time_limit},
        }


def upload_budget(cfg: GovlabShare) -> float:
    """Worst case of the GitLab step: a handful of requests, each retried with waits."""
    per_request = cfg.request_timeout * (cfg.max_retries + 1) + cfg.max_retry_after * cfg.max_retries
    return round(6 * per_request, 1)


def _parse_body(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"")
    except ValueError:
        raise bad_request("요청 본문이 올바른 JSON이 아닙니다.", "The request body is not valid JSON.") from None
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
    lists = {}
    for key, limit in (("chats", 100), ("files", MAX_EXTRA_FILES), ("remove_chats", 100)):
        value = body.get(key) or []
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value) or len(value) > limit:
            errors.append(f"{key}: list of at most {limit} path strings")
        lists[key] = value if isinstance(value, list) else []
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
        "chats": lists["chats"],
        "files": lists["files"],
        "remove_chats": lists["remove_chats"],
        "keep_outputs": body.get("keep_outputs", False),
        "force": body.get("force", False),
        "quality": quality_share.parse_field(body.get("quality")),  # absent: not checked
    }


def chats_removed(record: dict | None, chats: list[str], remove: list[str]) -> ShareError | None:
    """A chat of the last share left out now, and not named in `remove_chats`: refuse.

    Dropping a chat deletes it from the repository; the official confirms that by name.
    """
    kept = {paths_norm(c) for c in chats}
    confirmed = {paths_norm(c) for c in remove}
    # Older records name chats by repository path: compare those by repository path too.
    kept |= {bundle_mod.chat_repo_path(c) for c in kept}
    confirmed |= {bundle_mod.chat_repo_path(c) for c in confirmed}
    dropped = [c for c in shared_chats(record, chats) if c not in kept and c not in confirmed]
    if not dropped:
        return None
    names = ", ".join(PurePosixPath(c).stem for c in dropped)
    return ShareError(
        "chats_removed",
        409,
        f"지난번에 공유한 대화가 빠졌습니다: {names}. 저장소에서 삭제하려면 확인하고, 남기려면 대화를 다시 선택하세요.",
        f"Chats shared last time are left out: {names}. Confirm to remove them from the "
        "repository, or tick them again to keep them.",
        details=dropped,
    )


def paths_norm(path: str) -> str:
    """The form chat paths have in the history (relative, '/'-separated)."""
    return "/".join(p for p in path.replace("\\", "/").split("/") if p not in ("", "."))


@dataclasses.dataclass(frozen=True)
class _Prepared:
    """A bundle built, rendered for the project we expect, sized and scanned: what
    /check answers and /share commits."""

    bundle: bundle_mod.Bundle
    meta: DocMeta
    files: dict[str, bytes]
    notices: list[dict]
    known: list[str]  # secrets the scan looks for verbatim

    def for_project(self, info: ProjectInfo, max_bytes: int) -> dict[str, bytes]:
        """The files for the project GitLab gave us: those scanned, unless it lies
        elsewhere than expected (then README and manifest name it: sized and scanned again)."""
        meta = self.meta
        if (meta.repo_name, meta.clone_url, meta.web_url) == (info.path, info.http_url_to_repo, info.web_url):
            return self.files
        files = bundle_mod.render(self.bundle, _at(meta, info), max_bytes)
        changed = {k: v for k, v in files.items() if self.files.get(k) != v}
        if changed:
            guard.check_sync(changed, self.known)
        return files


class _ShareBase(_Base):
    def not_configured(self) -> None:
        problem = self.cfg.problem(self.settings[SETTINGS_KEY]["environ"])
        if problem:
            raise ShareError(
                "not_configured",
                503,
                "GitLab 공유가 설정되지 않았습니다. 관리자에게 문의하세요.",
                "GitLab sharing is not configured; ask the operator.",
                details=[problem],
            )

    async def handle(self, work) -> None:
        try:
            body = _parse_body(self.request.body)
            rel, _ = paths.resolve(self.root, body["path"], suffix=".ipynb")
            lock = self.share["locks"].setdefault(rel, asyncio.Lock())
            async with lock:  # one share of a notebook at a time: no double project
                result = await work(rel, body)
        except ShareError as e:
            if e.status >= 500 or e.code.startswith("gitlab_"):
                self.log.warning("govlab_share: share failed: %s %s", e.code, e.details)
            return self.fail(e)
        self.finish(json.dumps(result, ensure_ascii=False))

    async def build_and_scan(self, rel: str, body: dict, record: dict | None, shared_at: str) -> _Prepared:
        """Build the bundle with its documents, check size and scan it: no hub, no GitLab."""
        cfg = self.cfg
        refused = chats_removed(record, body["chats"], body["remove_chats"])
        if refused:
            raise refused
        owner, author = self.user_names()
        bundle = await self.run(
            bundle_mod.build_bundle,
            self.root,
            rel,
            body["chats"],
            keep_outputs=body["keep_outputs"],
            tz=cfg.tzinfo(),
            extra_paths=body["files"],
            max_bytes=cfg.max_bundle_bytes,
        )
        # The check's requirements.txt and (outputs kept) executed notebook join the bundle before the scan.
        jobs = self.share[quality_handlers.JOBS_KEY]
        bundle, quality = await self.run(
            quality_share.attach, jobs, self.root, rel, body.get("quality"), bundle, body["keep_outputs"]
        )
        expected = self._expected_project(rel, owner, record)
        origin = await self.run(origin_of, self.root, rel, cfg.gitlab_url)
        if origin and origin["project"] == expected.path_with_namespace:
            origin = None  # a checkout of this very project: not a reuse of another
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
            repo_name=expected.path,
            clone_url=expected.http_url_to_repo,
            web_url=expected.web_url,
            hub_public_url=cfg.hub_public_url,
            gallery_url=cfg.gallery_url,
            thumbnail=bundle.thumbnail,
            keep_outputs=body["keep_outputs"],
            owner=owner,
            chats=bundle.chats,
            extra_files=bundle.extra,
            history=list((record or {}).get("history") or []),
            origin=origin,
            quality=quality,
        )
        # Scan everything before any GitLab call, with the project we expect to get.
        files = bundle_mod.render(bundle, meta, cfg.max_bundle_bytes)
        environ = self.settings[SETTINGS_KEY]["environ"]
        known = guard.known_secrets(environ, cfg.token_env)
        notices = await guard.check(files, known=known, budget=cfg.scan_budget)
        return _Prepared(bundle, meta, files, [_as_dict(f) for f in notices or []], known)

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


def _at(meta: DocMeta, info: ProjectInfo) -> DocMeta:
    """The document metadata naming the project (its folder, clone and web URLs)."""
    return dataclasses.replace(meta, repo_name=info.path, clone_url=info.http_url_to_repo, web_url=info.web_url)


def _as_dict(finding) -> dict:
    return finding.to_dict() if hasattr(finding, "to_dict") else dict(finding)


class CheckHandler(_ShareBase):
    """Step 1 of the dialog: build and scan exactly what /share would commit."""

    @tornado.web.authenticated
    async def post(self):
        await self.handle(self._check)

    async def _check(self, rel: str, body: dict) -> dict:
        self.not_configured()
        cfg = self.cfg
        record = self.share["history"].get(rel, cfg.gitlab_url)
        shared_at = datetime.now().astimezone(cfg.tzinfo()).isoformat(timespec="seconds")
        prepared = await self.build_and_scan(rel, body, record, shared_at)
        files = prepared.files
        return {
            "files": [{"path": p, "size": len(files[p])} for p in sorted(files)],
            "total_size": bundle_mod.total_size(files),
            "notices": prepared.notices,
        }


class ShareHandler(_ShareBase):
    @tornado.web.authenticated
    async def post(self):
        await self.handle(self._share)

    async def _share(self, rel: str, body: dict) -> dict:
        self.not_configured()
        cfg = self.cfg
        history: ShareHistory = self.share["history"]
        record = history.get(rel, cfg.gitlab_url)
        owner, _ = self.user_names()
        shared_at = datetime.now().astimezone(cfg.tzinfo()).isoformat(timespec="seconds")
        prepared = await self.build_and_scan(rel, body, record, shared_at)

        if cfg.token_source == "service":
            # The shared token stays in the hub: the share service re-scans and commits.
            result, fields = await self._publish_via_service(rel, body, record, prepared.files)
        else:
            token = await get_token(cfg, self.settings[SETTINGS_KEY]["environ"])
            req = ShareRequest(
                notebook_path=rel,
                owner=owner,
                title=body["title"],
                description=body["description"],
                visibility=body["visibility"],
                force=body["force"],
            )
            target = await self.run(publish.open_project, cfg, token, req, record)
            del token
            try:
                files = await self.run(prepared.for_project, target.info, cfg.max_bundle_bytes)
            except Exception:
                await self.run(publish.abandon, target)  # nothing lands: no empty project left
                raise
            result, fields = await self.run(publish.commit, cfg, target, req, record, files)

        same = record and record.get("project_id") == fields["project_id"]
        past = list((record or {}).get("history") or []) if same else []
        past.append({"commit": result["commit"], "shared_at": shared_at, "web_url": result["commit_url"]})
        fields.update(
            shared_at=shared_at,
            title=body["title"],
            history=past,
            # The form as sent: the next share of this notebook starts from it.
            description=body["description"],
            visibility=body["visibility"],
            keep_outputs=body["keep_outputs"],
            chats=[c["source"] for c in prepared.bundle.chats],
            extra_files=[e["source"] for e in prepared.bundle.extra],
        )
        await self.run(history.put, rel, fields)
        result["gallery_url"] = await gallery_notify.after_share(  # bounded, never fails the share
            self.cfg, self.settings[SETTINGS_KEY]["environ"], result["project"], self.log
        )
        reuse_events.after_share(  # in the background: the answer does not wait for it
            self.cfg,
            self.settings[SETTINGS_KEY]["environ"],
            result["project"],
            prepared.meta.origin,
            prepared.meta.quality,  # the quality check's record ({} when none)
            self.log,
        )
        self.log.info("govlab_share: %s shared to %s (%s)", rel, result["project"], result["commit"][:12])
        result["notices"] = prepared.notices
        return result

    async def _publish_via_service(self, rel: str, body: dict, record: dict | None, files: dict[str, bytes]):
        cfg = self.cfg
        payload = {
            "notebook_path": rel,
            "title": body["title"],
            "description": body["description"],
            "visibility": body["visibility"],
            "force": body["force"],
            # What the service needs of our record (it checks the project is ours).
            "record": {k: record.get(k) for k in ("project_id", "path_with_namespace", "files", "last_commit")}
            if record
            else None,
        }
        timeout = share_client.publish_timeout(cfg, upload_budget(cfg))
        return await share_client.publish(cfg, self.settings[SETTINGS_KEY]["environ"], payload, files, timeout)


def setup_handlers(server_app) -> None:
    web_app = server_app.web_app
    cfg = GovlabShare(parent=server_app)  # reads {"GovlabShare": {...}} from the server config
    root_dir = getattr(server_app.contents_manager, "root_dir", None) or server_app.root_dir
    # token_source "env" (a lab outside a hub, a developer's own token): the token leaves
    # the environment kernels inherit, but /proc/<pid>/environ of this process still
    # has it: only for a token its official may hold. Under a hub no lab holds a shared
    # one (token_source "service": the hub's share service commits).
    environ = dict(os.environ)
    if cfg.token_source == "env":
        os.environ.pop(cfg.token_env, None)
    elif cfg.gitlab_url and cfg.token_source == "hub":
        # GitLab sign-in: git (nbgitpuller's "open in my lab") clones internal and
        # private projects as the official, with the token the hub holds for them.
        os.environ.update(git_environment(cfg.gitlab_url, service_url=cfg.service_url))
    web_app.settings[SETTINGS_KEY] = {
        "config": cfg,
        "environ": environ,
        "root_dir": root_dir,
        "history": ShareHistory(cfg.history_path()),
        "locks": {},
        quality_handlers.JOBS_KEY: quality_handlers.new_jobs(),
    }
    base = url_path_join(web_app.settings["base_url"], "govlab-share")
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "context"), ContextHandler),
            (url_path_join(base, "check"), CheckHandler),
            (url_path_join(base, "share"), ShareHandler),
            *quality_handlers.routes(base),
            (url_path_join(base, "requests"), RequestCountHandler),
        ],
    )
