"""Settings in, Zero to JupyterHub Helm chart values out: pure functions, no I/O.

`mode: kubernetes` runs the hub inside the cluster from the Zero to JupyterHub chart
(z2jh 4.x, JupyterHub 5/6). `k8s_values(settings)` returns the chart's values as a
YAML-ready dict. Hub and lab config come from the builders every other mode uses
(hubconfig.auth_section and workshop_section, labconfig.lab_server_config and
lab_environment), so a lab in the cluster is configured like a local or Docker lab.

Secrets never enter the values: the builders run on markers (settings.chart_secrets)
instead of secret values, and each marker becomes a reference to a key of a Kubernetes
Secret that the operator creates (`secret_commands` prints how). A marker left
anywhere in the result is an error, not a leak.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .hubconfig import Runtime, auth_section, container_environment, workshop_section
from .labimage import LAB_CMD, LAB_GID, LAB_HOME, LAB_UID
from .settings import LoadedSettings, Settings, chart_secrets, memory_bytes, split_image

# Secrets field -> (which Kubernetes Secret, key in it). The hub Secret is also the
# chart's `hub.existingSecret`, which is why the database password's key is the
# chart's own name for it (the chart exports it as PGPASSWORD).
SECRET_KEYS: dict[str, tuple[str, str]] = {
    "gitlab_client_secret": ("hub", "gitlab-client-secret"),
    "user_password": ("hub", "user-password"),
    "admin_password": ("hub", "admin-password"),
    "db_password": ("hub", "hub.db.password"),
    "llm_api_key": ("lab", "llm-api-key"),
}
# Hub traits that read their secret from an environment variable by themselves.
NATIVE_ENV = {("GitLabOAuthenticator", "client_secret"): "GITLAB_CLIENT_SECRET"}
EXTRA_CONFIG_NAME = "govlab-secrets.py"


class K8sValuesError(ValueError):
    """Settings that cannot be turned into chart values."""


def _loaded(settings: Settings) -> LoadedSettings:
    # Paths are meaningless in the cluster; the builders used here read none of them.
    return LoadedSettings(
        settings=settings, secrets=chart_secrets(settings), source=Path("/settings.yaml"), state_dir=Path("/state")
    )


# lab.secret_environment entries are fields "lab_environment.<NAME>"; each is a key of
# the labs' Secret named like the variable.
LAB_ENV_FIELD = "lab_environment."


def _markers(loaded: LoadedSettings) -> dict[str, str]:
    """marker value -> Secrets field name."""
    out = {}
    for k, v in loaded.secrets:
        if isinstance(v, dict):
            out.update({value.get_secret_value(): f"{LAB_ENV_FIELD}{name}" for name, value in v.items()})
        elif v is not None:
            out[v.get_secret_value()] = k
    return out


def _secret_key(field: str) -> tuple[str, str]:
    """(which Secret, key in it) of a Secrets field."""
    if field.startswith(LAB_ENV_FIELD):
        return "lab", field.removeprefix(LAB_ENV_FIELD)
    return SECRET_KEYS[field]


def _secret_ref(settings: Settings, field: str) -> dict[str, Any]:
    which, key = _secret_key(field)
    name = settings.kubernetes.hub_secret if which == "hub" else settings.kubernetes.lab_secret
    return {"valueFrom": {"secretKeyRef": {"name": name, "key": key}}}


def _yamlable(value: Any) -> Any:
    """Sets become sorted lists (YAML has no set); nested containers likewise."""
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, dict):
        return {k: _yamlable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_yamlable(v) for v in value]
    return value


def hub_values(loaded: LoadedSettings) -> dict[str, Any]:
    """`hub.*`: sign-in traits (auth_section), roles, groups, database, secrets by reference."""
    settings = loaded.settings
    markers = _markers(loaded)
    sections = [auth_section(loaded), workshop_section(loaded)]
    config: dict[str, dict[str, Any]] = {}
    roles: dict[str, dict[str, Any]] = {}
    env: dict[str, Any] = {}
    from_env: list[tuple[str, str, str]] = []
    for section in sections:
        for cls, traits in section.items():
            for trait, value in traits.items():
                if cls == "JupyterHub" and trait == "load_roles":
                    # hub.loadRoles, not hub.config: the chart builds load_roles itself
                    # (the culler's role) and hub.config would replace that list.
                    for role in value:
                        if role["name"] in roles:
                            raise K8sValuesError(f"role {role['name']!r} is defined twice")
                        roles[role["name"]] = _yamlable(role)
                    continue
                if isinstance(value, str) and value in markers:
                    field = markers[value]
                    var = NATIVE_ENV.get((cls, trait)) or f"GOVLAB_{field.upper()}"
                    env[var] = _secret_ref(settings, field)
                    if (cls, trait) not in NATIVE_ENV:
                        from_env.append((cls, trait, var))
                    continue
                target = config.setdefault(cls, {})
                if trait in target and target[trait] != value:
                    raise K8sValuesError(f"{cls}.{trait} is set twice with different values")
                target[trait] = _yamlable(value)
    config.setdefault("JupyterHub", {})["log_level"] = settings.hub.log_level
    # As in Docker mode: no Linux capabilities in a lab (KubeSpawner merges this with
    # singleuser.uid and allowPrivilegeEscalation).
    config["KubeSpawner"] = {
        "container_security_context": {"capabilities": {"drop": ["ALL"]}},
        # A lab with jupyter-ai takes long to answer its first request, as in the other modes.
        "http_timeout": settings.hub.start_timeout,
    }
    hub: dict[str, Any] = {
        "config": config,
        "loadRoles": roles,
        # Holds the hub's secrets; the chart also reads hub.db.password and (optionally)
        # hub.config.CryptKeeper.keys from it.
        "existingSecret": settings.kubernetes.hub_secret,
        "concurrentSpawnLimit": settings.hub.concurrent_spawn_limit,
    }
    if env:
        hub["extraEnv"] = env
    if from_env:
        # The one unavoidable snippet: these traits have no environment fallback.
        lines = ["import os", "# govlab: secrets from the hub's Kubernetes Secret (see hub.extraEnv)"]
        lines += [f"c.{cls}.{trait} = os.environ[{var!r}]" for cls, trait, var in from_env]
        hub["extraConfig"] = {EXTRA_CONFIG_NAME: "\n".join(lines) + "\n"}
    if settings.hub.db_url:
        kind = "postgres" if settings.hub.uses_postgresql else "other"
        hub["db"] = {"type": kind, "url": settings.hub.db_url}
    return hub


def lab_env(loaded: LoadedSettings) -> dict[str, Any]:
    """The labs' environment: the same as a Docker lab's, secrets by reference."""
    settings = loaded.settings
    markers = _markers(loaded)
    env: dict[str, Any] = dict(container_environment(loaded, Runtime(python="")))
    for var, value in list(env.items()):
        if value in markers:
            env[var] = _secret_ref(settings, markers[value])
    return env


def memory_guarantee(settings: Settings) -> str:
    if settings.kubernetes.memory_guarantee:
        return settings.kubernetes.memory_guarantee
    return f"{memory_bytes(settings.limits.memory) // 2 // 1024**2}M"


def singleuser_values(loaded: LoadedSettings) -> dict[str, Any]:
    settings = loaded.settings
    k8s = settings.kubernetes
    name, tag = split_image(k8s.image)
    cpu: dict[str, Any] = {"limit": settings.limits.cpu}
    if k8s.cpu_guarantee:
        cpu["guarantee"] = k8s.cpu_guarantee
    storage: dict[str, Any] = {"type": "dynamic", "capacity": k8s.storage, "homeMountPath": LAB_HOME}
    if k8s.storage_class:
        storage["dynamic"] = {"storageClass": k8s.storage_class}
    network: dict[str, Any] = {"enabled": True}
    if k8s.lab_egress_cidrs:
        network["egress"] = [{"to": [{"ipBlock": {"cidr": c}} for c in k8s.lab_egress_cidrs]}]
    return {
        "image": {"name": name, "tag": tag, "pullPolicy": k8s.image_pull_policy},
        # The image's entry point (starter notebooks, then the lab) stays; this is its CMD.
        "cmd": LAB_CMD,
        "defaultUrl": "/lab",
        "uid": LAB_UID,
        "fsGid": LAB_GID,
        "allowPrivilegeEscalation": False,
        "startTimeout": settings.hub.start_timeout,
        "memory": {"limit": settings.limits.memory, "guarantee": memory_guarantee(settings)},
        "cpu": cpu,
        "storage": storage,
        "extraEnv": lab_env(loaded),
        "networkPolicy": network,
    }


def cull_values(settings: Settings) -> dict[str, Any]:
    cull = settings.culling
    if not cull.enabled:
        return {"enabled": False}
    return {"enabled": True, "timeout": cull.timeout, "every": cull.every, "maxAge": cull.max_age}


def ingress_values(settings: Settings) -> dict[str, Any]:
    k8s = settings.kubernetes
    if not k8s.ingress_class:
        return {"enabled": False}
    host = settings.hub.public_url.split("://", 1)[1].split("/", 1)[0]
    ingress: dict[str, Any] = {"enabled": True, "ingressClassName": k8s.ingress_class, "hosts": [host]}
    if k8s.tls_secret:
        ingress["tls"] = [{"hosts": [host], "secretName": k8s.tls_secret}]
    return ingress


def k8s_values(settings: Settings) -> dict[str, Any]:
    """The chart values for these settings. Takes no secrets, so it can leak none."""
    if settings.mode != "kubernetes":
        raise K8sValuesError(f"mode is {settings.mode!r}: chart values are for `mode: kubernetes`")
    loaded = _loaded(settings)
    values = {
        "hub": hub_values(loaded),
        "singleuser": singleuser_values(loaded),
        "cull": cull_values(settings),
        "proxy": {"service": {"type": settings.kubernetes.proxy_service_type}},
        "ingress": ingress_values(settings),
        "scheduling": {"userScheduler": {"enabled": settings.kubernetes.user_scheduler}},
    }
    text = json.dumps(values, ensure_ascii=False)
    left = sorted(field for marker, field in _markers(loaded).items() if marker in text)
    if left:
        raise K8sValuesError(f"secrets {left} would be written into the values: they need a Secret reference")
    return values


def secret_commands(settings: Settings) -> list[str]:
    """kubectl commands that create the Secrets the values refer to, each value read from
    a file of the key's name (never typed on a command line)."""
    loaded = _loaded(settings)
    used = set(_markers(loaded).values())
    k8s = settings.kubernetes
    fields = [f for f in SECRET_KEYS if f in used] + sorted(f for f in used if f.startswith(LAB_ENV_FIELD))
    keys = [_secret_key(f) for f in fields]
    hub_keys = [f"--from-file={key}=./{key}" for which, key in keys if which == "hub"]
    lab_keys = [f"--from-file={key}=./{key}" for which, key in keys if which == "lab"]
    commands = [f"kubectl create secret generic {k8s.hub_secret} " + " ".join(hub_keys)]
    if lab_keys:
        commands.append(f"kubectl create secret generic {k8s.lab_secret} " + " ".join(lab_keys))
    return commands
