"""mode: kubernetes: settings in, Zero to JupyterHub chart values out (no cluster runs here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import yaml
from traitlets.config import Config

from govlab import hubconfig, settings
from govlab.hubconfig import auth_section
from govlab.k8svalues import K8sValuesError, k8s_values
from govlab.labconfig import NO_KEY_PLACEHOLDER, lab_environment, lab_server_config
from govlab.labimage import LAB_CONFIG_ENV

# Distinctive secret values: none of them may ever appear in values or CLI output.
SECRETS = {
    "GITLAB_SECRET": "gl-client-secret-7f3a9c",
    "LLM_KEY": "sk-llm-key-51be0d",
    "DB_PASSWORD": "db-password-c0ffee",
    "SHARE_TOKEN": "glpat-share-token-9d2e",
    "USER_PASSWORD": "user-password-4411",
    "ADMIN_PASSWORD": "admin-password-" + "8" * 24,
    "JUPYTERHUB_CRYPT_KEY": "crypt-key-" + "e" * 54,
}


def gitlab_doc(**sections) -> dict:
    data = {
        "mode": "kubernetes",
        "hub": {"public_url": "https://lab.example.go.kr"},
        "auth": {
            "method": "gitlab",
            "admin_users": ["kim"],
            "gitlab": {
                "url": "https://gitlab.example.go.kr",
                "client_id": "client-1",
                "client_secret": {"env": "GITLAB_SECRET"},
                "allowed_groups": ["ai-lab"],
            },
        },
        "llm": {"model": "openai/qwen", "base_url": "http://10.1.2.3:8000/v1", "api_key": {"env": "LLM_KEY"}},
        "sharing": {"gitlab_url": "https://gitlab.example.go.kr", "namespace": "agency"},
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return data


def password_doc(**sections) -> dict:
    data = gitlab_doc(**sections)
    data["auth"] = {
        "admin_users": ["admin"],
        "shared_password": {
            "user_password": {"env": "USER_PASSWORD"},
            "admin_password": {"env": "ADMIN_PASSWORD"},
            "trusted_trial": True,
        },
    }
    return data


def values(data: dict) -> dict:
    return k8s_values(settings.parse(data))


def dig(tree: dict, dotted: str):
    for part in dotted.split("."):
        tree = tree[part]
    return tree


# (settings document, dotted path in the values, expected)
CASES = [
    pytest.param(
        gitlab_doc(),
        "singleuser.image",
        {"name": "govlab/lab", "tag": "latest", "pullPolicy": "IfNotPresent"},
        id="default-image",
    ),
    pytest.param(
        gitlab_doc(kubernetes={"image": "registry.example.go.kr:5000/govlab/lab:1.2", "image_pull_policy": "Always"}),
        "singleuser.image",
        {"name": "registry.example.go.kr:5000/govlab/lab", "tag": "1.2", "pullPolicy": "Always"},
        id="registry-port-image",
    ),
    pytest.param(
        gitlab_doc(), "singleuser.memory", {"limit": "2G", "guarantee": "1024M"}, id="memory-default-guarantee-half"
    ),
    pytest.param(
        gitlab_doc(limits={"memory": "4G", "cpu": 2}, kubernetes={"memory_guarantee": "1G", "cpu_guarantee": 0.5}),
        "singleuser.memory",
        {"limit": "4G", "guarantee": "1G"},
        id="memory-guarantee",
    ),
    pytest.param(
        gitlab_doc(limits={"memory": "4G", "cpu": 2}, kubernetes={"cpu_guarantee": 0.5}),
        "singleuser.cpu",
        {"limit": 2.0, "guarantee": 0.5},
        id="cpu-limit-guarantee",
    ),
    pytest.param(gitlab_doc(), "singleuser.cpu", {"limit": 1.0}, id="cpu-no-guarantee"),
    pytest.param(
        gitlab_doc(), "cull", {"enabled": True, "timeout": 3600, "every": 300, "maxAge": 0}, id="cull-default"
    ),
    pytest.param(
        gitlab_doc(culling={"timeout": 600, "every": 60, "max_age": 28800}),
        "cull",
        {"enabled": True, "timeout": 600, "every": 60, "maxAge": 28800},
        id="cull-max-age",
    ),
    pytest.param(gitlab_doc(culling={"enabled": False}), "cull", {"enabled": False}, id="cull-off"),
    pytest.param(
        gitlab_doc(),
        "singleuser.storage",
        {"type": "dynamic", "capacity": "10Gi", "homeMountPath": "/home/govlab"},
        id="storage-default",
    ),
    pytest.param(
        gitlab_doc(kubernetes={"storage": "20Gi", "storage_class": "nfs-client"}),
        "singleuser.storage",
        {
            "type": "dynamic",
            "capacity": "20Gi",
            "homeMountPath": "/home/govlab",
            "dynamic": {"storageClass": "nfs-client"},
        },
        id="storage-class",
    ),
    pytest.param(gitlab_doc(), "singleuser.uid", 1000, id="uid"),
    pytest.param(gitlab_doc(), "singleuser.allowPrivilegeEscalation", False, id="no-privilege-escalation"),
    pytest.param(
        gitlab_doc(),
        "hub.config.KubeSpawner.container_security_context",
        {"capabilities": {"drop": ["ALL"]}},
        id="no-capabilities",
    ),
    pytest.param(gitlab_doc(), "singleuser.cmd", ["jupyterhub-singleuser"], id="cmd"),
    pytest.param(gitlab_doc(), "singleuser.defaultUrl", "/lab", id="default-url"),
    pytest.param(gitlab_doc(hub={"start_timeout": 120}), "singleuser.startTimeout", 120, id="start-timeout"),
    pytest.param(gitlab_doc(hub={"start_timeout": 120}), "hub.config.KubeSpawner.http_timeout", 120, id="http-timeout"),
    pytest.param(gitlab_doc(), "singleuser.networkPolicy", {"enabled": True}, id="netpol-default"),
    pytest.param(
        gitlab_doc(kubernetes={"lab_egress_cidrs": ["10.1.0.0/16", "10.9.8.7/32"]}),
        "singleuser.networkPolicy",
        {
            "enabled": True,
            "egress": [{"to": [{"ipBlock": {"cidr": "10.1.0.0/16"}}, {"ipBlock": {"cidr": "10.9.8.7/32"}}]}],
        },
        id="netpol-egress",
    ),
    pytest.param(gitlab_doc(hub={"concurrent_spawn_limit": 7}), "hub.concurrentSpawnLimit", 7, id="spawn-limit"),
    pytest.param(gitlab_doc(), "hub.existingSecret", "govlab-hub", id="existing-secret"),
    pytest.param(gitlab_doc(hub={"log_level": "DEBUG"}), "hub.config.JupyterHub.log_level", "DEBUG", id="log-level"),
    pytest.param(gitlab_doc(), "proxy", {"service": {"type": "ClusterIP"}}, id="proxy-clusterip"),
    pytest.param(
        gitlab_doc(kubernetes={"proxy_service_type": "LoadBalancer"}),
        "proxy.service.type",
        "LoadBalancer",
        id="proxy-lb",
    ),
    pytest.param(gitlab_doc(), "ingress", {"enabled": False}, id="no-ingress"),
    pytest.param(
        gitlab_doc(kubernetes={"ingress_class": "nginx", "tls_secret": "govlab-tls"}),
        "ingress",
        {
            "enabled": True,
            "ingressClassName": "nginx",
            "hosts": ["lab.example.go.kr"],
            "tls": [{"hosts": ["lab.example.go.kr"], "secretName": "govlab-tls"}],
        },
        id="ingress-tls",
    ),
    pytest.param(gitlab_doc(), "scheduling.userScheduler.enabled", False, id="user-scheduler-off"),
    pytest.param(
        gitlab_doc(kubernetes={"user_scheduler": True}),
        "scheduling.userScheduler.enabled",
        True,
        id="user-scheduler-on",
    ),
    pytest.param(
        gitlab_doc(
            hub={"db_url": "postgresql://govlab@db.example.go.kr:5432/govlab", "db_password": {"env": "DB_PASSWORD"}}
        ),
        "hub.db",
        {"type": "postgres", "url": "postgresql://govlab@db.example.go.kr:5432/govlab"},
        id="postgres",
    ),
    pytest.param(gitlab_doc(), "hub.config.JupyterHub.authenticator_class", "gitlab", id="gitlab-authenticator"),
    pytest.param(gitlab_doc(), "hub.config.GitLabOAuthenticator.scope", ["api", "read_user"], id="gitlab-scopes"),
    pytest.param(
        gitlab_doc(),
        "hub.config.GitLabOAuthenticator.oauth_callback_url",
        "https://lab.example.go.kr/hub/oauth_callback",
        id="callback-url",
    ),
    pytest.param(
        gitlab_doc(), "hub.config.GitLabOAuthenticator.allowed_gitlab_groups", ["ai-lab"], id="allowed-groups"
    ),
    pytest.param(gitlab_doc(), "hub.config.Authenticator.enable_auth_state", True, id="auth-state"),
    pytest.param(gitlab_doc(), "hub.config.Authenticator.refresh_pre_spawn", True, id="refresh-pre-spawn"),
    pytest.param(gitlab_doc(), "hub.config.Authenticator.admin_users", ["kim"], id="admins"),
    pytest.param(
        gitlab_doc(hub={"db_url": "postgresql://govlab@db/govlab"}),
        "hub.extraEnv",
        {
            "GITLAB_CLIENT_SECRET": {
                "valueFrom": {"secretKeyRef": {"name": "govlab-hub", "key": "gitlab-client-secret"}}
            }
        },
        id="gitlab-secret-by-reference",
    ),
    pytest.param(
        gitlab_doc(kubernetes={"hub_secret": "hub-keys"}),
        "hub.extraEnv.GITLAB_CLIENT_SECRET.valueFrom.secretKeyRef",
        {"name": "hub-keys", "key": "gitlab-client-secret"},
        id="hub-secret-name",
    ),
    pytest.param(
        gitlab_doc(kubernetes={"lab_secret": "lab-keys"}),
        "singleuser.extraEnv.OPENAI_API_KEY",
        {"valueFrom": {"secretKeyRef": {"name": "lab-keys", "key": "llm-api-key"}}},
        id="llm-key-by-reference",
    ),
    pytest.param(
        gitlab_doc(llm={"api_key": None}),
        "singleuser.extraEnv.OPENAI_API_KEY",
        NO_KEY_PLACEHOLDER,
        id="keyless-endpoint",
    ),
    pytest.param(password_doc(), "hub.config.JupyterHub.authenticator_class", "shared-password", id="shared-password"),
    pytest.param(
        password_doc(),
        "hub.extraEnv.GOVLAB_USER_PASSWORD.valueFrom.secretKeyRef",
        {"name": "govlab-hub", "key": "user-password"},
        id="password-by-reference",
    ),
]


@pytest.mark.parametrize("data, path, expected", CASES)
def test_values(data, path, expected):
    assert dig(values(data), path) == expected


def test_gitlab_sign_in_is_the_hub_config_of_every_mode():
    """Same traits as hubconfig.auth_section, except the secret (by reference instead)."""
    parsed = settings.parse(gitlab_doc())
    loaded = settings.LoadedSettings(
        settings=parsed,
        secrets=settings.Secrets(gitlab_client_secret=SECRETS["GITLAB_SECRET"]),
        source=Path("/etc/govlab/govlab.yaml"),
        state_dir=Path("/state"),
    )
    expected = auth_section(loaded)
    config = k8s_values(parsed)["hub"]["config"]
    gitlab = dict(expected["GitLabOAuthenticator"])
    assert gitlab.pop("client_secret") == SECRETS["GITLAB_SECRET"]
    gitlab["allowed_gitlab_groups"] = sorted(gitlab["allowed_gitlab_groups"])
    assert config["GitLabOAuthenticator"] == gitlab
    authenticator = {k: sorted(v) if isinstance(v, set) else v for k, v in expected["Authenticator"].items()}
    assert config["Authenticator"] == authenticator


def test_labs_can_read_their_own_fresh_gitlab_token():
    roles = values(gitlab_doc())["hub"]["loadRoles"]
    assert "admin:auth_state!user" in roles["user"]["scopes"]
    assert "admin:auth_state!user" in roles["server"]["scopes"]
    # Roles live in hub.loadRoles: a load_roles in hub.config would replace the
    # chart's own list (the idle culler's role).
    assert "load_roles" not in values(gitlab_doc())["hub"]["config"].get("JupyterHub", {})


def test_workshop_cohorts_become_groups_and_trainer_roles():
    doc = gitlab_doc(workshops=[{"name": "cohort-a", "members": ["lee", "park"], "trainers": ["kim"]}])
    hub = values(doc)["hub"]
    assert hub["config"]["JupyterHub"]["load_groups"] == {"cohort-a": {"users": ["lee", "park"]}}
    role = hub["loadRoles"]["govlab-trainer-cohort-a"]
    assert role["users"] == ["kim"] and "servers!group=cohort-a" in role["scopes"]


def test_lab_environment_and_config_match_the_other_modes():
    parsed = settings.parse(gitlab_doc())
    loaded = settings.LoadedSettings(
        settings=parsed,
        secrets=settings.Secrets(llm_api_key=SECRETS["LLM_KEY"]),
        source=Path("/etc/govlab/govlab.yaml"),
        state_dir=Path("/state"),
    )
    env = k8s_values(parsed)["singleuser"]["extraEnv"]
    local = lab_environment(loaded, lab_config_dir="")
    assert set(env) == set(local) | {LAB_CONFIG_ENV}
    for var, value in local.items():
        if value == SECRETS["LLM_KEY"]:
            assert env[var] == {"valueFrom": {"secretKeyRef": {"name": "govlab-lab", "key": "llm-api-key"}}}
        else:
            assert env[var] == value, var
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    # The lab image applies this JSON (images/lab/jupyter_server_config.py).
    assert json.loads(env[LAB_CONFIG_ENV]) == json.loads(json.dumps(lab_server_config(loaded)))


def test_lab_config_reaches_the_lab_image_unchanged():
    """The JSON the values carry, applied as the lab image applies it, gives the same traits."""
    env = values(gitlab_doc())["singleuser"]["extraEnv"]
    config = Config(json.loads(env[LAB_CONFIG_ENV]))
    assert config.GovlabShare.hub_public_url == "https://lab.example.go.kr"
    assert config.GovlabShare.token_source == "hub"
    assert config.JupyternautExtension.initial_language_model == "openai/qwen"
    assert config.JupyternautExtension.model_parameters == {"openai/qwen": {"api_base": "http://10.1.2.3:8000/v1"}}


def test_shared_passwords_come_from_the_secret_through_one_snippet():
    hub = values(password_doc())["hub"]
    assert "user_password" not in hub["config"].get("SharedPasswordAuthenticator", {})
    (snippet,) = hub["extraConfig"].values()
    namespace = {"c": Config()}
    env = {"GOVLAB_USER_PASSWORD": SECRETS["USER_PASSWORD"], "GOVLAB_ADMIN_PASSWORD": SECRETS["ADMIN_PASSWORD"]}
    with mock.patch.dict(os.environ, env):
        exec(compile(snippet, "snippet", "exec"), namespace)
    assert namespace["c"].SharedPasswordAuthenticator.user_password == SECRETS["USER_PASSWORD"]
    assert namespace["c"].SharedPasswordAuthenticator.admin_password == SECRETS["ADMIN_PASSWORD"]


def test_gitlab_needs_no_snippet():
    assert "extraConfig" not in values(gitlab_doc())["hub"]


def test_a_secret_slipping_into_a_builder_is_refused(monkeypatch):
    """If a builder ever put a secret into the lab config, the values are refused."""

    def leaky(loaded):
        return {"Leaky": {"key": loaded.secrets.llm_api_key.get_secret_value()}}

    monkeypatch.setattr(hubconfig, "lab_server_config", leaky)
    with pytest.raises(K8sValuesError, match="llm_api_key"):
        values(gitlab_doc())


# What the chart's values schema (z2jh 4.x values.schema.yaml) documents for the keys
# govlab writes. OPEN: a free-form mapping or list (traitlets config, env, k8s specs).
OPEN = object()
LEAF = None
SCHEMA = {
    "hub": {
        "config": OPEN,
        "loadRoles": OPEN,
        "extraEnv": OPEN,
        "extraConfig": OPEN,
        "existingSecret": LEAF,
        "concurrentSpawnLimit": LEAF,
        "db": {"type": LEAF, "url": LEAF, "password": LEAF},
    },
    "singleuser": {
        "image": {"name": LEAF, "tag": LEAF, "pullPolicy": LEAF},
        "cmd": OPEN,
        "defaultUrl": LEAF,
        "uid": LEAF,
        "fsGid": LEAF,
        "allowPrivilegeEscalation": LEAF,
        "startTimeout": LEAF,
        "memory": {"limit": LEAF, "guarantee": LEAF},
        "cpu": {"limit": LEAF, "guarantee": LEAF},
        "storage": {"type": LEAF, "capacity": LEAF, "homeMountPath": LEAF, "dynamic": {"storageClass": LEAF}},
        "extraEnv": OPEN,
        "networkPolicy": {"enabled": LEAF, "egress": OPEN},
    },
    "cull": {"enabled": LEAF, "timeout": LEAF, "every": LEAF, "maxAge": LEAF},
    "proxy": {"service": {"type": LEAF}},
    "ingress": {"enabled": LEAF, "ingressClassName": LEAF, "hosts": OPEN, "tls": OPEN},
    "scheduling": {"userScheduler": {"enabled": LEAF}},
}
ENUMS = {
    "singleuser.image.pullPolicy": {"IfNotPresent", "Always", "Never"},
    "singleuser.storage.type": {"dynamic", "static", "none"},
    "hub.db.type": {"sqlite-pvc", "sqlite-memory", "mysql", "postgres", "other"},
    "proxy.service.type": {"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"},
}


def unknown_paths(tree: dict, schema: dict, prefix: str = "") -> list[str]:
    bad = []
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if key not in schema:
            bad.append(path)
        elif isinstance(schema[key], dict):
            if not isinstance(value, dict):
                bad.append(f"{path} (not a mapping)")
            else:
                bad += unknown_paths(value, schema[key], path + ".")
        elif schema[key] is LEAF and isinstance(value, (dict, list)):
            bad.append(f"{path} (not a scalar)")
    return bad


FULL = gitlab_doc(
    hub={"db_url": "postgresql://govlab@db/govlab", "db_password": {"env": "DB_PASSWORD"}},
    limits={"memory": "4G", "cpu": 2},
    kubernetes={
        "storage_class": "nfs-client",
        "cpu_guarantee": 0.5,
        "lab_egress_cidrs": ["10.0.0.0/8"],
        "ingress_class": "nginx",
        "tls_secret": "govlab-tls",
        "proxy_service_type": "NodePort",
    },
    culling={"max_age": 86400},
    workshops=[{"name": "cohort-a", "members": ["lee"], "trainers": ["kim"]}],
)


@pytest.mark.parametrize("doc", [gitlab_doc(), password_doc(), FULL], ids=["gitlab", "password", "full"])
def test_every_key_is_one_the_chart_documents(doc):
    out = values(doc)
    assert unknown_paths(out, SCHEMA) == []
    for path, allowed in ENUMS.items():
        try:
            assert dig(out, path) in allowed, path
        except KeyError:
            pass
    # YAML-serialisable as plain data (helm reads it back the same).
    assert yaml.safe_load(yaml.safe_dump(out, allow_unicode=True)) == out


def test_unknown_key_check_can_fail():
    assert unknown_paths({"singleuser": {"memory": {"limt": "1G"}}}, SCHEMA) == ["singleuser.memory.limt"]


# (settings document, key the error names, words in the message)
BAD = [
    pytest.param(gitlab_doc(hub={"public_url": ""}), "hub.public_url", "address officials use", id="no-public-url"),
    pytest.param(gitlab_doc(hub={"db_url": "sqlite:////srv/hub.sqlite"}), "hub.db_url", "postgresql", id="sqlite-url"),
    pytest.param(gitlab_doc(hub={"external_proxy": True}), "hub.external_proxy", "own proxy", id="external-proxy"),
    pytest.param(
        password_doc(workshops=[{"name": "w", "seats": 3}]), "workshops.0.seats", "members", id="generated-seats"
    ),
    pytest.param(
        gitlab_doc(workshops=[{"name": "w", "members": ["lee"], "starter": "nb"}]),
        "workshops.0.starter",
        "materials_repo",
        id="starter-folder",
    ),
    pytest.param(
        gitlab_doc(kubernetes={"memory_guarantee": "3G"}),
        "kubernetes.memory_guarantee",
        "more than limits.memory",
        id="guarantee-over-limit",
    ),
    pytest.param(
        gitlab_doc(kubernetes={"cpu_guarantee": 4}),
        "kubernetes.cpu_guarantee",
        "more than limits.cpu",
        id="cpu-over-limit",
    ),
    pytest.param(
        gitlab_doc(kubernetes={"tls_secret": "t"}), "kubernetes.tls_secret", "ingress_class", id="tls-without-ingress"
    ),
    pytest.param(
        gitlab_doc(hub={"public_url": "http://lab.example.go.kr"}, kubernetes={"ingress_class": "nginx"}),
        "hub.public_url",
        "https://",
        id="ingress-plain-http",
    ),
    pytest.param(
        gitlab_doc(kubernetes={"image": "govlab/lab"}), "kubernetes.image", "with a tag", id="image-without-tag"
    ),
    pytest.param(gitlab_doc(kubernetes={"storage": "10 GB"}), "kubernetes.storage", "10Gi", id="bad-storage"),
    pytest.param(
        gitlab_doc(kubernetes={"hub_secret": "Govlab_Hub"}),
        "kubernetes.hub_secret",
        "Kubernetes name",
        id="bad-secret-name",
    ),
    pytest.param(
        gitlab_doc(kubernetes={"lab_egress_cidrs": ["10.0.0.0/33"]}),
        "kubernetes.lab_egress_cidrs",
        "10.20.0.0/16",
        id="bad-cidr",
    ),
    pytest.param(gitlab_doc(kubernetes={"namespace": "x"}), "kubernetes.namespace", "unknown key", id="unknown-key"),
    pytest.param(
        password_doc(sharing={"token": {"env": "SHARE_TOKEN"}}),
        "sharing.token",
        "auth.method: gitlab",
        id="shared-token-in-labs",
    ),
]


@pytest.mark.parametrize("data, key, words", BAD)
def test_bad_kubernetes_settings_name_the_key(tmp_path, data, key, words):
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(settings.SettingsError) as info:
        settings.load(path, environ=SECRETS)
    problems = dict(info.value.problems)
    assert any(k.startswith(key) for k in problems), problems
    assert words in str(info.value)


def test_kubernetes_settings_need_no_secret_values_where_the_values_are_written(tmp_path):
    """The operator's machine needs neither the secrets nor JUPYTERHUB_CRYPT_KEY."""
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump(gitlab_doc()))
    loaded = settings.load(path, environ={})
    assert loaded.settings.mode == "kubernetes"
    assert not any(SECRETS[n] in repr(loaded) for n in SECRETS)


def test_values_are_refused_for_other_modes():
    with pytest.raises(K8sValuesError, match="mode: kubernetes"):
        k8s_values(settings.parse({"mode": "local"}))


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "govlab.cli", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **SECRETS},
        timeout=60,
    )


@pytest.mark.parametrize("doc", [FULL, password_doc()], ids=["gitlab", "password"])
def test_cli_prints_values_without_any_secret(tmp_path, doc):
    doc = json.loads(json.dumps(doc))
    doc["hub"].update({"db_url": "postgresql://govlab@db/govlab", "db_password": {"env": "DB_PASSWORD"}})
    (tmp_path / "gitlab.secret").write_text(SECRETS["GITLAB_SECRET"])
    if doc["auth"].get("gitlab"):
        doc["auth"]["gitlab"]["client_secret"] = {"file": "gitlab.secret"}
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump(doc))
    printed = run_cli("k8s-values", "--settings", str(path))
    written = run_cli("k8s-values", "--settings", str(path), "--output", str(tmp_path / "values.yaml"))
    checked = run_cli("check-config", "--config", str(path))
    for result in (printed, written, checked):
        assert result.returncode == 0, result.stderr
    text = (tmp_path / "values.yaml").read_text()
    assert yaml.safe_load(text) == yaml.safe_load(printed.stdout) == k8s_values(settings.parse(doc))
    assert "k8s-values" in checked.stderr
    # The header says which Secrets to create, with placeholders for the values.
    assert "kubectl create secret generic govlab-hub" in printed.stdout
    assert "--from-file=hub.db.password=./hub.db.password" in printed.stdout
    assert "--from-file=gitlab-client-secret=" in printed.stdout or "--from-file=user-password=" in printed.stdout
    everything = printed.stdout + printed.stderr + text + checked.stdout + checked.stderr
    for name, secret in SECRETS.items():
        assert secret not in everything, name


def test_start_refuses_kubernetes_mode(tmp_path):
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump(gitlab_doc()))
    result = run_cli("start", "--config", str(path))
    assert result.returncode == 2
    assert "k8s-values" in result.stderr
    assert "starting JupyterHub" not in result.stdout
