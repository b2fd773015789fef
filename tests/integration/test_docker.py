"""Mode docker: one unprivileged, limited container per official, on a real Docker engine.

The engine is started by the tests (tests/support/docker.py); the lab image is built
from this checkout on a locally made base. Every container runs on the host network
and listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import secrets
import time

import pytest
import requests

from tests.integration.test_browser import sign_in
from tests.support.hub import RunningHub, base_settings, login_session
from tests.support.kernel import execute, run_until_kernel_dies

pytestmark = [pytest.mark.hub, pytest.mark.docker]

OFFICIALS = ("jiwoo", "minjun", "seoyeon")
MEMORY = "1G"


def docker_settings(state_dir, image: str, volume_prefix: str, **overrides):
    return base_settings(
        state_dir,
        **{
            "mode": "docker",
            "docker.image": image,
            "docker.network": "host",
            "docker.pull_policy": "never",
            "docker.volume_template": f"{volume_prefix}-{{username}}",
            "limits.memory": MEMORY,
            "limits.cpu": 1.0,
            "culling.enabled": False,
            **overrides,
        },
    )


@pytest.fixture(scope="module")
def docker_hub(tmp_path_factory, docker_engine, lab_image):
    workdir = tmp_path_factory.mktemp("docker-hub")
    prefix = f"govlab-test-{secrets.token_hex(3)}"
    hub = RunningHub(
        workdir, docker_settings(workdir / "state", lab_image, prefix), env={"DOCKER_HOST": docker_engine.host}
    )
    hub.volume_prefix = prefix
    hub.start()
    tokens = {name: hub.create_user(name) for name in OFFICIALS}
    # Three officials start at once.
    for name in OFFICIALS:
        r = hub.api("POST", f"/users/{name}/server")
        assert r.status_code in (201, 202), f"{r.status_code} {r.text}\n{hub.log()[-6000:]}"
    for name in OFFICIALS:
        hub.wait_ready(name, timeout=300)
    hub.tokens = tokens
    yield hub
    hub.stop()
    docker_engine.remove_labs(OFFICIALS)
    for name in OFFICIALS:
        docker_engine.run("volume", "rm", "-f", f"{prefix}-{name}", check=False)


def container(engine, name: str) -> dict:
    return engine.inspect(f"govlab-{name}")


def test_each_official_gets_an_unprivileged_limited_container(docker_hub, docker_engine):
    for name in OFFICIALS:
        info = container(docker_engine, name)
        host = info["HostConfig"]
        assert info["State"]["Running"]
        assert info["Config"]["User"] == "1000:1000"
        assert host["Memory"] == 1024**3 and host["MemorySwap"] == 1024**3
        assert host["CpuQuota"] == 100_000 and host["CpuPeriod"] == 100_000
        assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
        assert "no-new-privileges" in host["SecurityOpt"]
        assert host["Privileged"] is False and host["NetworkMode"] == "host"
        mounts = {m["Destination"]: m for m in info["Mounts"]}
        assert set(mounts) == {"/home/govlab"}, "only the official's home volume is mounted"
        assert mounts["/home/govlab"]["Type"] == "volume"
        assert mounts["/home/govlab"]["Name"] == f"{docker_hub.volume_prefix}-{name}"


def test_the_kernel_runs_as_uid_1000_without_the_docker_socket(docker_hub):
    name, token = "jiwoo", docker_hub.tokens["jiwoo"]
    kernel = docker_hub.lab("POST", name, "/api/kernels", token=token, json={"name": "python3"}).json()
    try:
        out = execute(
            docker_hub.url,
            name,
            kernel["id"],
            token,
            "import os, pathlib\n"
            "print(os.getuid(), os.getgid(), pathlib.Path.home())\n"
            "print(os.path.exists('/var/run/docker.sock'), os.path.exists('/run/docker.sock'))\n"
            "print(sorted(p.name for p in pathlib.Path.home().joinpath('시작하기').iterdir())[:2])",
        )
    finally:
        docker_hub.lab("DELETE", name, f"/api/kernels/{kernel['id']}", token=token)
    lines = out.strip().splitlines()
    assert lines[0] == "1000 1000 /home/govlab"
    assert lines[1] == "False False"
    assert ".ipynb" in lines[2], "the starter notebooks are handed out in the home"


def test_a_container_holds_no_secret_but_what_its_lab_needs(docker_hub):
    """Every process environment a kernel can open in its container (/proc/1/environ
    included) holds none of the hub's secrets (docs/operators.md; local mode:
    test_isolation.py). The model key would be the only one allowed."""
    from tests.support.hub import ADMIN_PASSWORD, USER_PASSWORD

    name, token = "jiwoo", docker_hub.tokens["jiwoo"]
    needles = {
        "user_password": USER_PASSWORD,
        "admin_password": ADMIN_PASSWORD,
        "admin_api_token": docker_hub.token,
        "other_officials_token": docker_hub.tokens["minjun"],
    }
    code = (
        "import glob, json\n"
        f"needles = {needles!r}\n"
        "found, read = {}, 0\n"
        "for path in glob.glob('/proc/[0-9]*/environ') + glob.glob('/proc/[0-9]*/cmdline'):\n"
        "    try: data = open(path, 'rb').read()\n"
        "    except OSError: continue\n"
        "    read += 1\n"
        "    for k, v in needles.items():\n"
        "        if v.encode() in data: found.setdefault(k, []).append(path)\n"
        "print(json.dumps({'found': found, 'read': read, 'pid1': b'JUPYTERHUB_API_TOKEN' in open('/proc/1/environ', 'rb').read()}))"
    )
    kernel = docker_hub.lab("POST", name, "/api/kernels", token=token, json={"name": "python3"}).json()
    try:
        out = json.loads(execute(docker_hub.url, name, kernel["id"], token, code).strip().splitlines()[-1])
    finally:
        docker_hub.lab("DELETE", name, f"/api/kernels/{kernel['id']}", token=token)
    assert out["pid1"] and out["read"] > 0, "the probe read the container's own environments"
    assert out["found"] == {}, out["found"]


def test_a_lab_container_opens_in_chromium(docker_hub, page):
    sign_in(page, docker_hub, "jiwoo")
    menubar = page.locator("#jp-menu-panel")
    for label in ("파일", "편집", "커널"):
        assert menubar.get_by_text(label, exact=True).count() >= 1, label
    # The share button of our extension is in the image too.
    page.goto(f"{docker_hub.url}/user/jiwoo/lab/tree/시작하기")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    assert page.locator(".jp-DirListing-item").count() >= 3


def test_officials_cannot_reach_each_others_containers(docker_hub, docker_engine):
    # Through the hub and the proxy, with a signed-in browser session ...
    session = login_session(docker_hub, "jiwoo")
    assert session.get(f"{docker_hub.url}/user/minjun/lab", timeout=60).status_code == 403
    assert session.get(f"{docker_hub.url}/user/minjun/api/contents", timeout=60).status_code == 403
    # ... or with one's own API token.
    own_token = docker_hub.tokens["jiwoo"]
    assert docker_hub.lab("GET", "minjun", "/api/contents", token=own_token).status_code == 403
    # Straight to the other container's port on loopback, around the proxy: refused too.
    env = dict(e.split("=", 1) for e in container(docker_engine, "minjun")["Config"]["Env"])
    service_url = env["JUPYTERHUB_SERVICE_URL"]
    assert service_url.startswith("http://127.0.0.1:"), "a lab listens on loopback only"
    direct = requests.get(
        f"{service_url.rstrip('/')}/api/contents", headers={"Authorization": f"token {own_token}"}, timeout=30
    )
    assert direct.status_code == 403


def test_a_kernel_past_the_memory_limit_is_killed_and_the_lab_survives(docker_hub, docker_engine):
    name, token = "minjun", docker_hub.tokens["minjun"]
    kernel = docker_hub.lab("POST", name, "/api/kernels", token=token, json={"name": "python3"}).json()
    hog = "blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 1024 * 1024))\n"
    try:
        states = run_until_kernel_dies(docker_hub.url, name, kernel["id"], token, hog, timeout=120)
        # The lab tells the official (JupyterLab shows its "kernel restarting" dialog).
        assert states[-1] in ("restarting", "dead"), states
        # The server itself lives on, in the same container.
        assert docker_hub.lab("GET", name, "/api/status", token=token).status_code == 200
        assert container(docker_engine, name)["State"]["Running"]
        # And the restarted kernel works again.
        deadline = time.time() + 60
        while time.time() < deadline:
            state = docker_hub.lab("GET", name, f"/api/kernels/{kernel['id']}", token=token).json()
            if state.get("execution_state") == "idle":
                break
            time.sleep(1)
        assert execute(docker_hub.url, name, kernel["id"], token, "print(6 * 7)").strip() == "42"
    finally:
        docker_hub.lab("DELETE", name, f"/api/kernels/{kernel['id']}", token=token)


def test_files_survive_a_container_restart(docker_hub, docker_engine):
    name, token = "seoyeon", docker_hub.tokens["seoyeon"]
    assert docker_hub.put_file(name, "출장비.txt", "서울-세종 왕복", token=token).status_code == 201
    first = container(docker_engine, name)["Id"]
    docker_hub.stop_server(name)
    assert not docker_engine.containers(f"govlab-{name}"), "a stopped lab's container is removed"
    docker_hub.start_server(name, timeout=300)
    assert container(docker_engine, name)["Id"] != first
    got = docker_hub.lab("GET", name, "/api/contents/출장비.txt", token=token).json()
    assert got["content"] == "서울-세종 왕복"


def test_the_hub_restarts_without_stopping_containers_or_losing_files(docker_hub, docker_engine):
    name, token = "jiwoo", docker_hub.tokens["jiwoo"]
    assert docker_hub.put_file(name, "보고서.txt", "월간 보고", token=token).status_code == 201
    before = container(docker_engine, name)
    docker_hub.stop()
    assert container(docker_engine, name)["State"]["Running"], "stopping the hub stopped a lab"
    docker_hub.start()
    docker_hub.wait_ready(name, timeout=120)
    after = container(docker_engine, name)
    assert after["Id"] == before["Id"] and after["State"]["StartedAt"] == before["State"]["StartedAt"]
    got = docker_hub.lab("GET", name, "/api/contents/보고서.txt", token=token).json()
    assert got["content"] == "월간 보고"


def test_an_idle_container_is_culled_and_its_files_stay(tmp_path, docker_engine, lab_image):
    prefix = f"govlab-test-{secrets.token_hex(3)}"
    settings = docker_settings(
        tmp_path / "state", lab_image, prefix, **{"culling.enabled": True, "culling.timeout": 10, "culling.every": 5}
    )
    hub = RunningHub(tmp_path, settings, env={"DOCKER_HOST": docker_engine.host}).start()
    try:
        token = hub.create_user("dahye")
        hub.start_server("dahye", timeout=300)
        assert hub.put_file("dahye", "메모.txt", "내일 할 일", token=token).status_code == 201
        deadline = time.time() + 150
        while time.time() < deadline and hub.api("GET", "/users/dahye").json()["servers"]:
            time.sleep(2)
        assert hub.api("GET", "/users/dahye").json()["servers"] == {}, "the idle lab was not culled"
        assert not docker_engine.containers("govlab-dahye"), "the culled lab's container is still there"
        hub.start_server("dahye", timeout=300)
        got = hub.lab("GET", "dahye", "/api/contents/메모.txt", token=token).json()
        assert got["content"] == "내일 할 일"
    finally:
        hub.stop()
        docker_engine.run("rm", "-f", "govlab-dahye", check=False)
        docker_engine.run("volume", "rm", "-f", f"{prefix}-dahye", check=False)
