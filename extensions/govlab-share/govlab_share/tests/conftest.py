"""pytest-jupyter server fixtures plus the loopback GitLab test server (our own plugin)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govlab_share.testing.chatdoc import JUPYTERNAUT, chat_document, jupyternaut, notebook_attachment, official

pytest_plugins = ("pytest_jupyter.jupyter_server", "govlab_share.pytest_plugin")

TOKEN_ENV = "GOVLAB_TEST_GITLAB_TOKEN"


@pytest.fixture
def gitlab_user(gitlab_server, monkeypatch):
    """A GitLab user with an `api` personal access token in the env var we configure."""
    gitlab_server.add_user("kim", name="김민수")
    token = gitlab_server.add_token("kim", scopes=("api",))
    monkeypatch.setenv(TOKEN_ENV, token)
    return {"username": "kim", "token": token}


@pytest.fixture
def history_file(tmp_path):
    return tmp_path / "data" / "govlab" / "shares.json"


@pytest.fixture
def jp_server_config(gitlab_server, gitlab_user, history_file):
    return {
        "ServerApp": {"jpserver_extensions": {"govlab_share": True}},
        "GovlabShare": {
            "gitlab_url": gitlab_server.url,
            "token_source": "env",
            "token_env": TOKEN_ENV,
            "agency": "행정안전부",
            "hub_public_url": "https://lab.example.go.kr",
            "ai_model": "openai/test-model",
            "request_timeout": 5.0,
            "max_retries": 2,
            "max_retry_after": 5.0,
            "history_file": str(history_file),
        },
    }


def make_notebook(cells=None, *, outputs=True) -> dict:
    cells = cells or [
        {"cell_type": "markdown", "id": "md1", "metadata": {}, "source": "# 민원 분석 보고서\n설명"},
        {
            "cell_type": "code",
            "id": "c1",
            "metadata": {},
            "execution_count": 3,
            "source": "import pandas as pd\nprint('안녕')",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "안녕\n"}] if outputs else [],
        },
    ]
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def make_chat(notebook_path: str | None, *, cell_id: str | None = None, body="그래프를 설명해줘") -> dict:
    attachments = {}
    msg_atts = []
    if notebook_path or cell_id:
        att = notebook_attachment(notebook_path or "elsewhere/old-name.ipynb")
        if cell_id:
            att["cells"] = [{"id": cell_id, "input_type": "code"}]
        attachments["att-1"] = att
        msg_atts = ["att-1"]
    messages = [
        {
            "type": "msg",
            "id": "m1",
            "time": 1764064800.0,
            "sender": "user-1",
            "body": body,
            "attachments": msg_atts,
            "mentions": [JUPYTERNAUT],
            "raw_time": False,
        },
        {
            "type": "msg",
            "id": "m2",
            "time": 1764064805.5,
            "sender": JUPYTERNAUT,
            "body": "이 그래프는 월별 민원 건수를 보여줍니다.",
            "mentions": [],
            "raw_time": False,
        },
        {
            "type": "msg",
            "id": "m3",
            "time": 1764064806.0,
            "sender": "user-1",
            "body": "",
            "deleted": True,
            "mentions": [],
        },
    ]
    return chat_document(
        messages,
        users={"user-1": official(), JUPYTERNAUT: jupyternaut(avatar_url="/api/ai/static/jupyternaut.svg")},
        attachments=attachments,
    )


def write_json(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # indent=2 like jupyterlab_chat's WsChatRoom.save(); bytes must survive unchanged.
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


# What a share of the `workspace` notebook commits: the notebook, its two linked chats
# (each also as Markdown), a README and the manifest; sorted, as the handler lists them.
WORKSPACE_SHARE_FILES = [
    "README.md",
    "chats/by-cell.chat",
    "chats/by-cell.md",
    "chats/report.chat",
    "chats/report.md",
    "govlab-manifest.json",
    "report.ipynb",
]


@pytest.fixture
def workspace(jp_root_dir):
    """A user root with a notebook, linked and unlinked chats and distractors."""
    root = Path(jp_root_dir)
    nb = write_json(root / "analysis" / "report.ipynb", make_notebook())
    write_json(root / "report.chat", make_chat("analysis/report.ipynb"))
    write_json(root / "chats" / "by-cell.chat", make_chat(None, cell_id="c1"))
    write_json(root / "other.chat", make_chat(None, body="다른 이야기"))
    write_json(root / ".ipynb_checkpoints" / "report-checkpoint.chat", make_chat("analysis/report.ipynb"))
    write_json(root / ".hidden" / "secret.chat", make_chat("analysis/report.ipynb"))
    (root / ".env").write_text("OPENAI_API_KEY=sk-should-never-leave\n")
    return {"root": root, "notebook": nb, "path": "analysis/report.ipynb"}


@pytest.fixture
def fetch(jp_fetch, jp_asyncio_loop):
    """Synchronous jp_fetch that never raises on HTTP errors.

    Tests are plain functions: pytest-asyncio would run an `async def` test on its
    own loop while the jupyter server lives on pytest-jupyter's - they deadlock.
    """

    def _fetch(*parts, **kwargs):
        kwargs.setdefault("raise_error", False)
        return jp_asyncio_loop.run_until_complete(jp_fetch(*parts, **kwargs))

    return _fetch
