"""The 시작하기 hand-out on real files: edits kept, deletions respected, symlinks not
followed, files given to the home's owner; and the welcome settings' validation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from govlab import settings, welcome

ENV = {"GOVLAB_USER_PASSWORD": "x" * 24}


def starters(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "data").mkdir(parents=True)
    (src / "a.ipynb").write_text("A")
    (src / "b.ipynb").write_text("B")
    (src / "data" / "d.csv").write_text("D")
    (src / ".hidden").write_text("H")
    return src


def test_first_start_copies_and_marks(tmp_path):
    src, home = starters(tmp_path), tmp_path / "home"
    copied = welcome.hand_out(src, home)
    assert sorted(copied) == ["시작하기/a.ipynb", "시작하기/b.ipynb", "시작하기/data/d.csv"]
    assert (home / "시작하기" / "a.ipynb").read_text() == "A"
    assert not (home / "시작하기" / ".hidden").exists()
    marker = json.loads((home / welcome.MARKER).read_text())
    assert set(marker["handed_out"]) == set(copied)


def test_edits_kept_deletions_respected_new_files_added(tmp_path):
    src, home = starters(tmp_path), tmp_path / "home"
    welcome.hand_out(src, home)
    (home / "시작하기" / "a.ipynb").write_text("my edit")
    (home / "시작하기" / "b.ipynb").unlink()
    (src / "c.ipynb").write_text("C")  # the operator adds one later
    assert welcome.hand_out(src, home) == ["시작하기/c.ipynb"]
    assert (home / "시작하기" / "a.ipynb").read_text() == "my edit"
    assert not (home / "시작하기" / "b.ipynb").exists()
    # The whole folder deleted: nothing comes back.
    for p in sorted((home / "시작하기").rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    (home / "시작하기").rmdir()
    assert welcome.hand_out(src, home) == []
    assert not (home / "시작하기").exists()


def test_an_officials_file_of_the_same_name_wins(tmp_path):
    src, home = starters(tmp_path), tmp_path / "home"
    (home / "시작하기").mkdir(parents=True)
    (home / "시작하기" / "a.ipynb").write_text("mine")
    assert "시작하기/a.ipynb" not in welcome.hand_out(src, home)
    assert (home / "시작하기" / "a.ipynb").read_text() == "mine"


def test_builtin_pick_is_the_new_user_set(tmp_path):
    files = welcome.starter_files(welcome.BUILTIN_DIR, welcome.BUILTIN_PICK)
    assert {
        "01_주피터랩과_AI_도우미.ipynb",
        "02_공공데이터_pandas.ipynb",
        "05_작업_공유하기.ipynb",
        "govlab_check.py",
        "data/민원응대기록_가상.csv",
    } <= set(files)
    assert not any(f.startswith(("03_", "04_")) for f in files)


def test_planted_symlinks_are_not_followed(tmp_path):
    src, home = starters(tmp_path), tmp_path / "home"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    home.mkdir()
    (home / "시작하기").symlink_to(elsewhere)
    (home / welcome.MARKER).symlink_to(tmp_path / "victim.json")
    assert welcome.hand_out(src, home) == []
    assert list(elsewhere.iterdir()) == []
    assert not (tmp_path / "victim.json").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand files to another user")
def test_as_root_files_belong_to_the_homes_owner(tmp_path):
    src, home = starters(tmp_path), tmp_path / "home"
    home.mkdir()
    os.chown(home, 4321, 4321)
    welcome.hand_out(src, home)
    for p in [home / welcome.MARKER, *(home / "시작하기").rglob("*"), home / "시작하기"]:
        st = os.lstat(p)
        assert (st.st_uid, st.st_gid) == (4321, 4321), p


def test_the_image_entry_point_honours_the_switch(tmp_path, monkeypatch):
    monkeypatch.setenv(welcome.ENV_SWITCH, "off")
    assert welcome.main(["--home", str(tmp_path / "h")]) == 0
    assert not (tmp_path / "h").exists()


def load(tmp_path: Path, **extra) -> settings.LoadedSettings:
    data = {
        "auth": {"shared_password": {"user_password": {"env": "GOVLAB_USER_PASSWORD"}, "trusted_trial": True}},
        "local": {"trusted_group": True},
        **extra,
    }
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return settings.load(path, environ=ENV)


def test_settings_default_is_the_builtin_starters(tmp_path):
    loaded = load(tmp_path)
    assert welcome.source_of(loaded) == (welcome.BUILTIN_DIR, welcome.BUILTIN_PICK)
    assert welcome.source_of(load(tmp_path, welcome={"enabled": False})) is None


def test_settings_own_folder_relative_to_the_file(tmp_path):
    (tmp_path / "mine").mkdir()
    assert welcome.source_of(load(tmp_path, welcome={"folder": "mine"})) == (tmp_path / "mine", None)


@pytest.mark.parametrize(
    "extra, key, words",
    [
        ({"welcome": {"folder": "nowhere"}}, "welcome.folder", "does not exist"),
        ({"welcome": {"enabled": "maybe"}}, "welcome.enabled", ""),
        ({"welcome": {"folders": "x"}}, "welcome.folders", ""),
    ],
)
def test_settings_errors_name_the_key(tmp_path, extra, key, words):
    with pytest.raises(settings.SettingsError) as e:
        load(tmp_path, **extra)
    assert any(k == key and words in msg for k, msg in e.value.problems), e.value.problems


def parsed(tmp_path: Path, data: dict) -> settings.LoadedSettings:
    data = {"auth": {"shared_password": {"user_password": {"env": "P"}}}, **data}
    return settings.LoadedSettings(
        settings=settings.parse(data),
        secrets=settings.Secrets(user_password="u"),
        source=tmp_path / "govlab.yaml",
        state_dir=tmp_path / "state",
    )


class FakeSpawner:  # only the traits the hooks set; the hooks are govlab's own code
    volumes: dict = {}


def test_one_mechanism_per_mode(tmp_path):
    from govlab.hubconfig import Runtime, container_environment
    from govlab.hubsetup import pre_spawn_hooks

    (tmp_path / "mine").mkdir()
    runtime = Runtime(python="/venv/bin/python")
    docker = {"mode": "docker", "docker": {"network": "host"}}
    # Local: the hub's hook copies; containers: nothing from the hub unless told.
    assert any(h.__qualname__.startswith("welcome_hook") for h in pre_spawn_hooks(parsed(tmp_path, {})))
    assert not any("welcome" in h.__qualname__ for h in pre_spawn_hooks(parsed(tmp_path, docker)))
    assert welcome.ENV_SWITCH not in container_environment(parsed(tmp_path, docker), runtime)
    # Docker with the operator's folder: mounted read-only where the entry point looks.
    hooks = [
        h
        for h in pre_spawn_hooks(parsed(tmp_path, {**docker, "welcome": {"folder": "mine"}}))
        if "welcome" in h.__qualname__
    ]
    spawner = FakeSpawner()
    hooks[0](spawner)
    assert spawner.volumes == {str(tmp_path / "mine"): {"bind": welcome.IMAGE_MOUNT, "mode": "ro"}}
    # Off: no hook in local mode, and every container lab's environment says so.
    assert not any(
        "welcome" in h.__qualname__ for h in pre_spawn_hooks(parsed(tmp_path, {"welcome": {"enabled": False}}))
    )
    off = container_environment(parsed(tmp_path, {**docker, "welcome": {"enabled": False}}), runtime)
    assert off[welcome.ENV_SWITCH] == "off"


def test_swarm_and_kubernetes_refuse_a_hub_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    s = settings.parse({"mode": "swarm", "welcome": {"folder": "mine"}})
    assert [k for k, _ in settings.welcome_problems(s, tmp_path)] == ["welcome.folder"]
