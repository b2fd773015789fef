"""The extension's one string system: every text in src/*.ts goes through JupyterLab's
translator (`trans.__` / `trans._n` with a literal msgid), and the Korean catalogue
(locale/ko_KR/LC_MESSAGES/govlab_share.po) translates every one of them, no more."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PO = ROOT / "govlab_share" / "locale" / "ko_KR" / "LC_MESSAGES" / "govlab_share.po"
JSON = PO.with_suffix(".json")

# A quoted TypeScript literal ('...' or "..."), bounded.
_LIT = r"""('(?:[^'\\\n]|\\.){0,400}'|"(?:[^"\\\n]|\\.){0,400}")"""
SINGULAR = re.compile(r"\.__\(\s*" + _LIT)
PLURAL = re.compile(r"\._n\(\s*" + _LIT + r"\s*,\s*" + _LIT)
# Any call of the translator, literal or not: each must be matched above.
ANY_CALL = re.compile(r"\.(?:__|_n|_p|_np)\(")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]{0,2000}", re.S)
# The assistant's modules label another extension's UI in both languages at once
# ("허용 / Allow"), whatever the lab's language; the dialog views belong to their own
# test. Everything else must hold no Korean text outside the catalogue.
BILINGUAL_MODULES = {"approval.ts", "chatname.ts", "jailabels.ts", "modelstatus.ts", "personapicker.ts"}
PLACEHOLDER = re.compile(r"%\d{1,2}")


def _unquote(literal: str) -> str:
    return json.loads('"' + literal[1:-1].replace('"', '\\"').replace("\\'", "'") + '"')


def _sources() -> dict[str, str]:
    # The extension's code, not its jest tests (src/__tests__, *.spec.ts).
    files = [
        p
        for p in sorted(SRC.rglob("*.ts*"))
        if p.suffix in (".ts", ".tsx")
        and "__tests__" not in p.parts
        and ".spec." not in p.name
        and ".test." not in p.name
    ]
    return {p.relative_to(SRC).as_posix(): p.read_text(encoding="utf-8") for p in files}


def _used() -> tuple[set[str], set[tuple[str, str]]]:
    singular, plural = set(), set()
    for name, text in _sources().items():
        text = COMMENT.sub("", text)
        calls = len(ANY_CALL.findall(text))
        found_s = [_unquote(m) for m in SINGULAR.findall(text)]
        found_p = [(_unquote(a), _unquote(b)) for a, b in PLURAL.findall(text)]
        assert calls == len(found_s) + len(found_p), (
            f"{name}: a translator call without a literal msgid; the catalogue test cannot see it"
        )
        singular.update(found_s)
        plural.update(found_p)
    return singular, plural


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as fh:
        return read_po(fh)


def _entries(catalog):
    return [m for m in catalog if m.id]


def test_every_msgid_in_the_sources_is_in_the_catalogue(catalog):
    singular, plural = _used()
    assert len(singular) > 50 and plural, "the parser found too few texts: did the call style change?"
    known = {m.id for m in _entries(catalog) if isinstance(m.id, str)}
    known_plural = {m.id for m in _entries(catalog) if isinstance(m.id, tuple)}
    assert sorted(singular - known) == []
    assert sorted(plural - known_plural) == []


def test_the_catalogue_holds_only_texts_the_sources_use(catalog):
    singular, plural = _used()
    unused = [m.id for m in _entries(catalog) if m.id not in singular and m.id not in plural]
    assert unused == []


def test_no_empty_fuzzy_or_broken_translation(catalog):
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    for message in _entries(catalog):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        assert all(s.strip() for s in strings), f"empty translation for {msgid!r}"
        assert not message.fuzzy, f"fuzzy translation for {msgid!r}"
        assert all(HANGUL.search(s) for s in strings), f"not translated to Korean: {msgid!r}"
        for s in strings:
            assert sorted(PLACEHOLDER.findall(s)) == sorted(set(PLACEHOLDER.findall(msgid))), (
                f"placeholders differ for {msgid!r}: {s!r}"
            )


def test_no_korean_text_outside_the_catalogue():
    for name, text in _sources().items():
        if name in BILINGUAL_MODULES or name == "dialog.ts" or name.startswith("dialog/"):
            continue
        # A msgid may keep a Korean aside for the English lab (the "not set up" tooltip).
        code = PLURAL.sub("", SINGULAR.sub("", COMMENT.sub("", text)))
        assert not HANGUL.search(code), f"{name}: Korean text outside the catalogue: {HANGUL.search(code)!r}"


def _hatch_build():
    spec = importlib.util.spec_from_file_location("govlab_share_hatch_build", ROOT / "hatch_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_built_json_is_the_catalogue():
    """What the lab serves is compiled from the .po (reinstall after editing it)."""
    assert JSON.is_file(), "no compiled catalogue: run scripts/setup (pip install -e extensions/govlab-share)"
    built = json.loads(JSON.read_text(encoding="utf-8"))
    assert built == _hatch_build().compile_catalogue(PO), (
        "govlab_share.json is stale: run scripts/setup (pip install -e extensions/govlab-share)"
    )
    assert built[""]["language"] == "ko-KR"
    assert built["Share to GitLab"] == ["GitLab에 공유"]
    # JupyterLab's Gettext ignores a plural entry with fewer than two forms.
    assert built["%1 message"] == ["메시지 %1개", ""]
