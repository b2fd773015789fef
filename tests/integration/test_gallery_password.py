"""The gallery with shared-password sign-in: a real hub and the loopback GitLab, no labs.

Officials have no GitLab identity here, so the gallery shows the shared catalog read
with the share token: public and internal work, never a private project. (Kept apart
from test_gallery.py, whose module-wide GitLab data a per-test reset would wipe.)
"""

from __future__ import annotations

import json

import pytest
import requests

from tests.integration.test_gallery import AGENCY, GROUP, wait_for
from tests.support.hub import RunningHub, base_settings, free_port, login_session

pytestmark = pytest.mark.hub


def test_with_shared_password_sign_in_the_gallery_lists_public_and_internal_work(tmp_path, gitlab_server):
    # No GitLab identity per official: the catalog (read with the share token) is all they see.
    gitlab_server.add_user("team", name="정책팀")
    token = gitlab_server.add_token("team", scopes=("api",))
    gitlab_server.add_group(GROUP, {"team": 30}, visibility="public")
    manifest = json.dumps({"title": "세무 민원 분류", "agency": AGENCY, "author": "정책팀"}, ensure_ascii=False)
    for path, visibility in (("semu", "public"), ("naebu", "internal"), ("bimil", "private")):
        gitlab_server.add_project(
            GROUP,
            f"세무 {path}",
            path,
            visibility,
            ["govlab"],
            files={"govlab-manifest.json": manifest, "README.md": "# 세무\n"},
        )
    settings = base_settings(
        tmp_path / "state",
        sharing={"gitlab_url": gitlab_server.url, "namespace": GROUP, "token": {"env": "GOVLAB_GITLAB_TOKEN"}},
        gallery={"enabled": True, "bind_url": f"http://127.0.0.1:{free_port()}"},
    )
    hub = RunningHub(tmp_path, settings, env={"GOVLAB_GITLAB_TOKEN": token}).start()
    try:
        s = login_session(hub, "choi")
        assert "/services/gallery/" in s.get(f"{hub.url}/hub/home", timeout=30).text  # the Services menu
        r = s.get(f"{hub.url}/services/gallery/", timeout=60)
        assert r.status_code == 200 and "공유 갤러리" in r.text
        got = wait_for(lambda: s.get(f"{hub.url}/services/gallery/api/entries", timeout=30).json()["entries"])
        assert sorted(e["project"] for e in got) == [f"{GROUP}/naebu", f"{GROUP}/semu"]
        # Signed out: the gallery sends the browser to the hub's sign-in, never the list.
        anon = requests.get(f"{hub.url}/services/gallery/api/entries", allow_redirects=False, timeout=30)
        assert anon.status_code in (302, 403) and "semu" not in anon.text
    finally:
        hub.kill_everything()
