"""Featured marks (우수사례) and open counts, in a small SQLite file under the hub's state dir.

Why here and not in GitLab topics: marking would need a GitLab token with Maintainer
rights on every shared project (hub admins are not GitLab maintainers of others' work),
and a project's owner could set or remove the topic themselves, so the mark would not
mean "chosen by the curators". Why not the hub's own database: the service must not
write into JupyterHub's schema. Keys are GitLab project ids, which survive renames.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import UTC, datetime

from .. import statedir

SCHEMA = """
CREATE TABLE IF NOT EXISTS featured (
    project_id INTEGER PRIMARY KEY,
    marked_by TEXT NOT NULL,
    marked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS opens (
    project_id INTEGER PRIMARY KEY,
    count INTEGER NOT NULL DEFAULT 0
);
"""


class Store:
    def __init__(self, path: str):
        self.path = path
        if path != ":memory:":
            statedir.private_dir(os.path.dirname(os.path.abspath(path)))
            # Made 0600 before SQLite opens it: its -wal and -shm files copy this mode.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            os.chmod(path, 0o600)
        # Writes are a few per minute and take well under a millisecond: one
        # connection behind a lock, used from the event loop thread.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    def featured(self) -> dict[int, dict]:
        with self._lock:
            rows = self._db.execute("SELECT project_id, marked_by, marked_at FROM featured").fetchall()
        return {pid: {"by": by, "at": at} for pid, by, at in rows}

    def set_featured(self, project_id: int, on: bool, by: str) -> None:
        with self._lock:
            if on:
                self._db.execute(
                    "INSERT OR REPLACE INTO featured VALUES (?, ?, ?)",
                    (project_id, by, datetime.now(UTC).isoformat(timespec="seconds")),
                )
            else:
                self._db.execute("DELETE FROM featured WHERE project_id = ?", (project_id,))

    def record_open(self, project_id: int) -> int:
        with self._lock:
            self._db.execute(
                "INSERT INTO opens VALUES (?, 1) ON CONFLICT(project_id) DO UPDATE SET count = count + 1",
                (project_id,),
            )
            return self._db.execute("SELECT count FROM opens WHERE project_id = ?", (project_id,)).fetchone()[0]

    def opens(self) -> dict[int, int]:
        with self._lock:
            return dict(self._db.execute("SELECT project_id, count FROM opens").fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()
