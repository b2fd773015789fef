"""sharing.quality_check reaches the lab's share extension (GovlabShare traits)."""

from __future__ import annotations

from pathlib import Path

import pytest
from traitlets import TraitError
from traitlets.config import Config

from govlab import settings
from govlab.labconfig import lab_server_config
from govlab.settings.base import SettingsError


def loaded(data: dict) -> settings.LoadedSettings:
    data.setdefault("auth", {}).setdefault("shared_password", {"user_password": {"env": "P"}})
    return settings.LoadedSettings(
        settings=settings.parse(data),
        secrets=settings.Secrets(user_password="user-pass"),
        source=Path("/etc/govlab/govlab.yaml"),
        state_dir=Path("/state"),
    )


@pytest.mark.parametrize(
    ("quality", "enabled", "limit"),
    [({}, True, 300), ({"enabled": False}, False, 300), ({"time_limit_seconds": 45}, True, 45)],
)
def test_quality_check_settings_reach_the_lab(quality, enabled, limit):
    share = lab_server_config(loaded({"sharing": {"quality_check": quality}}))["GovlabShare"]
    assert (share["quality_check_enabled"], share["quality_time_limit"]) == (enabled, limit)
    config = pytest.importorskip("govlab_share.config")
    cfg = config.GovlabShare(config=Config({"GovlabShare": share}))
    assert (cfg.quality_check_enabled, cfg.quality_time_limit) == (enabled, limit)


@pytest.mark.parametrize("limit", [9, 3601, "lang"])
def test_time_limit_out_of_range_is_refused(limit):
    with pytest.raises(SettingsError) as err:
        settings.parse({"sharing": {"quality_check": {"time_limit_seconds": limit}}})
    assert "sharing.quality_check.time_limit_seconds" in str(err.value)
    config = pytest.importorskip("govlab_share.config")
    if isinstance(limit, int):
        with pytest.raises(TraitError):
            config.GovlabShare(config=Config({"GovlabShare": {"quality_time_limit": limit}}))
