"""Korean-friendly search over gallery entries, without a search engine.

Korean words take particles (민원을, 민원의) and are spaced loosely (민원 분석 / 민원분석),
and there is no stemming to lean on. So: normalise (NFKC, case-fold), drop spaces and
punctuation, and match each query word as a substring; a word that does not match is
tried again without a trailing particle. Every word must match somewhere; fields
weigh differently (title > tags > agency/author/description > README).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Common particles, longest first, stripped only from query words of 3+ characters.
PARTICLES = (
    "에서는",
    "에서",
    "으로",
    "에게",
    "까지",
    "부터",
    "이나",
    "하고",
    "을",
    "를",
    "이",
    "가",
    "은",
    "는",
    "의",
    "에",
    "로",
    "와",
    "과",
    "도",
    "만",
)
FIELD_WEIGHTS = (("title", 5), ("tags", 3), ("agency", 2), ("author", 2), ("description", 2), ("readme", 1))
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC, case-folded, without spaces and punctuation."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def query_words(query: str) -> list[str]:
    words = [normalize(w) for w in unicodedata.normalize("NFKC", query or "").split()]
    return [w for w in words if w]


def _variants(word: str) -> list[str]:
    out = [word]
    for p in PARTICLES:
        if len(word) > len(p) + 1 and word.endswith(p):
            out.append(word[: -len(p)])
            break
    return out


@dataclass(frozen=True)
class Indexed:
    """The normalised text of one entry's fields."""

    fields: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, **texts: str) -> Indexed:
        return cls(tuple((name, normalize(texts.get(name, ""))) for name, _ in FIELD_WEIGHTS))


def score(indexed: Indexed, words: list[str]) -> int:
    """0 when some word matches nowhere, else the weighted number of field hits."""
    total = 0
    weights = dict(FIELD_WEIGHTS)
    for word in words:
        best = 0
        for variant in _variants(word):
            hits = sum(weights[name] for name, text in indexed.fields if variant in text)
            if hits:
                best = hits
                break
        if not best:
            return 0
        total += best
    return total
