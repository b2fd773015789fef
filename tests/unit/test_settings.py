"""The settings file: what is accepted, and the message for what is not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from govlab import settings
from govlab.settings import SettingsError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "govlab.example.yaml"
ENV = {"GOVLAB_USER_PASSWORD": "user-pass-1", "GOVLAB_ADMIN_PASSWORD": "a" * 32}


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "govlab.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True))
    return path


def minimal(**sections) -> dict:
    data = {
        "auth": {
            "admin_users": ["admin"],
            "shared_password": {
                "user_password": {"env": "GOVLAB_USER_PASSWORD"},
                "admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"},
                "trusted_trial": True,
            },
        }
    }
    data.update(sections)
    return data


def test_example_file_is_valid_and_documents_every_section():
    loaded = settings.load(EXAMPLE, environ=ENV)
    assert loaded.settings.mode == "local"
    assert loaded.settings.hub.bind_url == "http://127.0.0.1:8000"
    text = EXAMPLE.read_text()
    for section in settings.Settings.model_fields:
        if section not in ("docker", "kubernetes"):
            assert f"\n{section}:" in text, f"example lacks the {section} section"


def test_state_dir_is_relative_to_the_settings_file(tmp_path):
    loaded = settings.load(write(tmp_path, minimal(hub={"state_dir": "state"})), environ=ENV)
    assert loaded.state_dir == tmp_path / "state"


# (settings document, environment, the key the error must name, words the message must hold)
BAD = [
    pytest.param(minimal(colour="blue"), ENV, "colour", "unknown key", id="unknown-top-level-key"),
    pytest.param(minimal(hub={"bind_ur": "http://x"}), ENV, "hub.bind_ur", "unknown key", id="typo-in-section"),
    pytest.param(minimal(mode="cloud"), ENV, "mode", "'cloud'", id="unknown-mode"),
    pytest.param(
        minimal(mode="docker"), ENV, "docker.hub_connect_url", "http://hub:8081", id="bridged-labs-need-the-hub-address"
    ),
    pytest.param(minimal(culling={"timeout": "an hour"}), ENV, "culling.timeout", "integer", id="wrong-type"),
    pytest.param(minimal(culling={"timeout": -5}), ENV, "culling.timeout", "greater than or equal", id="negative"),
    pytest.param(minimal(limits={"memory": "lots"}), ENV, "limits.memory", "512M", id="bad-memory"),
    pytest.param(minimal(hub={"bind_url": "127.0.0.1:8000"}), ENV, "hub.bind_url", "http(s) URL", id="bad-url"),
    pytest.param(minimal(llm={"model": "qwen2.5"}), ENV, "llm.model", "openai/qwen2.5", id="model-without-provider"),
    pytest.param(
        minimal(llm={"base_url": "http://127.0.0.1:1/v1"}), ENV, "llm.model", "no model", id="url-without-model"
    ),
    pytest.param(
        minimal(llm={"model": "openai/m", "params": {"api_key": "sk-1"}}),
        ENV,
        "llm.params",
        "secrets",
        id="secret-in-params",
    ),
    pytest.param(
        minimal(llm={"model": "openai/m", "api_key": "sk-inline"}), ENV, "llm.api_key", "", id="inline-secret"
    ),
    pytest.param(
        minimal(llm={"model": "openai/m", "api_key": {"env": "NOPE_KEY"}}),
        ENV,
        "llm.api_key",
        "NOPE_KEY is not set",
        id="missing-secret-env",
    ),
    pytest.param(
        minimal(llm={"model": "openai/m", "api_key": {"file": "/nonexistent/key"}}),
        ENV,
        "llm.api_key",
        "file /nonexistent/key",
        id="missing-secret-file",
    ),
    pytest.param(
        minimal(llm={"model": "openai/m", "api_key": {"env": "A", "file": "b"}}),
        ENV,
        "llm.api_key",
        "exactly one",
        id="two-secret-sources",
    ),
    pytest.param(
        minimal(),
        {"GOVLAB_USER_PASSWORD": "user-pass-1"},
        "auth.shared_password.admin_password",
        "GOVLAB_ADMIN_PASSWORD",
        id="missing-admin-password",
    ),
    pytest.param(
        minimal(),
        {**ENV, "GOVLAB_ADMIN_PASSWORD": "short"},
        "auth.shared_password.admin_password",
        "32 characters",
        id="short-admin-password",
    ),
    pytest.param(
        minimal(),
        {**ENV, "GOVLAB_USER_PASSWORD": "short"},
        "auth.shared_password.user_password",
        "8 characters",
        id="short-user-password",
    ),
    pytest.param(minimal(auth={"method": "gitlab"}), ENV, "auth", "auth.gitlab", id="gitlab-without-section"),
    pytest.param(
        minimal(
            auth={
                "method": "gitlab",
                "gitlab": {"url": "https://gl", "client_id": "c", "client_secret": {"env": "GOVLAB_USER_PASSWORD"}},
            }
        ),
        ENV,
        "auth.method",
        "JUPYTERHUB_CRYPT_KEY",
        id="gitlab-without-crypt-key",
    ),
    pytest.param(
        minimal(auth={"admin_users": ["Kim Minsu"]}), ENV, "auth.admin_users", "not valid user names", id="bad-username"
    ),
    pytest.param(
        minimal(sharing={"namespace": "agency"}),
        ENV,
        "sharing.gitlab_url",
        "gitlab_url is empty",
        id="namespace-without-gitlab",
    ),
    pytest.param(
        minimal(hub={"db_url": "mysql://hub@db/hub"}), ENV, "hub.db_url", "postgresql://user@host", id="db-unsupported"
    ),
    pytest.param(minimal(hub={"db_url": "db.example/hub"}), ENV, "hub.db_url", "sqlite:///", id="db-not-a-url"),
    pytest.param(
        minimal(hub={"db_url": "postgresql://hub:pa55word@db/hub"}),
        ENV,
        "hub.db_url",
        "hub.db_password: {env:",
        id="db-password-in-url",
    ),
    pytest.param(
        minimal(hub={"db_password": {"env": "GOVLAB_USER_PASSWORD"}}),
        ENV,
        "hub.db_password",
        "PostgreSQL hub.db_url",
        id="db-password-without-postgresql",
    ),
    pytest.param(
        minimal(hub={"db_url": "postgresql://hub@db/hub", "db_password": {"env": "NOPE_DB"}}),
        ENV,
        "hub.db_password",
        "NOPE_DB is not set",
        id="db-password-missing",
    ),
    pytest.param(
        minimal(
            auth={
                "method": "gitlab",
                "gitlab": {
                    "url": "https://gl",
                    "client_id": "c",
                    "client_secret": {"env": "GOVLAB_USER_PASSWORD"},
                    "allowed_groups": ["mois/ai-lab"],
                },
            }
        ),
        {**ENV, "JUPYTERHUB_CRYPT_KEY": "k"},
        "auth.gitlab.allowed_groups",
        "numeric group ids",
        id="gitlab-subgroup-path",
    ),
    pytest.param(
        minimal(
            auth={
                "method": "gitlab",
                "gitlab": {
                    "url": "gitlab.example.go.kr",
                    "client_id": "c",
                    "client_secret": {"env": "GOVLAB_USER_PASSWORD"},
                },
            }
        ),
        {**ENV, "JUPYTERHUB_CRYPT_KEY": "k"},
        "auth.gitlab.url",
        "https://gitlab.example.go.kr",
        id="gitlab-url-without-scheme",
    ),
    pytest.param(
        minimal(sharing={"default_visibility": "secret"}),
        ENV,
        "sharing.default_visibility",
        "'secret'",
        id="bad-visibility",
    ),
    pytest.param("hub: [unclosed", ENV, "line", "not valid YAML", id="broken-yaml"),
    pytest.param("- a\n- b\n", ENV, "(top level)", "mapping", id="not-a-mapping"),
]


@pytest.mark.parametrize("data, environ, key, words", BAD)
def test_bad_settings_name_the_key_and_the_fix(tmp_path, data, environ, key, words):
    with pytest.raises(SettingsError) as info:
        settings.load(write(tmp_path, data), environ=environ)
    problems = dict(info.value.problems)
    assert any(k.startswith(key) for k in problems), problems
    assert words in str(info.value)


def test_missing_file_says_how_to_point_at_one(tmp_path):
    with pytest.raises(SettingsError) as info:
        settings.load(tmp_path / "nope.yaml", environ={})
    assert "--config" in str(info.value)


def test_secret_from_file_is_read_and_trimmed(tmp_path):
    (tmp_path / "llm.key").write_text("sk-from-file\n")
    data = minimal(llm={"model": "openai/m", "api_key": {"file": "llm.key"}})
    loaded = settings.load(write(tmp_path, data), environ=ENV)
    assert loaded.secrets.llm_api_key.get_secret_value() == "sk-from-file"
    assert "sk-from-file" not in repr(loaded)


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "govlab.cli", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        timeout=60,
    )


def test_check_config_shows_resolved_config_with_secrets_masked(tmp_path):
    (tmp_path / "llm.key").write_text("sk-very-secret-value")
    data = minimal(
        llm={
            "model": "openai/m",
            "base_url": "http://127.0.0.1:9/v1",
            "api_key": {"file": "llm.key"},
            "check_timeout": 1,
        }
    )
    result = run_cli("check-config", "--config", str(write(tmp_path, data)), env=ENV)
    assert result.returncode == 0, result.stderr
    # As root each official's lab runs as their own system user (govlab.spawners).
    spawner = "govlab.spawners.GovlabLocalSpawner" if os.geteuid() == 0 else "govlab.spawners.GovlabSimpleSpawner"
    assert f'"spawner_class": "{spawner}"' in result.stdout
    assert '"initial_language_model": "openai/m"' in result.stdout
    for secret in ("sk-very-secret-value", ENV["GOVLAB_USER_PASSWORD"], ENV["GOVLAB_ADMIN_PASSWORD"]):
        assert secret not in result.stdout + result.stderr
    assert "********" in result.stdout
    # The endpoint is down: a warning, and still valid.
    assert "not reachable" in result.stderr and "is valid" in result.stderr


def test_start_refuses_bad_settings_before_starting_anything(tmp_path):
    result = run_cli("start", "--config", str(write(tmp_path, minimal(culling={"timeout": "soon"}))), env=ENV)
    assert result.returncode == 2
    assert "culling.timeout" in result.stderr
    assert "JupyterHub" not in result.stdout


def test_version_lists_components():
    result = run_cli("version")
    assert result.returncode == 0
    assert result.stdout.startswith("govlab ")
    assert "jupyterhub 6.1.1" in result.stdout and "jupyter-ai 3.2.0" in result.stdout


def test_a_password_in_the_database_url_is_never_echoed(tmp_path):
    with pytest.raises(SettingsError) as info:
        settings.load(write(tmp_path, minimal(hub={"db_url": "postgresql://hub:pa55word@db/hub"})), environ=ENV)
    assert "pa55word" not in str(info.value)


def test_postgresql_with_its_password_from_the_environment(tmp_path):
    data = minimal(
        hub={"db_url": "postgresql://hub@db.internal:5432/hub", "db_password": {"env": "GOVLAB_DB_PASSWORD"}}
    )
    loaded = settings.load(write(tmp_path, data), environ={**ENV, "GOVLAB_DB_PASSWORD": "db-secret"})
    assert loaded.settings.hub.uses_postgresql
    assert loaded.secrets.db_password.get_secret_value() == "db-secret"
    assert "db-secret" not in repr(loaded)


def test_allowed_groups_may_be_numeric_ids(tmp_path):
    data = minimal(
        auth={
            "method": "gitlab",
            "gitlab": {
                "url": "https://gl.example/",
                "client_id": "c",
                "client_secret": {"env": "GOVLAB_USER_PASSWORD"},
                "allowed_groups": [123, "ai-lab"],
            },
        }
    )
    loaded = settings.load(write(tmp_path, data), environ={**ENV, "JUPYTERHUB_CRYPT_KEY": "k"})
    assert loaded.settings.auth.gitlab.allowed_groups == ["123", "ai-lab"]
    assert loaded.settings.auth.gitlab.url == "https://gl.example"
