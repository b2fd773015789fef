"""Build hook: compile the gettext catalogues (locale/*/LC_MESSAGES/*.po) into the JSON
that jupyterlab_server serves at /lab/api/translations/<locale> (the format of the
JupyterLab language packs). Runs for wheels and editable installs alike, so the JSON is
never edited by hand and never stale after `pip install`.

Standalone on purpose (only Babel): the tests import `compile_catalogue` from here to
check that the installed JSON matches its .po source.
"""

from __future__ import annotations

import json
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "govlab_share" / "locale"


def compile_catalogue(po_path: Path) -> dict:
    """The JupyterLab JSON of one .po file: {"": metadata, msgid: [msgstr, ...]}."""
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh, domain=po_path.stem)
    language = str(catalog.locale).replace("_", "-") if catalog.locale else po_path.parent.parent.name
    data: dict = {
        "": {
            "domain": po_path.stem,
            "language": language,
            "plural_forms": catalog.plural_forms,
            # No version: a language pack's own copy of this domain (none today) would win.
            "version": "",
        }
    }
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            strings = list(message.string)
            # JupyterLab's Gettext treats a plural entry of length 1 as untranslated;
            # the language packs pad one-form languages (Korean) with "" the same way.
            data[message.id[0]] = strings + [""] * max(0, 2 - len(strings))
        else:
            data[message.id] = [message.string]
    return data


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        json_path = po_path.with_suffix(".json")
        text = json.dumps(compile_catalogue(po_path), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        if not json_path.exists() or json_path.read_text(encoding="utf-8") != text:
            json_path.write_text(text, encoding="utf-8")
        written.append(json_path)
    return written


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # imported by the tests, outside a build
    BuildHookInterface = object  # type: ignore[assignment,misc]


class CatalogueBuildHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        # The JSON is git-ignored; pyproject.toml lists it as a wheel artifact.
        compile_all()
