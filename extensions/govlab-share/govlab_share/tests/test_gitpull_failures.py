"""A pull that fails ends in words an official understands: a real jupyter_server, real
git against the loopback GitLab (a private project without access, a project that does
not exist, a GitLab that was stopped), read as the progress page's EventSource reads it."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode

import pytest

from govlab_share.gitpull_failures import classify, detail_lines
from govlab_share.testing.gitlab_server import GitLabServer

GALLERY = "https://lab.example.go.kr/services/gallery"


@pytest.fixture
def stopped_gitlab(tmp_path):
    server = GitLabServer(str(tmp_path / "gone")).start()
    url = server.url
    server.stop()
    return url


@pytest.fixture
def jp_server_config(jp_server_config, stopped_gitlab):
    cfg = {**jp_server_config, "GovlabGitPull": {"allowed_urls": [stopped_gitlab]}}
    cfg["GovlabShare"] = {**cfg["GovlabShare"], "gallery_url": GALLERY}
    return cfg


@pytest.fixture(autouse=True)
def no_prompt(monkeypatch):
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")


def pull(fetch, repo: str, folder: str) -> tuple[str, dict]:
    params = {"repo": repo, "branch": "main", "targetpath": folder}
    progress = fetch(
        "git-pull", method="POST", body=urlencode(params), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert progress.code == 200
    html = progress.body.decode()
    data = json.loads(re.search(r'id="gitpull-data" type="application/json">([^<]+)<', html).group(1))
    nonce = parse_qs(data["api"].split("?", 1)[1])["nonce"][0]
    r = fetch("git-pull", "api", params={"nonce": nonce}, method="GET", request_timeout=120)
    assert r.code == 200
    events = [json.loads(line[6:]) for line in r.body.decode().splitlines() if line.startswith("data: ")]
    assert events and events[-1]["phase"] == "error", events
    return html, events[-1]


def assert_korean_failure(event: dict, reason: str, title_ko: str) -> None:
    assert event["reason"] == reason, event
    assert event["title"].startswith(title_ko) and " / " in event["title"]
    assert re.search(r"[가-힣]", event["what_ko"]) and re.search(r"[가-힣]", event["next_ko"])
    assert event["what_en"] and event["next_en"]
    assert event["back"] == GALLERY and event["back_label"].startswith("공유 갤러리로 돌아가기")
    # git's own words are details, never the message.
    assert "fatal" not in event["title"] + event["what_ko"] + event["what_en"]


def test_a_private_project_without_access(fetch, gitlab_server, jp_root_dir):
    gitlab_server.add_user("owner")
    gitlab_server.add_group("team", {"owner": 50}, visibility="private")
    gitlab_server.add_project("team", "secret", visibility="private", files={"a.ipynb": "{}"})
    html, event = pull(fetch, f"{gitlab_server.url}/team/secret.git", "secret")
    assert_korean_failure(event, "no_access", "이 프로젝트를 볼 권한이 없습니다")
    assert event["details"] and any("fatal" in line for line in event["details"])
    # The page the official is on holds the place the event fills, and the way back.
    assert 'data-gitpull="failed"' in html and f'href="{GALLERY}"' in html
    assert not (jp_root_dir / "secret" / "a.ipynb").exists()


def test_a_project_that_does_not_exist(fetch, gitlab_server, monkeypatch):
    # As a lab with GitLab sign-in pulls: git has the official's token (GitLab then
    # answers 404 for a missing project, where an anonymous clone gets 401).
    gitlab_server.add_user("park")
    token = gitlab_server.add_token("park", scopes=("read_repository",))
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "credential.helper")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", f"!f() {{ echo username=oauth2; echo password={token}; }}; f")
    _, event = pull(fetch, f"{gitlab_server.url}/team/gone.git", "gone")
    assert_korean_failure(event, "not_found", "프로젝트를 찾을 수 없습니다")
    assert token not in json.dumps(event)


def test_gitlab_stopped(fetch, stopped_gitlab):
    _, event = pull(fetch, f"{stopped_gitlab}/team/any.git", "any")
    assert_korean_failure(event, "network", "GitLab 서버에 연결할 수 없습니다")


@pytest.mark.parametrize(
    "text, code",
    [
        ("fatal: could not read Username for 'http://127.0.0.1:9': terminal prompts disabled", "no_access"),
        ("remote: HTTP Basic: Access denied\nfatal: Authentication failed for 'https://g.go.kr/a/b.git/'", "no_access"),
        (
            "remote: The project you were looking for could not be found\n"
            "fatal: repository 'https://g.go.kr/a/b.git/' not found",
            "not_found",
        ),
        ("fatal: unable to access 'https://g.go.kr/a.git/': Could not resolve host: g.go.kr", "network"),
        ("fatal: unable to access 'http://127.0.0.1:9/a.git/': Failed to connect to 127.0.0.1 port 9", "network"),
        ("error: RPC failed; curl 28 Operation timed out after 300000 milliseconds", "network"),
        ("warning: templates not found in /usr/share/git-core/templates\nerror: merge conflict", "unknown"),
    ],
)
def test_classify(text, code):
    assert classify(text).code == code


def test_details_strip_secrets_and_are_bounded():
    text = (
        "fatal: unable to access 'https://oauth2:glpat-abcdefghij0123456789@g.go.kr/a.git/': x\n"
        "Authorization: Bearer abc.def\n" + "y" * 5000 + "\n"
    ) * 30
    lines = detail_lines(text)
    joined = "\n".join(lines)
    assert "glpat-" not in joined and "abc.def" not in joined and "oauth2:" not in joined
    assert len(lines) <= 20 and all(len(line) <= 300 for line in lines)
