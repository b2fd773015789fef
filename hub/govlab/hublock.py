"""One hub per state directory: an exclusive lock held for the hub's whole life.

A second hub on the same state dir would read the first one's proxy pid file and
terminate that proxy, dropping every official for seconds. `govlab start` therefore
takes `flock(LOCK_EX)` on `<state_dir>/hub.lock` before anything else and keeps the
descriptor open, inheritable, through `os.execve` into JupyterHub (same pid). The kernel
releases the lock when that process ends, however it ends (SIGKILL included); the hub's
children do not hold it (Python's subprocess closes inherited descriptors by default).
The file (0600, in the 0700 state dir) names the pid and the settings file of the hub
holding it, for the refusal message.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = "hub.lock"
FILE_MODE = 0o600
_MAX_INFO = 4096


@dataclass
class HubRunning(Exception):
    """Another hub holds the lock of this state dir."""

    state_dir: Path
    pid: int | None
    settings_file: str
    command: str

    def __str__(self) -> str:
        return busy_message(self)


def lock_path(state_dir: Path | str) -> Path:
    return Path(state_dir) / LOCK_NAME


def acquire(state_dir: Path | str, settings_file: str = "") -> int:
    """Take the state dir's hub lock; return its descriptor (inheritable, keep it open).
    Raises HubRunning when another process holds it. The state dir must exist."""
    path = lock_path(state_dir)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    try:
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _running(Path(state_dir), fd) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{settings_file}\n".encode(), 0)
        # Kept across execve into JupyterHub: the lock lives exactly as long as the hub.
        os.set_inheritable(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _running(state_dir: Path, fd: int) -> HubRunning:
    lines = os.pread(fd, _MAX_INFO, 0).decode("utf-8", "replace").splitlines()
    pid = int(lines[0]) if lines and lines[0].strip().isdigit() else None
    settings_file = lines[1].strip() if len(lines) > 1 else ""
    command = ""
    if pid:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()[:_MAX_INFO]
            command = raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()[:300]
        except OSError:
            pass
    return HubRunning(state_dir, pid, settings_file, command)


def busy_message(busy: HubRunning) -> str:
    """Korean first, English alongside: what runs, its pid, how to stop it."""
    pid = str(busy.pid) if busy.pid else "?"
    what = busy.command or "JupyterHub (govlab start)"
    settings_line = f"\n  설정 파일 / settings: {busy.settings_file}" if busy.settings_file else ""
    stop = f"kill {busy.pid}" if busy.pid else f"the process holding {lock_path(busy.state_dir)}"
    return (
        f"govlab start: 같은 상태 디렉터리를 쓰는 govlab 허브가 이미 실행 중이라 시작하지 않습니다. "
        f"두 번째 허브는 실행 중인 허브의 프록시를 멈춰 모든 사용자의 연결을 끊습니다.\n"
        f"  상태 디렉터리 / state dir: {busy.state_dir}\n"
        f"  실행 중 / running: pid {pid}: {what}{settings_line}\n"
        f"  할 일: 그 허브를 먼저 멈추세요 ({stop}, 서비스로 실행했다면 서비스 관리자로 중지), "
        f"또는 다른 hub.state_dir 을 쓰는 설정 파일로 시작하세요.\n"
        f"govlab start: a govlab hub already runs on this state dir, so this one does not start "
        f"(a second hub would stop the running hub's proxy and drop every official). Stop that "
        f"hub first ({stop}, or stop its service), or start with settings whose hub.state_dir differs."
    )
