"""Which official each shared project belongs to: project id -> hub user name.

The service writes an entry when it creates a project (or adopts one whose manifest
names the official), and refuses to commit into a project recorded for someone else.
One JSON file in the hub's state dir (directory 0700, file 0600), replaced atomically
on every change so that a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from govlab import statedir

SCHEMA = "govlab-share-owners/1"


class StoreError(Exception):
    """The ownership file cannot be read: the service refuses to start rather than guess."""


class OwnershipStore:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()  # publishes run in worker threads
        statedir.private_dir(self.path.parent)
        self._projects = self._read()

    def _read(self) -> dict[str, dict]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(raw)
            projects = data["projects"]
            if not isinstance(projects, dict):
                raise TypeError("projects is not an object")
        except (ValueError, KeyError, TypeError) as e:
            raise StoreError(f"{self.path} is not a govlab share ownership file: {e}") from None
        os.chmod(self.path, 0o600)
        return {str(k): v for k, v in projects.items() if isinstance(v, dict) and isinstance(v.get("user"), str)}

    def owner(self, project_id: int) -> str | None:
        with self._lock:
            entry = self._projects.get(str(project_id))
        return entry["user"] if entry else None

    def claim(self, project_id: int, user: str, path_with_namespace: str) -> bool:
        """Record `project_id` as `user`'s. False (nothing written) if it is someone else's."""
        with self._lock:
            entry = self._projects.get(str(project_id))
            if entry:
                return entry["user"] == user
            self._projects[str(project_id)] = {
                "user": user,
                "path": path_with_namespace,
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            self._write()
            return True

    def _write(self) -> None:
        doc = {"schema": SCHEMA, "projects": self._projects}
        statedir.write_private(self.path, json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True))
