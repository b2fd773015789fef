"""govlab_share.atomicfile: the lab side's one atomic, durable file replace."""

from __future__ import annotations

import os
import stat

import pytest

from govlab_share.atomicfile import write_atomic
from govlab_share.history import ShareHistory


def test_the_share_record_is_private_and_whole(tmp_path):
    path = tmp_path / "govlab" / "shares.json"  # the folder does not exist yet
    ShareHistory(path).put("분석.ipynb", {"web_url": "https://gitlab.example/p"})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ShareHistory(path).get("분석.ipynb")["web_url"] == "https://gitlab.example/p"
    assert os.listdir(path.parent) == ["shares.json"]


def test_a_failed_write_leaves_the_old_file_whole(tmp_path):
    path = tmp_path / "shares.json"
    write_atomic(path, "old")
    with pytest.raises(TypeError):
        write_atomic(path, 12345)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["shares.json"]
