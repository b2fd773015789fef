"""The git credential helper: real git clones an internal project with the official's token.

A small stand-in answers GET /hub/api/users/kim like JupyterHub (as in test_tokens.py);
git, the helper process and the loopback GitLab are real.
"""

import asyncio
import json
import os

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from govlab_share.git_credential import answer, git_environment
from govlab_share.testing import aio

HUB_TOKEN = "server-api-token"


class UserHandler(tornado.web.RequestHandler):
    def initialize(self, gitlab_token):
        self.gitlab_token = gitlab_token

    def get(self):
        if self.request.headers.get("Authorization") != f"token {HUB_TOKEN}":
            raise tornado.web.HTTPError(403)
        self.finish(json.dumps({"name": "kim", "auth_state": {"access_token": self.gitlab_token}}))


def _clone(gitlab_url, gitlab_token, dest, *, hub_token=HUB_TOKEN, helper=True):
    async def main():
        sockets = bind_sockets(0, "127.0.0.1")
        port = sockets[0].getsockname()[1]
        server = HTTPServer(
            tornado.web.Application([(r"/hub/api/users/kim", UserHandler, {"gitlab_token": gitlab_token})])
        )
        server.add_sockets(sockets)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            HOME=str(dest.parent),
            GIT_CONFIG_NOSYSTEM="1",
            GIT_TERMINAL_PROMPT="0",
            JUPYTERHUB_API_URL=f"http://127.0.0.1:{port}/hub/api",
            JUPYTERHUB_API_TOKEN=hub_token,
            JUPYTERHUB_USER="kim",
        )
        if helper:
            env.update(git_environment(gitlab_url, env))
        proc = await asyncio.create_subprocess_exec(
            "git",
            "clone",
            "-q",
            f"{gitlab_url}/shared/naebu.git",
            str(dest),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        server.stop()
        return proc.returncode, err.decode()

    return aio.run(main())


def _seed(gitlab_server):
    gitlab_server.add_user("kim")
    gitlab_server.add_group("shared", {"kim": 30}, visibility="public")
    gitlab_server.add_project("shared", "내부 자료", "naebu", "internal", ["govlab"], files={"분석.ipynb": "{}"})
    return gitlab_server.add_token("kim", scopes=("api",), kind="oauth")


def test_internal_project_clones_with_the_officials_token(gitlab_server, tmp_path):
    token = _seed(gitlab_server)
    code, err = _clone(gitlab_server.url, token, tmp_path / "naebu")
    assert code == 0, err
    assert (tmp_path / "naebu" / "분석.ipynb").read_text() == "{}"
    # The token is never written into the clone's config (no credential store).
    assert token not in (tmp_path / "naebu" / ".git" / "config").read_text()


def test_without_the_helper_or_the_hub_git_fails_without_hanging(gitlab_server, tmp_path):
    token = _seed(gitlab_server)
    code, _ = _clone(gitlab_server.url, token, tmp_path / "a", helper=False)
    assert code != 0
    code, _ = _clone(gitlab_server.url, token, tmp_path / "b", hub_token="wrong")
    assert code != 0 and not (tmp_path / "b").exists()


def test_helper_answers_only_get_over_http():
    assert answer("store", "protocol=https\nhost=gl\n", {}) == ""
    assert answer("get", "protocol=ssh\nhost=gl\n", {}) == ""
    assert answer("get", "protocol=https\nhost=gl\n", {}) == ""  # not under a hub


def test_git_environment_appends_to_existing_config():
    env = git_environment("https://gl.example/", {"GIT_CONFIG_COUNT": "1"})
    assert env["GIT_CONFIG_COUNT"] == "2"
    assert env["GIT_CONFIG_KEY_1"] == "credential.https://gl.example.helper"
    assert env["GIT_CONFIG_VALUE_1"].endswith("-m govlab_share.git_credential")
