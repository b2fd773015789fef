"""The hub on PostgreSQL: a real server started by the test, the password from the
settings' secret reference. Users, their running labs, tokens and files outlive a
hub restart (the labs are kept running across it: `hub.stop_servers_on_exit: false`).
"""

from __future__ import annotations

import psutil
import pytest

from tests.support.hub import RunningHub, base_settings, login_session
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.hub

NOTE = "회의록 초안: 다음 주 화요일 보고"


def lab_environments(user: str) -> list[dict]:
    """The environments of the user's running lab processes."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if any("jupyterhub-singleuser" in part for part in proc.info["cmdline"] or ()):
                env = proc.environ()
                if env.get("JUPYTERHUB_USER") == user:
                    found.append(env)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.fixture(scope="module")
def postgres():
    with PostgresServer() as pg:
        yield pg


def test_the_hub_keeps_users_servers_and_files_in_postgresql(postgres, tmp_path):
    db_url = postgres.create_database("govlab_hub")
    settings = base_settings(
        tmp_path / "state",
        **{
            "hub.db_url": db_url,
            "hub.db_password": {"env": "GOVLAB_DB_PASSWORD"},
            "hub.stop_servers_on_exit": False,
            "culling.enabled": False,
        },
    )
    hub = RunningHub(tmp_path, settings, env={"GOVLAB_DB_PASSWORD": postgres.password})
    hub.start()
    try:
        session = login_session(hub, "minji")
        session.get(f"{hub.url}/hub/spawn", timeout=60)
        hub.wait_ready("minji")
        token = hub.api("POST", "/users/minji/tokens", json={"note": "t"}).json()["token"]
        assert hub.put_file("minji", "메모.txt", NOTE, token=token).status_code == 201
        started = hub.api("GET", "/users/minji").json()["servers"][""]["started"]

        # The hub's state is in PostgreSQL, not in a SQLite file.
        with postgres.connect("govlab_hub") as conn:
            names = {row[0] for row in conn.execute("SELECT name FROM users")}
            servers = conn.execute("SELECT count(*) FROM servers").fetchone()[0]
        assert "minji" in names and servers == 1
        assert not list(hub.state_dir.glob("*.sqlite"))
        # The password is read from the environment, never written to files or the log,
        # and the hub keeps it from the labs.
        assert postgres.password not in hub.settings_path.read_text()
        labs = lab_environments("minji")
        assert labs and not [env for env in labs if "PGPASSWORD" in env]

        hub.stop()
        hub.start()

        model = hub.api("GET", "/users/minji").json()
        server = model["servers"][""]
        # The same lab, still running, found again through the database.
        assert server["ready"] and server["started"] == started
        r = hub.lab("GET", "minji", "/api/contents/메모.txt", token=token)
        assert r.status_code == 200 and r.json()["content"] == NOTE
        # The browser session signed in before the restart still opens the lab
        # (no new sign-in: the hub finds the session's cookie id in the database).
        r = session.get(f"{hub.url}/user/minji/lab", timeout=60)
        assert r.status_code == 200 and "/hub/login" not in r.url, r.url
        r = session.get(f"{hub.url}/user/minji/api/contents/메모.txt", timeout=60)
        assert r.status_code == 200 and r.json()["content"] == NOTE
        assert postgres.password not in hub.log()
    finally:
        hub.kill_everything()
