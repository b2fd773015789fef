"""Run `govlab workshop ...` against a test hub as a trainer would, from their own shell
(no hub environment variables: the CLI gets only what the arguments say)."""

from __future__ import annotations

import subprocess

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
