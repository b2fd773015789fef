"""Per-official rate limits of the gallery's own routes (GitLab and the service are shared)."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimit:
    """At most `most` calls per official in a sliding `window`."""

    def __init__(self, most: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.most, self.window, self.clock = most, window, clock
        self._calls: dict[str, list[float]] = {}

    def allow(self, user: str) -> bool:
        now = self.clock()
        recent = [t for t in self._calls.get(user, []) if now - t < self.window]
        if len(recent) >= self.most:
            self._calls[user] = recent
            return False
        self._calls[user] = recent + [now]
        if len(self._calls) > 10000:  # officials who went quiet
            self._calls = {u: ts for u, ts in self._calls.items() if ts and now - ts[-1] < self.window}
        return True
