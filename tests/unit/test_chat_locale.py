"""The Korean catalogues of the chat panel cover every string its JavaScript translates.

Reads the installed labextensions (jupyterlab-chat 0.25.3, jupyter-ai 3.2 and the
extensions it brings): when an upgrade adds a translated string, a test here names it.
"""

from __future__ import annotations

import json
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import govlab.chat_locale
from tests.support.jsmsgids import labextensions_dir, loads_domain, msgids

CATALOGUES = Path(govlab.chat_locale.__file__).parent / "locale" / "ko_KR" / "LC_MESSAGES"

# domain as the JS loads it -> the labextensions whose bundles translate with it
DOMAINS = {
    "jupyter-chat": ["jupyterlab-chat-extension", "jupyterlab-commands-toolkit"],
    "jupyterlab-diff": ["jupyterlab-diff"],
}
# Strings these bundles translate with JupyterLab's own domains (the bundled
# side-panel code of @jupyterlab/application): the ko-KR language pack covers them.
LAB_DOMAIN = {"notebook": {"Collapse %1 side panel"}}
# ...except this one, which the ko-KR pack lacks (a tooltip of Notebook 7's side panel
# code bundled with jupyterlab-chat; the lab itself does not show it).
LAB_DOMAIN_UNTRANSLATED = {"Collapse side panel"}
# Labextensions that translate nothing of the chat panel (or only in lab domains).
NOT_CHAT = {"@jupyter-widgets/jupyterlab-manager", "@jupyter-ai/jupyternaut", "@govlab/share"}
PLACEHOLDER = re.compile(r"%\d")


def _catalogue(domain: str) -> dict:
    path = CATALOGUES / f"{domain.replace('-', '_')}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _installed_labextensions() -> list[str]:
    root = labextensions_dir()
    names = []
    for package_json in root.glob("**/package.json"):
        rel = package_json.parent.relative_to(root)
        if (package_json.parent / "static").is_dir() and "static" not in rel.parts:
            names.append(rel.as_posix())
    return sorted(names)


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_catalogue_has_every_msgid_the_js_translates(domain):
    catalogue = _catalogue(domain)
    lab_strings = set().union(*LAB_DOMAIN.values()) | LAB_DOMAIN_UNTRANSLATED
    for package in DOMAINS[domain]:
        assert loads_domain(package, domain), f"{package} no longer loads the domain {domain!r}"
        found = msgids(package)
        assert found, f"no translated strings found in {package}: has the bundle format changed?"
        missing = sorted(found - set(catalogue) - lab_strings)
        assert not missing, f"{domain}: {len(missing)} strings of {package} have no Korean: {missing}"


def test_strings_left_to_jupyterlab_domains_are_in_the_language_pack():
    from jupyterlab_server.translation_utils import get_language_pack

    data, message = get_language_pack("ko_KR")
    assert not message
    for domain, strings in LAB_DOMAIN.items():
        assert strings <= set(data[domain]), f"ko-KR pack lacks {strings - set(data[domain])}"


def test_every_labextension_that_translates_is_covered():
    """A new chat-related labextension with its own translated strings must get a catalogue."""
    known = set().union(*DOMAINS.values()) | NOT_CHAT
    uncovered = [name for name in _installed_labextensions() if name not in known and msgids(name)]
    assert not uncovered, f"labextensions translating strings without a govlab catalogue: {uncovered}"


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_catalogue_format_is_the_language_packs(domain):
    catalogue = _catalogue(domain)
    header = catalogue[""]
    assert header["domain"] == domain.replace("-", "_")
    assert header["language"] == "ko-KR"
    assert header["plural_forms"] == "nplurals=1; plural=0;"
    assert header["version"]
    for msgid, translation in catalogue.items():
        if msgid == "":
            continue
        assert isinstance(translation, list) and len(translation) == 1, msgid
        korean = translation[0]
        assert re.search(r"[\uac00-\ud7a3]", korean), f"not Korean: {msgid!r} -> {korean!r}"
        # "%1" must survive translation or the UI shows a name-less sentence
        assert sorted(PLACEHOLDER.findall(korean)) == sorted(PLACEHOLDER.findall(msgid)), msgid


def test_lab_serves_the_catalogues_with_the_korean_pack():
    """Registered under `jupyterlab.locale` (installed with govlab), merged by jupyterlab_server."""
    from jupyterlab_server.translation_utils import get_language_pack

    names = {ep.name: ep.value for ep in entry_points(group="jupyterlab.locale")}
    for domain in DOMAINS:
        assert names.get(domain.replace("-", "_")) == "govlab.chat_locale"
    data, message = get_language_pack("ko_KR")
    assert not message, message  # any failing locale entry point drops the whole Korean UI
    assert data["jupyter_chat"]["New chat"] == ["새 대화"]
    assert data["jupyter_chat"]["Type a chat message, @ to mention..."][0].startswith("메시지를 입력하세요")
    assert data["jupyterlab_diff"]["Accept"] == ["적용"]
    assert "jupyterlab" in data  # the language pack itself still loads
