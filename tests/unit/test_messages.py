"""The hub side's one string module (govlab.messages): the account pages, the sign-in and
the gallery take their texts from it, each Korean first with English alongside."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from govlab import messages
from govlab.messages import Text

HUB = Path(messages.__file__).parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN = re.compile(r"[A-Za-z]")
FIELD = re.compile(r"\{[a-z_]{1,30}\}")
# Modules whose user texts live in govlab.messages. (gallery/search.py holds Korean
# particles to strip from queries, which are not texts anyone reads.)
USERS = [
    "auth.py",
    "accounts/*.py",
    "gallery/app.py",
    "gallery/listing.py",
    "gallery/render.py",
    "gallery/catalog.py",
    "gallery/cache.py",
    "gallery/config.py",
    "gallery/hubtoken.py",
    "gallery/store.py",
]


def _korean_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and HANGUL.search(node.value)
        and id(node) not in docstrings
    ]


@pytest.mark.parametrize("pattern", USERS)
def test_no_user_text_outside_the_module(pattern):
    files = sorted(HUB.glob(pattern))
    assert files, pattern
    for path in files:
        assert _korean_literals(path) == [], f"{path.relative_to(HUB)}: move these texts to govlab/messages.py"


def _public():
    return {name: value for name, value in vars(messages).items() if name.isupper() and not name.startswith("_")}


def test_every_text_is_korean_then_english():
    found = _public()
    pairs = [t for v in found.values() for t in (v.values() if isinstance(v, dict) else [v]) if isinstance(t, Text)]
    joined = [v for v in found.values() if isinstance(v, str)]
    assert len(pairs) >= 10 and len(joined) >= 20
    for text in pairs:
        assert HANGUL.search(text.ko) and not HANGUL.search(text.en) and LATIN.search(text.en), text
        assert sorted(FIELD.findall(text.ko)) == sorted(FIELD.findall(text.en)), text
    for text in joined:
        ko, sep, en = text.partition(" / ")
        assert sep and HANGUL.search(ko) and LATIN.search(en), text


def test_text_joins_and_formats():
    text = messages.GALLERY_STALE.format(when="2026-12-01 09:00")
    assert text.ko.startswith("GitLab에 연결할 수 없어 2026-12-01 09:00에")
    assert str(text) == f"{text.ko} / {text.en}"
    assert "2026-12-01 09:00" in text.en
