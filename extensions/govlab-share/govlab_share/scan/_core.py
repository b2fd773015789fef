"""Scanner core: run the detectors over text units, resolve overlaps, mask excerpts."""

from __future__ import annotations

import bisect
import re
from typing import Mapping

from . import _korean
from ._extract import Unit, clean, units_for
from ._finding import Finding, kind_label
from ._secrets import get_engine

_NL = re.compile("\n")

# How many leading characters of a sensitive span an excerpt may keep (also capped
# at a quarter of the span, so short passwords keep at most one character).
_KEEP = {
    "resident_registration_number": 2,
    "foreign_registration_number": 2,
    "passport_number": 2,
    "mobile_phone": 3,
    "landline_phone": 3,
}
_KEEP_DEFAULT = 4
_WINDOW = 60  # excerpt context on each side of the hit
_PRIO_VENDOR, _PRIO_GENERIC = 10, 11


class _Hit:
    __slots__ = ("start", "end", "kind", "confidence", "prio")

    def __init__(self, start, end, kind, confidence, prio):
        self.start, self.end, self.kind, self.confidence, self.prio = start, end, kind, confidence, prio


class _Lines:
    """Lazy line index over one text unit."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _NL.finditer(self.text)]
        return self._starts

    def index(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) - 1

    def bounds(self, idx: int) -> tuple[int, int]:
        s = self.starts
        start = s[idx]
        end = s[idx + 1] - 1 if idx + 1 < len(s) else len(self.text)
        return start, end

    def line_at(self, pos: int) -> str:
        a, b = self.bounds(self.index(pos))
        return self.text[a:b]


def _mask(text: str, spans: list[tuple[int, int, str]]) -> str:
    chars = list(text)
    for s, e, kind in spans:
        keep = min(_KEEP.get(kind, _KEEP_DEFAULT), (e - s) // 4)
        for i in range(s + keep, e):
            if chars[i] not in "\r\n":
                chars[i] = "*"
    return "".join(chars)


def _scan_units(path: str, units: list[Unit]) -> list[tuple[Finding, tuple]]:
    engine = get_engine()
    per_unit: list[list[_Hit]] = []
    lines_idx: list[_Lines] = []
    pending: list[tuple[int, int, str]] = []  # (unit, line start offset, line text)

    for ui, unit in enumerate(units):
        text = unit.text
        li = _Lines(text)
        lines_idx.append(li)
        hits: list[_Hit] = []
        if any(c in text for c in "0123456789"):
            for s, e, kind, conf in _korean.detect(text, li.line_at):
                hits.append(_Hit(s, e, kind, conf, _korean.PRIORITY[kind]))
        # Secrets: the literal gate (on lowercased text) finds candidate lines, the
        # exact plugin-pattern prefilter confirms them, and only those lines reach
        # detect-secrets' scan_line.
        low = text.lower()
        if len(low) == len(text):
            gate, hay = engine.gate.search, low
        else:  # lower() changed offsets (rare Unicode, e.g. 'İ'): case-insensitive gate
            gate, hay = engine.gate_ci.search, text
        pos, confirm = 0, engine.confirm
        while True:
            m = gate(hay, pos)
            if not m:
                break
            a, b = li.bounds(li.index(m.start()))
            line = text[a:b]
            if confirm(line):
                pending.append((ui, a, line))
            pos = b + 1
        per_unit.append(hits)

    if pending:
        found = engine.scan_lines(line for _, _, line in pending)
        for ui, a, line in pending:
            for h in found.get(line, ()):
                per_unit[ui].append(_Hit(
                    a + h.start, a + h.end, "secret:" + h.type,
                    "medium" if h.generic else "high",
                    _PRIO_GENERIC if h.generic else _PRIO_VENDOR,
                ))

    results = []
    for ui, hits in enumerate(per_unit):
        if not hits:
            continue
        unit, li = units[ui], lines_idx[ui]
        text = unit.text
        # Every raw span is masked in every excerpt, even spans a higher-priority
        # overlapping hit replaced, so no excerpt shows another finding's secret.
        all_spans = [(h.start, h.end, h.kind) for h in hits]
        kept: list[_Hit] = []
        for h in sorted(hits, key=lambda h: (h.prio, h.start, -h.end)):
            if any(h.start < k.end and k.start < h.end for k in kept):
                continue
            kept.append(h)
        for h in kept:
            idx = li.index(h.start)
            a, b = li.bounds(idx)
            spans = [(max(s, a) - a, min(e, b) - a, k) for s, e, k in all_spans if s < b and e > a]
            masked = _mask(text[a:b], spans)
            lo, hi = max(0, h.start - a - _WINDOW), min(len(masked), h.end - a + _WINDOW)
            excerpt = ("…" if lo else "") + masked[lo:hi].strip() + ("…" if hi < len(masked) else "")
            f = Finding(
                file=path,
                cell=unit.cell,
                where=unit.where,
                line=idx + 1,
                kind=h.kind,
                kind_label=kind_label(h.kind),
                excerpt=excerpt,
                confidence=h.confidence,
            )
            results.append((f, (path, unit.cell or 0, idx + 1, ui, h.start, h.kind)))
    return results


def _sorted(pairs) -> list[Finding]:
    return [f for f, _ in sorted(pairs, key=lambda p: p[1])]


def scan_files(files: Mapping[str, bytes]) -> list[Finding]:
    """Scan a share bundle {path: bytes}; any finding should block the share."""
    pairs = []
    for path, data in files.items():
        if isinstance(data, str):
            data = data.encode("utf-8")
        pairs.extend(_scan_units(path, units_for(path, bytes(data))))
    return _sorted(pairs)


def scan_text(text: str, file: str = "<text>") -> list[Finding]:
    """Scan one plain text (e.g. a chat draft); locators are file lines."""
    return _sorted(_scan_units(file, [Unit(None, "text", clean(text))]))
