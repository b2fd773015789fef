"""GET /govlab-share/requests (contract C2): the improvement requests of a shared notebook.

No gallery here (the hub's gallery answers in tests/integration/test_gallery_requests.py):
the counts come from the loopback GitLab with the lab's own token.
"""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import gitlab

from .helpers import post_share, share_body

LABEL = "개선요청"


def get_counts(fetch, path: str):
    resp = fetch("govlab-share", "requests", params={"path": path})
    return resp.code, json.loads(resp.body or b"{}")


def test_never_shared_is_no_project(fetch, workspace):
    assert get_counts(fetch, "analysis/report.ipynb") == (200, {"project": None})


def test_counts_open_and_closed_labelled_issues_of_the_shared_project(fetch, workspace, gitlab_server):
    status, shared = post_share(fetch, share_body(chats=[], visibility="public"))
    assert status == 200, shared
    gitlab_server.add_user("colleague")
    gl = gitlab.Gitlab(gitlab_server.url, private_token=gitlab_server.add_token("colleague"))
    project = gl.projects.get(shared["project"])
    for title in ("열 이름 오류", "그래프 축", "설명 보완"):
        project.issues.create({"title": title, "labels": LABEL})
    project.issues.create({"title": "다른 이슈", "labels": "question"})  # not a request
    owner = gitlab.Gitlab(gitlab_server.url, private_token=gitlab_server.add_token("kim"))
    done = owner.projects.get(shared["project"]).issues.get(2)
    done.state_event = "close"
    done.save()

    status, body = get_counts(fetch, "analysis/report.ipynb")
    assert status == 200, body
    assert (body["project"], body["open"], body["closed"]) == (shared["project"], 2, 1)
    # No gallery configured: GitLab's list of the labelled issues.
    assert body["url"] == f"{shared['web_url']}/-/issues?label_name%5B%5D={quote(LABEL)}"


def test_a_bad_path_is_refused_in_korean_and_english(fetch, workspace):
    for path, status in (("../etc/passwd.ipynb", 403), ("nowhere.ipynb", 404), ("report.chat", 403)):
        code, body = get_counts(fetch, path)
        assert code == status, (path, code, body)
        assert body["message"]["ko"] and body["message"]["en"]


def test_a_gitlab_that_does_not_answer_is_503_within_the_request_timeout(fetch, workspace, gitlab_server):
    status, shared = post_share(fetch, share_body(chats=[]))
    assert status == 200, shared
    gitlab_server.fault("GET", r"/issues$", status=None, delay=30, count=5)
    started = time.monotonic()
    code, body = get_counts(fetch, "analysis/report.ipynb")
    took = time.monotonic() - started
    gitlab_server.clear_faults()
    assert code == 503 and body["message"]["ko"].startswith("개선 요청 수를") and body["message"]["en"]
    assert took < 15  # request_timeout is 5 s; the slow GitLab holds its answer 30 s
    # GitLab refusing (a 500) is the same answer, not a raw error.
    gitlab_server.fault("GET", r"/issues$", status=500, count=5)
    code, body = get_counts(fetch, "analysis/report.ipynb")
    assert code == 503 and "Traceback" not in json.dumps(body)
