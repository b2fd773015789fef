"""A hub started the way `scripts/run-lab` starts it, under a service manager (stdout a
log file, no password in the environment, `local.lab_ports` set):

- the generated passwords are nowhere in the output, only in a 0600 file in the state
  dir, and the admin signs in with what that file says;
- a second `govlab start` on the same settings exits with code 2 and a Korean+English
  message naming the running hub's pid, and the first hub keeps answering with the same
  proxy process (not restarted);
- an official's lab listens on a port inside the configured range;
- when the hub stops, the password file is gone and the state dir's lock is free.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from govlab import hublock, runpasswords
from tests.support.hub import GOVLAB, RunningHub, base_settings, try_login
from tests.support.ports import free_block

pytestmark = pytest.mark.hub


class RunLabHub(RunningHub):
    """`govlab start --generate-passwords` (what scripts/run-lab runs) with no password set."""

    start_args = ("--generate-passwords",)

    def env(self) -> dict:
        env = super().env()
        env.pop("GOVLAB_USER_PASSWORD")
        env.pop("GOVLAB_ADMIN_PASSWORD")
        return env


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("runlab")
    low = free_block(100, low=21000)
    settings = base_settings(workdir / "state", **{"local.lab_ports": f"{low}-{low + 99}"})
    h = RunLabHub(workdir, settings)
    h.lab_ports = (low, low + 99)
    started = time.monotonic()
    h.start(timeout=120)
    h.start_seconds = time.monotonic() - started
    print(f"hub answered {h.start_seconds:.1f} s after govlab start")
    yield h
    h.kill_everything()


def _passwords(hub: RunLabHub) -> dict[str, str]:
    text = (hub.state_dir / runpasswords.FILE_NAME).read_text()
    found = dict(re.findall(r"^\s{4}(관리자|사용자) / \w+\s*: (\S{8,80})", text, re.M))
    return {"admin": found["관리자"], "user": found["사용자"]}


def test_generated_passwords_are_only_in_a_private_file(hub):
    path = hub.state_dir / runpasswords.FILE_NAME
    assert (path.stat().st_mode & 0o777) == 0o600
    passwords = _passwords(hub)
    output = hub.log()
    for value in passwords.values():
        assert value not in output, "a generated password reached the log"
    assert str(path) in output and "not a terminal" in output
    # What the file says works: the admin signs in with it, a wrong one does not.
    assert try_login(hub, "admin", passwords["admin"]) is not None
    assert try_login(hub, "admin", passwords["admin"][:-1] + "x") is None


def _holders(path: Path) -> set[int]:
    """Processes with `path` open read-write (the lock's own descriptor; the password
    file's watcher opens it read-only to wait for the lock)."""
    pids = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == str(path):
                    flags = (proc / "fdinfo" / fd.name).read_text().split("flags:", 1)[1].split()[0]
                    if int(flags, 8) & os.O_ACCMODE == os.O_RDWR:
                        pids.add(int(proc.name))
        except OSError:
            continue
    return pids


def test_a_second_start_on_the_same_state_dir_is_refused_and_the_first_keeps_its_proxy(hub):
    proxy_pid_file = hub.state_dir / "jupyterhub-proxy.pid"
    proxy_pid = int(proxy_pid_file.read_text())
    before = (hub.state_dir / runpasswords.FILE_NAME).read_text()
    second = subprocess.run(
        [str(GOVLAB), "start", "--generate-passwords", "--config", str(hub.settings_path)],
        env=hub.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 2, second.stdout + second.stderr
    assert "이미 실행 중" in second.stderr and "already runs" in second.stderr
    assert f"pid {hub.proc.pid}" in second.stderr and f"kill {hub.proc.pid}" in second.stderr
    assert str(hub.settings_path) in second.stderr
    # The first hub was not touched: same proxy process, still serving, passwords kept.
    time.sleep(2)
    assert requests.get(f"{hub.url}/hub/health", timeout=10).ok
    assert int(proxy_pid_file.read_text()) == proxy_pid
    os.kill(proxy_pid, 0)
    assert (hub.state_dir / runpasswords.FILE_NAME).read_text() == before
    # Only the hub itself holds the lock (not its proxy, services or labs).
    assert _holders(hub.state_dir / hublock.LOCK_NAME) == {hub.proc.pid}


def test_an_officials_lab_listens_inside_local_lab_ports(hub):
    hub.create_user("kim")
    started = time.monotonic()
    hub.start_server("kim")
    print(f"kim's lab ready {time.monotonic() - started:.1f} s after the request")
    low, high = hub.lab_ports
    answering = []
    for port in range(low, high + 1):
        try:
            r = requests.get(f"http://127.0.0.1:{port}/user/kim/api", timeout=2)
        except requests.ConnectionError:
            continue
        if r.ok and "version" in r.json():
            answering.append(port)
    assert len(answering) == 1, f"kim's lab not found on {low}-{high}"
    # And it is what the hub routes kim to; the lab does not hold the hub's lock.
    assert hub.lab("GET", "kim", "/api/status").ok
    assert _holders(hub.state_dir / hublock.LOCK_NAME) == {hub.proc.pid}


def test_stopping_the_hub_removes_the_passwords_and_frees_the_state_dir(hub):
    path = hub.state_dir / runpasswords.FILE_NAME
    hub.stop()
    deadline = time.time() + 20
    while path.exists() and time.time() < deadline:
        time.sleep(0.2)
    assert not path.exists()
    fd = os.open(hub.state_dir / hublock.LOCK_NAME, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if a hub still holds it
    finally:
        os.close(fd)
