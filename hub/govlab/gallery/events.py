"""Reuse events: `POST api/events` from the labs (re-runs, shares) and the opens the
gallery's own open link records.

The lab calls with its hub API token, exactly like `api/refresh` (no cookie, so no
XSRF to check; a browser cannot send the header cross-site without a CORS preflight
the gallery never grants). The official is the token's user; their agency is the one
their own shares' manifests name, else the deployment's (sharing.agency).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import tornado.web

from .. import messages
from .app import PROJECT_PATH, BaseHandler, api_answer
from .figures import agency_lookup
from .ratelimit import RateLimit

KINDS = ("rerun", "share")
QUALITY = ("passed", "failed", "skipped", "unchecked")
EVENT_LIMIT = (60, 60.0)  # events per official per window (seconds): a lab sends a few per hour


def agency_of(gallery) -> Callable[[str], str]:
    details = list(gallery.catalog.details.values())
    return agency_lookup(((d.owner, d.agency) for d in details), gallery.cfg.agency)


def project_id(gallery, path: str) -> int | None:
    """The GitLab id of a project the gallery has read (ids survive renames), else None."""
    low = path.lower()
    lists = [gallery.catalog.shared, *gallery.catalog.private.values()]
    for r in lists:
        for e in r.entries:
            if e.path_with_namespace.lower() == low:
                return e.id
    return None


def record_open(gallery, user: str, entry) -> None:
    """The open link was followed: the old counter and an event with who and when."""
    gallery.store.record_open(entry.id)
    gallery.store.add_event(
        "open", entry.path_with_namespace, user, project_id=entry.id, agency=agency_of(gallery)(user)
    )


def parse(body: bytes) -> dict | None:
    """The event's fields, or None when the body is not a valid event."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        return None
    path = data.get("project")
    if not isinstance(path, str) or not PROJECT_PATH.fullmatch(path):
        return None
    out = {"kind": data["kind"], "project": path, "origin": None, "quality": None}
    if data["kind"] == "share":
        origin = data.get("origin")
        if origin is not None and not (isinstance(origin, str) and PROJECT_PATH.fullmatch(origin)):
            return None
        quality = data.get("quality", "unchecked")
        if quality not in QUALITY:
            return None
        out.update(origin=origin, quality=quality)
    return out


class EventsHandler(BaseHandler):
    """`POST api/events {"kind": "rerun"|"share", "project": ..., ...}` -> 204."""

    def initialize(self, limit: RateLimit):
        self.limit = limit

    def check_xsrf_cookie(self):
        # Token requests only, as api/refresh: a cookie alone never gets past post(), so
        # there is no form to protect; without the header, say what is missing.
        if not self.request.headers.get("Authorization"):
            raise tornado.web.HTTPError(401)

    def write_error(self, status_code: int, **kwargs) -> None:
        if status_code == 401:
            self.set_header("WWW-Authenticate", "token")
            return api_answer(self, 401, messages.GALLERY_TOKEN_REQUIRED)
        super().write_error(status_code, **kwargs)

    async def post(self):
        if not self.current_user or not getattr(self, "_token_authenticated", False):
            return api_answer(self, 403, messages.GALLERY_TOKEN_REQUIRED)
        event = parse(self.request.body)
        if event is None:
            return api_answer(self, 400, messages.GALLERY_EVENT_INVALID)
        if not self.limit.allow(self.user_name):
            self.set_header("Retry-After", str(int(self.limit.window)))
            return api_answer(self, 429, messages.GALLERY_TOO_MANY)
        gallery = self.gallery
        gallery.store.add_event(
            event["kind"],
            event["project"],
            self.user_name,
            project_id=project_id(gallery, event["project"]),
            agency=agency_of(gallery)(self.user_name),
            origin=event["origin"],
            quality=event["quality"],
        )
        self.set_status(204)
        self.finish()
