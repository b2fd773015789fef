"""Commit an official's rendered files with the shared token, into their projects only.

Blocking (python-gitlab); the handler runs it in a worker thread. The rule: a project
may be written only if the ownership store names this official, or (a project at the
official's own path that the store does not know, e.g. shared before the service
existed) its govlab manifest names them as owner, or the share creates it just now.
Then `govlab_share.publish` opens the project and commits exactly as a lab would.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from gitlab.exceptions import GitlabError

from govlab_share import __version__, guard, publish
from govlab_share.bundle import README_PATH as README
from govlab_share.bundle import total_size
from govlab_share.errors import ShareError
from govlab_share.gitlab_client import Client, map_error, too_large
from govlab_share.manifest import MANIFEST_PATH, file_entry
from govlab_share.publish import ProjectInfo, ShareRequest, get_project, project_path
from govlab_share.tokens import GitLabToken

from .owners import OwnershipStore
from .request import PublishRequest


def not_yours(project: str) -> ShareError:
    return ShareError(
        "not_owner",
        403,
        f"프로젝트 {project}은(는) 본인이 공유한 프로젝트가 아니어서 고칠 수 없습니다. "
        "노트북을 다른 이름으로 저장한 뒤 새로 공유하세요.",
        f"Project {project} was not shared by you, so you cannot update it. Save the "
        "notebook under another name and share it as a new project.",
    )


def elsewhere(expected: str, actual: str) -> ShareError:
    return ShareError(
        "project_moved",
        409,
        f"프로젝트가 예상한 위치({expected})가 아니라 {actual}에 있습니다. 관리자에게 문의하세요.",
        f"The project is at {actual}, not at the expected {expected}; ask the operator.",
    )


def expected_project(cfg, notebook_path: str, user: str, record: dict | None) -> ProjectInfo:
    """The project the lab rendered its README for (the lab's `_expected_project`)."""
    if record and record.get("path_with_namespace"):
        pwn = record["path_with_namespace"]
    else:
        pwn = f"{cfg.namespace or user}/{project_path(notebook_path, user)}"
    return ProjectInfo(0, pwn.rsplit("/", 1)[-1], pwn, f"{cfg.gitlab_url}/{pwn}", f"{cfg.gitlab_url}/{pwn}.git")


def _url_forms(info: ProjectInfo) -> list[str]:
    """How the README spells a project: web and clone URLs, the nbgitpuller link's
    encoded clone URL, the gallery's open link."""
    return [
        info.http_url_to_repo,
        quote(info.http_url_to_repo, safe="/"),
        info.web_url,
        "/open/" + quote(info.path_with_namespace, safe="/"),
    ]


def map_project(files: dict[str, bytes], expected: ProjectInfo, actual: ProjectInfo) -> dict[str, bytes]:
    """The README pointed at the project the lab expected; point it at the actual one
    (same path, another namespace: e.g. the shared token's user) and keep the
    manifest's README digest true. Other files are the official's own: untouched."""
    if expected.path_with_namespace == actual.path_with_namespace or README not in files:
        return files
    pairs = dict(zip(_url_forms(expected), _url_forms(actual)))
    # Longest first: the clone URL starts with the web URL. Literal alternatives only.
    pattern = re.compile("|".join(re.escape(k) for k in sorted(pairs, key=len, reverse=True)))
    text = files[README].decode("utf-8", "replace")
    out = dict(files)
    out[README] = pattern.sub(lambda m: pairs[m.group(0)], text).encode("utf-8")
    manifest = _json(files.get(MANIFEST_PATH))
    if manifest and isinstance(manifest.get("files"), dict) and README in manifest["files"]:
        manifest["files"][README] = file_entry(out[README])
        out[MANIFEST_PATH] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return out


def _json(data: bytes | None):
    try:
        doc = json.loads(data or b"")
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def client(cfg, token: str) -> Client:
    return Client(
        cfg.gitlab_url,
        token=GitLabToken(value=token, kind="private"),
        timeout=cfg.request_timeout,
        max_retries=cfg.max_retries,
        max_retry_after=cfg.max_retry_after,
        user_agent=f"govlab-share-service/{__version__}",
    )


def manifest_owner(project, branch: str) -> str | None:
    """The `owner` the project's govlab manifest names, or None (none, unreadable)."""
    try:
        raw = project.files.raw(file_path=MANIFEST_PATH, ref=branch)
    except GitlabError as e:
        if e.response_code == 404:
            return None
        raise
    doc = _json(raw if isinstance(raw, bytes) else str(raw).encode())
    owner = doc.get("owner") if doc else None
    return owner if isinstance(owner, str) else None


def publish_for(
    cfg, token: str, store: OwnershipStore, user: str, req: PublishRequest, known: list[str]
) -> tuple[dict, dict]:
    """Share `req` as `user` (the name from the lab's hub token). Raises ShareError."""
    try:
        return _publish_for(cfg, token, store, user, req, known)
    except ShareError:
        raise
    except Exception as e:  # requests / python-gitlab failures before the publish steps
        raise map_error(e) from None


def _publish_for(cfg, token, store, user, req, known):
    record = req.record
    approved: set[int] = set()
    gl = client(cfg, token)
    if record and record.get("project_id"):
        pid = record["project_id"]
        owner = store.owner(pid)
        project = get_project(gl, pid) if owner is None else None
        if owner is None and project is None:
            pass  # gone: open_project() goes by the official's path instead (checked below)
        elif owner is None and manifest_owner(project, cfg.branch) == user:
            # Shared before the service kept records: the manifest says whose it is.
            store.claim(project.id, user, project.path_with_namespace)
            approved.add(pid)
        elif owner != user:
            raise not_yours(record.get("path_with_namespace") or f"#{pid}")
        else:
            approved.add(pid)

    path = project_path(req.notebook_path, user)
    if cfg.namespace:
        namespace = cfg.namespace
    else:
        gl.auth()  # the shared token's user: projects land in its namespace
        namespace = gl.user.username
    full_path = f"{namespace}/{path}"
    existing = get_project(gl, full_path)
    if existing is not None:
        owner = store.owner(existing.id)
        if owner is None and manifest_owner(existing, cfg.branch) == user:
            # Shared before the service kept records: the manifest says whose it is.
            store.claim(existing.id, user, existing.path_with_namespace)
            owner = user
        if owner != user:
            raise not_yours(existing.path_with_namespace)
        approved.add(existing.id)
    expected = expected_project(cfg, req.notebook_path, user, record)
    share = ShareRequest(
        notebook_path=req.notebook_path,
        owner=user,
        title=req.title,
        description=req.description,
        visibility=req.visibility,
        force=req.force,
    )
    target = publish.open_project(cfg, GitLabToken(value=token, kind="private"), share, record)
    try:
        files = _files_for(cfg, target.info, req, user, store, approved, existing, full_path, expected, known)
    except Exception:
        publish.abandon(target)  # refused before the commit: no empty project left
        raise
    return publish.commit(cfg, target, share, record, files)


def _files_for(
    cfg,
    info: ProjectInfo,
    req: PublishRequest,
    user: str,
    store: OwnershipStore,
    approved: set[int],
    existing,
    full_path: str,
    expected: ProjectInfo,
    known: list[str],
) -> dict[str, bytes]:
    """The lab's files for the project open_project() gave, once it is known to be this
    official's; README and manifest pointed at it, sized and re-scanned when they change."""
    if info.id not in approved:
        # Not the recorded project, not the one at the path a moment ago: only a
        # project open_project() just created at this official's path may be new.
        if existing is not None or info.path_with_namespace != full_path:
            raise not_yours(info.path_with_namespace)
        if not store.claim(info.id, user, info.path_with_namespace):
            raise not_yours(info.path_with_namespace)
    if info.path != expected.path:
        raise elsewhere(expected.path_with_namespace, info.path_with_namespace)
    files = map_project(req.files, expected, info)
    changed = {k: v for k, v in files.items() if req.files.get(k) != v}
    if changed:
        size = total_size(files)
        if size > cfg.max_bundle_bytes:
            raise too_large(size, cfg.max_bundle_bytes)
        guard.check_sync(changed, known)  # the README and manifest just rewritten
    return files
