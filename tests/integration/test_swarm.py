"""Mode swarm: each official's lab is a service of a real (single-node) Docker Swarm.

The swarm is made with `docker swarm init` on the engine the tests start and left at
the end. Services run on the host network and listen on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import secrets

import pytest

from tests.integration.test_docker import docker_settings
from tests.support.hub import RunningHub

pytestmark = [pytest.mark.hub, pytest.mark.docker]


@pytest.fixture(scope="module")
def swarm(docker_engine):
    state = docker_engine.run("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()
    made_here = state != "active"
    if made_here:
        docker_engine.run("swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2377")
    yield docker_engine
    if made_here:
        docker_engine.run("swarm", "leave", "--force", check=False)


def service(engine, name: str) -> dict | None:
    r = engine.run("service", "inspect", f"govlab-{name}", check=False)
    return json.loads(r.stdout)[0] if r.returncode == 0 else None


def test_a_lab_runs_as_a_swarm_service_and_keeps_its_files(tmp_path, swarm, lab_image):
    prefix = f"govlab-test-{secrets.token_hex(3)}"
    settings = docker_settings(tmp_path / "state", lab_image, prefix, mode="swarm")
    hub = RunningHub(tmp_path, settings, env={"DOCKER_HOST": swarm.host}).start()
    try:
        token = hub.create_user("hana")
        hub.start_server("hana", timeout=300)
        spec = service(swarm, "hana")["Spec"]["TaskTemplate"]
        assert spec["ContainerSpec"]["User"] == "1000:1000"
        assert spec["ContainerSpec"]["CapabilityDrop"] == ["ALL"]
        assert spec["Resources"]["Limits"]["MemoryBytes"] == 1024**3
        assert spec["Resources"]["Limits"]["NanoCPUs"] == 1_000_000_000
        mount = spec["ContainerSpec"]["Mounts"][0]
        assert (mount["Type"], mount["Source"], mount["Target"]) == ("volume", f"{prefix}-hana", "/home/govlab")
        assert hub.put_file("hana", "민원.txt", "처리 완료", token=token).status_code == 201

        hub.stop_server("hana")
        assert service(swarm, "hana") is None, "a stopped lab's service is removed"
        hub.start_server("hana", timeout=300)
        got = hub.lab("GET", "hana", "/api/contents/민원.txt", token=token).json()
        assert got["content"] == "처리 완료"
    finally:
        hub.stop()
        swarm.run("service", "rm", "govlab-hana", check=False)
        swarm.run("volume", "rm", "-f", f"{prefix}-hana", check=False)
