"""What one official's code can reach in local mode: files, processes, tokens.

Runs as an official would: code executed in a kernel of one official's lab (over the
lab's kernel API) tries to read another official's home, the hub's state (database,
cookie secret), every process environment it can open (searching for each configured
secret), and the hub API for another official's data. Each attempt must fail or find
nothing. This is the evidence behind docs/operators.md ("What an official's code can
reach"). Ports: test_isolation_ports.py; the share's GitLab token: the share tests.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from govlab import localusers
from govlab.proxyexec import KEEP as PROXY_ENV_KEEP
from tests.support.hub import ADMIN_PASSWORD, GOVLAB, USER_PASSWORD, RunningHub, base_settings
from tests.support.kernel import execute
from tests.support.labusers import allow_lab_group_python, homes_dir

pytestmark = pytest.mark.hub

AS_ROOT = os.geteuid() == 0
MODEL_KEY = "sk-isolation-model-" + secrets.token_hex(8)
CRYPT_KEY = secrets.token_hex(32)
PROXY_TOKEN = "proxy-" + secrets.token_hex(16)
BOB_MARK = "bob-private-" + secrets.token_hex(6)

PROBE = r"""
import glob, json, os, pwd, urllib.request, urllib.error
state, bob_home, needles = STATE, BOB_HOME, NEEDLES
out = {"uid": os.getuid(), "user": pwd.getpwuid(os.getuid()).pw_name, "reads": {}, "found": {}, "environs_read": 0}
def attempt(label, fn):
    try:
        out["reads"][label] = "READ: " + repr(fn())[:80]
    except Exception as e:
        out["reads"][label] = "refused: " + type(e).__name__
attempt("bob_home_listing", lambda: os.listdir(bob_home))
attempt("bob_file", lambda: open(os.path.join(bob_home, "bob-private.txt")).read())
attempt("state_dir_listing", lambda: os.listdir(state))
attempt("hub_database", lambda: open(os.path.join(state, "jupyterhub.sqlite"), "rb").read(16))
attempt("cookie_secret", lambda: open(os.path.join(state, "jupyterhub_cookie_secret"), "rb").read())
for path in glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline"):
    try:
        data = open(path, "rb").read()
    except OSError:
        continue
    out["environs_read"] += 1
    for name, value in needles.items():
        if value.encode() in data:
            out["found"].setdefault(name, []).append(path)
api, token = os.environ["JUPYTERHUB_API_URL"], os.environ["JUPYTERHUB_API_TOKEN"]
def hub(method, path, body=None):
    req = urllib.request.Request(api + path, method=method, data=body, headers={"Authorization": "token " + token})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
out["api"] = {
    "own_user": hub("GET", "/users/alice"),
    "bob_user": hub("GET", "/users/bob"),
    "bob_tokens": hub("GET", "/users/bob/tokens"),
    "bob_new_token": hub("POST", "/users/bob/tokens", b"{}"),
    "all_users": hub("GET", "/users"),
    "bob_server_start": hub("POST", "/users/bob/server", b"{}"),
}
print(json.dumps(out))
"""


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


@pytest.fixture(scope="module")
def iso_hub(tmp_path_factory):
    if not AS_ROOT:
        pytest.skip("local mode with a boundary needs the hub to run as root (this run is not root)")
    workdir = tmp_path_factory.mktemp("isolation-hub")
    conf = base_settings(workdir / "state")
    conf["llm"]["api_key"] = {"env": "GOVLAB_LLM_KEY"}
    hub = RunningHub(
        workdir,
        settings=conf,
        env={"GOVLAB_LLM_KEY": MODEL_KEY, "JUPYTERHUB_CRYPT_KEY": CRYPT_KEY, "CONFIGPROXY_AUTH_TOKEN": PROXY_TOKEN},
    )
    hub.start(timeout=120)
    try:
        yield hub
    finally:
        hub.kill_everything()


@pytest.fixture(scope="module")
def two_officials(iso_hub):
    tokens = {name: iso_hub.create_user(name) for name in ("alice", "bob")}
    for name in tokens:
        iso_hub.start_server(name)
    r = iso_hub.put_file("bob", "bob-private.txt", BOB_MARK, token=tokens["bob"])
    assert r.status_code in (200, 201), r.text
    return tokens


def _lab_pid(hub: RunningHub, name: str) -> int:
    """The lab process this hub started for `name` (its child; other test hubs may run
    labs of the same system user at the same time)."""
    uid = localusers.pwd.getpwnam(localusers.system_name(name)).pw_uid
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if (
                ppid == hub.proc.pid
                and proc.stat().st_uid == uid
                and b"jupyterhub-singleuser" in (proc / "cmdline").read_bytes()
            ):
                return int(proc.name)
        except (OSError, IndexError, ValueError):
            continue
    raise AssertionError(f"no lab process of {name}")


def test_each_lab_runs_as_its_officials_own_system_user_with_a_private_home(iso_hub, two_officials):
    uids = set()
    for name in ("alice", "bob"):
        entry = localusers.pwd.getpwnam(localusers.system_name(name))
        assert entry.pw_uid != 0 and entry.pw_gid != 0
        assert entry.pw_shell == localusers.LOGIN_SHELL, "no login shell"
        home = iso_hub.home(name)
        st = home.stat()
        assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (entry.pw_uid, 0o700)
        # The file bob saved through his lab is his, on disk.
        if name == "bob":
            assert (home / "bob-private.txt").stat().st_uid == entry.pw_uid
        pid = _lab_pid(iso_hub, name)
        status = Path(f"/proc/{pid}/status").read_text()
        real, effective = [int(x) for x in status.split("Uid:")[1].split()[:2]]
        assert real == effective == entry.pw_uid, "the lab dropped to the official's user"
        assert "--allow-root" not in Path(f"/proc/{pid}/cmdline").read_bytes().decode()
        uids.add(entry.pw_uid)
    assert len(uids) == 2


def test_a_kernel_reaches_no_other_officials_files_no_hub_state_no_secret(iso_hub, two_officials):
    token = two_officials["alice"]
    needles = {
        "user_password": USER_PASSWORD,
        "admin_password": ADMIN_PASSWORD,
        "crypt_key": CRYPT_KEY,
        "proxy_token": PROXY_TOKEN,
        "test_admin_api_token": iso_hub.token,
        "bob_api_token": two_officials["bob"],
        # The token bob's lab holds (its environment): alice must not reach it.
        "bob_lab_token": _environ(_lab_pid(iso_hub, "bob"))["JUPYTERHUB_API_TOKEN"],
        # The control: alice's own lab holds the model key, so the search must find it.
        "model_key": MODEL_KEY,
    }
    code = (
        PROBE.replace("STATE", repr(str(iso_hub.state_dir)))
        .replace("BOB_HOME", repr(str(iso_hub.home("bob"))))
        .replace("NEEDLES", repr(needles))
    )
    kernel = iso_hub.lab("POST", "alice", "/api/kernels", token=token, json={"name": "python3"}).json()
    out = json.loads(execute(iso_hub.url, "alice", kernel["id"], token, code).strip().splitlines()[-1])

    assert out["uid"] != 0 and out["user"] == localusers.system_name("alice")
    assert out["environs_read"] > 0, "the probe ran (it reads its own processes)"
    for label, result in out["reads"].items():
        assert result.startswith("refused"), f"{label}: {result}"
    found = dict(out["found"])
    own = found.pop("model_key", [])
    assert own, "the search finds a secret where one is (alice's own lab and kernel)"
    alice_uid = out["uid"]
    assert all(Path(p).parent.stat().st_uid == alice_uid for p in own if Path(p).parent.exists())
    assert found == {}, f"secrets readable from alice's kernel: {found}"
    api = out["api"]
    assert api["own_user"] == 200, "the lab's token works for its own official"
    for label in ("bob_user", "bob_tokens", "bob_new_token", "all_users", "bob_server_start"):
        assert api[label] in (403, 404), f"{label}: {api[label]}"


def test_hub_and_proxy_environments_hold_no_secret(iso_hub, two_officials):
    """Root's view (what a lab running as the hub's user would see in trusted-group mode)."""
    secrets_ = {USER_PASSWORD, ADMIN_PASSWORD, MODEL_KEY, CRYPT_KEY, PROXY_TOKEN}
    hub_env = _environ(iso_hub.proc.pid)
    assert not secrets_ & set(hub_env.values()), "the hub's environment holds a secret"
    assert "GOVLAB_LLM_KEY" not in hub_env and "JUPYTERHUB_CRYPT_KEY" not in hub_env
    proxy_pid = int((iso_hub.state_dir / "jupyterhub-proxy.pid").read_text())
    proxy_env = _environ(proxy_pid)
    assert set(proxy_env) <= set(PROXY_ENV_KEEP), f"the proxy got {sorted(set(proxy_env) - set(PROXY_ENV_KEEP))}"
    assert proxy_env["CONFIGPROXY_AUTH_TOKEN"] == PROXY_TOKEN, "the proxy keeps its own token"
    # The model key is what a lab needs for the assistant: only there.
    lab_env = _environ(_lab_pid(iso_hub, "alice"))
    assert lab_env["OPENAI_API_KEY"] == MODEL_KEY
    assert not (secrets_ - {MODEL_KEY}) & set(lab_env.values())


def _settings_file(directory: Path, **local) -> Path:
    conf = base_settings(directory / "state")
    conf["local"] = local
    path = directory / "govlab.yaml"
    path.write_text(yaml.safe_dump(conf, allow_unicode=True))
    return path


def _as_unprivileged(argv: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv,
        user="nobody",
        group=localusers.ensure_group(),
        extra_groups=[],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_root_local_mode_is_refused_unless_the_group_is_trusted():
    """`govlab start` run by an unprivileged user (nobody, in the lab group so it can run
    govlab's Python): refused with the key and the fix, without trusted_group."""
    if not AS_ROOT:
        pytest.skip("needs root to run govlab as another, unprivileged user")
    allow_lab_group_python()
    directory = Path(homes_dir())  # readable by that user, unlike pytest's tmp dirs
    os.chmod(directory, 0o755)
    env = {"PATH": os.environ["PATH"], "GOVLAB_USER_PASSWORD": USER_PASSWORD, "GOVLAB_ADMIN_PASSWORD": ADMIN_PASSWORD}
    path = _settings_file(directory)
    os.chmod(path, 0o644)
    try:
        done = _as_unprivileged([str(GOVLAB), "start", "--config", str(path)], env)
        started = (directory / "state").exists()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    assert done.returncode == 2, done.stderr
    assert "local.trusted_group" in done.stderr and "root" in done.stderr
    assert not started, "nothing started"


HUB_USER = "govlabtest-hub"  # not govlab-<name>: never mistaken for an official's account


@pytest.fixture(scope="module")
def trusted_hub():
    """Local mode without root: the hub (and so every lab) runs as one unprivileged user."""
    if not AS_ROOT:
        pytest.skip("making the unprivileged hub user needs root")
    allow_lab_group_python()
    localusers.ensure_group()
    try:
        localusers.pwd.getpwnam(HUB_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                localusers.LOGIN_SHELL,
                "--groups",
                localusers.LAB_GROUP,
                HUB_USER,
            ],
            check=True,
        )
    workdir = Path(homes_dir())  # pytest's tmp dirs are root's only
    entry = localusers.pwd.getpwnam(HUB_USER)
    os.chown(workdir, entry.pw_uid, entry.pw_gid)
    conf = base_settings(workdir / "state")
    conf["local"] = {"trusted_group": True}
    conf["llm"]["api_key"] = {"env": "GOVLAB_LLM_KEY"}
    hub = RunningHub(
        workdir,
        settings=conf,
        run_as=HUB_USER,
        env={
            "GOVLAB_LLM_KEY": MODEL_KEY,
            "JUPYTERHUB_CRYPT_KEY": CRYPT_KEY,
            "CONFIGPROXY_AUTH_TOKEN": PROXY_TOKEN,
            "HOME": str(workdir),
        },
    )
    hub.start(timeout=120)
    try:
        tokens = {name: hub.create_user(name) for name in ("alice", "bob")}
        for name in tokens:
            hub.start_server(name)
        assert hub.put_file("bob", "bob-private.txt", BOB_MARK, token=tokens["bob"]).status_code in (200, 201)
        hub.tokens = tokens
        yield hub
    finally:
        hub.kill_everything()
        shutil.rmtree(workdir, ignore_errors=True)


def test_trusted_group_mode_warns_has_no_file_boundary_and_keeps_hub_secrets_out_of_environments(trusted_hub):
    """What docs/operators.md says of trusted-group mode: the start warns; alice reads
    bob's files (no boundary); yet no process environment she can open - the hub's and
    the proxy's included, which run as her user - holds a settings secret, except the
    model key her own lab needs and the proxy's own token (the test harness's admin
    token aside)."""
    log = trusted_hub.log()
    assert "local.trusted_group" in log and "서로의" in log and "each other's files" in log
    token = trusted_hub.tokens["alice"]
    needles = {
        "user_password": USER_PASSWORD,
        "admin_password": ADMIN_PASSWORD,
        "crypt_key": CRYPT_KEY,
        "proxy_token": PROXY_TOKEN,
        "model_key": MODEL_KEY,
    }
    code = (
        PROBE.replace("STATE", repr(str(trusted_hub.state_dir)))
        .replace("BOB_HOME", repr(str(trusted_hub.home("bob"))))
        .replace("NEEDLES", repr(needles))
    )
    kernel = trusted_hub.lab("POST", "alice", "/api/kernels", token=token, json={"name": "python3"}).json()
    out = json.loads(execute(trusted_hub.url, "alice", kernel["id"], token, code).strip().splitlines()[-1])

    assert out["user"] == HUB_USER
    assert BOB_MARK in out["reads"]["bob_file"], "no boundary between officials (documented)"
    assert out["reads"]["cookie_secret"].startswith("READ"), "the hub's state is readable (documented)"
    # The hub and the proxy run as alice's user here: their environments are open to her.
    hub_pid, proxy_pid = trusted_hub.proc.pid, int((trusted_hub.state_dir / "jupyterhub-proxy.pid").read_text())
    opened = {f"/proc/{hub_pid}/environ", f"/proc/{proxy_pid}/environ"}
    assert all(Path(p).parent.stat().st_uid == entry_uid(HUB_USER) for p in opened)
    found = dict(out["found"])
    for path in found.pop("model_key", []):
        cmdline = Path(path).with_name("cmdline").read_bytes()
        assert b"jupyterhub-singleuser" in cmdline or b"ipykernel" in cmdline, f"model key in {path}: {cmdline[:120]!r}"
    # configurable-http-proxy reads its token only from its environment: in this mode an
    # official can read it there (documented: no boundary against the hub's own user).
    assert found.pop("proxy_token", []) == [f"/proc/{proxy_pid}/environ"]
    assert found == {}, f"secrets in environments alice can open: {found}"
    assert out["api"]["bob_user"] in (403, 404) and out["api"]["bob_new_token"] in (403, 404)


def entry_uid(name: str) -> int:
    return localusers.pwd.getpwnam(name).pw_uid
