"""pytest fixture `gitlab_server`: a loopback GitLab stand-in in a background thread.

Load it with ``pytest_plugins = ["tests.gitlab_server.fixture"]`` (or import the
fixture). One server runs per session; every test gets it freshly reset.
"""

from __future__ import annotations

import pytest

from .app import GitLabServer
from .faults import Fault


class GitLabTestServer:
    """Test-facing facade; all methods are safe to call from the test thread."""

    def __init__(self, server: GitLabServer):
        self._server = server

    # -- addresses and state --------------------------------------------------
    @property
    def url(self) -> str:
        return self._server.url

    @property
    def requests_log(self) -> list[tuple[str, str, int]]:
        return self._server.requests_log

    @property
    def config(self):
        """max_body_size, oauth_expires_in, default_per_page (reset restores defaults)."""
        return self._server.config

    @property
    def limiter(self):
        """Large-request limiter: .threshold (bytes), .limit, .window (seconds)."""
        return self._server.limiter

    @property
    def store(self):
        return self._server.store

    # -- seeding -------------------------------------------------------------
    def add_user(self, username: str, name: str | None = None, email: str | None = None,
                 admin: bool = False) -> dict:
        return dict(self._server.store.add_user(username, name, email, admin))

    def add_token(self, username: str, scopes=("api",), expired: bool = False,
                  kind: str = "personal", expires_in: int | None = None) -> str:
        if kind not in ("personal", "oauth"):
            raise ValueError(kind)
        return self._server.store.add_token(username, scopes, expired, kind, expires_in)

    def add_group(self, path: str, members: dict | None = None, name: str | None = None,
                  visibility: str = "private") -> dict:
        return dict(self._server.store.add_group(path, members or {}, name, visibility))

    def add_oauth_app(self, client_id: str, client_secret: str, redirect_uri: str,
                      scopes=("api", "read_user", "openid", "profile", "email")) -> dict:
        return self._server.store.add_oauth_app(client_id, client_secret, redirect_uri, scopes)

    def login_as(self, username: str | None) -> None:
        """The browser user /oauth/authorize auto-approves for (None: logged out)."""
        store = self._server.store
        store.logged_in = store.user_by_username(username)["id"] if username else None

    # -- faults ----------------------------------------------------------------
    def fault(self, method: str, path_regex: str, status: int | None = 500, count: int = 1,
              retry_after: int | None = None, delay: float = 0, body=None) -> Fault:
        """Queue a fault for the next `count` requests whose raw (still %-encoded)
        path matches `path_regex` (re.search). status=None with delay>0 only slows
        the answer down."""
        return self._server.faults.add(method, path_regex, status, count, retry_after,
                                       delay, body)

    # -- git -------------------------------------------------------------------
    def bare_repo_path(self, path_with_namespace: str) -> str:
        project = self._server.store.project_by_ref(path_with_namespace)
        if not project:
            raise KeyError(path_with_namespace)
        return self._server.store.repo_path(project)

    def reset(self) -> None:
        s = self._server
        s.faults.clear()
        s.store.clear()
        s.limiter.clear()
        s.limiter.__init__()
        s.config.__init__()
        s.requests_log.clear()


@pytest.fixture(scope="session")
def _gitlab_server_session(tmp_path_factory):
    server = GitLabServer(str(tmp_path_factory.mktemp("gitlab-server"))).start()
    yield GitLabTestServer(server)
    server.stop()


@pytest.fixture
def gitlab_server(_gitlab_server_session):
    _gitlab_server_session.reset()
    yield _gitlab_server_session
    _gitlab_server_session.reset()
