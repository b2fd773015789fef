"""A readable Markdown transcript of one jupyterlab-chat conversation."""

from __future__ import annotations

from datetime import UTC, datetime

from .chats import count_messages, message_attachments


def _sender_name(users: dict, sender: str) -> tuple[str, bool]:
    """(display name, is_bot) for a sender id, via the chat's `users` map."""
    user = users.get(sender) if isinstance(users, dict) else None
    if isinstance(user, dict):
        name = user.get("display_name") or user.get("name") or user.get("username") or sender
        bot = bool(user.get("bot"))
    else:
        name, bot = sender or "?", False
    # Personas' ids look like 'jupyter-ai-personas::<pkg>::<Class>'.
    if isinstance(sender, str) and sender.startswith("jupyter-ai-personas::"):
        bot = True
        if name == sender:
            name = sender.rsplit("::", 1)[-1].removesuffix("Persona") or sender
    return str(name), bot


def _when(ts, tz) -> str:
    try:
        return datetime.fromtimestamp(float(ts), UTC).astimezone(tz).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return "?"


def _describe_attachment(att: dict) -> str:
    value = att.get("value", "?")
    kind = att.get("type", "file")
    label = "노트북 / notebook" if kind == "notebook" else "파일 / file"
    text = f"{label} `{value}`"
    cells = [c.get("id") for c in att.get("cells") or [] if isinstance(c, dict)]
    if cells:
        text += " - 셀 / cells: " + ", ".join(f"`{c}`" for c in cells if c)
    sel = att.get("selection")
    if isinstance(sel, dict) and sel.get("start") and sel.get("end"):
        text += f" (선택 / selection {sel['start'][0] + 1}-{sel['end'][0] + 1}행 / lines)"
    return text


def render_transcript(doc: dict, *, title: str, source_path: str, bundle_path: str, tz=None) -> str:
    users = doc.get("users") or {}
    lines = [
        f"# 대화 기록 / Chat transcript: {title}",
        "",
        f"- 원본 파일 / Source file: `{source_path}` (원본 JSON / raw JSON: `{bundle_path}`)",
        f"- 메시지 수 / Messages: {count_messages(doc)}",
    ]
    participants: dict[str, bool] = {}
    for msg in doc.get("messages") or []:
        if isinstance(msg, dict) and not msg.get("deleted"):
            name, bot = _sender_name(users, msg.get("sender", ""))
            participants.setdefault(name, bot)
    if participants:
        who = ", ".join(f"{n} (AI)" if bot else n for n, bot in participants.items())
        lines.append(f"- 참여자 / Participants: {who}")
    lines += ["", "---", ""]

    n = 0
    for msg in doc.get("messages") or []:
        if not isinstance(msg, dict) or msg.get("deleted"):
            continue
        n += 1
        name, bot = _sender_name(users, msg.get("sender", ""))
        tag = " (AI)" if bot else ""
        lines.append(f"### {n}. {name}{tag} · {_when(msg.get('time'), tz)}")
        lines.append("")
        body = msg.get("body")
        lines.append(body.rstrip() if isinstance(body, str) and body.strip() else "_(내용 없음 / empty)_")
        lines.append("")
        atts = message_attachments(doc, msg)
        if atts:
            lines.append("첨부 / Attachments:")
            lines.extend(f"- {_describe_attachment(a)}" for a in atts)
            lines.append("")
    if n == 0:
        lines += ["_(메시지 없음 / no messages)_", ""]
    return "\n".join(lines)
