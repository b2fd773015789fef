"""Operator side of the start: the labs' port range, the README's port table, one hub
per state dir (the lock across execve and SIGKILL), generated passwords off stdout."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from govlab import hublock, runpasswords, settings
from govlab.spawnhooks import PortAllocator, port_assigner
from tests.support.ports import free_block

REPO = Path(__file__).resolve().parents[2]


def load(tmp_path: Path, data: dict) -> settings.LoadedSettings:
    path = tmp_path / "govlab.yaml"
    base = {"auth": {"method": "accounts", "admin_users": []}, "local": {"trusted_group": True}}
    path.write_text(yaml.safe_dump({**base, **data}))
    return settings.load(path, environ={})


def problems(tmp_path: Path, data: dict) -> list[tuple[str, str]]:
    with pytest.raises(settings.SettingsError) as err:
        load(tmp_path, data)
    return err.value.problems


# -- local.lab_ports ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["50000-50999", " 50000 - 50999 ", [50000, 50999]])
def test_lab_ports_as_text_or_two_numbers(tmp_path, value):
    loaded = load(tmp_path, {"local": {"trusted_group": True, "lab_ports": value}})
    assert loaded.settings.local.lab_ports == (50000, 50999)


def test_lab_ports_default_stays_below_the_ephemeral_range(tmp_path):
    low, high = load(tmp_path, {}).settings.local.lab_ports
    assert 1024 <= low and high < 32768 and high - low + 1 >= settings.MIN_LAB_PORTS


@pytest.mark.parametrize(
    "value, says",
    [
        ("80-1079", "1024 <= LOW"),
        ("60000-70000", "<= 65535"),
        ("50999-50000", "LOW <= HIGH"),
        ("50000-50009", "at least 100"),
        ("fifty", "port range such as"),
        ("5" * 30 + "-1", "port range such as"),
        ([50000], "port range such as"),
        ([True, 50999], "port range such as"),
    ],
)
def test_bad_lab_ports_name_the_key_and_the_fix(tmp_path, value, says):
    found = problems(tmp_path, {"local": {"trusted_group": True, "lab_ports": value}})
    assert [k for k, _ in found] == ["local.lab_ports"]
    assert says in found[0][1] and "20000-32767" in found[0][1]


@pytest.mark.parametrize(
    "key, data",
    [
        ("hub.bind_url", {"hub": {"bind_url": "http://127.0.0.1:50100"}}),
        ("hub.hub_bind_url", {"hub": {"hub_bind_url": "http://127.0.0.1:50100"}}),
        ("hub.proxy_api_url", {"hub": {"proxy_api_url": "http://127.0.0.1:50100"}}),
        ("gallery.bind_url", {"gallery": {"bind_url": "http://127.0.0.1:50100"}}),
        ("sharing.service_bind_url", {"sharing": {"service_bind_url": "http://127.0.0.1:50100"}}),
        ("hub.db_url", {"hub": {"db_url": "postgresql://govlab@localhost:50100/govlab"}}),
    ],
)
def test_lab_ports_may_not_hold_a_port_of_the_hub(tmp_path, key, data):
    data = {**data, "local": {"trusted_group": True, "lab_ports": "50000-50999"}}
    found = problems(tmp_path, data)
    assert [k for k, _ in found] == ["local.lab_ports"]
    assert key in found[0][1] and "50100" in found[0][1]


def test_a_remote_database_and_container_networks_do_not_clash_with_lab_ports(tmp_path):
    remote = {"hub": {"db_url": "postgresql://govlab@db.example.go.kr:50100/govlab"}}
    load(tmp_path, {**remote, "local": {"trusted_group": True, "lab_ports": "50000-50999"}})
    # Labs on a Docker network listen inside their containers: the range is not used.
    docker = {
        "mode": "docker",
        "hub": {"bind_url": "http://127.0.0.1:50100", "hub_bind_url": "http://0.0.0.0:8081"},
        "docker": {"hub_connect_url": "http://hub:8081"},
        "local": {"lab_ports": "50000-50999"},
    }
    load(tmp_path, docker)
    docker["docker"] = {"network": "host"}
    docker["hub"] = {"bind_url": "http://127.0.0.1:50100"}
    assert [k for k, _ in problems(tmp_path, docker)] == ["local.lab_ports"]


def test_labs_get_ports_only_from_the_configured_range():
    low = free_block(100, low=14000, high=19000)
    hook = port_assigner((low, low + 99))
    spawners = [type("S", (), {"port": 0})() for _ in range(60)]
    for sp in spawners:
        hook(sp)
    ports = [sp.port for sp in spawners]
    assert all(low <= p <= low + 99 for p in ports)
    assert len(set(ports)) == 60, "no port handed out twice while the range has unused ones"


def test_a_full_range_reuses_the_port_handed_out_longest_ago():
    # Below every lab range the suite's hubs use (20000-32767 by default): a lab still
    # starting from an earlier test cannot take one of these three ports meanwhile.
    low = free_block(3, low=14000, high=19000)
    allocator = PortAllocator(low=low, high=low + 2)
    first = [allocator.take() for _ in range(3)]
    assert sorted(first) == [low, low + 1, low + 2]
    # Every port is reserved and free again (those labs stopped): the oldest comes back.
    assert allocator.take() == first[0]


# -- README: the port table matches the defaults --------------------------------------


def test_readme_port_table_matches_the_settings_defaults():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Ports", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([0-9-]{1,11}) \| [^|\n]{1,200} \| `([a-z_.]{1,40})` \|$", section, re.M)
    table = {key: port for port, key in rows}
    defaults = settings.Settings()
    expected = {key: str(port) for key, port in settings.hub_ports(defaults).items()}
    expected["hub.db_url"] = "5432"  # PostgreSQL's own default, when used
    low, high = defaults.local.lab_ports
    expected["local.lab_ports"] = f"{low}-{high}"
    assert table == expected


# -- one hub per state dir ------------------------------------------------------------

HOLD_AND_EXEC = textwrap.dedent(
    """
    import os, sys
    from govlab import hublock
    fd = hublock.acquire(sys.argv[1], "settings.yaml")
    # Become another program, as govlab start becomes JupyterHub (same pid).
    os.execve(sys.executable, [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(120)"], dict(os.environ))
    """
)


def _lock_is_free(path: Path) -> bool:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_the_lock_survives_execve_and_ends_with_the_process_even_on_sigkill(tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_AND_EXEC, str(state)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "up"
        lock = state / hublock.LOCK_NAME
        assert (lock.stat().st_mode & 0o777) == 0o600
        assert not _lock_is_free(lock), "the exec'd program still holds the lock"
        with pytest.raises(hublock.HubRunning) as busy:
            hublock.acquire(state)
        assert busy.value.pid == holder.pid and busy.value.settings_file == "settings.yaml"
        message = str(busy.value)
        assert f"pid {holder.pid}" in message and f"kill {holder.pid}" in message
        assert "이미 실행 중" in message and "already runs" in message
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        assert _lock_is_free(lock)
        os.close(hublock.acquire(state))  # the next hub may start
    finally:
        holder.kill()
        holder.wait()


# -- generated passwords --------------------------------------------------------------


def test_generated_passwords_go_to_a_private_file_when_stdout_is_a_pipe(tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    env = {"GOVLAB_USER_PASSWORD": "chosen-by-operator"}
    generated = runpasswords.generate(env)
    assert list(generated) == ["GOVLAB_ADMIN_PASSWORD"] and len(env["GOVLAB_ADMIN_PASSWORD"]) >= 32
    admin = env["GOVLAB_ADMIN_PASSWORD"]
    # A hub stand-in holding the lock; the file goes when it ends.
    holder = subprocess.Popen([sys.executable, "-c", HOLD_AND_EXEC, str(state)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "up"
        r, w = os.pipe()
        with os.fdopen(w, "w") as out:
            path = runpasswords.announce(generated, state, out, state / hublock.LOCK_NAME)
        with os.fdopen(r) as pipe:
            shown = pipe.read()
        assert admin not in shown and "chosen-by-operator" not in shown
        assert str(path) in shown and "터미널" in shown and "not a terminal" in shown
        assert (path.stat().st_mode & 0o777) == 0o600
        assert admin in path.read_text() and "chosen-by-operator" not in path.read_text()
        time.sleep(0.5)
        assert path.exists(), "kept while the hub runs"
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        deadline = time.time() + 10
        while path.exists() and time.time() < deadline:
            time.sleep(0.1)
        assert not path.exists(), "removed when the hub ended"
    finally:
        holder.kill()
        holder.wait()


def test_generated_passwords_are_printed_on_a_terminal(tmp_path):
    generated = runpasswords.generate({})
    main, side = os.openpty()
    try:
        with os.fdopen(side, "w", closefd=False) as term:
            assert runpasswords.announce(generated, tmp_path, term) is None
        shown = os.read(main, 65536).decode()
    finally:
        os.close(main)
        os.close(side)
    assert generated["GOVLAB_ADMIN_PASSWORD"] in shown and generated["GOVLAB_USER_PASSWORD"] in shown
    assert "관리자 / admin" in shown
    assert not (tmp_path / runpasswords.FILE_NAME).exists()
