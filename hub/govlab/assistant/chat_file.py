"""A chat file edited by hand into something jupyterlab-chat cannot read: keep its
bytes, start a fresh chat, tell the official.

jupyterlab-chat (websocket mode) reads a `.chat` file that is not valid JSON as an
empty chat and rewrites the file with the next message, so a hand edit with one stray
comma would lose the whole conversation. Valid JSON of the wrong shape (`[]`, `"x"`,
`3`, `{"messages": 3}`) is worse: its loader raises and the chat cannot be opened at all.

Two steps, both before jupyterlab-chat reads the file:
- `chat_open` (a server extension) calls `rescue_before_open()` when a chat's websocket
  opens: the bytes are copied to `<name>.chat.bak` and the file is emptied, which
  jupyterlab-chat opens as a fresh chat; the backup is remembered for the notice.
- the govlab persona manager, created when the chat opens, calls `rescue()` (the
  remembered backup, or the same copy when the extension is not loaded) and says so in
  the chat (`notice()`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# Backups of the same chat: "<name>.chat.bak", then "<name>.chat.bak.2" ... (never overwritten).
MAX_BACKUPS = 100


# Top-level keys jupyterlab-chat reads, and the JSON type each must have.
_SHAPE = {"messages": list, "users": dict, "attachments": dict, "metadata": dict}
# Backups made by rescue_before_open() whose notice is not written yet: chat file -> backup.
_PENDING: dict[Path, Path] = {}


def unreadable(raw: bytes) -> bool:
    """True when jupyterlab-chat would drop this content or fail to open it.

    It parses with json.load (invalid JSON: dropped) and then reads the keys of an
    object, indexing each message (anything else: the chat cannot be opened).
    """
    if not raw.strip():
        return False  # a new chat: empty, nothing to lose
    try:
        content = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, deep nesting
        return True
    if not isinstance(content, dict):
        return True
    if any(key in content and not isinstance(content[key], kind) for key, kind in _SHAPE.items()):
        return True
    return not all(isinstance(m, dict) for m in content.get("messages", []))


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


def _copy_aside(chat: Path) -> Path | None:
    """Copy `chat` aside when it is unreadable; the backup, or None when readable or missing."""
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
    return backup


def rescue(root_dir: str, path: str) -> str | None:
    """Copy an unreadable chat file aside; the backup's path relative to `root_dir`.

    None when the file is readable (or missing) and no earlier rescue_before_open() of
    it awaits its notice. Raises OSError when no copy could be made: the caller must then
    write nothing to the chat.
    """
    chat = Path(root_dir) / path
    pending = _PENDING.pop(chat.resolve(), None)
    backup = _copy_aside(chat) or pending
    return None if backup is None else os.path.relpath(backup, root_dir)


def rescue_before_open(root_dir: str, path: str) -> str | None:
    """Before jupyterlab-chat reads `path`: copy unreadable bytes aside and empty the file.

    Emptied, the file opens as a fresh chat instead of failing; the bytes are only in the
    backup (written and synced first). The backup (relative to `root_dir`) is returned and
    remembered for rescue(). Raises OSError when no copy could be made; the file is then
    left untouched.
    """
    chat = Path(root_dir) / path
    backup = _copy_aside(chat)
    if backup is None:
        return None
    with open(chat, "r+b") as f:
        f.truncate(0)
    _PENDING[chat.resolve()] = backup
    return os.path.relpath(backup, root_dir)


def notice(path: str, backup: str) -> str:
    """What the official reads in the chat (Korean, then English, then what to do)."""
    name, copy = Path(path).name, Path(backup).name
    return (
        f"**이 대화 파일(`{name}`)은 형식이 올바르지 않아(JSON 오류이거나 대화 형식이 아님) "
        f"이전 내용을 읽을 수 없습니다.** "
        f"원래 파일 내용은 그대로 `{copy}`에 보관했습니다. 이 대화는 빈 상태에서 다시 시작합니다.\n"
        f"**This chat file (`{name}`) is not readable (not valid JSON, or JSON that is not a chat), "
        f"so its earlier messages cannot be read.** "
        f"Its original content is kept unchanged in `{copy}`; this chat starts again empty.\n\n"
        "이전 대화가 필요하면 관리자나 동료에게 보관 파일 복구를 요청하세요. "
        "대화 파일(.chat)은 직접 고치지 마세요.\n"
        "If you need the earlier messages, ask your administrator or a colleague to repair the "
        "kept copy. Do not edit .chat files by hand."
    )
