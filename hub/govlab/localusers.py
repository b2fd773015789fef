"""System users for local labs (hub as root), as The Littlest JupyterHub does.

Each official's lab runs as a system user of their own, created on their first spawn:
no password, no login shell, a 0700 home under `local.homes`. Hub names may hold
characters Linux refuses ('.') or be longer than its 32-character limit, so the system
name is derived deterministically: `govlab-<name>`, or a shortened name plus a hash
suffix. The hub name is recorded in the account's comment (GECOS): an existing account
without that mark - someone else's, or another hub name mapping to the same system
name - is refused, never reused.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

PREFIX = "govlab-"
# Every lab user is a member: the only group an operator grants read access to govlab's
# Python (e.g. an ACL on a directory above it) without granting it to every account.
LAB_GROUP = "govlab-labs"
MAX_NAME = 32  # useradd's limit on Linux
_PLAIN_RE = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,63}$")
_UNSAFE_RE = re.compile(r"[^a-z0-9_-]")
HASH_LEN = 8
COMMENT_PREFIX = "govlab lab for "
LOGIN_SHELL = "/usr/sbin/nologin"
# useradd locks /etc/passwd: two officials' first spawns at once must not race.
_LOCK = threading.Lock()


class LocalUserError(Exception):
    """The official's system user cannot be made or used (message names the fix)."""


def system_name(hub_name: str) -> str:
    """The system user name for a hub user name: deterministic, <= 32 characters."""
    plain = PREFIX + hub_name
    if _PLAIN_RE.match(hub_name) and len(plain) <= MAX_NAME:
        return plain
    digest = hashlib.sha256(hub_name.encode("utf-8")).hexdigest()[:HASH_LEN]
    room = MAX_NAME - len(PREFIX) - 1 - HASH_LEN
    safe = _UNSAFE_RE.sub("_", hub_name[:64].lower())[:room]
    return f"{PREFIX}{safe}-{digest}"


def comment(hub_name: str) -> str:
    return COMMENT_PREFIX + hub_name


@dataclass(frozen=True)
class LabUser:
    name: str
    uid: int
    gid: int
    home: Path


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise LocalUserError(f"{' '.join(argv[:1])} failed ({done.returncode}): {done.stderr.strip()[:300]}")


def ensure_group(group: str = LAB_GROUP) -> int:
    with _LOCK:
        try:
            return grp.getgrnam(group).gr_gid
        except KeyError:
            _run(["groupadd", "--system", group])
            return grp.getgrnam(group).gr_gid


def ensure_user(hub_name: str, homes: Path, group: str = LAB_GROUP) -> LabUser:
    """The official's system user and 0700 home, created if missing (needs root)."""
    name = system_name(hub_name)
    home = Path(homes) / name
    ensure_group(group)
    with _LOCK:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            _run(
                [
                    "useradd",
                    "--user-group",
                    "--groups",
                    group,
                    "--no-create-home",
                    "--home-dir",
                    str(home),
                    "--shell",
                    LOGIN_SHELL,
                    "--comment",
                    comment(hub_name),
                    name,
                ]
            )
            entry = pwd.getpwnam(name)
        if entry.pw_gecos != comment(hub_name):
            raise LocalUserError(
                f"system user {name} already exists and is not govlab's account for {hub_name!r} "
                f"(comment {entry.pw_gecos!r}): rename or remove that account, or sign in under another name"
            )
        if entry.pw_uid == 0 or entry.pw_gid == 0:
            raise LocalUserError(f"system user {name} has uid/gid 0: a lab never runs as root; remove that account")
    make_home(home, entry.pw_uid, entry.pw_gid)
    return LabUser(name=name, uid=entry.pw_uid, gid=entry.pw_gid, home=home)


def make_homes_root(homes: Path) -> None:
    # Officials pass through to their own home; they may not list who else has one.
    homes = Path(homes)
    homes.mkdir(parents=True, exist_ok=True)
    os.chmod(homes, 0o711)


def make_home(home: Path, uid: int, gid: int) -> None:
    home.mkdir(mode=0o700, exist_ok=True)
    st = os.lstat(home)
    if not os.path.isdir(home) or os.path.islink(home):
        raise LocalUserError(f"{home} is not a directory: move it away so govlab can make the home")
    if (st.st_uid, st.st_gid) != (uid, gid):
        os.chown(home, uid, gid, follow_symlinks=False)
    os.chmod(home, 0o700)


def chown_tree(root: Path, paths: list[str], uid: int, gid: int) -> None:
    """Give files copied into a home (and the folders made for them) to its owner."""
    root = Path(root)
    for rel in paths:
        parts = Path(rel).parts
        for i in range(1, len(parts) + 1):
            os.chown(root.joinpath(*parts[:i]), uid, gid, follow_symlinks=False)


def blocking_dirs(path: str) -> list[Path]:
    """Directories above `path` and above its resolved target that other users cannot
    pass through by their mode bits (an ACL may already let the lab group through)."""
    chains = [*reversed(Path(os.path.abspath(path)).parents), *reversed(Path(os.path.realpath(path)).parents)]
    return [d for d in dict.fromkeys(chains) if not os.stat(d).st_mode & 0o001]


def lab_group_can_run(python: str, group: str = LAB_GROUP) -> str | None:
    """None when an unprivileged member of the lab group can start govlab's Python and
    import the lab server; otherwise what went wrong (the hub refuses to start)."""
    gid = ensure_group(group)
    try:
        done = subprocess.run(
            [python, "-c", "import jupyterhub.singleuser, jupyter_server"],
            user=pwd.getpwnam("nobody").pw_uid if _has_user("nobody") else 65534,
            group=gid,
            extra_groups=[],
            cwd="/",
            env={"PATH": "/usr/bin:/bin", "HOME": "/"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    except OSError as e:
        return str(e)
    if done.returncode == 0:
        return None
    return (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1][:300]


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
