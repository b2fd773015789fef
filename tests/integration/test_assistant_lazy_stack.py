"""The lab starts without the model stack and loads it on the first chat (issue 14).

A fresh hub and lab: before any chat the lab process has not loaded litellm (its
tokenizer library, tiktoken, is not mapped); the first question gets the
"AI 준비 중" notice, then the model's answer; afterwards the stack is loaded. A stack
that does not load within the bound is told to the official, and the next message waits
anew and is answered once the load is done.
"""

from __future__ import annotations

import asyncio
import json
import os
import textwrap
import time

import psutil
import pytest
import requests

from govlab.assistant.persona_manager import LOAD_TIMED_OUT, NOW_READY, READY_NOTICE
from govlab_share.testing import aio
from tests.integration.test_browser import sign_in
from tests.integration.test_chat_panel import _open_chat_panel
from tests.model_server import text
from tests.support.chat import GOVLAB, ask, chat_ws_url, open_chat, send_message
from tests.support.hub import base_settings, hub_with_lab
from tests.support.labprocess import lab_process

pytestmark = pytest.mark.hub

USER = "hana"


@pytest.fixture(scope="module")
def hub(tmp_path_factory, model_server_session):
    workdir = tmp_path_factory.mktemp("lazy-stack-hub")
    settings = base_settings(workdir / "state", llm=model_server_session.llm_settings("GOVLAB_TEST_MODEL_KEY"))
    with hub_with_lab(workdir, settings, USER, env={"GOVLAB_TEST_MODEL_KEY": "sk-test-model-key-1234"}) as running:
        yield running


def model_stack_loaded(proc: psutil.Process) -> bool:
    # litellm imports tiktoken's compiled tokenizer: mapped once the stack is loaded.
    return any("tiktoken" in m.path for m in proc.memory_maps(grouped=True))


def test_the_lab_starts_without_the_model_stack_and_the_first_question_is_answered(hub, model_server):
    proc = lab_process(USER)
    assert not model_stack_loaded(proc)

    answer_text = "준비가 끝났습니다. 질문에 답합니다."
    model_server.script([text(answer_text, chunks=3)])
    path = "첫질문.chat"
    assert hub.put_file(USER, path, "{}", token=hub.user_token).status_code == 201
    answer = ask(hub.url, USER, path, hub.user_token, "안녕하세요", persona=GOVLAB)
    assert answer["body"] == answer_text
    assert model_stack_loaded(proc)

    bodies = _saved_bodies(hub, USER, hub.user_token, path, answer_text)
    # The official was told the assistant was getting ready, before the answer.
    assert READY_NOTICE in bodies
    assert bodies.index(READY_NOTICE) < bodies.index(answer_text)


def _saved_bodies(hub, user: str, token: str, path: str, until: str) -> list[str]:
    """The message bodies of a saved chat file, once `until` is among them (or after 20 s)."""
    deadline, bodies = time.time() + 20, []
    while time.time() < deadline:
        r = hub.lab("GET", user, f"/api/contents/{path}", token=token)
        bodies = [m["body"] for m in json.loads(r.json()["content"] or "{}").get("messages", [])]
        if until in bodies:
            break
        time.sleep(0.5)
    return bodies


def _prepare_state(hub, user: str, token: str) -> str:
    response = hub.lab("GET", user, "/govlab/assistant/prepare", token=token)
    assert response.status_code == 200, response.text
    return response.json()["state"]


@pytest.mark.browser
def test_showing_the_chat_panel_loads_the_stack_before_any_chat(hub, page, model_server):
    user = "sora"
    token = hub.create_user(user)
    sign_in(page, hub, user)  # spawns the lab and opens it
    page.locator(".jp-SideBar [data-id='JupyterlabChat:sidepanel']").first.wait_for()
    proc = lab_process(user)
    time.sleep(3)  # the lab page alone does not load it
    assert _prepare_state(hub, user, token) == "not_started"
    assert not model_stack_loaded(proc)
    idle_mb = proc.memory_info().rss / 2**20

    _open_chat_panel(page)
    deadline = time.time() + 120
    while _prepare_state(hub, user, token) != "ready" and time.time() < deadline:
        time.sleep(0.5)
    assert _prepare_state(hub, user, token) == "ready"
    # The stack (litellm, langchain) is in the lab's memory: about 200 MB on a 150 MB lab.
    assert proc.memory_info().rss / 2**20 > idle_mb + 100, (idle_mb, proc.memory_info().rss / 2**20)
    assert model_stack_loaded(proc)
    listing = hub.lab("GET", user, "/api/contents/", token=token).json()["content"]
    assert [item["name"] for item in listing if item["name"].endswith(".chat")] == []

    # The first chat then answers without a wait: no "AI 준비 중" notice before the answer.
    answer_text = "패널을 연 뒤 바로 답합니다."
    model_server.script([text(answer_text, chunks=2)])
    path = "패널다음.chat"
    assert hub.put_file(user, path, "{}", token=token).status_code == 201
    assert ask(hub.url, user, path, token, "안녕하세요", persona=GOVLAB)["body"] == answer_text
    bodies = _saved_bodies(hub, user, token, path, answer_text)
    assert answer_text in bodies and READY_NOTICE not in bodies, bodies


def test_the_prepare_route_needs_a_signed_in_official(hub):
    url = f"{hub.url}/user/{USER}/govlab/assistant/prepare"
    assert requests.post(url, timeout=30, allow_redirects=False).status_code in (302, 403)
    # A token of another official is refused by the lab (one official, one lab).
    other = hub.create_user("yuna")
    response = hub.lab("POST", USER, "/govlab/assistant/prepare", token=other)
    assert response.status_code == 403


def _slow_stack(home):
    """The official's own lab config (~/.jupyter, as any official may write): a short load
    bound, and a persona package on sys.path whose import waits while the returned flag
    file exists, as a stuck import (a slow network filesystem, a hung library) would."""
    package = home / "slow-personas"
    flag = package / "hold-the-import"
    dist = package / "govlab_test_slow_persona-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: govlab-test-slow-persona\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[jupyter_ai.personas]\nslow = govlab_test_slow_persona:SlowPersona\n")
    (package / "govlab_test_slow_persona.py").write_text(
        textwrap.dedent(
            f"""
            import os, time
            deadline = time.monotonic() + 120
            while os.path.exists({str(flag)!r}) and time.monotonic() < deadline:
                time.sleep(0.2)
            class SlowPersona:
                pass
            """
        )
    )
    config = home / ".jupyter"
    config.mkdir(exist_ok=True)
    (config / "jupyter_server_config.py").write_text(
        f"import sys\nsys.path.insert(0, {str(package)!r})\nc.GovlabPersonaManager.stack_load_timeout = 3\n"
    )
    uid, gid = home.stat().st_uid, home.stat().st_gid
    for path in [package, dist, config, *package.rglob("*"), *config.rglob("*")]:
        os.chown(path, uid, gid)
    flag.write_text("")  # root's: the official's lab can see it, not remove it
    return flag


def test_a_stack_that_does_not_load_in_time_is_told_and_the_next_message_is_answered(hub, model_server):
    user = "mina"
    token = hub.create_user(user)
    hub.start_server(user)  # creates the official's home
    flag = _slow_stack(hub.home(user))
    hub.stop_server(user)
    hub.start_server(user)

    path = "느린준비.chat"
    assert hub.put_file(user, path, "{}", token=token).status_code == 201
    asked = len([r for r in model_server.requests if r["path"].endswith("/chat/completions")])
    answer_text = "이제 준비가 끝나 답합니다."
    model_server.script([text(answer_text, chunks=2)])
    bodies = aio.run(_timed_out_then_ready(chat_ws_url(hub.url, user, path), token, flag))
    told = LOAD_TIMED_OUT.format(seconds=3)
    # In order: getting ready; not ready within the bound (Korean and English, what to do
    # next); ready, once the import came unstuck; then the answer to the message sent again.
    assert bodies[:3] == [READY_NOTICE, told, NOW_READY], bodies
    assert "다시 보내" in told and "Send your message again" in told
    assert bodies[-1] == answer_text, bodies
    # The first message never reached the model: only the one sent again did.
    assert len([r for r in model_server.requests if r["path"].endswith("/chat/completions")]) == asked + 1


async def _timed_out_then_ready(ws_url: str, token: str, flag) -> list[str]:
    """Ask while the stack is stuck; once told, unstick it; once ready, ask again.
    Returns the bodies the chat showed, in order (the last: the answer, once complete)."""
    conn = await open_chat(ws_url, token)
    bodies: dict[str, str] = {}  # message id -> latest body (answers stream as edits)
    try:
        send_message(conn, "첫 질문입니다")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 180
        sent_again = False
        while loop.time() < deadline:
            try:
                frame = await asyncio.wait_for(conn.read_message(), 2 if sent_again else deadline - loop.time())
            except TimeoutError:
                if sent_again:
                    break  # the answer is complete
                raise
            if frame is None:
                raise ConnectionError("chat websocket closed")
            data = json.loads(frame)
            message = data.get("message") or {}
            if data.get("action") != "message" or not message.get("body"):
                continue
            bodies[message["id"]] = message["body"]
            if message["body"].startswith("AI 도우미 준비가") and flag.exists():
                flag.unlink()  # the import comes unstuck: the load finishes in the background
            elif message["body"] == NOW_READY and not sent_again:
                send_message(conn, "다시 보냅니다")
                sent_again = True
    finally:
        conn.close()
    return [b for b in bodies.values() if b not in ("첫 질문입니다", "다시 보냅니다")]
