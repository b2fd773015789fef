"""Every way a share can fail, and that a failure never touches the user's file."""

import json
import os
import socket
import time

import gitlab
import pytest

from .conftest import TOKEN_ENV, make_chat, make_notebook, write_json
from .helpers import commit_count, gitlab_calls, post_share, remote_files, share_body

COMMITS = r"/repository/commits$"


@pytest.fixture
def server_environ(jp_serverapp):
    """The environment the extension captured at load (it holds the GitLab token)."""
    return jp_serverapp.web_app.settings["govlab_share"]["environ"]


@pytest.fixture
def cfg(jp_serverapp):
    """The live GovlabShare config of the running server (tests may change it)."""
    return jp_serverapp.web_app.settings["govlab_share"]["config"]


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


def _snapshot(path):
    return path.read_bytes(), os.stat(path).st_mtime_ns


# (id, setup(gitlab_server, cfg, server_environ), status, code, details check or None)
FAULTS = [
    (
        "gitlab_down",
        lambda gs, cfg, env: setattr(cfg, "gitlab_url", f"http://127.0.0.1:{_closed_port()}"),
        502,
        "gitlab_unavailable",
        None,
    ),
    (
        "gitlab_slow",
        lambda gs, cfg, env: (
            setattr(cfg, "request_timeout", 0.3),
            setattr(cfg, "max_retries", 1),
            gs.fault("*", r"^/api/v4/", status=None, delay=1.5, count=10),
        ),
        504,
        "gitlab_unavailable",
        None,
    ),
    (
        "5xx_exhausted",
        lambda gs, cfg, env: gs.fault("POST", COMMITS, status=503, count=10),
        502,
        "gitlab_unavailable",
        lambda d: d[0] == "503",
    ),
    (
        "429_retry_after_too_long",
        lambda gs, cfg, env: gs.fault("POST", COMMITS, status=429, retry_after=60, count=10),
        429,
        "gitlab_rate_limited",
        lambda d: d == ["retry_after: 60s"],
    ),
    (
        "429_without_header_exhausted",
        lambda gs, cfg, env: gs.fault("POST", COMMITS, status=429, count=10),
        429,
        "gitlab_rate_limited",
        None,
    ),
    (
        "401_expired_token",
        lambda gs, cfg, env: env.__setitem__(TOKEN_ENV, gs.add_token("kim", expired=True)),
        401,
        "gitlab_unauthorized",
        None,
    ),
    (
        "401_read_user_scope_only",
        lambda gs, cfg, env: env.__setitem__(TOKEN_ENV, gs.add_token("kim", scopes=("read_user",))),
        403,
        "gitlab_forbidden",
        None,
    ),
    (
        "403_push",
        lambda gs, cfg, env: gs.fault(
            "POST",
            COMMITS,
            status=403,
            body={"message": "403 Forbidden - You are not allowed to push into this branch"},
        ),
        403,
        "gitlab_forbidden",
        lambda d: d == ["403 Forbidden - You are not allowed to push into this branch"],
    ),
    (
        "403_namespace_reporter",
        lambda gs, cfg, env: (gs.add_group("closed", members={"kim": 20}), setattr(cfg, "namespace", "closed")),
        403,
        "gitlab_forbidden",
        lambda d: d == ["namespace: is not valid"],
    ),
    (
        "403_namespace_missing",
        lambda gs, cfg, env: setattr(cfg, "namespace", "no-such-group"),
        403,
        "gitlab_forbidden",
        None,
    ),
    (
        "400_file_exists",
        lambda gs, cfg, env: gs.fault(
            "POST", COMMITS, status=400, body={"message": "A file with this name already exists"}
        ),
        400,
        "gitlab_rejected",
        lambda d: d == ["A file with this name already exists"],
    ),
    (
        "400_error_key",
        lambda gs, cfg, env: gs.fault("POST", COMMITS, status=400, body={"error": "branch is missing"}),
        400,
        "gitlab_rejected",
        lambda d: d == ["branch is missing"],
    ),
    (
        "400_validation_dict",
        lambda gs, cfg, env: gs.fault(
            "POST",
            r"^/api/v4/projects$",
            status=400,
            body={"message": {"name": ["has already been taken"], "path": ["has already been taken"]}},
        ),
        400,
        "gitlab_rejected",
        lambda d: d == ["name: has already been taken", "path: has already been taken"],
    ),
    ("413_gitlab", lambda gs, cfg, env: gs.fault("POST", COMMITS, status=413), 413, "too_large", None),
    ("not_configured", lambda gs, cfg, env: setattr(cfg, "gitlab_url", ""), 503, "not_configured", None),
    ("no_token", lambda gs, cfg, env: env.pop(TOKEN_ENV), 503, "not_configured", None),
]


@pytest.mark.parametrize("setup,status,code,check", [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_gitlab_failures(fetch, workspace, gitlab_server, cfg, server_environ, setup, status, code, check):
    before = _snapshot(workspace["notebook"])
    setup(gitlab_server, cfg, server_environ)
    got_status, data = post_share(fetch, share_body())
    assert got_status == status, data
    err = data["error"]
    assert err["code"] == code
    assert err["message"] and err["message_en"] and err["message"] != err["message_en"]
    if check:
        assert check(err["details"]), err["details"]
    assert _snapshot(workspace["notebook"]) == before
    # nothing was committed anywhere
    assert not [
        r
        for r in gitlab_calls(gitlab_server)
        if r[0] == "POST" and r[1].endswith("/repository/commits") and r[2] == 201
    ]


def test_5xx_retried_then_success(fetch, workspace, gitlab_server):
    """A 502 on the commit is retried once, and only after the branch head showed
    that it did not land (a POST is never resent blindly)."""
    gitlab_server.fault("POST", COMMITS, status=502, count=1)
    status, data = post_share(fetch, share_body())
    assert status == 200, data
    calls = [(m, p.rsplit("/", 2)[-2:], s) for m, p, s in gitlab_calls(gitlab_server) if "/repository/" in p]
    assert calls == [
        ("POST", ["repository", "commits"], 502),
        ("GET", ["branches", "main"], 404),  # empty repo: nothing landed
        ("POST", ["repository", "commits"], 201),
    ]
    assert commit_count(gitlab_server.bare_repo_path(data["project"])) == 1


def test_429_retry_after_obeyed(fetch, workspace, gitlab_server):
    gitlab_server.fault("POST", COMMITS, status=429, retry_after=1)
    t0 = time.monotonic()
    status, data = post_share(fetch, share_body())
    assert status == 200, data
    assert time.monotonic() - t0 >= 1.0
    posts = [s for m, p, s in gitlab_calls(gitlab_server) if m == "POST" and p.endswith("/repository/commits")]
    assert posts == [429, 201]


def test_429_too_long_gives_up_at_once(fetch, workspace, gitlab_server):
    gitlab_server.fault("POST", COMMITS, status=429, retry_after=60)
    t0 = time.monotonic()
    resp = fetch("govlab-share", "share", method="POST", body=json.dumps(share_body()))
    assert resp.code == 429
    assert time.monotonic() - t0 < 5
    assert resp.headers["Retry-After"] == "60"


def test_bundle_over_limit_never_reaches_gitlab(fetch, workspace, gitlab_server, cfg):
    cfg.max_bundle_bytes = 1024
    status, data = post_share(fetch, share_body())
    assert (status, data["error"]["code"]) == (413, "too_large")
    assert gitlab_calls(gitlab_server) == []


@pytest.mark.parametrize("where", ["notebook", "chat"])
def test_scan_blocks_before_any_gitlab_call(fetch, workspace, gitlab_server, where):
    root = workspace["root"]
    if where == "notebook":
        nb = make_notebook()
        nb["cells"][1]["source"] = "contact = '010-2345-6789'"
        write_json(workspace["notebook"], nb)
    else:
        write_json(root / "report.chat", make_chat("analysis/report.ipynb", body="제 번호는 010-2345-6789 입니다"))
    before = _snapshot(workspace["notebook"])
    status, data = post_share(fetch, share_body())
    assert status == 422, data
    err = data["error"]
    assert err["code"] == "scan_blocked"
    files = {f["file"] for f in err["findings"]}
    # A chat's number is listed once, at the chat; its transcript copy is in `also`.
    assert files == ({"report.ipynb"} if where == "notebook" else {"chats/report.chat"})
    if where == "chat":
        assert any(a.startswith("대화 기록 report") for a in err["findings"][0]["also"])
    assert {f["kind"] for f in err["findings"]} == {"mobile_phone"}
    assert all("6789" not in f["excerpt"] for f in err["findings"])  # masked
    assert gitlab_calls(gitlab_server) == []  # blocked before any GitLab request
    assert _snapshot(workspace["notebook"]) == before


def test_remote_changed_then_force(fetch, workspace, gitlab_server, gitlab_user):
    status, first = post_share(fetch, share_body())
    assert status == 200, first
    gl = gitlab.Gitlab(gitlab_server.url, private_token=gitlab_user["token"])
    project = gl.projects.get(first["project"])
    project.commits.create(
        {
            "branch": "main",
            "commit_message": "edit on GitLab",
            "actions": [
                {"action": "update", "file_path": "README.md", "content": "동료가 고친 README\n"},
                {"action": "create", "file_path": "notes.txt", "content": "동료의 메모\n"},
            ],
        }
    )
    bare = gitlab_server.bare_repo_path(first["project"])
    assert commit_count(bare) == 2

    status, data = post_share(fetch, share_body())
    assert status == 409, data
    assert data["error"]["code"] == "remote_changed"
    assert data["error"]["details"] == ["README.md"]
    assert commit_count(bare) == 2  # nothing written

    status, forced = post_share(fetch, share_body(force=True))
    assert status == 200, forced
    assert forced["project"] == first["project"]
    remote = remote_files(bare)
    assert remote["notes.txt"] == "동료의 메모\n".encode()  # others' files are kept
    assert "# 민원 분석 보고서" in remote["README.md"].decode()
    assert "동료가 고친 README" in remote_files(bare, "main~1")["README.md"].decode()  # in history

    # and the record now matches the remote again: a plain share works
    status, again = post_share(fetch, share_body())
    assert status == 200, again


def test_concurrent_edit_between_listing_and_commit(fetch, workspace, gitlab_server):
    """GitLab's stale last_commit_id answer maps to remote_changed too."""
    status, _ = post_share(fetch, share_body())
    assert status == 200
    gitlab_server.fault(
        "POST", COMMITS, status=400, body={"message": "The file has changed since you started editing it: README.md"}
    )
    status, data = post_share(fetch, share_body())
    assert (status, data["error"]["code"], data["error"]["details"]) == (409, "remote_changed", ["README.md"])


BAD_PATHS = [
    ("dotdot", "../outside.ipynb", 403),
    ("dotdot_inside", "analysis/../../outside.ipynb", 403),
    ("absolute", "/etc/passwd.ipynb", 403),
    ("missing", "nope.ipynb", 404),
    ("not_a_notebook", "notes.txt", 403),
    ("hidden_dir", ".hidden/x.ipynb", 403),
    ("checkpoint", ".ipynb_checkpoints/report-checkpoint.ipynb", 403),
    ("symlink_escape", "escape.ipynb", 403),
    ("symlink_into_hidden", "sneaky.ipynb", 403),
    ("empty", "", 404),
]


@pytest.fixture
def bad_path_workspace(workspace, tmp_path):
    root = workspace["root"]
    outside = write_json(tmp_path / "outside.ipynb", make_notebook())
    (root / "escape.ipynb").symlink_to(outside)
    write_json(root / ".hidden" / "x.ipynb", make_notebook())
    (root / "sneaky.ipynb").symlink_to(root / ".hidden" / "x.ipynb")
    write_json(root / ".ipynb_checkpoints" / "report-checkpoint.ipynb", make_notebook())
    (root / "notes.txt").write_text("hello")
    return workspace


@pytest.mark.parametrize("path,status", [b[1:] for b in BAD_PATHS], ids=[b[0] for b in BAD_PATHS])
@pytest.mark.parametrize("endpoint", ["context", "share"])
def test_bad_paths(fetch, bad_path_workspace, gitlab_server, endpoint, path, status):
    if endpoint == "context":
        resp = fetch("govlab-share", "context", params={"path": path})
        got, data = resp.code, json.loads(resp.body)
    else:
        got, data = post_share(fetch, share_body(path=path))
        if not path:  # a body without a path is malformed
            status = 400
    assert got == status, data
    assert data["error"]["code"] == ("bad_path" if status != 400 else "bad_request")
    assert gitlab_calls(gitlab_server) == []


def test_bad_chat_path_refused(fetch, bad_path_workspace, gitlab_server):
    status, data = post_share(fetch, share_body(chats=["../../etc/x.chat"]))
    assert (status, data["error"]["code"]) == (403, "bad_path")
    status, data = post_share(fetch, share_body(chats=[".hidden/secret.chat"]))
    assert (status, data["error"]["code"]) == (403, "bad_path")
    status, data = post_share(fetch, share_body(chats=[".env"]))
    assert (status, data["error"]["code"]) == (403, "bad_path")


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"cells": "nope"}', b"\xff\xfe", b'{"nbformat": 4}'],
    ids=["not_json", "bad_cells", "not_utf8", "no_cells"],
)
@pytest.mark.parametrize("endpoint", ["context", "share"])
def test_malformed_notebook(fetch, workspace, gitlab_server, endpoint, content):
    workspace["notebook"].write_bytes(content)
    if endpoint == "context":
        resp = fetch("govlab-share", "context", params={"path": "analysis/report.ipynb"})
        got, data = resp.code, json.loads(resp.body)
    else:
        got, data = post_share(fetch, share_body())
    assert (got, data["error"]["code"]) == (422, "bad_notebook"), data
    assert workspace["notebook"].read_bytes() == content
    assert gitlab_calls(gitlab_server) == []


BAD_BODIES = [
    ("not_json", b"{oops"),
    ("not_object", b"[1]"),
    ("empty_title", json.dumps(share_body(title="  ")).encode()),
    ("bad_visibility", json.dumps(share_body(visibility="secret")).encode()),
    ("chats_not_list", json.dumps(share_body(chats="report.chat")).encode()),
    ("force_not_bool", json.dumps(share_body(force="yes")).encode()),
    ("no_path", json.dumps({k: v for k, v in share_body().items() if k != "path"}).encode()),
]


@pytest.mark.parametrize("body", [b[1] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES])
def test_bad_request_bodies(fetch, workspace, gitlab_server, body):
    resp = fetch("govlab-share", "share", method="POST", body=body)
    assert resp.code == 400
    assert json.loads(resp.body)["error"]["code"] == "bad_request"
    assert gitlab_calls(gitlab_server) == []


def test_post_without_token_or_xsrf_is_refused(
    fetch, jp_asyncio_loop, jp_http_port, jp_base_url, workspace, gitlab_server
):
    from tornado.httpclient import AsyncHTTPClient

    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}govlab-share/share"

    async def go():
        return await AsyncHTTPClient().fetch(url, method="POST", body=json.dumps(share_body()), raise_error=False)

    resp = jp_asyncio_loop.run_until_complete(go())
    assert resp.code == 403
    assert gitlab_calls(gitlab_server) == []

    async def get():
        return await AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{jp_http_port}{jp_base_url}govlab-share/context?path=analysis/report.ipynb",
            raise_error=False,
        )

    assert jp_asyncio_loop.run_until_complete(get()).code == 403
