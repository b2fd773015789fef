"""Project issues, as GitLab's REST v4 documents them (doc/api/issues.md).

- `POST /projects/:id/issues`: `title` required (400 `{"error": "title is missing"}`),
  `description`, `labels` (comma-separated string or array; unknown labels are created).
  201 with the issue. Needs the `api` scope.
- `GET /projects/:id/issues`: `state` (`opened`|`closed`|`all`, default all),
  `labels` (comma-separated: issues carrying every one), `author_username`,
  `author_id`, `search` (title and description), `order_by` (`created_at`|
  `updated_at`), `sort` (`desc` default); paginated with the X-* headers and Link.
- `GET /projects/:id/issues/:iid`, `PUT /projects/:id/issues/:iid` with
  `state_event=close|reopen` (and `title`, `description`, `labels`).

Who may do what: an unknown project, or one the token's user cannot see, is 404
"404 Project Not Found"; no token is 401 for writes (reads of public projects are
anonymous); a project whose issues are members-only (`issues_access_level`
"private", seeded with the facade) or off ("disabled") is 403 "403 Forbidden" for a
non-member; closing or editing someone else's issue needs Reporter.
"""

from __future__ import annotations

from .store import GUEST, REPORTER, now_iso

STATES = ("opened", "closed", "all")
ISSUE_ORDER = ("created_at", "updated_at")


def _labels(value) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        label = str(item).strip()
        if label and label not in out:
            out.append(label)
    return out


def make_handlers(base):
    """The handler classes, built on the server's BaseHandler (avoids an import cycle)."""
    from .app import WRITE_SCOPES, ApiError, msg

    class _IssueBase(base):
        def _project_for_issues(self, ref: str, user, write: bool) -> dict:
            p = self.find_project(ref, user)  # 404 when unknown or not visible
            level = p.get("issues_access_level", "enabled")
            access = self.store.project_access(user, p)
            if level == "disabled" or (level == "private" and access < GUEST):
                raise msg(403, "403 Forbidden")
            if write and user is None:
                raise msg(401, "401 Unauthorized")
            return p

        def issue_json(self, p: dict, issue: dict) -> dict:
            author = self.store.users[issue["author_id"]]
            closer = self.store.users.get(issue["closed_by_id"]) if issue["closed_by_id"] else None
            web = f"{self.base_url}/{self.store.full_path(p)}/-/issues/{issue['iid']}"
            return {
                "id": issue["id"],
                "iid": issue["iid"],
                "project_id": p["id"],
                "title": issue["title"],
                "description": issue["description"],
                "state": issue["state"],
                "created_at": issue["created_at"],
                "updated_at": issue["updated_at"],
                "closed_at": issue["closed_at"],
                "closed_by": self.user_json(closer) if closer else None,
                "labels": list(issue["labels"]),
                "milestone": None,
                "assignees": [],
                "assignee": None,
                "author": self.user_json(author),
                "type": "ISSUE",
                "issue_type": "issue",
                "user_notes_count": 0,
                "upvotes": 0,
                "downvotes": 0,
                "confidential": False,
                "discussion_locked": None,
                "web_url": web,
                "references": {"short": f"#{issue['iid']}", "full": f"{self.store.full_path(p)}#{issue['iid']}"},
                "_links": {
                    "self": f"{self.base_url}/api/v4/projects/{p['id']}/issues/{issue['iid']}",
                    "project": f"{self.base_url}/api/v4/projects/{p['id']}",
                },
            }

    class IssuesHandler(_IssueBase):
        def get(self, ref):
            user = self.auth_user()
            p = self._project_for_issues(ref, user, write=False)
            q = self.params()
            state = q.get("state") or "all"
            if state not in STATES:
                raise ApiError(400, {"error": "state does not have a valid value"})
            order = q.get("order_by") or "created_at"
            if order not in ISSUE_ORDER:
                raise ApiError(400, {"error": "order_by does not have a valid value"})
            want = _labels(q.get("labels"))
            with self.store.lock:
                items = list(self.store.issues.get(p["id"], []))
            if state != "all":
                items = [i for i in items if i["state"] == state]
            if want:
                items = [i for i in items if {w.lower() for w in want} <= {x.lower() for x in i["labels"]}]
            if q.get("author_username"):
                author = self.store.user_by_username(q["author_username"])
                items = [i for i in items if author and i["author_id"] == author["id"]]
            if q.get("author_id"):
                items = [i for i in items if str(i["author_id"]) == str(q["author_id"])]
            if q.get("search"):
                s = q["search"].lower()
                items = [i for i in items if s in i["title"].lower() or s in i["description"].lower()]
            items.sort(key=lambda i: (i[order], i["id"]), reverse=q.get("sort", "desc") != "asc")
            self.send_json([self.issue_json(p, i) for i in self.paginate(items)])

        def post(self, ref):
            user = self.auth_user(WRITE_SCOPES, required=True)
            p = self._project_for_issues(ref, user, write=True)
            q = self.params()
            title = q.get("title")
            if not isinstance(title, str) or not title.strip():
                raise ApiError(400, {"error": "title is missing"})
            if len(title) > 255:
                raise ApiError(400, {"message": {"title": ["is too long (maximum is 255 characters)"]}})
            description = q.get("description") or ""
            if not isinstance(description, str) or len(description) > 1_048_576:
                raise ApiError(400, {"message": {"description": ["is too long (maximum is 1048576 characters)"]}})
            with self.store.lock:
                issues = self.store.issues.setdefault(p["id"], [])
                now = now_iso()
                issue = {
                    "id": next(self.store._issue_ids),
                    "iid": len(issues) + 1,
                    "title": title,
                    "description": description,
                    "state": "opened",
                    "labels": _labels(q.get("labels")),
                    "author_id": user["id"],
                    "created_at": now,
                    "updated_at": now,
                    "closed_at": None,
                    "closed_by_id": None,
                }
                issues.append(issue)
                p["last_activity_at"] = now
            self.send_json(self.issue_json(p, issue), 201)

    class IssueHandler(_IssueBase):
        def _issue(self, p: dict, iid: str) -> dict:
            with self.store.lock:
                for issue in self.store.issues.get(p["id"], []):
                    if str(issue["iid"]) == iid:
                        return issue
            raise msg(404, "404 Not found")

        def get(self, ref, iid):
            user = self.auth_user()
            p = self._project_for_issues(ref, user, write=False)
            self.send_json(self.issue_json(p, self._issue(p, iid)))

        def put(self, ref, iid):
            user = self.auth_user(WRITE_SCOPES, required=True)
            p = self._project_for_issues(ref, user, write=True)
            issue = self._issue(p, iid)
            if issue["author_id"] != user["id"] and self.store.project_access(user, p) < REPORTER:
                raise msg(403, "403 Forbidden")
            q = self.params()
            event = q.get("state_event")
            if event not in (None, "close", "reopen"):
                raise ApiError(400, {"error": "state_event does not have a valid value"})
            with self.store.lock:
                now = now_iso()
                if event == "close" and issue["state"] == "opened":
                    issue.update(state="closed", closed_at=now, closed_by_id=user["id"])
                elif event == "reopen" and issue["state"] == "closed":
                    issue.update(state="opened", closed_at=None, closed_by_id=None)
                if isinstance(q.get("title"), str) and q["title"].strip():
                    issue["title"] = q["title"]
                if isinstance(q.get("description"), str):
                    issue["description"] = q["description"]
                if "labels" in q:
                    issue["labels"] = _labels(q.get("labels"))
                issue["updated_at"] = now
            self.send_json(self.issue_json(p, issue))

    return IssuesHandler, IssueHandler
