"""Korean personal data detectors (pure regex + validation, no detect-secrets).

``detect`` yields (start, end, kind, confidence) over a whole text unit. The five
digit-based patterns share one C-level gate pass (see ``_GATE``) instead of making
one full regex pass each; the data.go.kr key detector makes its own passes.

Landline numbers are reported with confidence "info" (listed, never blocking):
public offices publish them in open data. Card numbers need an issuer range with a
length that issuer uses (``_ISSUERS``) and Luhn. Grouped forms (4-4-4-4, 4-6-5)
need nothing more; a contiguous 13-19 digit run also needs a card word on its line
or within ``_CARD_CONTEXT_REACH`` characters before it (a column header), because
open data is full of contiguous ids (15-digit keys, order numbers) that pass Luhn.

Every repetition is bounded and every pattern starts behind a lookbehind that
stops it restarting inside a digit run: linear in the text length.
"""

from __future__ import annotations

import bisect
import re
from datetime import date
from urllib.parse import unquote

# Digits glued to letters, dots, slashes, '-', '_', '%' or '+' belong to something
# else (identifiers, hashes, versions, paths, URL-encoded data, UUIDs, longer digit
# runs). Hangul is allowed on both sides: "연락처010-1234-5678" is a real pattern.
_LB_CHARS = r"[0-9A-Za-z_.\-/%+]"
_LB = r"(?<!" + _LB_CHARS + ")"
_LA = r"(?![0-9A-Za-z_%+]|[-./]\d)"

# --- resident / foreign registration numbers ------------------------------------
_RRN_BODY = r"(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))([-\u2010\u2013]?)([1-8])\d{6}" + _LA
_RRN = re.compile(_LB + _RRN_BODY)
_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_RRN_CONTEXT = re.compile(r"주민|등록번호|외국인|jumin|\brrn\b|resident|registration", re.I)
# 13-digit epoch milliseconds (e.g. 1704067200000) can look like an unhyphenated
# foreign number; only skip those when the line says it is a time value.
_TIME_CONTEXT = re.compile(r"time|epoch|date|_at\b|\bts\b|millis|\bms\b|시각|시간|일시", re.I)


def _rrn_check_ok(digits: str, foreign: bool) -> bool:
    s = sum(int(d) * w for d, w in zip(digits, _RRN_WEIGHTS))
    check = ((13 if foreign else 11) - s % 11) % 10
    return check == int(digits[12])


def _rrn(matches, line_of):
    for m in matches:
        yymmdd, sep, g = m.group(1), m.group(2), m.group(3)
        century = 1900 if g in "1256" else 2000
        try:
            born = date(century + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
        except ValueError:  # 990230 etc.
            continue
        if born > date.today():
            continue
        foreign = g in "5678"
        digits = m.group(0).replace(sep, "") if sep else m.group(0)
        ok = _rrn_check_ok(digits, foreign)
        line = line_of(m.start())
        if ok or _RRN_CONTEXT.search(line):
            conf = "high"
        else:
            # Numbers issued since Oct 2020 carry no check digit: still a finding,
            # but a bare 13-digit run next to a time word is an epoch timestamp.
            if not sep and _TIME_CONTEXT.search(line):
                continue
            conf = "medium"
        yield m.start(), m.end(), ("foreign_registration_number" if foreign else "resident_registration_number"), conf


# --- phone numbers --------------------------------------------------------------
# Separator captured once and back-referenced so "010-1234 5678"-style accidents
# and pandas column gaps (2+ spaces) do not form a number.
_MOBILE = re.compile(_LB + r"(?:\+82[-. ]?(?:\(0\))?|0)(1[016789])([-. ]?)(\d{3,4})\2(\d{4})" + _LA)
_MOBILE_LOOSE = r"(?:\+82[-. ]?(?:\(0\))?|0)1[016789][-. ]?\d{3,4}[-. ]?\d{4}" + _LA
_LANDLINE = re.compile(
    _LB
    + r"(?:\+82[-. ]?(?:\(0\))?|\(?0)(2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70)"
    + r"(\)[ ]?|[-. ])?([2-9]\d{2,3})(?(2)[-. ]|)(\d{4})"
    + _LA
)
_LANDLINE_LOOSE = (
    r"(?:\+82[-. ]?(?:\(0\))?|\(?0)(?:2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70)"
    + r"(?:\)[ ]?|[-. ])?[2-9]\d{2,3}[-. ]?\d{4}"
    + _LA
)
# Well-known documentation placeholders: sharing them leaks nobody's number, and
# flagging them would block nearly every tutorial notebook.
_PLACEHOLDER_PAIRS = {("1234", "5678"), ("123", "4567"), ("5678", "1234")}


def _placeholder(mid: str, last: str) -> bool:
    if (mid, last) in _PLACEHOLDER_PAIRS:
        return True
    if set(mid) == {"0"} or set(last) == {"0"}:  # 010-0000-0000, 02-000-0000 never assigned
        return True
    return len(set(mid + last)) == 1  # 010-1111-1111, 02-777-7777 style fillers


def _mobile(matches, line_of):
    for m in matches:
        prefix, sep, mid, last = m.groups()
        if prefix == "10" and len(mid) != 4:  # 010 numbers are always 010-XXXX-XXXX
            continue
        if _placeholder(mid, last):
            continue
        # 11-digit 010XXXXXXXX is unmistakable; old 10-digit 01X numbers less so.
        plain = not sep and m.group(0)[0] != "+" and len(mid) == 3
        yield m.start(), m.end(), "mobile_phone", "medium" if plain else "high"


def _landline(matches, line_of):
    # Information only, never blocking: open data is full of public offices' numbers
    # (Seoul departments' 02 numbers in the city's own data sets); a landline rarely
    # identifies a private person the way a mobile number does.
    for m in matches:
        area, sep, mid, last = m.groups()
        if _placeholder(mid, last):
            continue
        yield m.start(), m.end(), "landline_phone", "info"


# --- card numbers (Luhn) --------------------------------------------------------
_CARD = re.compile(
    _LB
    + r"(?:\d{13,19}"  # contiguous
    + r"|\d{4}([- ])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?"  # 4-4-4-4(-3)
    + r"|\d{4}([- ])\d{6}\2\d{4,5})"  # Amex / Diners 4-6-5, 4-6-4
    + _LA
)
_CARD_LOOSE = r"(?:\d{13,19}|\d{4}[- ]\d{4}[- ]\d{4}[- ]\d{1,4}(?:[- ]\d{1,3})?|\d{4}[- ]\d{6}[- ]\d{4,5})" + _LA
# Issuer ranges (IIN) with the lengths each issuer issues. A number must fit one
# of these AND pass Luhn: 15-digit open-data keys that pass Luhn are not Amex (34/37),
# so they do not match.
_ISSUERS = (
    (re.compile(r"4"), (13, 16, 19)),  # Visa
    (re.compile(r"5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)"), (16,)),  # Mastercard
    (re.compile(r"3[47]"), (15,)),  # American Express: the only issuer of 15-digit numbers
    (re.compile(r"35(?:2[89]|[3-8]\d)"), (16, 17, 18, 19)),  # JCB 3528-3589
    (re.compile(r"30[0-5]|3095|36|3[89]"), (14, 16)),  # Diners Club (14, newer 16)
    (re.compile(r"6011|64[4-9]|65"), (16, 17, 18, 19)),  # Discover
    (re.compile(r"62"), (16, 17, 18, 19)),  # UnionPay
    (re.compile(r"220[0-4]"), (16,)),  # Mir
    (re.compile(r"9"), (16,)),  # Korean domestic-only cards (BC and other local schemes)
)
# Contiguous digit runs are ids far more often than cards (open-data keys, order
# numbers, timestamps): they need a card word on their line or shortly before them
# in the same text (a column header). Grouped forms (4-4-4-4, 4-6-5) do not.
_CARD_CONTEXT = re.compile(
    r"카드|card|신용|체크|결제|credit|debit|\bpan\b|\bcc[_ ]?(?:no|num)|\bcc\b|visa|master|amex", re.I
)
_CARD_CONTEXT_REACH = 2000  # characters before a contiguous number that may hold its header


def card_issuer_ok(digits: str) -> bool:
    """Does the number fall in an issuer range with a length that issuer uses?"""
    return any(rx.match(digits) and len(digits) in lengths for rx, lengths in _ISSUERS)


# Public test PANs (Stripe/Visa/Mastercard docs): valid Luhn, never real accounts.
_TEST_PANS = frozenset(
    {
        "4111111111111111",
        "4242424242424242",
        "4012888888881881",
        "4000056655665556",
        "5555555555554444",
        "5105105105105100",
        "2223003122003222",
        "378282246310005",
        "371449635398431",
        "6011111111111117",
        "3530111333300000",
        "30569309025904",
    }
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i & 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card(matches, line_of, text):
    context_at: list[int] | None = None  # card-word positions, found once per text
    for m in matches:
        raw = m.group(0)
        digits = raw.replace("-", "").replace(" ", "")
        if not 13 <= len(digits) <= 19 or not card_issuer_ok(digits) or not luhn_ok(digits):
            continue
        if digits in _TEST_PANS or len(set(digits)) <= 2:
            continue
        grouped = len(digits) != len(raw)
        if not grouped:
            if _CARD_CONTEXT.search(line_of(m.start())) is None:
                if context_at is None:
                    context_at = [c.start() for c in _CARD_CONTEXT.finditer(text)]
                i = bisect.bisect_left(context_at, m.start())
                if not i or m.start() - context_at[i - 1] > _CARD_CONTEXT_REACH:
                    continue
        yield m.start(), m.end(), "card_number", "high" if grouped else "medium"


# --- passports ------------------------------------------------------------------
_PASSPORT_BODY = r"([MSROD])(\d{8}|\d{3}[A-Z]\d{4})(?![0-9A-Za-z_])"
_PASSPORT = re.compile(_LB + _PASSPORT_BODY)
_PASSPORT_CONTEXT = re.compile(r"여권|passport", re.I)


def _passport(matches, line_of):
    for m in matches:
        body = m.group(2)
        context = bool(_PASSPORT_CONTEXT.search(line_of(m.start())))
        if not context and body.isdigit():
            # "D20240101"-style date stamps and file suffixes: only with context.
            y, mo, d = int(body[:4]), int(body[4:6]), int(body[6:])
            if 1900 <= y <= 2099 and 1 <= mo <= 12 and 1 <= d <= 31:
                continue
        yield m.start(), m.end(), "passport_number", "high" if context else "medium"


# --- data.go.kr service keys ----------------------------------------------------
# A portal key is 64 random bytes: the "Decoding" form is exactly 86 base64 chars
# + "==", the "Encoding" form is that URL-encoded (%2B, %2F, %3D). Newer keys are
# 64 hex chars, only recognisable next to the serviceKey parameter name.
_GOKR_ENC = re.compile(r"(?<![A-Za-z0-9%+/])(?:[A-Za-z0-9]|%2[BbFf]|%3[Dd]){60,130}(?![A-Za-z0-9%])")
_GOKR_DEC = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])")
_GOKR_HEX = re.compile(r"(?i:service[_-]?key)[\"'\]]?\s*(?:[:=]|=>)\s*[\"']?([0-9A-Fa-f]{64})(?![0-9A-Za-z])")
_GOKR_CONTEXT = re.compile(r"service[_-]?key|data\.go\.kr|공공데이터|서비스\s*키|인증키", re.I)
_B64_88 = re.compile(r"[A-Za-z0-9+/]{86}==")


def _mixed(s: str) -> bool:
    # Random keys mix cases and digits; "AAAA...==" padding or fixtures do not.
    return (
        any(c.isupper() for c in s) and any(c.islower() for c in s) and any(c.isdigit() for c in s) and len(set(s)) > 20
    )


def _gokr(text: str, line_of):
    if "%" in text:
        for m in _GOKR_ENC.finditer(text):
            raw = m.group(0)
            if "%" not in raw:
                continue
            decoded = unquote(raw)
            if _B64_88.fullmatch(decoded) and _mixed(decoded):
                yield m.start(), m.end(), "data_go_kr_service_key", "high"
    if "==" in text:
        for m in _GOKR_DEC.finditer(text):
            if _mixed(m.group(0)):
                ctx = _GOKR_CONTEXT.search(line_of(m.start()))
                yield m.start(), m.end(), "data_go_kr_service_key", "high" if ctx else "medium"
    for m in _GOKR_HEX.finditer(text):
        if len(set(m.group(1).lower())) > 8:
            yield m.start(1), m.end(1), "data_go_kr_service_key", "high"


# --- one gate pass for the digit detectors ----------------------------------------
# Python's re costs ~15 ns per text position for a pattern that starts with a
# lookbehind, so five separate passes dominated the scan. _GATE makes one pass and
# stops only where at least one of the five patterns can match; each pattern is then
# tried there with .match() (which, like finditer, sees the lookbehind context).
# Exact: every pattern starts with a _FIRST character after an _LB_CHARS-free
# position, and each gate body accepts a superset of its pattern (the *_LOOSE forms
# are the patterns with back-references relaxed, which a lookbehind cannot hold).
# Keep the *_LOOSE forms in step when changing _MOBILE, _LANDLINE or _CARD.
_FIRST = r"[\d+(MSROD]"
_GATE = re.compile(
    # Starting with a character class lets re skip non-candidates in a tight C loop;
    # the lookbehinds then step back over that character: no _LB character before
    # it, and (lookahead) one of the patterns starts at it.
    _FIRST
    + r"(?<!"
    + _LB_CHARS
    + _FIRST
    + r")"
    + r"(?<=(?="
    + "|".join((_RRN_BODY, _MOBILE_LOOSE, _LANDLINE_LOOSE, _CARD_LOOSE, _PASSPORT_BODY))
    + r")"
    + _FIRST
    + r")"
)
# Order is priority when spans overlap (an RRN is also a 13-digit Luhn candidate).
_DIGIT_DETECTORS = ((_RRN, _rrn), (_MOBILE, _mobile), (_LANDLINE, _landline), (_CARD, _card), (_PASSPORT, _passport))


def _digit_matches(text: str) -> list[list[re.Match]]:
    """Per digit pattern, exactly the matches pattern.finditer(text) would give."""
    found: list[list[re.Match]] = [[] for _ in _DIGIT_DETECTORS]
    resume = [0] * len(_DIGIT_DETECTORS)  # finditer never starts inside its last match
    for g in _GATE.finditer(text):
        p = g.start()
        for i, (rx, _) in enumerate(_DIGIT_DETECTORS):
            if p >= resume[i]:
                m = rx.match(text, p)
                if m:
                    found[i].append(m)
                    resume[i] = m.end()
    return found


def detect(text: str, line_of):
    """All Korean detectors over one text unit, in priority order."""
    yield from _gokr(text, line_of)
    for (_, det), matches in zip(_DIGIT_DETECTORS, _digit_matches(text)):
        if det is _card:
            yield from _card(matches, line_of, text)
        else:
            yield from det(matches, line_of)


PRIORITY = {
    "data_go_kr_service_key": 0,
    "resident_registration_number": 1,
    "foreign_registration_number": 1,
    "mobile_phone": 2,
    "landline_phone": 3,
    "card_number": 4,
    "passport_number": 5,
}
