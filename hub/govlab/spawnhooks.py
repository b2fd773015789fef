"""Hooks the hub runs around a spawn (local mode, and docker/swarm on the host network)."""

from __future__ import annotations

import random
import socket
import threading
import time

from .settings import LocalSettings

DEFAULT_LAB_PORTS = LocalSettings().lab_ports


class PortAllocator:
    """Loopback ports for local labs that no lab of this hub was given recently.

    JupyterHub's random_port() binds port 0 and closes the socket; the kernel readily
    hands that just-closed port out again, so two labs starting at once can get the same
    port. The first to bind it then answers for both (the second silently moves on), and
    the proxy sends one official to another's lab. Ports handed out here stay reserved
    for `quarantine` seconds, longer than any lab takes to bind them; when every free
    port of a small range is reserved, the one handed out longest ago is reused.
    """

    def __init__(self, quarantine: float = 900, low: int = DEFAULT_LAB_PORTS[0], high: int = DEFAULT_LAB_PORTS[1]):
        self.quarantine = quarantine
        self.low, self.high = low, high
        self._given: dict[int, float] = {}
        self._lock = threading.Lock()
        self._random = random.Random()

    def take(self) -> int:
        with self._lock:
            now = time.monotonic()
            self._given = {p: t for p, t in self._given.items() if now - t < self.quarantine}
            size = self.high - self.low + 1
            # Random probes for a large range; every port in turn once probes stop finding one.
            candidates = [self._random.randint(self.low, self.high) for _ in range(min(200, size))]
            if len(self._given) * 2 >= size:
                candidates = self._random.sample(range(self.low, self.high + 1), size)
            for port in candidates:
                if port not in self._given and _bindable(port):
                    self._given[port] = now
                    return port
            for port in sorted(self._given, key=self._given.get):
                if _bindable(port):
                    self._given[port] = now
                    return port
        raise RuntimeError(f"no free loopback port in {self.low}-{self.high} (local.lab_ports)")


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


PORTS = PortAllocator()


def assign_ports(spawner) -> None:
    """Give each local (or host-network) lab its own HTTP port from the default range.

    Only the lab's HTTP server listens: jupyter-ai's MCP server (which answered anyone
    without a token) is turned off in every lab (labconfig.LAB_EXTENSIONS_OFF).
    """
    spawner.port = PORTS.take()


def port_assigner(lab_ports: tuple[int, int]):
    """The pre-spawn hook handing out ports from `local.lab_ports`."""
    if tuple(lab_ports) == DEFAULT_LAB_PORTS:
        return assign_ports
    ports = PortAllocator(low=lab_ports[0], high=lab_ports[1])

    def assign_lab_port(spawner) -> None:
        spawner.port = ports.take()

    return assign_lab_port
