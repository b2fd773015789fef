"""Tell the hub's gallery about a share just made, so it lists it within seconds.

Best effort and bounded: the share has already landed in GitLab, so nothing here may
fail it or hold its answer for more than NOTIFY_TIMEOUT seconds. Without a word from
the lab the gallery still finds the project (its next refresh, or the first visit of
its link, which re-reads that one project).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from urllib.parse import quote

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

NOTIFY_TIMEOUT = 2.0  # seconds the share's answer may wait for the gallery


def entry_url(gallery_url: str, project: str) -> str:
    """The gallery's page of a project, by path (it re-reads a project it does not know yet)."""
    if not gallery_url or not project:
        return ""
    return f"{gallery_url.rstrip('/')}/p/{quote(project, safe='/')}"


async def notify(
    url: str,
    project: str,
    environ: Mapping[str, str],
    log: logging.Logger | None = None,
    timeout: float = NOTIFY_TIMEOUT,
) -> bool:
    """POST {"project": ...} to the gallery with this lab's hub API token; True when listed."""
    token = environ.get("JUPYTERHUB_API_TOKEN", "")
    if not url or not project or not token:
        return False
    request = HTTPRequest(
        url,
        method="POST",
        body=json.dumps({"project": project}),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        connect_timeout=timeout,
        request_timeout=timeout,
    )
    try:
        response = await asyncio.wait_for(AsyncHTTPClient().fetch(request, raise_error=False), timeout)
    except Exception as e:  # unreachable, slow, anything: the share itself is done
        if log:
            log.info("govlab_share: gallery not told about %s: %s", project, e)
        return False
    if response.code != 200 and log:
        log.info(
            "govlab_share: gallery answered %s for %s: %s",
            response.code,
            project,
            (response.body or b"")[:200].decode("utf-8", "replace"),
        )
    return response.code == 200


async def after_share(cfg, environ: Mapping[str, str], project: str, log: logging.Logger | None = None) -> str:
    """Announce the share (bounded), then the gallery link for the dialog ("" without a gallery)."""
    try:
        await notify(cfg.gallery_notify_url, project, environ, log)
        return entry_url(cfg.gallery_url, project)
    except Exception:  # never fail a share that landed
        if log:
            log.exception("govlab_share: gallery notification failed")
        return ""
