"""tokens.py against a minimal loopback stand-in for JupyterHub's GET /hub/api/users/:name.

The real hub path is tested end to end in tests/integration/test_share_hub_token.py.
"""

import asyncio
import json

import pytest
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from govlab_share.config import GovlabShare
from govlab_share.errors import ShareError
from govlab_share.testing import aio
from govlab_share.tokens import get_token

HUB_TOKEN = "server-api-token"


class UserHandler(tornado.web.RequestHandler):
    def initialize(self, answer, seen):
        self.answer, self.seen = answer, seen

    async def get(self):
        self.seen.append(self.request.headers.get("Authorization"))
        if self.request.headers.get("Authorization") != f"token {HUB_TOKEN}":
            raise tornado.web.HTTPError(403)
        status, body, delay = self.answer
        if delay:
            await asyncio.sleep(delay)
        self.set_status(status)
        self.finish(json.dumps(body) if not isinstance(body, str) else body)


def _run(answer, *, api_token=HUB_TOKEN, closed=False, timeout=2.0):
    """Start the stub hub, call get_token(), return (token or ShareError, Authorization headers seen)."""
    seen = []

    async def main():
        sockets = bind_sockets(0, "127.0.0.1")
        port = sockets[0].getsockname()[1]
        server = HTTPServer(
            tornado.web.Application([(r"/hub/api/users/kim", UserHandler, {"answer": answer, "seen": seen})])
        )
        if closed:
            for s in sockets:
                s.close()
        else:
            server.add_sockets(sockets)
        env = {
            "JUPYTERHUB_API_URL": f"http://127.0.0.1:{port}/hub/api",
            "JUPYTERHUB_API_TOKEN": api_token,
            "JUPYTERHUB_USER": "kim",
        }
        try:
            return await get_token(GovlabShare(token_source="hub", request_timeout=timeout), env)
        except ShareError as e:
            return e
        finally:
            server.stop()

    return aio.run(main()), seen


def test_hub_token_from_auth_state():
    result, seen = _run((200, {"name": "kim", "auth_state": {"access_token": "gl-oauth-abc", "refresh_token": "r"}}, 0))
    assert result.value == "gl-oauth-abc" and result.kind == "oauth"
    assert seen == [f"token {HUB_TOKEN}"]
    assert "gl-oauth-abc" not in repr(result)  # never in logs by accident


@pytest.mark.parametrize(
    "answer,status,code",
    [
        ((200, {"name": "kim", "auth_state": None}, 0), 401, "gitlab_unauthorized"),
        ((200, {"name": "kim"}, 0), 401, "gitlab_unauthorized"),
        ((200, {"name": "kim", "auth_state": {"access_token": ""}}, 0), 401, "gitlab_unauthorized"),
        ((403, {"message": "no"}, 0), 401, "gitlab_unauthorized"),
        ((500, "boom", 0), 502, "gitlab_unavailable"),
        ((200, "not json", 0), 502, "gitlab_unavailable"),
        ((200, {"auth_state": {"access_token": "x"}}, 2), 502, "gitlab_unavailable"),  # hub too slow
    ],
    ids=["auth_state_none", "no_auth_state", "empty_token", "hub_403", "hub_500", "hub_not_json", "hub_slow"],
)
def test_hub_failures(answer, status, code):
    result, _ = _run(answer, timeout=0.5)
    assert isinstance(result, ShareError), result
    assert (result.status, result.code) == (status, code)
    if code == "gitlab_unauthorized":
        assert "다시 로그인하세요" in result.message


def test_wrong_server_token_means_sign_in_again():
    result, seen = _run((200, {"auth_state": {"access_token": "x"}}, 0), api_token="wrong")
    assert (result.status, result.code) == (401, "gitlab_unauthorized")
    assert seen == ["token wrong"]


def test_hub_down():
    result, _ = _run((200, {}, 0), closed=True)
    assert (result.status, result.code) == (502, "gitlab_unavailable")


def test_not_under_hub():
    async def main():
        return await get_token(GovlabShare(token_source="hub"), {})

    with pytest.raises(ShareError) as e:
        aio.run(main())
    assert e.value.code == "not_configured"


def test_env_token():
    async def main(env):
        return await get_token(GovlabShare(token_source="env", token_env="MY_TOKEN"), env)

    token = aio.run(main({"MY_TOKEN": " glpat-1 "}))
    assert (token.value, token.kind) == ("glpat-1", "private")
    with pytest.raises(ShareError) as e:
        aio.run(main({}))
    assert e.value.code == "not_configured" and "MY_TOKEN" in e.value.message
