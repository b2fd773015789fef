"""The gallery's topic reaches the lab's share extension, which tags every share with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlab import settings
from govlab.labconfig import lab_server_config


def loaded(data: dict) -> settings.LoadedSettings:
    data.setdefault("auth", {}).setdefault("shared_password", {"user_password": {"env": "P"}})
    return settings.LoadedSettings(
        settings=settings.parse(data),
        secrets=settings.Secrets(user_password="user-pass"),
        source=Path("/etc/govlab/govlab.yaml"),
        state_dir=Path("/state"),
    )


@pytest.mark.parametrize(
    "gallery, topic",
    [
        ({}, "govlab"),
        ({"topic": "seoul-ai"}, "seoul-ai"),
        ({"enabled": True, "topic": " 행정-ai "}, "행정-ai"),
    ],
)
def test_gallery_topic_reaches_the_share_extension(gallery, topic):
    share = lab_server_config(loaded({"gallery": gallery}))["GovlabShare"]
    assert share["gallery_topic"] == topic


def test_the_share_extension_accepts_the_topic_as_config():
    from traitlets.config import Config

    govlab_share = pytest.importorskip("govlab_share.config")
    cfg = govlab_share.GovlabShare(config=Config({"GovlabShare": {"gallery_topic": "seoul-ai"}}))
    assert cfg.gallery_topic == "seoul-ai"
    assert govlab_share.GovlabShare().gallery_topic == "govlab"  # the gallery's default topic
