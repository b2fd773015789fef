"""POST /govlab-share/check and extra files (data files, helper modules) in a share."""

import json
import os

from .conftest import WORKSPACE_SHARE_FILES, make_notebook, write_json
from .helpers import commit_count, gitlab_calls, post_share, remote_files, share_body

XLSX = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4  # binary: committed as it is


def post_check(fetch, body: dict):
    resp = fetch("govlab-share", "check", method="POST", body=json.dumps(body))
    return resp.code, json.loads(resp.body or b"{}")


def _data(workspace):
    folder = workspace["root"] / "analysis"
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "민원.csv").write_text("월,건수\n1,3\n", encoding="utf-8")
    (folder / "통계.xlsx").write_bytes(XLSX)
    (folder / "helpers.py").write_text("def total(x):\n    return sum(x)\n")
    return ["analysis/data/민원.csv", "analysis/통계.xlsx", "analysis/helpers.py"]


def test_check_lists_files_and_calls_no_gitlab(fetch, workspace, gitlab_server):
    extra = _data(workspace)
    status, data = post_check(fetch, share_body(files=extra))
    assert status == 200, data
    paths = [f["path"] for f in data["files"]]
    assert paths == sorted([*WORKSPACE_SHARE_FILES, "data/민원.csv", "통계.xlsx", "helpers.py"])
    assert data["total_size"] == sum(f["size"] for f in data["files"])
    assert {"path": "통계.xlsx", "size": len(XLSX)} in data["files"]
    assert data["notices"] == []
    assert gitlab_calls(gitlab_server) == []  # no GitLab request at all


def test_check_refuses_what_share_refuses(fetch, workspace, gitlab_server):
    nb = json.loads(workspace["notebook"].read_text())
    nb["cells"][1]["source"] = "연락처 = '010-2345-6789'"
    write_json(workspace["notebook"], nb)
    status, data = post_check(fetch, share_body(chats=[]))
    assert status == 422 and data["error"]["code"] == "scan_blocked"
    assert data["error"]["findings"][0]["kind"] == "mobile_phone"
    assert gitlab_calls(gitlab_server) == []


def test_extra_files_are_committed_listed_and_restored(fetch, workspace, gitlab_server):
    extra = _data(workspace)
    status, data = post_share(fetch, share_body(files=extra))
    assert status == 200, data
    assert data["notices"] == []
    bare = gitlab_server.bare_repo_path(data["project"])
    assert commit_count(bare) == 1
    remote = remote_files(bare)
    # at their paths relative to the notebook's folder, byte for byte
    assert remote["통계.xlsx"] == XLSX
    assert remote["data/민원.csv"] == "월,건수\n1,3\n".encode()
    assert remote["helpers.py"].startswith(b"def total")
    readme = remote["README.md"].decode()
    assert "함께 공유한 파일 / Files shared with the notebook" in readme and "data/민원.csv" in readme
    manifest = json.loads(remote["govlab-manifest.json"])
    assert [e["file"] for e in manifest["extra_files"]] == ["data/민원.csv", "통계.xlsx", "helpers.py"]
    assert manifest["files"]["통계.xlsx"]["size"] == len(XLSX)

    previous = json.loads(fetch("govlab-share", "context", params={"path": "analysis/report.ipynb"}).body)["previous"]
    assert previous["files"] == extra  # the re-share form ticks them again

    # A file left out on the next share is removed from the repository.
    status, second = post_share(fetch, share_body(files=extra[:2]))
    assert status == 200, second
    assert "helpers.py" not in remote_files(bare) and "통계.xlsx" in remote_files(bare)


def test_extra_file_outside_the_notebook_folder_is_refused(fetch, workspace, gitlab_server):
    (workspace["root"] / "top.csv").write_text("a,b\n")
    for body in (share_body(files=["top.csv"]), share_body(files=["chats/by-cell.chat"])):
        status, data = post_share(fetch, body)
        assert status == 403, data
        assert data["error"]["code"] == "bad_path"
        assert "노트북이 있는 폴더" in data["error"]["message"]
    assert gitlab_calls(gitlab_server) == []


def test_extra_file_hidden_or_symlinked_out_is_refused(fetch, workspace, gitlab_server, tmp_path):
    folder = workspace["root"] / "analysis"
    (folder / ".secrets").mkdir()
    (folder / ".secrets" / "key.csv").write_text("k\n")
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("secret\n")
    os.symlink(outside, folder / "link.csv")
    os.symlink(workspace["root"] / ".env", folder / "env.csv")  # visible name, hidden target
    for path in ("analysis/.secrets/key.csv", "analysis/link.csv", "analysis/env.csv", "analysis/../.env"):
        status, data = post_share(fetch, share_body(files=[path]))
        assert status == 403, (path, data)
        assert data["error"]["code"] == "bad_path"
    status, data = post_share(fetch, share_body(files=["analysis/missing.csv"]))
    assert (status, data["error"]["code"]) == (404, "bad_path")
    assert gitlab_calls(gitlab_server) == []


def test_extra_file_too_large(fetch, jp_serverapp, workspace, gitlab_server):
    jp_serverapp.web_app.settings["govlab_share"]["config"].max_bundle_bytes = 100_000
    (workspace["root"] / "analysis" / "big.csv").write_bytes(b"1," * 60_000)
    status, data = post_share(fetch, share_body(files=["analysis/big.csv"]))
    assert status == 413, data
    assert data["error"]["code"] == "too_large"
    assert "file: analysis/big.csv" in data["error"]["details"]
    assert gitlab_calls(gitlab_server) == []


def test_extra_file_taking_a_bundle_name_is_refused(fetch, workspace, gitlab_server):
    (workspace["root"] / "analysis" / "README.md").write_text("# mine\n")
    status, data = post_share(fetch, share_body(files=["analysis/README.md"]))
    assert (status, data["error"]["code"]) == (400, "bad_request")
    assert "README.md" in data["error"]["message"]


def test_extra_files_in_a_notebook_at_the_root(fetch, workspace, gitlab_server):
    root = workspace["root"]
    write_json(root / "top.ipynb", make_notebook())
    (root / "sub").mkdir()
    (root / "sub" / "a.csv").write_text("x\n1\n")
    status, data = post_share(fetch, share_body(path="top.ipynb", chats=[], files=["sub/a.csv"]))
    assert status == 200, data
    assert remote_files(gitlab_server.bare_repo_path(data["project"]))["sub/a.csv"] == b"x\n1\n"
