"""Modes docker and swarm: settings validation and the spawner config, table-driven."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from govlab import settings
from govlab.hubconfig import build_hub_config
from govlab.hubsetup import pre_spawn_hooks
from govlab.labconfig import lab_server_config
from govlab.spawners import GovlabDockerSpawner, GovlabSwarmSpawner
from govlab.workshop.handout import WORKSHOP_MOUNT
from tests.unit.test_hubconfig import RUNTIME, dig, loaded

HOST = {"network": "host", "image": "govlab/lab:0.1.0"}
BRIDGED = {
    "mode": "docker",
    "hub": {"hub_bind_url": "http://0.0.0.0:8081"},
    "docker": {"network": "govlab", "hub_connect_url": "http://hub:8081"},
}


def docker(mode="docker", **docker_settings):
    return {"mode": mode, "docker": {**HOST, **docker_settings}}


# (settings, "Class.trait", expected)
DOCKER_CASES = [
    (docker(), "JupyterHub.spawner_class", "govlab.spawners.GovlabDockerSpawner"),
    (docker("swarm"), "JupyterHub.spawner_class", "govlab.spawners.GovlabSwarmSpawner"),
    (docker(), "GovlabDockerSpawner.image", "govlab/lab:0.1.0"),
    (docker(pull_policy="never"), "GovlabDockerSpawner.pull_policy", "never"),
    (docker(), "GovlabDockerSpawner.network_name", "host"),
    (docker(), "GovlabDockerSpawner.ip", "127.0.0.1"),
    (docker(), "GovlabDockerSpawner.remove", True),
    (docker(), "GovlabDockerSpawner.volumes", {"govlab-home-{username}": "/home/govlab"}),
    (
        docker(volume_template="lab-{username}", home="/home/x"),
        "GovlabDockerSpawner.volumes",
        {"lab-{username}": "/home/x"},
    ),
    (docker(), "GovlabDockerSpawner.notebook_dir", "/home/govlab"),
    (docker(), "GovlabDockerSpawner.cmd", ["jupyterhub-singleuser"]),
    (docker(), "GovlabDockerSpawner.extra_create_kwargs", {"user": "1000:1000"}),
    ({**docker(), "limits": {"memory": "1G", "cpu": 0.5}}, "Spawner.mem_limit", "1G"),
    ({**docker(), "limits": {"memory": "1G", "cpu": 0.5}}, "Spawner.cpu_limit", 0.5),
    # Containers outlive a hub restart unless the operator asks otherwise.
    (docker(), "JupyterHub.cleanup_servers", False),
    ({**docker(), "hub": {"stop_servers_on_exit": True}}, "JupyterHub.cleanup_servers", True),
    ({}, "JupyterHub.cleanup_servers", True),
    (BRIDGED, "JupyterHub.hub_connect_url", "http://hub:8081"),
    (BRIDGED, "GovlabDockerSpawner.network_name", "govlab"),
    (docker("swarm"), "GovlabSwarmSpawner.extra_container_spec", {"user": "1000:1000", "cap_drop": ["ALL"]}),
    # On the host network nothing is published: the hub routes to 127.0.0.1:<port>.
    (docker(), "GovlabDockerSpawner.use_internal_ip", True),
    (docker("swarm"), "GovlabSwarmSpawner.use_internal_ip", True),
]


@pytest.mark.parametrize("data, key, expected", DOCKER_CASES)
def test_container_spawner_config(data, key, expected):
    assert dig(build_hub_config(loaded(data), RUNTIME), key) == expected


def test_user_containers_get_no_privileges_and_hard_limits():
    config = build_hub_config(loaded({**docker(), "limits": {"memory": "1G"}}), RUNTIME)
    host = config["GovlabDockerSpawner"]["extra_host_config"]
    assert host["cap_drop"] == ["ALL"]
    assert host["security_opt"] == ["no-new-privileges"]
    assert host["memswap_limit"] == "1G"  # no swap: past the limit a process is killed
    assert host["pids_limit"] == 1024
    traits = config["GovlabDockerSpawner"]
    mounted = json.dumps([traits["volumes"], traits.get("read_only_volumes", {})])
    assert "docker.sock" not in mounted and "privileged" not in host


def test_bridged_labs_bind_every_interface_of_their_own_namespace():
    traits = build_hub_config(loaded(BRIDGED), RUNTIME)["GovlabDockerSpawner"]
    assert "ip" not in traits and "use_internal_ip" not in traits


def test_container_labs_get_the_lab_config_in_their_environment():
    data = {**docker(), "sharing": {"gitlab_url": "https://gitlab.example.go.kr", "agency": "행정안전부"}}
    ld = loaded(data, llm_api_key="sk-secret-value")
    env = build_hub_config(ld, RUNTIME)["GovlabDockerSpawner"]["environment"]
    assert json.loads(env["GOVLAB_LAB_CONFIG"]) == lab_server_config(ld)
    assert "JUPYTER_CONFIG_PATH" not in env  # the hub's disk is not the container's
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert "sk-secret-value" not in env["GOVLAB_LAB_CONFIG"]


def test_local_mode_keeps_its_process_spawner():
    config = build_hub_config(loaded({}), RUNTIME)
    assert config["JupyterHub"]["spawner_class"] == "govlab.spawners.GovlabSimpleSpawner"
    assert not any(k.startswith("Govlab") and k.endswith("Spawner") for k in config)


def _problems(data: dict) -> list[tuple[str, str]]:
    data.setdefault("auth", {}).setdefault("shared_password", {"user_password": {"env": "P"}, "trusted_trial": True})
    with pytest.raises(settings.SettingsError) as err:
        s = settings.parse(data)
        settings.check_consistency(s, settings.Secrets(user_password="user-pass"), "test")
    return err.value.problems


# (settings, key named in the error, words the fix must contain)
BAD_CASES = [
    ({"mode": "docker", "docker": {"network": "bridge"}}, "docker.network", "user-defined network"),
    ({"mode": "docker", "docker": {"network": "has space"}}, "docker.network", "host"),
    ({"mode": "docker", "docker": {"volume_template": "shared-home"}}, "docker.volume_template", "{username}"),
    ({"mode": "docker", "docker": {"image": "Bad Image"}}, "docker.image", "govlab/lab"),
    ({"mode": "docker", "docker": {"home": "relative"}}, "docker.home", "absolute"),
    ({"mode": "docker", "docker": {"pull_policy": "sometimes"}}, "docker.pull_policy", "never"),
    ({"mode": "docker", "docker": {"hub_connect_url": "hub:8081"}}, "docker.hub_connect_url", "http://hub:8081"),
    ({"mode": "docker", "docker": {"pids_limit": 3}}, "docker.pids_limit", "64"),
    # A bridged lab cannot reach a hub API on the hub machine's loopback ...
    (
        {"mode": "docker", "docker": {"network": "govlab", "hub_connect_url": "http://hub:8081"}},
        "hub.hub_bind_url",
        "0.0.0.0",
    ),
    # ... nor find the hub without its address on the network.
    ({"mode": "docker", "hub": {"hub_bind_url": "http://0.0.0.0:8081"}}, "docker.hub_connect_url", "http://hub:8081"),
    # A starter folder on the hub's disk never reaches a swarm node.
    (
        {**docker("swarm"), "workshops": [{"name": "edu", "seats": 2, "starter": "starters"}]},
        "workshops.0.starter",
        "materials_repo",
    ),
]


@pytest.mark.parametrize("data, key, fix", BAD_CASES)
def test_bad_container_settings_name_the_key_and_the_fix(data, key, fix):
    problems = dict(_problems(data))
    assert key in problems, problems
    assert fix in problems[key]


def test_host_network_settings_are_valid_for_docker_and_swarm():
    for mode in ("docker", "swarm"):
        s = settings.parse(
            {**docker(mode), "auth": {"shared_password": {"user_password": {"env": "P"}, "trusted_trial": True}}}
        )
        settings.check_consistency(s, settings.Secrets(user_password="user-pass"), "test")


@pytest.mark.parametrize("cls", [GovlabDockerSpawner, GovlabSwarmSpawner])
def test_host_network_labs_are_routed_on_loopback(cls):
    sp = cls(network_name="host", port=43210)
    assert asyncio.run(sp.get_ip_and_port()) == ("127.0.0.1", 43210)


def test_swarm_mounts_named_volumes_as_volumes_and_paths_as_binds():
    sp = GovlabSwarmSpawner(
        volumes={"govlab-home-{username}": "/home/govlab", "/srv/starter": {"bind": "/opt/s", "mode": "ro"}}
    )
    sp.user = type("U", (), {"name": "kim", "id": 1, "escaped_name": "kim"})()
    sp.user.url = "/user/kim/"
    by_target = {m["Target"]: m for m in sp.mounts}
    assert by_target["/home/govlab"]["Type"] == "volume"
    assert by_target["/home/govlab"]["Source"] == "govlab-home-kim"
    assert by_target["/opt/s"]["Type"] == "bind" and by_target["/opt/s"]["ReadOnly"] is True


def test_docker_seats_get_ports_and_their_cohort_starter_folder_read_only(tmp_path):
    starter = tmp_path / "starters"
    starter.mkdir()
    data = {**docker(), "workshops": [{"name": "edu", "seats": 2, "starter": str(starter)}]}
    seat = SimpleNamespace(
        user=SimpleNamespace(name="edu-01"), volumes={"home-{username}": "/home/govlab"}, port=0, args=[]
    )
    other = SimpleNamespace(
        user=SimpleNamespace(name="kim"), volumes={"home-{username}": "/home/govlab"}, port=0, args=[]
    )
    for spawner in (seat, other):
        for hook in pre_spawn_hooks(loaded(data)):
            hook(spawner)
    assert seat.volumes[str(starter)] == {"bind": WORKSHOP_MOUNT, "mode": "ro"}
    assert other.volumes == {"home-{username}": "/home/govlab"}, "only the cohort's seats get its folder"
    # On the host network every lab gets its own HTTP port, as in local mode (no MCP server).
    assert seat.port and other.port and seat.port != other.port
    assert not any(a.startswith("--MCPExtensionApp.") for a in seat.args)
