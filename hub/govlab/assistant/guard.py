"""The privacy guard: what an official sends is scanned before it reaches the model.

The share's scanner (`govlab_share.scan`) finds resident and foreign registration
numbers, card and mobile numbers, secrets and keys. Only `blocking` findings count
(landlines are information). `check()` is CPU-bound and synchronous; `check_async()`
runs it in a thread with a time bound so a 1 MB message never freezes the lab.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from govlab_share.scan import Finding
from govlab_share.scan._core import _scan_units  # raw spans, to mask what is sent
from govlab_share.scan._extract import text_units

# Above this the guard blocks without scanning: such a message is not a question.
MAX_SCAN_CHARS = 4_000_000
# Seconds a scan may take before the message is held back (fail closed).
SCAN_BOUND = 20.0
# How much of a masked value stays readable (the scanner's excerpts keep as little).
_KEEP = 2


@dataclass(frozen=True)
class Part:
    """One piece of an outgoing message: its text and where it came from."""

    key: str
    text: str
    where_ko: str
    where_en: str


@dataclass(frozen=True)
class Found:
    part: Part
    finding: Finding

    @property
    def where(self) -> str:
        ko = f"{self.part.where_ko}, {self.finding.line}번째 줄"
        en = f"{self.part.where_en}, line {self.finding.line}"
        return f"{ko} / {en}"


@dataclass
class GuardResult:
    found: list[Found] = field(default_factory=list)
    masked: dict[str, str] = field(default_factory=dict)  # part key -> text to send
    timed_out: bool = False
    too_large: bool = False

    @property
    def clean(self) -> bool:
        return not (self.found or self.timed_out or self.too_large)


def _mask_value(value: str) -> str:
    keep = min(_KEEP, len(value) // 4)
    return value[:keep] + "".join("*" if c not in "\r\n" else c for c in value[keep:])


def scan_part(part: Part) -> tuple[list[Finding], str]:
    """Blocking findings in `part` and its text with every blocking value masked."""
    triples = _scan_units(part.key, text_units(part.text, part.key))
    findings = [f for f, _, _, _ in triples if f.blocking]
    masked = part.text
    # Longest first, so a value containing another is masked whole.
    for raw in sorted({raw for f, _, raw, _ in triples if f.blocking and raw}, key=len, reverse=True):
        masked = masked.replace(raw, _mask_value(raw))
    return findings, masked


def check(parts: list[Part]) -> GuardResult:
    result = GuardResult()
    if sum(len(p.text) for p in parts) > MAX_SCAN_CHARS:
        result.too_large = True
        return result
    for part in parts:
        findings, masked = scan_part(part)
        result.found += [Found(part, f) for f in findings]
        result.masked[part.key] = masked
    return result


async def check_async(parts: list[Part], bound: float = SCAN_BOUND) -> GuardResult:
    """`check` off the event loop; past `bound` seconds the result says timed_out."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(check, parts), bound)
    except TimeoutError:
        return GuardResult(timed_out=True)


def mask_text(text: str, where: str = "<text>") -> tuple[str, list[Finding]]:
    """`text` with every blocking finding masked, and those findings (for tool results)."""
    findings, masked = scan_part(Part(where, text, where, where))
    return masked, findings


def notice(result: GuardResult, limit: int = 10) -> str:
    """What the official reads when a message was held back (Korean, then English)."""
    if result.timed_out:
        return (
            "**메시지를 보내지 않았습니다.** 개인정보 검사가 너무 오래 걸렸습니다. "
            "메시지나 첨부를 줄여서 다시 보내 주세요.\n\n"
            "**The message was not sent.** The personal-data check took too long: "
            "send a shorter message or fewer attachments."
        )
    if result.too_large:
        return (
            "**메시지를 보내지 않았습니다.** 메시지와 첨부가 너무 큽니다. "
            "필요한 부분만 골라 다시 보내 주세요.\n\n"
            "**The message was not sent.** The message and its attachments are too large: "
            "send only the part you need."
        )
    lines = [
        "**개인정보 또는 비밀 값이 있어 메시지를 AI 모델에 보내지 않았습니다.** 아무것도 전송되지 않았습니다.",
        "**The message was not sent to the AI model:** it contains personal data or a secret. Nothing was sent.",
        "",
    ]
    for item in result.found[:limit]:
        f = item.finding
        lines.append(f"- {f.kind_label} — {item.where}: `{f.excerpt}`")
    if len(result.found) > limit:
        lines.append(f"- … 외 {len(result.found) - limit}건 / and {len(result.found) - limit} more")
    lines += [
        "",
        "해당 값을 지우거나 `***`로 가린 뒤 다시 보내 주세요. 첨부한 셀이나 파일에 있다면 "
        "그 내용을 고치거나 첨부를 빼고 보내 주세요.",
        "Remove or mask the value (e.g. `***`) and send the message again; if it is in an "
        "attached cell or file, fix it there or send without the attachment.",
    ]
    return "\n".join(lines)
