"""Hand-outs waiting for a stopped lab: kept in the hub's state dir, delivered at its next start.

A trainer on the hub host (`govlab workshop handout --config ...`) queues a copy of the
files for each stopped seat under `<state_dir>/handouts/<seat>/<batch>/`, laid out as they
land in the home. At the seat's next start the same never-overwrite hand-out as the
starter files copies them: the hub itself in local mode (then the batch is removed), the
lab image's entry point in docker mode (the hub mounts the seat's folder read-only; the
marker in the home makes each batch arrive once).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from pathlib import Path

from .. import welcome
from ..localusers import system_name

FOLDER = "handouts"
MOUNT = "/opt/govlab/handout"


def seat_dir(state_dir: Path, seat: str) -> Path:
    # system_name: a safe, bounded folder name for any hub user name.
    return Path(state_dir) / FOLDER / system_name(seat)


def enqueue(state_dir: Path, seat: str, files: list[tuple[Path, str]]) -> Path:
    """Copy (source, name in the home) pairs into a new batch for `seat`; return the batch."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    batch = seat_dir(state_dir, seat) / f"{stamp}-{secrets.token_hex(4)}"
    batch.mkdir(parents=True, mode=0o700)
    for src, name in files:
        target = batch / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    # Readable by the lab's user in docker mode (the mount is read-only).
    for d in (seat_dir(state_dir, seat).parent, seat_dir(state_dir, seat), batch):
        os.chmod(d, 0o755)
    return batch


def batches(state_dir: Path, seat: str) -> list[Path]:
    root = seat_dir(state_dir, seat)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())


def queued_hook(state_dir: Path):
    """Pre-spawn hook (mode local): deliver the seat's queued hand-outs into its home."""

    def hook(spawner) -> None:
        for batch in batches(state_dir, spawner.user.name):
            try:
                copied = welcome.hand_out(batch, Path(spawner.home_dir), folder="", key_prefix=f"handout:{batch.name}/")
            except OSError as e:  # kept for the next start; the lab still starts
                spawner.log.warning("govlab workshop: queued hand-out %s not delivered (%s)", batch.name, e)
                continue
            shutil.rmtree(batch, ignore_errors=True)
            spawner.log.info("govlab workshop: %d queued files for %s", len(copied), spawner.user.name)

    return hook


def queued_volume_hook(state_dir: Path):
    """Pre-spawn hook (docker mode): mount the seat's queued hand-outs for the entry point."""

    def hook(spawner) -> None:
        root = seat_dir(state_dir, spawner.user.name)
        if batches(state_dir, spawner.user.name):
            spawner.volumes = {**spawner.volumes, str(root): {"bind": MOUNT, "mode": "ro"}}

    return hook
