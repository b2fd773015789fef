"""Let officials' system users run govlab's Python (mode local, hub as root).

A checkout under a 0700 directory (root's home, a pyenv Python) blocks the govlab-labs
group from the venv, and the hub refuses to start (hubsetup.local_setup). `scripts/run-lab`
asks `govlab start --allow-lab-python` to fix that for the embedded default: each blocking
directory gets one POSIX ACL entry letting that group (and no one else) pass through
(execute only: no listing, no reading). It is written as the kernel's xattr, so no `acl`
package is needed; a directory that has an ACL already is left to the machine's owner.
"""

from __future__ import annotations

import os
import stat
import struct
import sys
from pathlib import Path

from . import localusers

ACL_XATTR = "system.posix_acl_access"
ACL_VERSION = 2
USER_OBJ, GROUP_OBJ, GROUP, MASK, OTHER = 0x01, 0x04, 0x08, 0x10, 0x20
UNDEFINED_ID = 0xFFFFFFFF
EXECUTE = 1


def _acl_with_group_x(mode: int, gid: int) -> bytes:
    user, group, other = (mode >> 6) & 7, (mode >> 3) & 7, mode & 7
    entries = [
        (USER_OBJ, user, UNDEFINED_ID),
        (GROUP_OBJ, group, UNDEFINED_ID),
        (GROUP, EXECUTE, gid),
        (MASK, group | EXECUTE, UNDEFINED_ID),
        (OTHER, other, UNDEFINED_ID),
    ]
    return struct.pack("<I", ACL_VERSION) + b"".join(struct.pack("<HHI", *e) for e in entries)


def allow_lab_group_python(python: str = sys.executable) -> list[Path]:
    """Grant the lab group passage to `python`; return the directories changed.
    Raises RuntimeError when the group still cannot run it."""
    if os.geteuid() != 0 or localusers.lab_group_can_run(python) is None:
        return []
    gid = localusers.ensure_group()
    changed = []
    for directory in localusers.blocking_dirs(python):
        try:
            os.getxattr(directory, ACL_XATTR)
            continue
        except OSError:
            pass
        os.setxattr(directory, ACL_XATTR, _acl_with_group_x(stat.S_IMODE(directory.stat().st_mode), gid))
        changed.append(directory)
    failure = localusers.lab_group_can_run(python)
    if failure:
        raise RuntimeError(f"group {localusers.LAB_GROUP} still cannot run {python}: {failure}")
    return changed
