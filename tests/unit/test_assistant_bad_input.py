"""Bad input the assistant meets: a chat file edited into invalid JSON, binary attachments,
and the lab page config that hides jupyter-ai's English settings panel."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from govlab.assistant import attachments, chat_file

ROOT = Path(__file__).resolve().parents[2]
PAGE_CONFIG = ROOT / "config" / "lab" / "govlab-page-config.json"
BROKEN = b'{"messages": [{"id": "m1", "body": "\xec\xa7\x80\xeb\x82\x9c \xeb\x8c\x80\xed\x99\x94"},\n  oops\n'


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"", False),
        (b"  \n", False),
        (b"{}", False),
        (b'{"messages": []}', False),
        (BROKEN, True),
        (b"{", True),
        ("{}".encode("utf-16"), True),
        (b"\xff\xfe{}", True),
        # Valid JSON that jupyterlab-chat cannot open (its loader raises): kept aside as well.
        (b"[]", True),
        (b'"x"', True),
        (b"3", True),
        (b"null", True),
        (b'{"messages": 3}', True),
        (b'{"messages": [1]}', True),
        (b'{"metadata": []}', True),
        (b"[" * 100_000, True),
        (b'{"messages": [{"id": "m1", "body": "x"}], "users": {}, "metadata": {"id": "a"}}', False),
    ],
)
def test_unreadable_is_what_jupyterlab_chat_would_drop(raw, expected):
    assert chat_file.unreadable(raw) is expected


def test_rescue_keeps_the_bytes_once_and_never_overwrites_a_copy(tmp_path):
    (tmp_path / "a.chat").write_bytes(BROKEN)
    assert chat_file.rescue(str(tmp_path), "a.chat") == "a.chat.bak"
    assert (tmp_path / "a.chat.bak").read_bytes() == BROKEN
    # Opened again before anything was written: the same copy, not a second one.
    assert chat_file.rescue(str(tmp_path), "a.chat") == "a.chat.bak"
    # Broken again, differently: a new copy beside the first.
    (tmp_path / "a.chat").write_bytes(b"{ nope")
    assert chat_file.rescue(str(tmp_path), "a.chat") == "a.chat.bak.2"
    assert (tmp_path / "a.chat.bak").read_bytes() == BROKEN
    assert (tmp_path / "a.chat.bak.2").read_bytes() == b"{ nope"


def test_rescue_leaves_readable_and_missing_chats_alone(tmp_path):
    (tmp_path / "ok.chat").write_text(json.dumps({"messages": []}))
    (tmp_path / "new.chat").write_text("")
    for name in ("ok.chat", "new.chat", "missing.chat"):
        assert chat_file.rescue(str(tmp_path), name) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.chat", "ok.chat"]


@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"3", BROKEN])
def test_rescue_before_open_keeps_the_bytes_and_leaves_a_chat_that_opens_fresh(tmp_path, raw):
    (tmp_path / "a.chat").write_bytes(raw)
    assert chat_file.rescue_before_open(str(tmp_path), "a.chat") == "a.chat.bak"
    assert (tmp_path / "a.chat.bak").read_bytes() == raw
    assert (tmp_path / "a.chat").read_bytes() == b""  # jupyterlab-chat opens it as a new chat
    # The persona manager, created once the chat is open, learns of the copy (once).
    assert chat_file.rescue(str(tmp_path), "a.chat") == "a.chat.bak"
    assert chat_file.rescue(str(tmp_path), "a.chat") is None


def test_rescue_before_open_leaves_readable_chats_alone(tmp_path):
    good = json.dumps({"messages": [{"id": "m1", "body": "안녕"}]}).encode()
    (tmp_path / "ok.chat").write_bytes(good)
    assert chat_file.rescue_before_open(str(tmp_path), "ok.chat") is None
    assert chat_file.rescue_before_open(str(tmp_path), "missing.chat") is None
    assert (tmp_path / "ok.chat").read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.chat"]


def test_notice_is_korean_then_english_and_names_the_copy():
    text = chat_file.notice("sub/민원.chat", "sub/민원.chat.bak")
    assert text.index("읽을 수 없습니다") < text.index("not valid JSON")
    assert "`민원.chat.bak`" in text


@pytest.mark.parametrize(
    "name, data, expected",
    [
        ("표.xlsx", b"PK\x03\x04 anything", "binary"),
        ("그림.PNG", b"\x89PNG\r\n\x1a\n", "binary"),
        ("data.bin", b"abc\x00def", "binary"),
        ("민원.csv", "이름,전화\n김철수,없음\n".encode("cp949"), "not-utf8"),
        ("민원.csv", "이름,전화\n김철수,없음\n".encode(), "text"),
        # UTF-8 text whose first SNIFF_BYTES end inside a character.
        ("cut.txt", ("가" * 3000).encode("utf-8"), "text"),
    ],
)
def test_attachment_kind(tmp_path, name, data, expected):
    (tmp_path / name).write_bytes(data)
    assert attachments.kind(str(tmp_path / name)) == expected


def test_attachment_notice_names_the_files_and_what_to_ask():
    found = attachments.Attachments(skipped=["표.xlsx"], not_utf8=["민원.csv"])
    text = attachments.notice(found)
    assert "`표.xlsx`" in text and "pd.read_excel" in text and "not a text file" in text
    assert "`민원.csv`" in text and "cp949" in text
    assert attachments.notice(attachments.Attachments()) is None


def test_page_config_hides_the_jupyternaut_settings_panel_that_exists():
    config = json.loads(PAGE_CONFIG.read_text(encoding="utf-8"))
    disabled = [k for k, v in config["disabledExtensions"].items() if v]
    assert sorted(disabled) == ["@jupyter-ai/jupyternaut:settings", "@jupyter-ai/jupyternaut:settings-button"]
    assert config["lockedExtensions"] == config["disabledExtensions"]  # officials cannot re-enable them
    # The ids are the installed jupyter-ai's: an upgrade that renames them fails here.
    static = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter-ai" / "jupyternaut" / "static"
    bundle = "".join(p.read_text(encoding="utf-8", errors="replace") for p in static.glob("*.js"))
    for plugin in disabled:
        assert f'id:"{plugin}"' in bundle, plugin
    # Installed with the govlab distribution (pyproject shared-data).
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"config/lab/govlab-page-config.json" = "etc/jupyter/labconfig/page_config.d/govlab.json"' in pyproject
