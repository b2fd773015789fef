"""The 시작하기 (getting started) folder every official finds at their lab's first start.

Starter notebooks are copied into `~/시작하기`; a hidden marker in the home
(`.govlab-welcome.json`, owned by the official) lists what was ever handed out, so a
later start copies only files never handed out before: an edited notebook is never
overwritten and a deleted one (or the whole folder) is not forced back.

One mechanism per mode:
- local: a pre-spawn hook in the hub copies (`welcome_hook`). The hub may be root and
  the home belongs to the official, so every write goes through directory descriptors
  opened without following symlinks, and new files and folders are given to the home's
  owner: a symlink the official planted cannot make root write elsewhere.
- docker: the lab image's entry point runs `python -m govlab.welcome` as the official;
  the hub only mounts the operator's folder (`welcome_volume_hook`).
- swarm / kubernetes: the image's entry point with the built-in starters.
Turned off, container labs get GOVLAB_WELCOME=off in their environment.

This module imports only the standard library at top level: the lab image runs it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path, PurePosixPath

from .atomicfile import write_atomic

FOLDER = "시작하기"
MARKER = ".govlab-welcome.json"
MARKER_MAX = 1024 * 1024  # bytes read of a marker the official could have replaced
# The built-in starters that fit a new official (the others are workshop material):
# 01 the lab and the AI assistant, 02 public data with pandas, 05 sharing to GitLab,
# plus what they run on (the checker module and the sample data).
BUILTIN_PICK = (
    "01_주피터랩과_AI_도우미.ipynb",
    "02_공공데이터_pandas.ipynb",
    "05_작업_공유하기.ipynb",
    "govlab_check.py",
    "data/",
)
BUILTIN_DIR = Path(__file__).resolve().parents[2] / "starter_notebooks"
# The lab image: the built-in starters, the operator's folder (mounted read-only by the
# hub), and the switch the hub sets when the welcome is off.
IMAGE_BUILTIN = "/opt/govlab/starter"
IMAGE_MOUNT = "/opt/govlab/welcome"
ENV_SWITCH = "GOVLAB_WELCOME"
SKIP_PARTS = ("__pycache__", ".ipynb_checkpoints")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW

log = logging.getLogger("govlab.welcome")


def starter_files(src: Path, pick: tuple[str, ...] | None = None) -> list[str]:
    """Files under src to hand out (POSIX paths relative to src, stable order);
    with `pick`, only those names or folders ("data/")."""
    src = Path(src)
    out = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if not path.is_file() or any(p in SKIP_PARTS or p.startswith(".") for p in rel.parts):
            continue
        posix = rel.as_posix()
        if pick is not None and not any(posix == p or (p.endswith("/") and posix.startswith(p)) for p in pick):
            continue
        out.append(posix)
    return out


def read_marker(home_fd: int) -> set[str]:
    """What was handed out before (empty when missing or not ours to trust)."""
    try:
        fd = os.open(MARKER, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=home_fd)
    except OSError:
        return set()
    with os.fdopen(fd, "rb") as f:
        raw = f.read(MARKER_MAX + 1)
    try:
        data = json.loads(raw) if len(raw) <= MARKER_MAX else {}
        items = data.get("handed_out", []) if isinstance(data, dict) else []
    except ValueError:
        return set()
    return {i for i in items if isinstance(i, str)}


def _give(fd: int, owner: tuple[int, int] | None) -> None:
    if owner is not None:
        os.fchown(fd, *owner)


def write_marker(home_fd: int, handed: set[str], owner: tuple[int, int] | None) -> None:
    # Inside the home's descriptor, never through a symlink; a planted one at MARKER is
    # replaced itself, never its target.
    text = json.dumps({"version": 1, "handed_out": sorted(handed)}, ensure_ascii=False, indent=1)
    write_atomic(MARKER, text, mode=0o600, dir_fd=home_fd, owner=owner)


def _open_dirs(home_fd: int, parts: tuple[str, ...], owner) -> int:
    """A descriptor of home/parts..., made where missing; raises on a symlink or a file."""
    fd = os.dup(home_fd)
    try:
        for name in parts:
            try:
                os.mkdir(name, 0o755, dir_fd=fd)
                made = True
            except FileExistsError:
                made = False
            nxt = os.open(name, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nxt
            if made:
                _give(fd, owner)
        return fd
    except BaseException:
        os.close(fd)
        raise


def hand_out(
    src: Path,
    home: Path,
    pick: tuple[str, ...] | None = None,
    folder: str = FOLDER,
    restore: bool = False,
    key_prefix: str = "",
) -> list[str]:
    """Copy src's starters into home/folder (folder "": the home itself) where never
    handed out before; return what was copied. As root, files and folders made go to the
    home's owner. `restore`: also copy again what was handed out once and is missing now
    (an existing file still wins). `key_prefix` keeps separate hand-outs apart in the marker."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    home_fd = os.open(home, _DIR_FLAGS)
    try:
        st = os.fstat(home_fd)
        owner = (st.st_uid, st.st_gid) if os.geteuid() == 0 and st.st_uid != os.geteuid() else None
        handed = read_marker(home_fd)
        copied, marked = [], set()
        for rel in starter_files(src, pick):
            key = f"{folder}/{rel}" if folder else rel
            mark = key_prefix + key
            if mark in handed and not restore:
                continue  # handed out once: edited, moved or deleted, it is the official's now
            parts = PurePosixPath(key).parts
            try:
                dir_fd = _open_dirs(home_fd, parts[:-1], owner)
            except OSError as e:
                log.warning("govlab welcome: not handing out %s (%s)", key, e)
                continue
            try:
                fd = os.open(parts[-1], _NEW_FILE, 0o644, dir_fd=dir_fd)
            except FileExistsError:
                marked.add(mark)  # the official's own file of that name wins
                continue
            except OSError as e:
                log.warning("govlab welcome: not handing out %s (%s)", key, e)
                continue
            finally:
                os.close(dir_fd)
            with os.fdopen(fd, "wb") as out:
                _give(out.fileno(), owner)
                out.write((Path(src) / rel).read_bytes())
            copied.append(key)
            marked.add(mark)
        if marked:
            write_marker(home_fd, handed | marked, owner)
        return copied
    finally:
        os.close(home_fd)


def source_of(loaded) -> tuple[Path, tuple[str, ...] | None] | None:
    """(folder, pick) the settings hand out, or None when the welcome is off."""
    welcome = loaded.settings.welcome
    if not welcome.enabled:
        return None
    if not welcome.folder:
        return BUILTIN_DIR, BUILTIN_PICK
    return welcome.folder_path(loaded.source.parent), None


def welcome_hook(src: Path, pick: tuple[str, ...] | None):
    """Pre-spawn hook (mode local): hand out the starters into the official's home."""

    def hook(spawner) -> None:
        if not Path(src).is_dir():
            spawner.log.warning("govlab welcome: starter folder %s is missing; nothing handed out", src)
            return
        try:
            copied = hand_out(Path(src), Path(spawner.home_dir), pick)
        except OSError as e:  # a lab without its welcome still starts
            spawner.log.warning("govlab welcome: nothing handed out to %s (%s)", spawner.user.name, e)
            return
        if copied:
            spawner.log.info("govlab welcome: %d starter files for %s", len(copied), spawner.user.name)

    return hook


def welcome_volume_hook(src: Path):
    """Pre-spawn hook (docker mode): mount the operator's folder for the image's entry
    point. (Turned off, the labs' environment says so: hubconfig.container_environment.)"""

    def hook(spawner) -> None:
        spawner.volumes = {**spawner.volumes, str(src): {"bind": IMAGE_MOUNT, "mode": "ro"}}

    return hook


def main(argv: list[str] | None = None) -> int:
    """The lab image's entry point: `python -m govlab.welcome` (as the official)."""
    parser = argparse.ArgumentParser(description="Hand out the 시작하기 starter notebooks.")
    parser.add_argument("--home", default=os.environ.get("HOME", ""))
    # A workshop cohort's starter folder into the home itself (first start only, or
    # every start with --restore), and the hand-outs queued while the lab was stopped.
    parser.add_argument("--workshop", help="a cohort's starter folder (mounted by the hub)")
    parser.add_argument("--restore", action="store_true", help="copy deleted starter files again")
    parser.add_argument("--queued", help="a folder of queued hand-outs, one sub-folder each")
    args = parser.parse_args(argv)
    if args.workshop or args.queued:
        return _workshop_main(args)
    if os.environ.get(ENV_SWITCH, "").lower() == "off" or not args.home:
        return 0
    if Path(IMAGE_MOUNT).is_dir():
        src, pick = Path(IMAGE_MOUNT), None
    elif Path(IMAGE_BUILTIN).is_dir():
        src, pick = Path(IMAGE_BUILTIN), BUILTIN_PICK
    else:
        return 0
    try:
        hand_out(src, Path(args.home), pick)
    except OSError as e:  # a lab without its welcome still starts
        print(f"govlab welcome: {e}", file=sys.stderr)
    return 0


def deliver_queued(queued: Path, home: Path) -> dict[str, list[str]]:
    """Each queued hand-out (a sub-folder laid out as it lands in the home) copied once,
    never over an existing file; batch name -> files copied."""
    out = {}
    for batch in sorted(p for p in Path(queued).iterdir() if p.is_dir() and not p.is_symlink()):
        if batch.name.startswith("."):
            continue
        out[batch.name] = hand_out(batch, home, folder="", key_prefix=f"handout:{batch.name}/")
    return out


def _workshop_main(args) -> int:
    if not args.home:
        return 0
    try:
        if args.workshop and Path(args.workshop).is_dir():
            hand_out(Path(args.workshop), Path(args.home), folder="", restore=args.restore)
        if args.queued and Path(args.queued).is_dir():
            deliver_queued(Path(args.queued), Path(args.home))
    except OSError as e:  # a lab without its hand-out still starts
        print(f"govlab welcome: {e}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
