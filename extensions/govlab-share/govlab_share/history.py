"""The local record of shares: notebook path -> GitLab project and what we pushed.

Kept as JSON under jupyter_data_dir()/govlab/shares.json, written atomically
(tmp file + os.replace) so a crash never leaves half a record. No tokens in it.
Shape:
{"version": 1, "shares": {"<notebook path>": {
    "gitlab_url", "project_id", "path_with_namespace", "web_url", "http_url_to_repo",
    "branch", "last_commit", "shared_at",
    "files": {"<repo path>": {"blob_id", "last_commit_id"}},
    "history": [{"commit", "shared_at", "web_url"}]}}}
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

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
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".shares-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(data, f, ensure_ascii=False, indent=2)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise


def previous_summary(record: dict | None) -> dict | None:
    """The `previous` object of GET /context."""
    if not record:
        return None
    return {
        "web_url": record.get("web_url"),
        "project": record.get("path_with_namespace"),
        "shared_at": record.get("shared_at"),
        "commit": record.get("last_commit"),
    }
