"""A real lab (jupyterlab's server extension) serves our Korean catalogue through its
translations API, which is what `translator.load('govlab_share')` reads in the browser."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError


@pytest.fixture
def jp_server_config(jp_server_config):
    config = dict(jp_server_config)
    config["ServerApp"] = {"jpserver_extensions": {"jupyterlab": True, "govlab_share": True}}
    return config


async def test_korean_lab_gets_our_catalogue(jp_fetch):
    response = await jp_fetch("lab", "api", "translations", "ko_KR")
    data = json.loads(response.body)["data"]
    ours = data["govlab_share"]
    assert ours[""]["language"] == "ko-KR"
    assert ours["Share to GitLab"] == ["GitLab에 공유"]
    assert ours["imported by the notebook"] == ["노트북이 불러옴 / imported by the notebook"]
    assert ours["%1 message"][0] == "메시지 %1개"
    # Served beside JupyterLab's own Korean pack, not instead of it.
    assert data["jupyterlab"]["Settings"] == ["설정"]


async def test_english_lab_gets_no_catalogue(jp_fetch):
    """English is the msgids themselves: nothing of ours is loaded."""
    response = await jp_fetch("lab", "api", "translations", "en")
    assert "govlab_share" not in json.loads(response.body)["data"]


async def test_translations_need_a_signed_in_user(jp_fetch):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("lab", "api", "translations", "ko_KR", headers={"Authorization": ""})
    assert err.value.code == 403
