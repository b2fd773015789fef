"""Local mode's boundary pieces: system user names and accounts, the secrets hand-over,
the proxy's environment, and the refusal of local mode without root."""

from __future__ import annotations

import json
import os
import pwd
import stat
import subprocess
import sys
from types import SimpleNamespace

import pytest

from govlab import handoff, localusers, settings
from govlab.proxyexec import proxy_env
from govlab.workshop.handout import starter_hook

AS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not AS_ROOT, reason="creates system users (needs root)")


@pytest.mark.parametrize(
    "hub_name, expected",
    [
        ("kim", "govlab-kim"),
        ("edu-01", "govlab-edu-01"),
        ("a_b", "govlab-a_b"),
    ],
)
def test_plain_names_map_to_a_prefixed_system_name(hub_name, expected):
    assert localusers.system_name(hub_name) == expected


@pytest.mark.parametrize(
    "hub_name",
    ["kim.minsu", "a" * 26, "x" * 64, "-lead", "park.jiwoo.seoul.go.kr"],
)
def test_names_linux_refuses_or_too_long_get_a_bounded_hashed_name(hub_name):
    name = localusers.system_name(hub_name)
    assert len(name) <= localusers.MAX_NAME
    assert name.startswith(localusers.PREFIX)
    assert all(c.isalnum() or c in "_-" for c in name)
    assert name == localusers.system_name(hub_name), "deterministic"


def test_different_hub_names_that_sanitize_alike_get_different_system_names():
    assert localusers.system_name("kim.minsu") != localusers.system_name("kim_minsu")
    assert localusers.system_name("a" * 40) != localusers.system_name("a" * 41)


@needs_root
def test_a_system_user_is_made_once_with_no_login_and_a_private_home(tmp_path):
    hub_name = "boundary-unit"
    first = localusers.ensure_user(hub_name, tmp_path)
    again = localusers.ensure_user(hub_name, tmp_path)
    assert first == again
    entry = pwd.getpwnam(first.name)
    assert entry.pw_uid != 0 and entry.pw_shell == localusers.LOGIN_SHELL
    assert entry.pw_gecos == localusers.comment(hub_name)
    assert localusers.LAB_GROUP in {
        g for g in subprocess.run(["id", "-nG", first.name], capture_output=True, text=True).stdout.split()
    }
    # No password: the account is locked for any sign-in.
    shadow = subprocess.run(["getent", "shadow", first.name], capture_output=True, text=True).stdout
    assert shadow.split(":")[1] in ("!", "*", "!!")
    st = first.home.stat()
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (entry.pw_uid, 0o700)


@needs_root
def test_an_existing_account_that_is_not_govlabs_is_refused(tmp_path):
    name = localusers.system_name("boundary-clash")
    if not _exists(name):
        subprocess.run(["useradd", "--no-create-home", "--comment", "someone else", name], check=True)
    with pytest.raises(localusers.LocalUserError, match="not govlab's account"):
        localusers.ensure_user("boundary-clash", tmp_path)
    assert not (tmp_path / name).exists()


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@needs_root
def test_handed_out_starter_files_belong_to_the_official(tmp_path):
    (tmp_path / "homes").mkdir()
    user = localusers.ensure_user("boundary-unit", tmp_path / "homes")
    src = tmp_path / "starter"
    (src / "data").mkdir(parents=True)
    (src / "01.ipynb").write_text("{}")
    (src / "data" / "x.csv").write_text("a,b\n")
    log = SimpleNamespace(info=lambda *a: None)
    starter_hook({"boundary-unit": str(src)})(
        SimpleNamespace(user=SimpleNamespace(name="boundary-unit"), home_dir=str(user.home), log=log)
    )
    for rel in ("01.ipynb", "data", "data/x.csv"):
        assert (user.home / rel).stat().st_uid == user.uid, rel


@pytest.mark.parametrize(
    "mode, as_root, local, refused",
    [
        ("local", False, {}, True),
        ("local", False, {"trusted_group": True}, False),
        ("local", True, {}, False),
        ("docker", False, {}, False),
    ],
)
def test_local_mode_without_root_needs_an_explicit_trusted_group(mode, as_root, local, refused):
    data = {"mode": mode, "local": local}
    if mode == "docker":
        data["docker"] = {"network": "host"}
    problems = settings.local_mode_problems(settings.parse(data), running_as_root=as_root)
    assert bool(problems) == refused
    if refused:
        key, message = problems[0]
        assert key == "local.trusted_group" and "trusted_group: true" in message and "root" in message


def test_homes_must_be_absolute():
    with pytest.raises(settings.SettingsError, match="local.homes"):
        settings.parse({"local": {"homes": "homes"}})


def test_secret_env_names_cover_every_reference_and_the_hubs_own():
    parsed = settings.parse(
        {
            "auth": {"shared_password": {"user_password": {"env": "U_PW"}, "admin_password": {"file": "a"}}},
            "llm": {"model": "openai/m", "api_key": {"env": "LLM_KEY"}},
        }
    )
    assert handoff.secret_env_names(parsed) == {"U_PW", "LLM_KEY", "JUPYTERHUB_CRYPT_KEY", "CONFIGPROXY_AUTH_TOKEN"}


def test_secrets_reach_a_child_through_the_pipe_not_its_environment():
    environ = {"PATH": os.environ["PATH"], "U_PW": "pw-123456789", "JUPYTERHUB_CRYPT_KEY": "k" * 64, "KEEP": "1"}
    clean, secret_values = handoff.split_environ(environ, {"U_PW", "JUPYTERHUB_CRYPT_KEY", "CONFIGPROXY_AUTH_TOKEN"})
    assert clean == {"PATH": os.environ["PATH"], "KEEP": "1"}
    fd = handoff.send(secret_values)
    try:
        child = (
            "import json, os; from govlab import handoff; env = handoff.receive(); "
            "print(json.dumps({'pw': env.get('U_PW'), 'in_environ': 'U_PW' in os.environ, "
            "'proc': 'pw-123456789' in open('/proc/self/environ').read()}))"
        )
        done = subprocess.run(
            [sys.executable, "-c", child],
            env={**clean, handoff.FD_ENV: str(fd)},
            pass_fds=(fd,),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(fd)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"pw": "pw-123456789", "in_environ": False, "proc": False}


def test_secret_files_others_can_read_are_named_with_the_fix(tmp_path):
    loose, tight = tmp_path / "loose", tmp_path / "tight"
    for f, mode in ((loose, 0o644), (tight, 0o600)):
        f.write_text("secret-value-123")
        os.chmod(f, mode)
    parsed = settings.parse(
        {"auth": {"shared_password": {"user_password": {"file": str(loose)}, "admin_password": {"file": str(tight)}}}}
    )
    problems = handoff.loose_secret_files(parsed, tmp_path)
    assert problems == [
        ("auth.shared_password.user_password", f"{loose} is readable by other users (mode 644): chmod 600 {loose}")
    ]


def test_the_proxy_keeps_only_its_token_and_locale():
    env = proxy_env(
        {
            "PATH": "/bin",
            "LANG": "C.UTF-8",
            "CONFIGPROXY_AUTH_TOKEN": "t",
            "PGPASSWORD": "p",
            "GOVLAB_USER_PASSWORD": "u",
        }
    )
    assert env == {"PATH": "/bin", "LANG": "C.UTF-8", "CONFIGPROXY_AUTH_TOKEN": "t"}


@needs_root
def test_the_hub_refuses_a_python_officials_users_cannot_run(tmp_path):
    from govlab.hubconfig import Runtime
    from govlab.hubsetup import SetupError, local_setup

    hidden = tmp_path / "hidden"  # 0700, as root's home is on many machines
    hidden.mkdir(mode=0o700)
    (hidden / "python").symlink_to(sys.executable)
    loaded = settings.LoadedSettings(
        settings=settings.parse({"local": {"homes": str(tmp_path / "homes")}}),
        secrets=settings.Secrets(),
        source=tmp_path / "govlab.yaml",
        state_dir=tmp_path / "state",
    )
    runtime = Runtime(python=str(hidden / "python"), running_as_root=True)
    with pytest.raises(SetupError, match=f"setfacl -m g:{localusers.LAB_GROUP}:x .*{hidden}"):
        local_setup(loaded, runtime)
    assert stat.S_IMODE((tmp_path / "homes").stat().st_mode) == 0o711
