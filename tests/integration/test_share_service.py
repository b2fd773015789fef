"""No shared GitLab credential in any lab: the hub's share service commits for the labs.

A real hub in password mode with a shared GitLab token (`sharing.token`), real labs,
their kernels and the loopback GitLab. The token lives only in the hub's share service
(`govlab-share`); each lab calls it with its own hub API token. What an official's code
could try is tried from a kernel: find the token in any process environment it can
read, commit into a colleague's project, get a secret past the scan by calling the
service directly.
"""

from __future__ import annotations

import base64
import json
import stat
import subprocess

import nbformat
import pytest

from tests.support.hub import RunningHub, base_settings, free_port
from tests.support.kernel import execute

pytestmark = pytest.mark.hub

NOTEBOOK = "민원분석.ipynb"
TOPIC = "행정-ai"  # the gallery topic these shares must carry
# A resident registration number with a valid check digit (fictitious): always blocking.
RRN = "900101-1234568"

FIND_TOKEN = r"""
import glob, json, os
needle = {needle!r}.encode()
readable, found = 0, []
for path in glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline"):
    try:
        data = open(path, "rb").read()
    except OSError:
        continue
    readable += 1
    if needle in data:
        found.append(path)
mine = needle.decode() in json.dumps(dict(os.environ))
print(json.dumps({{"readable": readable, "found": found, "in_my_env": mine,
                  "GOVLAB_GITLAB_TOKEN" : "GOVLAB_GITLAB_TOKEN" in os.environ}}))
"""

# Run in a kernel: the lab's own hub API token (what user code can always get: the
# kernel inherits it, and the lab's /proc environ holds it) straight to the service.
CALL_SERVICE = r"""
import json, os, urllib.request, urllib.error
token = os.environ.get("JUPYTERHUB_API_TOKEN")
if not token:
    raw = open(f"/proc/{{os.getppid()}}/environ", "rb").read().split(b"\0")
    token = next(v.split(b"=", 1)[1].decode() for v in raw if v.startswith(b"JUPYTERHUB_API_TOKEN="))
req = urllib.request.Request({url!r}, data=json.dumps({body!r}).encode(), method="POST",
                             headers={{"Authorization": "token " + token, "Content-Type": "application/json"}})
try:
    r = urllib.request.urlopen(req, timeout=120)
    print(json.dumps({{"status": r.status, "body": json.loads(r.read())}}))
except urllib.error.HTTPError as e:
    print(json.dumps({{"status": e.code, "body": json.loads(e.read() or b"{{}}")}}))
"""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def git(bare: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", bare, *args], capture_output=True, text=True, check=True).stdout.strip()


def notebook(heading: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {heading}"), nbformat.v4.new_code_cell("print('집계')")]
    return nb


@pytest.fixture(scope="module")
def setup(tmp_path_factory, _gitlab_server_session):
    gitlab = _gitlab_server_session
    gitlab.reset()
    gitlab.add_user("bot", name="공유 봇")
    token = gitlab.add_token("bot", scopes=("api",))
    workdir = tmp_path_factory.mktemp("share-service")
    service_port = free_port()
    settings = base_settings(
        workdir / "state",
        **{
            "sharing": {
                "gitlab_url": gitlab.url,
                "token": {"env": "GOVLAB_GITLAB_TOKEN"},
                "service_bind_url": f"http://127.0.0.1:{service_port}",
            },
            "auth.shared_password.trusted_trial": True,
            "culling": {"enabled": False},
            "gallery.topic": TOPIC,  # not the default: the service must tag shares with it
        },
    )
    hub = RunningHub(workdir, settings, env={"GOVLAB_GITLAB_TOKEN": token}).start()
    try:
        tokens = {}
        for name in ("alice", "bob"):
            tokens[name] = hub.create_user(name)
            hub.start_server(name)
        yield hub, gitlab, token, tokens, f"http://127.0.0.1:{service_port}/services/govlab-share"
    finally:
        hub.kill_everything()
        gitlab.reset()


def share(hub, user, token, path=NOTEBOOK, title="민원 분석", force=False):
    return hub.share(user, token, path, title, "월별 집계", force=force)


def kernel_run(hub, user, token, code: str) -> dict:
    kernel = hub.lab("POST", user, "/api/kernels", token=token, json={"name": "python3"}).json()
    try:
        return json.loads(execute(hub.url, user, kernel["id"], token, code).strip().splitlines()[-1])
    finally:
        hub.lab("DELETE", user, f"/api/kernels/{kernel['id']}", token=token)


def test_a_share_lands_through_the_service_and_no_kernel_finds_the_token(setup):
    hub, gitlab, gitlab_token, tokens, _ = setup
    assert hub.put_file("alice", NOTEBOOK, notebook("민원 데이터 분석"), token=tokens["alice"]).status_code == 201
    r = share(hub, "alice", tokens["alice"])
    assert r.status_code == 200, r.text
    result = r.json()
    # The shared token's user owns the namespace; the README points at the real project.
    assert result["project"].startswith("bot/minwonbunseog-")
    bare = gitlab.bare_repo_path(result["project"])
    readme = git(bare, "show", "HEAD:README.md")
    assert result["web_url"] in readme and "alice/" not in readme
    manifest = json.loads(git(bare, "show", "HEAD:govlab-manifest.json"))
    assert manifest["owner"] == "alice"
    assert gitlab_token not in r.text
    # Tagged with the gallery's topic from the settings: the gallery lists it.
    assert gitlab.store.project_by_ref(result["project"])["topics"] == [TOPIC]
    # The service recorded the project as alice's, in an owner-only file.
    owners = hub.state_dir / "share-service" / "owners.json"
    assert stat.S_IMODE(owners.stat().st_mode) == 0o600
    assert stat.S_IMODE(owners.parent.stat().st_mode) == 0o700
    recorded = json.loads(owners.read_text())["projects"]
    assert [v["user"] for v in recorded.values()] == ["alice"]
    # A second share updates the same project (the lab's record, checked by the service).
    hub.put_file("alice", NOTEBOOK, notebook("민원 데이터 분석 2"), token=tokens["alice"])
    again = share(hub, "alice", tokens["alice"])
    assert again.status_code == 200, again.text
    assert again.json()["project"] == result["project"] and again.json()["updated"] is True
    assert git(bare, "rev-list", "--count", "HEAD") == "2"

    # Whatever a kernel can read: every process environment and command line, its own env.
    seen = kernel_run(hub, "alice", tokens["alice"], FIND_TOKEN.format(needle=gitlab_token))
    assert seen["readable"] >= 2, seen  # it did read (its own and its lab's at least)
    assert seen["found"] == [] and seen["in_my_env"] is False and seen["GOVLAB_GITLAB_TOKEN"] is False, seen


def test_bob_cannot_commit_into_alices_project(setup):
    hub, gitlab, _, tokens, service = setup
    alice_project = next(p for p in gitlab.store.projects.values() if p["path"].startswith("minwonbunseog-"))
    bare = gitlab.store.repo_path(alice_project)
    head = git(bare, "rev-parse", "HEAD")
    body = {
        "notebook_path": NOTEBOOK,
        "title": "가로채기",
        "description": "",
        "visibility": "public",
        "force": True,
        "files": {NOTEBOOK: b64(b'{"cells": []}'), "README.md": b64("bob이 덮어씀".encode())},
        "record": {"project_id": alice_project["id"], "path_with_namespace": gitlab.store.full_path(alice_project)},
    }
    answer = kernel_run(hub, "bob", tokens["bob"], CALL_SERVICE.format(url=f"{service}/api/publish", body=body))
    assert answer["status"] == 403, answer
    error = answer["body"]["error"]
    assert error["code"] == "not_owner"
    assert "본인이 공유한 프로젝트가 아니" in error["message"] and "not shared by you" in error["message_en"]
    # alice's project is unchanged: same head, same visibility.
    assert git(bare, "rev-parse", "HEAD") == head
    assert gitlab.store.projects[alice_project["id"]]["visibility"] == "private"


def test_the_service_rescans_what_a_lab_sends(setup):
    hub, gitlab, _, tokens, service = setup
    before = {p["id"] for p in gitlab.store.projects.values()}
    # The lab's own check is bypassed: bob's kernel posts straight to the service.
    nb = notebook("주민번호")
    nb.cells.append(nbformat.v4.new_markdown_cell(f"민원인 주민등록번호 {RRN}"))
    body = {
        "notebook_path": "몰래.ipynb",
        "title": "몰래",
        "description": "",
        "visibility": "public",
        "force": False,
        "files": {"몰래.ipynb": b64(nbformat.writes(nb).encode())},
        "record": None,
    }
    answer = kernel_run(hub, "bob", tokens["bob"], CALL_SERVICE.format(url=f"{service}/api/publish", body=body))
    assert answer["status"] == 422, answer
    error = answer["body"]["error"]
    assert error["code"] == "scan_blocked" and error["findings"], error
    assert "공유를 멈췄습니다" in error["message"]
    assert RRN not in json.dumps(error)  # excerpts are masked
    assert {p["id"] for p in gitlab.store.projects.values()} == before  # nothing created


def test_the_service_refuses_calls_without_a_lab_token(setup):
    hub, _, _, tokens, service = setup
    import requests

    r = requests.post(f"{service}/api/publish", json={}, timeout=30)
    assert r.status_code == 401 and r.json()["error"]["code"] == "hub_token_required"
    r = requests.post(f"{service}/api/publish", json={}, timeout=30, headers={"Authorization": "token not-a-token"})
    assert r.status_code == 403
    # Password sign-in: there is no official's GitLab token to hand out.
    r = requests.get(f"{service}/api/token", timeout=30, headers={"Authorization": f"token {tokens['bob']}"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "not_configured"


def test_an_unrecorded_project_is_adopted_only_by_the_owner_its_manifest_names(setup):
    """Projects shared before the service kept records: the manifest decides."""
    from govlab_share.publish import project_path

    hub, gitlab, _, tokens, _ = setup
    for name, manifest_owner, status in (("남의것.ipynb", "alice", 403), ("내것.ipynb", "bob", 200)):
        path = project_path(name, "bob")  # where bob's share of this notebook goes
        seeded = gitlab.add_project(
            "bot",
            name,
            path=path,
            files={"govlab-manifest.json": json.dumps({"owner": manifest_owner}), "README.md": "# 예전 공유\n"},
        )
        bare = gitlab.store.repo_path(gitlab.store.projects[seeded["id"]])
        head = git(bare, "rev-parse", "HEAD")
        assert hub.put_file("bob", name, notebook("예전 공유"), token=tokens["bob"]).status_code == 201
        # force: the seeded README differs from the one this share writes (no lab record).
        r = share(hub, "bob", tokens["bob"], path=name, title="예전 공유", force=True)
        assert r.status_code == status, r.text
        if status == 403:
            assert r.json()["error"]["code"] == "not_owner"
            assert git(bare, "rev-parse", "HEAD") == head  # untouched
        else:
            assert r.json()["project"] == f"bot/{path}" and r.json()["updated"] is True
            assert git(bare, "rev-list", "--count", "HEAD") == "2"
    owners = json.loads((hub.state_dir / "share-service" / "owners.json").read_text())["projects"]
    assert sorted(v["user"] for v in owners.values()) == ["alice", "bob"]
