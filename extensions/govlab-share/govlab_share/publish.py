"""Push a bundle to GitLab: ensure the project, then ONE commit of all files.

Blocking (python-gitlab/requests); the handler runs it in a thread executor.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Callable

from anyascii import anyascii
from gitlab.exceptions import GitlabError

from . import __version__
from .errors import ShareError
from .gitlab_client import Client, map_error, remote_changed, too_large

# Every shared project carries this GitLab topic: the gallery finds shared work by it.
GALLERY_TOPIC = "govlab"


@dataclass
class ProjectInfo:
    id: int
    path: str
    path_with_namespace: str
    web_url: str
    http_url_to_repo: str


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


def _get_project(gl, ident):
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
                "gitlab_forbidden", 403,
                f"GitLab 그룹 '{namespace}'을(를) 찾을 수 없거나 권한이 없습니다.",
                f"GitLab group '{namespace}' does not exist or you have no access.",
                details=[str(e.error_message)],
            ) from None
        raise


def _ensure_project(gl, config, req: ShareRequest, record: dict | None):
    """(project, existed) - the recorded project, else the one at our path, else a new one."""
    if record and record.get("project_id"):
        project = _get_project(gl, record["project_id"])
        if project is not None:
            return project, True
    path = project_path(req.notebook_path, req.owner)
    if config.namespace:
        ns_path = config.namespace
    else:
        gl.auth()  # GET /user: the user's own namespace is their username
        ns_path = gl.user.username
    project = _get_project(gl, f"{ns_path}/{path}")
    if project is not None:
        return project, True

    data = {
        "name": project_name(req.title, path),
        "path": path,
        "visibility": req.visibility,
        "description": req.description[:2000],
        "initialize_with_readme": False,
        "topics": [GALLERY_TOPIC],
    }
    if config.namespace:
        data["namespace_id"] = _namespace_id(gl, config.namespace)
    try:
        return gl.projects.create(data), False
    except GitlabError as e:
        msg = e.error_message if isinstance(e.error_message, dict) else {}
        if e.response_code == 400 and "name" in msg and "path" not in msg:
            # Another project already has this title: keep it recognisable, make it unique.
            data["name"] = f"{data['name']} {path.rsplit('-', 1)[-1]}"
            return gl.projects.create(data), False
        raise


def _remote_tree(project, branch: str) -> dict[str, str]:
    """repo path -> blob id on the branch; {} for an empty repo or a missing branch."""
    try:
        items = project.repository_tree(ref=branch, recursive=True, get_all=True)
    except GitlabError as e:
        if e.response_code == 404:
            return {}
        raise
    return {i["path"]: i["id"] for i in items if i.get("type") == "blob"}


def _conflicts(tree: dict, known: dict, paths: list[str]) -> list[str]:
    """Files whose remote state differs from what our last share left there."""
    changed = [p for p, rec in known.items() if tree.get(p) != rec.get("blob_id")]
    changed += [p for p in paths if p not in known and p in tree]
    return sorted(set(changed))


def publish(
    config,
    token,
    req: ShareRequest,
    record: dict | None,
    make_files: Callable[[ProjectInfo], dict[str, bytes]],
) -> tuple[dict, dict]:
    """Share; returns (response body, new record fields). Raises ShareError."""
    try:
        return _publish(config, token, req, record, make_files)
    except ShareError:
        raise
    except Exception as e:  # requests / python-gitlab failures
        raise map_error(e) from None


def _publish(config, token, req, record, make_files):
    gl = _client(config, token)
    project, existed = _ensure_project(gl, config, req, record)
    info = _info(project)
    if existed:
        topics = list(getattr(project, "topics", None) or [])
        changed_visibility = getattr(project, "visibility", req.visibility) != req.visibility
        if changed_visibility or GALLERY_TOPIC not in topics:
            # Projects shared before the gallery existed get the topic on their next share.
            project.visibility = req.visibility
            project.topics = topics + [GALLERY_TOPIC] if GALLERY_TOPIC not in topics else topics
            project.save()

    same_project = bool(record) and record.get("project_id") == info.id
    known = dict(record.get("files") or {}) if same_project else {}
    files = make_files(info)
    size = sum(len(v) for v in files.values())
    if size > config.max_bundle_bytes:
        raise too_large(size, config.max_bundle_bytes)

    # A project created just now is empty: no tree round trip needed.
    tree = _remote_tree(project, config.branch) if existed else {}
    changed = _conflicts(tree, known, list(files))
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
        last = (known.get(path) or {}).get("last_commit_id")
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

    message = f"govlab 공유: {req.title}\n\nShared from {req.notebook_path} by govlab-share {__version__}"
    commit = project.commits.create(
        {"branch": config.branch, "commit_message": message, "actions": actions}
    )

    # GitLab stores the bytes as sent, so the blob ids are known locally: no second
    # tree listing after the commit (one round trip less per share).
    new_files = {}
    for path, data in files.items():
        blob = git_blob_id(data)
        touched = tree.get(path) != blob
        new_files[path] = {
            "blob_id": blob,
            "last_commit_id": commit.id if touched else (known.get(path) or {}).get("last_commit_id"),
        }
    commit_url = getattr(commit, "web_url", None) or f"{info.web_url}/-/commit/{commit.id}"
    body = {
        "web_url": info.web_url,
        "project": info.path_with_namespace,
        "commit": commit.id,
        "commit_url": commit_url,
        "files": sorted(files),
        "updated": existed,
    }
    record_fields = {
        "gitlab_url": config.gitlab_url,
        "project_id": info.id,
        "path_with_namespace": info.path_with_namespace,
        "web_url": info.web_url,
        "http_url_to_repo": info.http_url_to_repo,
        "branch": config.branch,
        "last_commit": commit.id,
        "files": new_files,
    }
    return body, record_fields
