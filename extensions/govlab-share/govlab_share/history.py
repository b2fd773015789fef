"""The local record of shares: notebook path -> GitLab project and what we pushed.

Kept as JSON under jupyter_data_dir()/govlab/shares.json, written atomically
(govlab_share.atomicfile) so a crash never leaves half a record. No tokens in it.
Shape:
{"version": 1, "shares": {"<notebook path>": {
    "gitlab_url", "project_id", "path_with_namespace", "web_url", "http_url_to_repo",
    "branch", "last_commit", "shared_at",
    "files": {"<repo path>": {"blob_id", "last_commit_id"}},
    "history": [{"commit", "shared_at", "web_url"}],
    "title", "description", "visibility", "keep_outputs",
    "chats": ["<chat source path>"], "extra_files": ["<path under the root>"]}}}
The form fields are kept so that a re-share starts from what was shared before.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from .atomicfile import write_atomic

_lock = threading.Lock()  # one writer at a time inside this server
VERSION = 1


class ShareHistory:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": VERSION, "shares": {}}
        except (OSError, ValueError):
            # A damaged record must not block sharing; it only loses the link.
            return {"version": VERSION, "shares": {}}
        if not isinstance(data, dict) or not isinstance(data.get("shares"), dict):
            return {"version": VERSION, "shares": {}}
        return data

    def get(self, notebook_path: str, gitlab_url: str | None = None) -> dict | None:
        rec = self._read()["shares"].get(notebook_path)
        if not isinstance(rec, dict):
            return None
        if gitlab_url and rec.get("gitlab_url") not in (None, gitlab_url):
            return None  # shared to another GitLab: not this project
        return rec

    def put(self, notebook_path: str, record: dict) -> None:
        with _lock:
            data = self._read()
            data["version"] = VERSION
            data["shares"][notebook_path] = record
            write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=2))


def previous_summary(record: dict | None, local_chats: list[str] = ()) -> dict | None:
    """The `previous` object of GET /context."""
    if not record:
        return None
    return {
        "web_url": record.get("web_url"),
        "project": record.get("path_with_namespace"),
        "shared_at": record.get("shared_at"),
        "commit": record.get("last_commit"),
        # What the form showed last time: a re-share starts from it (absent on old records).
        "title": record.get("title"),
        "description": record.get("description"),
        "visibility": record.get("visibility"),
        "keep_outputs": record.get("keep_outputs"),
        "chats": shared_chats(record, local_chats),
        "files": _strings(record.get("extra_files")),
    }


def _strings(value) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def shared_chats(record: dict | None, local_chats=()) -> list[str]:
    """Chat source paths committed by the last share.

    Records written before the form was recorded hold only the repository paths
    (`chats/<name>.chat`): each is mapped back to the local chat that gets that name
    (`local_chats`, paths under the root), else kept as the repository path so that
    dropping it still needs the official's confirmation.
    """
    record = record or {}
    if "chats" in record:
        return _strings(record.get("chats"))
    from .bundle import chat_repo_path  # late: bundle imports much more than history

    by_repo = {}
    for path in local_chats:
        by_repo.setdefault(chat_repo_path(path), path)
    files = record.get("files") if isinstance(record.get("files"), dict) else {}
    repo_chats = sorted(p for p in files if p.startswith("chats/") and p.endswith(".chat"))
    return [by_repo.get(p, p) for p in repo_chats]
