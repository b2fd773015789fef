"""Per-official accounts (auth.method: accounts): settings, hub config, password rules, lockout."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from jupyterhub import orm

from govlab import settings
from govlab.auth import GovlabAccountsAuthenticator, Lockout
from govlab.hubconfig import Runtime, build_hub_config

ENV = {"GOVLAB_ADMIN_PASSWORD": "a" * 32, "GOVLAB_USER_PASSWORD": "user-pass-1"}
RUN = Runtime(python="/venv/bin/python", proxy_command=("/venv/bin/chp",), lab_config_dir="/state/lab-config")


def load(tmp_path: Path, auth: dict, **sections) -> settings.LoadedSettings:
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump({"auth": auth, **sections}, allow_unicode=True))
    return settings.load(path, environ=ENV)


ACCOUNTS = {
    "method": "accounts",
    "admin_users": ["admin"],
    "accounts": {"admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"}},
}


def test_accounts_become_the_govlab_authenticator_with_korean_pages(tmp_path):
    auth = {**ACCOUNTS, "accounts": {**ACCOUNTS["accounts"], "max_failed_logins": 3, "lockout_seconds": 60}}
    config = build_hub_config(load(tmp_path, auth, workshops=[{"name": "a", "seats": 2}]), RUN)
    assert config["JupyterHub"]["authenticator_class"] == "govlab.auth.GovlabAccountsAuthenticator"
    (templates,) = config["JupyterHub"]["template_paths"]
    assert {"login.html", "signup.html", "authorization-area.html", "change-password.html"} <= {
        p.name for p in Path(templates).iterdir()
    }
    traits = config["GovlabAccountsAuthenticator"]
    assert traits["admin_password"] == "a" * 32
    assert traits["minimum_password_length"] == 10
    assert traits["check_common_password"] is True
    assert (traits["allowed_failed_logins"], traits["seconds_before_next_try"]) == (3, 60)
    assert traits["open_signup"] is False  # every application waits for an admin
    assert traits["seat_names"] == {"a-01", "a-02"}  # seats keep their own passwords
    assert config["Authenticator"]["admin_users"] == {"admin"}
    assert "SharedPasswordAuthenticator" not in config


# (auth section, the key the error must name, words the message must hold)
INVALID = [
    pytest.param(
        {"method": "accounts", "admin_users": ["admin"]},
        "auth.accounts.admin_password",
        "GOVLAB_ADMIN_PASSWORD",
        id="admins-without-password",
    ),
    pytest.param(
        {**ACCOUNTS, "accounts": {"admin_password": {"env": "GOVLAB_USER_PASSWORD"}}},
        "auth.accounts.admin_password",
        "32 characters",
        id="short-admin-password",
    ),
    pytest.param(
        {**ACCOUNTS, "accounts": {"min_password_length": 6}},
        "auth.accounts.min_password_length",
        "greater than or equal to 8",
        id="weak-minimum",
    ),
    pytest.param(
        {**ACCOUNTS, "accounts": {"lockout_seconds": 0}},
        "auth.accounts.lockout_seconds",
        "greater than or equal to 1",
        id="no-lockout",
    ),
    pytest.param(
        {"accounts": {}, "shared_password": {"user_password": {"env": "GOVLAB_USER_PASSWORD"}, "trusted_trial": True}},
        "auth",
        "method: accounts",
        id="accounts-section-with-shared-method",
    ),
    pytest.param(
        {**ACCOUNTS, "shared_password": {"user_password": {"env": "GOVLAB_USER_PASSWORD"}}},
        "auth",
        "remove `auth.shared_password`",
        id="shared-password-with-accounts",
    ),
    pytest.param(
        {"shared_password": {"user_password": {"env": "GOVLAB_USER_PASSWORD"}}},
        "auth.shared_password.trusted_trial",
        "auth.method: accounts",
        id="shared-password-without-acknowledgement",
    ),
]


@pytest.mark.parametrize("auth, key, words", INVALID)
def test_invalid_auth_settings_name_the_key_and_the_fix(tmp_path, auth, key, words):
    with pytest.raises(settings.SettingsError) as err:
        load(tmp_path, auth)
    assert any(k == key and words in msg for k, msg in err.value.problems), err.value.problems


def test_shared_password_is_a_declared_trial_and_seats_alone_need_no_declaration(tmp_path):
    trial = load(
        tmp_path, {"shared_password": {"user_password": {"env": "GOVLAB_USER_PASSWORD"}, "trusted_trial": True}}
    )
    assert trial.settings.auth.shared_password.trusted_trial
    # Only an admin password and workshop seats (each with its own password): no shared one.
    seats_only = {"admin_users": ["admin"], "shared_password": {"admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"}}}
    assert load(tmp_path, seats_only, workshops=[{"name": "a", "seats": 1}]).secrets.user_password is None


def test_generated_seats_work_with_accounts_but_not_with_gitlab(tmp_path):
    assert load(tmp_path, ACCOUNTS, workshops=[{"name": "a", "seats": 3}]).settings.workshops[0].generated
    gitlab = {
        "method": "gitlab",
        "gitlab": {"url": "https://gl", "client_id": "c", "client_secret": {"env": "GOVLAB_USER_PASSWORD"}},
    }
    with pytest.raises(settings.SettingsError, match="generated seats"):
        settings.check_consistency(
            settings.parse({"auth": gitlab, "workshops": [{"name": "a", "seats": 1}]}),
            settings.Secrets(),
            "test",
            {"JUPYTERHUB_CRYPT_KEY": "k"},
        )


def test_kubernetes_refuses_accounts(tmp_path):
    with pytest.raises(settings.SettingsError) as err:
        load(tmp_path, ACCOUNTS, mode="kubernetes", hub={"public_url": "https://lab.example.go.kr"})
    assert "auth.method" in dict(err.value.problems)


def test_lockout_locks_after_the_limit_and_opens_after_the_wait():
    now = [1000.0]
    lock = Lockout(limit=3, seconds=60, clock=lambda: now[0])
    for _ in range(2):
        lock.failed("kim")
    assert lock.wait_left("kim") == 0
    lock.failed("kim")
    assert lock.wait_left("kim") == 60
    assert lock.wait_left("lee") == 0  # one name's failures do not lock another
    now[0] += 59
    assert lock.wait_left("kim") == 1
    now[0] += 2
    assert lock.wait_left("kim") == 0
    lock.failed("kim")  # after the wait one more failure locks again at once
    assert lock.wait_left("kim") == 60
    lock.succeeded("kim")
    assert lock.wait_left("kim") == 0


def test_lockout_table_is_bounded():
    lock = Lockout(limit=1, seconds=60, capacity=100)
    for i in range(1000):
        lock.failed(f"guess-{i}")
    assert len(lock._failures) == 100
    assert lock.wait_left("guess-999") > 0


@pytest.fixture
def authenticator():
    db = orm.new_session_factory("sqlite://")()
    auth = GovlabAccountsAuthenticator(
        _deprecated_db_session=db, admin_users={"admin"}, seat_names={"a-01"}, minimum_password_length=10
    )
    yield auth
    db.close()


@pytest.mark.parametrize(
    "password, words",
    [
        ("12345678", "10자 이상"),
        ("1234567890", "흔한 비밀번호"),  # long enough, but on the common-password list
        ("Qwertyuiop", "흔한 비밀번호"),  # the list in another case
        ("kim.minsu-2026!", "사용자 이름"),
        ("가" * 25, "너무 깁니다"),  # 75 bytes: bcrypt would read only 72
        ("river-lamp-7-tulip", None),
    ],
)
def test_password_rules_say_why_in_korean(authenticator, password, words):
    problem = authenticator.password_problem("kim.minsu", password)
    if words is None:
        assert problem is None
    else:
        assert problem and words in problem and " / " in problem  # Korean, then English


def test_admin_and_seat_names_are_reserved(authenticator):
    assert authenticator.reserved("admin") and authenticator.reserved("a-01")
    assert not authenticator.reserved("kim")
    # Applying never approves, not even for a name in admin_users or allowed_users.
    info = authenticator.create_user("kim", "river-lamp-7-tulip", email="kim@agency.go.kr")
    assert info is not None and not info.is_authorized
    assert authenticator.get_authed_users() == set()


def _start(tmp_path: Path, auth: dict):
    """`govlab start` up to JupyterHub (a config file that stops it at once)."""
    import subprocess
    import sys

    stop = tmp_path / "stop_config.py"
    stop.write_text("raise SystemExit(0)\n")
    path = tmp_path / "govlab.yaml"
    path.write_text(
        yaml.safe_dump(
            {"mode": "docker", "docker": {"network": "host"}, "auth": auth, "llm": {"check_at_start": False}}
        )
    )
    return subprocess.run(
        [sys.executable, "-m", "govlab.cli", "start", "--config", str(path), "--jupyterhub-config", str(stop)],
        env={"PATH": "/usr/bin:/bin", **ENV},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_warns_at_every_start_of_a_shared_password_trial(tmp_path):
    trial = _start(
        tmp_path, {"shared_password": {"user_password": {"env": "GOVLAB_USER_PASSWORD"}, "trusted_trial": True}}
    )
    assert "공유 비밀번호를 아는 사람은 누구나" in trial.stderr and "auth.method: accounts" in trial.stderr, (
        trial.stderr
    )
    accounts = _start(tmp_path, ACCOUNTS)
    assert "공유 비밀번호" not in accounts.stderr
    assert "/hub/authorize" in accounts.stdout, accounts.stdout + accounts.stderr
