"""Run a coroutine to completion from synchronous test code."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coro):
    # A thread of its own: the calling thread may already run a loop (Playwright's
    # sync API does), where asyncio.run() is refused.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
