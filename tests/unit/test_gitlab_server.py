"""The loopback GitLab stand-in, driven by python-gitlab and plain requests.

Bodies and statuses are compared with GitLab's REST v4 and OAuth documentation.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import warnings

import gitlab
import pytest
import requests

KOREAN = "행정 데이터 분석 노트북 - 주민 민원 통계"
BINARY = bytes(range(256)) * 4 + b"\x00\xff\x89PNG\r\n\x1a\n"
EXPIRED_BODY = {
    "error": "invalid_token",
    "error_description": "Token is expired. You can either do re-authorization or token refresh.",
}


def _git_env(home):
    # Isolated from any user/system git config or credential helper.
    return dict(os.environ, HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="/bin/false")


def _clone(url, dest, home, token=None):
    if token:
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://oauth2:{token}@{rest}"
    return subprocess.run(
        ["git", "clone", "-q", url, str(dest)], capture_output=True, text=True, env=_git_env(home), timeout=60
    )


def _head(repo, branch="main"):
    out = subprocess.run(
        ["git", "--git-dir", repo, "rev-parse", "--verify", "-q", f"refs/heads/{branch}"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or None


@pytest.fixture
def alice(gitlab_server):
    gitlab_server.add_user("alice", name="김앨리스", email="alice@gov.example")
    token = gitlab_server.add_token("alice")
    gl = gitlab.Gitlab(gitlab_server.url, private_token=token)
    gl.token = token
    return gl


def _project(gl, **kw):
    data = {"name": "share-demo", "visibility": "private", "description": KOREAN}
    data.update(kw)
    return gl.projects.create(data)


def _api(server, method, path, token=None, bearer=False, **kw):
    headers = kw.pop("headers", {})
    if token:
        headers["Authorization" if bearer else "PRIVATE-TOKEN"] = f"Bearer {token}" if bearer else token
    return requests.request(method, f"{server.url}/api/v4{path}", headers=headers, timeout=10, **kw)


# --------------------------------------------------------------------------- basics
def test_auth_echoes_base_url_without_python_gitlab_warning(gitlab_server, alice):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # python-gitlab warns on a foreign web_url
        alice.auth()
    assert alice.user.username == "alice"
    assert alice.user.web_url == f"{gitlab_server.url}/alice"
    assert alice.user.name == "김앨리스"


def test_create_project_in_user_and_group_namespace(gitlab_server, alice):
    gitlab_server.add_user("bob")
    group = gitlab_server.add_group("mois", members={"alice": 30, "bob": 20})
    mine = _project(alice, topics=["ai", "행정"])
    theirs = _project(
        alice,
        name="Group Demo",
        path="group-demo",
        namespace_id=group["id"],
        visibility="public",
        initialize_with_readme=True,
    )

    assert mine.path_with_namespace == "alice/share-demo"
    assert mine.description == KOREAN
    assert mine.topics == ["ai", "행정"]
    assert mine.web_url == f"{gitlab_server.url}/alice/share-demo"
    assert mine.default_branch == "main" and mine.empty_repo is True
    assert theirs.path_with_namespace == "mois/group-demo"
    assert theirs.namespace["kind"] == "group" and theirs.empty_repo is False
    # Lookup by URL-encoded full path gives the same project.
    assert alice.projects.get("mois/group-demo").id == theirs.id
    # The repository really exists as a bare repo with the README commit.
    repo = gitlab_server.bare_repo_path("mois/group-demo")
    assert os.path.isfile(os.path.join(repo, "HEAD")) and _head(repo)
    assert [p.id for p in alice.groups.get("mois").projects.list()] == [theirs.id]

    updated = alice.projects.get(mine.id)
    updated.description = "수정된 설명"
    updated.visibility = "internal"
    updated.save()
    again = alice.projects.get("alice/share-demo")
    assert (again.description, again.visibility) == ("수정된 설명", "internal")


@pytest.mark.parametrize(
    "payload, status, body",
    [
        (
            {"name": "share-demo"},
            400,
            {"message": {"name": ["has already been taken"], "path": ["has already been taken"]}},
        ),
        ({"name": "other", "path": "share-demo"}, 400, {"message": {"path": ["has already been taken"]}}),
        ({"name": "x", "namespace_id": "mois"}, 400, {"message": {"namespace": ["is not valid"]}}),
        ({"name": "x", "namespace_id": "bob"}, 400, {"message": {"namespace": ["is not valid"]}}),
        (
            {"name": "노트북", "path": "노트북"},
            400,
            {
                "message": {
                    "path": [
                        "can contain only letters, digits, '_', '-' and '.'. "
                        "Cannot start with '-', end in '.git' or end in '.atom'",
                        "must not start or end with a special character and must not contain "
                        "consecutive special characters.",
                    ]
                }
            },
        ),
        ({"description": "no name"}, 400, {"error": "name, path are missing, at least one parameter must be provided"}),
        ({"name": "x", "visibility": "secret"}, 400, {"error": "visibility does not have a valid value"}),
    ],
)
def test_create_project_errors(gitlab_server, alice, payload, status, body):
    gitlab_server.add_user("bob")
    gitlab_server.add_group("mois", members={"alice": 20})  # Reporter may not create
    _project(alice)
    r = _api(gitlab_server, "POST", "/projects", alice.token, json=payload)
    assert (r.status_code, r.json()) == (status, body)
    assert len(gitlab_server.store.projects) == 1


# --------------------------------------------------------------------------- commits
def test_commit_many_files_and_clone_byte_for_byte(gitlab_server, alice, tmp_path):
    p = _project(alice)
    files = {
        "분석.ipynb": '{"cells": [], "metadata": {"title": "민원 통계"}}\n'.encode(),
        "chats/session.chat": b'{"messages": [{"body": "\xec\x95\x88\xeb\x85\x95"}]}',
        "README.md": f"# {KOREAN}\n".encode(),
        "data/sample.bin": BINARY,
    }
    actions = [
        {"action": "create", "file_path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"}
        if path.endswith(".bin")
        else {"action": "create", "file_path": path, "content": data.decode()}
        for path, data in files.items()
    ]
    commit = p.commits.create(
        {
            "branch": "main",
            "commit_message": "공유: 분석 노트북\n\n본문",
            "actions": actions,
            "author_name": "김공무원",
            "author_email": "kim@gov.example",
        }
    )
    assert commit.title == "공유: 분석 노트북" and commit.parent_ids == []
    assert (commit.author_name, commit.author_email) == ("김공무원", "kim@gov.example")
    assert (commit.committer_name, commit.committer_email) == ("김앨리스", "alice@gov.example")
    assert commit.web_url == f"{gitlab_server.url}/alice/share-demo/-/commit/{commit.id}"
    assert _head(gitlab_server.bare_repo_path("alice/share-demo")) == commit.id

    res = _clone(p.http_url_to_repo, tmp_path / "clone", tmp_path, token=alice.token)
    assert res.returncode == 0, res.stderr
    for path, data in files.items():
        assert (tmp_path / "clone" / path).read_bytes() == data, path
    tracked = subprocess.run(
        ["git", "-C", str(tmp_path / "clone"), "ls-files"], capture_output=True, text=True, env=_git_env(tmp_path)
    ).stdout
    assert len(tracked.splitlines()) == len(files)

    f = p.files.get("data/sample.bin", ref="main")
    assert f.decode() == BINARY
    assert f.content_sha256 == hashlib.sha256(BINARY).hexdigest()
    assert f.blob_id == hashlib.sha1(b"blob %d\0" % len(BINARY) + BINARY).hexdigest()
    assert f.last_commit_id == commit.id == f.commit_id
    assert p.files.raw("분석.ipynb", ref="main") == files["분석.ipynb"]


def test_update_move_delete_chmod_and_last_commit_id(gitlab_server, alice):
    p = _project(alice)
    first = p.commits.create(
        {
            "branch": "main",
            "commit_message": "init",
            "actions": [
                {"action": "create", "file_path": "a.txt", "content": "a"},
                {"action": "create", "file_path": "b.txt", "content": "b"},
                {"action": "create", "file_path": "dir/c.sh", "content": "echo c"},
                {"action": "create", "file_path": "old.txt", "content": "old"},
            ],
        }
    )
    second = p.commits.create(
        {
            "branch": "main",
            "commit_message": "edit",
            "actions": [
                {"action": "update", "file_path": "a.txt", "content": "a2", "last_commit_id": first.id},
                {"action": "delete", "file_path": "b.txt"},
                {"action": "move", "file_path": "new/place.txt", "previous_path": "old.txt"},
                {"action": "chmod", "file_path": "dir/c.sh", "execute_filemode": True},
            ],
        }
    )
    assert second.parent_ids == [first.id]
    tree = {t["path"]: t for t in p.repository_tree(recursive=True, get_all=True)}
    assert set(tree) == {"a.txt", "dir", "dir/c.sh", "new", "new/place.txt"}
    assert tree["dir/c.sh"]["mode"] == "100755" and tree["dir"]["type"] == "tree"
    assert p.files.raw("new/place.txt", ref="main") == b"old"
    assert p.files.get("a.txt", ref="main").last_commit_id == second.id
    # c.sh only changed mode in `second`; an untouched file keeps its last commit.
    third = p.commits.create(
        {
            "branch": "main",
            "commit_message": "c",
            "actions": [{"action": "create", "file_path": "z.txt", "content": "z"}],
        }
    )
    assert p.files.get("a.txt", ref="main").last_commit_id == second.id != third.id
    head = p.files.head("a.txt", ref="main")
    assert head["X-Gitlab-Last-Commit-Id"] == second.id
    assert head["X-Gitlab-Commit-Id"] == third.id
    assert head["X-Gitlab-Size"] == "2"
    assert [c.id for c in p.commits.list(get_all=True)] == [third.id, second.id, first.id]
    assert p.commits.get(second.id).stats["total"] > 0
    sub = p.repository_tree(path="new", get_all=True)
    assert [(t["name"], t["path"]) for t in sub] == [("place.txt", "new/place.txt")]


SEED = [
    {"action": "create", "file_path": "dir/nb.ipynb", "content": "{}"},
    {"action": "create", "file_path": "keep.txt", "content": "k"},
]
OK = {"action": "create", "file_path": "fresh.txt", "content": "new"}


@pytest.mark.parametrize(
    "extra, actions, message",
    [
        (
            {},
            [OK, {"action": "create", "file_path": "keep.txt", "content": "x"}],
            "A file with this name already exists",
        ),
        (
            {},
            [OK, {"action": "update", "file_path": "missing.txt", "content": "x"}],
            "A file with this name doesn't exist",
        ),
        ({}, [OK, {"action": "delete", "file_path": "missing.txt"}], "A file with this name doesn't exist"),
        (
            {},
            [OK, {"action": "create", "file_path": "dir", "content": "x"}],
            "A directory with this name already exists",
        ),
        (
            {},
            [OK, {"action": "create", "file_path": "../etc/passwd", "content": "x"}],
            "Path cannot include directory traversal",
        ),
        ({}, [OK, {"action": "create", "file_path": "", "content": "x"}], "You must provide a file path"),
        (
            {},
            [OK, {"action": "update", "file_path": "keep.txt", "content": "x", "last_commit_id": "0" * 40}],
            "The file has changed since you started editing it: keep.txt",
        ),
        (
            {"start_branch": "nope", "branch": "feature"},
            [OK],
            "You can only create or edit files when you are on a branch",
        ),
        ({"branch": "no-such-branch"}, [OK], "You can only create or edit files when you are on a branch"),
    ],
)
def test_commit_errors_are_400_and_write_nothing(gitlab_server, alice, extra, actions, message):
    p = _project(alice)
    seed = p.commits.create({"branch": "main", "commit_message": "seed", "actions": SEED})
    repo = gitlab_server.bare_repo_path("alice/share-demo")
    refs_before = subprocess.run(["git", "--git-dir", repo, "show-ref"], capture_output=True, text=True).stdout
    payload = {"branch": "main", "commit_message": "bad", "actions": actions, **extra}
    r = _api(gitlab_server, "POST", f"/projects/{p.id}/repository/commits", alice.token, json=payload)
    assert (r.status_code, r.json()) == (400, {"message": message})
    assert _head(repo) == seed.id
    assert subprocess.run(["git", "--git-dir", repo, "show-ref"], capture_output=True, text=True).stdout == refs_before


@pytest.mark.parametrize(
    "payload, error",
    [
        ({"commit_message": "m", "actions": []}, "branch is missing"),
        ({"branch": "main", "actions": []}, "commit_message is missing"),
        (
            {"branch": "main", "commit_message": "m", "actions": [{"action": "rename", "file_path": "a"}]},
            "actions[0][action] does not have a valid value",
        ),
    ],
)
def test_commit_missing_params_use_error_key(gitlab_server, alice, payload, error):
    p = _project(alice)
    r = _api(gitlab_server, "POST", f"/projects/{p.id}/repository/commits", alice.token, json=payload)
    assert (r.status_code, r.json()) == (400, {"error": error})


def test_second_commit_on_new_branch_with_start_branch(gitlab_server, alice):
    p = _project(alice, initialize_with_readme=True)
    c = p.commits.create(
        {
            "branch": "share/v2",
            "start_branch": "main",
            "commit_message": "b",
            "actions": [{"action": "create", "file_path": "x", "content": "1"}],
        }
    )
    repo = gitlab_server.bare_repo_path("alice/share-demo")
    assert _head(repo, "share/v2") == c.id and c.parent_ids == [_head(repo)]


# --------------------------------------------------------------------------- auth & access
def test_auth_errors_have_gitlab_bodies(gitlab_server, alice):
    gitlab_server.add_user("bob")
    p = _project(alice)
    read_user = gitlab_server.add_token("alice", scopes=("read_user",))
    expired = gitlab_server.add_token("alice", kind="oauth", expired=True)
    bob = gitlab_server.add_token("bob")
    commit = {
        "branch": "main",
        "commit_message": "m",
        "actions": [{"action": "create", "file_path": "f", "content": "x"}],
    }
    insufficient = {
        "error": "insufficient_scope",
        "error_description": "The request requires higher privileges than provided by the access token.",
        "scope": "api",
    }
    cases = [
        ("GET", "/user", None, False, None, 401, {"message": "401 Unauthorized"}),
        ("GET", "/user", "glpat-nope", False, None, 401, {"message": "401 Unauthorized"}),
        ("GET", "/user", "nope", True, None, 401, {"message": "401 Unauthorized"}),
        ("GET", "/user", expired, True, None, 401, EXPIRED_BODY),
        ("GET", "/user", read_user, False, None, 200, None),
        ("POST", "/projects", read_user, False, {"name": "x"}, 403, insufficient),
        ("POST", f"/projects/{p.id}/repository/commits", read_user, False, commit, 403, insufficient),
        ("GET", f"/projects/{p.id}", None, False, None, 404, {"message": "404 Project Not Found"}),
        ("GET", f"/projects/{p.id}", bob, False, None, 404, {"message": "404 Project Not Found"}),
        ("GET", "/projects/alice%2Fshare-demo", bob, False, None, 404, {"message": "404 Project Not Found"}),
        ("POST", f"/projects/{p.id}/repository/commits", bob, False, commit, 404, {"message": "404 Project Not Found"}),
        ("GET", "/groups/nope", alice.token, False, None, 404, {"message": "404 Group Not Found"}),
        ("GET", "/no/such/route", alice.token, False, None, 404, {"error": "404 Not Found"}),
    ]
    for method, path, token, bearer, body, status, expected in cases:
        r = _api(gitlab_server, method, path, token, bearer=bearer, json=body)
        assert r.status_code == status, (method, path, r.text)
        if expected is not None:
            assert r.json() == expected, (method, path)
    # python-gitlab maps them to its exception types.
    with pytest.raises(gitlab.GitlabAuthenticationError) as e:
        gitlab.Gitlab(gitlab_server.url, oauth_token=expired).auth()
    assert e.value.error_message == "invalid_token"
    assert gitlab_server.store.projects[p.id]["path"] == "share-demo"
    assert _head(gitlab_server.bare_repo_path("alice/share-demo")) is None


def test_push_needs_developer_in_group(gitlab_server, alice):
    gitlab_server.add_user("rita")
    gitlab_server.add_user("dev")
    group = gitlab_server.add_group("mois", members={"alice": 50, "rita": 20, "dev": 30})
    p = _project(alice, namespace_id=group["id"])
    commit = {
        "branch": "main",
        "commit_message": "m",
        "actions": [{"action": "create", "file_path": "f", "content": "x"}],
    }
    r = _api(
        gitlab_server, "POST", f"/projects/{p.id}/repository/commits", gitlab_server.add_token("rita"), json=commit
    )
    assert (r.status_code, r.json()) == (
        403,
        {"message": "403 Forbidden - You are not allowed to push into this branch"},
    )
    r = _api(gitlab_server, "POST", f"/projects/{p.id}/repository/commits", gitlab_server.add_token("dev"), json=commit)
    assert r.status_code == 201 and r.json()["committer_name"] == "dev"


def test_private_project_invisible_to_others(gitlab_server, alice, tmp_path):
    gitlab_server.add_user("bob")
    bob = gitlab.Gitlab(gitlab_server.url, private_token=gitlab_server.add_token("bob"))
    secret = _project(alice, name="secret")
    public = _project(alice, name="open", visibility="public", initialize_with_readme=True)
    secret.commits.create(
        {"branch": "main", "commit_message": "m", "actions": [{"action": "create", "file_path": "f", "content": "x"}]}
    )

    assert [p.id for p in bob.projects.list(get_all=True)] == [public.id]
    assert {p.id for p in alice.projects.list(get_all=True)} == {public.id, secret.id}
    with pytest.raises(gitlab.GitlabGetError) as e:
        bob.projects.get("alice/secret")
    assert e.value.response_code == 404
    anon = gitlab.Gitlab(gitlab_server.url)
    assert [p.id for p in anon.projects.list(get_all=True)] == [public.id]

    assert _clone(public.http_url_to_repo, tmp_path / "pub", tmp_path).returncode == 0
    assert (tmp_path / "pub" / "README.md").exists()
    anon_clone = _clone(secret.http_url_to_repo, tmp_path / "a", tmp_path)
    assert anon_clone.returncode != 0
    bob_clone = _clone(secret.http_url_to_repo, tmp_path / "b", tmp_path, token=bob.private_token)
    assert bob_clone.returncode != 0 and not (tmp_path / "b" / "f").exists()
    assert ("GET", "/alice/secret.git/info/refs", 401) in gitlab_server.requests_log
    assert ("GET", "/alice/secret.git/info/refs", 404) in gitlab_server.requests_log
    r = requests.post(f"{gitlab_server.url}/alice/open.git/git-receive-pack", data=b"0000", timeout=10)
    assert r.status_code == 403  # read-only smart HTTP


def test_groups_namespaces_and_members(gitlab_server, alice):
    gitlab_server.add_user("bob")
    top = gitlab_server.add_group("mois", members={"alice": 40})
    sub = gitlab_server.add_group("mois/ai-lab")
    bob_id = gitlab_server.store.user_by_username("bob")["id"]
    assert alice.groups.get("mois/ai-lab").id == sub["id"]
    alice_id = gitlab_server.store.user_by_username("alice")["id"]
    member = alice.groups.get(sub["id"]).members_all.get(alice_id)
    assert member.access_level == 40  # inherited from the parent group
    r = _api(gitlab_server, "GET", f"/groups/{top['id']}/members/all/{bob_id}", alice.token)
    assert (r.status_code, r.json()) == (404, {"message": "404 Not found"})
    paths = sorted(n.full_path for n in alice.namespaces.list(get_all=True))
    assert paths == ["alice", "mois", "mois/ai-lab"]
    assert alice.namespaces.get(top["id"]).kind == "group"
    new = alice.groups.create({"name": "새 그룹", "path": "new-group"})
    assert new.full_path == "new-group" and new.web_url == f"{gitlab_server.url}/groups/new-group"
    r = _api(gitlab_server, "GET", "/groups/mois", gitlab_server.add_token("bob"))
    assert (r.status_code, r.json()) == (404, {"message": "404 Group Not Found"})
    users = _api(gitlab_server, "GET", "/users?username=bob", alice.token).json()
    assert [u["id"] for u in users] == [bob_id]


def test_files_not_found_and_ref_errors(gitlab_server, alice):
    p = _project(alice, initialize_with_readme=True)
    base = f"/projects/{p.id}/repository"
    cases = [
        (f"{base}/files/nope.txt?ref=main", 404, {"message": "404 File Not Found"}),
        (f"{base}/files/README.md?ref=nope", 404, {"message": "404 Commit Not Found"}),
        (f"{base}/files/README.md", 400, {"error": "ref is missing"}),
        (f"{base}/commits/{'f' * 40}", 404, {"message": "404 Commit Not Found"}),
        (f"{base}/tree?path=nope", 404, {"message": "404 Tree Not Found"}),
    ]
    for path, status, body in cases:
        r = _api(gitlab_server, "GET", path, alice.token)
        assert (r.status_code, r.json()) == (status, body), path
    r = _api(gitlab_server, "HEAD", f"{base}/files/nope.txt?ref=main", alice.token)
    assert r.status_code == 404


# --------------------------------------------------------------------------- pagination
def test_pagination_headers_and_python_gitlab_get_all(gitlab_server, alice):
    for i in range(25):
        gitlab_server.store.create_project(
            gitlab_server.store.user_by_username("alice"),
            gitlab_server.store.namespaces[gitlab_server.store.user_by_username("alice")["namespace_id"]],
            f"p{i:02d}",
            f"p{i:02d}",
            "private",
        )
    r = _api(gitlab_server, "GET", "/projects?per_page=10&page=2&membership=true", alice.token)
    assert len(r.json()) == 10
    assert (
        r.headers["X-Total"],
        r.headers["X-Total-Pages"],
        r.headers["X-Page"],
        r.headers["X-Next-Page"],
        r.headers["X-Prev-Page"],
    ) == ("25", "3", "2", "3", "1")
    nxt = r.links["next"]["url"]
    assert nxt.startswith(gitlab_server.url) and "page=3" in nxt
    last = requests.get(nxt, headers={"PRIVATE-TOKEN": alice.token}, timeout=10)
    assert len(last.json()) == 5 and last.headers["X-Next-Page"] == ""
    assert "next" not in last.links
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        names = [p.name for p in alice.projects.list(get_all=True, per_page=7)]
    assert len(names) == 25 and len(set(names)) == 25
    assert [p.name for p in alice.projects.list(search="p07")] == ["p07"]


# --------------------------------------------------------------------------- faults & limits
def test_429_retry_after_obeyed_by_python_gitlab(gitlab_server, alice):
    p = _project(alice)
    gitlab_server.fault("POST", r"/repository/commits$", status=429, retry_after=1)
    start = time.monotonic()
    c = p.commits.create(
        {"branch": "main", "commit_message": "m", "actions": [{"action": "create", "file_path": "f", "content": "x"}]}
    )
    assert time.monotonic() - start >= 1.0
    assert c.id
    statuses = [s for m, path, s in gitlab_server.requests_log if path.endswith("/commits")]
    assert statuses == [429, 201]


def test_429_body_is_plain_text(gitlab_server, alice):
    gitlab_server.fault("GET", r"^/api/v4/user$", status=429, retry_after=7)
    r = _api(gitlab_server, "GET", "/user", alice.token)
    assert r.status_code == 429 and r.text == "Retry later\n"
    assert r.headers["Retry-After"] == "7" and r.headers["Content-Type"].startswith("text/plain")
    assert _api(gitlab_server, "GET", "/user", alice.token).status_code == 200  # count=1


def test_large_requests_rate_limited_three_per_window(gitlab_server, alice):
    gitlab_server.limiter.threshold = 1000
    gitlab_server.limiter.window = 30
    p = _project(alice)
    big = {
        "branch": "main",
        "commit_message": "m",
        "actions": [{"action": "create", "file_path": "big-%d.txt", "content": "x" * 2000}],
    }
    statuses = []
    for i in range(4):
        payload = {**big, "actions": [dict(big["actions"][0], file_path=f"big-{i}.txt")]}
        r = _api(gitlab_server, "POST", f"/projects/{p.id}/repository/commits", alice.token, json=payload)
        statuses.append(r.status_code)
    assert statuses == [201, 201, 201, 429]
    assert r.text == "Retry later\n"
    assert 1 <= int(r.headers["Retry-After"]) <= 30
    assert r.headers["RateLimit-Limit"] == "3" and r.headers["RateLimit-Remaining"] == "0"
    assert int(r.headers["RateLimit-Reset"]) >= int(time.time())
    # Small requests are not limited.
    assert _api(gitlab_server, "GET", f"/projects/{p.id}", alice.token).status_code == 200
    with pytest.raises(gitlab.GitlabCreateError) as e:
        p.commits.create({**big, "actions": [dict(big["actions"][0], file_path="big-9.txt")]}, obey_rate_limit=False)
    assert e.value.response_code == 429


@pytest.mark.parametrize(
    "status, message",
    [
        (500, "500 Internal Server Error"),
        (502, "502 Bad Gateway"),
        (503, "503 Service Unavailable"),
    ],
)
def test_5xx_fault_then_retry_transient_errors(gitlab_server, alice, status, message):
    p = _project(alice)
    commit = {
        "branch": "main",
        "commit_message": "m",
        "actions": [{"action": "create", "file_path": "f", "content": "x"}],
    }
    gitlab_server.fault("POST", r"/repository/commits$", status=status, count=1)
    with pytest.raises(gitlab.GitlabCreateError) as e:
        p.commits.create(commit)
    assert (e.value.response_code, e.value.error_message) == (status, message)
    assert _head(gitlab_server.bare_repo_path("alice/share-demo")) is None

    gitlab_server.fault("POST", r"/repository/commits$", status=status, count=2)
    retrying = gitlab.Gitlab(gitlab_server.url, private_token=alice.token, retry_transient_errors=True)
    c = retrying.projects.get(p.id, lazy=True).commits.create(commit)
    assert _head(gitlab_server.bare_repo_path("alice/share-demo")) == c.id
    statuses = [s for m, path, s in gitlab_server.requests_log if path.endswith("/commits")]
    assert statuses == [status, status, status, 201]


def test_slow_gitlab_vs_client_timeout(gitlab_server, alice):
    gitlab_server.fault("GET", r"^/api/v4/user$", status=None, delay=1.5)
    slow = gitlab.Gitlab(gitlab_server.url, private_token=alice.token, timeout=0.3)
    with pytest.raises(requests.exceptions.Timeout):
        slow.auth()
    slow.auth()  # the fault was used up; the server is still responsive
    assert slow.user.username == "alice"
    gitlab_server.fault("GET", r"^/api/v4/user$", status=None, delay=0.5)
    patient = gitlab.Gitlab(gitlab_server.url, private_token=alice.token, timeout=5)
    start = time.monotonic()
    patient.auth()
    assert time.monotonic() - start >= 0.5


def test_body_over_limit_is_413_and_writes_nothing(gitlab_server, alice):
    gitlab_server.config.max_body_size = 10_000
    p = _project(alice)
    payload = {
        "branch": "main",
        "commit_message": "m",
        "actions": [{"action": "create", "file_path": "big.txt", "content": "x" * 20_000}],
    }
    r = _api(gitlab_server, "POST", f"/projects/{p.id}/repository/commits", alice.token, json=payload)
    assert r.status_code == 413
    assert _head(gitlab_server.bare_repo_path("alice/share-demo")) is None
    payload["actions"][0]["content"] = "x" * 100
    r = _api(gitlab_server, "POST", f"/projects/{p.id}/repository/commits", alice.token, json=payload)
    assert r.status_code == 201


# --------------------------------------------------------------------------- OAuth
def test_oauth_code_and_refresh_flow(gitlab_server):
    gitlab_server.add_user("official", name="공무원")
    cb = "http://127.0.0.1:8000/hub/oauth_callback"
    gitlab_server.add_oauth_app("hub-client", "hub-secret", cb)
    authorize = f"{gitlab_server.url}/oauth/authorize"
    params = {
        "client_id": "hub-client",
        "redirect_uri": cb,
        "response_type": "code",
        "state": "xyz",
        "scope": "api read_user",
    }

    # Not logged in: GitLab sends the browser to its sign-in page.
    r = requests.get(authorize, params=params, allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"].endswith("/users/sign_in")

    gitlab_server.login_as("official")
    r = requests.get(authorize, params=params, allow_redirects=False, timeout=10)
    assert r.status_code == 302
    loc = urllib.parse.urlsplit(r.headers["Location"])
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == cb
    q = urllib.parse.parse_qs(loc.query)
    assert q["state"] == ["xyz"]
    code = q["code"][0]

    token_url = f"{gitlab_server.url}/oauth/token"
    grant = {
        "client_id": "hub-client",
        "client_secret": "hub-secret",
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": cb,
    }
    tok = requests.post(token_url, data=grant, timeout=10).json()
    assert tok["token_type"] == "Bearer" and tok["expires_in"] == 7200
    assert tok["scope"] == "api read_user" and isinstance(tok["created_at"], int)
    # A code is single-use.
    again = requests.post(token_url, data=grant, timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    gl = gitlab.Gitlab(gitlab_server.url, oauth_token=tok["access_token"])
    gl.auth()
    assert gl.user.username == "official"
    assert gl.projects.create({"name": "via-oauth"}).path_with_namespace == "official/via-oauth"

    refreshed = requests.post(
        token_url,
        data={
            "client_id": "hub-client",
            "client_secret": "hub-secret",
            "grant_type": "refresh_token",
            "refresh_token": tok["refresh_token"],
        },
        timeout=10,
    ).json()
    assert refreshed["access_token"] != tok["access_token"]
    assert refreshed["refresh_token"] != tok["refresh_token"]
    reuse = requests.post(
        token_url,
        data={
            "client_id": "hub-client",
            "client_secret": "hub-secret",
            "grant_type": "refresh_token",
            "refresh_token": tok["refresh_token"],
        },
        timeout=10,
    )
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # Using the new token revokes the old one (Doorkeeper's rotation on use).
    assert _api(gitlab_server, "GET", "/user", refreshed["access_token"], bearer=True).ok
    old = _api(gitlab_server, "GET", "/user", tok["access_token"], bearer=True)
    assert old.status_code == 401 and old.json()["error"] == "invalid_token"


@pytest.mark.parametrize(
    "change, status, error",
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "other"}, 401, "invalid_client"),
        ({"redirect_uri": "http://evil.example/cb"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_oauth_token_errors(gitlab_server, change, status, error):
    gitlab_server.add_user("official")
    cb = "http://127.0.0.1:8000/cb"
    gitlab_server.add_oauth_app("hub-client", "hub-secret", cb)
    gitlab_server.login_as("official")
    r = requests.get(
        f"{gitlab_server.url}/oauth/authorize",
        allow_redirects=False,
        timeout=10,
        params={"client_id": "hub-client", "redirect_uri": cb, "response_type": "code", "scope": "read_user"},
    )
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["Location"]).query)["code"][0]
    data = {
        "client_id": "hub-client",
        "client_secret": "hub-secret",
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": cb,
        **change,
    }
    r = requests.post(f"{gitlab_server.url}/oauth/token", data=data, timeout=10)
    assert (r.status_code, r.json()["error"]) == (status, error)


def test_oauth_authorize_rejects_unknown_client_and_redirect(gitlab_server):
    gitlab_server.add_user("official")
    gitlab_server.add_oauth_app("hub-client", "s", "http://127.0.0.1:8000/cb")
    gitlab_server.login_as("official")
    url = f"{gitlab_server.url}/oauth/authorize"
    base = {"client_id": "hub-client", "redirect_uri": "http://127.0.0.1:8000/cb", "response_type": "code"}
    r = requests.get(url, params={**base, "client_id": "x"}, allow_redirects=False, timeout=10)
    assert r.status_code == 401 and "Location" not in r.headers
    r = requests.get(url, params={**base, "redirect_uri": "http://evil.example/"}, allow_redirects=False, timeout=10)
    assert r.status_code == 400 and "Location" not in r.headers
    r = requests.get(url, params={**base, "scope": "sudo"}, allow_redirects=False, timeout=10)
    assert r.status_code == 302 and "error=invalid_scope" in r.headers["Location"]


def test_expired_oauth_token_and_read_user_scope(gitlab_server):
    gitlab_server.add_user("official")
    gitlab_server.config.oauth_expires_in = 0  # minted already expired
    cb = "http://127.0.0.1:8000/cb"
    gitlab_server.add_oauth_app("c", "s", cb)
    gitlab_server.login_as("official")
    r = requests.get(
        f"{gitlab_server.url}/oauth/authorize",
        allow_redirects=False,
        timeout=10,
        params={"client_id": "c", "redirect_uri": cb, "response_type": "code", "scope": "read_user"},
    )
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["Location"]).query)["code"][0]
    tok = requests.post(
        f"{gitlab_server.url}/oauth/token",
        timeout=10,
        data={
            "client_id": "c",
            "client_secret": "s",
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": cb,
        },
    ).json()
    r = _api(gitlab_server, "GET", "/user", tok["access_token"], bearer=True)
    assert (r.status_code, r.json()) == (401, EXPIRED_BODY)
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


# --------------------------------------------------------------------------- standalone
def test_standalone_command_serves_the_api(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "govlab_share.testing.gitlab_server",
            "--port",
            str(port),
            "--data",
            str(tmp_path / "data"),
            "--user",
            "dev",
            "--token",
            "glpat-dev",
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                r = requests.get(
                    f"http://127.0.0.1:{port}/api/v4/user", headers={"PRIVATE-TOKEN": "glpat-dev"}, timeout=2
                )
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("standalone server did not start")
        assert r.status_code == 200 and r.json()["username"] == "dev"
    finally:
        proc.terminate()
        proc.wait(10)


def test_project_listing_filters_topics_and_order(gitlab_server, alice):
    gitlab_server.add_user("bob")
    gitlab_server.add_group("shared", {"alice": 30}, visibility="public")
    seed = gitlab_server.add_project
    seed("shared", "민원 분석", "minwon", "public", ["govlab", "민원"])
    seed("shared", "예산", "budget", "internal", ["GovLab"])
    seed("shared", "초안", "draft", "private", ["govlab"])
    seed("bob", "밥의 것", "bobs", "private", ["govlab"])
    seed("shared", "무관", "other", "public", [])

    def paths(**params):
        return [p.path_with_namespace for p in alice.projects.list(get_all=True, **params)]

    # Topic names match case-insensitively; bob's private project stays invisible.
    assert sorted(paths(topic="govlab")) == ["shared/budget", "shared/draft", "shared/minwon"]
    assert paths(topic="govlab,민원") == ["shared/minwon"]
    assert paths(topic="govlab", visibility="private") == ["shared/draft"]
    assert sorted(paths(topic="govlab", membership=True)) == ["shared/budget", "shared/draft", "shared/minwon"]
    assert paths(search="shared/min", search_namespaces=True) == ["shared/minwon"]
    assert paths(search="shared/min") == []
    assert paths(order_by="name", sort="asc")[:2] == ["shared/other", "shared/minwon"]  # 무관 < 민원
    r = requests.get(f"{gitlab_server.url}/api/v4/projects", params={"order_by": "stars"})
    assert r.status_code == 400 and r.json() == {"error": "order_by does not have a valid value"}
    anon = requests.get(f"{gitlab_server.url}/api/v4/projects", params={"topic": "govlab"}).json()
    assert [p["path_with_namespace"] for p in anon] == ["shared/minwon"]

    topics = requests.get(f"{gitlab_server.url}/api/v4/topics", params={"per_page": 2})
    assert topics.headers["X-Total"] == "2"
    first = topics.json()[0]
    assert (first["name"], first["total_projects_count"]) == ("govlab", 4)
    assert [t["name"] for t in requests.get(f"{gitlab_server.url}/api/v4/topics", params={"search": "민"}).json()] == [
        "민원"
    ]


def test_browser_sign_in_and_consent_page(gitlab_server):
    gitlab_server.add_user("official")
    gitlab_server.set_password("official", "pw-official")
    cb = "http://127.0.0.1:8000/hub/oauth_callback"
    gitlab_server.add_oauth_app("hub-client", "hub-secret", cb, scopes=("api", "read_user"))
    params = {
        "client_id": "hub-client",
        "redirect_uri": cb,
        "response_type": "code",
        "state": "st",
        "scope": "api read_user",
    }
    s = requests.Session()
    r = s.get(f"{gitlab_server.url}/oauth/authorize", params=params, timeout=10)
    assert r.url.endswith("/users/sign_in") and 'name="user[password]"' in r.text
    bad = s.post(
        f"{gitlab_server.url}/users/sign_in", timeout=10, data={"user[login]": "official", "user[password]": "wrong"}
    )
    assert "Invalid login or password." in bad.text
    r = s.post(
        f"{gitlab_server.url}/users/sign_in",
        timeout=10,
        data={"user[login]": "official", "user[password]": "pw-official"},
    )
    # Back at the authorize URL: the consent page lists the scopes.
    assert "Authorize govlab to use your account?" in r.text
    assert "<li>api</li><li>read_user</li>" in r.text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', r.text))
    url = f"{gitlab_server.url}/oauth/authorize"
    forged = s.post(
        url, data={**form, "authenticity_token": "x", "commit": "authorize"}, allow_redirects=False, timeout=10
    )
    assert forged.status_code == 422
    denied = s.post(url, data={**form, "commit": "deny"}, allow_redirects=False, timeout=10)
    assert "error=access_denied" in denied.headers["Location"] and "state=st" in denied.headers["Location"]
    ok = s.post(url, data={**form, "commit": "authorize"}, allow_redirects=False, timeout=10)
    assert ok.headers["Location"].startswith(cb + "?code=")
    # Authorized once: the next authorize request goes straight back with a code.
    again = s.get(url, params=params, allow_redirects=False, timeout=10)
    assert again.status_code == 302 and "code=" in again.headers["Location"]


# --------------------------------------------------- exactly-once commits (issue 11)
def _commit_payload(path="f.txt", content="x", message="share\n\nGovlab-Share-Id: 1"):
    return {
        "branch": "main",
        "commit_message": message,
        "actions": [{"action": "create", "file_path": path, "content": content}],
    }


def test_fault_after_commit_applied_then_answer_too_late(gitlab_server, alice):
    """GitLab applied the commit, but its answer arrives after the client gave up."""
    p = _project(alice)
    gitlab_server.fault("POST", r"/repository/commits$", status=None, delay=1.5, after=True)
    impatient = gitlab.Gitlab(gitlab_server.url, private_token=alice.token, timeout=0.3)
    start = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        impatient.projects.get(p.id, lazy=True).commits.create(_commit_payload())
    assert time.monotonic() - start < 1.2
    repo = gitlab_server.bare_repo_path("alice/share-demo")
    head = _head(repo)
    assert head is not None  # landed although the client saw a timeout
    assert gitlab_server.received.count(("POST", f"/api/v4/projects/{p.id}/repository/commits")) == 1
    # The held answer is still sent (and logged) once the delay is over.
    deadline = time.monotonic() + 5
    while (
        not [r for r in gitlab_server.requests_log if r[0] == "POST" and r[2] == 201 and r[1].endswith("/commits")]
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert ("POST", f"/api/v4/projects/{p.id}/repository/commits", 201) in gitlab_server.requests_log


def test_fault_after_commit_applied_then_502(gitlab_server, alice):
    p = _project(alice)
    gitlab_server.fault("POST", r"/repository/commits$", status=502, after=True)
    with pytest.raises(gitlab.GitlabCreateError) as e:
        p.commits.create(_commit_payload())
    assert (e.value.response_code, e.value.error_message) == (502, "502 Bad Gateway")
    head = _head(gitlab_server.bare_repo_path("alice/share-demo"))
    assert head is not None
    # A blind retry now fails the way the issue describes.
    with pytest.raises(gitlab.GitlabCreateError) as e:
        p.commits.create(_commit_payload())
    assert (e.value.response_code, e.value.error_message) == (400, "A file with this name already exists")


def test_fault_after_a_failing_request_answers_its_own_error(gitlab_server, alice):
    p = _project(alice)
    p.commits.create(_commit_payload())
    gitlab_server.fault("POST", r"/repository/commits$", status=502, delay=0.2, after=True)
    with pytest.raises(gitlab.GitlabCreateError) as e:
        p.commits.create(_commit_payload())  # the work fails: no delay, no 502
    assert e.value.response_code == 400
    assert gitlab_server.pending_faults == []


def test_branch_head_with_message_parents_and_trailers(gitlab_server, alice):
    p = _project(alice)
    r = _api(gitlab_server, "GET", f"/projects/{p.id}/repository/branches/main", alice.token)
    assert (r.status_code, r.json()) == (404, {"message": "404 Branch Not Found"})
    first = p.commits.create(_commit_payload())
    second = p.commits.create(
        _commit_payload("g.txt", message="govlab 공유: 제목\n\nShared from a.ipynb\n\nGovlab-Share-Id: abc-1")
    )
    branch = p.branches.get("main")
    assert branch.name == "main" and branch.default is True
    assert branch.commit["id"] == second.id
    assert branch.commit["parent_ids"] == [first.id]
    assert branch.commit["message"] == "govlab 공유: 제목\n\nShared from a.ipynb\n\nGovlab-Share-Id: abc-1"
    assert branch.commit["trailers"] == {"Govlab-Share-Id": "abc-1"}
    r = _api(gitlab_server, "GET", f"/projects/{p.id}/repository/branches/nope", alice.token)
    assert (r.status_code, r.json()) == (404, {"message": "404 Branch Not Found"})
    # Branch names with a slash are %-encoded, as python-gitlab sends them.
    p.commits.create({**_commit_payload("h.txt"), "branch": "feature/x", "start_branch": "main"})
    assert p.branches.get("feature/x").commit["parent_ids"] == [second.id]


def test_tree_lists_git_blob_ids(gitlab_server, alice):
    p = _project(alice)
    data = {"a.txt": "가나다\n".encode(), "dir/b.bin": BINARY}
    p.commits.create(
        {
            "branch": "main",
            "commit_message": "m",
            "actions": [
                {"action": "create", "file_path": k, "content": base64.b64encode(v).decode(), "encoding": "base64"}
                for k, v in data.items()
            ],
        }
    )
    tree = {
        i["path"]: i["id"] for i in p.repository_tree(ref="main", recursive=True, get_all=True) if i["type"] == "blob"
    }
    assert tree == {k: hashlib.sha1(b"blob %d\0" % len(v) + v).hexdigest() for k, v in data.items()}


def test_put_project_topics_and_visibility_needs_maintainer(gitlab_server, alice):
    gitlab_server.add_user("dev")
    group = gitlab_server.add_group("mois", members={"alice": 50, "dev": 30})
    p = _project(alice, namespace_id=group["id"], topics=["ai"])
    dev = gitlab_server.add_token("dev")
    r = _api(gitlab_server, "PUT", f"/projects/{p.id}", dev, json={"topics": ["ai", "govlab"]})
    assert (r.status_code, r.json()) == (403, {"message": "403 Forbidden"})
    assert alice.projects.get(p.id).topics == ["ai"]
    # The Developer can still commit: sharing works, settings do not.
    assert (
        _api(gitlab_server, "POST", f"/projects/{p.id}/repository/commits", dev, json=_commit_payload()).status_code
        == 201
    )
    p.topics = ["ai", "govlab"]
    p.visibility = "internal"
    p.save()
    got = alice.projects.get(p.id)
    assert (got.topics, got.visibility) == (["ai", "govlab"], "internal")
    assert [x.id for x in alice.projects.list(topic="govlab")] == [p.id]


def test_delete_project_is_202_and_gone(gitlab_server, alice):
    gitlab_server.add_user("dev")
    group = gitlab_server.add_group("mois", members={"alice": 50, "dev": 40})
    p = _project(alice, namespace_id=group["id"])
    p.commits.create(_commit_payload())
    repo = gitlab_server.bare_repo_path("mois/share-demo")
    r = _api(gitlab_server, "DELETE", f"/projects/{p.id}", gitlab_server.add_token("dev"))
    assert (r.status_code, r.json()) == (403, {"message": "403 Forbidden"})  # Maintainer: no
    r = _api(gitlab_server, "DELETE", f"/projects/{p.id}", alice.token)
    assert (r.status_code, r.json()) == (202, {"message": "202 Accepted"})
    r = _api(gitlab_server, "GET", f"/projects/{p.id}", alice.token)
    assert (r.status_code, r.json()) == (404, {"message": "404 Project Not Found"})
    assert not os.path.exists(repo)
    # The path is free again, and python-gitlab's delete() speaks the same API.
    again = _project(alice, namespace_id=group["id"])
    again.delete()
    assert alice.projects.list(search="share-demo") == []


def test_fault_skip_lets_the_first_requests_through(gitlab_server, alice):
    p = _project(alice)
    gitlab_server.fault("GET", r"^/api/v4/projects/\d+$", status=503, skip=1)
    assert _api(gitlab_server, "GET", f"/projects/{p.id}", alice.token).status_code == 200
    assert _api(gitlab_server, "GET", f"/projects/{p.id}", alice.token).status_code == 503
    assert _api(gitlab_server, "GET", f"/projects/{p.id}", alice.token).status_code == 200
    assert gitlab_server.received[-3:] == [("GET", f"/api/v4/projects/{p.id}")] * 3
