"""The loopback model server speaks the OpenAI chat-completions API as clients expect.

Driven with the `openai` client litellm itself uses, so what passes here is what the
lab meets.
"""

from __future__ import annotations

import time

import openai
import pytest

from tests.model_server import cut, error, hang, text, tool_call, tool_calls


@pytest.fixture
def client(model_server):
    return openai.OpenAI(base_url=model_server.url, api_key="sk-test", max_retries=0, timeout=3)


def ask(client, model_server, stream=False):
    return client.chat.completions.create(
        model=model_server.model, stream=stream, messages=[{"role": "user", "content": "안녕?"}]
    )


def test_models_list_names_the_test_model(client, model_server):
    assert [m.id for m in client.models.list()] == [model_server.model]


def test_streamed_and_plain_text_and_the_request_log(client, model_server):
    model_server.script([text("안녕하세요, 반갑습니다", chunks=3), "두 번째"])
    chunks = list(ask(client, model_server, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "안녕하세요, 반갑습니다"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert ask(client, model_server).choices[0].message.content == "두 번째"
    assert [b["messages"][0]["content"] for b in model_server.completions] == ["안녕?", "안녕?"]
    assert model_server.requests[0]["authorization"] == "Bearer sk-test"
    # An empty queue answers the default text.
    assert ask(client, model_server).choices[0].message.content == model_server.default.text


@pytest.mark.parametrize("stream", [False, True])
def test_tool_calls_in_openai_format(client, model_server, stream):
    model_server.script([tool_calls(tool_call("add_cell", {"content": "print(1)"}, call_id="call_1"))])
    if stream:
        parts = list(ask(client, model_server, stream=True))
        deltas = [tc for c in parts for tc in (c.choices[0].delta.tool_calls or [])]
        assert deltas[0].id == "call_1" and deltas[0].function.name == "add_cell"
        assert "".join(d.function.arguments or "" for d in deltas) == '{"content": "print(1)"}'
        assert parts[-1].choices[0].finish_reason == "tool_calls"
    else:
        choice = ask(client, model_server).choices[0]
        assert choice.finish_reason == "tool_calls"
        assert choice.message.tool_calls[0].function.arguments == '{"content": "print(1)"}'


@pytest.mark.parametrize(
    "status, exc",
    [
        (401, openai.AuthenticationError),
        (403, openai.PermissionDeniedError),
        (404, openai.NotFoundError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
    ],
)
def test_scripted_errors(client, model_server, status, exc):
    model_server.script([error(status)])
    with pytest.raises(exc):
        ask(client, model_server)


def test_a_cut_stream_is_an_error_after_the_first_words(client, model_server):
    model_server.script([cut("중간에 끊기는 답변", chunks=2)])
    received = []
    with pytest.raises(openai.APIError):
        for c in ask(client, model_server, stream=True):
            received.append(c.choices[0].delta.content or "")
    assert "".join(received).startswith("중간")


def test_a_silent_endpoint_times_out_and_reset_releases_it(client, model_server):
    model_server.script([hang()])
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        ask(client, model_server)
    assert 2.5 < time.monotonic() - started < 6


def test_a_stopped_server_refuses_connections_and_starts_again_on_its_port(client, model_server):
    port = model_server.port
    model_server.stop()
    with pytest.raises(openai.APIConnectionError):
        ask(client, model_server)
    model_server.start()
    assert model_server.port == port
    assert ask(client, model_server).choices[0].message.content
