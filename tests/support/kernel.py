"""Run code in a lab's kernel over the real kernel websocket (Jupyter messaging)."""

from __future__ import annotations

import asyncio
import json
import uuid

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.support import aio


def execute_request(msg_id: str, code: str) -> str:
    """A Jupyter messaging execute_request for the kernel websocket."""
    return json.dumps(
        {
            "header": {
                "msg_id": msg_id,
                "msg_type": "execute_request",
                "username": "test",
                "session": uuid.uuid4().hex,
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": {},
            "content": {"code": code, "silent": False, "store_history": False, "allow_stdin": False},
            "channel": "shell",
        }
    )


async def _execute(ws_url: str, token: str, code: str, timeout: float) -> str:
    conn = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    conn.write_message(execute_request(msg_id, code))
    out: list[str] = []
    try:
        while True:
            msg = json.loads(await asyncio.wait_for(conn.read_message(), timeout))
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
    finally:
        conn.close()


def execute(hub_url: str, user: str, kernel_id: str, token: str, code: str, timeout: float = 120) -> str:
    ws_url = hub_url.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{kernel_id}/channels"
    return aio.run(_execute(ws_url, token, code, timeout))


async def _run_until_kernel_dies(ws_url: str, token: str, code: str, timeout: float) -> list[str]:
    """Run code and collect the kernel states the lab reports, until it says the kernel
    died and restarts (what JupyterLab turns into its "kernel restarting" dialog)."""
    conn = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
    conn.write_message(execute_request(uuid.uuid4().hex, code))
    states: list[str] = []
    try:
        while True:
            raw = await asyncio.wait_for(conn.read_message(), timeout)
            if raw is None:
                states.append("connection-closed")
                return states
            msg = json.loads(raw)
            if msg.get("msg_type") == "status":
                states.append(msg["content"]["execution_state"])
                if states[-1] in ("restarting", "dead"):
                    return states
    finally:
        conn.close()


def run_until_kernel_dies(
    hub_url: str, user: str, kernel_id: str, token: str, code: str, timeout: float = 120
) -> list[str]:
    ws_url = hub_url.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{kernel_id}/channels"
    return aio.run(_run_until_kernel_dies(ws_url, token, code, timeout))
