"""Turn bundle files into text units: (cell, where, text)."""

from __future__ import annotations

import json
import re
from typing import Iterator, NamedTuple


class Unit(NamedTuple):
    cell: int | None
    where: str
    text: str


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
# Inline images (markdown sources, text/html outputs): never scanned, and the
# payload has no newlines, so dropping it keeps line numbers.
_DATA_URI = re.compile(r"(data:image/[\w.+\-]+;base64,)[A-Za-z0-9+/=]+")

_BINARY_EXT = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".pdf", ".zip", ".gz",
    ".tar", ".7z", ".xlsx", ".xls", ".docx", ".hwp", ".hwpx", ".pptx", ".parquet",
    ".pkl", ".pickle", ".npy", ".npz", ".h5", ".feather", ".db", ".sqlite", ".bin",
    ".so", ".whl", ".woff", ".woff2", ".ttf", ".mp3", ".mp4", ".wav",
})
# Korean public data is often EUC-KR/CP949, especially CSV from data.go.kr.
_LEGACY_OK_EXT = frozenset({".csv", ".txt", ".md", ".py", ".tsv"})

# Text-bearing output MIME types (never image/*; svg is markup full of coordinates).
_TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")


def clean(text: str) -> str:
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "data:image/" in text:
        text = _DATA_URI.sub(r"\1…", text)
    return text


def _join(value) -> str:
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else str(v) for v in value)
    return value if isinstance(value, str) else ""


def _decode(path: str, data: bytes) -> str | None:
    head = data[:8192]
    if b"\x00" in head:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if any(path.lower().endswith(e) for e in _LEGACY_OK_EXT):
        try:
            return data.decode("cp949")
        except UnicodeDecodeError:
            return None
    return None


def _notebook_units(nb: dict) -> Iterator[Unit]:
    for ci, cell in enumerate(nb.get("cells") or [], start=1):
        if not isinstance(cell, dict):
            continue
        src = _join(cell.get("source"))
        if src:
            yield Unit(ci, f"cell {ci}", src)
        for oi, out in enumerate(cell.get("outputs") or [], start=1):
            if not isinstance(out, dict):
                continue
            otype = out.get("output_type")
            prefix = f"cell {ci} output {oi}"
            if otype == "stream":
                yield Unit(ci, f"{prefix} ({out.get('name') or 'stream'})", _join(out.get("text")))
            elif otype == "error":
                tb = out.get("traceback")
                text = "\n".join(tb) if isinstance(tb, list) else f"{out.get('ename', '')}: {out.get('evalue', '')}"
                yield Unit(ci, f"{prefix} (traceback)", text)
            elif otype in ("execute_result", "display_data", "update_display_data"):
                data = out.get("data") or {}
                if not isinstance(data, dict):
                    continue
                for mime, value in data.items():
                    if mime in _TEXT_MIMES:
                        text = _join(value)
                    elif mime.endswith("json") and not mime.startswith("application/vnd.jupyter.widget"):
                        # pandas' table schema output (vnd.dataresource+json) holds the whole frame
                        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)
                    else:  # image/png, image/svg+xml, widget refs, ...
                        continue
                    if text:
                        yield Unit(ci, f"{prefix} ({mime})", text)


def _chat_units(chat: dict) -> Iterator[Unit]:
    for mi, msg in enumerate(chat.get("messages") or [], start=1):
        if isinstance(msg, dict):
            body = _join(msg.get("body"))
            if body:
                yield Unit(mi, f"message {mi}", body)


def units_for(path: str, data: bytes) -> list[Unit]:
    lower = path.lower()
    dot = lower.rfind(".")
    ext = lower[dot:] if dot > lower.rfind("/") else ""
    if ext in _BINARY_EXT:
        return []
    text = _decode(path, data)
    if text is None:
        return []  # unknown binary
    if ext in (".ipynb", ".chat"):
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            if ext == ".ipynb" and isinstance(doc.get("cells"), list):
                return [Unit(u.cell, u.where, clean(u.text)) for u in _notebook_units(doc)]
            if ext == ".chat" and isinstance(doc.get("messages"), list):
                return [Unit(u.cell, u.where, clean(u.text)) for u in _chat_units(doc)]
        # Malformed or unexpected shape: still scan the raw text, never skip it.
    return [Unit(None, "file", clean(text))]
