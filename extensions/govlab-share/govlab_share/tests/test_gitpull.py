"""/git-pull follows hostile links nowhere: a real jupyter_server with govlab_share and
nbgitpuller both enabled (ours must win), the loopback GitLab serving a real repository
over git's smart HTTP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest

from govlab_share.gitpull_rules import Refused, check

NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def jp_server_config(jp_server_config):
    # nbgitpuller stays enabled here: our routes must answer before its own.
    return {**jp_server_config, "ServerApp": {"jpserver_extensions": {"govlab_share": True, "nbgitpuller": True}}}


@pytest.fixture
def repo(gitlab_server):
    gitlab_server.add_user("lee", name="이서연")
    gitlab_server.add_group("edu", {"lee": 50}, visibility="public")
    p = gitlab_server.add_project(
        "edu", "materials", visibility="public", files={"교육.ipynb": NOTEBOOK, "README.md": "# 자료\n"}
    )
    return f"{gitlab_server.url}/edu/{p['path']}.git"


def snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def body_of(resp) -> str:
    return resp.body.decode("utf-8", "replace")


def get_page(fetch, **params):
    return fetch("git-pull", params=params, method="GET")


HOSTILE = [
    ("target_absolute", {"targetpath": "/tmp/planted"}),
    ("target_absolute", {"targetpath": "~/.jupyter"}),
    ("target_parent", {"targetpath": "../outside"}),
    ("target_parent", {"targetpath": "work/../../outside"}),
    ("target_hidden", {"targetpath": ".jupyter"}),
    ("target_hidden", {"targetpath": ".local/share/jupyter/kernels"}),
    ("target_hidden", {"targetpath": "ok/.ipython/profile_default/startup"}),
    ("urlpath_invalid", {"targetpath": "m", "urlpath": "https://evil.example/"}),
    ("urlpath_invalid", {"targetpath": "m", "urlpath": "//evil.example/lab"}),
    ("urlpath_invalid", {"targetpath": "m", "urlpath": "lab/tree/%2e%2e/%2e%2e/hub/logout"}),
    ("branch_invalid", {"targetpath": "m", "branch": "--upload-pack=touch /tmp/x"}),
]


@pytest.mark.parametrize("reason,params", HOSTILE, ids=[f"{r}-{i}" for i, (r, _) in enumerate(HOSTILE)])
def test_hostile_links_are_refused_and_write_nothing(fetch, jp_root_dir, repo, reason, params):
    root = Path(jp_root_dir)
    before = snapshot(root)
    r = get_page(fetch, repo=repo, **params)
    html = body_of(r)
    assert r.code == 400, html[:300]
    assert f'data-reason="{reason}"' in html
    assert "이 링크는 열 수 없습니다" in html and "This link cannot be opened" in html
    assert "관리자" in html  # says what to do next
    assert 'name="_xsrf"' not in html and 'data-gitpull="pull"' not in html  # no way to go on
    assert snapshot(root) == before


@pytest.mark.parametrize(
    "other",
    [
        "https://github.com/attacker/payload.git",
        "http://127.0.0.1:1/evil.git",  # the allowed host, another port
        "file:///etc",
        "ext::sh -c touch% /tmp/pwned",
    ],
)
def test_repositories_off_the_allowed_hosts_are_refused(fetch, jp_root_dir, other):
    root = Path(jp_root_dir)
    before = snapshot(root)
    r = get_page(fetch, repo=other, targetpath="payload")
    assert r.code == 400
    assert re.search(r'data-reason="repo_(host|scheme|invalid)"', body_of(r))
    assert snapshot(root) == before


def test_credentials_in_the_address_are_refused(fetch, repo):
    r = get_page(fetch, repo=repo.replace("://", "://user:pw@"), targetpath="m")
    assert r.code == 400 and 'data-reason="repo_credentials"' in body_of(r)


def test_a_symlink_out_of_the_root_is_refused(fetch, jp_root_dir, repo, tmp_path):
    root = Path(jp_root_dir)
    (root / "pulled").mkdir()
    (root / "pulled" / "cfg").symlink_to(root / ".jupyter", target_is_directory=True)
    (root / "pulled" / "away").symlink_to(tmp_path, target_is_directory=True)
    for target in ("pulled/cfg", "pulled/away/x"):
        r = get_page(fetch, repo=repo, targetpath=target)
        assert r.code == 400 and 'data-reason="target_outside"' in body_of(r)


def test_the_api_without_a_confirmed_nonce_does_nothing(fetch, jp_root_dir, repo):
    root = Path(jp_root_dir)
    before = snapshot(root)
    # nbgitpuller's own API call, as a link would carry it.
    r = fetch("git-pull", "api", params={"repo": repo, "targetpath": "planted"}, method="GET")
    assert r.code == 403 and b"data:" not in r.body
    r = fetch("git-pull", "api", params={"repo": repo, "targetpath": "planted", "nonce": "guess"}, method="GET")
    assert r.code == 403
    assert snapshot(root) == before


def run_pull(fetch, nonce: str) -> list[dict]:
    r = fetch("git-pull", "api", params={"nonce": nonce}, method="GET", request_timeout=120)
    assert r.code == 200, body_of(r)[:300]
    return [json.loads(line[6:]) for line in body_of(r).splitlines() if line.startswith("data: ")]


def test_a_good_link_shows_the_confirmation_then_pulls_once(fetch, jp_root_dir, repo):
    root = Path(jp_root_dir)
    params = {"repo": repo, "branch": "main", "targetpath": "materials", "urlpath": "lab/tree/materials/교육.ipynb"}
    page = get_page(fetch, **params)
    html = body_of(page)
    assert page.code == 200
    assert "저장소 가져오기" in html and "가져오기 / Pull" in html and "취소 / Cancel" in html
    assert f'data-gitpull="repo">{repo}<' in html and 'data-gitpull="folder">materials<' in html
    assert not (root / "materials").exists()  # a GET pulls nothing

    progress = fetch(
        "git-pull", method="POST", body=urlencode(params), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert progress.code == 200
    data = json.loads(re.search(r'id="gitpull-data" type="application/json">([^<]+)<', body_of(progress)).group(1))
    nonce = parse_qs(data["api"].split("?", 1)[1])["nonce"][0]
    assert data["next"].endswith("/lab/tree/materials/교육.ipynb")
    events = run_pull(fetch, nonce)
    assert events[-1]["phase"] == "finished", events
    assert (root / "materials" / "교육.ipynb").read_text() == NOTEBOOK
    # The nonce is spent: replaying the API call does nothing.
    again = fetch("git-pull", "api", params={"nonce": nonce}, method="GET")
    assert again.code == 403


def test_the_post_checks_the_link_again(fetch, jp_root_dir, repo):
    root = Path(jp_root_dir)
    before = snapshot(root)
    r = fetch(
        "git-pull",
        method="POST",
        body=urlencode({"repo": repo, "targetpath": ".jupyter/custom"}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.code == 400 and 'data-reason="target_hidden"' in body_of(r)
    assert snapshot(root) == before


def test_rules_default_folder_and_page(tmp_path):
    req = check(
        {"repo": "https://git.example.go.kr/edu/materials.git"}, ["https://git.example.go.kr/edu"], str(tmp_path)
    )
    assert (req.targetpath, req.urlpath, req.branch) == ("materials", "lab/tree/materials", "")
    with pytest.raises(Refused) as e:  # a path prefix is a path prefix, not a string prefix
        check(
            {"repo": "https://git.example.go.kr/education-evil/x.git"}, ["https://git.example.go.kr/edu"], str(tmp_path)
        )
    assert e.value.code == "repo_host"
    with pytest.raises(Refused) as e:  # the derived folder is checked like a given one
        check({"repo": "https://git.example.go.kr/edu/.jupyter"}, ["https://git.example.go.kr"], str(tmp_path))
    assert e.value.code == "target_hidden"
