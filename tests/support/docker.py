"""A real Docker engine for the tests, and the images they run.

`scripts/test` installs Debian's docker.io; nothing starts it on this kind of machine,
so the first test that needs it starts `dockerd` itself (and stops it at the end):
- its data lives in `.cache/docker` of the checkout, so built images are reused by the
  next run on the same machine (a fresh clone builds them once);
- no default bridge and no iptables rules: the tests run every container on the host
  network, listening on 127.0.0.1 only.
An engine that already answers at $DOCKER_HOST is used as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.support.hub import REPO

DATA_ROOT = Path(os.environ.get("GOVLAB_TEST_DOCKER_ROOT", REPO / ".cache" / "docker"))
# Unix socket paths are limited to about 100 bytes: keep the exec root short.
EXEC_ROOT = Path("/run/govlab-test-docker")

# What a lab image is built from: a change to any of these makes a new test image.
IMAGE_INPUTS = (
    "images",
    "hub/govlab",
    "extensions/govlab-share/govlab_share",
    "extensions/govlab-share/src",
    "extensions/govlab-share/style",
    "extensions/govlab-share/schema",
    "extensions/govlab-share/package.json",
    "extensions/govlab-share/pyproject.toml",
    "starter_notebooks",
    "scripts/proxy/package-lock.json",
    "requirements/constraints.txt",
    "pyproject.toml",
    "config/lab",
)


class DockerEngine:
    def __init__(self):
        self.socket = DATA_ROOT / "docker.sock"
        self.host = os.environ.get("DOCKER_HOST") or f"unix://{self.socket}"
        self.proc: subprocess.Popen | None = None
        self.cli = shutil.which("docker", path="/usr/bin") or shutil.which("docker") or "docker"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.host}

    def run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.cli, *args], env=self.env, capture_output=True, text=True, check=check, timeout=timeout
        )

    def answers(self) -> bool:
        try:
            return self.run("info", "--format", "{{.ServerVersion}}", check=False, timeout=20).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    def start(self, timeout: float = 60) -> DockerEngine:
        if self.answers():
            return self
        dockerd = shutil.which("dockerd") or shutil.which("dockerd", path="/usr/sbin")
        if not dockerd:
            raise RuntimeError("dockerd is not installed: run scripts/setup --test (it installs docker.io)")
        DATA_ROOT.mkdir(parents=True, exist_ok=True)
        EXEC_ROOT.mkdir(parents=True, exist_ok=True)
        self.host = f"unix://{self.socket}"
        log = open(DATA_ROOT.parent / "dockerd.log", "ab")
        self.proc = subprocess.Popen(
            [
                dockerd,
                f"--data-root={DATA_ROOT / 'data'}",
                f"--exec-root={EXEC_ROOT}",
                f"--host={self.host}",
                f"--pidfile={DATA_ROOT / 'dockerd.pid'}",
                "--bridge=none",
                "--iptables=false",
                "--ip-masq=false",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dockerd exited with {self.proc.returncode}: see {log.name}")
            if self.answers():
                return self
            time.sleep(0.5)
        raise RuntimeError(f"dockerd did not answer within {timeout}s: see {log.name}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    # -- images --------------------------------------------------------------
    def has_image(self, tag: str) -> bool:
        return self.run("image", "inspect", tag, check=False).returncode == 0

    def build_image(self, kind: str) -> str:
        """The `lab` or `hub` image of this checkout (built once per change of its inputs)."""
        tag = f"govlab/{kind}:test-{inputs_digest()}"
        if not self.has_image(tag):
            subprocess.run(
                [str(REPO / "images" / "build"), kind, "--tag", tag],
                env={**self.env, "DOCKER": self.cli},
                check=True,
                timeout=1800,
            )
        return tag

    # -- containers ----------------------------------------------------------
    def containers(self, name_prefix: str = "govlab-") -> list[dict]:
        out = self.run("ps", "-a", "--format", "{{json .}}", "--filter", f"name={name_prefix}").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def inspect(self, name: str) -> dict:
        return json.loads(self.run("inspect", name).stdout)[0]

    def remove_labs(self, users=None) -> None:
        """Remove the lab containers of these users; without names, every lab container,
        but only on an engine the tests started (never an operator's)."""
        if users is not None:
            names = [f"govlab-{u}" for u in users]
        elif self.proc is not None:
            names = [c["Names"] for c in self.containers()]
        else:
            names = []
        for name in names:
            self.run("rm", "-f", name, check=False)


def inputs_digest() -> str:
    h = hashlib.sha256()
    for rel in IMAGE_INPUTS:
        path = REPO / rel
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for f in files:
            # Build products and caches: not inputs.
            if {"__pycache__", "node_modules", "labextension", "lib"} & set(f.parts) or f.suffix == ".pyc":
                continue
            h.update(str(f.relative_to(REPO)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]
