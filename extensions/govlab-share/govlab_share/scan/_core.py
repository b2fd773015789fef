"""Scanner core: run the detectors over text units, resolve overlaps, mask excerpts,
and list each sensitive value once (at its source, other places in `also`)."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Mapping, Sequence

from . import _korean
from ._extract import CHATS_DIR, MANIFEST_PATH, README_PATH, UNREAD, Unit, text_units, units_for
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
_PRIO_KNOWN, _PRIO_VENDOR, _PRIO_GENERIC = -1, 10, 11
LAB_CREDENTIAL = "secret:lab credential"
UNSCANNED = "unscanned"
_KNOWN_MIN = 8  # shorter "keys" would match ordinary words
_LAST = 1 << 62


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


def _resolve(hits: list[_Hit]) -> list[_Hit]:
    """Overlapping hits: the one of best priority (then earliest, longest) stays.
    One sweep per priority class over the kept intervals, which never overlap
    and so are ordered by start and by end alike: linear in the hits, not quadratic."""
    kept: list[_Hit] = []
    ordered = sorted(hits, key=lambda h: (h.prio, h.start, -h.end))
    i = 0
    while i < len(ordered):
        prio, accepted, j = ordered[i].prio, [], 0
        while i < len(ordered) and ordered[i].prio == prio:
            h = ordered[i]
            i += 1
            while j < len(kept) and kept[j].end <= h.start:
                j += 1
            if j < len(kept) and kept[j].start < h.end:
                continue  # overlaps a hit of better priority
            if accepted and accepted[-1].end > h.start:
                continue  # overlaps an earlier hit of the same priority
            accepted.append(h)
        kept = sorted(kept + accepted, key=lambda h: h.start)  # two sorted runs: linear merge
    return kept


def _known_hits(text: str, known: Sequence[str]) -> list[_Hit]:
    """Every exact occurrence of the lab's own keys, whatever their shape."""
    hits = []
    for value in known:
        pos = text.find(value)
        while pos >= 0:
            hits.append(_Hit(pos, pos + len(value), LAB_CREDENTIAL, "high", _PRIO_KNOWN))
            pos = text.find(value, pos + len(value))
    return hits


def _scan_units(path: str, units: list[Unit], known: Sequence[str] = ()) -> list[tuple[Finding, tuple, str, bool]]:
    """(finding, sort key, raw matched value, found in a names unit) for every hit;
    the raw value never leaves this module (it groups repeats and masks locators)."""
    engine = get_engine()
    per_unit: list[list[_Hit]] = []
    lines_idx: list[_Lines] = []
    pending: list[tuple[int, int, str]] = []  # (unit, line start offset, line text)

    for ui, unit in enumerate(units):
        text = unit.text
        li = _Lines(text)
        lines_idx.append(li)
        hits: list[_Hit] = _known_hits(text, known) if known else []
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
                per_unit[ui].append(
                    _Hit(
                        a + h.start,
                        a + h.end,
                        "secret:" + h.type,
                        "medium" if h.generic else "high",
                        _PRIO_GENERIC if h.generic else _PRIO_VENDOR,
                    )
                )

    results = []
    for ui, unit in enumerate(units):
        if unit.where == UNREAD:  # encrypted or too large to unpack: cannot be let through
            f = Finding(
                file=path,
                cell=None,
                where=unit.where,
                line=1,
                kind=UNSCANNED,
                kind_label=kind_label(UNSCANNED),
                excerpt="",
                confidence="high",
                location=unit.loc,
                location_en=unit.loc_en,
            )
            results.append((f, (path, 0, 1, ui, 0, UNSCANNED), f"{path}\n{unit.loc}", False))
    for ui, hits in enumerate(per_unit):
        if not hits:
            continue
        unit, li = units[ui], lines_idx[ui]
        text = unit.text
        # Every raw span is masked in every excerpt, even spans a higher-priority
        # overlapping hit replaced, so no excerpt shows another finding's secret.
        all_spans = sorted((h.start, h.end, h.kind) for h in hits)
        starts = [sp[0] for sp in all_spans]
        longest = max(e - s for s, e, _ in all_spans)
        masked_lines: dict[int, str] = {}  # each line masked once, however many hits
        for h in _resolve(hits):
            idx = li.index(h.start)
            a, b = li.bounds(idx)
            masked = masked_lines.get(idx)
            if masked is None:
                near = all_spans[bisect.bisect_left(starts, a - longest) : bisect.bisect_left(starts, b)]
                spans = [(max(s, a) - a, min(e, b) - a, k) for s, e, k in near if s < b and e > a]
                masked = masked_lines[idx] = _mask(text[a:b], spans)
            lo, hi = max(0, h.start - a - _WINDOW), min(len(masked), h.end - a + _WINDOW)
            excerpt = ("…" if lo else "") + masked[lo:hi].strip() + ("…" if hi < len(masked) else "")
            loc, loc_en = unit.loc or unit.where, unit.loc_en or unit.where
            if unit.per_line:
                loc, loc_en = f"{loc}, {idx + 1}번째 줄", f"{loc_en}, line {idx + 1}"
            f = Finding(
                file=path,
                cell=unit.cell,
                where=unit.where,
                line=idx + 1,
                kind=h.kind,
                kind_label=kind_label(h.kind),
                excerpt=excerpt,
                confidence=h.confidence,
                location=loc,
                location_en=loc_en,
            )
            # Document-level fields (notebook metadata, chat users) after the cells.
            order = unit.cell if unit.cell is not None else (0 if unit.per_line else _LAST)
            results.append((f, (path, order, idx + 1, ui, h.start, h.kind), text[h.start : h.end], unit.names))
    return results


def _source_rank(path: str) -> int:
    """Which copy of a repeated value to show: the source before derived files."""
    lower = path.lower()
    if lower.endswith(".ipynb"):
        return 0
    if lower.endswith(".chat"):
        return 1
    if path == MANIFEST_PATH:
        return 5
    if path == README_PATH:
        return 4
    if path.startswith(CHATS_DIR) and lower.endswith(".md"):
        return 3  # a chat's transcript
    return 2


_MAX_NAME_VALUES = 200  # sensitive values quoted in locators; beyond, locators are generic


def _grouped(triples) -> list[Finding]:
    """Each (kind, value) once: the best source kept, the other places in `also`;
    ordered by file, cell, line."""
    groups: dict[tuple[str, str], list] = {}
    for f, key, raw, _ in triples:
        groups.setdefault((f.kind, raw), []).append((_source_rank(f.file), key, f))
    # Locators quote keys of the document (metadata keys, attachment names, paths):
    # a key that is itself sensitive is masked there too.
    quoted = sorted({raw for _, _, raw, names in triples if names and raw}, key=len, reverse=True)
    cache: dict[str, str] = {}

    def safe(loc: str) -> str:
        if not quoted or loc in cache:
            return cache.get(loc, loc)
        out = loc
        if len(quoted) > _MAX_NAME_VALUES:  # too many to mask one by one: say nothing
            korean = any("\uac00" <= c <= "\ud7a3" for c in loc)
            out = "이름이 민감한 위치" if korean else "a place with a sensitive name"
        else:
            for raw in quoted:
                if raw in out:
                    out = out.replace(raw, raw[: min(_KEEP_DEFAULT, len(raw) // 4)] + "*" * 8)
        cache[loc] = out
        return out

    kept = []
    for members in groups.values():
        members.sort(key=lambda m: (m[0], m[1]))
        first = members[0][2]
        also: list[str] = []
        for _, _, other in members[1:]:
            loc = safe(other.location)
            if loc != safe(first.location) and loc not in also:
                also.append(loc)
        first = dataclasses.replace(
            first,
            file=safe(first.file),
            where=safe(first.where),
            location=safe(first.location),
            location_en=safe(first.location_en),
            also=tuple(also),
        )
        kept.append((members[0][1], first))
    return [f for _, f in sorted(kept, key=lambda p: p[0])]


def _usable(known: Sequence[str]) -> list[str]:
    return sorted({k for k in known if isinstance(k, str) and len(k) >= _KNOWN_MIN})


def scan_files(files: Mapping[str, bytes], *, known: Sequence[str] = ()) -> list[Finding]:
    """Scan a share bundle {path: bytes}. `known`: exact values of the lab's own keys.
    Findings with `blocking` True must stop the share."""
    keys = _usable(known)
    triples = []
    for path, data in files.items():
        if isinstance(data, str):
            data = data.encode("utf-8")
        triples.extend(_scan_units(path, units_for(path, bytes(data)), keys))
    return _grouped(triples)


def scan_text(text: str, file: str = "<text>", *, known: Sequence[str] = ()) -> list[Finding]:
    """Scan one plain text (e.g. a chat draft); locators are file lines."""
    return _grouped(_scan_units(file, text_units(text, file), _usable(known)))
