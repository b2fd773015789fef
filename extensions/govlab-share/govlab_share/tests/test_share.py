"""POST /govlab-share/share against the loopback GitLab server: the happy paths."""

import hashlib
import json
import os
from urllib.parse import parse_qs, urlsplit

from .conftest import WORKSPACE_SHARE_FILES, write_json
from .helpers import commit_count, gitlab_calls, post_share, remote_files, share_body


def _stat(path):
    st = os.stat(path)
    return path.read_bytes(), st.st_mtime_ns


def test_share_creates_project_and_one_commit(fetch, workspace, gitlab_server, history_file, gitlab_user):
    before = _stat(workspace["notebook"])
    status, data = post_share(fetch, share_body())
    assert status == 200, data
    assert data["updated"] is False
    assert data["project"].startswith("kim/report-")
    assert data["web_url"] == f"{gitlab_server.url}/{data['project']}"
    assert data["commit_url"].endswith(data["commit"])
    expected_files = WORKSPACE_SHARE_FILES
    assert data["files"] == expected_files
    assert _stat(workspace["notebook"]) == before  # the user's file is never touched

    bare = gitlab_server.bare_repo_path(data["project"])
    assert commit_count(bare) == 1
    remote = remote_files(bare)
    assert sorted(remote) == expected_files  # nothing else: no .env, no checkpoints

    root = workspace["root"]
    assert remote["chats/report.chat"] == (root / "report.chat").read_bytes()
    assert remote["chats/by-cell.chat"] == (root / "chats" / "by-cell.chat").read_bytes()

    nb = json.loads(remote["report.ipynb"])
    local = json.loads(workspace["notebook"].read_bytes())

    def src(c):
        return "".join(c["source"]) if isinstance(c["source"], list) else c["source"]

    assert [src(c) for c in nb["cells"]] == [src(c) for c in local["cells"]]
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)

    manifest = json.loads(remote["govlab-manifest.json"])
    assert manifest["schema"] == "govlab-share-manifest/1"
    assert manifest["source"] == {"path": "analysis/report.ipynb", "keep_outputs": False}
    assert manifest["history"] == []
    assert set(manifest["versions"]) >= {"govlab_share", "jupyterlab", "jupyter_ai", "python"}
    assert set(manifest["files"]) == set(remote) - {"govlab-manifest.json"}
    for name, entry in manifest["files"].items():  # byte-for-byte via the manifest's hashes
        assert entry == {"sha256": hashlib.sha256(remote[name]).hexdigest(), "size": len(remote[name])}

    readme = remote["README.md"].decode()
    for text in (
        "# 민원 분석 보고서",
        "월별 민원 건수를 분석합니다.",
        "행정안전부",
        "openai/test-model",
        "실행 방법 / How to run",
        "랩에서 열기 / Open in lab",
    ):
        assert text in readme
    link = next(w for w in readme.split("(") if w.startswith("https://lab.example.go.kr/hub/user-redirect/git-pull?"))
    query = parse_qs(urlsplit(link.split(")")[0]).query)
    project_path = data["project"].rsplit("/", 1)[1]
    assert query == {
        "repo": [f"{gitlab_server.url}/{data['project']}.git"],
        "branch": ["main"],
        "targetpath": [project_path],  # the folder the notebook path below is in
        "urlpath": [f"lab/tree/{project_path}/report.ipynb"],
    }

    transcript = remote["chats/report.md"].decode()
    assert "김민수" in transcript and "Jupyternaut (AI)" in transcript
    assert "그래프를 설명해줘" in transcript and "월별 민원 건수를 보여줍니다" in transcript
    assert "2025-11-25T19:00:00+09:00" in transcript  # Asia/Seoul local time
    assert "`analysis/report.ipynb`" in transcript  # the attachment

    record = json.loads(history_file.read_text())["shares"]["analysis/report.ipynb"]
    assert record["path_with_namespace"] == data["project"]
    assert record["last_commit"] == data["commit"]
    assert gitlab_user["token"] not in history_file.read_text()


def test_keep_outputs_shares_notebook_verbatim(fetch, workspace, gitlab_server):
    status, data = post_share(fetch, share_body(keep_outputs=True, chats=[]))
    assert status == 200, data
    remote = remote_files(gitlab_server.bare_repo_path(data["project"]))
    assert remote["report.ipynb"] == workspace["notebook"].read_bytes()
    assert sorted(remote) == ["README.md", "govlab-manifest.json", "report.ipynb"]


def test_second_share_updates_same_project(fetch, workspace, gitlab_server):
    status, first = post_share(fetch, share_body())
    assert status == 200, first
    nb = json.loads(workspace["notebook"].read_text())
    nb["cells"].append({"cell_type": "markdown", "id": "md2", "metadata": {}, "source": "추가 설명"})
    write_json(workspace["notebook"], nb)
    before = _stat(workspace["notebook"])

    # Leaving out a chat shared before needs its removal named: refused, nothing sent.
    commits_before = commit_count(gitlab_server.bare_repo_path(first["project"]))
    status, refused = post_share(fetch, share_body(chats=["report.chat"]))
    assert status == 409, refused
    assert refused["error"]["code"] == "chats_removed"
    assert refused["error"]["details"] == ["chats/by-cell.chat"]
    assert "by-cell" in refused["error"]["message"]
    assert commit_count(gitlab_server.bare_repo_path(first["project"])) == commits_before

    status, second = post_share(fetch, share_body(chats=["report.chat"], remove_chats=["chats/by-cell.chat"]))
    assert status == 200, second
    assert second["updated"] is True
    assert second["project"] == first["project"] and second["commit"] != first["commit"]
    assert [m for m, p, s in gitlab_calls(gitlab_server) if m == "POST" and p == "/api/v4/projects"] == ["POST"]
    bare = gitlab_server.bare_repo_path(second["project"])
    assert commit_count(bare) == 2
    remote = remote_files(bare)
    assert "추가 설명" in remote["report.ipynb"].decode()
    # the chat left out this time is removed (it was ours and unchanged)
    assert "chats/by-cell.chat" not in remote and "chats/report.chat" in remote
    manifest = json.loads(remote["govlab-manifest.json"])
    assert [h["commit"] for h in manifest["history"]] == [first["commit"]]
    assert _stat(workspace["notebook"]) == before

    resp = fetch("govlab-share", "context", params={"path": "analysis/report.ipynb"})
    previous = json.loads(resp.body)["previous"]
    assert previous["project"] == second["project"] and previous["commit"] == second["commit"]
    assert previous["web_url"] == second["web_url"]


def test_group_namespace(fetch, jp_serverapp, workspace, gitlab_server):
    gitlab_server.add_group("govlab", members={"kim": 30})
    gitlab_server.add_group("govlab/shared", members={"kim": 30})  # developer
    jp_serverapp.web_app.settings["govlab_share"]["config"].namespace = "govlab/shared"
    status, data = post_share(fetch, share_body(visibility="internal"))
    assert status == 200, data
    assert data["project"].startswith("govlab/shared/report-")
    project = gitlab_server.store.project_by_ref(data["project"])
    assert project["visibility"] == "internal" and project["name"] == "민원 분석 보고서"


def test_korean_file_name_gets_ascii_path(fetch, workspace, gitlab_server):
    write_json(workspace["root"] / "민원분석.ipynb", json.loads(workspace["notebook"].read_text()))
    status, data = post_share(fetch, share_body(path="민원분석.ipynb", chats=[]))
    assert status == 200, data
    path = data["project"].split("/")[1]
    assert path.isascii() and path.startswith("minwonbunseog-")
    assert "민원분석.ipynb" in remote_files(gitlab_server.bare_repo_path(data["project"]))


def test_reshare_keeps_what_was_shared_and_context_returns_it(fetch, workspace, gitlab_server):
    # The re-share's form starts from the last share: every field comes back in `previous`.
    body = share_body(description="첫 설명", visibility="internal", keep_outputs=True)
    status, first = post_share(fetch, body)
    assert status == 200, first
    previous = json.loads(fetch("govlab-share", "context", params={"path": "analysis/report.ipynb"}).body)["previous"]
    assert previous["title"] == "민원 분석 보고서"
    assert previous["description"] == "첫 설명"
    assert previous["visibility"] == "internal"
    assert previous["keep_outputs"] is True
    assert previous["chats"] == ["report.chat", "chats/by-cell.chat"]
    assert previous["files"] == []
    assert previous["project"] == first["project"]  # the old keys are kept

    # Sending that form back unchanged keeps the chats and the purpose in the repository.
    form = dict(
        path="analysis/report.ipynb",
        title=previous["title"],
        description=previous["description"],
        visibility=previous["visibility"],
        chats=previous["chats"],
        keep_outputs=previous["keep_outputs"],
    )
    status, second = post_share(fetch, form)
    assert status == 200, second
    remote = remote_files(gitlab_server.bare_repo_path(second["project"]))
    assert {"chats/report.chat", "chats/by-cell.chat"} <= set(remote)
    assert "첫 설명" in remote["README.md"].decode()
    assert "설명 없음" not in remote["README.md"].decode()


def test_chat_deleted_locally_needs_confirmed_removal(fetch, workspace, gitlab_server):
    status, first = post_share(fetch, share_body())
    assert status == 200, first
    (workspace["root"] / "chats" / "by-cell.chat").unlink()
    status, refused = post_share(fetch, share_body(chats=["report.chat"]))
    assert (status, refused["error"]["code"]) == (409, "chats_removed")
    assert refused["error"]["details"] == ["chats/by-cell.chat"]
    status, second = post_share(fetch, share_body(chats=["report.chat"], remove_chats=["chats/by-cell.chat"]))
    assert status == 200, second
    assert "chats/by-cell.chat" not in remote_files(gitlab_server.bare_repo_path(second["project"]))


def test_record_from_before_the_form_was_kept_still_guards_its_chats(fetch, workspace, gitlab_server, history_file):
    # A share made by the previous version recorded repository paths only: the re-share
    # form still ticks those chats, and leaving one out still needs a confirmation.
    status, first = post_share(fetch, share_body())
    assert status == 200, first
    data = json.loads(history_file.read_text())
    record = data["shares"]["analysis/report.ipynb"]
    for key in ("chats", "description", "visibility", "keep_outputs", "extra_files"):
        record.pop(key, None)
    history_file.write_text(json.dumps(data, ensure_ascii=False))

    previous = json.loads(fetch("govlab-share", "context", params={"path": "analysis/report.ipynb"}).body)["previous"]
    assert sorted(previous["chats"]) == ["chats/by-cell.chat", "report.chat"]

    status, refused = post_share(fetch, share_body(chats=["report.chat"]))
    assert (status, refused["error"]["code"]) == (409, "chats_removed")
    assert refused["error"]["details"] == ["chats/by-cell.chat"]
    assert commit_count(gitlab_server.bare_repo_path(first["project"])) == 1
    status, second = post_share(fetch, share_body(chats=["report.chat"], remove_chats=["chats/by-cell.chat"]))
    assert status == 200, second
    assert "chats/by-cell.chat" not in remote_files(gitlab_server.bare_repo_path(second["project"]))
