"""Hooks the hub runs around a spawn (local mode)."""

from __future__ import annotations

import random
import socket
import threading
import time


class PortAllocator:
    """Loopback ports for local labs that no lab of this hub was given recently.

    JupyterHub's random_port() binds port 0 and closes the socket; the kernel readily
    hands that just-closed port out again, so two labs starting at once can get the same
    port. The first to bind it then answers for both (the second silently moves on), and
    the proxy sends one official to another's lab. Ports handed out here stay reserved
    for `quarantine` seconds, longer than any lab takes to bind them.
    """

    def __init__(self, quarantine: float = 900, low: int = 20000, high: int = 60999):
        self.quarantine = quarantine
        self.low, self.high = low, high
        self._given: dict[int, float] = {}
        self._lock = threading.Lock()
        self._random = random.Random()

    def take(self) -> int:
        with self._lock:
            now = time.monotonic()
            self._given = {p: t for p, t in self._given.items() if now - t < self.quarantine}
            for _ in range(1000):
                port = self._random.randint(self.low, self.high)
                if port not in self._given and _bindable(port):
                    self._given[port] = now
                    return port
        raise RuntimeError(f"no free loopback port in {self.low}-{self.high}")


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


PORTS = PortAllocator()


def assign_ports(spawner) -> None:
    """Give each local (or host-network) lab its own HTTP port.

    Only the lab's HTTP server listens: jupyter-ai's MCP server (which answered anyone
    without a token) is turned off in every lab (labconfig.LAB_EXTENSIONS_OFF).
    """
    spawner.port = PORTS.take()
