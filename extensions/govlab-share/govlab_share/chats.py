"""Find the jupyterlab-chat `.chat` files and tell which belong to a notebook.

A chat file is `{"messages": [...], "users": {...}, "attachments": {...},
"metadata": {...}}` (jupyterlab_chat.websocket_model.WsChatRoom.to_dict). Messages
carry attachment ids (older files: inline attachment dicts); an attachment is
`{"type": "file"|"notebook", "value": <path relative to the root>, "cells": [...]}`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .paths import is_hidden_part

MAX_CHATS = 500  # a home folder can be large; the dialog only needs a list
MAX_CHAT_BYTES = 20 * 1024 * 1024
PREVIEW_CHARS = 120


@dataclass
class ChatInfo:
    path: str  # relative to the root, '/'-separated
    title: str
    linked: bool
    messages: int
    updated: str  # ISO time of the file's mtime (UTC)
    preview: str = ""  # the first user message, whitespace collapsed, cut short

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "title": self.title,
            "linked": self.linked,
            "messages": self.messages,
            "updated": self.updated,
            "preview": self.preview,
        }


def iter_chat_files(root: str | os.PathLike):
    """Yield relative paths of `.chat` files, skipping hidden/checkpoint dirs and symlinks."""
    root = str(root)
    count = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not is_hidden_part(d))
        for name in sorted(filenames):
            if not name.endswith(".chat") or name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                continue
            yield Path(os.path.relpath(full, root)).as_posix()
            count += 1
            if count >= MAX_CHATS:
                return


def load_chat(data: bytes) -> dict:
    """Parse a chat file; ValueError if it is not a chat JSON object."""
    doc = json.loads(data.decode("utf-8"))
    if not isinstance(doc, dict) or not isinstance(doc.get("messages", []), list):
        raise ValueError("not a chat document")
    return doc


def message_attachments(doc: dict, message: dict) -> list[dict]:
    """The attachment objects of one message (ids resolved via the `attachments` map)."""
    table = doc.get("attachments") or {}
    out = []
    for att in message.get("attachments") or []:
        if isinstance(att, str):
            att = table.get(att) if isinstance(table, dict) else None
        if isinstance(att, dict):
            out.append(att)
    return out


def _all_attachments(doc: dict) -> list[dict]:
    table = doc.get("attachments") or {}
    atts = [a for a in table.values() if isinstance(a, dict)] if isinstance(table, dict) else []
    for msg in doc.get("messages") or []:
        if isinstance(msg, dict):
            atts.extend(a for a in msg.get("attachments") or [] if isinstance(a, dict))
    return atts


def is_linked(doc: dict, notebook_path: str, cell_ids: set[str]) -> bool:
    """True if an attachment or a message references the notebook or one of its cells."""
    for att in _all_attachments(doc):
        value = att.get("value")
        if isinstance(value, str) and value.lstrip("/") == notebook_path:
            return True
        for cell in att.get("cells") or []:
            if isinstance(cell, dict) and cell.get("id") in cell_ids:
                return True
    for msg in doc.get("messages") or []:
        body = msg.get("body") if isinstance(msg, dict) else None
        if isinstance(body, str) and notebook_path in body:
            return True
    return False


def count_messages(doc: dict) -> int:
    return sum(1 for m in doc.get("messages") or [] if isinstance(m, dict) and not m.get("deleted"))


def first_user_message(doc: dict, limit: int = PREVIEW_CHARS) -> str:
    """The first non-deleted message of a human (not a bot persona), for the dialog."""
    users = doc.get("users") if isinstance(doc.get("users"), dict) else {}
    for msg in doc.get("messages") or []:
        if not isinstance(msg, dict) or msg.get("deleted"):
            continue
        body = msg.get("body")
        sender = users.get(msg.get("sender")) if isinstance(msg.get("sender"), str) else None
        if isinstance(sender, dict) and sender.get("bot"):
            continue
        if isinstance(body, str) and body.strip():
            # Slice before splitting: a huge first message costs no more than a small one.
            text = " ".join(body[: limit * 8].split())
            return text[:limit]
    return ""


def list_chats(root: str | os.PathLike, notebook_path: str, cell_ids: set[str]) -> list[ChatInfo]:
    """Every readable chat under the root, linked ones first, then newest first."""
    chats = []
    for rel in iter_chat_files(root):
        full = Path(root, rel)
        try:
            st = full.stat()
            if st.st_size > MAX_CHAT_BYTES:
                continue
            doc = load_chat(full.read_bytes())
        except (OSError, ValueError):
            continue  # unreadable or half-written: not offered
        chats.append(
            ChatInfo(
                path=rel,
                title=Path(rel).stem,
                linked=is_linked(doc, notebook_path, cell_ids),
                messages=count_messages(doc),
                preview=first_user_message(doc),
                updated=datetime.fromtimestamp(st.st_mtime, UTC).isoformat(timespec="seconds"),
            )
        )
    chats.sort(key=lambda c: c.updated, reverse=True)
    chats.sort(key=lambda c: not c.linked)  # stable: linked first, each group newest first
    return chats
