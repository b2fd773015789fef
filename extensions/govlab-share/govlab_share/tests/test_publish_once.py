"""Exactly-once commits, no orphan project, best-effort settings (issue 11, items 4 and 8).

Driven through POST /govlab-share/share against the loopback GitLab, whose faults can
apply a request and then lose or break its answer, as a slow proxy in front of GitLab does.
"""

import json
import logging
import threading
import time

import gitlab
import pytest
from jupyter_server.auth.identity import IdentityProvider, User

from .conftest import make_notebook, write_json
from .helpers import commit_count, git, gitlab_calls, post_share, remote_files, share_body

COMMITS = r"/repository/commits$"
PROJECTS = r"^/api/v4/projects$"
BRANCH = r"/repository/branches/"


class StableUser(IdentityProvider):
    """One official across requests (jp_fetch's token user is new on every request):
    a share that recorded nothing must find its project again at the official's path."""

    def generate_anonymous_user(self, handler):
        return User("kim", "김민수", "김민수", "김", None, None)


@pytest.fixture
def jp_server_config(jp_server_config):
    return {**jp_server_config, "ServerApp": {**jp_server_config["ServerApp"], "identity_provider_class": StableUser}}


@pytest.fixture
def cfg(jp_serverapp):
    """The live GovlabShare config of the running server (tests may change it)."""
    return jp_serverapp.web_app.settings["govlab_share"]["config"]


def _posts(gitlab_server, suffix="/repository/commits"):
    """POSTs as the server received them (answered or not)."""
    return [p for m, p in gitlab_server.received if m == "POST" and p.endswith(suffix)]


def _edit_notebook(workspace, text):
    nb = make_notebook()
    nb["cells"][1]["source"] = f"print('{text}')"
    write_json(workspace["notebook"], nb)


def _head(bare):
    return git(bare, "rev-parse", "main").decode().strip()


def _trailer_ids(bare):
    log = git(bare, "log", "--format=%B%x00", "main").decode()
    return [line.split(": ", 1)[1] for line in log.splitlines() if line.startswith("Govlab-Share-Id: ")]


@pytest.mark.parametrize(
    "fault",
    [
        dict(status=None, delay=1.5),  # the answer arrives after the client gave up
        dict(status=502),  # a proxy answers 502 although GitLab committed
    ],
    ids=["timeout", "502"],
)
def test_commit_landed_but_answer_lost_is_a_success(fetch, workspace, gitlab_server, cfg, fault):
    cfg.request_timeout = 0.5
    gitlab_server.fault("POST", COMMITS, after=True, **fault)
    status, data = post_share(fetch, share_body())
    assert status == 200, data
    assert data["warnings"] == []
    bare = gitlab_server.bare_repo_path(data["project"])
    assert commit_count(bare) == 1
    assert data["commit"] == _head(bare)
    assert len(_posts(gitlab_server)) == 1  # never sent twice
    assert len(set(_trailer_ids(bare))) == 1

    # The next share is a normal update of our own files: no 409.
    _edit_notebook(workspace, "두 번째")
    status, again = post_share(fetch, share_body())
    assert status == 200, again
    assert again["updated"] is True and again["project"] == data["project"]
    assert commit_count(bare) == 2
    assert "두 번째" in remote_files(bare)["report.ipynb"].decode()
    assert len(_posts(gitlab_server)) == 2


def test_commit_landed_then_someone_committed_on_top(fetch, workspace, gitlab_server, cfg):
    """Our answer is lost and a colleague commits before we look: ours is found below."""
    status, first = post_share(fetch, share_body())
    assert status == 200, first
    project = gitlab_server.store.project_by_ref(first["project"])
    cfg.request_timeout = 0.8
    gitlab_server.fault("POST", COMMITS, status=None, delay=2.0, after=True)
    gl = gitlab.Gitlab(gitlab_server.url, private_token=gitlab_server.add_token("kim"))

    def colleague():
        deadline = time.monotonic() + 10
        while len(_posts(gitlab_server)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # our commit is applied while its answer is held back
        gl.projects.get(project["id"]).commits.create(
            {
                "branch": "main",
                "commit_message": "메모",
                "actions": [{"action": "create", "file_path": "notes.txt", "content": "동료의 메모\n"}],
            }
        )

    other = threading.Thread(target=colleague)
    other.start()
    _edit_notebook(workspace, "두 번째")
    status, data = post_share(fetch, share_body())
    other.join()
    assert status == 200, data
    bare = gitlab_server.bare_repo_path(first["project"])
    assert commit_count(bare) == 3
    assert data["commit"] == git(bare, "rev-parse", "main~1").decode().strip()  # ours, under theirs
    assert len(_posts(gitlab_server)) == 3  # one per share (never resent) + the colleague's


def test_first_commit_fails_before_applying_leaves_no_project(fetch, workspace, gitlab_server):
    gitlab_server.fault("POST", COMMITS, status=503, count=10)
    status, data = post_share(fetch, share_body())
    assert status == 502, data
    err = data["error"]
    assert err["code"] == "gitlab_unavailable"
    assert "아무것도 바뀌지 않았습니다" in err["message"] and "nothing changed" in err["message_en"]
    assert len(_posts(gitlab_server)) == 2  # one retry, after the head showed nothing landed
    assert gitlab_server.store.projects == {}  # the empty project was removed
    deletes = [(m, s) for m, p, s in gitlab_calls(gitlab_server) if m == "DELETE"]
    assert deletes == [("DELETE", 202)]

    gitlab_server.clear_faults()  # GitLab is back
    status, data = post_share(fetch, share_body())
    assert status == 200, data
    assert data["updated"] is False
    assert len(gitlab_server.store.projects) == 1


def test_failed_removal_leaves_the_project_for_the_next_share(fetch, workspace, gitlab_server, cfg):
    """A Developer in the group may create and push but not delete: the next share reuses it."""
    gitlab_server.add_group("mois", members={"kim": 30})
    cfg.namespace = "mois"
    gitlab_server.fault("POST", COMMITS, status=503, count=2)
    status, data = post_share(fetch, share_body())
    assert (status, data["error"]["code"]) == (502, "gitlab_unavailable")
    assert [s for m, p, s in gitlab_calls(gitlab_server) if m == "DELETE"] == [403]
    (project,) = gitlab_server.store.projects.values()

    status, data = post_share(fetch, share_body())
    assert status == 200, data
    assert list(gitlab_server.store.projects) == [project["id"]]
    assert commit_count(gitlab_server.bare_repo_path(data["project"])) == 1


@pytest.mark.parametrize("first", [True, False], ids=["first_share", "re_share"])
def test_outcome_unknown_is_said_honestly_and_the_next_share_recovers(fetch, workspace, gitlab_server, cfg, first):
    """The commit lands, its answer is lost and GitLab stays down for the check."""
    if not first:
        status, data = post_share(fetch, share_body())
        assert status == 200, data
        _edit_notebook(workspace, "고친 내용")
    cfg.request_timeout = 0.5
    gitlab_server.fault("POST", COMMITS, status=None, delay=1.5, after=True)
    # A re-share reads the head once before committing: let that one through.
    gitlab_server.fault("GET", BRANCH, status=503, count=10, skip=0 if first else 1)
    status, data = post_share(fetch, share_body())
    assert status == 504, data
    err = data["error"]
    assert err["code"] == "gitlab_unavailable"
    assert "확인할 수 없습니다" in err["message"] and "다시 공유하면" in err["message"]
    assert "Could not confirm" in err["message_en"]
    (project,) = gitlab_server.store.projects.values()  # kept: it holds the commit
    bare = gitlab_server.bare_repo_path(gitlab_server.store.full_path(project))
    assert commit_count(bare) == (1 if first else 2)

    gitlab_server.clear_faults()
    status, data = post_share(fetch, share_body())
    assert status == 200, data  # our own landed commit is no conflict
    assert commit_count(bare) == (2 if first else 3)
    assert len(_posts(gitlab_server)) == (2 if first else 3)  # each share sent one POST
    # and the record is right again: one more plain share works too
    _edit_notebook(workspace, "세 번째")
    status, data = post_share(fetch, share_body())
    assert status == 200, data


def test_own_files_on_gitlab_with_the_same_bytes_are_no_conflict(fetch, workspace, gitlab_server):
    """A remote file that already holds exactly the bytes we send is no conflict, even
    though the record (left behind by a share whose answer was lost) says otherwise."""
    status, first = post_share(fetch, share_body(chats=[]))
    assert status == 200, first
    _edit_notebook(workspace, "새 버전")
    # The bytes this share will send for the notebook, via a copy shared elsewhere.
    write_json(workspace["root"] / "copy" / "report.ipynb", json.loads(workspace["notebook"].read_text()))
    status, copy = post_share(fetch, share_body(path="copy/report.ipynb", chats=[]))
    assert status == 200, copy
    new_bytes = remote_files(gitlab_server.bare_repo_path(copy["project"]))["report.ipynb"]
    bare = gitlab_server.bare_repo_path(first["project"])
    assert remote_files(bare)["report.ipynb"] != new_bytes
    gl = gitlab.Gitlab(gitlab_server.url, private_token=gitlab_server.add_token("kim"))
    gl.projects.get(first["project"]).commits.create(
        {
            "branch": "main",
            "commit_message": "same",
            "actions": [{"action": "update", "file_path": "report.ipynb", "content": new_bytes.decode()}],
        }
    )

    status, data = post_share(fetch, share_body(chats=[]))
    assert status == 200, data.get("error", {}).get("details")
    assert remote_files(bare)["report.ipynb"] == new_bytes


def test_project_created_but_answer_lost_is_used(fetch, workspace, gitlab_server, cfg):
    cfg.request_timeout = 0.5
    gitlab_server.fault("POST", PROJECTS, status=None, delay=1.5, after=True)
    status, data = post_share(fetch, share_body())
    assert status == 200, data
    assert len(gitlab_server.store.projects) == 1
    assert len(_posts(gitlab_server, "/api/v4/projects")) == 1  # never sent twice
    assert commit_count(gitlab_server.bare_repo_path(data["project"])) == 1
    assert "govlab" in gitlab_server.store.project_by_ref(data["project"])["topics"]


def test_project_creation_502_before_creating_is_retried_once(fetch, workspace, gitlab_server):
    gitlab_server.fault("POST", PROJECTS, status=502)
    status, data = post_share(fetch, share_body())
    assert status == 200, data
    calls = [
        (m, s)
        for m, p, s in gitlab_calls(gitlab_server)
        if p == "/api/v4/projects" or p.startswith("/api/v4/projects/kim%2F")
    ]
    # POST 502 -> is it there? (404: it was not created) -> POST once more
    assert calls == [("GET", 404), ("POST", 502), ("GET", 404), ("POST", 201)]


@pytest.mark.parametrize("setting", ["visibility", "topic"])
@pytest.mark.parametrize("failure", [403, 503])
def test_settings_update_failure_does_not_fail_the_re_share(
    fetch, workspace, gitlab_server, cfg, caplog, setting, failure
):
    gitlab_server.add_group("mois", members={"kim": 30})  # Developer: may push, not change settings
    cfg.namespace = "mois"
    status, first = post_share(fetch, share_body())
    assert status == 200, first
    project = gitlab_server.store.project_by_ref(first["project"])
    if failure == 503:
        gitlab_server.fault("PUT", r"^/api/v4/projects/\d+$", status=503, count=10)
    if setting == "topic":
        project["topics"] = []  # shared before the gallery existed
        body = share_body()
    else:
        body = share_body(visibility="internal")
    caplog.set_level(logging.WARNING, logger="govlab_share")
    status, data = post_share(fetch, body)
    assert status == 200, data
    assert commit_count(gitlab_server.bare_repo_path(first["project"])) == 2
    puts = [s for m, p, s in gitlab_calls(gitlab_server) if m == "PUT"]
    assert puts and set(puts) == {failure}
    assert any("could not update visibility/topic" in r.getMessage() for r in caplog.records)
    if setting == "visibility":
        (warning,) = data["warnings"]
        assert "공개 범위" in warning["message"] and "'private'" in warning["message"]
        assert "visibility could not be changed" in warning["message_en"]
        assert project["visibility"] == "private"
    else:
        assert data["warnings"] == []


def test_visibility_change_by_a_maintainer_has_no_warning(fetch, workspace, gitlab_server):
    status, first = post_share(fetch, share_body())
    assert status == 200, first
    status, data = post_share(fetch, share_body(visibility="internal"))
    assert status == 200, data
    assert data["warnings"] == []
    assert gitlab_server.store.project_by_ref(first["project"])["visibility"] == "internal"


def test_gallery_topic_comes_from_the_config(fetch, workspace, gitlab_server, cfg):
    cfg.gallery_topic = "govlab-seoul"
    status, data = post_share(fetch, share_body())
    assert status == 200, data
    assert gitlab_server.store.project_by_ref(data["project"])["topics"] == ["govlab-seoul"]
