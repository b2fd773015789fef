"""The quality check (C1) against a real lab server with real kernels (ipykernel),
and what a checked share carries (C4) into the loopback GitLab."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import time
from importlib import metadata

import pytest

from .conftest import make_notebook, write_json
from .helpers import gitlab_calls, post_share, remote_files, share_body

TIME_LIMIT = 10  # the smallest the settings allow: the never-ending notebook stops here


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config["GovlabShare"]["quality_time_limit"] = TIME_LIMIT
    return jp_server_config


def code(source: str, cid: str, outputs=None) -> dict:
    return {
        "cell_type": "code",
        "id": cid,
        "metadata": {},
        "execution_count": 7 if outputs else None,
        "source": source,
        "outputs": outputs or [],
    }


def notebook(root, rel: str, *sources: str) -> str:
    cells = [{"cell_type": "markdown", "id": "m0", "metadata": {}, "source": "# 점검 대상"}]
    cells += [code(s, f"c{i}") for i, s in enumerate(sources)]
    write_json(root / rel, make_notebook(cells))
    return rel


def start(fetch, path: str):
    resp = fetch("govlab-share", "quality", method="POST", body=json.dumps({"path": path}))
    return resp.code, json.loads(resp.body or b"{}")


def status(fetch, job_id: str) -> dict:
    resp = fetch("govlab-share", "quality", job_id, method="GET")
    assert resp.code == 200, resp.body
    return json.loads(resp.body)


def wait(fetch, loop, job_id: str, until=lambda s: s["state"] != "running", limit: float = 90.0) -> dict:
    """Poll like the dialog does, letting the server's loop run the check in between."""
    deadline = time.monotonic() + limit
    while True:
        body = status(fetch, job_id)
        if until(body):
            return body
        assert time.monotonic() < deadline, body
        loop.run_until_complete(asyncio.sleep(0.2))


def pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_passing_check_then_checked_share(fetch, jp_asyncio_loop, workspace, gitlab_server):
    root = workspace["root"]
    (root / "analysis" / "data").mkdir()
    (root / "analysis" / "data" / "민원.csv").write_text("월,건수\n1,3\n", encoding="utf-8")
    cells = [
        {"cell_type": "markdown", "id": "m0", "metadata": {}, "source": "# 민원 분석 보고서"},
        code(
            "import nbformat\nrows = open('data/민원.csv', encoding='utf-8').read().splitlines()\nprint(len(rows) * 21)",
            "c1",
            # What the official's file holds from an older run: the share must not carry it.
            outputs=[{"output_type": "stream", "name": "stdout", "text": "stale output\n"}],
        ),
        code("def later():\n    import pandas\n    return pandas.read_csv('data/없는파일.csv')", "c2"),
    ]
    write_json(workspace["notebook"], make_notebook(cells))
    before = workspace["notebook"].read_bytes(), os.stat(workspace["notebook"]).st_mtime_ns

    code_, started = start(fetch, workspace["path"])
    assert code_ == 202, started
    assert started["cells"] == 2 and started["id"]
    done = wait(fetch, jp_asyncio_loop, started["id"])
    assert done["state"] == "passed", done
    assert (done["done"], done["cells"], done["current"]) == (2, 2, None)
    result = done["result"]
    assert result["passed"] is True and result["failing_cell"] is None and result["missing_module"] is None
    assert result["python"] == platform.python_version()
    assert result["packages"].get("nbformat") == metadata.version("nbformat")
    assert "ipykernel" not in result["packages"]  # the kernel's own machinery is not the notebook's
    assert result["time_limit"] == TIME_LIMIT and result["seconds"] >= 0
    assert result["checked_at"][:4].isdigit() and "T" in result["checked_at"]
    assert result["data_files"] == [
        {"path": "data/민원.csv", "exists": True},
        {"path": "data/없는파일.csv", "exists": False},
    ]
    # The check never writes the official's notebook.
    assert (workspace["notebook"].read_bytes(), os.stat(workspace["notebook"]).st_mtime_ns) == before

    body = share_body(keep_outputs=True, files=["analysis/data/민원.csv"], quality={"check": started["id"]})
    status_, data = post_share(fetch, body)
    assert status_ == 200, data
    assert "requirements.txt" in data["files"]
    remote = remote_files(gitlab_server.bare_repo_path(data["project"]))
    assert f"nbformat=={metadata.version('nbformat')}" in remote["requirements.txt"].decode().splitlines()
    shared = json.loads(remote["report.ipynb"])
    outputs = shared["cells"][1]["outputs"]
    assert [(o["output_type"], "".join(o["text"])) for o in outputs] == [("stream", "42\n")]  # the check's run
    assert shared["cells"][1]["execution_count"] == 1
    manifest = json.loads(remote["govlab-manifest.json"])
    assert manifest["schema"] == "govlab-share-manifest/1"
    assert manifest["quality"]["state"] == "passed"
    assert manifest["quality"]["packages"] == result["packages"]
    assert manifest["quality"]["data_files"] == [
        {"path": "data/민원.csv", "exists": True, "included": True},
        {"path": "data/없는파일.csv", "exists": False, "included": False},
    ]
    readme = remote["README.md"].decode()
    assert f"재실행 확인됨 {result['checked_at'][:10]}, {round(result['seconds'])}초 / Re-run checked" in readme


def test_never_ending_notebook_stops_at_the_time_limit(fetch, jp_asyncio_loop, jp_root_dir):
    rel = notebook(
        jp_root_dir,
        "loop.ipynb",
        "import os\nopen('loop.pid', 'w').write(str(os.getpid()))",
        "while True:\n    pass",
        "print('never')",
    )
    code_, started = start(fetch, rel)
    assert code_ == 202
    done = wait(fetch, jp_asyncio_loop, started["id"])
    assert done["state"] == "timeout", done
    assert done["done"] == 1 and done["elapsed"] >= TIME_LIMIT
    failing = done["result"]["failing_cell"]
    assert failing["index"] == 2  # the loop: markdown is cell 0
    assert "셀 3" in failing["message"]["ko"] and "10초" in failing["message"]["ko"]
    assert "time limit" in failing["message"]["en"]
    assert done["result"]["passed"] is False
    assert pid_gone(int((jp_root_dir / "loop.pid").read_text()))  # the busy kernel was shut down


def test_input_fails_fast_with_a_clear_message(fetch, jp_asyncio_loop, jp_root_dir):
    rel = notebook(jp_root_dir, "ask.ipynb", "name = input('이름? ')", "print(name)")
    done = wait(fetch, jp_asyncio_loop, start(fetch, rel)[1]["id"])
    assert done["state"] == "failed", done  # not "timeout": it did not hang
    failing = done["result"]["failing_cell"]
    assert failing["index"] == 1 and failing["ename"] == "StdinNotImplementedError"
    assert "input()" in failing["message"]["ko"] and "input()" in failing["message"]["en"]


def test_missing_module_is_named(fetch, jp_asyncio_loop, jp_root_dir):
    rel = notebook(jp_root_dir, "need.ipynb", "import json", "import govlab_no_such_pkg.sub as s")
    done = wait(fetch, jp_asyncio_loop, start(fetch, rel)[1]["id"])
    assert done["state"] == "failed", done
    result = done["result"]
    assert result["missing_module"] == "govlab_no_such_pkg"
    assert result["failing_cell"]["ename"] == "ModuleNotFoundError"
    assert "'govlab_no_such_pkg' 모듈이 없습니다" in result["failing_cell"]["message"]["ko"]
    assert "pip install govlab_no_such_pkg" in result["failing_cell"]["message"]["en"]


def test_cancel_mid_run_shuts_the_kernel_down(fetch, jp_asyncio_loop, jp_root_dir):
    rel = notebook(
        jp_root_dir,
        "work/slow.ipynb",
        "import os\nopen('kernel.pid', 'w').write(str(os.getpid()))",
        "import time\ntime.sleep(600)",
    )
    job_id = start(fetch, rel)[1]["id"]
    running = wait(fetch, jp_asyncio_loop, job_id, until=lambda s: s["current"] == 2 or s["state"] != "running")
    assert running["state"] == "running" and running["done"] == 1
    pid = int((jp_root_dir / "work" / "kernel.pid").read_text())  # cwd: the notebook's folder
    assert not pid_gone(pid)
    resp = fetch("govlab-share", "quality", job_id, method="DELETE")
    assert resp.code == 204
    assert status(fetch, job_id)["state"] == "cancelled"
    assert pid_gone(pid)
    # A cancelled check is no check for a share.
    bad = fetch("govlab-share", "quality", "no-such-job", method="GET")
    assert bad.code == 404 and json.loads(bad.body)["message"]["ko"]


@pytest.mark.parametrize(
    ("path", "status_"),
    [("../outside.ipynb", 403), ("/etc/passwd.ipynb", 403), ("notes.txt", 403), ("missing.ipynb", 404)],
)
def test_bad_paths_are_refused(fetch, jp_root_dir, path, status_):
    (jp_root_dir / "notes.txt").write_text("x")
    code_, body = start(fetch, path)
    assert code_ == status_, body
    assert body["message"]["ko"] and body["message"]["en"]


def test_malformed_notebook_and_bodies(fetch, jp_root_dir):
    (jp_root_dir / "broken.ipynb").write_text('{"cells": [ not json')
    code_, body = start(fetch, "broken.ipynb")
    assert code_ == 400 and "노트북" in body["message"]["ko"]
    for raw in (b"not json", b"[]", json.dumps({"path": ""}).encode(), json.dumps({"path": "x" * 1_000_000}).encode()):
        resp = fetch("govlab-share", "quality", method="POST", body=raw)
        assert resp.code in (400, 403, 404), raw[:20]
        assert json.loads(resp.body)["message"]["en"]


def test_share_refuses_a_check_of_another_notebook_or_unfinished(fetch, jp_asyncio_loop, workspace, gitlab_server):
    root = workspace["root"]
    other = notebook(root, "other.ipynb", "import time\ntime.sleep(600)")
    job_id = start(fetch, other)[1]["id"]
    status_, data = post_share(fetch, share_body(quality={"check": job_id}))
    assert status_ == 409 and data["error"]["code"] == "quality_other_notebook", data
    assert "다른 노트북" in data["error"]["message"]

    mine = start(fetch, workspace["path"])[1]["id"]
    status_, data = post_share(fetch, share_body(quality={"check": mine}))
    assert status_ == 409 and data["error"]["code"] == "quality_running", data
    assert fetch("govlab-share", "quality", job_id, method="DELETE").code == 204
    assert wait(fetch, jp_asyncio_loop, mine)["state"] == "passed"

    # The code changed after the check: the result no longer describes it.
    nb = json.loads(workspace["notebook"].read_text())
    nb["cells"][1]["source"] = "print('changed')"
    write_json(workspace["notebook"], nb)
    status_, data = post_share(fetch, share_body(quality={"check": mine}))
    assert status_ == 409 and data["error"]["code"] == "quality_stale", data
    assert gitlab_calls(gitlab_server) == []  # refused before any GitLab call


@pytest.mark.parametrize(
    "quality",
    [{"check": "x" * 65}, {"skipped": ""}, {"skipped": "이유" * 500_000}, {"check": 1}, {"other": "x"}, "skip"],
)
def test_malformed_quality_field(fetch, workspace, gitlab_server, quality):
    status_, data = post_share(fetch, share_body(quality=quality))
    assert status_ == 400, data
    assert data["error"]["message"] and data["error"]["message_en"]


def test_skipped_and_unchecked_shares_say_so(fetch, workspace, gitlab_server):
    reason = "외부 API 키가 필요해 점검할 수 없음"
    status_, data = post_share(fetch, share_body(quality={"skipped": reason}))
    assert status_ == 200, data
    assert "requirements.txt" not in data["files"]
    remote = remote_files(gitlab_server.bare_repo_path(data["project"]))
    assert json.loads(remote["govlab-manifest.json"])["quality"] == {"state": "skipped", "reason": reason}
    assert f"재실행 확인 생략: {reason}" in remote["README.md"].decode()

    status_, data = post_share(fetch, share_body())  # an old client: no quality field
    assert status_ == 200, data
    remote = remote_files(gitlab_server.bare_repo_path(data["project"]))
    assert json.loads(remote["govlab-manifest.json"])["quality"] == {"state": "unchecked"}
    assert "재실행 확인 안 함 / not checked" in remote["README.md"].decode()


def test_failed_check_does_not_block_the_share_and_is_scanned(fetch, jp_asyncio_loop, workspace, gitlab_server):
    # The run prints a resident registration number: the scan sees the check's outputs.
    cells = [code("print('주민번호 ' + '900101' + '-1234568')", "c1"), code("1 / 0", "c2")]
    write_json(workspace["notebook"], make_notebook(cells))
    job_id = start(fetch, workspace["path"])[1]["id"]
    done = wait(fetch, jp_asyncio_loop, job_id)
    assert done["state"] == "failed" and done["result"]["failing_cell"]["ename"] == "ZeroDivisionError"

    status_, data = post_share(fetch, share_body(keep_outputs=True, quality={"check": job_id}))
    assert status_ == 422 and data["error"]["findings"], data  # found in the check's output
    assert any(f.get("file") == "report.ipynb" for f in data["error"]["findings"]), data

    status_, data = post_share(fetch, share_body(keep_outputs=False, quality={"check": job_id}))
    assert status_ == 200, data  # a failing check never blocks the share
    remote = remote_files(gitlab_server.bare_repo_path(data["project"]))
    assert json.loads(remote["govlab-manifest.json"])["quality"]["state"] == "failed"
    assert "재실행 확인 실패" in remote["README.md"].decode() and "ZeroDivisionError" in remote["README.md"].decode()


def test_context_exposes_the_setting(fetch, workspace):
    resp = fetch("govlab-share", "context", params={"path": workspace["path"]}, method="GET")
    assert json.loads(resp.body)["quality_check"] == {"enabled": True, "time_limit": TIME_LIMIT}


def test_quality_routes_need_token_and_xsrf(fetch, jp_asyncio_loop, jp_http_port, jp_base_url, workspace):
    from tornado.httpclient import AsyncHTTPClient

    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}govlab-share/quality"

    async def go(method, target, body=None):
        return await AsyncHTTPClient().fetch(target, method=method, body=body, raise_error=False)

    post = jp_asyncio_loop.run_until_complete(go("POST", url, json.dumps({"path": workspace["path"]})))
    assert post.code == 403
    assert jp_asyncio_loop.run_until_complete(go("GET", url + "/abc")).code == 403
    assert jp_asyncio_loop.run_until_complete(go("DELETE", url + "/abc")).code == 403


def test_unknown_kernelspec_is_a_clear_failure(fetch, jp_asyncio_loop, jp_root_dir):
    nb = make_notebook([code("print(1)", "c1")])
    nb["metadata"]["kernelspec"] = {"name": "govlab-no-such-kernel", "display_name": "X", "language": "python"}
    write_json(jp_root_dir / "odd.ipynb", nb)
    done = wait(fetch, jp_asyncio_loop, start(fetch, "odd.ipynb")[1]["id"])
    assert done["state"] == "failed", done
    failing = done["result"]["failing_cell"]
    assert failing["index"] is None and failing["ename"] == "NoSuchKernel"
    assert "govlab-no-such-kernel" in failing["message"]["ko"] and "kernel" in failing["message"]["en"]
