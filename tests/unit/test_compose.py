"""config/docker-compose.yml: the security properties a reviewer checks, and the hub
settings that drive its separate proxy (hub.external_proxy)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path
from unittest import mock

import pytest
import yaml
from pydantic import SecretStr
from traitlets.config import Config

from govlab import settings
from govlab.hubconfig import Runtime, build_hub_config, hub_section
from tests.support.aio import run
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "config" / "docker-compose.yml"
DOC = REPO / "docs" / "compose.md"
SETTINGS_PATH = "/srv/govlab/govlab.yaml"
SOCKET = "/var/run/docker.sock"
SECRET_WORDS = re.compile(r"PASSWORD|TOKEN|SECRET|KEY", re.I)


def interpolate(text: str) -> str:
    """Compose's ${VAR:-default} with nothing set: what an operator gets by default."""
    unset = re.findall(r"\$\{(\w+)\}", text)
    assert not unset, f"variables without a default: {unset}"
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(interpolate(COMPOSE.read_text()))


def volume_mounts(service: dict) -> list[tuple[str, str, str]]:
    """(source, target, mode) of each short-syntax volume entry."""
    out = []
    for entry in service.get("volumes", []):
        assert isinstance(entry, str), f"use the short syntax: {entry}"
        parts = entry.split(":")
        out.append((parts[0], parts[1], parts[2] if len(parts) > 2 else "rw"))
    return out


def test_the_labs_are_not_compose_services(compose):
    # Labs are started per official by DockerSpawner, never declared here.
    assert set(compose["services"]) == {"hub", "proxy", "db"}


def test_docker_socket_is_mounted_into_the_hub_only(compose):
    holders = [
        name for name, svc in compose["services"].items() for src, _, _ in volume_mounts(svc) if "docker.sock" in src
    ]
    assert holders == ["hub"]
    assert (SOCKET, SOCKET, "rw") in volume_mounts(compose["services"]["hub"])


@pytest.mark.parametrize("name", ["hub", "proxy", "db"])
def test_no_service_gets_host_level_powers(compose, name):
    svc = compose["services"][name]
    assert not svc.get("privileged")
    assert "cap_add" not in svc
    assert svc.get("network_mode") is None
    for key in ("pid", "ipc", "userns_mode", "uts"):
        assert svc.get(key) != "host", key
    assert "devices" not in svc
    assert "no-new-privileges:true" in svc.get("security_opt", [])
    assert svc.get("restart") in ("unless-stopped", "always")


def test_no_secret_is_written_inline(compose):
    for name, svc in compose["services"].items():
        env = svc.get("environment", {})
        assert isinstance(env, dict), f"{name}: use the mapping syntax for environment"
        for key, value in env.items():
            if SECRET_WORDS.search(key):
                assert key.endswith("_FILE") and str(value).startswith("/run/secrets/"), f"{name}.{key} is inline"
    # The proxy token reaches both ends from the env file, never from this file.
    for name in ("hub", "proxy"):
        assert "./secrets/proxy.env" in compose["services"][name]["env_file"]
    assert "CONFIGPROXY_AUTH_TOKEN" not in yaml.safe_dump(compose)
    for secret in compose["secrets"].values():
        assert set(secret) == {"file"} and secret["file"].startswith("./secrets/")
    assert "config/secrets/" in (REPO / ".gitignore").read_text().splitlines()


def test_only_the_proxy_is_published_and_only_on_loopback(compose):
    published = {name: svc.get("ports", []) for name, svc in compose["services"].items() if svc.get("ports")}
    assert list(published) == ["proxy"]
    for mapping in published["proxy"]:
        host_ip, host_port, container_port = str(mapping).split(":")
        assert host_ip == "127.0.0.1"
        assert container_port == "8000"
    assert "expose" not in compose["services"]["db"]


def test_data_lives_in_named_volumes(compose):
    named = set(compose["volumes"])
    binds = {"./govlab.yaml", SOCKET}
    for name, svc in compose["services"].items():
        for source, target, mode in volume_mounts(svc):
            assert source in named or source in binds, f"{name}: {source} is neither a named volume nor an allowed bind"
            if source == "./govlab.yaml":
                assert (name, target, mode) == ("hub", SETTINGS_PATH, "ro")
    db_mounts = volume_mounts(compose["services"]["db"])
    assert ("db-data", "/var/lib/postgresql/data", "rw") in db_mounts


def test_settings_file_is_the_one_the_hub_reads(compose):
    hub = compose["services"]["hub"]
    assert hub["environment"]["GOVLAB_SETTINGS"] == SETTINGS_PATH


def test_database_is_reachable_from_the_hub_only(compose):
    services = compose["services"]
    assert services["db"]["networks"] == ["backend"]
    assert compose["networks"]["backend"]["internal"] is True
    assert "backend" in services["hub"]["networks"]
    assert "backend" not in services["proxy"]["networks"]
    # The labs join `govlab` (docker.network): they never see the database.
    assert compose["networks"]["govlab"]["name"] == "govlab"
    assert services["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert services["hub"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_proxy_runs_unprivileged(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["user"] not in ("root", "0")
    assert proxy["cap_drop"] == ["ALL"]


def documented_settings() -> dict:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)
    (block,) = [b for b in blocks if "external_proxy" in b]
    return yaml.safe_load(re.sub(r"^ {3}", "", block, flags=re.M))


def compose_loaded(data: dict) -> settings.LoadedSettings:
    data = {**data, "auth": {"shared_password": {"user_password": {"env": "P"}, "trusted_trial": True}}}
    parsed = settings.parse(data)
    secrets = settings.Secrets(user_password=SecretStr("user-pass-1"), db_password=SecretStr("db-pass-1"))
    settings.check_consistency(parsed, secrets, "docs/compose.md", {"CONFIGPROXY_AUTH_TOKEN": "t" * 64})
    return settings.LoadedSettings(
        settings=parsed, secrets=secrets, source=Path(SETTINGS_PATH), state_dir=Path("/srv/govlab/state")
    )


def test_documented_settings_match_the_compose_file(compose):
    loaded = compose_loaded(documented_settings())
    hub = loaded.settings.hub
    services = compose["services"]
    proxy_cmd = services["proxy"]["command"]
    assert hub.external_proxy is True
    assert hub.proxy_api_url == "http://proxy:" + next(
        a.split("=")[1] for a in proxy_cmd if a.startswith("--api-port=")
    )
    hub_port = hub.hub_bind_url.rsplit(":", 1)[1]
    assert f"--default-target=http://{services['hub']['hostname']}:{hub_port}" in proxy_cmd
    assert loaded.settings.docker.hub_connect_url == f"http://{services['hub']['hostname']}:{hub_port}"
    assert loaded.settings.docker.network == compose["networks"]["govlab"]["name"]
    assert hub.db_url.startswith("postgresql://govlab@db:5432/")
    assert hub.db_password.file == "/run/secrets/postgres_password"
    # state_dir is relative to the settings file: inside the hub-state volume.
    state = Path(SETTINGS_PATH).parent / hub.state_dir
    assert (("hub-state", str(state), "rw")) in volume_mounts(services["hub"])
    config = hub_section(loaded, Runtime(python="/opt/govlab/venv/bin/python"))
    assert config["ConfigurableHTTPProxy"] == {"api_url": "http://proxy:8001", "should_start": False}


# --- hub.external_proxy ---------------------------------------------------------


def local_loaded(hub: dict) -> settings.LoadedSettings:
    data = {"hub": hub, "auth": {"shared_password": {"user_password": {"env": "P"}, "trusted_trial": True}}}
    return settings.LoadedSettings(
        settings=settings.parse(data),
        secrets=settings.Secrets(user_password=SecretStr("user-pass-1")),
        source=Path("/etc/govlab/govlab.yaml"),
        state_dir=Path("/state"),
    )


RUNTIME = Runtime(python="/venv/bin/python", proxy_command=("/venv/bin/chp",))


@pytest.mark.parametrize(
    "hub, expected",
    [
        # Through govlab.proxyexec: the proxy gets its own token, not the hub's environment.
        (
            {},
            {
                "api_url": "http://127.0.0.1:8001",
                "command": ["/venv/bin/python", "-m", "govlab.proxyexec", "/venv/bin/chp"],
                "pid_file": "/state/jupyterhub-proxy.pid",
            },
        ),
        (
            {"external_proxy": True, "proxy_api_url": "http://proxy:8001"},
            {"api_url": "http://proxy:8001", "should_start": False},
        ),
    ],
    ids=["hub-starts-proxy", "external-proxy"],
)
def test_proxy_traits(hub, expected):
    assert build_hub_config(local_loaded(hub), RUNTIME)["ConfigurableHTTPProxy"] == expected


def test_external_proxy_without_the_shared_token_is_refused(tmp_path):
    path = tmp_path / "govlab.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "hub": {"external_proxy": True},
                "auth": {"shared_password": {"user_password": {"env": "P"}, "trusted_trial": True}},
            }
        )
    )
    with pytest.raises(settings.SettingsError) as info:
        settings.load(path, environ={"P": "user-pass-1"})
    assert "hub.external_proxy" in dict(info.value.problems)
    assert "CONFIGPROXY_AUTH_TOKEN" in str(info.value)
    loaded = settings.load(path, environ={"P": "user-pass-1", "CONFIGPROXY_AUTH_TOKEN": "t" * 64})
    assert loaded.settings.hub.external_proxy


@pytest.fixture
def running_proxy():
    """A real configurable-http-proxy started apart from any hub, as compose does."""
    chp = REPO / ".venv" / "bin" / "configurable-http-proxy"
    if not chp.exists():
        pytest.skip("configurable-http-proxy is not installed (scripts/setup)")
    token = "compose-proxy-token-" + os.urandom(8).hex()
    port, api_port = free_port(), free_port()
    proc = subprocess.Popen(
        [
            str(chp),
            "--ip=127.0.0.1",
            f"--port={port}",
            "--api-ip=127.0.0.1",
            f"--api-port={api_port}",
            "--log-level=warn",
        ],
        env={**os.environ, "CONFIGPROXY_AUTH_TOKEN": token},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", api_port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("configurable-http-proxy did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{api_port}", token
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_hub_drives_a_proxy_it_did_not_start(running_proxy):
    """JupyterHub's own proxy class, configured by govlab, talks to the separate proxy
    with the token from the environment, and is refused with any other token."""
    from jupyterhub.proxy import ConfigurableHTTPProxy

    api_url, token = running_proxy
    config = build_hub_config(local_loaded({"external_proxy": True, "proxy_api_url": api_url}), RUNTIME)
    traits = Config({"ConfigurableHTTPProxy": config["ConfigurableHTTPProxy"]})

    async def routes(env_token: str):
        with mock.patch.dict(os.environ, {"CONFIGPROXY_AUTH_TOKEN": env_token}):
            proxy = ConfigurableHTTPProxy(config=traits)
        assert proxy.should_start is False
        assert proxy.auth_token == env_token
        return await proxy.get_all_routes()

    assert isinstance(run(routes(token)), dict)
    with pytest.raises(Exception, match="403"):
        run(routes("not-the-token"))
