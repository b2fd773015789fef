"""A share is in the gallery within seconds, for its owner only when private.

Real hub with the gallery service, real labs, the loopback GitLab. The gallery's own
refresh is set to an hour, so only the lab's announcement (POST api/refresh with the
lab's hub token) can bring the new share in. Both sign-in modes: shared password (one
share token creates every project; the manifest's `owner` decides who sees a private
one) and GitLab sign-in (each official's own GitLab token, stored in auth_state by the
small authenticator of test_gallery.py).
"""

from __future__ import annotations

import json
import secrets
import time

import pytest
import requests

from tests.integration.test_gallery import notebook
from tests.support.gitlabhub import AUTH_STATE_CONFIG
from tests.support.hub import RunningHub, base_settings, free_port, login_session

pytestmark = pytest.mark.hub

GROUP = "shared"
WITHIN = 5.0  # seconds from the share's answer to the owner's gallery listing it


def start_hub(tmp_path, gitlab, mode: str) -> RunningHub:
    gallery = {
        "enabled": True,
        "bind_url": f"http://127.0.0.1:{free_port()}",
        "refresh_every": 3600,
        "request_timeout": 5,
    }
    sharing = {"gitlab_url": gitlab.url, "namespace": GROUP}
    gitlab.add_user("bot")
    if mode == "password":
        gitlab.add_group(GROUP, {"bot": 40}, visibility="public")
        env = {"GOVLAB_GITLAB_TOKEN": gitlab.add_token("bot", scopes=("api",))}
        settings = base_settings(
            tmp_path / "state", gallery=gallery, sharing={**sharing, "token": {"env": "GOVLAB_GITLAB_TOKEN"}}
        )
    else:
        tokens = {}
        for user in ("kim", "lee", "park"):
            gitlab.add_user(user)
            tokens[user] = gitlab.add_token(user, scopes=("api", "read_user"), kind="oauth")
        # park is not in the group: GitLab shows him its public and internal work only
        # (a member could read a private project in GitLab, and so in the gallery).
        gitlab.add_group(GROUP, {"kim": 30, "lee": 30}, visibility="public")
        env = {
            "JUPYTERHUB_CRYPT_KEY": secrets.token_hex(32),
            "TEST_CLIENT_SECRET": "unused",
            "TEST_GITLAB_TOKENS": json.dumps(tokens),
            "TEST_GALLERY_TOKEN": gitlab.add_token("bot", scopes=("read_api",)),
        }
        settings = base_settings(
            tmp_path / "state",
            sharing=sharing,
            auth={
                "method": "gitlab",
                "admin_users": ["admin"],
                "gitlab": {"url": gitlab.url, "client_id": "hub", "client_secret": {"env": "TEST_CLIENT_SECRET"}},
            },
            gallery={**gallery, "token": {"env": "TEST_GALLERY_TOKEN"}},
        )
    hub = RunningHub(tmp_path, settings, env=env)
    if mode == "gitlab":
        (tmp_path / "extra-config" / "60-gitlab-tokens.py").write_text(AUTH_STATE_CONFIG)
    return hub.start()


def entries(s: requests.Session, hub: RunningHub) -> list[dict]:
    r = s.get(f"{hub.url}/services/gallery/api/entries", timeout=30)
    assert r.status_code == 200, r.text[:300]
    return r.json()["entries"]


def share(hub: RunningHub, user: str, token: str, path: str, title: str, visibility: str) -> dict:
    assert hub.put_file(user, path, notebook(title, f"{title} 노트북", plot=True), token=token).status_code == 201
    r = hub.share(user, token, path, title, f"{title} 설명", visibility)
    assert r.status_code == 200, r.text
    return r.json()


def listed_within(s: requests.Session, hub: RunningHub, project: str, seconds: float) -> tuple[dict | None, float]:
    start = time.monotonic()
    while True:
        found = [e for e in entries(s, hub) if e["project"] == project]
        if found or time.monotonic() - start > seconds:
            return (found[0] if found else None), time.monotonic() - start
        time.sleep(0.2)


@pytest.mark.parametrize("mode", ["password", "gitlab"])
def test_a_new_share_is_listed_within_seconds_and_a_private_one_for_its_owner_only(tmp_path, gitlab_server, mode):
    hub = start_hub(tmp_path, gitlab_server, mode)
    try:
        sessions, tokens = {}, {}
        for user in ("kim", "lee"):
            login_session(hub, user).get(f"{hub.url}/hub/spawn", timeout=60)
        for user in ("kim", "lee", "park"):
            if user != "park":  # park only reads the gallery
                hub.wait_ready(user)
                tokens[user] = hub.api("POST", f"/users/{user}/tokens", json={"note": "t"}).json()["token"]
            sessions[user] = login_session(hub, user)
            assert sessions[user].get(f"{hub.url}/services/gallery/", timeout=60).status_code == 200
            assert entries(sessions[user], hub) == []  # loaded (empty); the next refresh is an hour away

        mine = share(hub, "kim", tokens["kim"], "인사자료.ipynb", "인사 평가 초안", "private")
        project = mine["project"]
        # The dialog's link: the gallery page of the project, by path.
        assert mine["gallery_url"] == f"{hub.url}/services/gallery/p/{project}"
        entry, took = listed_within(sessions["kim"], hub, project, WITHIN)
        print(f"{mode}: private share listed for its owner {took:.2f} s after the share's answer")
        assert entry is not None and entry["visibility"] == "private" and entry["title"] == "인사 평가 초안"
        page = sessions["kim"].get(mine["gallery_url"], timeout=30)
        assert page.status_code == 200 and "인사 평가 초안" in page.text
        assert 'data-gallery="private-badge"' in page.text  # the owner is told it is not public
        assert 'data-gallery="private-badge"' in sessions["kim"].get(f"{hub.url}/services/gallery/", timeout=30).text
        assert sessions["kim"].get(f"{hub.url}/services/gallery/thumb/{entry['id']}", timeout=30).status_code == 200

        # Another official: no card, and every link to it answers 404.
        park = sessions["park"]
        assert project not in json.dumps(entries(park, hub))
        for link in (f"p/{entry['id']}", f"p/{project}", f"open/{project}", f"thumb/{entry['id']}"):
            r = park.get(f"{hub.url}/services/gallery/{link}", allow_redirects=False, timeout=30)
            assert r.status_code == 404, (link, r.status_code)
            assert "인사 평가 초안" not in r.text

        # A public share reaches every official's gallery as fast.
        theirs = share(hub, "lee", tokens["lee"], "출장비.ipynb", "출장비 정산", "public")
        entry, took = listed_within(park, hub, theirs["project"], WITHIN)
        print(f"{mode}: public share listed for a colleague {took:.2f} s after the share's answer")
        assert entry is not None and entry["author"]
        if mode == "password":  # one share token for all: only the manifest's owner sees it
            assert project not in json.dumps(entries(sessions["lee"], hub))
    finally:
        hub.kill_everything()
