"""Passwords generated for one run of `scripts/run-lab` (`govlab start --generate-passwords`).

When GOVLAB_ADMIN_PASSWORD / GOVLAB_USER_PASSWORD are unset, fresh ones are made for
this run only. On a terminal they are printed, as before. Otherwise standard output is
a log or a service manager's journal, which keeps them for good: they go to a 0600 file
in the (0700) state dir instead, only its path is printed, and a small watcher process
removes the file when the hub ends (it waits for the hub lock, govlab.hublock).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import signal
from collections.abc import MutableMapping
from pathlib import Path
from typing import TextIO

from . import statedir

# (variable, bytes of randomness): the admin password is 32+ characters (40 here).
GENERATED = (("GOVLAB_ADMIN_PASSWORD", 30), ("GOVLAB_USER_PASSWORD", 9))
FILE_NAME = "run-passwords.txt"
LABELS = {
    "GOVLAB_ADMIN_PASSWORD": "관리자 / admin     ",
    "GOVLAB_USER_PASSWORD": "사용자 / officials ",
}
NOTES = {
    "GOVLAB_ADMIN_PASSWORD": "(user name: admin)",
    "GOVLAB_USER_PASSWORD": "(only with auth.method: shared-password)",
}
HOW_TO = (
    "  With the example settings (auth.method: accounts) officials apply on the sign-in page\n"
    "  (이용 신청) and admin approves them at /hub/authorize.\n"
    "  Set GOVLAB_USER_PASSWORD and GOVLAB_ADMIN_PASSWORD to choose your own.\n"
)


def generate(environ: MutableMapping[str, str]) -> dict[str, str]:
    """Set a fresh value for each unset password variable; return the ones generated."""
    made = {}
    for name, nbytes in GENERATED:
        if not environ.get(name):
            environ[name] = made[name] = secrets.token_urlsafe(nbytes)
    return made


def _lines(generated: dict[str, str]) -> str:
    return "".join(f"    {LABELS[n]}: {v}   {NOTES[n]}\n" for n, v in generated.items())


def terminal_text(generated: dict[str, str]) -> str:
    return (
        "\n  이번 실행용 비밀번호 / passwords for this run (not stored anywhere):\n" + _lines(generated) + HOW_TO + "\n"
    )


def file_text(generated: dict[str, str]) -> str:
    return (
        "# govlab: 이번 실행용 비밀번호 / passwords for this run.\n"
        "# 허브가 멈추면 지워집니다 / removed when the hub stops.\n" + _lines(generated) + HOW_TO
    )


def announce(generated: dict[str, str], state_dir: Path, stream: TextIO, lock_file: Path | None = None) -> Path | None:
    """Show the generated passwords: on a terminal, printed; otherwise written to a 0600
    file in the state dir whose path alone is printed. Returns that file's path."""
    if not generated:
        return None
    if stream.isatty():
        stream.write(terminal_text(generated))
        stream.flush()
        return None
    path = Path(state_dir) / FILE_NAME
    statedir.write_private(path, file_text(generated))
    if lock_file is not None:
        remove_when_released(lock_file, path)
    stream.write(
        f"\n  이번 실행용 비밀번호는 화면 대신 파일에 있습니다(출력이 터미널이 아님) / the passwords for this run "
        f"are in a file, not printed (standard output is not a terminal):\n    {path}\n"
        f"  이 사용자만 읽을 수 있고(0600) 허브가 멈추면 지워집니다. 확인: cat {path} "
        f"/ readable by this user only (mode 600), removed when the hub stops.\n\n"
    )
    stream.flush()
    return path


def remove_when_released(lock_file: Path, path: Path) -> int:
    """Fork a watcher that removes `path` once nobody holds `lock_file` (the hub ended,
    by any signal), or when it is told to stop itself (a service manager stopping all)."""
    pid = os.fork()
    if pid:
        return pid
    try:
        # Never keep the hub's own lock (or the secrets pipe) alive: close every inherited fd.
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.closerange(3, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 65536)

        def remove(*_):
            try:
                os.unlink(path)
            except OSError:
                pass
            os._exit(0)

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, remove)
        fd = os.open(lock_file, os.O_RDONLY | os.O_NOFOLLOW)
        fcntl.flock(fd, fcntl.LOCK_SH)  # blocks while the hub holds its exclusive lock
        # Let go before removing: once the file is gone the state dir is free, so a hub
        # started right after (a service manager's restart) must find the lock free.
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        remove()
    finally:
        os._exit(0)
