"""The assistant's model status for the lab's status bar: GET /govlab/model-status.

A cheap check (`GET <base_url>/models`, short timeout) cached for 30 s, so many
browser tabs polling cost the model server one request per half minute. The key
stays in this process: the browser only gets the state and a bilingual label.

The endpoint comes from the `GovlabAssistant` config section the hub writes
(govlab.labconfig / govlab.assistant.config), the key from OPENAI_API_KEY, as
litellm reads them for the chat itself.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import asdict, dataclass

import httpx
import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

CONFIG_SECTION = "GovlabAssistant"
# govlab.labconfig.UNCONFIGURED_MODEL: the placeholder model when the operator set none.
UNCONFIGURED_MODEL = "openai/govlab-no-model-configured"
CACHE_SECONDS = 30.0
CHECK_TIMEOUT = 3.0
SETTINGS_KEY = "govlab_model_status"

CONNECTED, NOT_ANSWERING, UNCONFIGURED = "connected", "not_answering", "unconfigured"
LABELS = {
    CONNECTED: "AI 연결됨 / AI connected",
    NOT_ANSWERING: "AI 응답 없음 / AI not answering",
    UNCONFIGURED: "AI 미설정 / no model",
}
HINTS = {
    CONNECTED: "AI 모델 서버가 응답합니다. / The model server answers.",
    NOT_ANSWERING: (
        "AI 모델 서버가 응답하지 않습니다. 잠시 후 다시 시도하고, 계속되면 관리자에게 알려 주세요. "
        "/ The model server does not answer: try again shortly; if it persists, tell the operator."
    ),
    UNCONFIGURED: (
        "AI 모델이 설정되지 않았습니다. 관리자에게 설정을 요청하세요. "
        "/ No AI model is configured: ask the operator to set one."
    ),
}


@dataclass(frozen=True)
class Status:
    state: str
    detail: str  # why, for the tooltip and logs: "refused", "timeout", "http 401", ...
    label: str
    hint: str
    checked_at: float  # epoch seconds


def _status(state: str, detail: str = "") -> Status:
    return Status(state, detail, LABELS[state], HINTS[state], time.time())


class ModelStatusChecker:
    """One probe at a time, its result reused for CACHE_SECONDS."""

    def __init__(self, model: str, base_url: str, api_key: str, *, cache_seconds: float = CACHE_SECONDS):
        self.model = model
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._cache_seconds = cache_seconds
        self._cached: Status | None = None
        self._cached_at = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def from_config(cls, config, environ=os.environ) -> ModelStatusChecker:
        section = dict(config.get(CONFIG_SECTION) or {})
        model = str(section.get("model") or "")
        base_url = str(section.get("base_url") or "")
        return cls(model, base_url, environ.get("OPENAI_API_KEY", ""))

    @property
    def configured(self) -> bool:
        # Without llm.base_url there is no endpoint of ours to ask (tests answer with
        # litellm's mock_response then), and the check never guesses a public one.
        return bool(self.model) and self.model != UNCONFIGURED_MODEL and bool(self.base_url)

    async def status(self) -> Status:
        if not self.configured:
            return _status(UNCONFIGURED)
        async with self._lock:  # concurrent polls wait for the one probe in flight
            if self._cached is None or time.monotonic() - self._cached_at >= self._cache_seconds:
                self._cached = await self._probe()
                self._cached_at = time.monotonic()
            return self._cached

    async def _probe(self) -> Status:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            # trust_env: the same proxy settings litellm's client uses for the chat
            async with httpx.AsyncClient(timeout=CHECK_TIMEOUT, trust_env=True) as client:
                response = await client.get(f"{self.base_url}/models", headers=headers)
        except httpx.TimeoutException:
            return _status(NOT_ANSWERING, "timeout")
        except httpx.HTTPError:
            return _status(NOT_ANSWERING, "refused")
        if response.is_success:
            return _status(CONNECTED)
        return _status(NOT_ANSWERING, f"http {response.status_code}")


class ModelStatusHandler(APIHandler):
    @tornado.web.authenticated
    async def get(self):
        checker: ModelStatusChecker = self.settings[SETTINGS_KEY]
        status = await checker.status()
        self.set_header("Cache-Control", "no-store")
        self.finish(asdict(status))


def setup_model_status(server_app) -> None:
    web_app = server_app.web_app
    web_app.settings[SETTINGS_KEY] = ModelStatusChecker.from_config(server_app.config)
    route = url_path_join(web_app.settings["base_url"], "govlab", "model-status")
    web_app.add_handlers(".*$", [(route, ModelStatusHandler)])
