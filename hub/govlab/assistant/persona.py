"""The govlab persona: Jupyternaut with Korean instructions, a privacy guard in front
of the model, only the configured model, and clear bounded failures.

Registered through jupyter-ai's `jupyter_ai.personas` entry point (pyproject.toml) and
made every lab's default persona by `govlab.labconfig`. Only the lab process imports
this module (it pulls in jupyter-ai, langchain and litellm).
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from jupyter_ai_jupyternaut.jupyternaut.jupyternaut import (
    JUPYTERNAUT_AVATAR_PATH,
    JupyternautPersona,
    _extract_message_text,
)
from jupyter_ai_persona_manager import ModelConfiguration, PersonaDefaults
from jupyterlab_chat.models import Message

from . import attachments, failures
from .config import AssistantConfig
from .guard import GuardResult, Part, check_async, notice
from .prompt import system_prompt

PERSONA_NAME = "AI 도우미"
# The chat shows "<persona name> <status>" while the persona works; jupyter-ai's
# statuses are English literals, so they are given in Korean with English alongside.
STATUS_KO = {
    "is typing...": "답변 작성 중… / typing…",
    "is thinking...": "생각 중… / thinking…",
    "is running tools...": "도구 실행 중… / running tools…",
}
# Keys a lab user could set for a model in jupyter-ai's settings view: the endpoint
# and the key come only from the operator (base_url, the lab's environment).
_ENDPOINT_KEYS = ("api_base", "base_url", "api_key", "organization", "custom_llm_provider")


class GovlabPersona(JupyternautPersona):
    # The lab's config as last seen through a chat's PersonaManager: jupyter-ai's REST
    # shortcut builds personas without the server's config and falls back to this.
    _seen_config: AssistantConfig | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cfg = self.assistant_config
        if cfg.base_url:
            # Process-wide: any litellm call in this lab (the stock persona's too) goes
            # to the operator's endpoint, whatever provider a model id names.
            import litellm

            litellm.api_base = cfg.base_url

    @property
    def defaults(self) -> PersonaDefaults:
        return PersonaDefaults(
            name=PERSONA_NAME,
            avatar_path=JUPYTERNAUT_AVATAR_PATH,
            description="공무원을 위한 한국어 AI 도우미 (개인정보 보호 검사 포함) / "
            "A Korean assistant for officials, with a personal-data guard.",
            system_prompt="...",
        )

    @property
    def assistant_config(self) -> AssistantConfig:
        section = self.config.get("GovlabAssistant") if self.config is not None else None
        if section:
            cfg = AssistantConfig.from_traitlets(self.config)
            GovlabPersona._seen_config = cfg
            return cfg
        return GovlabPersona._seen_config or AssistantConfig()

    def set_status(self, status: str = "is typing...") -> None:
        super().set_status(STATUS_KO.get(status, status))

    # -- only the configured model ---------------------------------------------------
    def _build_model_configuration(self) -> ModelConfiguration:
        # No options: the chat input shows no model picker (an English-only control with
        # a single entry); every request goes to the operator's model (_resolve_model).
        return ModelConfiguration(current=None, options=[], settings=[])

    def _resolve_model(self) -> tuple[str | None, dict[str, Any]]:
        """The operator's model and endpoint, whatever the picker or settings say."""
        cfg = self.assistant_config
        model_id = cfg.model or self.config_manager.chat_model
        if not model_id:
            return None, {}
        fields = self._read_config_fields().get(model_id, {})
        args = {k: v for k, v in dict(fields).items() if k not in _ENDPOINT_KEYS}
        if cfg.base_url:
            args["api_base"] = cfg.base_url
            # litellm's offline answer is only for labs without an endpoint.
            kwargs = {k: v for k, v in dict(args.get("model_kwargs") or {}).items() if k != "mock_response"}
            # One attempt per request: retries would stretch the official's wait past
            # llm.timeout; the failure message tells them to resend instead.
            kwargs["max_retries"] = 0
            args["model_kwargs"] = kwargs
            args["max_retries"] = 1
            args["request_timeout"] = cfg.timeout
        return model_id, args

    # -- tools (policy and approval: govlab.assistant.tools) -----------------------
    def get_mcp_settings(self):
        # No MCP servers: Jupyternaut reads `.jupyter/mcp_settings.json` from the chat's
        # folder and starts its stdio servers (runs their commands) for every reply, so a
        # pulled repository carrying that file would run code. The policy never offers
        # MCP tools anyway (govlab.assistant.tools).
        return None

    async def get_tools(self):
        offered = await super().get_tools()
        try:
            from . import tools
        except ImportError:
            # Without the policy module no tool is offered: safe, and still answers.
            return []
        kwargs = {"persona": self} if "persona" in inspect.signature(tools.select).parameters else {}
        return await _maybe_await(tools.select(offered, self.assistant_config, **kwargs))

    def _create_tool_error_handler(self):
        # Malformed tool calls get a retry or a clear message (govlab.assistant.tools_middleware).
        from .tools_middleware import ToolCallGuard

        return ToolCallGuard(super()._create_tool_error_handler())

    # -- instructions -----------------------------------------------------------------
    def get_system_prompt(self, model_id: str, message: Message, context: str | None = None) -> str:
        if context is None:
            context = self.process_attachments(message) or ""
        return system_prompt(
            instructions=self.assistant_config.instructions,
            context=context,
            username=message.sender,
            model_id=model_id,
        )

    # -- attachments (govlab.assistant.attachments) ------------------------------------
    def process_attachments(self, message: Message) -> str | None:
        # Text files only: a spreadsheet or an image is named to the model, never sent.
        found = attachments.collect(self, message)
        self._attachments_read = (message.id, found)
        return found.context

    def _unread_attachments_notice(self, message: Message) -> str | None:
        seen = getattr(self, "_attachments_read", None)
        found = seen[1] if seen and seen[0] == message.id else attachments.collect(self, message)
        return attachments.notice(found)

    # -- the guard -----------------------------------------------------------------
    def _outgoing_parts(self, message: Message) -> list[Part]:
        """The message and everything attached to it, as the model would receive it."""
        parts = [Part("body", message.body or "", "메시지", "message")]
        try:
            context = self.process_attachments(message) or ""
        except Exception:  # an unreadable attachment must not let content through unscanned
            self.log.warning("could not read the attachments of a message", exc_info=True)
            context = ""
        if context:
            parts.append(Part("context", context, "첨부 파일", "attachment"))
        for i, selection in enumerate(_selections(self, message)):
            parts.append(Part(f"selection{i}", selection, "선택한 셀/영역", "selected cell or range"))
        return parts

    async def _guard(self, message: Message) -> tuple[Message, str] | None:
        """(message to send, attachment context) or None when the message is held back."""
        cfg = self.assistant_config
        parts = self._outgoing_parts(message)
        context = next((p.text for p in parts if p.key == "context"), "")
        if cfg.privacy_guard == "off":
            return message, context
        result: GuardResult = await check_async(parts)
        if result.clean:
            return message, context
        if cfg.privacy_guard == "block" or result.timed_out or result.too_large:
            self.log.warning("privacy guard held back a message (%d findings)", len(result.found))
            self.send_message(notice(result))
            return None
        masked = result.masked
        body = masked.get("body", message.body)
        context = masked.get("context", context)
        # Selections are scanned (a finding blocks) but never sent as such: the model
        # reads attached cells through the files (`context`), masked here.
        return dataclasses.replace(message, body=body), context

    # -- one turn ---------------------------------------------------------------------
    async def process_message(self, message: Message) -> None:
        from .approval import was_answer

        if was_answer(message):  # a 허용/거부 that answered a tool call (govlab.assistant.approval)
            return
        if not hasattr(self, "config_manager"):
            return await super().process_message(message)
        cfg = self.assistant_config
        model_id, model_args = self._resolve_model()
        if not model_id:
            self.send_message(
                "AI 모델이 설정되지 않았습니다. 관리자에게 알려 주세요.\n"
                "No AI model is configured: tell your administrator."
            )
            return
        guarded = await self._guard(message)
        if guarded is None:
            return
        message, context = guarded
        unread = self._unread_attachments_notice(message)
        if unread:
            self.send_message(unread)
        streamed = False
        try:
            prompt = self.get_system_prompt(model_id=model_id, message=message, context=context)
            agent = await self.get_agent(model_id=model_id, model_args=model_args, system_prompt=prompt)
            config = {"configurable": {"thread_id": self.chat.get_id(), "username": message.sender}}

            async def reply():
                nonlocal streamed
                emitted = ""
                stream = await agent.astream_events(
                    {"messages": [{"role": "user", "content": message.body}]}, config, version="v3"
                )
                async for event in stream:
                    if event["method"] != "messages":
                        continue
                    data = event["params"]["data"][0]
                    if isinstance(data, dict):
                        if data.get("event") != "content-block-delta":
                            continue
                        block = data.get("delta") or {}
                        piece = block.get("text", "") if block.get("type") == "text-delta" else ""
                    else:
                        text = _extract_message_text(data)
                        piece = text[len(emitted) :] if text.startswith(emitted) else text
                        emitted = text if text.startswith(emitted) else emitted + text
                    if piece:
                        streamed = True
                        yield piece

            await self.stream_message(reply())
        except Exception as e:
            # The log keeps the details for the operator; the official reads what to do.
            self.log.warning("model request failed: %s", type(e).__name__, exc_info=True)
            self.send_message(failures.explain(e, streamed=streamed, timeout=cfg.timeout))


def _selections(persona: GovlabPersona, message: Message) -> list[str]:
    """Selected text carried by the message's attachments (cells, file ranges)."""
    out: list[str] = []
    try:
        attachments = persona.chat.get_attachments()
    except Exception:
        return out
    for attachment_id in message.attachments or []:
        a = attachments.get(attachment_id)
        if a is None:
            continue
        sel = getattr(a, "selection", None)
        if sel is not None and getattr(sel, "content", None):
            out.append(sel.content)
        for cell in getattr(a, "cells", None) or []:
            sel = getattr(cell, "selection", None)
            if sel is not None and getattr(sel, "content", None):
                out.append(sel.content)
    return out


async def _maybe_await(value):
    if hasattr(value, "__await__"):
        return await value
    return value
