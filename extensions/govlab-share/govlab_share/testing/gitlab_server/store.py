"""In-memory GitLab state: users, tokens, namespaces/groups, projects, OAuth.

One RLock guards everything because the fixture mutates state from the test
thread while the server's IOLoop thread reads it.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import os
import re
import secrets
import threading
import time

from . import gitrepo

GUEST, REPORTER, DEVELOPER, MAINTAINER, OWNER = 10, 20, 30, 40, 50

# GitLab's Gitlab::PathRegex.project_path_format_message and the stricter
# OCI rule it also applies to project paths (GitLab >= 14.9).
PATH_FORMAT_MESSAGE = (
    "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-', end in '.git' or end in '.atom'"
)
PATH_OCI_MESSAGE = "must not start or end with a special character and must not contain consecutive special characters."
NAME_FORMAT_MESSAGE = (
    "can contain only letters, digits, emojis, '_', '.', '+', dashes, "
    "or spaces. It must start with a letter, digit, emoji, or '_'."
)
_PATH_RE = re.compile(r"^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*$")
_OCI_RE = re.compile(r"^[a-zA-Z0-9]+([._-][a-zA-Z0-9]+)*$")
_NAME_RE = re.compile(r"^[\w\u00A9-\U0001F9FF][\w\u00A9-\U0001F9FF+.\- ]*$")


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def path_errors(path: str) -> list[str]:
    errs = []
    if not _PATH_RE.match(path) or path.endswith((".git", ".atom")):
        errs.append(PATH_FORMAT_MESSAGE)
    if not _OCI_RE.match(path):
        errs.append(PATH_OCI_MESSAGE)
    return errs


def slugify(name: str) -> str:
    """Path GitLab derives from a name when no path is given (ASCII only)."""
    s = re.sub(r"[^a-z0-9_.-]+", "-", name.strip().lower())
    return re.sub(r"[._-]{2,}", "-", s).strip("-_.")


class Store:
    def __init__(self, data_dir: str):
        self.data_dir = os.path.abspath(data_dir)
        os.makedirs(self.data_dir, exist_ok=True)
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self._ids = itertools.count(1)
            self._ns_ids = itertools.count(1)
            self._proj_ids = itertools.count(1)
            self.users: dict[int, dict] = {}
            self.namespaces: dict[int, dict] = {}  # groups share their namespace id
            self.projects: dict[int, dict] = {}
            self._issue_ids = itertools.count(1)
            self.issues: dict[int, list[dict]] = {}  # project id -> its issues (issues.py)
            self.tokens: dict[str, dict] = {}
            self.oauth_apps: dict[str, dict] = {}
            self.oauth_codes: dict[str, dict] = {}
            self.refresh_tokens: dict[str, dict] = {}
            self.logged_in: int | None = None
            # Browser sign-in: passwords, sessions (cookie id -> user id and form
            # token), and which user authorized which application with which scopes.
            self.passwords: dict[int, str] = {}
            self.sessions: dict[str, dict] = {}
            self.authorizations: set[tuple[int, str, frozenset]] = set()
            # Every successful /oauth/token grant: {"grant_type", "username", "client_id"}.
            self.oauth_grants: list[dict] = []
            repos = os.path.join(self.data_dir, "repositories")
            if os.path.isdir(repos):
                gitrepo.remove(repos)

    # ---- users -----------------------------------------------------------------
    def add_user(self, username: str, name: str | None = None, email: str | None = None, admin: bool = False) -> dict:
        with self.lock:
            if self.user_by_username(username):
                raise ValueError(f"user {username!r} exists")
            uid = next(self._ids)
            ns_id = next(self._ns_ids)
            user = {
                "id": uid,
                "username": username,
                "name": name or username,
                "email": email or f"{username}@example.test",
                "state": "active",
                "locked": False,
                "avatar_url": None,
                "is_admin": admin,
                "created_at": now_iso(),
                "namespace_id": ns_id,
            }
            self.users[uid] = user
            self.namespaces[ns_id] = {
                "id": ns_id,
                "name": user["name"],
                "path": username,
                "kind": "user",
                "full_path": username,
                "parent_id": None,
                "owner_id": uid,
                "visibility": "public",
                "description": "",
                "members": {},
                "created_at": now_iso(),
            }
            return user

    def user_by_username(self, username: str) -> dict | None:
        with self.lock:
            for u in self.users.values():
                if u["username"].lower() == username.lower():
                    return u
            return None

    # ---- tokens ----------------------------------------------------------------
    def add_token(
        self,
        username: str,
        scopes=("api",),
        expired: bool = False,
        kind: str = "personal",
        expires_in: int | None = None,
        token: str | None = None,
    ) -> str:
        with self.lock:
            user = self.user_by_username(username)
            if not user:
                raise KeyError(username)
            token = token or (("glpat-" if kind == "personal" else "") + secrets.token_hex(16))
            expires_at = None
            if expired:
                expires_at = time.time() - 60
            elif expires_in is not None:
                expires_at = time.time() + expires_in
            self.tokens[token] = {
                "user_id": user["id"],
                "scopes": list(scopes),
                "kind": kind,
                "expires_at": expires_at,
                "revoked": False,
                "previous": None,
                "created_at": int(time.time()),
            }
            return token

    # ---- namespaces / groups -------------------------------------------------
    def namespace_by_ref(self, ref: str) -> dict | None:
        with self.lock:
            if ref.isdigit():
                return self.namespaces.get(int(ref))
            for ns in self.namespaces.values():
                if ns["full_path"].lower() == ref.lower():
                    return ns
            return None

    def add_group(
        self,
        path: str,
        members: dict | None = None,
        name: str | None = None,
        visibility: str = "private",
        description: str = "",
    ) -> dict:
        """path may be nested ("a/b"); the parent group must exist."""
        with self.lock:
            if self.namespace_by_ref(path):
                raise ValueError(f"namespace {path!r} exists")
            parent_path, _, leaf = path.rpartition("/")
            parent = self.namespace_by_ref(parent_path) if parent_path else None
            if parent_path and (not parent or parent["kind"] != "group"):
                raise KeyError(parent_path)
            gid = next(self._ns_ids)
            group = {
                "id": gid,
                "name": name or leaf,
                "path": leaf,
                "kind": "group",
                "full_path": path,
                "parent_id": parent["id"] if parent else None,
                "owner_id": None,
                "visibility": visibility,
                "description": description,
                "members": {},
                "created_at": now_iso(),
            }
            for username, level in (members or {}).items():
                user = self.user_by_username(username)
                if not user:
                    raise KeyError(username)
                group["members"][user["id"]] = int(level)
            self.namespaces[gid] = group
            return group

    def group_chain(self, ns: dict) -> list[dict]:
        chain = []
        while ns is not None:
            chain.append(ns)
            ns = self.namespaces.get(ns["parent_id"]) if ns["parent_id"] else None
        return chain

    def group_access(self, user: dict | None, group: dict) -> int:
        """Effective level in a group, inherited from ancestors."""
        if not user:
            return 0
        if user.get("is_admin"):
            return OWNER
        return max((g["members"].get(user["id"], 0) for g in self.group_chain(group)), default=0)

    def can_see_group(self, user: dict | None, group: dict) -> bool:
        if group["visibility"] == "public":
            return True
        if group["visibility"] == "internal" and user:
            return True
        if self.group_access(user, group) > 0:
            return True
        # Members of a project in the group can see it too.
        return any(
            self.project_access(user, p) > 0 for p in list(self.projects.values()) if p["namespace_id"] == group["id"]
        )

    # ---- projects -------------------------------------------------------------
    def repo_path(self, project: dict) -> str:
        # Hashed-ish layout by id so renames never move repos.
        return os.path.join(self.data_dir, "repositories", f"{project['id']}.git")

    def project_by_ref(self, ref: str) -> dict | None:
        with self.lock:
            if ref.isdigit():
                return self.projects.get(int(ref))
            for p in self.projects.values():
                if self.full_path(p).lower() == ref.lower():
                    return p
            return None

    def full_path(self, project: dict) -> str:
        return f"{self.namespaces[project['namespace_id']]['full_path']}/{project['path']}"

    def project_access(self, user: dict | None, project: dict) -> int:
        if not user:
            return 0
        if user.get("is_admin"):
            return OWNER
        level = project["members"].get(user["id"], 0)
        ns = self.namespaces[project["namespace_id"]]
        if ns["kind"] == "user":
            if ns["owner_id"] == user["id"]:
                level = max(level, OWNER)
        else:
            level = max(level, self.group_access(user, ns))
        return level

    def can_see_project(self, user: dict | None, project: dict) -> bool:
        vis = project["visibility"]
        if vis == "public":
            return True
        if vis == "internal" and user:
            return True
        return self.project_access(user, project) >= GUEST

    def can_read_code(self, user: dict | None, project: dict) -> bool:
        if project["visibility"] in ("public", "internal"):
            return self.can_see_project(user, project)
        return self.project_access(user, project) >= REPORTER

    def can_create_in(self, user: dict, ns: dict) -> bool:
        if ns["kind"] == "user":
            return ns["owner_id"] == user["id"] or bool(user.get("is_admin"))
        return self.group_access(user, ns) >= DEVELOPER

    def create_project(
        self,
        user: dict,
        ns: dict,
        name: str,
        path: str,
        visibility: str,
        description: str = "",
        topics=(),
        initialize_with_readme=False,
    ) -> dict:
        with self.lock:
            pid = next(self._proj_ids)
            project = {
                "id": pid,
                "name": name,
                "path": path,
                "namespace_id": ns["id"],
                "visibility": visibility,
                "description": description or "",
                "topics": list(topics or []),
                "creator_id": user["id"],
                "created_at": now_iso(),
                "last_activity_at": now_iso(),
                "members": {},
            }
            self.projects[pid] = project
            repo = self.repo_path(project)
            gitrepo.init_bare(repo, "main")
            if initialize_with_readme:
                gitrepo.create_commit(
                    repo,
                    branch="main",
                    start_sha=None,
                    actions=[gitrepo.Action("create", "README.md", f"# {name}\n\n{description or ''}\n".encode())],
                    message="Initial commit",
                    author=(user["name"], user["email"]),
                    committer=(user["name"], user["email"]),
                    expected_old=gitrepo.ZERO_OID,
                )
            return project

    def name_or_path_taken(self, ns: dict, name: str, path: str) -> dict:
        errs = {}
        for p in self.projects.values():
            if p["namespace_id"] != ns["id"]:
                continue
            if p["name"].lower() == name.lower():
                errs["name"] = ["has already been taken"]
            if p["path"].lower() == path.lower():
                errs["path"] = ["has already been taken"]
        return errs

    # ---- OAuth ----------------------------------------------------------------
    def add_oauth_app(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scopes=("api", "read_user", "openid", "profile", "email"),
        name: str = "govlab",
    ) -> dict:
        with self.lock:
            app = {
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": redirect_uri.split(),
                "scopes": list(scopes),
                "name": name,
            }
            self.oauth_apps[client_id] = app
            return app

    def expire_oauth_tokens(self, username: str) -> int:
        """Let the user's live OAuth access tokens expire now (as after 2 hours)."""
        with self.lock:
            user = self.user_by_username(username)
            n = 0
            for tok in self.tokens.values():
                if tok["user_id"] == user["id"] and tok["kind"] == "oauth" and not tok["revoked"]:
                    tok["expires_at"] = time.time() - 1
                    n += 1
            return n

    def revoke_refresh_tokens(self, username: str) -> int:
        """The user revoked the application in GitLab: its refresh tokens stop working."""
        with self.lock:
            user = self.user_by_username(username)
            gone = [k for k, v in self.refresh_tokens.items() if v["user_id"] == user["id"]]
            for k in gone:
                del self.refresh_tokens[k]
            self.authorizations = {a for a in self.authorizations if a[0] != user["id"]}
            return len(gone)
