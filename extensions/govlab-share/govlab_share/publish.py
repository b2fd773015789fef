"""Push a bundle to GitLab in two steps: `open_project` (find or create the project),
then `commit` (ONE commit of all files, rendered by the caller for that project).

Blocking (python-gitlab/requests); the handler runs it in a thread executor.
POSTs go out exactly once (landing.py finds out whether a failed one landed); a
first share whose commit did not land removes the project it created (`abandon`
when the caller stops between the steps); visibility and topic changes on a
re-share are best-effort.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from anyascii import anyascii
from gitlab.exceptions import GitlabError

from . import __version__, landing
from .errors import ShareError
from .gitlab_client import Client, is_transient, map_error, remote_changed

log = logging.getLogger(__name__)


@dataclass
class ProjectInfo:
    id: int
    path: str
    path_with_namespace: str
    web_url: str
    http_url_to_repo: str


@dataclass(frozen=True)
class Target:
    """The project a share goes into, as `open_project` found or created it."""

    project: Any  # python-gitlab Project
    existed: bool  # False: created by this share (removed again if nothing lands)
    info: ProjectInfo


@dataclass
class ShareRequest:
    notebook_path: str  # relative to the root
    owner: str  # the hub user; part of the project path hash
    title: str
    description: str
    visibility: str
    force: bool


def git_blob_id(data: bytes) -> str:
    """The git (SHA-1) object id of a blob, as GitLab's tree listing shows it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def project_path(notebook_path: str, owner: str) -> str:
    """A stable ASCII project path: slug of the file name + short hash of owner/path.

    Hangul is romanized (anyascii: 민원분석 -> minwonbunseog) so colleagues can read the
    URL; the project *name* keeps the Korean title.
    """
    stem = notebook_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    ascii_stem = anyascii(stem)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")[:40].strip("-") or "notebook"
    digest = hashlib.sha256(f"{owner}\0{notebook_path}".encode()).hexdigest()[:6]
    return f"{slug}-{digest}"


def project_name(title: str, fallback: str) -> str:
    """GitLab names allow letters (any script), digits, emoji, '_', '.', '+', '-', space."""
    name = re.sub(r"[^\w.+\- ]+", " ", title)
    name = re.sub(r"\s+", " ", name).strip()
    name = re.sub(r"^[^\w]+", "", name)  # must start with a letter, digit or '_'
    return name[:200] or fallback


def _client(config, token) -> Client:
    return Client(
        config.gitlab_url,
        token=token,
        timeout=config.request_timeout,
        max_retries=config.max_retries,
        max_retry_after=config.max_retry_after,
        user_agent=f"govlab-share/{__version__}",
    )


def _info(project) -> ProjectInfo:
    return ProjectInfo(
        id=project.id,
        path=project.path,
        path_with_namespace=project.path_with_namespace,
        web_url=project.web_url,
        http_url_to_repo=project.http_url_to_repo,
    )


def get_project(gl, ident):
    """The project by id or path, or None when GitLab says 404."""
    try:
        return gl.projects.get(ident)
    except GitlabError as e:
        if e.response_code == 404:
            return None
        raise


def _namespace_id(gl, namespace: str) -> int:
    try:
        return gl.groups.get(namespace).id
    except GitlabError as e:
        if e.response_code == 404:
            raise ShareError(
                "gitlab_forbidden",
                403,
                f"GitLab 그룹 '{namespace}'을(를) 찾을 수 없거나 권한이 없습니다.",
                f"GitLab group '{namespace}' does not exist or you have no access.",
                details=[str(e.error_message)],
            ) from None
        raise


def _ensure_project(gl, config, req: ShareRequest, record: dict | None):
    """(project, existed) - the recorded project, else the one at our path, else a new one."""
    if record and record.get("project_id"):
        project = get_project(gl, record["project_id"])
        if project is not None:
            return project, True
    path = project_path(req.notebook_path, req.owner)
    if config.namespace:
        ns_path = config.namespace
    else:
        gl.auth()  # GET /user: the user's own namespace is their username
        ns_path = gl.user.username
    full_path = f"{ns_path}/{path}"
    project = get_project(gl, full_path)
    if project is not None:
        return project, True

    data = {
        "name": project_name(req.title, path),
        "path": path,
        "visibility": req.visibility,
        "description": req.description[:2000],
        "initialize_with_readme": False,
        # Every shared project carries the gallery's topic: the gallery finds shared work by it.
        "topics": [config.gallery_topic],
    }
    if config.namespace:
        data["namespace_id"] = _namespace_id(gl, config.namespace)
    try:
        return _create_once(gl, data, full_path), False
    except GitlabError as e:
        msg = e.error_message if isinstance(e.error_message, dict) else {}
        if e.response_code == 400 and "name" in msg and "path" not in msg:
            # Another project already has this title: keep it recognisable, make it unique.
            data["name"] = f"{data['name']} {path.rsplit('-', 1)[-1]}"
            return _create_once(gl, data, full_path), False
        raise


def _create_once(gl, data: dict, full_path: str):
    """POST /projects exactly once. After a timeout/5xx the project may exist anyway:
    our path is unique to this official and notebook (and was free a moment ago), so
    a project there now is the one we just created. Not there: retry once."""
    for attempt in (1, 2):
        try:
            return gl.projects.create(data)  # gitlab_client never resends a POST
        except Exception as e:  # noqa: BLE001 - sorted below
            if not is_transient(e) or attempt == 2:
                raise
            log.warning(
                "govlab_share: creating %s failed (%s); checking whether it exists", full_path, type(e).__name__
            )
        project = get_project(gl, full_path)
        if project is not None:
            log.info("govlab_share: project %s was created despite the failure", full_path)
            return project


def _discard(project) -> None:
    """Remove a project this share created when its commit certainly did not land, so
    no empty project is left in the gallery. Best-effort: if it stays, the next share
    finds it at our path and uses it."""
    try:
        project.delete()  # DELETE /projects/:id (202; GitLab may schedule it)
        log.info("govlab_share: removed the empty project %s", project.path_with_namespace)
    except Exception as e:  # noqa: BLE001 - best-effort
        log.warning("govlab_share: could not remove the empty project %s: %s", project.path_with_namespace, e)


def _remote_tree(project, branch: str) -> dict[str, str]:
    """repo path -> blob id on the branch; {} for an empty repo or a missing branch."""
    try:
        items = project.repository_tree(ref=branch, recursive=True, get_all=True)
    except GitlabError as e:
        if e.response_code == 404:
            return {}
        raise
    return {i["path"]: i["id"] for i in items if i.get("type") == "blob"}


def _conflicts(tree: dict, known: dict, files: dict[str, str]) -> list[str]:
    """Files whose remote state differs from what our last share left there.

    `files` maps the paths we are about to send to their blob ids: a remote file that
    already holds exactly those bytes is no conflict (e.g. our own earlier commit
    whose answer was lost)."""
    changed = [p for p, rec in known.items() if tree.get(p) != rec.get("blob_id")]
    changed += [p for p in files if p not in known and p in tree]
    return sorted({p for p in changed if p not in files or tree.get(p) != files[p]})


def _adopt_landed(known: dict, tree: dict, head: dict | None, last_commit: str | None) -> dict:
    """The record after a share whose commit landed but whose answer was lost.

    That share recorded nothing, so the head (carrying our trailer, its parent the
    commit we recorded, or none on a first share) is ours: take its files as ours."""
    if not head or head.get("id") == last_commit or not landing.share_id_of(head):
        return known
    if not landing.parent_is(head, last_commit):
        return known
    adopted = {p: rec for p, rec in known.items() if p in tree}
    for path, blob in tree.items():
        if (known.get(path) or {}).get("blob_id") != blob:
            adopted[path] = {"blob_id": blob, "last_commit_id": head["id"]}
    log.info("govlab_share: adopting commit %s, a share whose answer was lost", head["id"][:12])
    return adopted


def _last_commit(known: dict, tree: dict, path: str) -> str | None:
    """The commit that last changed `path`, if the remote file is still as we recorded
    it; otherwise (same bytes put there by someone else) unknown: no stale lock."""
    rec = known.get(path) or {}
    return rec.get("last_commit_id") if rec.get("blob_id") == tree.get(path) else None


def _update_settings(project, req: ShareRequest, topic: str) -> list[dict]:
    """Re-share: visibility and the gallery topic, best-effort (PUT /projects/:id).

    A Developer may share into a project but not change its settings (GitLab: 403),
    and GitLab may fail: neither must fail the share. Returns the warnings to show."""
    topics = list(getattr(project, "topics", None) or [])
    old_visibility = getattr(project, "visibility", req.visibility)
    changed_visibility = old_visibility != req.visibility
    missing_topic = topic.lower() not in {t.lower() for t in topics}
    if not (changed_visibility or missing_topic):
        return []
    try:
        # Projects shared before the gallery existed get the topic on their next share.
        project.visibility = req.visibility
        project.topics = topics + [topic] if missing_topic else topics
        project.save()
        return []
    except Exception as e:  # noqa: BLE001 - best-effort, reported below
        log.warning("govlab_share: could not update visibility/topic of %s: %s", project.path_with_namespace, e)
    if not changed_visibility:
        return []
    return [
        {
            "message": f"공유는 되었지만 공개 범위를 '{req.visibility}'(으)로 바꾸지 못해 "
            f"'{old_visibility}' 그대로입니다. 프로젝트의 Maintainer에게 변경을 요청하세요.",
            "message_en": f"Shared, but the visibility could not be changed to '{req.visibility}'; "
            f"it stays '{old_visibility}'. Ask a Maintainer of the project to change it.",
        }
    ]


def open_project(config, token, req: ShareRequest, record: dict | None) -> Target:
    """The recorded project, else the one at our path, else a new one. Raises ShareError."""
    try:
        project, existed = _ensure_project(_client(config, token), config, req, record)
    except ShareError:
        raise
    except Exception as e:  # requests / python-gitlab failures
        raise map_error(e) from None
    return Target(project, existed, _info(project))


def abandon(target: Target) -> None:
    """The share stops before its commit: remove the project if this share created it."""
    if not target.existed:
        _discard(target.project)


def commit(
    config, target: Target, req: ShareRequest, record: dict | None, files: dict[str, bytes]
) -> tuple[dict, dict]:
    """ONE commit of `files` (rendered for `target.info`, size-checked and scanned by the
    caller); returns (response body, new record fields). Raises ShareError."""
    try:
        return _commit(config, target, req, record, files)
    except landing.OutcomeUnknown:
        raise  # it may have landed: the project holds it
    except ShareError:
        abandon(target)  # this share created it and nothing landed
        raise
    except Exception as e:  # requests / python-gitlab failures
        abandon(target)
        raise map_error(e) from None


def _commit(config, target: Target, req: ShareRequest, record: dict | None, files: dict[str, bytes]):
    project, existed, info = target.project, target.existed, target.info
    warnings = _update_settings(project, req, config.gallery_topic) if existed else []

    same_project = bool(record) and record.get("project_id") == info.id
    known = dict(record.get("files") or {}) if same_project else {}
    last_commit = record.get("last_commit") if same_project else None
    blobs = {path: git_blob_id(data) for path, data in files.items()}
    # A project created just now is empty: no round trips needed.
    head = landing.branch_head(project, config.branch) if existed else None
    tree = _remote_tree(project, config.branch) if head else {}
    known = _adopt_landed(known, tree, head, last_commit)
    changed = _conflicts(tree, known, blobs)
    if changed and not req.force:
        raise remote_changed(changed)

    actions = []
    for path, data in files.items():
        action = {
            "action": "update" if path in tree else "create",
            "file_path": path,
            "content": base64.b64encode(data).decode("ascii"),
            "encoding": "base64",
        }
        last = _last_commit(known, tree, path)
        if action["action"] == "update" and last and not req.force:
            action["last_commit_id"] = last  # GitLab refuses if someone changed it meanwhile
        actions.append(action)
    for path, rec in known.items():
        # A chat dropped from this share: delete our copy, but only if nobody changed it.
        if path not in files and path in tree and tree[path] == rec.get("blob_id"):
            act = {"action": "delete", "file_path": path}
            if rec.get("last_commit_id"):
                act["last_commit_id"] = rec["last_commit_id"]
            actions.append(act)

    share_id = landing.new_share_id()
    message = landing.with_trailer(
        f"govlab 공유: {req.title}\n\nShared from {req.notebook_path} by govlab-share {__version__}",
        share_id,
    )
    commit = landing.create_commit(
        project,
        {"branch": config.branch, "commit_message": message, "actions": actions},
        share_id,
        head["id"] if head else None,
    )

    # GitLab stores the bytes as sent, so the blob ids are known locally: no second
    # tree listing after the commit (one round trip less per share).
    new_files = {}
    for path, blob in blobs.items():
        touched = tree.get(path) != blob
        new_files[path] = {
            "blob_id": blob,
            "last_commit_id": commit["id"] if touched else _last_commit(known, tree, path),
        }
    commit_url = commit.get("web_url") or f"{info.web_url}/-/commit/{commit['id']}"
    body = {
        "web_url": info.web_url,
        "project": info.path_with_namespace,
        "commit": commit["id"],
        "commit_url": commit_url,
        "files": sorted(files),
        "updated": existed,
        "warnings": warnings,
    }
    record_fields = {
        "gitlab_url": config.gitlab_url,
        "project_id": info.id,
        "path_with_namespace": info.path_with_namespace,
        "web_url": info.web_url,
        "http_url_to_repo": info.http_url_to_repo,
        "branch": config.branch,
        "last_commit": commit["id"],
        "files": new_files,
    }
    return body, record_fields
