"""Run code in a lab's kernel over the real kernel websocket (Jupyter messaging)."""

from __future__ import annotations

import asyncio
import json
import uuid

from tornado.httpclient import HTTPRequest

from tests.support import aio
from tornado.websocket import websocket_connect


async def _execute(ws_url: str, token: str, code: str, timeout: float) -> str:
    conn = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    conn.write_message(
        json.dumps(
            {
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": uuid.uuid4().hex, "version": "5.3"},
                "parent_header": {},
                "metadata": {},
                "content": {"code": code, "silent": False, "store_history": False, "allow_stdin": False},
                "channel": "shell",
            }
        )
    )
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
