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

# Improvement requests (개선 요청) are GitLab issues with this label: the gallery files
# them, the share dialog counts them.
REQUEST_LABEL = "개선요청"


def count_requests(gl, project: int | str) -> tuple[int, int]:
    """(open, closed) improvement requests of a project (id or path), from GitLab's totals
    of two one-item pages (blocking, python-gitlab; GitlabError passes through)."""
    counts = []
    for state in ("opened", "closed"):
        got = gl.http_list(
            f"/projects/{quote(str(project), safe='')}/issues",
            query_data={"labels": REQUEST_LABEL, "state": state, "per_page": 1},
            iterator=True,
            obey_rate_limit=False,
        )
        counts.append(int(got.total or 0))
    return counts[0], counts[1]


NOTIFY_TIMEOUT = 2.0  # seconds the share's answer may wait for the gallery


def entry_url(gallery_url: str, project: str) -> str:
    """The gallery's page of a project, by path (it re-reads a project it does not know yet)."""
    if not gallery_url or not project:
        return ""
    return f"{gallery_url.rstrip('/')}/p/{quote(project, safe='/')}"


async def post_json(
    url: str,
    payload: dict,
    environ: Mapping[str, str],
    log: logging.Logger | None = None,
    timeout: float = NOTIFY_TIMEOUT,
) -> int | None:
    """POST `payload` to the gallery with this lab's hub API token, bounded by `timeout`;
    the answer's status code, or None when there was no answer (never raises)."""
    token = environ.get("JUPYTERHUB_API_TOKEN", "")
    if not url or not token:
        return None
    request = HTTPRequest(
        url,
        method="POST",
        body=json.dumps(payload),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        connect_timeout=timeout,
        request_timeout=timeout,
    )
    try:
        response = await asyncio.wait_for(AsyncHTTPClient().fetch(request, raise_error=False), timeout)
    except Exception as e:  # unreachable, slow, anything: what the lab did is done
        if log:
            log.info("govlab_share: gallery not told about %s: %s", payload.get("project"), e)
        return None
    if response.code >= 300 and log:
        log.info(
            "govlab_share: gallery answered %s for %s: %s",
            response.code,
            payload.get("project"),
            (response.body or b"")[:200].decode("utf-8", "replace"),
        )
    return response.code


async def notify(
    url: str,
    project: str,
    environ: Mapping[str, str],
    log: logging.Logger | None = None,
    timeout: float = NOTIFY_TIMEOUT,
) -> bool:
    """POST {"project": ...} to the gallery with this lab's hub API token; True when listed."""
    if not project:
        return False
    return await post_json(url, {"project": project}, environ, log, timeout) == 200


async def after_share(cfg, environ: Mapping[str, str], project: str, log: logging.Logger | None = None) -> str:
    """Announce the share (bounded), then the gallery link for the dialog ("" without a gallery)."""
    try:
        await notify(cfg.gallery_notify_url, project, environ, log)
        return entry_url(cfg.gallery_url, project)
    except Exception:  # never fail a share that landed
        if log:
            log.exception("govlab_share: gallery notification failed")
        return ""
