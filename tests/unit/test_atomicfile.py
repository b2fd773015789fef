"""govlab.atomicfile: the hub side's one atomic, durable file replace."""

from __future__ import annotations

import os
import stat

import pytest

from govlab.atomicfile import write_atomic


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_an_exact_mode_whatever_the_umask_and_no_temporary_file_left(tmp_path):
    old = os.umask(0)
    try:
        write_atomic(tmp_path / "secret", "비밀 s3cret", mode=0o600)
    finally:
        os.umask(old)
    assert (tmp_path / "secret").read_text(encoding="utf-8") == "비밀 s3cret"
    assert mode(tmp_path / "secret") == 0o600
    assert os.listdir(tmp_path) == ["secret"]


def test_without_a_mode_the_replaced_file_keeps_its_own_and_a_new_one_follows_the_umask(tmp_path):
    nb = tmp_path / "보고서.ipynb"
    nb.write_text("old")
    nb.chmod(0o640)
    write_atomic(nb, b"new")
    assert nb.read_bytes() == b"new" and mode(nb) == 0o640
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.json", "{}")
    finally:
        os.umask(old)
    assert mode(tmp_path / "new.json") == 0o640


def test_a_planted_symlink_is_replaced_never_its_target(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".marker").symlink_to(target)
    fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY)
    try:
        write_atomic(".marker", "mine", mode=0o600, dir_fd=fd)
    finally:
        os.close(fd)
    assert target.read_text() == "keep"
    assert not (home / ".marker").is_symlink() and (home / ".marker").read_text() == "mine"
    assert os.listdir(home) == [".marker"]


def test_a_failed_write_leaves_the_old_file_whole(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(path, 12345)  # not bytes: the write fails midway
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["state.json"]
