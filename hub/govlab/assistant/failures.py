"""Model failures in words an official can act on (never raw litellm exception text).

`explain(error, streamed=..., timeout=...)` classifies an exception from a model call
and returns a short Korean message with English alongside and what to do next.
"""

from __future__ import annotations

import asyncio

RETRY = "잠시 후 다시 보내 주세요. / Please send the message again in a moment."
OPERATOR = "계속되면 관리자에게 알려 주세요. / If it keeps happening, tell your administrator."

MESSAGES = {
    "timeout": (
        "AI 모델이 {timeout}초 안에 응답하지 않았습니다.",
        "The AI model did not answer within {timeout} s.",
        f"{RETRY}\n{OPERATOR}",
    ),
    "refused": (
        "AI 모델 서버에 연결할 수 없습니다.",
        "The AI model server cannot be reached.",
        "관리자에게 모델 서버(llm.base_url)가 켜져 있는지 확인해 달라고 요청하세요. / "
        "Ask your administrator to check that the model server (llm.base_url) is running.",
    ),
    "auth": (
        "AI 모델 서버가 접속 키를 거부했습니다.",
        "The AI model server refused the access key.",
        "관리자에게 알려 주세요 (설정 llm.api_key 확인). / Tell your administrator (check the llm.api_key setting).",
    ),
    "not_found": (
        "설정된 AI 모델을 모델 서버에서 찾을 수 없습니다.",
        "The model server does not know the configured model.",
        "관리자에게 알려 주세요 (설정 llm.model 확인). / Tell your administrator (check the llm.model setting).",
    ),
    "rate_limit": (
        "AI 모델 서버에 요청이 너무 많습니다.",
        "The AI model server has too many requests right now.",
        "1분쯤 기다린 뒤 다시 보내 주세요. / Wait about a minute, then send the message again.",
    ),
    "server": (
        "AI 모델 서버에 오류가 났습니다.",
        "The AI model server had an error.",
        f"{RETRY}\n{OPERATOR}",
    ),
    "cut": (
        "AI 답변이 중간에 끊겼습니다. 위의 답변은 완성되지 않았습니다.",
        "The answer stopped mid-way; the text above is incomplete.",
        f"{RETRY}\n{OPERATOR}",
    ),
    "other": (
        "AI 답변을 받는 중 문제가 생겼습니다.",
        "Something went wrong while getting the answer.",
        f"{RETRY}\n{OPERATOR}",
    ),
}


def _chain(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _status(error: BaseException) -> int | None:
    for e in _chain(error):
        code = getattr(e, "status_code", None)
        if isinstance(code, int) and code != 500:
            return code
    return 500 if any(getattr(e, "status_code", None) == 500 for e in _chain(error)) else None


def classify(error: BaseException, streamed: bool = False) -> str:
    names = {type(e).__name__ for e in _chain(error)}
    text = " ".join(str(e)[:300] for e in _chain(error)).lower()
    if isinstance(error, (asyncio.TimeoutError, TimeoutError)) or names & {
        "Timeout",
        "APITimeoutError",
        "ReadTimeout",
        "ConnectTimeout",
    }:
        return "timeout"
    if streamed or "MidStreamFallbackError" in names or "RemoteProtocolError" in names:
        # Anything after the first token is a reply that stopped mid-way.
        return "cut"
    status = _status(error)
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "not_found"
    if status == 429:
        return "rate_limit"
    if names & {"ConnectError", "ConnectionRefusedError", "APIConnectionError"} or "connection error" in text:
        return "refused"
    if status is not None and status >= 500:
        return "server"
    return "other"


def explain(error: BaseException, streamed: bool = False, timeout: int = 60) -> str:
    kind = classify(error, streamed)
    ko, en, todo = MESSAGES[kind]
    return f"**{ko.format(timeout=timeout)}**\n{en.format(timeout=timeout)}\n\n{todo}"
