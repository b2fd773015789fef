"""The images as an operator gets them: what runs inside, as whom."""

from __future__ import annotations

import json

import pytest
import yaml

pytestmark = [pytest.mark.docker]

COMPOSE_SETTINGS = {
    "mode": "docker",
    "hub": {
        "bind_url": "http://0.0.0.0:8000",
        "hub_bind_url": "http://0.0.0.0:8081",
        "proxy_api_url": "http://proxy:8001",
        "external_proxy": True,
        "state_dir": "state",
        "db_url": "postgresql://govlab@db:5432/govlab",
        "db_password": {"env": "GOVLAB_DB_PASSWORD"},
    },
    "auth": {"shared_password": {"user_password": {"env": "GOVLAB_USER_PASSWORD"}, "trusted_trial": True}},
    "docker": {"image": "govlab/lab:0.1.0", "network": "govlab", "hub_connect_url": "http://hub:8081"},
    "llm": {"check_at_start": False},
}


def test_hub_image_checks_the_compose_settings_and_runs_the_proxy(docker_engine, hub_image, tmp_path):
    (tmp_path / "govlab.yaml").write_text(yaml.safe_dump(COMPOSE_SETTINGS))
    checked = docker_engine.run(
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        f"{tmp_path / 'govlab.yaml'}:/srv/govlab/govlab.yaml:ro",
        "-e",
        "GOVLAB_USER_PASSWORD=a-user-password",
        "-e",
        "GOVLAB_DB_PASSWORD=db-secret-value",
        "-e",
        "CONFIGPROXY_AUTH_TOKEN=proxy-token-value",
        hub_image,
        "govlab",
        "check-config",
        check=False,
    )
    assert checked.returncode == 0, checked.stderr + checked.stdout
    resolved = json.loads(checked.stdout[checked.stdout.index("{") :])
    hub = resolved["jupyterhub"]
    assert hub["JupyterHub"]["spawner_class"] == "govlab.spawners.GovlabDockerSpawner"
    assert hub["JupyterHub"]["db_url"].startswith("postgresql")
    assert "db-secret-value" not in checked.stdout
    # The proxy runs from the same image as the unprivileged `govlab` user.
    proxy = docker_engine.run(
        "run", "--rm", "--network", "none", "--user", "govlab", hub_image, "configurable-http-proxy", "--version"
    )
    assert proxy.stdout.strip() == "5.3.0"
    whoami = docker_engine.run("run", "--rm", "--network", "none", "--user", "govlab", hub_image, "id", "-u")
    assert whoami.stdout.strip() != "0"


def test_lab_image_holds_the_extension_korean_pack_and_font(docker_engine, lab_image):
    out = docker_engine.run(
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "sh",
        lab_image,
        "-c",
        "id -u; jupyter labextension list 2>&1; "
        "python -c 'import jupyterlab_language_pack_ko_KR; print(\"ko-KR pack\")'; "
        "ls /usr/share/fonts/truetype/nanum | grep -c ttf",
    ).stdout
    lines = out.splitlines()
    assert lines[0] == "1000"
    for extension in (
        "@govlab/share",
        "@jupyter-ai/jupyternaut",
        "jupyterlab-chat-extension",
        "@jupyter-widgets/jupyterlab-manager",
    ):
        assert any(extension in line and "enabled" in line for line in lines), (extension, out)
    assert "ko-KR pack" in lines
    assert int(lines[-1]) > 0, "the Korean font is missing"
