"""Loopback ports for tests: one at a time (`free_port`) or a whole range (`free_block`).

Binding port 0 and closing the socket hands out a port the kernel may give the next
caller too (two servers of one test then race for it). Instead every port comes from
one process-wide record: a port is handed out once per test session, only after a
bind shows nothing holds it. Single ports come from 12000-19999: below Linux's
ephemeral range (32768+, where the kernel picks client ports) and outside the labs'
default range 20000-32767. Each process starts its walk at a random place in that range,
so that another test process on the machine (which has its own record) rarely walks
the same ports at the same time.
"""

from __future__ import annotations

import random
import socket
import threading

import pytest

LOW, HIGH = 12000, 19999  # single ports (free_port)
_given: set[int] = set()  # every port handed out in this process, single or in a block
_lock = threading.Lock()
_next = random.randint(LOW, HIGH)


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback port nothing holds now and this session never handed out before."""
    global _next
    with _lock:
        for _ in range(HIGH - LOW + 1):
            port, _next = _next, (_next + 1 if _next < HIGH else LOW)
            if port not in _given and _bindable(port):
                _given.add(port)
                return port
    raise RuntimeError(f"no free loopback port left in {LOW}-{HIGH} for this test session")


def free_block(size: int, low: int = 21000, high: int = 32000, step: int = 250) -> int:
    """A start port below Linux's ephemeral range with `size` bindable ports after it
    (checked by binding them all at once; skips the test when none is found). The block
    is recorded: `free_port` never hands out one of its ports."""
    with _lock:
        for start in range(low, high - size, step):
            block = range(start, start + size)
            if _given.intersection(block):
                continue
            socks = []
            try:
                for port in block:
                    s = socket.socket()
                    socks.append(s)
                    s.bind(("127.0.0.1", port))
            except OSError:
                continue
            finally:
                for s in socks:
                    s.close()
            _given.update(block)
            return start
    pytest.skip("no free block of loopback ports")
