"""Hooks the hub runs around a spawn (local mode)."""

from __future__ import annotations

import socket


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assign_mcp_port(spawner) -> None:
    """Give each local lab its own jupyter_server_mcp port.

    jupyter_server_mcp binds a fixed port (3001) by default, so the second lab on one
    machine clashes; port 0 breaks Jupyternaut's tools, which need the real port.
    """
    args = [a for a in spawner.args if not a.startswith("--MCPExtensionApp.mcp_port=")]
    spawner.args = args + [f"--MCPExtensionApp.mcp_port={free_loopback_port()}"]
