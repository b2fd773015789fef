"""Talk to a lab's jupyter-ai chat over its real websocket, as the chat panel does."""

from __future__ import annotations

import asyncio
import json
import uuid
from urllib.parse import quote

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.support import aio

JUPYTERNAUT = "jupyter-ai-personas::jupyter_ai_jupyternaut::JupyternautPersona"
GOVLAB = "jupyter-ai-personas::govlab::GovlabPersona"


async def _ask(
    ws_url: str,
    token: str,
    question: str,
    timeout: float,
    attachments: list | None,
    persona: str = GOVLAB,
    metadata: dict | None = None,
) -> dict:
    request = HTTPRequest(ws_url, headers={"Authorization": f"token {token}"})
    conn = await websocket_connect(request)
    try:
        hello = json.loads(await conn.read_message())
        assert hello.get("action") == "connection", hello
        conn.write_message(
            json.dumps(
                {
                    "type": "client",
                    "action": "send",
                    "id": uuid.uuid4().hex,
                    "body": question,
                    "metadata": {"to_persona": persona, **(metadata or {})},
                    **({"attachments": attachments} if attachments else {}),
                }
            )
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        answer: dict | None = None
        while True:
            # Answers stream in as one message edited many times: once it has begun,
            # a quiet second means it is complete.
            remaining = deadline - loop.time() if answer is None else 1.5
            if remaining <= 0:
                raise TimeoutError("no answer from the assistant")
            try:
                frame = await asyncio.wait_for(conn.read_message(), remaining)
            except TimeoutError:
                if answer is None:
                    raise
                return answer
            if frame is None:
                raise ConnectionError("chat websocket closed")
            data = json.loads(frame)
            message = data.get("message") or {}
            if data.get("action") == "message" and message.get("sender", "").startswith("jupyter-ai-personas"):
                answer = {**(answer or {}), **message}
    finally:
        conn.close()


def ask(
    hub_url: str,
    user: str,
    chat_path: str,
    token: str,
    question: str,
    timeout: float = 90,
    attachments: list | None = None,
    persona: str = GOVLAB,
    metadata: dict | None = None,
) -> dict:
    """Send `question` to a persona (the lab's govlab persona by default); attachments like the chat's attach button
    (`{"type": "notebook", "value": path, "cells": [...]}`)."""
    ws_url = hub_url.replace("http", "ws", 1) + f"/user/{user}/api/chat/ws/{quote(chat_path)}"
    return aio.run(_ask(ws_url, token, question, timeout, attachments, persona, metadata))
