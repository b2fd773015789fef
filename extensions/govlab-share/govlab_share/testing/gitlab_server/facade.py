"""The test-facing facade of the loopback GitLab server (the `gitlab_server` fixture's value).

The fixtures live in ``govlab_share.pytest_plugin``: one server per session, freshly
reset for every test.
"""

from __future__ import annotations

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
    def received(self) -> list[tuple[str, str]]:
        """(method, path) of every request as it arrives, before any fault or delay:
        counts requests whose answer is still held back or never reached the client."""
        return self._server.received_log

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
    def add_user(self, username: str, name: str | None = None, email: str | None = None, admin: bool = False) -> dict:
        return dict(self._server.store.add_user(username, name, email, admin))

    def add_token(
        self,
        username: str,
        scopes=("api",),
        expired: bool = False,
        kind: str = "personal",
        expires_in: int | None = None,
    ) -> str:
        if kind not in ("personal", "oauth"):
            raise ValueError(kind)
        return self._server.store.add_token(username, scopes, expired, kind, expires_in)

    def add_group(
        self, path: str, members: dict | None = None, name: str | None = None, visibility: str = "private"
    ) -> dict:
        return dict(self._server.store.add_group(path, members or {}, name, visibility))

    def add_oauth_app(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scopes=("api", "read_user", "openid", "profile", "email"),
        name: str = "govlab",
    ) -> dict:
        return self._server.store.add_oauth_app(client_id, client_secret, redirect_uri, scopes, name)

    def set_password(self, username: str, password: str) -> None:
        """Lets the user sign in through the browser form at /users/sign_in."""
        store = self._server.store
        with store.lock:
            store.passwords[store.user_by_username(username)["id"]] = password

    @property
    def oauth_grants(self) -> list[dict]:
        """Successful /oauth/token grants: {"grant_type", "username", "client_id"}."""
        return list(self._server.store.oauth_grants)

    def expire_oauth_tokens(self, username: str) -> int:
        """The user's OAuth access tokens expire now; returns how many."""
        return self._server.store.expire_oauth_tokens(username)

    def revoke_refresh_tokens(self, username: str) -> int:
        """GitLab no longer accepts the user's refresh tokens (application revoked)."""
        return self._server.store.revoke_refresh_tokens(username)

    def login_as(self, username: str | None) -> None:
        """The user /oauth/authorize auto-approves for when the request has no GitLab
        session cookie (None: logged out). Browsers sign in with `set_password` and
        the sign-in form instead, then see the consent page."""
        store = self._server.store
        store.logged_in = store.user_by_username(username)["id"] if username else None

    def add_project(
        self,
        namespace: str,
        name: str,
        path: str | None = None,
        visibility: str = "private",
        topics=(),
        description: str = "",
        files: dict | None = None,
    ) -> dict:
        """Seed a project (and one commit of `files`, path -> bytes|str) without the API."""
        from . import gitrepo
        from .store import slugify

        store = self._server.store
        ns = store.namespace_by_ref(namespace)
        if not ns:
            raise KeyError(namespace)
        owner = store.users.get(ns["owner_id"]) if ns["kind"] == "user" else next(iter(store.users.values()))
        project = store.create_project(
            owner, ns, name, path or slugify(name) or "project", visibility, description, topics
        )
        if files:
            actions = [gitrepo.Action("create", p, d.encode() if isinstance(d, str) else d) for p, d in files.items()]
            gitrepo.create_commit(
                store.repo_path(project),
                branch="main",
                start_sha=None,
                actions=actions,
                message="seed",
                author=(owner["name"], owner["email"]),
                committer=(owner["name"], owner["email"]),
                expected_old=gitrepo.ZERO_OID,
            )
        return dict(project)

    def set_issues_access(self, path_with_namespace: str, level: str) -> None:
        """The project's issues_access_level: "enabled", "private" (members only) or "disabled"."""
        if level not in ("enabled", "private", "disabled"):
            raise ValueError(level)
        store = self._server.store
        with store.lock:
            store.project_by_ref(path_with_namespace)["issues_access_level"] = level

    def issues(self, path_with_namespace: str) -> list[dict]:
        """The project's issues as stored (author as username), oldest first."""
        store = self._server.store
        with store.lock:
            project = store.project_by_ref(path_with_namespace)
            out = [dict(i) for i in store.issues.get(project["id"], [])] if project else []
            for i in out:
                i["author"] = store.users[i["author_id"]]["username"]
            return out

    # -- faults ----------------------------------------------------------------
    def fault(
        self,
        method: str,
        path_regex: str,
        status: int | None = 500,
        count: int = 1,
        retry_after: int | None = None,
        delay: float = 0,
        body=None,
        after: bool = False,
        skip: int = 0,
    ) -> Fault:
        """Queue a fault for the next `count` requests whose raw (still %-encoded)
        path matches `path_regex` (re.search). status=None with delay>0 only slows
        the answer down. after=True: the request is applied first (a commit lands,
        a project is created), then its answer is delayed by `delay` and, with a
        status, replaced by that error - a timeout or 502 after GitLab did the work.
        skip=n lets the first n matching requests through before the fault applies."""
        return self._server.faults.add(method, path_regex, status, count, retry_after, delay, body, after, skip)

    def clear_faults(self) -> None:
        """Drop every queued fault (GitLab is well again)."""
        self._server.faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        return self._server.faults.pending

    # -- git -------------------------------------------------------------------
    def bare_repo_path(self, path_with_namespace: str) -> str:
        project = self._server.store.project_by_ref(path_with_namespace)
        if not project:
            raise KeyError(path_with_namespace)
        return self._server.store.repo_path(project)

    def reset(self) -> None:
        s = self._server
        s.generation += 1
        s.faults.clear()
        s.store.clear()
        s.limiter.clear()
        s.limiter.__init__()
        s.config.__init__()
        s.requests_log.clear()
        s.received_log.clear()
