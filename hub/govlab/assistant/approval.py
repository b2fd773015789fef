"""Ask the official in the chat before a tool call runs code, and wait for the answer.

The persona posts the pending call (exactly the code or command that would run) and the
official answers "허용" or "거부" in the same chat. The answer is caught by a message
observer on the chat, because the persona handles one message at a time: the answer's
own turn only starts after the waiting tool call has finished.

The persona must not send an answer to the model as a new question: its
`process_message` starts with `if approval.was_answer(message): return`.

LangChain 1.x ships `HumanInTheLoopMiddleware`, but it interrupts the whole agent run
and needs the caller to resume the graph with `Command(resume=...)`, i.e. a rewrite of
Jupyternaut's `process_message`; waiting inside the governed tool keeps the stock agent
loop as it is.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections import deque
from typing import Any, Literal

Decision = Literal["allow", "deny", "timeout"]

DEFAULT_TIMEOUT = 300.0  # seconds an official has to answer
_PERSONA_PREFIX = "jupyter-ai-personas"
# Answers are short words; anything longer is an ordinary message, not an answer.
_ANSWER_MAX = 40
_MENTION = re.compile(r"@[^\s]{1,80}\s{1,10}")
_ALLOW = {"허용", "승인", "실행", "예", "네", "allow", "approve", "yes", "ok"}
_DENY = {"거부", "거절", "취소", "아니오", "아니요", "deny", "refuse", "no", "cancel"}

# Ids of chat messages consumed as answers (bounded: only recent answers matter).
_ANSWERED: deque[str] = deque(maxlen=256)
# A new message from a person: "client_msg_received" over the websocket; a message added
# on the server side (another backend) arrives as "server_msg_sent" with a person's id.
_NEW_MESSAGE = {"client_msg_received", "server_msg_sent"}


# One open request per chat: parallel tool calls ask one after the other, so one answer
# never approves a second, unseen call.
_LOCKS: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


def parse_answer(body: str) -> Decision | None:
    """'allow' / 'deny' for an answer word (a leading @mention is ignored), else None."""
    text = (body or "").strip()
    if not text or len(text) > _ANSWER_MAX:
        return None
    text = _MENTION.sub("", text, count=1).strip().strip(".!。 ").lower()
    if text in _ALLOW:
        return "allow"
    if text in _DENY:
        return "deny"
    return None


def was_answer(message: Any) -> bool:
    """True if `message` answered an approval request (the persona skips it)."""
    return getattr(message, "id", None) in _ANSWERED


def _fence(code: str) -> str:
    """A Markdown fence longer than any backtick run in `code`, so it shows verbatim."""
    longest, run = 0, 0
    for ch in code:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def request_text(what_ko: str, what_en: str, code: str, language: str, timeout: float) -> str:
    fence = _fence(code)
    minutes = max(1, round(timeout / 60))
    return (
        f"**실행 승인이 필요합니다 / Approval needed**\n\n"
        f"{what_ko} 아래 내용을 그대로 실행합니다. / {what_en} It will run exactly this:\n\n"
        f"{fence}{language}\n{code}\n{fence}\n\n"
        f"실행하려면 **허용**, 막으려면 **거부**라고 답해 주세요. "
        f"{minutes}분 안에 답이 없으면 실행하지 않습니다.\n"
        f"Reply **허용** (allow) to run it or **거부** (deny) to stop it. "
        f"Without an answer within {minutes} min nothing runs."
    )


def _is_official(sender: str, persona_id: str) -> bool:
    return bool(sender) and sender != persona_id and not sender.startswith(_PERSONA_PREFIX)


async def ask(
    persona: Any, what_ko: str, what_en: str, code: str, *, language: str = "", timeout: float = DEFAULT_TIMEOUT
) -> Decision:
    """Post the request in the persona's chat and wait for 허용 / 거부 (bounded)."""
    chat = persona.chat
    lock = _LOCKS.setdefault(chat, asyncio.Lock())
    async with lock:
        return await _ask_one(persona, chat, what_ko, what_en, code, language, timeout)


async def _ask_one(
    persona: Any, chat: Any, what_ko: str, what_en: str, code: str, language: str, timeout: float
) -> Decision:
    loop = asyncio.get_running_loop()
    decided: asyncio.Future[Decision] = loop.create_future()

    def on_event(event: Any) -> None:
        action = getattr(getattr(event, "action", None), "value", getattr(event, "action", ""))
        message = getattr(event, "message", None)
        if decided.done() or message is None or str(action) not in _NEW_MESSAGE:
            return
        if not _is_official(getattr(message, "sender", ""), persona.id):
            return
        decision = parse_answer(getattr(message, "body", ""))
        if decision is not None:
            _ANSWERED.append(message.id)
            decided.set_result(decision)

    # Observe before posting: an answer can only follow the request it answers.
    observer = chat.observe_messages(on_event)
    try:
        persona.send_message(request_text(what_ko, what_en, code, language, timeout))
        return await asyncio.wait_for(decided, timeout)
    except TimeoutError:
        return "timeout"
    finally:
        chat.unobserve_messages(observer)
