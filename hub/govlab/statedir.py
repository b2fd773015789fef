"""The hub's state directory: owner-only, whoever creates it first.

API (use it from anything that writes under `hub.state_dir`):
- `ensure(state_dir) -> Path`: create the directory 0700, or tighten an existing one
  that others can read (logged), and tighten the private files already in it.
- `private_dir(path) -> Path`: a sub-directory of the state dir, created/tightened 0700.
- `write_private(path, data)`: write bytes or text atomically as a 0600 file.
- `private_umask()`: umask 077 for this process (the hub: its SQLite database, journal
  and WAL files, cookie secret and the services it starts are then owner-only).

The hub database, cookie secret, seat password hashes and the gallery's database live
here. `govlab workshop create` or a service may run before the hub's first start, so
every one of them goes through `ensure` rather than a plain mkdir.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from .atomicfile import write_atomic

log = logging.getLogger("govlab.statedir")

DIR_MODE = 0o700
FILE_MODE = 0o600
# Sub-directories holding secrets (seat hashes); the rest (e.g. local homes) keep their modes.
PRIVATE_SUBDIRS = ("workshops",)


def _tighten(path: Path, mode: int, follow: bool = False) -> bool:
    """chmod `path` to `mode` if others have any access; through a symlink only when
    `follow` (the configured state dir itself may be a link to another disk)."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(st.st_mode) or st.st_uid != os.geteuid():
        return False
    if stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(path, mode)
        return True
    return False


def private_dir(path: Path | str) -> Path:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if _tighten(path, DIR_MODE, follow=True):
        log.warning("govlab: %s was readable by others; set to 0700 / 다른 사용자 접근 권한을 없앴습니다", path)
    return path


def ensure(state_dir: Path | str) -> Path:
    """The state dir, 0700, with its top-level files and secret sub-directories private."""
    state_dir = private_dir(state_dir)
    tightened = []
    for entry in os.scandir(state_dir):
        if entry.is_file(follow_symlinks=False) and _tighten(Path(entry.path), FILE_MODE):
            tightened.append(entry.name)
    for name in PRIVATE_SUBDIRS:
        sub = state_dir / name
        if sub.is_dir() and not sub.is_symlink():
            private_dir(sub)
            for entry in os.scandir(sub):
                if entry.is_file(follow_symlinks=False) and _tighten(Path(entry.path), FILE_MODE):
                    tightened.append(f"{name}/{entry.name}")
    if tightened:
        log.warning("govlab: set to 0600 in %s: %s", state_dir, ", ".join(sorted(tightened)))
    return state_dir


def write_private(path: Path | str, data: bytes | str) -> None:
    """Atomically and durably replace `path` with `data`, readable by this user only
    (a crash leaves the old file or the new one, never half of one)."""
    write_atomic(path, data, mode=FILE_MODE)


def private_umask() -> int:
    """Owner-only for every file this process (and its children) creates; returns the old umask."""
    return os.umask(0o077)
