"""Improvement requests (개선 요청) per project: GitLab issues with one label, counted.

Read with the catalogue token, in the background like the catalog, and kept for
`refresh_every`; a report never waits longer than `first_wait` for them. A GitLab
without the issues API (or with issues off for a project) leaves the count unknown
(None), never an error.
"""

from __future__ import annotations

import asyncio
import logging
import time

import gitlab
import requests
from gitlab.exceptions import GitlabError

from govlab_share.gallery_notify import count_requests

log = logging.getLogger("govlab.gallery")


def read_counts(gl: gitlab.Gitlab, ids: list[int]) -> dict[int, tuple[int, int]]:
    """(open, closed) per project id GitLab answered for (blocking: run it in a thread).
    A project without the issues API or with issues off (403/404) stays unknown."""
    out: dict[int, tuple[int, int]] = {}
    for pid in ids:
        for attempt in (1, 2):
            try:
                out[pid] = count_requests(gl, pid)
            except requests.ConnectionError as e:
                # A kept-alive connection the server (or a proxy) dropped: a read, safe to repeat once.
                if attempt == 1:
                    continue
                log.info("gallery: improvement requests of project %s not read: %s", pid, str(e)[:200])
            except (GitlabError, requests.RequestException) as e:
                if getattr(e, "response_code", None) not in (403, 404):
                    log.info("gallery: improvement requests of project %s not read: %s", pid, str(e)[:200])
            break
    return out


class RequestCounts:
    """The last counts read, refreshed in the background at most every `every` seconds."""

    def __init__(self, catalog, every: float):
        self.catalog = catalog
        self.every = every
        self.counts: dict[int, tuple[int, int]] = {}
        self.read_at: dict[int, float] = {}
        self.task: asyncio.Task | None = None

    def due(self, ids: list[int]) -> list[int]:
        now = time.monotonic()
        return [i for i in ids if now - self.read_at.get(i, float("-inf")) >= self.every]

    async def fresh(self, ids: list[int], wait: float) -> dict[int, tuple[int, int]]:
        """The counts known now; reads the due ones in the background, waiting at most `wait`."""
        todo = self.due(ids)
        if todo and (self.task is None or self.task.done()):
            self.task = asyncio.ensure_future(self._read(todo))
        if self.task is not None and not self.task.done():
            # asyncio.wait never cancels the read; a later report shows its result.
            await asyncio.wait([self.task], timeout=wait)
        return {i: self.counts[i] for i in ids if i in self.counts}

    async def _read(self, ids: list[int]) -> None:
        gl = self.catalog.client(self.catalog.cfg.token)
        try:
            got = await self.catalog.run(read_counts, gl, ids)
        except Exception:  # best effort: the column stays unknown
            log.exception("gallery: reading improvement requests failed")
            return
        now = time.monotonic()
        for i in ids:
            self.read_at[i] = now
            if i in got:
                self.counts[i] = got[i]
            else:
                self.counts.pop(i, None)
