"""govlab.assistant.chat_open (the assistant's lab server extension, beside
govlab_share in every lab) in a real jupyter_server with jupyterlab-chat: a chat file
holding JSON that is not a chat opens as a fresh chat, its bytes kept aside.

Plain functions on pytest-jupyter's loop, as the rest of this folder (see conftest).
"""

from __future__ import annotations

import asyncio
import json

import pytest
from tornado.websocket import WebSocketClosedError

GUARDED = {"govlab.assistant.chat_open": True, "jupyterlab_chat": True}


@pytest.fixture
def jp_server_config(request):
    extensions = getattr(request, "param", GUARDED)
    return {"ServerApp": {"jpserver_extensions": extensions}}


@pytest.fixture
def connect(jp_ws_fetch, jp_asyncio_loop):
    """The first frame jupyterlab-chat sends on a chat's websocket."""

    async def first_frame(name: str) -> dict:
        ws = await jp_ws_fetch("api", "chat", "ws", name)
        try:
            frame = await asyncio.wait_for(ws.read_message(), 20)
        finally:
            ws.close()
        if frame is None:
            raise WebSocketClosedError(f"{name}: closed without a connection message")
        return json.loads(frame)

    return lambda name: jp_asyncio_loop.run_until_complete(first_frame(name))


@pytest.mark.parametrize("content", ["[]", '"x"', "3", '{"messages": 3}'])
def test_json_that_is_not_a_chat_opens_fresh_and_is_kept(connect, jp_root_dir, content):
    (jp_root_dir / "목록.chat").write_text(content, encoding="utf-8")
    hello = connect("목록.chat")
    assert hello["action"] == "connection" and hello["messages"] == []
    assert (jp_root_dir / "목록.chat.bak").read_text(encoding="utf-8") == content


def test_a_readable_chat_is_opened_as_it_is(connect, jp_root_dir):
    chat = {
        "messages": [{"id": "m1", "body": "안녕하세요", "sender": "u", "time": 1.0, "type": "msg"}],
        "users": {},
        "metadata": {"id": "c1"},
    }
    (jp_root_dir / "정상.chat").write_text(json.dumps(chat), encoding="utf-8")
    hello = connect("정상.chat")
    assert [m["body"] for m in hello["messages"]] == ["안녕하세요"]
    assert not (jp_root_dir / "정상.chat.bak").exists()


@pytest.mark.parametrize("jp_server_config", [{"jupyterlab_chat": True}], indirect=True)
def test_without_the_extension_jupyterlab_chat_cannot_open_it(connect, jp_root_dir):
    """Why the extension exists: jupyterlab-chat alone fails on `[]` (if this starts to
    pass, a jupyterlab-chat upgrade fixed it and chat_open may go)."""
    (jp_root_dir / "목록.chat").write_text("[]", encoding="utf-8")
    with pytest.raises(WebSocketClosedError):  # its loader raised; the socket closed
        connect("목록.chat")
    assert (jp_root_dir / "목록.chat").read_text(encoding="utf-8") == "[]"
