"""Agent middleware for malformed tool calls (arguments that are not valid JSON).

LangChain's agent ends the turn when a model reply holds only calls it could not parse
(`invalid_tool_calls`): the official gets an empty answer, and on the next request
LangChain answers the broken call with a tool message whose call the OpenAI-style
request no longer carries (litellm drops unparsable calls), which strict endpoints
refuse. Here the broken call is removed from the reply and the model is told, in a user
turn, what went wrong; after `MAX_RETRIES` the turn ends with a message for the official.

The persona puts it in place of Jupyternaut's tool-error middleware, which it wraps:
    def _create_tool_error_handler(self):
        return ToolCallGuard(super()._create_tool_error_handler())
"""

from __future__ import annotations

from typing import Any

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import AIMessage, HumanMessage

MAX_RETRIES = 2
NOTE_PREFIX = "[govlab] "
RETRY_NOTE = (
    NOTE_PREFIX + "Your tool call {names} had arguments that are not valid JSON, so nothing was run. "
    "Call the tool again with a valid JSON object of arguments, or answer in text."
)
GIVE_UP = (
    "AI 모델이 올바르지 않은 도구 호출을 보내 아무것도 실행하지 않았습니다. 질문을 조금 바꿔 다시 보내 주세요. "
    "계속되면 관리자에게 알려 주세요.\n"
    "The AI model sent malformed tool calls, so nothing was run. Rephrase and send again; "
    "if it keeps happening, tell your administrator."
)


def _retries_this_turn(messages: list) -> int:
    """Retry notes since the official's last own message."""
    count = 0
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            if str(message.content).startswith(NOTE_PREFIX):
                count += 1
            else:
                break
    return count


class ToolCallGuard(AgentMiddleware):
    """Repairs replies with unparsable tool calls; delegates tool errors to `inner`."""

    def __init__(self, inner: Any = None) -> None:
        super().__init__()
        self.inner = inner

    @property
    def name(self) -> str:  # one per agent; a stable name for LangChain's graph
        return "GovlabToolCallGuard"

    async def awrap_tool_call(self, request: Any, handler: Any) -> Any:
        if self.inner is not None and hasattr(self.inner, "awrap_tool_call"):
            return await self.inner.awrap_tool_call(request, handler)
        return await handler(request)

    @hook_config(can_jump_to=["model", "end"])
    def after_model(self, state: Any, runtime: Any) -> dict[str, Any] | None:
        messages = state.get("messages") or []
        last = messages[-1] if messages else None
        if not isinstance(last, AIMessage) or not last.invalid_tool_calls or last.tool_calls:
            return None
        names = ", ".join(sorted({c.get("name") or "?" for c in last.invalid_tool_calls}))
        # Same id: replaces the reply in the agent's state, without the broken calls.
        repaired = AIMessage(id=last.id, content=last.content or "", tool_calls=[])
        if _retries_this_turn(messages[:-1]) >= MAX_RETRIES:
            return {"messages": [repaired, AIMessage(content=GIVE_UP)], "jump_to": "end"}
        note = HumanMessage(content=RETRY_NOTE.format(names=names))
        return {"messages": [repaired, note], "jump_to": "model"}
