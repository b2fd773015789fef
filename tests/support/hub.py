"""A real govlab hub for tests: `govlab start` as a subprocess on free loopback ports.

The hub is configured only through a settings file, as operators do. Tests get an
admin API token through the settings' escape hatch (`hub.extra_config_dir`): a small
config file that registers a test service with a token taken from the environment.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import yaml

from govlab.localusers import system_name
from tests.support.labprocess import kill_labs_in
from tests.support.labusers import HOMES_PREFIX, allow_lab_group_python, new_homes_path
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
GOVLAB = Path(sys.executable).parent / "govlab"
USER_PASSWORD = "govlab-test-password"
ADMIN_PASSWORD = "govlab-test-admin-password-0123456789"
MOCK_ANSWER = "안녕하세요! 테스트용 모의 답변입니다. (mock answer)"

TEST_SERVICE_CONFIG = """
import os
c.JupyterHub.services.append({"name": "govlab-tests", "api_token": os.environ["GOVLAB_TEST_API_TOKEN"]})
c.JupyterHub.load_roles.append({
    "name": "govlab-tests",
    "scopes": ["admin:users", "admin:servers", "tokens", "admin:groups", "access:servers", "read:hub"],
    "services": ["govlab-tests"],
})
"""


def base_settings(state_dir: Path, **overrides: Any) -> dict:
    """Settings for a test hub: free ports, a mock model, the test service."""
    ports = [free_port() for _ in range(3)]
    settings: dict[str, Any] = {
        "hub": {
            "bind_url": f"http://127.0.0.1:{ports[0]}",
            "hub_bind_url": f"http://127.0.0.1:{ports[1]}",
            "proxy_api_url": f"http://127.0.0.1:{ports[2]}",
            "state_dir": str(state_dir),
            "extra_config_dir": str(state_dir.parent / "extra-config"),
            "start_timeout": 180,
        },
        "auth": {
            "admin_users": ["admin"],
            "shared_password": {
                "user_password": {"env": "GOVLAB_USER_PASSWORD"},
                "admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"},
                # Tests sign in as many officials with one password.
                "trusted_trial": True,
            },
        },
        "llm": {
            "model": "openai/mock-model",
            "params": {"model_kwargs": {"mock_response": MOCK_ANSWER}},
            "check_at_start": False,
        },
    }
    if os.geteuid() == 0:
        # Labs run as officials' system users: their homes need a parent they can pass.
        # (the hub makes it at start, 0711; kill_everything removes it)
        settings["local"] = {"homes": new_homes_path()}
    else:
        settings["local"] = {"trusted_group": True}  # said so, as an operator must
    for dotted, value in overrides.items():
        node = settings
        *parents, last = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return settings


class RunningHub:
    # Extra `govlab start` options (e.g. --generate-passwords, as scripts/run-lab passes).
    start_args: tuple[str, ...] = ()

    def __init__(self, workdir: Path, settings: dict | None = None, env: dict | None = None, run_as: str | None = None):
        self.workdir = workdir
        # A system user to run the hub as (local mode without root: trusted-group tests).
        self.run_as = run_as
        self.state_dir = workdir / "state"
        self.settings = settings or base_settings(self.state_dir)
        if self.settings.get("sharing", {}).get("gitlab_url"):
            # The share service of each test hub on its own free port (hubs run side by side).
            self.settings["sharing"].setdefault("service_bind_url", f"http://127.0.0.1:{free_port()}")
        self.url = self.settings["hub"]["bind_url"]
        self.token = secrets.token_hex(16)
        self.settings_path = workdir / "govlab.yaml"
        self.log_path = workdir / "hub.log"
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        extra = workdir / "extra-config"
        extra.mkdir(parents=True, exist_ok=True)
        (extra / "50-tests.py").write_text(TEST_SERVICE_CONFIG)
        self.settings_path.write_text(yaml.safe_dump(self.settings, allow_unicode=True))

    # -- lifecycle -----------------------------------------------------------
    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            GOVLAB_USER_PASSWORD=USER_PASSWORD,
            GOVLAB_ADMIN_PASSWORD=ADMIN_PASSWORD,
            GOVLAB_TEST_API_TOKEN=self.token,
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 60) -> RunningHub:
        if self.settings.get("mode", "local") == "local":
            allow_lab_group_python()
        log = open(self.log_path, "a")
        as_user = {}
        if self.run_as:
            gid = pwd.getpwnam(self.run_as).pw_gid
            as_user = {"user": self.run_as, "group": gid, "extra_groups": os.getgrouplist(self.run_as, gid)}
        self.proc = subprocess.Popen(
            [str(GOVLAB), "start", *self.start_args, "--config", str(self.settings_path)],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **as_user,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/hub/health", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"hub did not answer within {timeout}s:\n{self.log()}")

    def stop(self, timeout: float = 60) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def kill_everything(self) -> None:
        """Last-resort cleanup: the hub's process group and any lab it left behind."""
        self.stop()
        subprocess.run(["pkill", "-f", str(self.state_dir)], check=False)
        homes_of_labs = self.home("-").parent
        if homes_of_labs.name.startswith(HOMES_PREFIX) or self.state_dir in homes_of_labs.parents:
            kill_labs_in(homes_of_labs)  # this hub's own homes: never a shared /home/govlab
        homes = self.settings.get("local", {}).get("homes", "")
        if Path(homes).name.startswith(HOMES_PREFIX):  # only the ones base_settings named
            shutil.rmtree(homes, ignore_errors=True)

    def home(self, user: str) -> Path:
        """A local-mode official's home on this machine."""
        local = self.settings.get("local", {})
        if os.geteuid() == 0 and not self.run_as:
            return Path(local.get("homes") or "/home/govlab") / system_name(user)
        return Path(local.get("homes") or self.state_dir / "home") / user

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- REST API ------------------------------------------------------------
    def api(self, method: str, path: str, token: str | None = None, **kw) -> requests.Response:
        headers = {"Authorization": f"token {token or self.token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=30, **kw)

    def create_user(self, name: str) -> str:
        """Create a user and return an API token owned by that user."""
        r = self.api("POST", f"/users/{name}")
        assert r.status_code in (201, 409), r.text
        r = self.api("POST", f"/users/{name}/tokens", json={"note": "tests"})
        assert r.status_code == 201, r.text
        return r.json()["token"]

    def start_server(self, name: str, timeout: float = 180) -> None:
        r = self.api("POST", f"/users/{name}/server")
        assert r.status_code in (201, 202, 400), r.text  # 400: already running
        self.wait_ready(name, timeout)

    def wait_ready(self, name: str, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        seen_pending = False
        while time.time() < deadline:
            model = self.api("GET", f"/users/{name}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            seen_pending = seen_pending or bool(model.get("pending") or server)
            if seen_pending and not server and not model.get("pending"):
                raise RuntimeError(f"server of {name} failed to start:\n{self.log()[-4000:]}")
            time.sleep(0.5)
        raise RuntimeError(f"server of {name} not ready in {timeout}s:\n{self.log()[-4000:]}")

    def stop_server(self, name: str, timeout: float = 60) -> None:
        self.api("DELETE", f"/users/{name}/server")
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.api("GET", f"/users/{name}").json().get("servers"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"server of {name} did not stop")

    def lab(self, method: str, user: str, path: str, token: str | None = None, **kw) -> requests.Response:
        """A request to a user's lab server through the proxy."""
        headers = {"Authorization": f"token {token or self.token}"}
        return requests.request(method, f"{self.url}/user/{user}{path}", headers=headers, timeout=60, **kw)

    def share(
        self,
        user: str,
        token: str,
        path: str,
        title: str,
        description: str,
        visibility: str = "private",
        chats: tuple | list = (),
        force: bool = False,
    ) -> requests.Response:
        """The share dialog's request to `user`'s lab: share `path` (outputs dropped) to GitLab."""
        body = {
            "path": path,
            "title": title,
            "description": description,
            "visibility": visibility,
            "chats": list(chats),
            "keep_outputs": False,
            "force": force,
        }
        return self.lab("POST", user, "/govlab-share/share", token=token, json=body)

    def put_file(self, user: str, path: str, content: Any, token: str | None = None) -> requests.Response:
        if path.endswith(".ipynb"):
            body = {"type": "notebook", "format": "json", "content": content}
        else:
            text = content if isinstance(content, str) else json.dumps(content)
            body = {"type": "file", "format": "text", "content": text}
        return self.lab("PUT", user, f"/api/contents/{path}", token=token, json=body)


def try_login(hub: RunningHub, username: str, password: str) -> requests.Session | None:
    """Sign in through the hub's login form as a browser does; None when refused."""
    s = requests.Session()
    s.get(f"{hub.url}/hub/login", timeout=30)
    r = s.post(
        f"{hub.url}/hub/login",
        data={"username": username, "password": password, "_xsrf": s.cookies.get("_xsrf", "")},
        allow_redirects=False,
        timeout=30,
    )
    return s if r.status_code == 302 else None


def login_session(hub: RunningHub, username: str, password: str = USER_PASSWORD) -> requests.Session:
    """A browser-like session signed in through the hub's login form."""
    s = try_login(hub, username, password)
    assert s is not None, f"login of {username} failed"
    return s


@contextmanager
def hub_with_lab(workdir: Path, settings: dict, user: str, env: dict | None = None) -> Iterator[RunningHub]:
    """A started hub where `user` exists (API token in `.user_token`) and their lab runs;
    everything it started is killed on exit, even when the start fails."""
    running = RunningHub(workdir, settings, env=env)
    running.start()
    try:
        running.user_token = running.create_user(user)
        running.start_server(user)
        yield running
    finally:
        running.kill_everything()
