"""Settings in, JupyterHub and lab config out: table-driven checks of the pure builders."""

from __future__ import annotations

import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import SecretStr

from govlab import settings
from govlab.hubconfig import GITLAB_REFUSED_MESSAGE, Runtime, build_hub_config, hub_process_env, merge
from govlab.labconfig import (
    GOVLAB_PERSONA_ID,
    NO_KEY_PLACEHOLDER,
    UNCONFIGURED_MESSAGE,
    UNCONFIGURED_MODEL,
    lab_environment,
    lab_server_config,
)
from govlab.spawnhooks import PortAllocator, assign_ports

RUNTIME = Runtime(python="/venv/bin/python", proxy_command=("/venv/bin/chp",), lab_config_dir="/state/lab-config")


def loaded(data: dict | None = None, **secrets) -> settings.LoadedSettings:
    data = data or {}
    data.setdefault("auth", {}).setdefault("shared_password", {"user_password": {"env": "P"}})
    return settings.LoadedSettings(
        settings=settings.parse(data),
        secrets=settings.Secrets(**{"user_password": "user-pass", **secrets}),
        source=Path("/etc/govlab/govlab.yaml"),
        state_dir=Path("/state"),
    )


def dig(config: dict, dotted: str):
    cls, _, trait = dotted.partition(".")
    return config[cls][trait]


# (settings, runtime overrides, "Class.trait", expected value)
HUB_CASES = [
    ({}, {}, "JupyterHub.bind_url", "http://127.0.0.1:8000"),
    ({"hub": {"bind_url": "http://0.0.0.0:80/"}}, {}, "JupyterHub.bind_url", "http://0.0.0.0:80"),
    ({}, {}, "JupyterHub.db_url", "sqlite:////state/jupyterhub.sqlite"),
    ({"hub": {"db_url": "postgresql://hub@db/hub"}}, {}, "JupyterHub.db_url", "postgresql://hub@db/hub"),
    ({}, {}, "JupyterHub.cookie_secret_file", "/state/jupyterhub_cookie_secret"),
    ({}, {}, "JupyterHub.spawner_class", "govlab.spawners.GovlabSimpleSpawner"),
    ({}, {}, "JupyterHub.authenticator_class", "shared-password"),
    ({}, {}, "JupyterHub.cleanup_servers", True),
    ({"hub": {"stop_servers_on_exit": False}}, {}, "JupyterHub.cleanup_servers", False),
    ({"hub": {"concurrent_spawn_limit": 7}}, {}, "JupyterHub.concurrent_spawn_limit", 7),
    # The proxy starts through govlab.proxyexec: its own token, not the hub's environment.
    ({}, {}, "ConfigurableHTTPProxy.command", ["/venv/bin/python", "-m", "govlab.proxyexec", "/venv/bin/chp"]),
    ({}, {}, "ConfigurableHTTPProxy.api_url", "http://127.0.0.1:8001"),
    ({}, {}, "SimpleLocalProcessSpawner.home_dir_template", "/state/home/{username}"),
    (
        {"local": {"homes": "/srv/h", "trusted_group": True}},
        {},
        "SimpleLocalProcessSpawner.home_dir_template",
        "/srv/h/{username}",
    ),
    # Hub as root: a system user per official, homes under local.homes (default /home/govlab).
    ({}, {"running_as_root": True}, "JupyterHub.spawner_class", "govlab.spawners.GovlabLocalSpawner"),
    ({}, {"running_as_root": True}, "GovlabLocalSpawner.homes", "/home/govlab"),
    ({"local": {"homes": "/srv/h"}}, {"running_as_root": True}, "GovlabLocalSpawner.homes", "/srv/h"),
    ({}, {}, "Spawner.cmd", ["/venv/bin/jupyterhub-singleuser"]),
    ({}, {}, "Spawner.default_url", "/lab"),
    ({}, {}, "Spawner.args", []),
    ({}, {"running_as_root": True}, "Spawner.args", []),  # a lab never runs as root
    ({"limits": {"memory": "4G", "cpu": 2}}, {}, "Spawner.mem_limit", "4G"),
    ({"limits": {"memory": "4G", "cpu": 2}}, {}, "Spawner.cpu_limit", 2.0),
    ({"hub": {"start_timeout": 90}}, {}, "Spawner.start_timeout", 90),
    ({"auth": {"admin_users": ["kim"], "shared_password": {}}}, {}, "Authenticator.admin_users", {"kim"}),
    ({}, {}, "Authenticator.allow_all", True),
    (
        {"auth": {"allowed_users": ["lee", "park"], "shared_password": {}}},
        {},
        "Authenticator.allowed_users",
        {"lee", "park"},
    ),
    ({}, {}, "SharedPasswordAuthenticator.user_password", "user-pass"),
]


@pytest.mark.parametrize("data, runtime, key, expected", HUB_CASES)
def test_hub_config(data, runtime, key, expected):
    runtime = Runtime(**{**RUNTIME.__dict__, **runtime})
    assert dig(build_hub_config(loaded(data), runtime), key) == expected


def test_no_allow_all_when_users_are_listed():
    config = build_hub_config(loaded({"auth": {"allowed_users": ["lee"], "shared_password": {}}}), RUNTIME)
    assert "allow_all" not in config["Authenticator"]


# (culling settings, expected culler command tail or None when off)
CULL_CASES = [
    ({}, ["--timeout=3600", "--cull-every=300"]),
    ({"timeout": 600, "every": 60}, ["--timeout=600", "--cull-every=60"]),
    ({"timeout": 600, "every": 60, "max_age": 86400}, ["--timeout=600", "--cull-every=60", "--max-age=86400"]),
    ({"enabled": False}, None),
]


@pytest.mark.parametrize("culling, tail", CULL_CASES)
def test_idle_culler_is_a_hub_service(culling, tail):
    config = build_hub_config(loaded({"culling": culling}), RUNTIME)
    services = config["JupyterHub"].get("services", [])
    if tail is None:
        assert services == []
        return
    (culler,) = services
    assert culler["command"][:3] == ["/venv/bin/python", "-m", "jupyterhub_idle_culler"]
    assert culler["command"][3:] == tail
    (role,) = config["JupyterHub"]["load_roles"]
    assert role["services"] == ["idle-culler"]
    assert set(role["scopes"]) == {"list:users", "read:users:activity", "read:servers", "delete:servers"}


def test_gitlab_sign_in_asks_for_the_scopes_the_share_needs():
    data = {
        "hub": {"public_url": "https://lab.example.go.kr"},
        "auth": {
            "method": "gitlab",
            "gitlab": {
                "url": "https://gitlab.example.go.kr",
                "client_id": "abc",
                "client_secret": {"env": "S"},
                "allowed_groups": ["ai-lab"],
            },
        },
        "sharing": {"gitlab_url": "https://gitlab.example.go.kr"},
    }
    config = build_hub_config(loaded(data, gitlab_client_secret="s3cret"), RUNTIME)
    gl = config["GitLabOAuthenticator"]
    assert config["JupyterHub"]["authenticator_class"] == "govlab.gitlab_auth.GovlabGitLabOAuthenticator"
    assert config["Authenticator"]["enable_auth_state"] is True
    assert config["Authenticator"]["refresh_pre_spawn"] is True
    roles = {r["name"]: r for r in config["JupyterHub"]["load_roles"]}
    # A lab's token cannot read auth_state (the refresh token): the share service hands
    # the lab the access token alone, reading auth_state with its own narrow role.
    assert not [s for s in roles["server"]["scopes"] if s.startswith("admin:auth_state")]
    assert "access:services!service=govlab-share" in roles["server"]["scopes"]
    assert {"self", "admin:auth_state!user", "access:services!service=govlab-share"} <= set(roles["user"]["scopes"])
    assert set(roles["govlab-share-service"]["scopes"]) == {"admin:auth_state", "read:users:name"}
    assert roles["govlab-share-service"]["services"] == ["govlab-share"]
    assert set(gl["scope"]) == {"api", "read_user"}
    assert gl["oauth_callback_url"] == "https://lab.example.go.kr/hub/oauth_callback"
    assert gl["client_secret"] == "s3cret"
    assert gl["allowed_gitlab_groups"] == {"ai-lab"}


# (llm settings, secrets, expected model id, expected model parameters, expected OPENAI_API_KEY)
LLM_CASES = [
    pytest.param(
        {},
        {},
        UNCONFIGURED_MODEL,
        {UNCONFIGURED_MODEL: {"model_kwargs": {"mock_response": UNCONFIGURED_MESSAGE}}},
        NO_KEY_PLACEHOLDER,
        id="no-model",
    ),
    pytest.param(
        {"model": "openai/qwen", "base_url": "http://127.0.0.1:8001/v1"},
        {},
        "openai/qwen",
        {"openai/qwen": {"api_base": "http://127.0.0.1:8001/v1"}},
        NO_KEY_PLACEHOLDER,
        id="keyless-vllm",
    ),
    pytest.param(
        {"model": "openai/gpt", "base_url": "https://gw.example/v1", "params": {"temperature": 0.2}},
        {"llm_api_key": "sk-1"},
        "openai/gpt",
        {"openai/gpt": {"temperature": 0.2, "api_base": "https://gw.example/v1"}},
        "sk-1",
        id="gateway-with-key",
    ),
    pytest.param(
        {"model": "ollama/llama3", "base_url": "http://127.0.0.1:11434"},
        {},
        "ollama/llama3",
        {"ollama/llama3": {"api_base": "http://127.0.0.1:11434"}},
        None,
        id="ollama-native",
    ),
]


@pytest.mark.parametrize("llm, secrets, model, params, key", LLM_CASES)
def test_lab_model_config_keeps_the_key_out_of_files(llm, secrets, model, params, key):
    ld = loaded({"llm": llm}, **secrets)
    lab = lab_server_config(ld)
    assert lab["JupyternautExtension"]["initial_language_model"] == model
    assert lab["JupyternautExtension"]["model_parameters"] == params
    assert lab["PersonaManager"]["default_persona_id"] == GOVLAB_PERSONA_ID
    # Only the govlab persona is offered (the stock one would skip the privacy guard).
    manager = lab["PersonaManagerExtension"]["persona_manager_class"]
    assert manager == "govlab.assistant.persona_manager.GovlabPersonaManager"
    assert "sk-1" not in repr(lab)
    env = lab_environment(ld, lab_config_dir="/state/lab-config")
    assert env.get("OPENAI_API_KEY") == key
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert env["JUPYTER_CONFIG_PATH"] == "/state/lab-config"


def test_cloud_coding_agents_are_off_in_the_lab():
    assert lab_server_config(loaded())["ServerApp"]["jpserver_extensions"]["jupyter_ai_acp_client"] is False


def test_a_lab_never_moves_off_the_port_the_hub_routes_to():
    assert lab_server_config(loaded())["ServerApp"]["port_retries"] == 0


def test_port_allocator_never_hands_out_a_port_twice_while_reserved():
    allocator = PortAllocator(low=41000, high=41049)
    ports = [allocator.take() for _ in range(40)]
    assert len(set(ports)) == 40
    # A port some process holds is never handed out.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        busy = held.getsockname()[1]
        small = PortAllocator(low=busy, high=busy)
        with pytest.raises(RuntimeError):
            small.take()


def test_each_local_lab_gets_its_own_http_port_and_no_mcp_port():
    spawners = [SimpleNamespace(port=0, args=["--allow-root"]) for _ in range(5)]
    for sp in spawners:
        assign_ports(sp)
    assert len({sp.port for sp in spawners}) == 5
    # jupyter-ai's MCP server is off in every lab: no port is handed out for it.
    assert all(sp.args == ["--allow-root"] for sp in spawners)


def test_unconfigured_message_is_korean_first_with_english():
    ko, en = UNCONFIGURED_MESSAGE.split("\n\n")
    assert "설정되지 않았습니다" in ko and "not configured" not in ko
    assert "No AI model is configured" in en


# (settings, secrets, expected GovlabShare values, GOVLAB_GITLAB_TOKEN in env)
SERVICE = "http://127.0.0.1:8094/services/govlab-share"
SHARE_CASES = [
    (
        {},
        {},
        {"gitlab_url": "", "token_source": "env", "hub_public_url": "http://127.0.0.1:8000", "service_url": ""},
        None,
    ),
    (
        # A shared token: it stays in the hub's share service, which commits for the lab.
        {
            "sharing": {
                "gitlab_url": "https://gl",
                "namespace": "mois/ai",
                "default_visibility": "internal",
                "token": {"env": "T"},
            }
        },
        {"sharing_token": "glpat-1"},
        {
            "gitlab_url": "https://gl",
            "namespace": "mois/ai",
            "default_visibility": "internal",
            "token_source": "service",
            "service_url": SERVICE,
        },
        None,
    ),
    (
        # Containers on their own network reach a loopback-bound service through the proxy.
        {
            "mode": "docker",
            "hub": {"public_url": "https://lab.go.kr"},
            "sharing": {"gitlab_url": "https://gl", "token": {"env": "T"}},
        },
        {"sharing_token": "glpat-1"},
        {"token_source": "service", "service_url": "https://lab.go.kr/services/govlab-share"},
        None,
    ),
    (
        {
            "mode": "docker",
            "docker": {"network": "host"},
            "sharing": {"gitlab_url": "https://gl", "token": {"env": "T"}, "service_bind_url": "http://127.0.0.1:9000"},
        },
        {"sharing_token": "glpat-1"},
        {"token_source": "service", "service_url": "http://127.0.0.1:9000/services/govlab-share"},
        None,
    ),
    (
        {
            "hub": {"public_url": "https://lab.go.kr"},
            "auth": {
                "method": "gitlab",
                "gitlab": {"url": "https://gl", "client_id": "c", "client_secret": {"env": "S"}},
            },
            "sharing": {"gitlab_url": "https://gl"},
        },
        {"gitlab_client_secret": "s"},
        {"token_source": "hub", "hub_public_url": "https://lab.go.kr", "service_url": SERVICE},
        None,
    ),
]


@pytest.mark.parametrize("data, secrets, expected, token", SHARE_CASES)
def test_share_settings_reach_the_lab(data, secrets, expected, token):
    ld = loaded(data, **secrets)
    share = lab_server_config(ld)["GovlabShare"]
    for k, v in expected.items():
        assert share[k] == v, k
    assert "glpat-1" not in repr(share)
    assert lab_environment(ld, "").get("GOVLAB_GITLAB_TOKEN") == token


def test_merge_concatenates_lists_and_refuses_conflicts():
    assert merge({"A": {"x": [1]}}, {"A": {"x": [2], "y": 1}}) == {"A": {"x": [1, 2], "y": 1}}
    with pytest.raises(ValueError, match="A.y"):
        merge({"A": {"y": 1}}, {"A": {"y": 2}})


def test_secret_values_are_masked_in_settings_repr():
    ld = loaded(llm_api_key="sk-hidden")
    assert isinstance(ld.secrets.llm_api_key, SecretStr)
    assert "sk-hidden" not in repr(ld)


def gitlab_settings(**gitlab) -> dict:
    return {
        "auth": {
            "method": "gitlab",
            "gitlab": {"url": "https://gl.example", "client_id": "c", "client_secret": {"env": "S"}, **gitlab},
        }
    }


# (GitLab sign-in settings, "Class.trait", expected value; None: the trait is not set)
GITLAB_CASES = [
    # allow_all would override the group rule: only without groups and users.
    (gitlab_settings(allowed_groups=["42"]), "Authenticator.allow_all", None),
    (gitlab_settings(), "Authenticator.allow_all", True),
    # Cohort members (GitLab accounts) may sign in besides the allowed groups.
    (
        {
            **gitlab_settings(allowed_groups=["42"]),
            "workshops": [{"name": "ws", "members": ["lee"], "trainers": ["kim"]}],
        },
        "Authenticator.allowed_users",
        {"lee", "kim"},
    ),
    (gitlab_settings(allowed_groups=["42"]), "Authenticator.allowed_users", None),
    (gitlab_settings(allowed_groups=["42"]), "GitLabOAuthenticator.allowed_gitlab_groups", {"42"}),
    (gitlab_settings(), "GitLabOAuthenticator.custom_403_message", GITLAB_REFUSED_MESSAGE),
    (gitlab_settings(), "GitLabOAuthenticator.authorize_url", None),  # derived from gitlab_url
    (gitlab_settings(), "GitLabOAuthenticator.gitlab_url", "https://gl.example"),
    (gitlab_settings(), "Authenticator.auth_refresh_age", 300),
    (
        {**gitlab_settings(), "hub": {"bind_url": "http://127.0.0.1:9000"}},
        "GitLabOAuthenticator.oauth_callback_url",
        "http://127.0.0.1:9000/hub/oauth_callback",
    ),
]


@pytest.mark.parametrize("data, key, expected", GITLAB_CASES)
def test_gitlab_sign_in_config(data, key, expected):
    config = build_hub_config(loaded(data, gitlab_client_secret="s3cret"), RUNTIME)
    cls, _, trait = key.partition(".")
    assert config.get(cls, {}).get(trait) == expected


def test_refused_message_is_korean_first_with_english():
    korean, _, english = GITLAB_REFUSED_MESSAGE.partition(" / ")
    assert "그룹" in korean and "group" in english


# (hub settings, secrets, expected db_url, expected hub process environment)
DB_CASES = [
    ({}, {}, "sqlite:////state/jupyterhub.sqlite", {}),
    ({"db_url": "postgresql://hub@db:5432/hub"}, {}, "postgresql://hub@db:5432/hub", {}),
    (
        {"db_url": "postgresql://hub@db:5432/hub", "db_password": {"env": "P"}},
        {"db_password": "pw"},
        "postgresql://hub@db:5432/hub",
        {"PGPASSWORD": "pw"},
    ),
    (
        {"db_url": "postgresql+psycopg://hub@db/hub", "db_password": {"env": "P"}},
        {"db_password": "pw"},
        "postgresql+psycopg://hub@db/hub",
        {"PGPASSWORD": "pw"},
    ),
]


@pytest.mark.parametrize("hub, secrets, db_url, env", DB_CASES)
def test_hub_database(hub, secrets, db_url, env):
    config = loaded({"hub": hub}, **secrets)
    assert build_hub_config(config, RUNTIME)["JupyterHub"]["db_url"] == db_url
    assert hub_process_env(config) == env
    # The password never sits in the JupyterHub config (db_url, db_kwargs).
    assert "pw" not in repr(build_hub_config(config, RUNTIME)["JupyterHub"].get("db_kwargs", {}))


# (token response, seconds ahead, expected): renew when the token would expire in time.
EXPIRY_CASES = [
    ({"created_at": 1000, "expires_in": 7200}, 360, False),
    ({"created_at": 1000, "expires_in": 7200}, 7200, True),
    ({"created_at": 1000, "expires_in": 100}, 360, True),
    ({"created_at": 0, "expires_in": 600}, 360, True),  # already expired
    ({"expires_in": 7200}, 360, False),  # GitLab always sends created_at; others may not
    ({"created_at": 1000}, 360, False),
    (None, 360, False),
    ({"created_at": "x", "expires_in": 7200}, 360, False),
]


@pytest.mark.parametrize("response, ahead, expected", EXPIRY_CASES)
def test_gitlab_token_renewal_window(response, ahead, expected):
    from govlab.gitlab_auth import expires_within

    assert expires_within(response, ahead, now=1100) is expected


def test_the_gitlab_authenticator_is_oauthenticators_with_the_same_traits():
    from oauthenticator.gitlab import GitLabOAuthenticator
    from traitlets.config import Config

    from govlab.gitlab_auth import GovlabGitLabOAuthenticator

    # Settings written for GitLabOAuthenticator reach the subclass.
    config = Config(build_hub_config(loaded(gitlab_settings(allowed_groups=["42"])), RUNTIME))
    auth = GovlabGitLabOAuthenticator(config=config)
    assert isinstance(auth, GitLabOAuthenticator)
    assert auth.allowed_gitlab_groups == {"42"} and auth.scope == ["api", "read_user"]
    assert auth.enable_auth_state is True and auth.auth_refresh_age == 300
