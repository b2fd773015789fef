"""Handing out starter notebooks without ever overwriting a learner's work."""

from __future__ import annotations

import shutil
from pathlib import Path

from govlab_share.gitpull_rules import default_folder, pull_link

from .. import welcome


def starter_files(src: Path) -> list[Path]:
    """Files under src to hand out, as paths relative to src, in a stable order (the
    welcome folder's rule: no caches, checkpoints or hidden files)."""
    return [Path(p) for p in welcome.starter_files(src)]


def copy_missing(src: Path, dest: Path) -> list[str]:
    """Copy src's files into dest where dest has no file of that name; return what was copied."""
    copied = []
    for rel in starter_files(Path(src)):
        target = Path(dest) / rel
        if target.exists():
            continue  # the learner's copy (edited or not) wins
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(src) / rel, target)
        copied.append(rel.as_posix())
    return copied


def starter_hook(starters: dict[str, str], restore: frozenset[str] = frozenset()):
    """A pre-spawn hook copying each seat's starter folder into its home (local mode):
    at first start only (a marker in the home remembers), or at every start for the
    seats in `restore` (workshops[].restore_starter_files). Never over an existing file."""

    def hook(spawner) -> None:
        src = starters.get(spawner.user.name)
        if not src or not Path(src).is_dir():
            return
        try:
            copied = welcome.hand_out(
                Path(src), Path(spawner.home_dir), folder="", restore=spawner.user.name in restore
            )
        except OSError as e:  # a lab without its starter files still starts
            spawner.log.warning("govlab workshop: no starter files for %s (%s)", spawner.user.name, e)
            return
        if copied:
            spawner.log.info("govlab workshop: handed out %d starter files to %s", len(copied), spawner.user.name)

    return hook


# Where a container lab finds its cohort's starter folder (read-only); the lab image's
# entry point copies it into the home with the same rule (`python -m govlab.welcome --workshop`).
WORKSHOP_MOUNT = "/opt/govlab/workshop"
RESTORE_ENV = "GOVLAB_WORKSHOP_RESTORE"


def starter_volume_hook(starters: dict[str, str], restore: frozenset[str] = frozenset()):
    """A pre-spawn hook mounting each seat's starter folder into its container (docker mode)."""

    def hook(spawner) -> None:
        src = starters.get(spawner.user.name)
        if not src or not Path(src).is_dir():
            return
        spawner.volumes = {**spawner.volumes, src: {"bind": WORKSHOP_MOUNT, "mode": "ro"}}
        if spawner.user.name in restore:
            spawner.environment = {**spawner.environment, RESTORE_ENV: "1"}

    return hook


def chain(*hooks):
    """One pre-spawn hook running several in order."""

    def hook(spawner) -> None:
        for h in hooks:
            h(spawner)

    return hook


def nbgitpuller_link(base_url: str, repo: str, branch: str = "main", path: str = "") -> str:
    """The git-pull link that brings a materials repository into any signed-in lab."""
    return pull_link(base_url, repo, branch, default_folder(repo) or "materials", path)
