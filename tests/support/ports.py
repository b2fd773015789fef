"""Free loopback ports for tests that need a whole range (a lab port range)."""

from __future__ import annotations

import socket

import pytest


def free_block(size: int, low: int = 21000, high: int = 32000, step: int = 250) -> int:
    """A start port below Linux's ephemeral range with `size` bindable ports after it
    (checked by binding them all at once; skips the test when none is found)."""
    for start in range(low, high - size, step):
        socks = []
        try:
            for port in range(start, start + size):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return start
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    pytest.skip("no free block of loopback ports")
