"""lab.environment and lab.secret_environment: validated once, in every lab's environment
in every mode, secret values never in written config or printed output."""

from __future__ import annotations

import json

import pytest
import yaml

from govlab import handoff, settings
from govlab.cli import masked, resolved_config
from govlab.hubconfig import build_hub_config
from govlab.k8svalues import k8s_values, secret_commands
from tests.unit.test_hubconfig import RUNTIME

SERVICE_KEY = "data-go-kr-key-7c41e9"  # distinctive: must never show where it must not
FILE_KEY = "file-held-key-0b83aa"
LAB = {
    "environment": {"TZ": "Asia/Seoul", "MAX_ROWS": 500},
    "secret_environment": {
        "DATA_GO_KR_SERVICE_KEY": {"env": "GOVLAB_DATA_GO_KR_KEY"},
        "MAP_API_KEY": {"file": "map.key"},
    },
}
HOST = {"network": "host", "image": "govlab/lab:0.1.0"}


def write(tmp_path, data: dict):
    path = tmp_path / "govlab.yaml"
    data = {"auth": {"shared_password": {"user_password": {"env": "P"}, "trusted_trial": True}}, "lab": LAB, **data}
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    key = tmp_path / "map.key"
    key.write_text(FILE_KEY + "\n")
    key.chmod(0o600)
    return path


def load(tmp_path, **data) -> settings.LoadedSettings:
    environ = {"P": "user-password-1", "GOVLAB_DATA_GO_KR_KEY": SERVICE_KEY}
    return settings.load(write(tmp_path, data), environ=environ)


EXPECTED = {"TZ": "Asia/Seoul", "MAX_ROWS": "500", "DATA_GO_KR_SERVICE_KEY": SERVICE_KEY, "MAP_API_KEY": FILE_KEY}


@pytest.mark.parametrize(
    "mode, data, spawner",
    [
        ("local", {}, "Spawner"),
        ("docker", {"docker": HOST}, "GovlabDockerSpawner"),
        ("swarm", {"docker": HOST}, "GovlabSwarmSpawner"),
    ],
)
def test_every_hub_mode_gives_the_variables_to_every_lab(tmp_path, mode, data, spawner):
    config = build_hub_config(load(tmp_path, mode=mode, **data), RUNTIME)
    env = config[spawner]["environment"]
    assert {k: env.get(k) for k in EXPECTED} == EXPECTED
    # the lab's own config (JSON, the one thing that may be written out) holds no secret
    assert SERVICE_KEY not in env["GOVLAB_LAB_CONFIG"] and FILE_KEY not in env["GOVLAB_LAB_CONFIG"]


def test_kubernetes_values_refer_to_the_labs_secret_and_hold_no_value(tmp_path):
    path = write(tmp_path, {"mode": "kubernetes", "hub": {"public_url": "https://lab.example.go.kr"}})
    loaded = settings.load(path, environ={})  # the operator's machine needs no secret
    values = k8s_values(loaded.settings)
    env = values["singleuser"]["extraEnv"]
    assert env["TZ"] == "Asia/Seoul"
    for name in ("DATA_GO_KR_SERVICE_KEY", "MAP_API_KEY"):
        assert env[name] == {"valueFrom": {"secretKeyRef": {"name": "govlab-lab", "key": name}}}
    text = json.dumps(values)
    assert "in the cluster" not in text
    lab_command = next(c for c in secret_commands(loaded.settings) if "govlab-lab" in c)
    assert "--from-file=DATA_GO_KR_SERVICE_KEY=./DATA_GO_KR_SERVICE_KEY" in lab_command
    assert "--from-file=MAP_API_KEY=./MAP_API_KEY" in lab_command


def test_shown_config_masks_the_secret_values(tmp_path):
    loaded = load(tmp_path)
    shown = json.dumps(resolved_config(masked(loaded)), ensure_ascii=False, default=str)
    assert SERVICE_KEY not in shown and FILE_KEY not in shown
    assert "DATA_GO_KR_SERVICE_KEY" in shown and "Asia/Seoul" in shown
    assert SERVICE_KEY not in repr(loaded.secrets) and SERVICE_KEY not in str(loaded.settings)


def test_the_referenced_variable_is_handed_over_and_the_file_must_be_private(tmp_path):
    loaded = load(tmp_path)
    # `govlab start` takes it out of the hub's environment and pipes it over
    assert "GOVLAB_DATA_GO_KR_KEY" in handoff.secret_env_names(loaded.settings)
    (tmp_path / "map.key").chmod(0o644)
    loose = dict(handoff.loose_secret_files(loaded.settings, tmp_path))
    assert "chmod 600" in loose["lab.secret_environment.MAP_API_KEY"]


def test_a_missing_secret_names_its_key(tmp_path):
    with pytest.raises(settings.SettingsError) as info:
        settings.load(write(tmp_path, {}), environ={"P": "user-password-1"})
    problems = dict(info.value.problems)
    assert "GOVLAB_DATA_GO_KR_KEY" in problems["lab.secret_environment.DATA_GO_KR_SERVICE_KEY"]


@pytest.mark.parametrize(
    "lab, words",
    [
        ({"environment": {"PATH": "/tmp/evil"}}, "['PATH'] are set by govlab"),
        ({"environment": {"JUPYTERHUB_API_URL": "http://evil"}}, "JUPYTERHUB_"),
        ({"environment": {"govlab_lab_config": "{}"}}, "GOVLAB_"),
        ({"environment": {"LD_PRELOAD": "/tmp/x.so"}}, "cannot be replaced"),
        ({"secret_environment": {"OPENAI_API_KEY": {"env": "X"}}}, "OPENAI_"),
        ({"environment": {"1ST": "x"}}, "not variable names"),
        ({"environment": {"A-B": "x"}}, "not variable names"),
        ({"environment": {"DATA_GO_KR_SERVICE_KEY": "x"}}, "move them to `lab.secret_environment`"),
        ({"environment": {"DB_PASSWORD": "x"}}, "look like secrets"),
        ({"environment": {"TZ": ["a"]}}, "TZ: give a text value"),
        ({"environment": {"TZ": "x" * 5000}}, "at most 4096"),
        ({"environment": {"TZ": "Asia/Seoul"}, "secret_environment": {"TZ": {"env": "X"}}}, "in both"),
        ({"secret_environment": {"K": {"env": "X", "file": "y"}}}, "exactly one"),
        ({"colour": "blue"}, "unknown key"),
    ],
)
def test_bad_lab_settings_name_the_key_and_the_fix(lab, words):
    with pytest.raises(settings.SettingsError) as info:
        settings.parse({"lab": lab})
    assert all(key.startswith("lab") for key, _ in info.value.problems), info.value.problems
    assert words in str(info.value)


def test_a_secret_written_inline_is_refused_without_echoing_it():
    with pytest.raises(settings.SettingsError) as info:
        settings.parse({"lab": {"secret_environment": {"DATA_GO_KR_SERVICE_KEY": SERVICE_KEY}}})
    text = str(info.value)
    assert "lab.secret_environment" in text and "{env: VARIABLE_NAME}" in text
    assert SERVICE_KEY not in text


def test_no_lab_section_changes_nothing():
    plain = settings.parse({})
    assert plain.lab.environment == {} and plain.lab.secret_environment == {}
