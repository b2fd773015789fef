"""Reuse events for the gallery's figures (우수사례): a share and a completed re-run.

`POST <gallery>/api/events` with the lab's hub API token, as the refresh of
gallery_notify (whose request code this reuses); the official is the token's user.
Best effort: a share has landed and a re-run has finished whatever the gallery says,
so nothing here raises, and the share's answer never waits for its event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from .gallery_notify import NOTIFY_TIMEOUT, post_json

QUALITY_STATES = ("passed", "failed", "skipped", "unchecked")
_pending: set[asyncio.Task] = set()  # events in flight (a task nobody holds may be collected)


def events_url(cfg) -> str:
    """The gallery's events route, beside the refresh route the hub configured for this lab."""
    notify = (cfg.gallery_notify_url or "").rstrip("/")
    if not notify.endswith("/api/refresh"):
        return ""
    return notify.removesuffix("/api/refresh") + "/api/events"


def quality_state(quality) -> str:
    """The C3 quality of a share from the manifest's `quality` (absent: "unchecked")."""
    state = quality.get("state") if isinstance(quality, Mapping) else None
    if state == "timeout":
        return "failed"  # a notebook that does not finish in the limit did not pass
    return state if state in QUALITY_STATES else "unchecked"


async def send(cfg, environ: Mapping[str, str], event: dict, log: logging.Logger | None = None) -> bool:
    """POST one event, bounded by NOTIFY_TIMEOUT; True when the gallery recorded it (204)."""
    try:
        return await post_json(events_url(cfg), event, environ, log, NOTIFY_TIMEOUT) == 204
    except Exception:  # never fail what the official did
        if log:
            log.exception("govlab_share: reuse event not sent")
        return False


def share_event(project: str, origin: dict | None, quality) -> dict:
    return {
        "kind": "share",
        "project": project,
        "origin": (origin or {}).get("project") or None,
        "quality": quality_state(quality),
    }


def after_share(
    cfg, environ: Mapping[str, str], project: str, origin: dict | None, quality, log: logging.Logger | None = None
) -> asyncio.Task | None:
    """Send the share's event in the background (the share's answer does not wait)."""
    if not project or not events_url(cfg):
        return None
    task = asyncio.get_running_loop().create_task(send(cfg, environ, share_event(project, origin, quality), log))
    _pending.add(task)
    task.add_done_callback(_pending.discard)
    return task


async def rerun(cfg, environ: Mapping[str, str], project: str, log: logging.Logger | None = None) -> bool:
    """A completed re-run of a notebook from `project`."""
    return await send(cfg, environ, {"kind": "rerun", "project": project}, log)
