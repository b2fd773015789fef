"""Fault injection and the large-request rate limiter.

Faults are queued per method + path regex and consumed in order, so a test can
say "the next two commits get a 502" and then watch the client retry. A fault
with `after=True` lets the request do its work first (the commit lands) and then
delays and/or fails the answer: the slow or broken proxy in front of a GitLab
that did apply the request.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass

REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class Fault:
    method: str  # "GET", "POST", ... or "*"
    path_regex: re.Pattern
    status: int | None  # None: only delay, then answer normally
    remaining: int
    retry_after: int | None = None
    delay: float = 0.0
    body: object = None  # str/bytes sent as-is, dict/list as JSON, None: GitLab default
    after: bool = False  # True: apply the request, then delay/fail its answer
    skip: int = 0  # let this many matching requests through untouched first


class FaultInjector:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        method: str,
        path_regex: str,
        status: int | None = 500,
        count: int = 1,
        retry_after: int | None = None,
        delay: float = 0,
        body=None,
        after: bool = False,
        skip: int = 0,
    ) -> Fault:
        fault = Fault(method.upper(), re.compile(path_regex), status, count, retry_after, delay, body, after, skip)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching this request."""
        with self._lock:
            for fault in self._faults:
                if fault.method in ("*", method) and fault.path_regex.search(path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)


class LargeRequestLimiter:
    """GitLab 18.7+: requests over `threshold` bytes are limited to `limit` per `window` s."""

    def __init__(self, threshold: int = 20 * 1024 * 1024, limit: int = 3, window: float = 30):
        self.threshold, self.limit, self.window = threshold, limit, window
        self._lock = threading.Lock()
        self._hits: deque[float] = deque()

    def check(self, size: int) -> dict | None:
        """None when allowed (and counted); otherwise the 429 headers to send."""
        if size <= self.threshold:
            return None
        now = time.time()
        with self._lock:
            while self._hits and self._hits[0] <= now - self.window:
                self._hits.popleft()
            if len(self._hits) < self.limit:
                self._hits.append(now)
                return None
            reset_at = self._hits[0] + self.window
            wait = max(1, math.ceil(reset_at - now))
            return {
                "Retry-After": str(wait),
                "RateLimit-Name": "throttle_authenticated_large_request",
                "RateLimit-Limit": str(self.limit),
                "RateLimit-Observed": str(len(self._hits) + 1),
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(math.ceil(reset_at)),
                "RateLimit-ResetTime": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(reset_at)),
            }

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()
