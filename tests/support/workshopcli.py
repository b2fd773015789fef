"""Run `govlab workshop ...` against a test hub as a trainer would, from their own shell
(no hub environment variables: the CLI gets only what the arguments say)."""

from __future__ import annotations

import subprocess

import requests

from tests.support.hub import GOVLAB, RunningHub


def workshop(
    hub: RunningHub, *args: str, token: str | None = None, config: bool = False, timeout: float = 900
) -> subprocess.CompletedProcess:
    cmd = [str(GOVLAB), "workshop", *args]
    if token:
        cmd += ["--hub-url", hub.url, "--token", token]
    if config:
        cmd += ["--config", str(hub.settings_path)]
    env = hub.env()
    for k in ("GOVLAB_HUB_TOKEN", "JUPYTERHUB_API_TOKEN", "GOVLAB_SETTINGS", "GOVLAB_HUB_URL"):
        env.pop(k, None)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def session_token(hub: RunningHub, s: requests.Session, user: str, note: str = "workshop test") -> str:
    """An API token made by the signed-in user through the REST API (cookie + XSRF)."""
    r = s.post(
        f"{hub.url}/hub/api/users/{user}/tokens",
        json={"note": note},
        headers={"X-XSRFToken": s.cookies.get("_xsrf", path="/hub/") or s.cookies.get("_xsrf")},
        timeout=30,
    )
    assert r.status_code == 201, (user, r.status_code, r.text)
    return r.json()["token"]
