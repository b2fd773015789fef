"""Tornado handlers for a GitLab-compatible loopback server (REST v4 subset,
OAuth provider, read-only git smart HTTP). Statuses and bodies follow GitLab's REST v4
and OAuth documentation; see the package docstring for gaps.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import math
import os
import re
import secrets
import subprocess
import threading
import time
import urllib.parse

import tornado.escape
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.httputil import parse_body_arguments
from tornado.netutil import bind_sockets

from . import gitrepo, issues
from .faults import REASONS, FaultInjector, LargeRequestLimiter
from .store import _NAME_RE, DEVELOPER, MAINTAINER, NAME_FORMAT_MESSAGE, OWNER, Store, now_iso, path_errors, slugify

MB = 1024 * 1024

# GitLab's OAuth resource-server error descriptions (lib/api/api_guard.rb).
EXPIRED_DESC = "Token is expired. You can either do re-authorization or token refresh."
REVOKED_DESC = "Token was revoked. You have to re-authorize from the user."
INSUFFICIENT_DESC = "The request requires higher privileges than provided by the access token."
INVALID_GRANT_DESC = (
    "The provided authorization grant is invalid, expired, revoked, does not "
    "match the redirection URI used in the authorization request, or was "
    "issued to another client."
)
INVALID_CLIENT_DESC = (
    "Client authentication failed due to unknown client, no client "
    "authentication included, or unsupported authentication method."
)

READ_SCOPES = ("api", "read_api")
WRITE_SCOPES = ("api",)
USER_SCOPES = ("api", "read_api", "read_user")
GIT_READ_SCOPES = ("api", "read_repository", "write_repository")
VISIBILITIES = ("private", "internal", "public")
# GET /projects order_by values -> the project field they sort on.
PROJECT_ORDER = {
    "id": "id",
    "name": "name",
    "path": "path",
    "created_at": "id",
    "updated_at": "last_activity_at",
    "last_activity_at": "last_activity_at",
}
GITLAB_VERSION = "18.6.0-ee"
ACTIONS = ("create", "update", "delete", "move", "chmod")


class Config:
    """Runtime-tunable limits (tests shrink them)."""

    def __init__(self):
        self.max_body_size = 300 * MB
        self.oauth_expires_in = 7200
        self.default_per_page = 20


class ApiError(tornado.web.HTTPError):
    """Carries the exact body GitLab sends: dict/list -> JSON, str -> text/plain."""

    def __init__(self, status: int, body, headers: dict | None = None):
        super().__init__(status, reason=REASONS.get(status))
        self.body = body
        self.extra_headers = headers or {}


def msg(status: int, text: str) -> ApiError:
    return ApiError(status, {"message": text})


def not_found(what: str) -> ApiError:
    return msg(404, f"404 {what} Not Found")


def truthy(value) -> bool:
    return value is True or str(value).lower() in ("1", "true", "yes", "on")


_TRAILER_RE = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]{0,63}): ([^\n]{1,1000})")


def _trailers(message: str) -> dict:
    """`trailers`/`extended_trailers` as GitLab parses them from the last paragraph."""
    last = message.rstrip("\n").rsplit("\n\n", 1)
    if len(last) < 2:
        return {"trailers": {}, "extended_trailers": {}}
    matches = [_TRAILER_RE.fullmatch(line) for line in last[1].split("\n")]
    if not all(matches):
        return {"trailers": {}, "extended_trailers": {}}
    extended: dict[str, list[str]] = {}
    for m in matches:
        extended.setdefault(m.group(1), []).append(m.group(2))
    return {"trailers": {k: v[-1] for k, v in extended.items()}, "extended_trailers": extended}


@tornado.web.stream_request_body
class BaseHandler(tornado.web.RequestHandler):
    def initialize(self, server: GitLabServer):
        self.server = server
        self.store: Store = server.store
        self._chunks: list[bytes] = []
        self._size = 0
        self._params: dict | None = None
        self._held = None  # an after-fault's answer, kept back
        self._generation = server.generation

    # ---- lifecycle: faults, size limits, body streaming -----------------------
    async def prepare(self):
        self.server.received_log.append((self.request.method, self.request.path))
        fault = self.server.faults.take(self.request.method, self.request.path)
        if fault and fault.after:
            self._hold_answer(fault)
        elif fault:
            if fault.delay:
                await asyncio.sleep(fault.delay)  # slow GitLab: never block the loop
            if fault.status:
                raise self._fault_error(fault)
        length = int(self.request.headers.get("Content-Length") or 0)
        if length > self.server.config.max_body_size:
            raise ApiError(413, {"message": "413 Request Entity Too Large"})
        limited = self.server.limiter.check(length)
        if limited:
            raise ApiError(429, "Retry later\n", limited)

    def _hold_answer(self, fault) -> None:
        """Run the handler as usual, but keep its answer back for fault.delay seconds
        and then send it, or (fault.status set) send that error instead."""
        name = self.request.method.lower()
        work = getattr(self, name)

        async def held(*args, **kwargs):
            self._held = []
            try:
                result = work(*args, **kwargs)
                if result is not None:
                    await result
            except Exception:
                self._held = None  # the work itself failed: answer at once
                raise
            if fault.delay:
                await asyncio.sleep(fault.delay)
            chunks, self._held = self._held, None
            if fault.status:
                self.clear()
                raise self._fault_error(fault)
            self.finish(b"".join(chunks) if chunks else None)

        setattr(self, name, held)

    @staticmethod
    def _fault_error(fault) -> ApiError:
        status = fault.status
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        body = fault.body
        if body is None:
            body = "Retry later\n" if status == 429 else {"message": f"{status} {REASONS.get(status, 'Error')}"}
        return ApiError(status, body, headers)

    def data_received(self, chunk: bytes):
        if self._finished:
            return
        self._size += len(chunk)
        if self._size > self.server.config.max_body_size:
            # Chunked bodies have no Content-Length: enforce while streaming.
            self.send_error(413, exc_info=(ApiError, ApiError(413, {"message": "413 Request Entity Too Large"}), None))
            return
        self._chunks.append(chunk)

    @property
    def body(self) -> bytes:
        return b"".join(self._chunks)

    def params(self) -> dict:
        """Query args merged with a JSON or form body (body wins), like Grape."""
        if self._params is None:
            p = {k: v[-1].decode("utf-8", "replace") for k, v in self.request.query_arguments.items()}
            body = self.body
            ctype = self.request.headers.get("Content-Type", "")
            if body:
                if "json" in ctype:
                    try:
                        data = json.loads(body)
                    except ValueError:
                        raise ApiError(
                            400, {"error": "The provided content-type 'application/json' is not supported."}
                        ) from None
                    if isinstance(data, dict):
                        p.update(data)
                else:
                    args: dict = {}
                    parse_body_arguments(ctype or "application/x-www-form-urlencoded", body, args, {})
                    p.update({k: v[-1].decode("utf-8", "replace") for k, v in args.items()})
            self._params = p
        return self._params

    # ---- output -----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        # Echo the address the client used so python-gitlab's web_url check passes.
        return f"{self.request.protocol}://{self.request.host}"

    def finish(self, chunk=None):
        if self._held is not None:  # an after-fault holds the answer back
            if chunk is not None:
                self._held.append(chunk if isinstance(chunk, bytes) else tornado.escape.utf8(chunk))
            return None
        # Record before the response leaves, so a test that just got its answer
        # always finds it in requests_log (tornado's log_function runs after).
        # A held answer sent after a reset belongs to the previous test: not logged.
        if not self._finished and self._generation == self.server.generation:
            self.server.requests_log.append((self.request.method, self.request.path, self.get_status()))
        return super().finish(chunk)

    def send_json(self, data, status: int = 200):
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def write_error(self, status_code: int, **kwargs):
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ApiError):
            for k, v in exc.extra_headers.items():
                self.set_header(k, v)
            body = exc.body
        elif isinstance(exc, tornado.web.HTTPError):
            body = {"message": f"{status_code} {REASONS.get(status_code, exc.reason or '')}"}
        else:
            body = {"message": "500 Internal Server Error"}
        if isinstance(body, (dict, list)):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(body, ensure_ascii=False).encode("utf-8"))
        else:
            self.set_header("Content-Type", "text/plain")
            self.finish(body if isinstance(body, bytes) else str(body).encode("utf-8"))

    def paginate(self, items: list) -> list:
        q = self.params()
        try:
            page = max(1, int(q.get("page") or 1))
            per_page = min(100, max(1, int(q.get("per_page") or self.server.config.default_per_page)))
        except ValueError:
            raise ApiError(400, {"error": "page is invalid"}) from None
        total = len(items)
        pages = max(1, math.ceil(total / per_page))
        self.set_header("X-Total", str(total))
        self.set_header("X-Total-Pages", str(pages))
        self.set_header("X-Per-Page", str(per_page))
        self.set_header("X-Page", str(page))
        self.set_header("X-Next-Page", str(page + 1) if page < pages else "")
        self.set_header("X-Prev-Page", str(page - 1) if page > 1 else "")
        query = {k: v[-1].decode() for k, v in self.request.query_arguments.items()}
        query["per_page"] = str(per_page)

        def link(n):
            query["page"] = str(n)
            return f"{self.base_url}{self.request.path}?{urllib.parse.urlencode(query)}"

        links = []
        if page > 1:
            links.append(f'<{link(page - 1)}>; rel="prev"')
        if page < pages:
            links.append(f'<{link(page + 1)}>; rel="next"')
        links.append(f'<{link(1)}>; rel="first"')
        links.append(f'<{link(pages)}>; rel="last"')
        self.set_header("Link", ", ".join(links))
        return items[(page - 1) * per_page : page * per_page]

    # ---- authentication -------------------------------------------------------
    def _token_string(self) -> str | None:
        h = self.request.headers
        if h.get("PRIVATE-TOKEN"):
            return h["PRIVATE-TOKEN"]
        auth = h.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        q = self.request.query_arguments
        for key in ("private_token", "access_token"):
            if key in q:
                return q[key][-1].decode()
        return None

    def auth_user(self, scopes=READ_SCOPES, required: bool = False):
        """The token's user (None when anonymous); raises GitLab's 401/403 bodies."""
        raw = self._token_string()
        if raw is None:
            if required:
                raise msg(401, "401 Unauthorized")
            return None
        with self.store.lock:
            tok = self.store.tokens.get(raw)
            if not tok:
                raise msg(401, "401 Unauthorized")
            if tok["revoked"]:
                raise self._invalid_token(REVOKED_DESC)
            if tok["expires_at"] is not None and tok["expires_at"] <= time.time():
                raise self._invalid_token(EXPIRED_DESC)
            if not set(tok["scopes"]) & set(scopes):
                raise ApiError(
                    403,
                    {"error": "insufficient_scope", "error_description": INSUFFICIENT_DESC, "scope": " ".join(scopes)},
                )
            # Doorkeeper rotation: the old access token dies when the new one is used.
            prev = tok.get("previous")
            if prev and prev in self.store.tokens:
                self.store.tokens[prev]["revoked"] = True
                tok["previous"] = None
            return self.store.users[tok["user_id"]]

    @staticmethod
    def _invalid_token(desc: str) -> ApiError:
        return ApiError(
            401,
            {"error": "invalid_token", "error_description": desc},
            {
                "WWW-Authenticate": f'Bearer realm="Protected by OAuth 2", '
                f'error="invalid_token", error_description="{desc}"'
            },
        )

    # ---- lookups --------------------------------------------------------------
    def find_project(self, ref: str, user) -> dict:
        p = self.store.project_by_ref(ref)
        if not p or not self.store.can_see_project(user, p):
            raise not_found("Project")
        return p

    def find_group(self, ref: str, user) -> dict:
        g = self.store.namespace_by_ref(ref)
        if not g or g["kind"] != "group" or not self.store.can_see_group(user, g):
            raise not_found("Group")
        return g

    def repo_for_read(self, p: dict, user) -> str:
        if not self.store.can_read_code(user, p):
            raise msg(403, "403 Forbidden")
        return self.store.repo_path(p)

    # ---- JSON shapes ------------------------------------------------------------
    def user_json(self, u: dict, full: bool = False) -> dict:
        d = {
            "id": u["id"],
            "username": u["username"],
            "name": u["name"],
            "state": u["state"],
            "locked": u["locked"],
            "avatar_url": u["avatar_url"],
            "web_url": f"{self.base_url}/{u['username']}",
        }
        if full:
            d.update(
                {
                    "created_at": u["created_at"],
                    "bio": "",
                    "public_email": None,
                    "email": u["email"],
                    "commit_email": u["email"],
                    "is_admin": u["is_admin"],
                    "can_create_group": True,
                    "can_create_project": True,
                    "two_factor_enabled": False,
                    "external": False,
                    "private_profile": False,
                    "namespace_id": u["namespace_id"],
                }
            )
        return d

    def namespace_json(self, ns: dict) -> dict:
        web = (
            f"{self.base_url}/{ns['full_path']}"
            if ns["kind"] == "user"
            else f"{self.base_url}/groups/{ns['full_path']}"
        )
        return {
            "id": ns["id"],
            "name": ns["name"],
            "path": ns["path"],
            "kind": ns["kind"],
            "full_path": ns["full_path"],
            "parent_id": ns["parent_id"],
            "avatar_url": None,
            "web_url": web,
        }

    def group_json(self, g: dict) -> dict:
        chain = list(reversed(self.store.group_chain(g)))
        return {
            "id": g["id"],
            "web_url": f"{self.base_url}/groups/{g['full_path']}",
            "name": g["name"],
            "path": g["path"],
            "description": g["description"],
            "visibility": g["visibility"],
            "full_name": " / ".join(x["name"] for x in chain),
            "full_path": g["full_path"],
            "parent_id": g["parent_id"],
            "avatar_url": None,
            "created_at": g["created_at"],
            "project_creation_level": "developer",
            "subgroup_creation_level": "maintainer",
        }

    def project_json(self, p: dict, user) -> dict:
        ns = self.store.namespaces[p["namespace_id"]]
        full = f"{ns['full_path']}/{p['path']}"
        repo = self.store.repo_path(p)
        empty = gitrepo.is_empty(repo)
        web = f"{self.base_url}/{full}"
        d = {
            "id": p["id"],
            "description": p["description"],
            "name": p["name"],
            "name_with_namespace": f"{ns['name']} / {p['name']}",
            "path": p["path"],
            "path_with_namespace": full,
            "created_at": p["created_at"],
            "default_branch": gitrepo.head_branch(repo) or "main",
            "tag_list": list(p["topics"]),
            "topics": list(p["topics"]),
            "ssh_url_to_repo": f"git@{self.request.host.split(':')[0]}:{full}.git",
            "http_url_to_repo": f"{web}.git",
            "web_url": web,
            "readme_url": None if empty else f"{web}/-/blob/main/README.md",
            "forks_count": 0,
            "avatar_url": None,
            "star_count": 0,
            "last_activity_at": p["last_activity_at"],
            "namespace": self.namespace_json(ns),
            "visibility": p["visibility"],
            "empty_repo": empty,
            "archived": False,
            "creator_id": p["creator_id"],
            "open_issues_count": sum(1 for i in self.store.issues.get(p["id"], []) if i["state"] == "opened"),
            "_links": {"self": f"{self.base_url}/api/v4/projects/{p['id']}"},
        }
        if ns["kind"] == "user":
            d["owner"] = self.user_json(self.store.users[ns["owner_id"]])
        if user:
            proj_level = p["members"].get(user["id"]) or (
                OWNER if ns["kind"] == "user" and ns["owner_id"] == user["id"] else None
            )
            grp_level = self.store.group_access(user, ns) if ns["kind"] == "group" else 0
            d["permissions"] = {
                "project_access": {"access_level": proj_level, "notification_level": 3} if proj_level else None,
                "group_access": {"access_level": grp_level, "notification_level": 3} if grp_level else None,
            }
        return d

    def commit_json(self, p: dict, c: dict, stats: dict | None = None) -> dict:
        title = c["message"].split("\n", 1)[0]
        d = {
            "id": c["id"],
            "short_id": c["id"][:8],
            "created_at": c["committed_date"],
            "parent_ids": c["parent_ids"],
            "title": title,
            "message": c["message"],
            "author_name": c["author_name"],
            "author_email": c["author_email"],
            "authored_date": c["authored_date"],
            "committer_name": c["committer_name"],
            "committer_email": c["committer_email"],
            "committed_date": c["committed_date"],
            **_trailers(c["message"]),
            "web_url": f"{self.base_url}/{self.store.full_path(p)}/-/commit/{c['id']}",
        }
        if stats is not None:
            d["stats"] = stats
        return d


# ---------------------------------------------------------------------------------
# Users, namespaces, groups
# ---------------------------------------------------------------------------------
class UserHandler(BaseHandler):
    def get(self):
        user = self.auth_user(USER_SCOPES, required=True)
        self.send_json(self.user_json(user, full=True))


class VersionHandler(BaseHandler):
    # oauthenticator asks for it before checking group membership.
    def get(self):
        self.auth_user(USER_SCOPES, required=True)
        self.send_json({"version": GITLAB_VERSION, "revision": "0000000000a"})


class UsersHandler(BaseHandler):
    def get(self):
        self.auth_user(USER_SCOPES)
        q = self.params()
        users = sorted(list(self.store.users.values()), key=lambda u: u["id"])
        if q.get("username"):
            users = [u for u in users if u["username"].lower() == q["username"].lower()]
        if q.get("search"):
            s = q["search"].lower()
            users = [u for u in users if s in u["username"].lower() or s in u["name"].lower()]
        self.send_json([self.user_json(u) for u in self.paginate(users)])


class NamespacesHandler(BaseHandler):
    def get(self, ref=None):
        user = self.auth_user(required=True)
        if ref is not None:
            ns = self.store.namespace_by_ref(ref)
            if not ns or not self._may_read(user, ns):
                raise not_found("Namespace")
            return self.send_json(self.namespace_json(ns))
        q = self.params()
        items = [
            ns
            for ns in sorted(list(self.store.namespaces.values()), key=lambda n: n["id"])
            if (ns["kind"] == "user" and ns["owner_id"] == user["id"])
            or (ns["kind"] == "group" and self.store.group_access(user, ns) > 0)
        ]
        if q.get("search"):
            s = q["search"].lower()
            items = [ns for ns in items if s in ns["full_path"].lower() or s in ns["name"].lower()]
        self.send_json([self.namespace_json(ns) for ns in self.paginate(items)])

    def _may_read(self, user, ns) -> bool:
        if ns["kind"] == "user":
            return ns["owner_id"] == user["id"] or user["is_admin"]
        return self.store.group_access(user, ns) > 0


class GroupsHandler(BaseHandler):
    def get(self, ref=None):
        user = self.auth_user()
        if ref is not None:
            return self.send_json(self.group_json(self.find_group(ref, user)))
        q = self.params()
        groups = [g for g in list(self.store.namespaces.values()) if g["kind"] == "group"]
        if user and not truthy(q.get("all_available")) and not user["is_admin"]:
            groups = [g for g in groups if self.store.group_access(user, g) > 0]
        else:
            groups = [g for g in groups if self.store.can_see_group(user, g)]
        if q.get("min_access_level"):
            groups = [g for g in groups if self.store.group_access(user, g) >= int(q["min_access_level"])]
        if truthy(q.get("owned")):
            groups = [g for g in groups if self.store.group_access(user, g) >= OWNER]
        if q.get("search"):
            s = q["search"].lower()
            groups = [g for g in groups if s in g["full_path"].lower() or s in g["name"].lower()]
        groups.sort(key=lambda g: g["full_path"])
        self.send_json([self.group_json(g) for g in self.paginate(groups)])

    def post(self, ref=None):
        user = self.auth_user(WRITE_SCOPES, required=True)
        q = self.params()
        missing = [k for k in ("name", "path") if not q.get(k)]
        if missing:
            raise ApiError(400, {"error": ", ".join(f"{k} is missing" for k in missing)})
        visibility = q.get("visibility") or "private"
        if visibility not in VISIBILITIES:
            raise ApiError(400, {"error": "visibility does not have a valid value"})
        full = q["path"]
        if q.get("parent_id"):
            parent = self.store.namespace_by_ref(str(q["parent_id"]))
            if not parent or parent["kind"] != "group" or self.store.group_access(user, parent) < MAINTAINER:
                raise msg(403, "403 Forbidden")
            full = f"{parent['full_path']}/{q['path']}"
        with self.store.lock:
            if self.store.namespace_by_ref(full):
                raise msg(400, 'Failed to save group {:path=>["has already been taken"]}')
            g = self.store.add_group(
                full,
                {user["username"]: OWNER},
                name=q["name"],
                visibility=visibility,
                description=q.get("description") or "",
            )
        self.send_json(self.group_json(g), 201)


class GroupProjectsHandler(BaseHandler):
    def get(self, ref):
        user = self.auth_user()
        g = self.find_group(ref, user)
        subgroups = truthy(self.params().get("include_subgroups"))
        projects = [
            p
            for p in list(self.store.projects.values())
            if self.store.can_see_project(user, p)
            and (
                p["namespace_id"] == g["id"]
                or (subgroups and g in self.store.group_chain(self.store.namespaces[p["namespace_id"]]))
            )
        ]
        projects.sort(key=lambda p: -p["id"])
        self.send_json([self.project_json(p, user) for p in self.paginate(projects)])


class GroupMemberHandler(BaseHandler):
    def get(self, ref, user_id):
        user = self.auth_user()
        g = self.find_group(ref, user)
        member = self.store.users.get(int(user_id))
        level = self.store.group_access(dict(member, is_admin=False), g) if member else 0
        if not level:
            raise msg(404, "404 Not found")
        d = self.user_json(member)
        d.update(
            {"access_level": level, "created_at": g["created_at"], "expires_at": None, "membership_state": "active"}
        )
        self.send_json(d)


# ---------------------------------------------------------------------------------
# Projects
# ---------------------------------------------------------------------------------
class ProjectsHandler(BaseHandler):
    def get(self):
        user = self.auth_user()
        q = self.params()
        projects = [p for p in list(self.store.projects.values()) if self.store.can_see_project(user, p)]
        if user and truthy(q.get("membership")):
            projects = [p for p in projects if self.store.project_access(user, p) > 0]
        if user and truthy(q.get("owned")):
            projects = [p for p in projects if self.store.namespaces[p["namespace_id"]].get("owner_id") == user["id"]]
        if q.get("visibility"):
            projects = [p for p in projects if p["visibility"] == q["visibility"]]
        if q.get("search"):
            s = q["search"].lower()
            in_ns = truthy(q.get("search_namespaces"))
            projects = [
                p
                for p in projects
                if s in p["name"].lower()
                or s in p["path"].lower()
                or s in p["description"].lower()
                or (in_ns and s in self.store.full_path(p).lower())
            ]
        if q.get("topic"):
            # Topic names are case-insensitive in GitLab; all given topics must match.
            want = {t.strip().lower() for t in q["topic"].split(",") if t.strip()}
            projects = [p for p in projects if want <= {t.lower() for t in p["topics"]}]
        order = q.get("order_by") or "created_at"
        if order not in PROJECT_ORDER:
            raise ApiError(400, {"error": "order_by does not have a valid value"})
        projects.sort(key=lambda p: (p[PROJECT_ORDER[order]], p["id"]), reverse=q.get("sort", "desc") != "asc")
        self.send_json([self.project_json(p, user) for p in self.paginate(projects)])

    def post(self):
        user = self.auth_user(WRITE_SCOPES, required=True)
        q = self.params()
        name, path = q.get("name"), q.get("path")
        if not name and not path:
            raise ApiError(400, {"error": "name, path are missing, at least one parameter must be provided"})
        visibility = q.get("visibility") or "private"
        if visibility not in VISIBILITIES:
            raise ApiError(400, {"error": "visibility does not have a valid value"})
        path = path if path is not None else slugify(name)
        name = name or path
        topics = q.get("topics") or q.get("tag_list") or []
        if isinstance(topics, str):
            topics = [t.strip() for t in topics.split(",") if t.strip()]
        with self.store.lock:
            ns_ref = q.get("namespace_id") or q.get("namespace")
            ns = self.store.namespace_by_ref(str(ns_ref)) if ns_ref else self.store.namespaces[user["namespace_id"]]
            if not ns or not self.store.can_create_in(user, ns):
                raise ApiError(400, {"message": {"namespace": ["is not valid"]}})
            errors: dict[str, list[str]] = {}
            if not _NAME_RE.match(name):
                errors.setdefault("name", []).append(NAME_FORMAT_MESSAGE)
            if not path:
                errors.setdefault("path", []).append("can't be blank")
            else:
                for e in path_errors(path):
                    errors.setdefault("path", []).append(e)
            for field, errs in self.store.name_or_path_taken(ns, name, path).items():
                errors.setdefault(field, []).extend(errs)
            if errors:
                raise ApiError(400, {"message": errors})
            p = self.store.create_project(
                user,
                ns,
                name,
                path,
                visibility,
                q.get("description") or "",
                topics,
                truthy(q.get("initialize_with_readme")),
            )
        self.send_json(self.project_json(p, user), 201)


class TopicsHandler(BaseHandler):
    """GET /topics: every topic with its number of projects (GitLab 14.5+), search by name."""

    def get(self):
        self.auth_user()
        q = self.params()
        counts: dict[str, int] = {}
        names: dict[str, str] = {}
        for p in list(self.store.projects.values()):
            for t in p["topics"]:
                counts[t.lower()] = counts.get(t.lower(), 0) + 1
                names.setdefault(t.lower(), t)
        items = list(enumerate(sorted(counts, key=lambda k: (-counts[k], k)), 1))
        if q.get("search"):
            items = [(i, k) for i, k in items if q["search"].lower() in k]
        self.send_json(
            [
                {
                    "id": i,
                    "name": names[k],
                    "title": names[k],
                    "description": None,
                    "total_projects_count": counts[k],
                    "avatar_url": None,
                }
                for i, k in self.paginate(items)
            ]
        )


class ProjectHandler(BaseHandler):
    def get(self, ref):
        user = self.auth_user()
        self.send_json(self.project_json(self.find_project(ref, user), user))

    def put(self, ref):
        user = self.auth_user(WRITE_SCOPES, required=True)
        p = self.find_project(ref, user)
        if self.store.project_access(user, p) < MAINTAINER:
            raise msg(403, "403 Forbidden")
        q = self.params()
        if "visibility" in q and q["visibility"] not in VISIBILITIES:
            raise ApiError(400, {"error": "visibility does not have a valid value"})
        with self.store.lock:
            for key in ("description", "visibility", "name"):
                if key in q and q[key] is not None:
                    p[key] = q[key]
            topics = q.get("topics", q.get("tag_list"))
            if topics is not None:
                p["topics"] = (
                    [t.strip() for t in topics.split(",") if t.strip()] if isinstance(topics, str) else list(topics)
                )
            p["last_activity_at"] = now_iso()
        self.send_json(self.project_json(p, user))

    def delete(self, ref):
        # GitLab: Owner (or admin) only; 202 {"message": "202 Accepted"}. Deletion is
        # immediate here (GitLab may schedule it, but frees the path either way).
        user = self.auth_user(WRITE_SCOPES, required=True)
        p = self.find_project(ref, user)
        if self.store.project_access(user, p) < OWNER:
            raise msg(403, "403 Forbidden")
        with self.store.lock:
            self.store.projects.pop(p["id"], None)
            gitrepo.remove(self.store.repo_path(p))
        self.send_json({"message": "202 Accepted"}, 202)


# ---------------------------------------------------------------------------------
# Repository: commits, files, tree, branches
# ---------------------------------------------------------------------------------
class CommitsHandler(BaseHandler):
    def get(self, ref):
        user = self.auth_user()
        p = self.find_project(ref, user)
        repo = self.repo_for_read(p, user)
        q = self.params()
        sha = gitrepo.resolve(repo, q.get("ref_name") or gitrepo.head_branch(repo))
        commits = gitrepo.log(repo, sha, q.get("path")) if sha else []
        self.send_json([self.commit_json(p, c) for c in self.paginate(commits)])

    def post(self, ref):
        user = self.auth_user(WRITE_SCOPES, required=True)
        q = self.params()
        missing = [k for k in ("branch", "commit_message") if not q.get(k)]
        if missing:
            raise ApiError(400, {"error": ", ".join(f"{k} is missing" for k in missing)})
        actions = self._parse_actions(q.get("actions") or [])
        p = self.find_project(ref, user)
        if self.store.project_access(user, p) < DEVELOPER:
            raise msg(403, "403 Forbidden - You are not allowed to push into this branch")
        repo = self.store.repo_path(p)
        branch = q["branch"]
        force = truthy(q.get("force"))
        with self.store.lock:  # serialise writers per server, like Gitaly's ref lock
            empty = gitrepo.is_empty(repo)
            branch_head = gitrepo.branch_sha(repo, branch)
            if q.get("start_sha"):
                base = gitrepo.resolve(repo, q["start_sha"])
                if not base:
                    raise msg(400, f"Invalid start sha: {q['start_sha']}")
                if branch_head and not force:
                    raise msg(
                        400,
                        f"A branch called '{branch}' already exists. Switch to that branch in order to make changes",
                    )
            else:
                start_branch = q.get("start_branch") or branch
                if start_branch != branch and branch_head and not force:
                    raise msg(
                        400,
                        f"A branch called '{branch}' already exists. Switch to that branch in order to make changes",
                    )
                base = gitrepo.branch_sha(repo, start_branch)
                if not empty and base is None:
                    raise msg(400, "You can only create or edit files when you are on a branch")
            author = (q.get("author_name") or user["name"], q.get("author_email") or user["email"])
            try:
                sha = gitrepo.create_commit(
                    repo,
                    branch=branch,
                    start_sha=base,
                    actions=actions,
                    message=q["commit_message"],
                    author=author,
                    committer=(user["name"], user["email"]),
                    expected_old=branch_head or gitrepo.ZERO_OID,
                )
            except gitrepo.CommitError as e:
                raise msg(400, str(e)) from e
            p["last_activity_at"] = now_iso()
        c = gitrepo.commit_info(repo, sha)
        stats = gitrepo.diff_stats(repo, sha, base) if q.get("stats", True) not in (False, "false") else None
        d = self.commit_json(p, c, stats)
        d.update({"status": None, "project_id": p["id"], "last_pipeline": None})
        self.send_json(d, 201)

    @staticmethod
    def _parse_actions(raw) -> list[gitrepo.Action]:
        if not isinstance(raw, list):
            raise ApiError(400, {"error": "actions is invalid"})
        out = []
        for i, a in enumerate(raw):
            if not isinstance(a, dict):
                raise ApiError(400, {"error": f"actions[{i}] is invalid"})
            if "action" not in a:
                raise ApiError(400, {"error": f"actions[{i}][action] is missing"})
            if a["action"] not in ACTIONS:
                raise ApiError(400, {"error": f"actions[{i}][action] does not have a valid value"})
            if "file_path" not in a:
                raise ApiError(400, {"error": f"actions[{i}][file_path] is missing"})
            encoding = a.get("encoding") or "text"
            if encoding not in ("text", "base64"):
                raise ApiError(400, {"error": f"actions[{i}][encoding] does not have a valid value"})
            content = a.get("content")
            if content is not None:
                if encoding == "base64":
                    try:
                        content = base64.b64decode(content, validate=False)
                    except (binascii.Error, ValueError):
                        raise msg(400, "Invalid base64 content") from None
                else:
                    content = str(content).encode("utf-8")
            out.append(
                gitrepo.Action(
                    a["action"],
                    a.get("file_path"),
                    content,
                    a.get("previous_path"),
                    a.get("last_commit_id"),
                    truthy(a.get("execute_filemode")),
                )
            )
        return out


class BranchHandler(BaseHandler):
    """GET /projects/:id/repository/branches/:branch - the head commit of a branch;
    404 "404 Branch Not Found" for a missing branch or an empty repository."""

    def get(self, ref, branch):
        user = self.auth_user()
        p = self.find_project(ref, user)
        repo = self.repo_for_read(p, user)
        sha = gitrepo.branch_sha(repo, branch)
        c = gitrepo.commit_info(repo, sha) if sha else None
        if not c:
            raise not_found("Branch")
        web = f"{self.base_url}/{self.store.full_path(p)}"
        self.send_json(
            {
                "name": branch,
                "commit": self.commit_json(p, c),
                "merged": False,
                "protected": False,
                "developers_can_push": True,
                "developers_can_merge": True,
                "can_push": self.store.project_access(user, p) >= DEVELOPER,
                "default": branch == gitrepo.head_branch(repo),
                "web_url": f"{web}/-/tree/{urllib.parse.quote(branch)}",
            }
        )


class CommitHandler(BaseHandler):
    def get(self, ref, sha):
        user = self.auth_user()
        p = self.find_project(ref, user)
        repo = self.repo_for_read(p, user)
        full = gitrepo.resolve(repo, sha)
        c = gitrepo.commit_info(repo, full) if full else None
        if not c:
            raise not_found("Commit")
        parent = c["parent_ids"][0] if c["parent_ids"] else None
        d = self.commit_json(p, c, gitrepo.diff_stats(repo, c["id"], parent))
        d.update({"status": None, "project_id": p["id"], "last_pipeline": None})
        self.send_json(d)


class FileHandler(BaseHandler):
    def _load(self, ref, file_path, require_ref=True):
        user = self.auth_user()
        p = self.find_project(ref, user)
        repo = self.repo_for_read(p, user)
        r = self.params().get("ref")
        if not r:
            if require_ref:
                raise ApiError(400, {"error": "ref is missing"})
            r = gitrepo.head_branch(repo)
        sha = gitrepo.resolve(repo, r)
        if not sha:
            raise not_found("Commit")
        blob = gitrepo.blob_at(repo, sha, file_path)
        if not blob:
            raise not_found("File")
        content = gitrepo.read_blob(repo, blob[1])
        return {
            "file_name": os.path.basename(file_path),
            "file_path": file_path,
            "size": len(content),
            "encoding": "base64",
            "content_sha256": hashlib.sha256(content).hexdigest(),
            "ref": r,
            "blob_id": blob[1],
            "commit_id": sha,
            "last_commit_id": gitrepo.last_commit_for_path(repo, sha, file_path),
            "execute_filemode": blob[0] == gitrepo.MODE_EXEC,
        }, content

    def _gitlab_headers(self, meta):
        for key, value in meta.items():
            name = "X-Gitlab-" + "-".join(w.capitalize() for w in key.split("_"))
            text = str(value).lower() if isinstance(value, bool) else str(value)
            # Raw UTF-8 bytes on the wire, as GitLab sends non-ASCII file names.
            self.set_header(name, text.encode("utf-8"))

    def get(self, ref, file_path, raw=None):
        meta, content = self._load(ref, file_path, require_ref=not raw)
        if raw:
            self._gitlab_headers(meta)
            binary = b"\0" in content[:8000]
            self.set_header("Content-Type", "application/octet-stream" if binary else "text/plain; charset=utf-8")
            return self.finish(content)
        meta["content"] = base64.b64encode(content).decode()
        self.send_json(meta)

    def head(self, ref, file_path, raw=None):
        meta, _ = self._load(ref, file_path)
        self._gitlab_headers(meta)
        self.set_header("Content-Type", "application/json")
        self.finish()


class TreeHandler(BaseHandler):
    def get(self, ref):
        user = self.auth_user()
        p = self.find_project(ref, user)
        repo = self.repo_for_read(p, user)
        q = self.params()
        sha = gitrepo.resolve(repo, q.get("ref") or gitrepo.head_branch(repo))
        path = (q.get("path") or "").strip("/")
        entries = gitrepo.ls_tree(repo, sha, path, truthy(q.get("recursive"))) if sha else None
        if entries is None:
            raise not_found("Tree")
        if not truthy(q.get("recursive")):
            entries.sort(key=lambda e: (e.type != "tree", e.path))
        items = [
            {"id": e.sha, "name": e.path.rsplit("/", 1)[-1], "type": e.type, "path": e.path, "mode": e.mode}
            for e in entries
        ]
        self.send_json(self.paginate(items))


IssuesHandler, IssueHandler = issues.make_handlers(BaseHandler)


class ApiNotFound(BaseHandler):
    def _nf(self, *args):
        raise ApiError(404, {"error": "404 Not Found"})

    get = post = put = delete = head = patch = _nf


# ---------------------------------------------------------------------------------
# OAuth provider
# ---------------------------------------------------------------------------------
SESSION_COOKIE = "_gitlab_session"
RETURN_COOKIE = "gitlab_user_return_to"
ACCESS_DENIED_DESC = "The resource owner or authorization server denied the request."


def _page(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}'
        f" · GitLab</title></head><body><main>{body}</main></body></html>"
    ).encode()


class BrowserHandler(BaseHandler):
    """Pages a browser sees: the signed-in user comes from GitLab's session cookie."""

    def session(self) -> dict | None:
        sid = self.get_cookie(SESSION_COOKIE)
        with self.store.lock:
            return self.store.sessions.get(sid) if sid else None

    def html(self, title: str, body: str, status: int = 200):
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(_page(title, body))


class OAuthAuthorizeHandler(BrowserHandler):
    """Doorkeeper's authorize endpoint: sign-in, then a consent page (Authorize/Deny).

    A user who already authorized the application with the same scopes is sent back
    at once, as GitLab does. `login_as` (no session cookie) is a test shortcut: that
    user counts as signed in and as having authorized every application.
    """

    def _request(self):
        q = self.params()
        app = self.store.oauth_apps.get(q.get("client_id", ""))
        redirect_uri = q.get("redirect_uri", "")
        # Doorkeeper shows an error page (no redirect) for a bad client or redirect URI.
        if not app:
            raise ApiError(401, "invalid_client: " + INVALID_CLIENT_DESC)
        if redirect_uri not in app["redirect_uris"]:
            raise ApiError(400, "invalid_redirect_uri: The redirect URI included is not valid.")
        state = q.get("state")

        def back(**params):
            if state is not None:
                params["state"] = state
            sep = "&" if "?" in redirect_uri else "?"
            self.redirect(redirect_uri + sep + urllib.parse.urlencode(params))

        if q.get("response_type") != "code":
            back(
                error="unsupported_response_type",
                error_description=("The authorization server does not support this response type."),
            )
            return None
        scopes = (q.get("scope") or "api").split()
        if not set(scopes) <= set(app["scopes"]):
            back(error="invalid_scope", error_description=("The requested scope is invalid, unknown, or malformed."))
            return None
        return q, app, scopes, back

    def _approve(self, user_id, app, scopes, back):
        code = secrets.token_hex(32)
        with self.store.lock:
            self.store.authorizations.add((user_id, app["client_id"], frozenset(scopes)))
            self.store.oauth_codes[code] = {
                "client_id": app["client_id"],
                "redirect_uri": self.params()["redirect_uri"],
                "user_id": user_id,
                "scopes": scopes,
                "expires_at": time.time() + 600,
            }
        back(code=code)

    def get(self):
        request = self._request()
        if request is None:
            return
        q, app, scopes, back = request
        session = self.session()
        user_id = session["user_id"] if session else self.store.logged_in
        if user_id is None:
            # GitLab keeps where to come back to in its session, then shows sign-in.
            self.set_cookie(RETURN_COOKIE, urllib.parse.quote(self.request.uri, safe=""), httponly=True)
            return self.redirect(f"{self.base_url}/users/sign_in")
        known = (user_id, app["client_id"], frozenset(scopes)) in self.store.authorizations
        if not session or known:
            return self._approve(user_id, app, scopes, back)
        user = self.store.users[user_id]
        esc = tornado.escape.xhtml_escape
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{esc(q[k])}">'
            for k in (
                "client_id",
                "redirect_uri",
                "response_type",
                "state",
                "scope",
                "code_challenge",
                "code_challenge_method",
            )
            if q.get(k) is not None
        )
        items = "".join(f"<li>{esc(s)}</li>" for s in scopes)
        self.html(
            "Authorize application",
            f"""
<h1>Authorize {esc(app["name"])} to use your account?</h1>
<p>Signed in as <strong>@{esc(user["username"])}</strong>.</p>
<p>This application will be able to:</p><ul id="scopes">{items}</ul>
<form method="post" action="/oauth/authorize">{hidden}
<input type="hidden" name="authenticity_token" value="{session["csrf"]}">
<button type="submit" name="commit" value="authorize" id="authorize">Authorize</button>
<button type="submit" name="commit" value="deny" id="deny">Deny</button>
</form>""",
        )

    def post(self):
        session = self.session()
        q = self.params()
        if not session or not secrets.compare_digest(session["csrf"], q.get("authenticity_token", "")):
            raise ApiError(422, "Can't verify CSRF token authenticity.\n")
        request = self._request()
        if request is None:
            return
        _, app, scopes, back = request
        if q.get("commit") == "deny":
            return back(error="access_denied", error_description=ACCESS_DENIED_DESC)
        self._approve(session["user_id"], app, scopes, back)


class SignInHandler(BrowserHandler):
    """GitLab's sign-in form; passwords are set with the fixture's `set_password`."""

    def _form(self, error: str = "", status: int = 200):
        alert = f'<div class="flash-alert" role="alert">{error}</div>' if error else ""
        self.html(
            "Sign in",
            f"""{alert}
<form method="post" action="/users/sign_in" id="new_user">
<label for="user_login">Username or primary email</label>
<input type="text" name="user[login]" id="user_login" autocomplete="username">
<label for="user_password">Password</label>
<input type="password" name="user[password]" id="user_password" autocomplete="current-password">
<button type="submit" name="button" id="sign_in">Sign in</button>
</form>""",
            status,
        )

    def get(self):
        self._form()

    def post(self):
        q = self.params()
        user = self.store.user_by_username(q.get("user[login]", ""))
        password = q.get("user[password]", "")
        stored = self.store.passwords.get(user["id"]) if user else None
        if not stored or not secrets.compare_digest(stored, password):
            return self._form("Invalid login or password.")
        sid = secrets.token_hex(16)
        with self.store.lock:
            self.store.sessions[sid] = {"user_id": user["id"], "csrf": secrets.token_hex(16)}
        self.set_cookie(SESSION_COOKIE, sid, httponly=True)
        back = self.get_cookie(RETURN_COOKIE)
        self.clear_cookie(RETURN_COOKIE)
        self.redirect(urllib.parse.unquote(back) if back else "/")


class OAuthTokenHandler(BaseHandler):
    def post(self):
        q = self.params()
        client_id, secret = q.get("client_id"), q.get("client_secret")
        auth = self.request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                client_id, secret = urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
            except (binascii.Error, UnicodeDecodeError):
                pass
        self.set_header("Cache-Control", "no-store")
        self.set_header("Pragma", "no-cache")
        app = self.store.oauth_apps.get(client_id or "")
        if not app or not secrets.compare_digest(app["client_secret"], secret or ""):
            raise ApiError(401, {"error": "invalid_client", "error_description": INVALID_CLIENT_DESC})
        grant = q.get("grant_type")
        invalid_grant = ApiError(400, {"error": "invalid_grant", "error_description": INVALID_GRANT_DESC})
        with self.store.lock:
            if grant == "authorization_code":
                code = self.store.oauth_codes.pop(q.get("code") or "", None)
                if (
                    not code
                    or code["client_id"] != client_id
                    or code["expires_at"] < time.time()
                    or code["redirect_uri"] != q.get("redirect_uri")
                ):
                    raise invalid_grant
                user_id, scopes, previous = code["user_id"], code["scopes"], None
            elif grant == "refresh_token":
                rt = self.store.refresh_tokens.pop(q.get("refresh_token") or "", None)
                if not rt or rt["client_id"] != client_id:
                    raise invalid_grant
                user_id, scopes, previous = rt["user_id"], rt["scopes"], rt["access_token"]
            else:
                raise ApiError(
                    400,
                    {
                        "error": "unsupported_grant_type",
                        "error_description": "The authorization grant type is not supported by the "
                        "authorization server.",
                    },
                )
            expires_in = self.server.config.oauth_expires_in
            username = self.store.users[user_id]["username"]
            access = self.store.add_token(
                username, scopes, kind="oauth", expires_in=expires_in, token=secrets.token_hex(32)
            )
            self.store.tokens[access]["previous"] = previous
            refresh = secrets.token_hex(32)
            self.store.refresh_tokens[refresh] = {
                "client_id": client_id,
                "user_id": user_id,
                "scopes": scopes,
                "access_token": access,
            }
            created = self.store.tokens[access]["created_at"]
            self.store.oauth_grants.append({"grant_type": grant, "username": username, "client_id": client_id})
        self.send_json(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": expires_in,
                "refresh_token": refresh,
                "scope": " ".join(scopes),
                "created_at": created,
            }
        )


# ---------------------------------------------------------------------------------
# Git smart HTTP (read-only)
# ---------------------------------------------------------------------------------
class GitHandler(BaseHandler):
    def _deny(self):
        raise ApiError(401, "HTTP Basic: Access denied\n", {"WWW-Authenticate": 'Basic realm="GitLab"'})

    def _project_repo(self, full_path: str) -> str:
        p = self.store.project_by_ref(full_path)
        user = None
        auth = self.request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                _, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                self._deny()
            tok = self.store.tokens.get(password)
            if (
                not tok
                or tok["revoked"]
                or not set(tok["scopes"]) & set(GIT_READ_SCOPES)
                or (tok["expires_at"] is not None and tok["expires_at"] <= time.time())
            ):
                self._deny()
            user = self.store.users[tok["user_id"]]
        if p and p["visibility"] == "public":
            return self.store.repo_path(p)
        if user is None:
            self._deny()  # git retries with credentials after a 401
        if not p or not self.store.can_read_code(user, p):
            raise ApiError(
                404, "The project you were looking for could not be found or you don't have permission to view it.\n"
            )
        return self.store.repo_path(p)

    def _env(self) -> dict:
        env = dict(os.environ)
        proto = self.request.headers.get("Git-Protocol")
        if proto:
            env["GIT_PROTOCOL"] = proto
        return env

    def get(self, full_path):
        service = self.get_query_argument("service", None)
        if service != "git-upload-pack":
            raise ApiError(403, "Only smart HTTP git-upload-pack is supported\n")
        repo = self._project_repo(full_path)
        out = subprocess.run(
            ["git", "upload-pack", "--stateless-rpc", "--advertise-refs", repo],
            stdout=subprocess.PIPE,
            env=self._env(),
            check=True,
        ).stdout
        if "version=2" not in (self.request.headers.get("Git-Protocol") or ""):
            # v0/v1 clients expect the service announcement first (as http-backend does).
            line = b"# service=git-upload-pack\n"
            out = b"%04x" % (len(line) + 4) + line + b"0000" + out
        self.set_header("Content-Type", "application/x-git-upload-pack-advertisement")
        self.set_header("Cache-Control", "no-cache")
        self.finish(out)

    def post(self, full_path, service):
        if service != "git-upload-pack":
            raise ApiError(403, "You are not allowed to push code to this project.\n")
        repo = self._project_repo(full_path)
        proc = subprocess.run(
            ["git", "upload-pack", "--stateless-rpc", repo], input=self.body, stdout=subprocess.PIPE, env=self._env()
        )
        self.set_header("Content-Type", "application/x-git-upload-pack-result")
        self.set_header("Cache-Control", "no-cache")
        self.finish(proc.stdout)


class NotFoundHandler(BaseHandler):
    def _nf(self, *args):
        raise ApiError(404, "Not Found\n")

    get = post = put = delete = head = patch = _nf


# ---------------------------------------------------------------------------------
# Server object
# ---------------------------------------------------------------------------------
def make_app(server: GitLabServer) -> tornado.web.Application:
    P = r"([^/]+)"
    api = "/api/v4"
    routes = [
        (rf"{api}/user", UserHandler),
        (rf"{api}/users", UsersHandler),
        (rf"{api}/version", VersionHandler),
        (rf"{api}/namespaces", NamespacesHandler),
        (rf"{api}/namespaces/{P}", NamespacesHandler),
        (rf"{api}/groups", GroupsHandler),
        (rf"{api}/groups/{P}", GroupsHandler),
        (rf"{api}/groups/{P}/projects", GroupProjectsHandler),
        (rf"{api}/groups/{P}/members/all/(\d+)", GroupMemberHandler),
        (rf"{api}/projects", ProjectsHandler),
        (rf"{api}/topics", TopicsHandler),
        (rf"{api}/projects/{P}", ProjectHandler),
        (rf"{api}/projects/{P}/repository/commits", CommitsHandler),
        (rf"{api}/projects/{P}/repository/commits/{P}", CommitHandler),
        (rf"{api}/projects/{P}/repository/branches/{P}", BranchHandler),
        (rf"{api}/projects/{P}/repository/files/{P}(/raw)?", FileHandler),
        (rf"{api}/projects/{P}/repository/tree", TreeHandler),
        (rf"{api}/projects/{P}/issues", IssuesHandler),
        (rf"{api}/projects/{P}/issues/(\d+)", IssueHandler),
        (rf"{api}/.*", ApiNotFound),
        (r"/oauth/authorize", OAuthAuthorizeHandler),
        (r"/oauth/token", OAuthTokenHandler),
        (r"/users/sign_in", SignInHandler),
        (r"/(.+?)\.git/info/refs", GitHandler),
        (r"/(.+?)\.git/(git-upload-pack|git-receive-pack)", GitHandler),
        (r"/.*", NotFoundHandler),
    ]
    return tornado.web.Application(
        [(r, h, {"server": server}) for r, h in routes], log_function=server._log_request, compress_response=False
    )


class GitLabServer:
    """The server plus its state; runs its own asyncio/tornado loop in a thread."""

    def __init__(self, data_dir: str, host: str = "127.0.0.1"):
        if host != "127.0.0.1":
            raise ValueError("loopback only")
        self.host = host
        self.store = Store(data_dir)
        self.config = Config()
        self.faults = FaultInjector()
        self.limiter = LargeRequestLimiter()
        self.requests_log: list[tuple[str, str, int]] = []
        self.received_log: list[tuple[str, str]] = []
        self.generation = 0  # bumped by every reset
        self.port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _log_request(self, handler):
        pass  # requests are recorded in BaseHandler.finish; keep test output quiet

    async def _serve(self, port: int, ready: threading.Event):
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        sockets = bind_sockets(port, self.host)
        self.port = sockets[0].getsockname()[1]
        # Our own checks enforce config.max_body_size (413); tornado's must never fire first.
        http = HTTPServer(make_app(self), max_body_size=1 << 40, max_buffer_size=1 << 40, decompress_request=True)
        http.add_sockets(sockets)
        ready.set()
        await self._stop.wait()
        http.stop()
        await http.close_all_connections()

    def start(self, port: int = 0) -> GitLabServer:
        ready = threading.Event()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve(port, ready)), name="gitlab-test-server", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("test GitLab server did not start")
        return self

    def serve_forever(self, port: int) -> None:
        asyncio.run(self._serve(port, threading.Event()))

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread:
            self._thread.join(10)
