"""Mask what the agent's tools read before it goes back to the model.

Uses the share's scanner (`govlab_share.scan.scan_text`, blocking findings only). The
scanner reports each (kind, value) once with a masked excerpt of its line, not the raw
span, so masking works line by line: the excerpt is laid over the line it came from, and
the text is scanned again until nothing blocking is left (a repeated value is reported
at its first line only). Anything that cannot be masked precisely is withheld, never
passed through: this fails closed.
"""

from __future__ import annotations

import asyncio

from govlab_share.scan import scan_text

# Bounded work per tool result: longer results are cut before scanning (the model gets a
# note), rounds bound repeated values, the time bound keeps a huge result from holding
# the agent.
MAX_CHARS = 200_000
MAX_ROUNDS = 20
SCAN_SECONDS = 20.0
_ELLIPSIS = "…"

WITHHELD = (
    "[govlab: 이 도구 결과는 개인정보 검사를 마치지 못해 보내지 않았습니다. "
    "/ This tool result was withheld: the personal-data check could not finish.]"
)
LINE_WITHHELD = "[govlab: 민감한 정보가 있는 줄을 가렸습니다 / a line with sensitive data was hidden]"


def _overlay(line: str, excerpt: str) -> str | None:
    """`line` with the masked excerpt laid over it, or None if it does not fit.

    The excerpt is the line's masked text, stripped and possibly cut with '…' at either
    end; its '*' stand for masked characters, every other character equals the line's.
    """
    body = excerpt
    if body.startswith(_ELLIPSIS):
        body = body[len(_ELLIPSIS) :]
    if body.endswith(_ELLIPSIS):
        body = body[: -len(_ELLIPSIS)]
    if not body or "*" not in body:
        return None
    # Candidate positions: where the excerpt's unmasked head occurs in the line.
    anchor = body.split("*", 1)[0]
    limit = len(line) - len(body)
    start = line.find(anchor) if anchor else 0
    while 0 <= start <= limit:
        window = line[start : start + len(body)]
        if all(b == "*" or b == w for b, w in zip(body, window)):
            return line[:start] + body + line[start + len(body) :]
        start = line.find(anchor, start + 1) if anchor else start + 1
    return None


def mask_text(text: str) -> tuple[str, int]:
    """(masked text, number of findings masked). Blocking findings only."""
    if len(text) > MAX_CHARS:
        text = (
            text[:MAX_CHARS] + f"\n[govlab: 결과가 길어 {MAX_CHARS}자에서 잘랐습니다 / cut at {MAX_CHARS} characters]"
        )
    masked = 0
    for _ in range(MAX_ROUNDS):
        findings = [f for f in scan_text(text) if f.blocking]
        if not findings:
            return text, masked
        lines = text.split("\n")
        for f in findings:
            idx = f.line - 1
            if not 0 <= idx < len(lines):
                return WITHHELD, masked + len(findings)
            laid = _overlay(lines[idx], f.excerpt)
            lines[idx] = laid if laid is not None else LINE_WITHHELD
            masked += 1
        text = "\n".join(lines)
    return WITHHELD, masked


async def mask_result(text: str) -> tuple[str, int]:
    """`mask_text` off the event loop, within SCAN_SECONDS (withheld otherwise)."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(mask_text, text), SCAN_SECONDS)
    except TimeoutError:
        return WITHHELD, 1
