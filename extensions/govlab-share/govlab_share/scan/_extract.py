"""Turn bundle files into text units, every field of a notebook or chat included.

A unit is one piece of text the detectors run over, with the locators an official
understands (`loc` Korean, `loc_en` English) and the short English `where` kept for
logs and older callers. Notebooks and chats are walked field by field as nbformat and
jupyterlab-chat define them; whatever is not a known field is still walked (every
string leaf, every key, every scalar), so no part of the JSON is skipped. Base64
payloads are decoded and scanned when they are text; only verified images (magic
bytes) are left out. Walks are iterative and decoded sizes are bounded by the input.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from itertools import repeat
from pathlib import PurePosixPath
from typing import NamedTuple

from ._binary import bytes_to_text, is_image, members, strings


class Unit(NamedTuple):
    cell: int | None
    where: str
    text: str
    loc: str = ""  # Korean location, e.g. "셀 4, 출력 1"
    loc_en: str = ""  # the same in English, e.g. "cell 4, output 1"
    per_line: bool = False  # plain files: the location names the line
    names: bool = False  # keys or names that locations quote (masked there when sensitive)


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
# `data:<mime>[;param=value]*;base64,<payload>` inside HTML, markdown, SVG, text.
# Every repetition is bounded except the payload, a single character class.
_DATA_URI = re.compile(
    r"data:([a-z0-9.+\-]{1,64}/[a-z0-9.+\-]{1,128})(?:;[a-z0-9.\-]{1,32}=[^;,\s\"'<>]{1,64}){0,4}"
    r";base64,([A-Za-z0-9+/]+=*)",
    re.IGNORECASE,
)
# Whole-string base64 (nbformat allows line breaks inside a payload). The padding
# part can only start at "=", which the first class lacks: no backtracking blowup.
_B64 = re.compile(r"[A-Za-z0-9+/\s]+(?:=[=\s]*)?")
_B64_MIN = 16  # shorter strings are words or ids, not payloads
_SPACE = re.compile(r"\s")
_B64_KEEP_RAW = 1024  # up to this length a base64-looking string is also scanned as is
# A data URI inside a decoded data URI inside ...: each level is at most 3/4 the size
# of the one holding it, so all levels together are at most 3 times the input; the
# cap only guards against a bug.
_DATA_URI_DEPTH = 64


# Never read as text, even when they happen to decode: see _binary for what is read.
_BINARY_EXT = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".ico",
        ".webp",
        ".pdf",
        ".zip",
        ".gz",
        ".tar",
        ".7z",
        ".xlsx",
        ".xls",
        ".docx",
        ".hwp",
        ".hwpx",
        ".pptx",
        ".parquet",
        ".pkl",
        ".pickle",
        ".npy",
        ".npz",
        ".h5",
        ".feather",
        ".db",
        ".sqlite",
        ".bin",
        ".so",
        ".whl",
        ".woff",
        ".woff2",
        ".ttf",
        ".mp3",
        ".mp4",
        ".wav",
    }
)
UNREAD = "unread"  # `where` of a unit standing for content that could not be read
# Korean public data is often EUC-KR/CP949, especially CSV from data.go.kr.
_LEGACY_OK_EXT = frozenset({".csv", ".txt", ".md", ".py", ".tsv"})

README_PATH = "README.md"
MANIFEST_PATH = "govlab-manifest.json"
CHATS_DIR = "chats/"


# ---------------------------------------------------------------- text helpers


def _b64decode(s: str) -> bytes | None:
    try:
        return base64.b64decode("".join(s.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _image_prefix(s: str) -> bool:
    """Magic-byte check from the first characters only (no full decode of a big image)."""
    head = "".join(s[:64].split())[:24]
    try:
        return is_image(base64.b64decode(head[: len(head) // 4 * 4], validate=True))
    except (binascii.Error, ValueError):
        return False


def b64_payload(s: str) -> tuple[str, str | None]:
    """Classify a string that may be base64: ("image", None) for a verified image,
    ("text", decoded) for a text payload, ("binary", printable runs) for other
    binary, ("raw", None) when it is not base64."""
    if len(s) < _B64_MIN or not _B64.fullmatch(s):
        return "raw", None
    if _image_prefix(s):
        return "image", None
    raw = _b64decode(s)
    if raw is None:
        return "raw", None
    text = bytes_to_text(raw)
    if text is None:
        return "binary", strings(raw)
    # Encoded twice (or more)? Each round is 3/4 the size of the last: linear.
    while len(text) >= _B64_MIN and _B64.fullmatch(text):
        inner = _b64decode(text)
        inner_text = bytes_to_text(inner) if inner is not None and not is_image(inner) else None
        if inner_text is None:
            break
        text = inner_text
    return "text", text


def payload_texts(s: str) -> tuple[bool, list[str]]:
    """(scan the string itself?, decoded texts to scan) for a string that may be a
    base64 payload. A long payload is scanned decoded, not as base64 letters (the
    secret detectors would only see noise there, slowly); a short one both ways, in
    case it is a key that merely looks like base64."""
    kind, payload = b64_payload(s)
    if kind == "raw":
        return True, []
    if kind == "image":
        return False, []
    # Words separated by spaces or lines (a list of hashes or keys) can pass for
    # base64 too: such a string is always scanned as it is.
    keep = len(s) <= _B64_KEEP_RAW or _SPACE.search(s) is not None
    return keep, [payload] if payload else []


def _render(value) -> tuple[str, list[str]]:
    """A JSON value as lines of `"key": value`, every key and leaf included, keyword
    detectors keeping their context; and the decoded texts of its base64 leaves."""
    if value is None or value == {} or value == []:
        return "", []
    lines: list[str] = []
    decoded: list[str] = []
    add = lines.append
    # Iterative depth-first walk in document order: nesting depth is unbounded in a
    # hostile file. Each stack entry iterates (key, value) pairs of one container.
    stack = [iter(((None, value),))]
    while stack:
        for key, v in stack[-1]:
            t = type(v)
            if t is str:
                if len(v) >= _B64_MIN:
                    keep, texts = payload_texts(v)
                    decoded.extend(texts)
                    if not keep:
                        v = "…"
                add(f'"{v}"' if key is None else f'"{key}": "{v}"')
            elif t is dict:
                if key is not None:
                    add(f'"{key}":')
                stack.append(iter(v.items()))
                break
            elif t is list:
                if key is not None:
                    add(f'"{key}":')
                stack.append(zip(repeat(None), v))
                break
            else:  # number, true/false/null
                text = "null" if v is None else ("true" if v is True else "false" if v is False else str(v))
                add(text if key is None else f'"{key}": {text}')
        else:
            stack.pop()
    return "\n".join(lines), decoded


def _join(value) -> str:
    """A multiline string field (a str or nbformat's list of lines) as one text."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    text, decoded = _render(value)  # not what nbformat writes: still every leaf
    return "\n".join([text, *decoded])


def _clean(text: str, decoded: list[str] | None) -> str:
    """ANSI colours removed. Unless `decoded` is None (nesting too deep: the text is
    then scanned as it is), data URI payloads are decoded into `decoded` and, when
    long or an image, replaced by "…" (same line numbers)."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if decoded is not None and "base64," in text:

        def repl(m: re.Match) -> str:
            keep, texts = payload_texts(m.group(2))
            decoded.extend(texts)
            return m.group(0) if keep else m.group(0)[: m.start(2) - m.start(0)] + "…"

        text = _DATA_URI.sub(repl, text)
    return text


def _finish(units: list[Unit]) -> list[Unit]:
    """Clean every unit; text payloads of data URIs become units of their own (each
    level at most 3/4 the size of the one holding it, and at most a few levels)."""
    out: list[Unit] = []
    for unit in units:
        todo = [(unit, 0)]
        while todo:
            u, depth = todo.pop()
            if "\x1b" not in u.text and "base64," not in u.text:
                out.append(u)  # the common case: nothing to clean
                continue
            found: list[str] | None = [] if depth < _DATA_URI_DEPTH else None
            out.append(u._replace(text=_clean(u.text, found)))
            for payload in reversed(found or []):
                todo.append((u._replace(where=u.where + " (data URI)", text=payload), depth + 1))
    return out


# ---------------------------------------------------------------- JSON walk


class _Sink:
    """Collects the units of one document, one place (locator) at a time."""

    def __init__(self) -> None:
        self.units: list[Unit] = []

    def text(self, cell, where, loc, loc_en, text) -> None:
        if text:
            self.units.append(Unit(cell, where, text, loc, loc_en))

    def names(self, cell, where, loc, loc_en, keys) -> None:
        """Keys that other units' locators quote (metadata keys, attachment names)."""
        text = "\n".join(map(str, keys))
        if text:
            self.units.append(Unit(cell, where, text, loc, loc_en, names=True))

    def tree(self, cell, where, loc, loc_en, value, head: str = "", names: bool = False) -> None:
        """Every key and leaf of a JSON value (see `_render`), base64 leaves decoded into
        units of their own. `head`: text of the same place to scan in the same unit
        (fewer, larger units)."""
        text, decoded = _render(value)
        if head and text:
            text = head + "\n" + text
        if text or head:
            self.units.append(Unit(cell, where, text or head, loc, loc_en, names=names))
        for payload in decoded:
            self.text(cell, where + " (base64)", loc, loc_en, payload)

    def mime_bundle(self, cell, where, loc, loc_en, data, rest=None) -> None:
        """Output data / attachments: {mime: value}, every MIME type. `rest`: the
        other fields of the output, scanned with the MIME keys."""
        if not isinstance(data, dict):
            self.tree(cell, where, loc, loc_en, [data, rest])
            return
        self.tree(cell, where, loc, loc_en, rest, head="\n".join(map(str, data)), names=True)
        for mime, value in data.items():
            w = f"{where} ({mime})"
            m = str(mime).lower()
            if isinstance(value, (dict, int, float, bool)) or (
                isinstance(value, list) and not all(isinstance(x, str) for x in value)
            ):
                self.tree(cell, w, loc, loc_en, value)
                continue
            text = _join(value)
            if m.endswith("json") and text.strip()[:1] in ("{", "["):
                self.text(cell, w, loc, loc_en, text)
                continue
            keep, texts = payload_texts(text)
            # Text MIMEs are always scanned as they are; other payloads decoded (only
            # a verified image is skipped).
            if keep or m.startswith("text/"):
                self.text(cell, w, loc, loc_en, text)
            for payload in texts:
                self.text(cell, w + " (base64)", loc, loc_en, payload)


def _rest(d: dict, handled: tuple[str, ...]) -> dict:
    return {k: v for k, v in d.items() if k not in handled}


# ---------------------------------------------------------------- notebooks


def _notebook_units(nb: dict) -> list[Unit]:
    s = _Sink()
    for ci, cell in enumerate(nb.get("cells") or [], start=1):
        ko, en = f"셀 {ci}", f"cell {ci}"
        if not isinstance(cell, dict):
            s.tree(ci, en, ko, en, cell)
            continue
        s.tree(
            ci,
            en,
            ko,
            en,
            _rest(cell, ("source", "metadata", "attachments", "outputs")),
            head=_join(cell.get("source")),
        )
        s.tree(ci, f"{en} metadata", f"{ko}, 메타데이터", f"{en}, metadata", cell.get("metadata"))
        atts = cell.get("attachments")
        if isinstance(atts, dict):
            s.names(ci, f"{en} attachments", f"{ko}, 첨부 파일", f"{en}, attachments", atts)
            for name, bundle in atts.items():
                s.mime_bundle(
                    ci, f"{en} attachment {name}", f"{ko}, 첨부 파일 {name}", f"{en}, attachment {name}", bundle
                )
        else:
            s.tree(ci, f"{en} attachments", f"{ko}, 첨부 파일", f"{en}, attachments", atts)
        outputs = cell.get("outputs")
        for oi, out in enumerate(outputs if isinstance(outputs, list) else [], start=1):
            _output(s, ci, oi, out)
        if not isinstance(outputs, list):
            s.tree(ci, f"{en} outputs", f"{ko}, 출력", f"{en}, outputs", outputs)
    meta = nb.get("metadata")
    if isinstance(meta, dict):
        s.names(None, "notebook metadata", "노트북 메타데이터", "notebook metadata", meta)
        for key, value in meta.items():
            s.tree(
                None, f"notebook metadata ({key})", f"노트북 메타데이터 ({key})", f"notebook metadata ({key})", value
            )
    else:
        s.tree(None, "notebook metadata", "노트북 메타데이터", "notebook metadata", meta)
    s.tree(None, "notebook", "노트북", "notebook", _rest(nb, ("cells", "metadata")))
    return s.units


def _output(s: _Sink, ci: int, oi: int, out) -> None:
    ko, en = f"셀 {ci}, 출력 {oi}", f"cell {ci}, output {oi}"
    where = f"cell {ci} output {oi}"
    if not isinstance(out, dict):
        s.tree(ci, where, ko, en, out)
        return
    otype = out.get("output_type")
    # Scalar fields (output_type, name, execution_count) are scanned with the rest.
    if otype == "stream":
        name = out.get("name") if out.get("name") in ("stdout", "stderr") else "stream"
        s.tree(ci, f"{where} ({name})", ko, en, _rest(out, ("text",)), head=_join(out.get("text")))
    elif otype == "error":
        tb = out.get("traceback")
        text = "\n".join(_join(t) for t in tb) if isinstance(tb, list) else _join(tb)
        s.tree(ci, f"{where} (traceback)", ko, en, _rest(out, ("traceback",)), head=text)
    elif "data" in out:
        s.mime_bundle(ci, where, ko, en, out.get("data"), _rest(out, ("data",)))
    else:
        s.tree(ci, where, ko, en, out)


# ---------------------------------------------------------------- chats

_ATT_PARTS = {
    # field: (Korean, English) label of the attachment part
    "selection": ("선택한 코드", "selected code"),
    "cells": ("셀", "cells"),
    "value": ("파일 경로", "file path"),
}


def _attachment(s: _Sink, mi, where, ko, en, att) -> None:
    """One chat attachment; `ko`/`en` name it ("대화 X, 3번째 메시지의 첨부")."""
    if not isinstance(att, dict):
        s.tree(mi, where, ko, en, att)
        return
    for field, (fko, fen) in _ATT_PARTS.items():
        if field in att:
            value = att[field]
            w = f"{where} {field}"
            if field == "selection" and isinstance(value, dict):
                s.tree(
                    mi,
                    w,
                    f"{ko} ({fko})",
                    f"{en} ({fen})",
                    _rest(value, ("content",)),
                    head=_join(value.get("content")),
                )
            else:
                s.tree(mi, w, f"{ko} ({fko})", f"{en} ({fen})", value)
    s.tree(mi, where, ko, en, _rest(att, tuple(_ATT_PARTS)))


def _chat_units(chat: dict, name: str) -> list[Unit]:
    s = _Sink()
    table = chat.get("attachments") if isinstance(chat.get("attachments"), dict) else {}
    seen_ids: set[str] = set()
    for mi, msg in enumerate(chat.get("messages") or [], start=1):
        ko, en = f"대화 {name}, {mi}번째 메시지", f"chat {name}, message {mi}"
        where = f"message {mi}"
        if not isinstance(msg, dict):
            s.tree(mi, where, ko, en, msg)
            continue
        s.tree(mi, where, ko, en, _rest(msg, ("body", "attachments", "mime_model")), head=_join(msg.get("body")))
        atts = msg.get("attachments")
        ids = [a for a in atts if isinstance(a, str)] if isinstance(atts, list) else []
        s.text(mi, f"{where} attachments", f"{ko}의 첨부", f"{en}, attachment", "\n".join(ids))
        for ai, att in enumerate(atts if isinstance(atts, list) else [], start=1):
            w = f"{where} attachment {ai}"
            if isinstance(att, str):
                if att in table and att not in seen_ids:  # an id into the chat's table
                    seen_ids.add(att)
                    _attachment(s, mi, w, f"{ko}의 첨부", f"{en}, attachment", table[att])
            else:
                _attachment(s, mi, w, f"{ko}의 첨부", f"{en}, attachment", att)
        if not isinstance(atts, list):
            s.tree(mi, f"{where} attachments", f"{ko}의 첨부", f"{en}, attachment", atts)
        mime = msg.get("mime_model")
        if isinstance(mime, dict):
            s.mime_bundle(mi, where, ko, en, mime.get("data"), _rest(mime, ("data",)))
        else:
            s.tree(mi, where, ko, en, mime)
    for aid, att in table.items():
        if aid not in seen_ids:  # attachments no message points at are committed too
            s.names(None, "attachments", f"대화 {name}, 첨부", f"chat {name}, attachments", [aid])
            _attachment(s, None, f"attachment {aid}", f"대화 {name}, 첨부", f"chat {name}, attachment", att)
    if not isinstance(chat.get("attachments"), dict):
        s.tree(None, "attachments", f"대화 {name}, 첨부", f"chat {name}, attachments", chat.get("attachments"))
    s.tree(None, "users", f"대화 {name}, 사용자 정보", f"chat {name}, users", chat.get("users"))
    s.tree(None, "metadata", f"대화 {name}, 메타데이터", f"chat {name}, metadata", chat.get("metadata"))
    rest = _rest(chat, ("messages", "attachments", "users", "metadata"))
    s.tree(None, "chat", f"대화 {name}", f"chat {name}", rest)
    return s.units


# ---------------------------------------------------------------- files


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


def file_location(path: str) -> tuple[str, str]:
    """Korean and English names of a bundle file, for plain-text units."""
    if path == README_PATH:
        return "README (과제 설명서)", "README (task document)"
    if path == MANIFEST_PATH:
        return f"매니페스트 ({MANIFEST_PATH})", f"manifest ({MANIFEST_PATH})"
    if path.startswith(CHATS_DIR) and path.endswith(".md"):
        stem = PurePosixPath(path).stem
        return f"대화 기록 {stem}", f"chat transcript {stem}"
    return f"파일 {path}", f"file {path}"


def units_for(path: str, data: bytes) -> list[Unit]:
    # The path is committed too (and chat names in locators come from it).
    named = [Unit(None, "file name", path, f"파일 이름 {path}", f"file name {path}", names=True)]
    return named + _content_units(path, data)


def _content_units(path: str, data: bytes) -> list[Unit]:
    lower = path.lower()
    dot = lower.rfind(".")
    ext = lower[dot:] if dot > lower.rfind("/") else ""
    text = None if ext in _BINARY_EXT else _decode(path, data)
    if text is None:
        return _binary_units(path, data)
    if ext in (".ipynb", ".chat"):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):  # deep nesting: the C parser recurses
            doc = None
        if isinstance(doc, dict):
            if ext == ".ipynb" and isinstance(doc.get("cells"), list):
                return _finish(_notebook_units(doc))
            if ext == ".chat" and isinstance(doc.get("messages"), list):
                return _finish(_chat_units(doc, PurePosixPath(path).stem))
        # Malformed or unexpected shape: still scan the raw text, never skip it.
    ko, en = file_location(path)
    return _finish([Unit(None, "file", text, ko, en, True)])


def _binary_units(path: str, data: bytes) -> list[Unit]:
    """A binary file: nothing if a verified image, the members of an archive or
    office document, else the printable runs of its bytes."""
    if is_image(data):
        return []
    ko, en = file_location(path)
    found = members(data)
    if found is None:
        return _finish([Unit(None, "file (binary)", strings(data), ko, en)])
    texts, unread = found
    units = [Unit(None, "file members", "\n".join(n for n, _ in texts), ko, en, names=True)]
    for name, text in texts:
        where, mko, men = (
            (f"file member {name}", f"{ko} 안의 {name}", f"{en}, member {name}")
            if name
            else ("file (decompressed)", ko, en)
        )
        units.append(Unit(None, where, text, mko, men))
    for name in unread:
        units.append(
            Unit(None, UNREAD, "…", f"{ko} 안의 {name}" if name else ko, f"{en}, member {name}" if name else en)
        )
    return _finish([u for u in units if u.text])


def text_units(text: str, file: str) -> list[Unit]:
    """One plain text (a chat draft, a snippet): located by its lines."""
    if file == "<text>":
        ko, en = "입력한 내용", "text"
    else:
        ko, en = file_location(file)
    return _finish([Unit(None, "text", text, ko, en, True)])
