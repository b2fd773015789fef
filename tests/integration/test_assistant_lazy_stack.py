"""The lab starts without the model stack and loads it on the first chat (issue 14).

A fresh hub and lab: before any chat the lab process has not loaded litellm (its
tokenizer library, tiktoken, is not mapped); the first question gets the
"AI 준비 중" notice, then the model's answer; afterwards the stack is loaded.
"""

from __future__ import annotations

import json
import time

import psutil
import pytest

from govlab.assistant.persona_manager import READY_NOTICE
from tests.model_server import text
from tests.support.chat import GOVLAB, ask
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

    deadline, bodies = time.time() + 20, []
    while time.time() < deadline:
        r = hub.lab("GET", USER, f"/api/contents/{path}", token=hub.user_token)
        bodies = [m["body"] for m in json.loads(r.json()["content"] or "{}").get("messages", [])]
        if answer_text in bodies:
            break
        time.sleep(0.5)
    # The official was told the assistant was getting ready, before the answer.
    assert READY_NOTICE in bodies
    assert bodies.index(READY_NOTICE) < bodies.index(answer_text)
