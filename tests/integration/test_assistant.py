"""The govlab persona end to end: real hub, real lab, the loopback model server.

Every assertion about what left the lab is made on what the model server received.
"""

from __future__ import annotations

import base64
import io
import json
import time
import uuid

import nbformat
import openpyxl
import pytest

from tests.model_server import cut, error, hang, text
from tests.support.chat import GOVLAB, JUPYTERNAUT, ask
from tests.support.hub import RunningHub, base_settings

pytestmark = pytest.mark.hub

USER = "yuna"
TIMEOUT = 5  # llm.timeout for this hub: the failure tests wait at most this long
INSTRUCTIONS = "행정안전부 표준 용어를 쓰세요. (agency test marker 7731)"
# A resident registration number with a valid check digit (fictitious).
RRN = "900101-1234568"
# A 1x1 PNG image.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, model_server_session):
    workdir = tmp_path_factory.mktemp("assistant-hub")
    settings = base_settings(
        workdir / "state",
        llm=model_server_session.llm_settings("GOVLAB_TEST_MODEL_KEY", instructions=INSTRUCTIONS, timeout=TIMEOUT),
    )
    running = RunningHub(workdir, settings, env={"GOVLAB_TEST_MODEL_KEY": "sk-test-model-key-1234"})
    running.start()
    try:
        token = running.create_user(USER)
        running.start_server(USER)
        running.user_token = token
        yield running
    finally:
        running.kill_everything()


def chat(hub, name: str) -> str:
    path = f"{name}.chat"
    assert hub.put_file(USER, path, "{}", token=hub.user_token).status_code == 201
    return path


def ask_govlab(hub, path: str, question: str, **kw) -> dict:
    return ask(hub.url, USER, path, hub.user_token, question, persona=GOVLAB, **kw)


def saved_bodies(hub, path: str, expect: str, timeout: float = 20) -> list[str]:
    deadline = time.time() + timeout
    bodies: list[str] = []
    while time.time() < deadline:
        r = hub.lab("GET", USER, f"/api/contents/{path}", token=hub.user_token)
        bodies = [m["body"] for m in json.loads(r.json()["content"] or "{}").get("messages", [])]
        if any(expect in b for b in bodies):
            return bodies
        time.sleep(0.5)
    return bodies


def test_korean_prompt_and_operator_text_reach_the_model_and_the_answer_is_saved(hub, model_server):
    answer_text = "판다스로 CSV를 읽으려면 pd.read_csv를 쓰세요. 인코딩은 cp949입니다."
    model_server.script([text(answer_text, chunks=6)])
    path = chat(hub, "판다스질문")
    answer = ask_govlab(hub, path, "판다스로 CSV를 읽는 방법은?")
    assert answer["body"] == answer_text
    body = model_server.completions[-1]
    assert body["model"] == model_server.model
    assert body["stream"] is True
    system = body["messages"][0]
    system_text = (
        system["content"]
        if isinstance(system["content"], str)
        else "".join(part.get("text", "") for part in system["content"])
    )
    assert system["role"] == "system"
    assert "당신은 govlab의 AI 도우미입니다." in system_text
    assert "한국어로 답하세요" in system_text
    assert INSTRUCTIONS in system_text
    assert body["messages"][-1] == {"role": "user", "content": "판다스로 CSV를 읽는 방법은?"}
    # The key reached the endpoint from the lab's environment.
    assert model_server.requests[-1]["authorization"] == "Bearer sk-test-model-key-1234"
    bodies = saved_bodies(hub, path, answer_text)
    assert "판다스로 CSV를 읽는 방법은?" in bodies and answer_text in bodies


def test_a_resident_number_in_a_message_never_reaches_the_model(hub, model_server):
    path = chat(hub, "민원정리")
    answer = ask_govlab(hub, path, f"민원인 김철수 주민번호 {RRN} 인데 나이를 계산해줘")
    assert "보내지 않았습니다" in answer["body"]
    assert "was not sent" in answer["body"]
    assert "주민등록번호" in answer["body"]
    assert RRN not in answer["body"]  # the notice shows it masked
    assert "90****" in answer["body"] or "90*" in answer["body"]
    time.sleep(1)
    assert model_server.completions == []
    bodies = saved_bodies(hub, path, "보내지 않았습니다")
    assert any("보내지 않았습니다" in b for b in bodies)


def test_a_resident_number_in_an_attached_cell_never_reaches_the_model(hub, model_server):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import pandas as pd"),
        nbformat.v4.new_code_cell(f'df = pd.DataFrame({{"주민번호": ["{RRN}"]}})'),
    ]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    assert hub.put_file(USER, "명단.ipynb", json.loads(nbformat.writes(nb)), token=hub.user_token).status_code in (
        200,
        201,
    )
    path = chat(hub, "셀첨부")
    attachment = {
        "type": "notebook",
        "value": "명단.ipynb",
        "cells": [
            {
                "id": "cell-1",
                "input_type": "code",
                "selection": {"start": [0, 0], "end": [0, 40], "content": nb.cells[1].source},
            }
        ],
    }
    answer = ask_govlab(hub, path, "이 셀을 설명해줘", attachments=[attachment])
    assert "보내지 않았습니다" in answer["body"], answer["body"]
    assert "주민등록번호" in answer["body"]
    assert RRN not in answer["body"]
    time.sleep(1)
    assert model_server.completions == []


def test_a_1_mb_message_is_checked_quickly_and_the_lab_stays_responsive(hub, model_server):
    path = chat(hub, "큰메시지")
    big = ("민원 처리 현황을 정리해 주세요. " * 40 + "\n") * 1100 + f"주민번호 {RRN}"
    assert len(big.encode()) > 1_000_000
    started = time.monotonic()
    answer = ask_govlab(hub, path, big, timeout=60)
    assert "보내지 않았습니다" in answer["body"]
    assert time.monotonic() - started < 20
    assert hub.lab("GET", USER, "/api/status", token=hub.user_token).status_code == 200
    assert model_server.completions == []


def test_any_selected_model_id_goes_to_the_configured_endpoint_and_model(hub, model_server):
    model_server.script([text("설정된 모델의 답변")])
    path = chat(hub, "모델선택")
    for picked in ("gpt-4o", "anthropic/claude-3-5-haiku-latest"):
        answer = ask_govlab(hub, path, "안녕하세요", metadata={"model": {"id": picked, "settings": {}}})
        assert "설정된 모델의 답변" in answer["body"] or "기본 답변" in answer["body"]
    assert [b["model"] for b in model_server.completions] == [model_server.model] * 2


FAILURES = [
    pytest.param(error(401), "접속 키를 거부", id="401"),
    pytest.param(error(403), "접속 키를 거부", id="403"),
    pytest.param(error(404), "모델을 모델 서버에서 찾을 수 없습니다", id="404"),
    pytest.param(error(429), "요청이 너무 많습니다", id="429"),
    pytest.param(error(500), "서버에 오류가 났습니다", id="500"),
    pytest.param(error(503), "서버에 오류가 났습니다", id="503"),
    pytest.param(cut("답변이 시작되었지만", chunks=2), "중간에 끊겼습니다", id="cut-mid-stream"),
    pytest.param(hang(), f"{TIMEOUT}초 안에 응답하지 않았습니다", id="silent"),
]


@pytest.mark.parametrize("reply, korean", FAILURES)
def test_each_model_failure_gives_a_korean_message_within_the_timeout(hub, model_server, reply, korean):
    model_server.script([reply])
    path = chat(hub, f"실패-{reply.kind}-{reply.status}")
    started = time.monotonic()
    answer = ask_govlab(hub, path, "보고서 요약 코드를 짜줘", timeout=TIMEOUT + 30)
    elapsed = time.monotonic() - started
    assert korean in answer["body"], answer["body"]
    assert "다시 보내" in answer["body"] or "관리자" in answer["body"]
    assert "litellm" not in answer["body"].lower() and "Exception" not in answer["body"]
    # Within llm.timeout, plus the chat helper's 1.5 s quiet period and the lab's overhead.
    assert elapsed < TIMEOUT + 8, elapsed


def test_a_refused_endpoint_gives_a_korean_message(hub, model_server):
    model_server.stop()
    try:
        path = chat(hub, "연결거부")
        started = time.monotonic()
        answer = ask_govlab(hub, path, "안녕하세요", timeout=TIMEOUT + 30)
        assert "연결할 수 없습니다" in answer["body"], answer["body"]
        assert "llm.base_url" in answer["body"]
        assert time.monotonic() - started < TIMEOUT + 8
    finally:
        model_server.start()


def test_the_stock_persona_is_not_offered_so_no_message_skips_the_guard(hub, model_server):
    # Jupyternaut would send this planted number to the model unguarded; the lab offers
    # only the govlab persona, so a message addressed to the stock one goes nowhere.
    path = chat(hub, "기본도우미")
    model_server.script([text("답변입니다.")])
    with pytest.raises(TimeoutError):  # nobody answers
        ask(hub.url, USER, path, hub.user_token, f"주민번호 {RRN} 확인", persona=JUPYTERNAUT, timeout=8)
    assert model_server.completions == []
    # The chat's personas were up: the govlab persona answers in the same chat.
    answer = ask_govlab(hub, path, "안녕하세요")
    assert answer["body"] == "답변입니다."
    assert len(model_server.completions) == 1
    assert RRN not in json.dumps(model_server.completions, ensure_ascii=False)


def test_the_chat_panel_starts_with_the_govlab_persona(hub):
    # The panel's persona picker starts at the page's `jupyter_ai_default_persona`.
    page = hub.lab("GET", USER, "/lab", token=hub.user_token)
    assert page.status_code == 200
    config = json.loads(page.text.split('id="jupyter-config-data"', 1)[1].split(">", 1)[1].split("</script>", 1)[0])
    assert config["jupyter_ai_default_persona"] == GOVLAB


@pytest.mark.browser
def test_a_question_in_the_chat_panel_is_answered_by_the_govlab_persona(hub, model_server, page):
    from tests.integration.test_browser import ARTIFACTS, sign_in

    answer_text = "엑셀 파일은 pd.read_excel로 읽습니다. 한 줄씩 설명해 드릴게요."
    model_server.script([text(answer_text, chunks=8, delay=0.3)])  # streams for ~2 s
    path = chat(hub, "브라우저질문")
    sign_in(page, hub, USER)
    page.goto(f"{hub.url}/user/{USER}/lab/tree/{path}")
    box = page.locator(".jp-chat-input-container textarea, .jp-chat-widget textarea").first
    box.wait_for()
    # The picker names our persona once the chat's personas are up; a message sent
    # before that reaches no persona.
    page.locator(".jp-chat-input-container, .jp-chat-widget").get_by_text("AI 도우미").first.wait_for(timeout=60_000)
    box.fill("엑셀 파일은 어떻게 읽나요?")
    box.press("Enter")
    page.get_by_text("AI 도우미 답변 작성 중", exact=False).first.wait_for(timeout=30_000)  # Korean status
    page.get_by_text(answer_text).first.wait_for(timeout=60_000)
    # Only the operator's model exists: no (English-only) model picker in the input bar.
    assert page.locator(".jp-chat-input-container").get_by_text("Model", exact=True).count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "assistant-answer.png"))
    # The panel sent it to the default persona (ours): the Korean instructions went out.
    (body,) = model_server.completions
    assert body["messages"][-1]["content"] == "엑셀 파일은 어떻게 읽나요?"
    assert "당신은 govlab의 AI 도우미입니다." in json.dumps(body["messages"][0], ensure_ascii=False)
    assert page.get_by_text("AI 도우미").count() >= 1
    # A planted resident number: the panel shows the Korean notice, the model gets nothing.
    box.fill(f"이 사람 주민번호 {RRN} 확인해줘")
    box.press("Enter")
    page.get_by_text("메시지를 AI 모델에 보내지 않았습니다", exact=False).first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "assistant-guard-notice.png"))
    assert len(model_server.completions) == 1
    assert page.get_by_text(RRN).count() == 1  # only the official's own message shows it


def test_mask_mode_sends_the_message_with_the_number_masked(tmp_path, model_server):
    settings = base_settings(
        tmp_path / "state",
        llm=model_server.llm_settings(privacy_guard="mask", timeout=TIMEOUT),
    )
    masked_hub = RunningHub(tmp_path, settings).start()
    try:
        token = masked_hub.create_user("dana")
        masked_hub.start_server("dana")
        assert masked_hub.put_file("dana", "m.chat", "{}", token=token).status_code == 201
        model_server.script([text("가린 번호로 답합니다")])
        answer = ask(masked_hub.url, "dana", "m.chat", token, f"주민번호 {RRN} 의 생년월일은?", persona=GOVLAB)
        assert answer["body"] == "가린 번호로 답합니다"
        (body,) = model_server.completions
        sent = json.dumps(body, ensure_ascii=False)
        assert RRN not in sent
        assert body["messages"][-1]["content"].startswith("주민번호 90****")
    finally:
        masked_hub.kill_everything()


# -- bad input ---------------------------------------------------------------------
def _upload(hub, path: str, data: bytes) -> None:
    body = {"type": "file", "format": "base64", "content": base64.b64encode(data).decode()}
    assert hub.lab("PUT", USER, f"/api/contents/{path}", token=hub.user_token, json=body).status_code in (200, 201)


def test_a_binary_attachment_is_named_not_sent_and_explained(hub, model_server):
    sheet = openpyxl.Workbook()
    sheet.active.append(["이름", "주민번호"])
    sheet.active.append(["김철수", RRN])
    xlsx = io.BytesIO()
    sheet.save(xlsx)
    _upload(hub, "민원명단.xlsx", xlsx.getvalue())
    _upload(hub, "차트.png", PNG)
    model_server.script([text("엑셀 파일은 pd.read_excel로 읽을 수 있습니다.")])
    path = chat(hub, "바이너리첨부")
    ask_govlab(
        hub,
        path,
        "이 파일들을 요약해줘",
        attachments=[{"type": "file", "value": "민원명단.xlsx"}, {"type": "file", "value": "차트.png"}],
    )
    bodies = saved_bodies(hub, path, "pd.read_excel로 읽을 수 있습니다")
    assert "엑셀 파일은 pd.read_excel로 읽을 수 있습니다." in bodies, bodies
    # The official reads which files were not read, and what to ask instead.
    (note,) = [b for b in bodies if "민원명단.xlsx" in b and "읽지 않았습니다" in b]
    assert "차트.png" in note and "not a text file" in note and "pd.read_excel" in note
    # The model got the names and the question, never the bytes nor a decoder's error.
    (body,) = model_server.completions
    sent = json.dumps(body, ensure_ascii=False)
    assert "민원명단.xlsx" in sent and "차트.png" in sent
    assert "codec can't decode" not in sent and "could not read file" not in sent
    assert RRN not in sent and "\x89PNG" not in sent and "IHDR" not in sent
    assert hub.lab("GET", USER, "/api/status", token=hub.user_token).status_code == 200


# -- the chat panel in Chromium ------------------------------------------------------
def _open_chat_in_lab(page, hub, path: str):
    """Sign in, open `path` in the lab; its input box once the govlab persona is up."""
    from tests.integration.test_browser import sign_in

    sign_in(page, hub, USER)
    # A workspace of its own: the lab restores no chat of an earlier test beside this one.
    page.goto(f"{hub.url}/user/{USER}/lab/workspaces/{uuid.uuid4().hex[:8]}/tree/{path}")
    main = page.locator("#jp-main-dock-panel")
    box = main.locator(".jp-chat-input-container textarea").first
    box.wait_for()
    # The picker names our persona once the chat's personas are up; a message sent
    # before that reaches no persona.
    main.locator(".jp-chat-input-container").get_by_text("AI 도우미").first.wait_for(timeout=60_000)
    return box


BROWSER_FAILURES = [
    pytest.param(
        "stopped", "AI 모델 서버에 연결할 수 없습니다", "The AI model server cannot be reached", id="endpoint-stopped"
    ),
    pytest.param(
        "silent",
        f"AI 모델이 {TIMEOUT}초 안에 응답하지 않았습니다",
        f"did not answer within {TIMEOUT} s",
        id="silent-endpoint",
    ),
]


@pytest.mark.browser
@pytest.mark.parametrize("failure, korean, english", BROWSER_FAILURES)
def test_a_model_failure_shows_its_korean_message_in_the_chat_panel(hub, model_server, page, failure, korean, english):
    from tests.integration.test_browser import ARTIFACTS

    box = _open_chat_in_lab(page, hub, chat(hub, f"브라우저실패-{failure}"))
    if failure == "stopped":
        model_server.stop()
    else:
        model_server.script([hang()])
    try:
        box.fill("월별 민원 건수를 그래프로 그려 줘")
        started = time.monotonic()
        box.press("Enter")
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.get_by_text(korean, exact=False).filter(visible=True).first.wait_for(timeout=(TIMEOUT + 30) * 1000)
        finally:
            page.screenshot(path=str(ARTIFACTS / f"assistant-failure-{failure}.png"))
        elapsed = time.monotonic() - started
    finally:
        if not model_server.running:
            model_server.start()
    # Within llm.timeout (plus the lab's and the browser's overhead), never minutes.
    assert elapsed < TIMEOUT + 8, elapsed
    assert page.get_by_text(english, exact=False).count() >= 1
    shown = page.locator("#jp-main-dock-panel").inner_text()  # the chat opened in the main area
    assert "다시 보내" in shown or "관리자" in shown
    assert "litellm" not in shown.lower() and "Error:" not in shown
    # One attempt per message: no hidden retries behind the official's back.
    assert len(model_server.completions) == (0 if failure == "stopped" else 1)


UNREADABLE_CHATS = [
    pytest.param(
        "손상된대화.chat",
        '{"messages": [{"id": "m1", "body": "지난주 민원 통계를 요약해 줘", "sender": "yuna",\n'
        '  "time": 1764500000, "type": "msg"},\n  손으로 고친 줄 (hand edit)\n',
        id="invalid-json",
    ),
    # Valid JSON that is not a chat object: jupyterlab-chat 0.25 alone cannot open it at all.
    pytest.param("목록이된대화.chat", "[]", id="json-not-an-object"),
]


@pytest.mark.browser
@pytest.mark.parametrize("path, broken", UNREADABLE_CHATS)
def test_an_unreadable_chat_file_keeps_its_bytes_and_says_so(hub, model_server, page, path, broken):
    from tests.integration.test_browser import ARTIFACTS

    assert hub.put_file(USER, path, broken, token=hub.user_token).status_code in (200, 201)
    box = _open_chat_in_lab(page, hub, path)
    # Opening it: the panel says the file could not be read and where its bytes are.
    page.get_by_text("형식이 올바르지 않아", exact=False).filter(visible=True).first.wait_for(timeout=30_000)
    assert page.get_by_text(f"{path}.bak", exact=False).count() >= 1
    assert page.get_by_text("not valid JSON, or JSON that is not a chat", exact=False).count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"assistant-unreadable-chat-file-{path[:-5]}.png"))
    # The original bytes, unchanged, beside the chat.
    kept = hub.lab(
        "GET", USER, f"/api/contents/{path}.bak", token=hub.user_token, params={"type": "file", "format": "text"}
    )
    assert kept.status_code == 200 and kept.json()["content"] == broken
    # The chat works again, and the file is a readable chat from now on.
    model_server.script([text("새로 시작한 대화에서 답합니다.")])
    box.fill("안녕하세요")
    box.press("Enter")
    page.get_by_text("새로 시작한 대화에서 답합니다.").filter(visible=True).first.wait_for(timeout=60_000)
    bodies = saved_bodies(hub, path, "새로 시작한 대화에서 답합니다.")
    assert "안녕하세요" in bodies and any(f"{path}.bak" in b for b in bodies)
    again = hub.lab(
        "GET", USER, f"/api/contents/{path}.bak", token=hub.user_token, params={"type": "file", "format": "text"}
    )
    assert again.json()["content"] == broken  # later saves never touch the copy


@pytest.mark.browser
def test_the_jupyternaut_settings_panel_is_not_offered_and_the_chat_still_answers(hub, model_server, page):
    # Disabled for every lab by govlab's page_config (etc/jupyter/labconfig/page_config.d).
    lab_page = hub.lab("GET", USER, "/lab", token=hub.user_token)
    config = json.loads(lab_page.text.split('id="jupyter-config-data"', 1)[1].split(">", 1)[1].split("</script>", 1)[0])
    for plugin in ("@jupyter-ai/jupyternaut:settings", "@jupyter-ai/jupyternaut:settings-button"):
        assert plugin in config["disabledExtensions"], config["disabledExtensions"]
    box = _open_chat_in_lab(page, hub, chat(hub, "설정패널"))
    # Neither the Settings menu nor the command palette offers it.
    page.locator("#jp-menu-panel").get_by_text("설정", exact=True).first.click()
    menu = page.locator(".lm-Menu").last
    menu.wait_for()
    menu_text = menu.inner_text()
    page.keyboard.press("Escape")
    assert "테마" in menu_text or "언어" in menu_text, menu_text  # it is the Settings menu
    assert "Jupyternaut" not in menu_text, menu_text
    page.locator("#jp-main-dock-panel .lm-TabBar-tab").first.click()  # focus off the chat input
    page.keyboard.press("Control+Shift+C")
    search = page.locator(".lm-CommandPalette-input").first
    search.wait_for()
    search.fill("Jupyternaut")
    page.wait_for_timeout(500)
    assert page.locator(".lm-CommandPalette-item:visible").count() == 0
    page.keyboard.press("Escape")
    # The chat answers as before.
    model_server.script([text("설정 화면 없이도 답합니다.", chunks=3)])
    box.fill("엑셀 파일을 여는 방법은?")
    box.press("Enter")
    page.get_by_text("설정 화면 없이도 답합니다.").filter(visible=True).first.wait_for(timeout=60_000)
    assert len(model_server.completions) == 1
