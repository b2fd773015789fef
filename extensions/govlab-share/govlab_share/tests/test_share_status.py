"""`GET /govlab-share/status` on a real jupyter_server: yes/no only, signed-in only."""

from __future__ import annotations

import json

import pytest


def test_configured_lab_says_yes(fetch):
    r = fetch("govlab-share", "status", method="GET")
    assert r.code == 200 and json.loads(r.body) == {"configured": True}


def test_needs_sign_in(fetch):
    r = fetch("govlab-share", "status", method="GET", headers={"Authorization": ""})
    assert r.code in (302, 403)


class TestWithoutGitLab:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        return {**jp_server_config, "GovlabShare": {**jp_server_config["GovlabShare"], "gitlab_url": ""}}

    def test_says_no_and_names_no_setting(self, fetch):
        r = fetch("govlab-share", "status", method="GET")
        assert r.code == 200 and json.loads(r.body) == {"configured": False}
        assert b"GovlabShare" not in r.body
