"""Attached files as the model reads them: text only, binaries named but never sent.

jupyter-ai reads every attached file as UTF-8 text. A spreadsheet or an image fails to
decode and the model receives the decoder's error text instead; a binary that happens
to decode would reach the model as bytes the privacy guard cannot read. Here a file
that is not UTF-8 text is not read at all: the model gets one line saying so (its
name only) and the official a short note on what to do (`notice()`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

# Formats that are never text, whatever their first bytes look like.
BINARY_SUFFIXES = frozenset(
    {
        ".xlsx",
        ".xlsm",
        ".xls",
        ".ods",
        ".hwp",
        ".hwpx",
        ".docx",
        ".doc",
        ".pptx",
        ".ppt",
        ".pdf",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".webp",
        ".tif",
        ".tiff",
        ".ico",
        ".zip",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".7z",
        ".tar",
        ".parquet",
        ".feather",
        ".pkl",
        ".pickle",
        ".npy",
        ".npz",
        ".h5",
        ".hdf5",
        ".db",
        ".sqlite",
        ".sqlite3",
        ".exe",
        ".dll",
        ".so",
        ".whl",
    }
)
# Bytes looked at to tell text from binary (a NUL byte in them means binary).
SNIFF_BYTES = 8192


@dataclass
class Attachments:
    context: str | None = None  # what goes to the model (and through the guard)
    skipped: list[str] = field(default_factory=list)  # files not read (relative paths)
    not_utf8: list[str] = field(default_factory=list)  # text files in another encoding


def kind(path: str) -> str:
    """ "text", "binary" or "not-utf8" (e.g. a CP949 CSV from data.go.kr)."""
    if os.path.splitext(path)[1].lower() in BINARY_SUFFIXES:
        return "binary"
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if b"\x00" in head:
        return "binary"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # A cut at the sniff boundary is still text; a bad byte before it is not.
        if e.start < len(head) - 4:
            return "not-utf8"
    return "text"


def collect(persona, message) -> Attachments:
    """The message's attached files for the model, as jupyter-ai lays them out."""
    out = Attachments()
    parts: list[str] = []
    workspace = persona.get_workspace_dir()
    for attachment_id in message.attachments or []:
        path = persona.resolve_attachment_to_path(attachment_id)
        if not path:
            continue
        rel = os.path.relpath(path, workspace)
        try:
            what = kind(path)
            if what == "text":
                with open(path, encoding="utf-8") as f:
                    parts.append(f"File: {rel}\n```\n{f.read()}\n```")
                continue
        except (OSError, UnicodeDecodeError):
            what = "not-utf8"
        (out.skipped if what == "binary" else out.not_utf8).append(rel)
        parts.append(
            f"File: {rel} (not read: {'a binary file' if what == 'binary' else 'not UTF-8 text'}; "
            "its content was not sent to you)"
        )
    out.context = "\n\n".join(parts) if parts else None
    return out


def notice(found: Attachments) -> str | None:
    """What the official reads about files the assistant did not read, or None."""
    if not (found.skipped or found.not_utf8):
        return None
    lines = []
    if found.skipped:
        names = ", ".join(f"`{n}`" for n in found.skipped)
        lines += [
            f"첨부한 {names} 파일은 텍스트가 아니어서(엑셀, 이미지 등) AI 도우미가 읽지 않았습니다. "
            "파일 내용은 AI 모델에 보내지 않았고, 파일 이름만 알렸습니다. 엑셀 파일이라면 "
            '"pd.read_excel로 이 파일을 읽는 코드를 짜줘"처럼 요청해 보세요.',
            f"The attached {names} is not a text file (a spreadsheet, an image...): the assistant "
            "did not read it and sent only its name to the AI model, not its content. For a "
            "spreadsheet, ask for code that reads it (e.g. with pd.read_excel).",
        ]
    if found.not_utf8:
        names = ", ".join(f"`{n}`" for n in found.not_utf8)
        lines += [
            f"첨부한 {names} 파일은 UTF-8 텍스트가 아니어서(예: CP949 CSV) 읽지 않았습니다. "
            "파일 내용은 AI 모델에 보내지 않았습니다. \"encoding='cp949'로 읽는 코드를 짜줘\"처럼 요청해 보세요.",
            f"The attached {names} is not UTF-8 text (e.g. a CP949 CSV): it was not read and its "
            "content was not sent to the AI model. Ask for code that reads it with encoding='cp949'.",
        ]
    return "\n".join(lines)
