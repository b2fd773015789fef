"""A spawner mixin that hands a lab to the hub the moment it answers.

JupyterHub waits for a new lab with exponential backoff and full jitter
(`jupyterhub.utils.exponential_backoff`: a random wait of up to 0.2 s, doubling each
try, up to 5 s). A lab that answers 3.1 s after its start is then often seen at 4-6 s,
so an official waits up to twice as long as their lab needs, and two labs that differ by
a tenth of a second in start-up can differ by seconds in what the official sees.

`ReadyProbe.start` asks the lab at a steady, short interval from the moment the
spawner has started it, and returns once the lab answers; the hub's own wait then
succeeds on its first try. The probe is the hub's own test (any answer below 500 at
`<server url>/api`) with the hub's own bound: a lab that has not answered `http_timeout`
seconds after it was started fails with a timeout, when the hub's wait would have given
up too (so the official never waits twice that bound). A lab whose process ended is left
to the hub, which reports it as before; so is the hub's `start_timeout` around it all.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlparse

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from traitlets import Float
from traitlets.config import LoggingConfigurable

WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}
# How often the probe also asks the spawner whether the lab is still alive.
POLL_EVERY_S = 1.0


def probe_url(started: tuple[str, int] | str, base_url: str) -> str | None:
    """The URL the hub will wait on, from what `Spawner.start` returned; None for TLS
    (the hub's internal certificates are the hub's to use)."""
    if isinstance(started, str):
        parts = urlparse(started)
        if parts.scheme != "http" or not parts.hostname:
            return None
        host, port = parts.hostname, parts.port or 80
    else:
        host, port = started
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}{base_url.rstrip('/')}/api"


async def answers(url: str, timeout: float) -> bool:
    """True when something answers at `url` with a status below 500 (the hub's test)."""
    request = HTTPRequest(url, follow_redirects=False, connect_timeout=timeout, request_timeout=timeout)
    try:
        response = await AsyncHTTPClient().fetch(request, raise_error=False)
    except Exception:  # refused, reset, timed out: not there yet
        return False
    return response.code < 500


class ReadyProbe(LoggingConfigurable):
    """Mixin for a JupyterHub Spawner: `class S(ReadyProbe, SomeSpawner)` (configurable
    traits need a HasTraits base; jupyterhub's Spawner refuses a subclass without its
    own start, stop and poll)."""

    ready_probe_interval = Float(
        0.1,
        config=True,
        help="""Seconds between two probes of a starting lab (0 turns the probe off and
        leaves the hub's backoff alone). Each probe is one local HTTP request.""",
    )

    async def start(self):
        started = await super().start()
        if self.ready_probe_interval > 0 and started and self.server is not None:
            url = probe_url(started, self.server.base_url)
            if url:
                await self._wait_until_answering(url, self.http_timeout)
        return started

    async def _wait_until_answering(self, url: str, budget: float) -> None:
        deadline = time.monotonic() + budget
        next_poll = time.monotonic() + POLL_EVERY_S
        while True:
            if await answers(url, timeout=max(0.1, min(2.0, deadline - time.monotonic()))):
                return
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + POLL_EVERY_S
                if await self.poll() is not None:  # ended: the hub reports it
                    return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                # JupyterHub reports a TimeoutError from start as a timeout (its page and
                # log), as it would have after its own wait of http_timeout.
                self.log.warning("govlab: the lab did not answer at %s within %s s (http_timeout)", url, budget)
                raise TimeoutError(f"the lab did not answer within {budget:g} s")
            await asyncio.sleep(min(self.ready_probe_interval, remaining))
