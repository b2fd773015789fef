"""Opt-in: share to a REAL GitLab through the real server extension, then clean up.

    GITLAB_URL=https://gitlab.example.go.kr GITLAB_TOKEN=glpat-... \
        .venv/bin/python -m pytest tests/integration/test_share_live.py -v

GITLAB_TOKEN needs the `api` scope. The project goes to the token user's namespace,
or to the group GITLAB_NAMESPACE if set. A jupyter_server subprocess with only
govlab_share enabled (token_source=env) gets POST /govlab-share/share with its token
and XSRF cookie/header like the frontend; python-gitlab checks the result, the
test shares again (update) and finally deletes the project it created.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from govlab_share.testing.chatdoc import JUPYTERNAUT, chat_document, jupyternaut, notebook_attachment, official
from tests.support.ports import free_port
from tests.support.shareserver import share_server_env

GITLAB_URL = os.environ.get("GITLAB_URL", "").rstrip("/")
GITLAB_TOKEN = os.environ.get("GITLAB_TOKEN", "")
NAMESPACE = os.environ.get("GITLAB_NAMESPACE", "")

pytestmark = pytest.mark.skipif(
    not (GITLAB_URL and GITLAB_TOKEN),
    reason="live GitLab test: set GITLAB_URL and GITLAB_TOKEN (api scope) to run it",
)

TOKEN_ENV = "GOVLAB_LIVE_GITLAB_TOKEN"
JP_TOKEN = uuid.uuid4().hex


def _notebook(note: str) -> dict:
    return {
        "cells": [
            {"cell_type": "markdown", "id": "md1", "metadata": {}, "source": f"# 실시간 공유 시험\n{note}"},
            {
                "cell_type": "code",
                "id": "c1",
                "metadata": {},
                "execution_count": 1,
                "source": "print('안녕하세요')",
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "안녕하세요\n"}],
            },
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _chat(notebook: str) -> dict:
    messages = [
        {
            "type": "msg",
            "id": "m1",
            "time": 1764064800.0,
            "sender": "user-1",
            "body": "이 코드를 설명해줘",
            "attachments": ["att-1"],
            "mentions": [JUPYTERNAUT],
            "raw_time": False,
        },
        {
            "type": "msg",
            "id": "m2",
            "time": 1764064805.0,
            "sender": JUPYTERNAUT,
            "body": "인사말을 출력하는 코드입니다.",
            "mentions": [],
            "raw_time": False,
        },
    ]
    return chat_document(
        messages,
        users={"user-1": official("시험"), JUPYTERNAUT: jupyternaut()},
        attachments={"att-1": notebook_attachment(notebook)},
        chat_id="live-chat",
    )


@pytest.fixture
def share_server(tmp_path):
    """(base URL, requests session with token + XSRF, root dir) of a jupyter_server."""
    import requests

    root = tmp_path / "root"
    root.mkdir()
    port = free_port()
    share_cfg = {
        "gitlab_url": GITLAB_URL,
        "token_source": "env",
        "token_env": TOKEN_ENV,
        "agency": "govlab 시험",
        "ai_model": "test/live",
        "request_timeout": 60.0,
        "history_file": str(tmp_path / "shares.json"),
    }
    if NAMESPACE:
        share_cfg["namespace"] = NAMESPACE
    env = share_server_env(
        tmp_path, port=port, root=root, token=JP_TOKEN, share_config=share_cfg, **{TOKEN_ENV: GITLAB_TOKEN}
    )
    env.pop("GITLAB_TOKEN")  # the server gets the token only under the configured name
    log = open(tmp_path / "jupyter.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server"], cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    s = requests.Session()
    s.headers["Authorization"] = f"token {JP_TOKEN}"
    try:
        for _ in range(600):
            if proc.poll() is not None:
                break
            try:
                if s.get(f"{url}/api/status", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        if proc.poll() is not None or "_xsrf" not in s.cookies:
            s.get(f"{url}/lab", timeout=10)  # page loads set the _xsrf cookie too
        assert proc.poll() is None, (tmp_path / "jupyter.log").read_text()[-3000:]
        s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", "")
        yield url, s, root
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _write(path: Path, doc) -> bytes:
    data = json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")
    path.write_bytes(data)
    return data


def test_share_to_live_gitlab(share_server):
    import gitlab

    url, session, root = share_server
    name = f"govlab-live-{uuid.uuid4().hex[:8]}"
    nb_path, chat_path = f"{name}.ipynb", f"{name}.chat"
    _write(root / nb_path, _notebook("첫 번째 공유"))
    chat_bytes = _write(root / chat_path, _chat(nb_path))
    body = {
        "path": nb_path,
        "title": f"govlab 실시간 시험 {name}",
        "description": "자동 시험, 곧 삭제됩니다.",
        "visibility": "private",
        "chats": [chat_path],
        "keep_outputs": False,
        "force": False,
    }

    gl = gitlab.Gitlab(GITLAB_URL, private_token=GITLAB_TOKEN, timeout=60)
    project = None
    try:
        resp = session.post(f"{url}/govlab-share/share", data=json.dumps(body), timeout=300)
        assert resp.status_code == 200, resp.text
        first = resp.json()
        project = gl.projects.get(first["project"])  # delete it even if checks fail
        assert first["updated"] is False
        assert project.visibility == "private"
        assert project.web_url == first["web_url"]
        tree = {
            i["path"] for i in project.repository_tree(ref="main", recursive=True, get_all=True) if i["type"] == "blob"
        }
        assert (
            tree
            == set(first["files"])
            == {nb_path, f"chats/{name}.chat", f"chats/{name}.md", "README.md", "govlab-manifest.json"}
        )
        assert project.files.raw(f"chats/{name}.chat", ref="main") == chat_bytes  # byte for byte
        shared_nb = json.loads(project.files.raw(nb_path, ref="main"))
        assert shared_nb["cells"][1]["outputs"] == []  # keep_outputs false
        manifest = json.loads(project.files.raw("govlab-manifest.json", ref="main"))
        assert manifest["notebook"] == nb_path
        assert project.commits.get(first["commit"]).id == first["commit"]

        # Update: same project, one new commit with the changed notebook.
        _write(root / nb_path, _notebook("두 번째 공유"))
        resp = session.post(f"{url}/govlab-share/share", data=json.dumps(body), timeout=300)
        assert resp.status_code == 200, resp.text
        second = resp.json()
        assert second["updated"] is True
        assert second["project"] == first["project"]
        assert second["commit"] != first["commit"]
        shared_nb = json.loads(project.files.raw(nb_path, ref="main"))
        assert "두 번째 공유" in "".join(shared_nb["cells"][0]["source"])
        commits = project.commits.list(ref_name="main", get_all=True)
        assert [c.id for c in commits[:2]] == [second["commit"], first["commit"]]
    finally:
        # Delete what this run created, even when a check failed half way. The project
        # path is "<slug of the notebook name>-<hash>", so a failed first check can
        # still find it by the run's unique name.
        if project is not None:
            gl.projects.delete(project.id)
        else:
            for p in gl.projects.list(search=name, owned=not NAMESPACE, get_all=True):
                if p.path.startswith(name):
                    gl.projects.delete(p.id)
