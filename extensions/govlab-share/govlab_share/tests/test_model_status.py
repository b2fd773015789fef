"""GET /govlab/model-status: the status bar's model check against a real loopback server."""

from __future__ import annotations

import json
import socket
import time

import pytest

from govlab_share.testing.model_server import ModelServer

API_KEY = "sk-govlab-status-test-key"


@pytest.fixture
def model_server():
    server = ModelServer().start()
    yield server
    server.stop()


@pytest.fixture
def assistant():
    """The GovlabAssistant section each test sets before the server starts."""
    return {}


@pytest.fixture
def jp_server_config(assistant, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    config = {"ServerApp": {"jpserver_extensions": {"govlab_share": True}}}
    if assistant:
        config["GovlabAssistant"] = assistant
    return config


async def _status(jp_fetch) -> dict:
    response = await jp_fetch("govlab", "model-status")
    assert response.code == 200
    body = response.body.decode()
    assert API_KEY not in body  # the key never reaches the browser
    return json.loads(body)


def _model_gets(server: ModelServer) -> list[dict]:
    return [r for r in server.requests if r["method"] == "GET" and r["path"].endswith("/models")]


@pytest.fixture
def connected(assistant, model_server):
    assistant.update(model="openai/test-model", base_url=model_server.url)


async def test_connected_model_with_the_key_and_one_probe_per_30_s(connected, model_server, jp_fetch):
    first = await _status(jp_fetch)
    assert first["state"] == "connected"
    assert first["label"] == "AI 연결됨 / AI connected"
    second = await _status(jp_fetch)
    assert second["state"] == "connected"
    gets = _model_gets(model_server)
    assert len(gets) == 1, "the second poll within 30 s must come from the cache"
    assert gets[0]["authorization"] == f"Bearer {API_KEY}"


@pytest.fixture
def stopped(assistant, model_server):
    assistant.update(model="openai/test-model", base_url=model_server.url)
    model_server.stop()


async def test_stopped_endpoint_is_not_answering(stopped, jp_fetch):
    status = await _status(jp_fetch)
    assert status["state"] == "not_answering"
    assert status["label"] == "AI 응답 없음 / AI not answering"
    assert status["detail"] == "refused"
    assert "관리자" in status["hint"] and "operator" in status["hint"]


@pytest.fixture
def silent(assistant):
    """A port that accepts connections and never answers (backlog only, no accept)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    assistant.update(model="openai/test-model", base_url=f"http://127.0.0.1:{sock.getsockname()[1]}/v1")
    yield
    sock.close()


async def test_silent_endpoint_times_out_quickly(silent, jp_fetch):
    start = time.monotonic()
    status = await _status(jp_fetch)
    elapsed = time.monotonic() - start
    assert status["state"] == "not_answering"
    assert status["detail"] == "timeout"
    assert elapsed < 6, f"the check took {elapsed:.1f} s"


async def test_no_model_configured(jp_fetch):
    status = await _status(jp_fetch)
    assert status["state"] == "unconfigured"
    assert status["label"] == "AI 미설정 / no model"


@pytest.fixture
def placeholder_model(assistant, model_server):
    # What govlab.labconfig writes when the settings file has no model.
    assistant.update(model="openai/govlab-no-model-configured", base_url="")


async def test_the_no_model_placeholder_is_unconfigured_and_probes_nothing(placeholder_model, model_server, jp_fetch):
    status = await _status(jp_fetch)
    assert status["state"] == "unconfigured"
    assert _model_gets(model_server) == []


@pytest.fixture
def mock_model_without_endpoint(assistant, monkeypatch):
    # The test hubs' mock model (litellm mock_response): a model id, no llm.base_url.
    # Even with the OpenAI variables set, nothing is probed (no public address guessed).
    sock = socket.socket()  # a silent endpoint: a probe of it would take the 3 s timeout
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    for name in ("OPENAI_BASE_URL", "OPENAI_API_BASE"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{sock.getsockname()[1]}/v1")
    assistant.update(model="openai/mock-model", base_url="")
    yield
    sock.close()


async def test_a_model_without_base_url_is_unconfigured(mock_model_without_endpoint, jp_fetch):
    start = time.monotonic()
    status = await _status(jp_fetch)
    assert status["state"] == "unconfigured"
    assert time.monotonic() - start < 1  # answered without any network attempt
