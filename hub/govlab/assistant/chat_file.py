"""A chat file edited by hand into invalid JSON: keep its bytes, tell the official.

jupyterlab-chat (websocket mode) reads a `.chat` file that is not valid JSON as an
empty chat and rewrites the file with the next message, so a hand edit with one stray
comma would lose the whole conversation. The govlab persona manager is created for a
chat when it opens, before any message is written; it calls `rescue()` first, which
copies the unreadable bytes to `<name>.chat.bak`, and then says so in the chat
(`notice()`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# Backups of the same chat: "<name>.chat.bak", then "<name>.chat.bak.2" ... (never overwritten).
MAX_BACKUPS = 100


def unreadable(raw: bytes) -> bool:
    """True when jupyterlab-chat would drop this content (it parses with json.load)."""
    if not raw.strip():
        return False  # a new chat: empty, nothing to lose
    try:
        json.loads(raw.decode("utf-8"))
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        return True
    return False


def _backup_path(chat: Path, raw: bytes) -> tuple[Path, bool]:
    """(where the copy goes, whether an identical copy is already there)."""
    for n in range(1, MAX_BACKUPS + 1):
        candidate = chat.with_name(chat.name + (".bak" if n == 1 else f".bak.{n}"))
        if not candidate.exists():
            return candidate, False
        try:
            if candidate.read_bytes() == raw:
                return candidate, True
        except OSError:
            continue
    raise OSError(f"{MAX_BACKUPS} backups of {chat.name} already exist")


def rescue(root_dir: str, path: str) -> str | None:
    """Copy an unreadable chat file aside; the backup's path relative to `root_dir`.

    None when the file is readable (or missing). Raises OSError when no copy could be
    made: the caller must then write nothing to the chat.
    """
    chat = Path(root_dir) / path
    try:
        raw = chat.read_bytes()
    except FileNotFoundError:
        return None
    if not unreadable(raw):
        return None
    backup, exists = _backup_path(chat, raw)
    if not exists:
        # Exclusive create: a backup is never replaced, even by a racing open.
        with open(backup, "xb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
    return os.path.relpath(backup, root_dir)


def notice(path: str, backup: str) -> str:
    """What the official reads in the chat (Korean, then English, then what to do)."""
    name, copy = Path(path).name, Path(backup).name
    return (
        f"**이 대화 파일(`{name}`)은 형식이 올바르지 않아(JSON 오류) 이전 내용을 읽을 수 없습니다.** "
        f"원래 파일 내용은 그대로 `{copy}`에 보관했습니다. 이 대화는 빈 상태에서 다시 시작합니다.\n"
        f"**This chat file (`{name}`) is not valid JSON, so its earlier messages cannot be read.** "
        f"Its original content is kept unchanged in `{copy}`; this chat starts again empty.\n\n"
        "이전 대화가 필요하면 관리자나 동료에게 보관 파일 복구를 요청하세요. "
        "대화 파일(.chat)은 직접 고치지 마세요.\n"
        "If you need the earlier messages, ask your administrator or a colleague to repair the "
        "kept copy. Do not edit .chat files by hand."
    )
