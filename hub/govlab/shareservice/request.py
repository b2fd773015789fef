"""The body of `POST api/publish`, checked before anything else happens.

The lab sends what it rendered and scanned (files as base64), the share form's fields,
and its local record of the notebook's project. Nothing here is trusted: every field
is typed and bounded, file paths are relative repository paths only, and the owner is
never read from the body (the service takes it from the lab's hub token).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from govlab_share.config import VISIBILITIES
from govlab_share.errors import ShareError, bad_request
from govlab_share.gitlab_client import too_large

MAX_TITLE = 255
MAX_DESCRIPTION = 20000
MAX_PATH = 1000
# notebook + 100 chats with their transcripts + 100 extra files + README + manifest
MAX_FILES = 400
SHA1 = re.compile(r"[0-9a-f]{40}")
# `group/sub/project`, as GitLab spells full paths (bounded).
FULL_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}(?:/[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}){1,20}")


@dataclass(frozen=True)
class PublishRequest:
    notebook_path: str
    title: str
    description: str
    visibility: str
    force: bool
    files: dict[str, bytes]
    record: dict | None


def repo_path_problem(path) -> str | None:
    """Why `path` is not a relative repository path we commit, or None."""
    if not isinstance(path, str) or not path:
        return "empty"
    if len(path) > MAX_PATH:
        return f"longer than {MAX_PATH} characters"
    if "\x00" in path or "\\" in path:
        return "contains NUL or a backslash"
    if path.startswith("/") or re.match(r"[A-Za-z]:", path):
        return "absolute"
    parts = path.split("/")
    if any(p == "" for p in parts):
        return "has an empty part"
    if any(p in (".", "..") for p in parts):
        return "has '.' or '..'"
    return None


def _files(raw, max_bytes: int, errors: list[str]) -> dict[str, bytes]:
    if not isinstance(raw, dict) or not raw:
        errors.append("files: non-empty object of path -> base64")
        return {}
    if len(raw) > MAX_FILES:
        errors.append(f"files: at most {MAX_FILES}")
        return {}
    out: dict[str, bytes] = {}
    total = 0
    for path, data in raw.items():
        problem = repo_path_problem(path)
        if problem:
            errors.append(f"files: {path[:100]!r}: {problem}")
            continue
        if not isinstance(data, str):
            errors.append(f"files: {path[:100]!r}: not a base64 string")
            continue
        try:
            out[path] = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            errors.append(f"files: {path[:100]!r}: not valid base64")
            continue
        total += len(out[path])
    if total > max_bytes:
        raise too_large(total, max_bytes)
    return out


def _record(raw, errors: list[str]) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.append("record: object or null")
        return None
    record: dict = {}
    pid = raw.get("project_id")
    if pid is not None:
        if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
            errors.append("record.project_id: positive integer")
        else:
            record["project_id"] = pid
    pwn = raw.get("path_with_namespace")
    if pwn is not None:
        if not isinstance(pwn, str) or not FULL_PATH.fullmatch(pwn):
            errors.append("record.path_with_namespace: a GitLab full path like group/project")
        else:
            record["path_with_namespace"] = pwn
    last = raw.get("last_commit")
    if last is not None:
        if not isinstance(last, str) or not SHA1.fullmatch(last):
            errors.append("record.last_commit: 40 hex digits")
        else:
            record["last_commit"] = last
    files = raw.get("files") or {}
    if not isinstance(files, dict) or len(files) > MAX_FILES:
        errors.append(f"record.files: object of at most {MAX_FILES} entries")
        files = {}
    kept = {}
    for path, entry in files.items():
        if repo_path_problem(path) or not isinstance(entry, dict):
            errors.append(f"record.files: {str(path)[:100]!r}: bad entry")
            continue
        blob, commit = entry.get("blob_id"), entry.get("last_commit_id")
        if not (isinstance(blob, str) and SHA1.fullmatch(blob)) or not (
            commit is None or isinstance(commit, str) and SHA1.fullmatch(commit)
        ):
            errors.append(f"record.files: {path[:100]!r}: blob_id/last_commit_id must be 40 hex digits")
            continue
        kept[path] = {"blob_id": blob, "last_commit_id": commit}
    record["files"] = kept
    return record


def parse(body, max_bytes: int) -> PublishRequest:
    """A checked PublishRequest, or ShareError bad_request/too_large naming each problem."""
    if not isinstance(body, dict):
        raise bad_request("요청 본문은 JSON 객체여야 합니다.", "The request body must be a JSON object.")
    errors: list[str] = []
    nb = body.get("notebook_path")
    problem = repo_path_problem(nb)
    if problem or not nb.lower().endswith(".ipynb"):
        errors.append(f"notebook_path: relative .ipynb path ({problem or 'not a notebook'})")
    elif any(p.startswith(".") for p in PurePosixPath(nb).parts):
        errors.append("notebook_path: hidden folders are not shared")
    title = body.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        errors.append(f"title: non-empty string of at most {MAX_TITLE} characters")
    description = body.get("description") or ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        errors.append(f"description: string of at most {MAX_DESCRIPTION} characters")
    visibility = body.get("visibility")
    if visibility not in VISIBILITIES:
        errors.append(f"visibility: one of {', '.join(VISIBILITIES)}")
    force = body.get("force", False)
    if not isinstance(force, bool):
        errors.append("force: boolean")
    record = _record(body.get("record"), errors)
    files = _files(body.get("files"), max_bytes, errors)
    if errors:
        raise bad_request("요청 형식이 올바르지 않습니다.", "Malformed request.", errors[:50])
    return PublishRequest(
        notebook_path=nb,
        title=title.strip(),
        description=description.strip(),
        visibility=visibility,
        force=force,
        files=files,
        record=record,
    )


def not_configured() -> ShareError:
    return ShareError(
        "not_configured",
        503,
        "공유 서비스에 GitLab 토큰이 설정되지 않았습니다. 관리자에게 문의하세요.",
        "The share service has no GitLab token configured; ask the operator.",
    )
