"""The scanner walks every field of a notebook and a chat.

An exhaustive table plants a value (a GitLab token, a valid resident registration
number, the lab's own key) in each field nbformat and jupyterlab-chat define, plus
unknown fields and dict keys, and asserts that the scan reports it, blocking, at a
location an official understands. The same documents then go through the real share
bundle (`build_bundle`): either the scan blocks, or the value is in no committed byte
(fields the bundle strips). Also: megabyte fields, 100k-deep nesting, repeats listed
once, and a control corpus of open-data outputs with no personal data.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import pickle
import random
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from govlab_share.bundle import build_bundle
from govlab_share.errors import ShareError
from govlab_share.scan import scan_files, scan_text
from govlab_share.testing.chatdoc import chat_document, official

DATA = Path(__file__).resolve().parent / "data" / "scan_fields"

# Assembled from parts so that repository scanners do not flag this file itself.
GITLAB = "glpat-" + "Zq8Xw3Er7Ty1Ui5Op9As"
RRN = "850315-" + "1234566"  # valid check digit, made up
LAB_KEY = "lab" + "Kq7Vt2Xp9Ld4Wm8Rz3Hs"  # the lab's own key: a shape no detector knows
PLANTS = {
    "gitlab": (GITLAB, "secret:GitLab Token"),
    "rrn": (RRN, "resident_registration_number"),
    "labkey": (LAB_KEY, "secret:lab credential"),
}
KNOWN = [LAB_KEY]
CHAT = "민원분석"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def nested(value, depth: int):
    for i in range(depth):
        value = {f"level{i % 3}": value}
    return value


def notebook(cells=(), metadata=None, **top) -> bytes:
    nb = new_notebook()  # nbformat's own shape; unknown fields added after its validation
    nb.update(cells=list(cells), metadata=metadata or {}, **top)
    return json.dumps(nb, ensure_ascii=False).encode()


def code(source="df.head()", outputs=(), **fields):
    cell = new_code_cell(source, execution_count=1)
    cell.update(outputs=list(outputs), **fields)
    return cell


def md(source="# 분석", **fields):
    cell = new_markdown_cell(source)
    cell.update(fields)
    return cell


def display(data, **fields):
    out = new_output("display_data", data=data)
    out.update(fields)
    return out


def widget_state(value_state, buffers=()) -> dict:
    model = {
        "model_name": "IntSliderModel",
        "model_module": "@jupyter-widgets/controls",
        "model_module_version": "2.0.0",
        "state": value_state,
    }
    if buffers:
        model["buffers"] = list(buffers)
    return {
        "widgets": {
            "application/vnd.jupyter.widget-state+json": {
                "version_major": 2,
                "version_minor": 0,
                "state": {"5f1c2a": model},
            }
        }
    }


def chat(
    *, body="표를 정리해 주세요", msg_atts=None, table=None, users=None, metadata=None, msg_extra=None, **top
) -> bytes:
    """The jupyterlab-chat file shape (WsChatRoom.to_dict), as chats.py documents it."""
    msg = {
        "type": "msg",
        "id": "m1",
        "time": 1764064800.0,
        "sender": "user-1",
        "body": body,
        "attachments": msg_atts if msg_atts is not None else [],
        "mentions": [],
        "raw_time": False,
    }
    msg.update(msg_extra or {})
    bot = {
        "type": "msg",
        "id": "m2",
        "time": 1764064805.5,
        "sender": "bot",
        "body": "정리했습니다.",
        "mentions": [],
        "raw_time": False,
    }
    doc = chat_document(
        [msg, bot],
        users=users or {"user-1": official()},
        attachments=table or {},
        metadata=metadata or {"id": "chat-id"},
    )
    doc.update(top)
    return json.dumps(doc, ensure_ascii=False).encode()


def selection(content):
    return {"start": [0, 0], "end": [1, 0], "content": content}


NB, CH = "분석.ipynb", f"{CHAT}.chat"
MSG = f"대화 {CHAT}, 1번째 메시지"
ATT = f"{MSG}의 첨부"

# (case id, document kind, builder(value) -> bytes, expected Korean location)
CASES = [
    # notebook metadata, at any depth, keys included
    (
        "nb-meta-papermill",
        NB,
        lambda v: notebook(metadata={"papermill": {"parameters": {"token": v}}}),
        "노트북 메타데이터 (papermill)",
    ),
    ("nb-meta-deep", NB, lambda v: notebook(metadata={"custom": nested(v, 300)}), "노트북 메타데이터 (custom)"),
    (
        "nb-meta-list",
        NB,
        lambda v: notebook(metadata={"custom": [1, [None, {"a": [v]}]]}),
        "노트북 메타데이터 (custom)",
    ),
    ("nb-meta-deep-key", NB, lambda v: notebook(metadata={"custom": nested({v: 1}, 20)}), "노트북 메타데이터 (custom)"),
    ("nb-meta-top-key", NB, lambda v: notebook(metadata={v: "1"}), "노트북 메타데이터"),
    (
        "nb-meta-kernelspec",
        NB,
        lambda v: notebook(metadata={"kernelspec": {"name": "python3", "display_name": v}}),
        "노트북 메타데이터 (kernelspec)",
    ),
    (
        "widget-state",
        NB,
        lambda v: notebook(metadata=widget_state({"description": v, "value": 3})),
        "노트북 메타데이터 (widgets)",
    ),
    (
        "widget-buffer",
        NB,
        lambda v: notebook(
            metadata=widget_state({"value": 3}, [{"encoding": "base64", "path": ["value"], "data": b64(f"memo {v}\n")}])
        ),
        "노트북 메타데이터 (widgets)",
    ),
    ("nb-unknown-top", NB, lambda v: notebook(custom_field={"note": v}), "노트북"),
    # cells: source, metadata, unknown fields, attachments
    ("code-source", NB, lambda v: notebook([md(), code(f"token = '{v}'")]), "셀 2"),
    ("markdown-source", NB, lambda v: notebook([md(f"담당: {v}")]), "셀 1"),
    ("raw-source", NB, lambda v: notebook([new_raw_cell(f"memo {v}")]), "셀 1"),
    ("source-as-list", NB, lambda v: notebook([code(["a = 1\n", f"b = '{v}'\n"])]), "셀 1"),
    (
        "cell-metadata",
        NB,
        lambda v: notebook([md(), code(metadata={"tags": ["parameters"], "x": {"y": v}})]),
        "셀 2, 메타데이터",
    ),
    ("cell-metadata-key", NB, lambda v: notebook([code(metadata={"x": {v: True}})]), "셀 1, 메타데이터"),
    ("cell-unknown-field", NB, lambda v: notebook([code(extra={"note": v})]), "셀 1"),
    (
        "attachment-b64-text",
        NB,
        lambda v: notebook(
            [md("![n](attachment:notes.txt)", attachments={"notes.txt": {"text/plain": b64(f"memo {v}\n")}})]
        ),
        "셀 1, 첨부 파일 notes.txt",
    ),
    (
        "attachment-plain-text",
        NB,
        lambda v: notebook([md(attachments={"notes.txt": {"text/plain": f"memo {v}"}})]),
        "셀 1, 첨부 파일 notes.txt",
    ),
    (
        "attachment-cp949-text",
        NB,
        lambda v: notebook(
            [
                md(
                    attachments={
                        "a.csv": {"text/csv": base64.b64encode(f"이름,번호\n홍길동,{v}\n".encode("cp949")).decode()}
                    }
                )
            ]
        ),
        "셀 1, 첨부 파일 a.csv",
    ),
    (
        "attachment-png-that-is-text",
        NB,
        lambda v: notebook([md(attachments={"plot.png": {"image/png": b64(f"memo {v}\n")}})]),
        "셀 1, 첨부 파일 plot.png",
    ),
    ("attachment-name", NB, lambda v: notebook([md(attachments={f"{v}.txt": {"text/plain": "x"}})]), "셀 1, 첨부 파일"),
    (
        "raw-cell-attachment",
        NB,
        lambda v: notebook([new_raw_cell("x", attachments={"n.txt": {"text/plain": b64(f"memo {v}\n")}})]),
        "셀 1, 첨부 파일 n.txt",
    ),
    # outputs of every kind and MIME type
    (
        "stream-stdout",
        NB,
        lambda v: notebook([code(outputs=[new_output("stream", name="stdout", text=f"{v}\n")])]),
        "셀 1, 출력 1",
    ),
    (
        "stream-stderr",
        NB,
        lambda v: notebook(
            [
                code(
                    outputs=[
                        new_output("stream", name="stdout", text="ok\n"),
                        new_output("stream", name="stderr", text=f"w {v}\n"),
                    ]
                )
            ]
        ),
        "셀 1, 출력 2",
    ),
    (
        "error-traceback",
        NB,
        lambda v: notebook(
            [
                code(
                    outputs=[
                        new_output(
                            "error", ename="KeyError", evalue="x", traceback=["\x1b[0;31m---\x1b[0m", f"KeyError: {v}"]
                        )
                    ]
                )
            ]
        ),
        "셀 1, 출력 1",
    ),
    (
        "error-evalue",
        NB,
        lambda v: notebook([code(outputs=[new_output("error", ename="KeyError", evalue=f"'{v}'", traceback=[])])]),
        "셀 1, 출력 1",
    ),
    *[
        (
            f"mime-{mime}",
            NB,
            (lambda m: lambda v: notebook([code(outputs=[display({m: f"<p>{v}</p>"})])]))(mime),
            "셀 1, 출력 1",
        )
        for mime in (
            "text/plain",
            "text/html",
            "text/markdown",
            "text/latex",
            "application/javascript",
            "image/svg+xml",
            "text/csv",
            "application/x-custom",
        )
    ],
    (
        "execute-result",
        NB,
        lambda v: notebook([code(outputs=[new_output("execute_result", data={"text/plain": v}, execution_count=1)])]),
        "셀 1, 출력 1",
    ),
    (
        "mime-json",
        NB,
        lambda v: notebook([code(outputs=[display({"application/json": {"a": {"b": [v]}}})])]),
        "셀 1, 출력 1",
    ),
    ("mime-json-key", NB, lambda v: notebook([code(outputs=[display({"application/json": {v: 1}})])]), "셀 1, 출력 1"),
    (
        "mime-dataresource",
        NB,
        lambda v: notebook(
            [
                code(
                    outputs=[
                        display(
                            {
                                "application/vnd.dataresource+json": {
                                    "schema": {"fields": [{"name": "id", "type": "string"}]},
                                    "data": [{"index": 0, "id": v}],
                                }
                            }
                        )
                    ]
                )
            ]
        ),
        "셀 1, 출력 1",
    ),
    (
        "mime-widget-view",
        NB,
        lambda v: notebook(
            [code(outputs=[display({"application/vnd.jupyter.widget-view+json": {"model_id": v, "version_major": 2}})])]
        ),
        "셀 1, 출력 1",
    ),
    *[
        (
            f"b64-{mime}",
            NB,
            (lambda m: lambda v: notebook([code(outputs=[display({m: b64(f"memo {v}\n")})])]))(mime),
            "셀 1, 출력 1",
        )
        for mime in (
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "image/bmp",
            "application/pdf",
            "application/octet-stream",
        )
    ],
    ("mime-key", NB, lambda v: notebook([code(outputs=[display({v: "x"})])]), "셀 1, 출력 1"),
    (
        "html-data-uri",
        NB,
        lambda v: notebook(
            [
                code(
                    outputs=[
                        display(
                            {
                                "text/html": f'<iframe src="data:text/html;charset=utf-8;base64,{b64(f"<p>{v}</p>")}"></iframe>'
                            }
                        )
                    ]
                )
            ]
        ),
        "셀 1, 출력 1",
    ),
    ("markdown-data-uri", NB, lambda v: notebook([md(f"[memo](data:text/plain;base64,{b64(v)})")]), "셀 1"),
    (
        "output-metadata",
        NB,
        lambda v: notebook([code(outputs=[display({"text/plain": "x"}, metadata={"m": v})])]),
        "셀 1, 출력 1",
    ),
    (
        "output-transient",
        NB,
        lambda v: notebook([code(outputs=[display({"text/plain": "x"}, transient={"display_id": v})])]),
        "셀 1, 출력 1",
    ),
    (
        "output-unknown-field",
        NB,
        lambda v: notebook([code(outputs=[display({"text/plain": "x"}, extra=[v])])]),
        "셀 1, 출력 1",
    ),
    # chats
    ("chat-body", CH, lambda v: chat(body=f"연락처 {v} 정리"), MSG),
    (
        "chat-inline-selection",
        CH,
        lambda v: chat(msg_atts=[{"type": "file", "value": "helper.py", "selection": selection(f"KEY = '{v}'")}]),
        f"{ATT} (선택한 코드)",
    ),
    (
        "chat-table-selection",
        CH,
        lambda v: chat(
            msg_atts=["att-1"],
            table={
                "att-1": {
                    "type": "file",
                    "value": "helper.py",
                    "mimetype": "text/x-python",
                    "selection": selection(f"KEY = '{v}'"),
                }
            },
        ),
        f"{ATT} (선택한 코드)",
    ),
    (
        "chat-attachment-cells",
        CH,
        lambda v: chat(
            msg_atts=["att-1"],
            table={
                "att-1": {
                    "type": "notebook",
                    "value": "분석.ipynb",
                    "cells": [{"id": "c1", "input_type": "code", "selection": selection(f"x = '{v}'")}],
                }
            },
        ),
        f"{ATT} (셀)",
    ),
    (
        "chat-attachment-value",
        CH,
        lambda v: chat(msg_atts=[{"type": "file", "value": f"data/민원 {v}.csv"}]),
        f"{ATT} (파일 경로)",
    ),
    ("chat-attachment-other", CH, lambda v: chat(msg_atts=[{"type": "file", "value": "a.py", "mimetype": v}]), ATT),
    (
        "chat-attachment-unreferenced",
        CH,
        lambda v: chat(table={"old": {"type": "file", "value": "a.py", "selection": selection(v)}}),
        f"대화 {CHAT}, 첨부 (선택한 코드)",
    ),
    (
        "chat-users",
        CH,
        lambda v: chat(users={"user-1": {"username": "user-1", "name": v}}),
        f"대화 {CHAT}, 사용자 정보",
    ),
    ("chat-users-key", CH, lambda v: chat(users={v: {"username": "u"}}), f"대화 {CHAT}, 사용자 정보"),
    ("chat-metadata", CH, lambda v: chat(metadata={"id": "c", "extra": {"note": v}}), f"대화 {CHAT}, 메타데이터"),
    ("chat-message-metadata", CH, lambda v: chat(msg_extra={"metadata": {"to_persona": v}}), MSG),
    ("chat-mime-model", CH, lambda v: chat(msg_extra={"mime_model": {"data": {"text/markdown": f"**{v}**"}}}), MSG),
    ("chat-mentions", CH, lambda v: chat(msg_extra={"mentions": [v]}), MSG),
    ("chat-unknown-top", CH, lambda v: chat(extra={"k": v}), f"대화 {CHAT}"),
]
CASE_IDS = [c[0] for c in CASES]
assert len(set(CASE_IDS)) == len(CASE_IDS)


def _bundle_path(kind: str) -> str:
    return NB if kind == NB else f"chats/{CHAT}.chat"


@pytest.mark.parametrize("plant", list(PLANTS))
@pytest.mark.parametrize("case_id,kind,build,location", CASES, ids=CASE_IDS)
def test_planted_value_is_found_where_it_is(case_id, kind, build, location, plant):
    value, finding_kind = PLANTS[plant]
    findings = scan_files({_bundle_path(kind): build(value)}, known=KNOWN)
    hits = [f for f in findings if f.kind == finding_kind]
    assert hits, [f.to_dict() for f in findings]
    assert all(f.blocking for f in hits)
    places = [f.location for f in hits] + [a for f in hits for a in f.also]
    if case_id.endswith(("-key", "-name")):
        # the key itself is the value: the location quoting it is masked
        assert any(p.startswith(location) for p in places), places
    else:
        assert location in places, places
    for f in findings:
        assert value not in json.dumps(f.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("plant", list(PLANTS))
@pytest.mark.parametrize("keep_outputs", [False, True])
@pytest.mark.parametrize("case_id,kind,build,location", CASES, ids=CASE_IDS)
def test_share_bundle_blocks_or_drops_the_value(tmp_path, case_id, kind, build, location, keep_outputs, plant):
    """The property on the real bundle: blocked, or the value is in no committed byte."""
    value, _ = PLANTS[plant]
    (tmp_path / NB).write_bytes(notebook([code("x = 1")]) if kind == CH else build(value))
    chats = []
    if kind == CH:
        (tmp_path / CH).write_bytes(build(value))
        chats = [CH]
    try:
        bundle = build_bundle(tmp_path, NB, chats, keep_outputs=keep_outputs)
    except ShareError as e:  # not a valid notebook: nothing is shared
        assert e.code in ("bad_notebook", "bad_request")
        return
    findings = scan_files(bundle.files, known=KNOWN)
    if not any(f.blocking for f in findings):
        assert not any(value.encode() in data for data in bundle.files.values()), case_id
        assert not keep_outputs or kind == CH, "with outputs kept every field is committed"


def test_stripped_fields_leave_no_trace(tmp_path):
    # Outputs and widget state are dropped when outputs are not kept: not scanned, not committed.
    (tmp_path / NB).write_bytes(
        notebook(
            [code(outputs=[new_output("stream", name="stdout", text=GITLAB)])], metadata=widget_state({"d": GITLAB})
        )
    )
    bundle = build_bundle(tmp_path, NB, [], keep_outputs=False)
    assert not any(GITLAB.encode() in data for data in bundle.files.values())
    assert scan_files(bundle.files) == []
    kept = build_bundle(tmp_path, NB, [], keep_outputs=True)
    (f,) = scan_files(kept.files)
    assert f.location == "셀 1, 출력 1" and f.also == ("노트북 메타데이터 (widgets)",)


def test_nested_data_uris_and_double_base64_are_unpacked():
    html = f"<p>{GITLAB}</p>"
    for _ in range(6):  # an iframe in an iframe in ...: deeper than the decoder goes
        html = f'<iframe src="data:text/html;base64,{b64(html + "x" * 2000)}"></iframe>'
    twice = b64(b64(f"memo {GITLAB}"))
    findings = scan_files({NB: notebook([code(outputs=[display({"text/html": html})])], metadata={"m": twice})})
    assert [(f.kind, f.location) for f in findings] == [("secret:GitLab Token", "셀 1, 출력 1")]
    assert findings[0].also == ("노트북 메타데이터 (m)",)


def test_real_images_are_the_only_skipped_payloads():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + GITLAB.encode()).decode()
    jpeg = base64.b64encode(b"\xff\xd8\xff\xe0\x00\x10JFIF" + GITLAB.encode()).decode()
    gif = base64.b64encode(b"GIF89a" + GITLAB.encode()).decode()
    webp = base64.b64encode(b"RIFF\x10\x00\x00\x00WEBPVP8 " + GITLAB.encode()).decode()
    outs = [
        display({"image/png": png}),
        display({"image/jpeg": jpeg}),
        display({"image/gif": gif}),
        display({"image/webp": webp}),
        display({"image/png": b64(GITLAB)}),
    ]
    findings = scan_files({NB: notebook([code(outputs=outs)])})
    assert [(f.location, f.kind) for f in findings] == [("셀 1, 출력 5", "secret:GitLab Token")]


def test_a_value_in_a_chat_and_its_copies_is_listed_once():
    # The transcript, README and manifest repeat the chat; the chat is named, the rest in `also`.
    files = {
        "README.md": f"# 제목\n\n설명: {RRN}\n".encode(),
        "govlab-manifest.json": json.dumps({"description": f"설명: {RRN}"}, ensure_ascii=False).encode(),
        f"chats/{CHAT}.md": f"# {CHAT}\n\n**김민수**: {RRN}\n".encode(),
        f"chats/{CHAT}.chat": chat(body=f"번호 {RRN}"),
        "helper.py": f"x = 1\n# {RRN}\n".encode(),
    }
    (f,) = scan_files(files)
    assert (f.file, f.location, f.location_en) == (f"chats/{CHAT}.chat", MSG, f"chat {CHAT}, message 1")
    assert f.also == (
        "파일 helper.py, 2번째 줄",
        f"대화 기록 {CHAT}, 3번째 줄",
        "README (과제 설명서), 3번째 줄",
        "매니페스트 (govlab-manifest.json), 1번째 줄",
    )
    assert f.to_dict()["also"] == list(f.also) and RRN not in json.dumps(f.to_dict(), ensure_ascii=False)
    files[NB] = notebook([code(f"id = '{RRN}'")])
    (f,) = scan_files(files)
    assert (f.file, f.location) == (NB, "셀 1") and f.also[0] == MSG


def test_known_keys_are_matched_exactly_and_masked():
    text = f"print('{LAB_KEY}')\nx = '{LAB_KEY[:-1]}'\n"
    (f,) = scan_text(text, known=[LAB_KEY, "short"])
    assert (f.kind, f.line, f.confidence, f.blocking) == ("secret:lab credential", 1, "high", True)
    assert LAB_KEY not in f.excerpt and f.excerpt.startswith("print('labK")
    assert scan_text(text) == []  # without `known` the shape means nothing
    assert scan_text("a shortkey b", known=["short"]) == []  # under 8 characters: ignored


def test_locations_of_plain_files_and_text():
    findings = scan_files({"helper.py": f"a = 1\n\nb = '{GITLAB}'\n".encode()})
    assert [(f.location, f.location_en) for f in findings] == [("파일 helper.py, 3번째 줄", "file helper.py, line 3")]
    (f,) = scan_text(f"x\n{RRN}")
    assert (f.location, f.location_en) == ("입력한 내용, 2번째 줄", "text, line 2")


def test_deterministic_and_ordered():
    files = {f"chats/{CHAT}.chat": CASES[-3][2](GITLAB), NB: notebook([code(f"a = '{RRN}'"), md(GITLAB)])}
    first = scan_files(files, known=KNOWN)
    assert first == scan_files(dict(reversed(files.items())), known=KNOWN)
    assert [f.file for f in first] == sorted(f.file for f in first)


# ---------------------------------------------------------------- random documents


class _Markers:
    """Unique marker strings, passed as `known` values: each one planted once."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.all = rng, []

    def new(self) -> str:
        value = "mk" + "".join(self.rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(10))
        if value in self.all:
            return self.new()
        self.all.append(value)
        return value


def _random_json(rng: random.Random, mk: _Markers, depth: int):
    roll = rng.random()
    if depth <= 0 or roll < 0.35:
        leaf = rng.random()
        if leaf < 0.6:
            return rng.choice(["{}", "메모 {} 끝", "{}\n다음 줄", "<b>{}</b>"]).format(mk.new())
        return rng.choice([None, True, False, 0, -17, 3.25, 10**12])
    if roll < 0.7:
        return {mk.new(): _random_json(rng, mk, depth - 1) for _ in range(rng.randint(0, 4))}
    return [_random_json(rng, mk, depth - 1) for _ in range(rng.randint(0, 4))]


def _random_notebook(rng: random.Random, mk: _Markers) -> bytes:
    def rj():
        return _random_json(rng, mk, rng.randint(1, 6))

    cells = []
    for _ in range(rng.randint(1, 4)):
        makers = [
            lambda: new_output("stream", name=rng.choice(["stdout", "stderr"]), text=f"{mk.new()}\n"),
            lambda: display(
                {
                    "text/plain": mk.new(),
                    "application/json": rj(),
                    "application/x-custom+json": rj(),
                    "text/html": f"<td>{mk.new()}</td>",
                },
                metadata=rj(),
            ),
            lambda: new_output("error", ename=mk.new(), evalue=mk.new(), traceback=[mk.new()]),
        ]
        outputs = [make() for make in rng.sample(makers, rng.randint(0, 3))]
        cell = code(mk.new(), outputs, metadata=rj())
        cell[mk.new()] = rj()  # a field nbformat does not define
        cells.append(cell)
        cells.append(md(mk.new(), metadata=rj(), attachments={mk.new(): {"text/plain": b64(f"x {mk.new()}")}}))
    return notebook(
        cells, metadata={mk.new(): rj(), "papermill": {"parameters": rj()}, **widget_state(rj())}, **{mk.new(): rj()}
    )


def _random_chat(rng: random.Random, mk: _Markers) -> bytes:
    def rj():
        return _random_json(rng, mk, rng.randint(1, 6))

    table = {
        mk.new(): {"type": "file", "value": mk.new(), "selection": selection(mk.new()), mk.new(): rj()}
        for _ in range(rng.randint(0, 3))
    }
    inline = [
        {
            "type": "notebook",
            "value": mk.new(),
            "cells": [{"id": mk.new(), "input_type": "code", "selection": selection(mk.new())}],
        }
    ]
    return chat(
        body=mk.new(),
        msg_atts=list(table)[:1] + inline,
        table=table,
        users={mk.new(): {"username": mk.new(), "name": mk.new(), "bot": False}},
        metadata=rj(),
        msg_extra={"metadata": rj(), "mime_model": {"data": {"text/markdown": mk.new()}}},
        **{mk.new(): rj()},
    )


@pytest.mark.parametrize("seed", range(40))
def test_random_documents_every_leaf_and_key_is_scanned(seed):
    """Random JSON (seeded) in every field: each planted marker is found, once."""
    rng = random.Random(seed)
    mk = _Markers(rng)
    files = {NB: _random_notebook(rng, mk), f"chats/{CHAT}.chat": _random_chat(rng, mk)}
    findings = scan_files(files, known=mk.all)
    assert {f.kind for f in findings} == {"secret:lab credential"}
    assert len(findings) == len(mk.all), sorted(f.location for f in findings)
    shown = json.dumps([f.to_dict() for f in findings], ensure_ascii=False)
    assert not [m for m in mk.all if m in shown]


# ---------------------------------------------------------------- binary files


def _xlsx(rows) -> bytes:
    import pandas as pd  # writes a real workbook through openpyxl

    buf = io.BytesIO()
    pd.DataFrame(rows, columns=["이름", "비고"]).to_excel(buf, index=False)
    return buf.getvalue()


def _zip(members: dict[str, bytes], encrypt: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    data = bytearray(buf.getvalue())
    if encrypt:  # the "encrypted" flag in the local and central headers, as a password tool sets it
        data[6] |= 1
        data[data.find(b"PK\x01\x02") + 8] |= 1
    return bytes(data)


@pytest.mark.parametrize("plant", list(PLANTS))
@pytest.mark.parametrize("case", ["xlsx", "docx-like", "gzip-csv", "pdf-like", "pickle", "unknown-binary"])
def test_binary_files_are_read(case, plant):
    value, kind = PLANTS[plant]
    path, data, location = {
        "xlsx": lambda: (
            "data/명단.xlsx",
            _xlsx([["홍길동", value], ["김민수", "없음"]]),
            "파일 data/명단.xlsx 안의 xl/worksheets/sheet1.xml",
        ),
        "docx-like": lambda: (
            "보고서.docx",
            _zip(
                {
                    "word/document.xml": (
                        f"<w:document><w:body><w:p><w:r><w:t>담당 {value}</w:t></w:r></w:p></w:body></w:document>"
                    ).encode()
                }
            ),
            "파일 보고서.docx 안의 word/document.xml",
        ),
        "gzip-csv": lambda: (
            "data/a.csv.gz",
            gzip.compress(f"이름,비고\n홍길동,{value}\n".encode()),
            "파일 data/a.csv.gz",
        ),
        "pdf-like": lambda: (
            "a.pdf",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) + f"(memo {value}) Tj\n".encode() + bytes(range(256)),
            "파일 a.pdf",
        ),
        "pickle": lambda: (
            "model.pkl",
            pickle.dumps({"config": {"token": value}, "weights": [0.1] * 50}),
            "파일 model.pkl",
        ),
        "unknown-binary": lambda: ("blob.bin", b"\x00\x01\x02" + f"key {value}".encode() + b"\x00", "파일 blob.bin"),
    }[case]()
    findings = scan_files({path: data}, known=KNOWN)
    assert [(f.kind, f.location, f.blocking) for f in findings] == [(kind, location, True)]


def test_images_and_clean_binaries_pass():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    files = {
        "thumbnail.png": png,
        "data/공공시설.xlsx": _xlsx([["종로구립 청운도서관", "2019-03-15"]]),
        "blob.bin": bytes(range(256)) * 100,
    }
    assert scan_files(files) == []


def test_what_cannot_be_read_blocks():
    bomb = _zip({"xl/worksheets/sheet1.xml": b"<c><v>1</v></c>" * 2_000_000})  # ~30 MB unpacked, 60 KB packed
    locked = _zip({"secret.txt": f"memo {RRN}".encode()}, encrypt=True)
    findings = scan_files({"big.xlsx": bomb, "locked.zip": locked})
    assert [(f.kind, f.location, f.blocking) for f in findings] == [
        ("unscanned", "파일 big.xlsx 안의 xl/worksheets/sheet1.xml", True),
        ("unscanned", "파일 locked.zip 안의 secret.txt", True),
    ]
    assert findings[0].kind_label.startswith("검사할 수 없는 내용")


# ---------------------------------------------------------------- size and depth


def _timed(files, **kw):
    t = time.perf_counter()
    findings = scan_files(files, **kw)
    return findings, time.perf_counter() - t


@pytest.mark.parametrize("where", ["source", "metadata", "attachment", "chat-selection"])
def test_megabyte_fields(where):
    filler = ("df = df[df['구분'] == '서울'].reset_index(drop=True)\n" * 20000)[:1_000_000]
    text = filler + f"token = '{GITLAB}'\n"
    if where == "source":
        files = {NB: notebook([code(text)])}
    elif where == "metadata":
        files = {NB: notebook(metadata={"papermill": {"parameters": {"memo": text}}})}
    elif where == "attachment":
        files = {NB: notebook([md(attachments={"big.txt": {"text/plain": b64(text)}})])}
    else:
        files = {f"chats/{CHAT}.chat": chat(msg_atts=[{"type": "file", "value": "a.py", "selection": selection(text)}])}
    findings, seconds = _timed(files)
    assert [f.kind for f in findings] == ["secret:GitLab Token"]
    assert seconds < 10, seconds


@pytest.mark.parametrize(
    "text",
    [
        " " * 1_000_000 + "!",  # almost base64 (spaces are allowed in a payload)
        "QUJD" * 250_000 + "==" + " " * 100_000 + "!",
        "data:text/html;base64," + "QUJD" * 250_000 + "!",
        "<" * 1_000_000,
        "\x1b[" * 500_000,
        "data:a/b;x=y;" * 100_000,
    ],
    ids=["spaces", "padding", "data-uri", "tags", "ansi", "uri-params"],
)
def test_near_miss_strings_are_linear(text):
    # A megabyte that nearly matches each pattern of the field walk, in a metadata
    # leaf and an HTML output: no backtracking blowup (1 MB in well under 3 s).
    files = {NB: notebook([code(outputs=[display({"text/html": text})])], metadata={"m": text})}
    _, seconds = _timed(files)
    assert seconds < 3, seconds


@pytest.mark.parametrize("path", [NB, f"chats/{CHAT}.chat"])
def test_100k_deep_nesting_still_scanned(path):
    depth = 100_000
    inner = '{"k":' * depth + json.dumps(f"memo {RRN}") + "}" * depth
    doc = (
        '{"cells": [], "metadata": {"deep": %s}, "nbformat": 4, "nbformat_minor": 5}'
        if path == NB
        else '{"messages": [], "users": {}, "attachments": {}, "metadata": {"deep": %s}}'
    ) % inner
    findings, seconds = _timed({path: doc.encode()})
    # json.loads gives up (RecursionError): the raw text is scanned instead.
    assert [(f.kind, f.location) for f in findings] == [("resident_registration_number", f"파일 {path}, 1번째 줄")]
    assert seconds < 10, seconds


def test_deep_nesting_under_the_parser_limit_is_walked():
    findings = scan_files({NB: notebook(metadata={"deep": nested(RRN, 400)})})
    assert [(f.kind, f.location) for f in findings] == [("resident_registration_number", "노트북 메타데이터 (deep)")]


# ---------------------------------------------------------------- control corpus


def test_open_data_notebook_has_no_blocking_finding():
    """Realistic public-data outputs (made-up values): frames of public facilities,
    office addresses and landlines, dates, ids, coordinates, folium and plotly HTML,
    widget state and a real PNG. Landlines may only be information, never blocking."""
    nb = (DATA / "open_data.ipynb").read_bytes()
    nbformat.reads(nb.decode(), as_version=4)  # a valid notebook as JupyterLab writes it
    findings = scan_files({NB: nb, f"chats/{CHAT}.chat": (DATA / "open_data.chat").read_bytes()})
    assert [f.to_dict() for f in findings if f.blocking] == []
    # Public offices' landlines (in the frame, the map popups, a markdown cell) are
    # reported as information only, each number once.
    assert {(f.kind, f.confidence) for f in findings} == {("landline_phone", "info")}
    assert len(findings) == 6 and "셀 4, 출력 1" in findings[1].also  # the folium map repeats the frame
