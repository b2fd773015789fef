"""A throwaway PostgreSQL server for tests: Debian's postgresql package, loopback only.

`initdb` into a fresh temporary directory, `pg_ctl start` on 127.0.0.1 with a free
port, password authentication (scram-sha-256) for one superuser. PostgreSQL refuses
to run as root; as root the server runs as the `postgres` system user (runuser).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.hub import free_port


def find_bin(name: str) -> str:
    """A PostgreSQL program: Debian keeps them in /usr/lib/postgresql/<version>/bin."""
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    found = versions[-1] if versions else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: run `scripts/setup --test` (installs Debian's postgresql)")
    return found


class PostgresServer:
    def __init__(self, user: str = "govlab"):
        self.user = user
        self.password = secrets.token_hex(16)
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="govlab-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_root = os.geteuid() == 0

    def _run(self, *cmd: str, **kw) -> subprocess.CompletedProcess:
        if self._as_root:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120, **kw)

    def start(self) -> PostgresServer:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self._as_root:
            pg = pwd.getpwnam("postgres")
            for path in (self.root, pwfile):
                os.chown(path, pg.pw_uid, pg.pw_gid)
        os.chmod(self.root, 0o700)
        try:
            self._run(
                find_bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                "--pwfile",
                str(pwfile),
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        finally:
            pwfile.unlink()
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root}"
        self._run(
            find_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start"
        )
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(find_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        """The hub's db_url: no password in it (that comes from hub.db_password)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, password=self.password, dbname=database, autocommit=True
        )

    def create_database(self, name: str) -> str:
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
