"""The text inside binary payloads and files: what a scan of "every byte" can read.

Verified images (magic bytes) hold no text worth scanning and are skipped. Zip
containers (xlsx, docx, pptx, hwpx, zip) and gzip are opened and their members read
as text, within a decompression budget proportional to the input (zip bombs); any
other binary (pdf, hwp, pickle, parquet, ...) gives its printable runs, like
`strings`, so text stored in it is still scanned.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
# Runs of printable ASCII or UTF-8 sequences; alternatives differ in their first byte.
_PRINTABLE = re.compile(rb"(?:[\t\x20-\x7e]|[\xc2-\xf4][\x80-\xbf]{1,3}){8,}")
# XML/HTML tags of office documents: each becomes a line break (cells apart).
_TAG = re.compile(r"<[^<>]{0,4096}>")
_BLANK_LINES = re.compile(r"\n{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")

# Decompressed bytes read per compressed input byte, with a floor for small files.
BUDGET_RATIO = 8
BUDGET_FLOOR = 16 * 1024 * 1024
_MAX_MEMBERS = 10_000


def is_image(raw: bytes) -> bool:
    """True when the bytes start like a PNG, JPEG, GIF or WebP file."""
    return raw.startswith(_IMAGE_MAGIC) or (raw[:4] == b"RIFF" and raw[8:12] == b"WEBP")


def bytes_to_text(raw: bytes) -> str | None:
    """Decoded payload as text (UTF-8, or CP949 with Hangul), None when it is binary."""
    if b"\x00" in raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp949")
        except UnicodeDecodeError:
            return None
        if not _HANGUL.search(text):  # random bytes often decode as CP949 Hanja soup
            return None
    if _CONTROL.search(text):
        return None
    return text


def strings(raw: bytes) -> str:
    """Printable runs of a binary payload (ASCII or UTF-8, 8+ characters), one a line."""
    return "\n".join(m.group().decode("utf-8", "ignore") for m in _PRINTABLE.finditer(raw))


def readable(raw: bytes) -> str:
    """Text of one member or payload: itself if text (tags dropped), else its strings."""
    text = bytes_to_text(raw)
    if text is None:
        return strings(raw)
    if "<" in text:
        text = _BLANK_LINES.sub("\n", _TAG.sub("\n", text))
    return text


def members(data: bytes) -> tuple[list[tuple[str, str]], list[str]] | None:
    """Texts of a zip or gzip file's members as ([(name, text)], [names not read]);
    None when it is neither (or broken). A member is "not read" when it is
    encrypted, unsupported, or past the decompression budget: the caller must
    not let it through unscanned."""
    budget = max(BUDGET_FLOOR, BUDGET_RATIO * len(data))
    if data.startswith(b"\x1f\x8b"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
                raw = f.read(budget + 1)
        except (OSError, EOFError, zlib.error):
            return None
        return [("", readable(raw[:budget]))], ([""] if len(raw) > budget else [])
    if not data.startswith(b"PK\x03\x04"):
        return None
    out: list[tuple[str, str]] = []
    unread: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            for info in infos[:_MAX_MEMBERS]:
                if info.is_dir():
                    continue
                try:
                    with z.open(info) as f:
                        raw = f.read(budget + 1)
                except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError, zlib.error):
                    unread.append(info.filename)  # encrypted or unsupported
                    continue
                if len(raw) > budget:
                    unread.append(info.filename)
                    budget = 0
                    continue
                budget -= len(raw)
                if not is_image(raw):
                    out.append((info.filename, readable(raw)))
            unread.extend(i.filename for i in infos[_MAX_MEMBERS:])
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return out, unread
