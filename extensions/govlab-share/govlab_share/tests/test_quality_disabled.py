"""sharing.quality_check.enabled: false - the dialog is told, and the route refuses."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config["GovlabShare"]["quality_check_enabled"] = False
    return jp_server_config


def test_disabled_check_is_refused_and_reported(fetch, workspace):
    context = json.loads(fetch("govlab-share", "context", params={"path": workspace["path"]}).body)
    assert context["quality_check"]["enabled"] is False
    resp = fetch("govlab-share", "quality", method="POST", body=json.dumps({"path": workspace["path"]}))
    assert resp.code == 403
    body = json.loads(resp.body)
    assert body["error"]["code"] == "quality_disabled"
    assert "꺼져" in body["message"]["ko"] and "turned off" in body["message"]["en"]
