"""Featured marks (우수사례), open counts and reuse events, in a small SQLite file under
the hub's state dir.

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
from dataclasses import dataclass
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
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    project_id INTEGER,
    project TEXT NOT NULL,
    user TEXT NOT NULL,
    agency TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    origin TEXT,
    quality TEXT
);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
"""
# 1: featured + opens; 2: + events. Every step above is CREATE ... IF NOT EXISTS, so a
# file of an older version is brought up to date in place when the store opens it.
SCHEMA_VERSION = 2
EVENT_KINDS = ("open", "rerun", "share")


@dataclass(frozen=True)
class Event:
    """One reuse event (figures.py reads these); `at` is ISO-8601 UTC, seconds."""

    kind: str
    project_id: int | None
    project: str
    user: str
    agency: str
    at: str
    origin: str | None = None
    quality: str | None = None


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
            if self._db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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

    def add_event(
        self,
        kind: str,
        project: str,
        user: str,
        *,
        project_id: int | None = None,
        agency: str = "",
        origin: str | None = None,
        quality: str | None = None,
        at: datetime | None = None,
    ) -> None:
        if kind not in EVENT_KINDS:
            raise ValueError(kind)
        when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        with self._lock:
            self._db.execute(
                "INSERT INTO events (kind, project_id, project, user, agency, at, origin, quality)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, project_id, project, user, agency or "", when, origin, quality),
            )

    def events(self, until: str | None = None) -> list[Event]:
        """Every event, oldest first; `until` (ISO UTC, exclusive) bounds the newest."""
        sql = "SELECT kind, project_id, project, user, agency, at, origin, quality FROM events"
        args: tuple = ()
        if until:
            sql += " WHERE at < ?"
            args = (until,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY at, id", args).fetchall()
        return [Event(*r) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
