"""Talk to a lab's jupyter-ai chat over its real websocket, as the chat panel does."""

from __future__ import annotations

import asyncio
import json
import uuid
from urllib.parse import quote

from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from govlab_share.testing.chatdoc import JUPYTERNAUT
from tests.support import aio

GOVLAB = "jupyter-ai-personas::govlab::GovlabPersona"
__all__ = ["GOVLAB", "JUPYTERNAUT", "ask", "chat_ws_url", "open_chat", "send_message"]


def chat_ws_url(hub_url: str, user: str, chat_path: str) -> str:
    """The websocket of a chat file in `user`'s lab, as the chat panel opens it."""
    return hub_url.replace("http", "ws", 1) + f"/user/{user}/api/chat/ws/{quote(chat_path)}"


async def open_chat(ws_url: str, token: str) -> WebSocketClientConnection:
    """Connect to a chat's websocket; returns once the server's connection frame has come."""
    conn = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
    try:
        hello = json.loads(await conn.read_message())
        assert hello.get("action") == "connection", hello
    except BaseException:
        conn.close()
        raise
    return conn


def send_message(
    conn: WebSocketClientConnection,
    body: str,
    persona: str = GOVLAB,
    metadata: dict | None = None,
    attachments: list | None = None,
) -> None:
    """Send a message to `persona` the way the chat panel's input does."""
    conn.write_message(
        json.dumps(
            {
                "type": "client",
                "action": "send",
                "id": uuid.uuid4().hex,
                "body": body,
                "metadata": {"to_persona": persona, **(metadata or {})},
                **({"attachments": attachments} if attachments else {}),
            }
        )
    )


async def _ask(
    ws_url: str,
    token: str,
    question: str,
    timeout: float,
    attachments: list | None,
    persona: str = GOVLAB,
    metadata: dict | None = None,
) -> dict:
    conn = await open_chat(ws_url, token)
    try:
        send_message(conn, question, persona, metadata, attachments)
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
    return aio.run(
        _ask(chat_ws_url(hub_url, user, chat_path), token, question, timeout, attachments, persona, metadata)
    )
