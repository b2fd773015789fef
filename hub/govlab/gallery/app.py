"""The gallery's web pages: a JupyterHub service with hub sign-in, Korean first.

Every handler requires hub sign-in (HubOAuthenticated); the featured toggle is a POST
with XSRF protection and needs the curator scope; the one-project refresh (a lab
announcing a share) takes a hub API token only. Nothing here waits on GitLab longer
than `first_wait` (a never-loaded catalog) or `request_timeout` per GitLab request.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import tornado.web
from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join

from govlab_share.gitpull_rules import pull_link

from .. import messages
from . import hubtoken, issue_requests, listing
from .cache import Catalog, Refresher, Refused
from .catalog import Details, Entry, GitLabUnavailable
from .config import GalleryConfig
from .ratelimit import RateLimit
from .render import markdown_html
from .store import Store

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# Largest request body the gallery reads: its forms and the refresh call are tiny, and
# tornado would otherwise buffer up to 100 MB per request before any handler runs.
MAX_BODY = 1024 * 1024
# `group/sub/project`: GitLab path segments (no `..`), bounded; the refresh names a project so.
PROJECT_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}(?:/[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}){1,20}")
REFRESH_LIMIT = (20, 60.0)  # one-project refreshes per official per window (seconds)


class Gallery:
    """The service's state: configuration, the GitLab cache, featured marks and counts."""

    def __init__(self, cfg: GalleryConfig):
        self.cfg = cfg
        self.catalog = Catalog(cfg)
        self.store = Store(cfg.db_path)
        self._refreshes = RateLimit(*REFRESH_LIMIT)
        self.improvement_requests = issue_requests.Requests()  # rate limits and short-lived lists

    def allow_refresh(self, user: str) -> bool:
        """At most REFRESH_LIMIT one-project refreshes per official (GitLab is shared)."""
        return self._refreshes.allow(user)

    def close(self) -> None:
        self.catalog.close()
        self.store.close()


def notice(lists: list[Refresher]) -> dict | None:
    """What the page says about the freshness of what it shows."""
    failed = [r for r in lists if r.stale]
    if failed:
        shown = [r.loaded_at for r in failed if r.loaded_at]
        if shown:
            when = datetime.fromtimestamp(min(shown)).astimezone().strftime("%Y-%m-%d %H:%M")
            return {"kind": "stale", **messages.GALLERY_STALE.format(when=when)._asdict()}
        return {"kind": "down", **messages.GALLERY_DOWN._asdict()}
    if any(r.loaded_at is None for r in lists):
        return {"kind": "loading", **messages.GALLERY_LOADING._asdict()}
    return None


def content_security_policy(gitlab_url: str) -> str:
    """No script at all, styles from our own file, images from here or the GitLab
    (README images); framed by nobody, as the hub's pages."""
    gitlab = urlsplit(gitlab_url)
    images = f" {gitlab.scheme}://{gitlab.netloc}" if gitlab.scheme in ("http", "https") and gitlab.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'none'",
            "style-src 'self'",
            f"img-src 'self' data:{images}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecureHeaders:
    """The CSP and no content sniffing on every gallery answer, errors and files included."""

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Content-Security-Policy", self.settings["csp"])
        self.set_header("X-Content-Type-Options", "nosniff")


class StaticHandler(SecureHeaders, tornado.web.StaticFileHandler):
    pass


class BaseHandler(SecureHeaders, HubOAuthenticated, tornado.web.RequestHandler):
    @property
    def gallery(self) -> Gallery:
        return self.settings["gallery"]

    @property
    def hub_auth(self):
        return self.settings["hub_auth"]

    @property
    def cfg(self) -> GalleryConfig:
        return self.gallery.cfg

    @property
    def user_name(self) -> str:
        return self.current_user["name"]

    @property
    def is_curator(self) -> bool:
        return self.cfg.curate_scope in (self.current_user.get("scopes") or [])

    def url(self, *parts: str) -> str:
        return url_path_join(self.cfg.prefix, *parts)

    async def gitlab_token(self) -> str | None:
        if not self.cfg.user_tokens:
            return None
        hub_token = self.hub_auth.get_token(self)
        if not hub_token:
            return None
        return await hubtoken.gitlab_token(self.cfg.hub_api_url, self.user_name, hub_token, self.cfg.request_timeout)

    async def refresh_one(self, path: str) -> Entry | None:
        """Re-read one project for this official, bounded; None when not theirs to see."""
        return await self.gallery.catalog.refresh_project(path, self.user_name, await self.gitlab_token())

    async def visible_cards(self) -> tuple[list[listing.Card], list[Refresher]]:
        entries, lists = await self.gallery.catalog.view(self.user_name, await self.gitlab_token())
        store = self.gallery.store
        return listing.cards(entries, self.gallery.catalog.details, store.featured(), store.opens()), lists

    async def find(self, ref: str) -> listing.Card | None:
        """A card the official may see, by project id or path; re-reads GitLab once if unknown."""
        for attempt in (1, 2):
            cards, lists = await self.visible_cards()
            for c in cards:
                if str(c.entry.id) == ref or c.entry.path_with_namespace.lower() == ref.lower():
                    return c
            if attempt == 1 and PROJECT_PATH.fullmatch(ref) and self.gallery.allow_refresh(self.user_name):
                # Just shared, linked by path (the share dialog's link): read that one project.
                try:
                    await asyncio.wait_for(self.refresh_one(ref), self.cfg.first_wait * 2)
                except (TimeoutError, Refused, GitLabUnavailable):
                    return None
            elif attempt == 1:
                # Just shared? Ask GitLab again (bounded), then give up.
                for r in lists:
                    r.kick(force=True)
                running = [r.task for r in lists if r.running]
                if running:  # asyncio.wait leaves them running on timeout
                    await asyncio.wait(running, timeout=self.cfg.first_wait)
        return None

    def render_page(self, template: str, **kw) -> None:
        self.render(
            template,
            url=self.url,
            user=self.user_name,
            curator=self.is_curator,
            hub_home=url_path_join(self.settings["hub_prefix"], "home"),
            **kw,
        )

    def write_error(self, status_code: int, **kwargs) -> None:
        ko, en = messages.GALLERY_ERRORS.get(status_code, messages.GALLERY_ERROR)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            self.render_string(
                "error.html", status=status_code, ko=ko, en=en, url=lambda *p: url_path_join(self.cfg.prefix, *p)
            )
        )


class ListHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self):
        q = self.get_argument("q", "").strip()[:200]
        agency = self.get_argument("agency", "")
        topic = self.get_argument("topic", "")
        period = self.get_argument("period", "")
        try:
            page = int(self.get_argument("page", "1"))
        except ValueError:
            page = 1
        all_cards, lists = await self.visible_cards()
        found = listing.select(all_cards, q=q, agency=agency, topic=topic, period=period)
        shown, pages = listing.page_of(found, page, self.cfg.page_size)
        agencies, topics = listing.facets(all_cards)
        base = {"q": q, "agency": agency, "topic": topic, "period": period}

        def page_url(n: int) -> str:
            return self.url("") + "?" + urlencode({**{k: v for k, v in base.items() if v}, "page": n})

        self.render_page(
            "list.html",
            cards=shown,
            total=len(found),
            page=min(max(1, page), pages),
            pages=pages,
            page_url=page_url,
            agencies=agencies,
            topics=topics,
            notice=notice(lists),
            **base,
        )


class EntriesHandler(BaseHandler):
    """The same list as JSON (scripts and tests); no tokens, only what the page shows."""

    @tornado.web.authenticated
    async def get(self):
        all_cards, lists = await self.visible_cards()
        found = listing.select(
            all_cards,
            q=self.get_argument("q", ""),
            agency=self.get_argument("agency", ""),
            topic=self.get_argument("topic", ""),
            period=self.get_argument("period", ""),
        )
        n = notice(lists)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(
            json.dumps(
                {
                    "entries": [c.to_json() for c in found],
                    "stale": bool(n and n["kind"] in ("stale", "down")),
                    "notice": n,
                },
                ensure_ascii=False,
            )
        )


def api_answer(handler: tornado.web.RequestHandler, status: int, text: messages.Text, **extra) -> None:
    handler.set_status(status)
    handler.set_header("Content-Type", "application/json; charset=utf-8")
    handler.finish(json.dumps({"message": str(text), "ko": text.ko, "en": text.en, **extra}, ensure_ascii=False))


class RefreshHandler(BaseHandler):
    """`POST api/refresh {"project": "group/project"}`: the lab announces a share just made.

    Token only (`Authorization: token <the lab's hub API token>`, which carries
    `access:services!service=gallery`): no cookie, so no XSRF to check. The project is
    read from GitLab with the official's own GitLab token (GitLab sign-in) or the
    catalog token, and listed only when it carries the topic, lies in the namespaces,
    and the official may see it.
    """

    def check_xsrf_cookie(self):
        # Only token requests get past post(); a browser cannot send that header cross-site
        # without a CORS preflight the gallery never grants.
        if not self.request.headers.get("Authorization"):
            super().check_xsrf_cookie()

    async def post(self):
        if not self.current_user or not getattr(self, "_token_authenticated", False):
            return api_answer(self, 403, messages.GALLERY_TOKEN_REQUIRED)
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            body = None
        path = body.get("project") if isinstance(body, dict) else None
        if not isinstance(path, str) or not PROJECT_PATH.fullmatch(path):
            return api_answer(self, 400, messages.GALLERY_PROJECT_REQUIRED)
        if not self.gallery.allow_refresh(self.user_name):
            self.set_header("Retry-After", str(int(REFRESH_LIMIT[1])))
            return api_answer(self, 429, messages.GALLERY_TOO_MANY)
        try:
            entry = await self.refresh_one(path)
        except Refused:
            return api_answer(self, 403, messages.GALLERY_NOT_LISTED_GROUP)
        except (TimeoutError, GitLabUnavailable):
            return api_answer(self, 502, messages.GALLERY_GITLAB_DOWN)
        if entry is None:
            return api_answer(self, 404, messages.GALLERY_NOT_SHARED)
        api_answer(
            self,
            200,
            messages.GALLERY_LISTED,
            id=entry.id,
            project=entry.path_with_namespace,
            visibility=entry.visibility,
            url=self.url("p", entry.path_with_namespace),
        )


class DetailHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, ref):
        card = await self.find(ref)
        if card is None:
            raise tornado.web.HTTPError(404)
        await self.show(card)

    async def show(self, card: listing.Card, form: dict | None = None) -> None:
        """The project page; `form`: the request form sent back filled (issue_request_handlers)."""
        from .issue_request_handlers import section  # it builds on this module

        catalog = self.gallery.catalog
        e, d = card.entry, card.details
        files = await catalog.file_list(e, self.user_name)
        transcripts = []
        for chat in d.chats[:10]:
            path = chat.get("transcript")
            if isinstance(path, str) and path.endswith(".md"):
                data = await catalog.blob(e, self.user_name, path)
                if data is not None:
                    transcripts.append(
                        {
                            "path": path,
                            "html": markdown_html(data.decode("utf-8", "replace"), e.web_url, e.default_branch),
                        }
                    )
        self.render_page(
            "detail.html",
            card=card,
            files=files,
            transcripts=transcripts,
            readme_html=markdown_html(d.readme, e.web_url, e.default_branch) if d.readme else "",
            **(await section(self, card, form)),
        )


def pull_url(hub_base: str, entry: Entry, details: Details) -> str:
    """The hub's git-pull link: clone/merge into the official's lab, open the notebook.

    The pull never overwrites the official's own changes (it merges, keeping local edits).
    """
    folder = entry.path_with_namespace.rsplit("/", 1)[-1]
    return pull_link(hub_base, entry.http_url_to_repo, entry.default_branch, folder, details.notebook)


class OpenHandler(BaseHandler):
    """'내 실험실에서 열기': count the open, then nbgitpuller on the hub."""

    @tornado.web.authenticated
    async def get(self, ref):
        card = await self.find(ref.strip("/"))
        if card is None:
            raise tornado.web.HTTPError(404)
        from .events import record_open  # events.py builds on this module

        record_open(self.gallery, self.user_name, card.entry)
        self.redirect(pull_url(self.settings["hub_base"], card.entry, card.details))


class ThumbHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, ref):
        card = await self.find(ref)
        if card is None or not card.details.thumbnail:
            raise tornado.web.HTTPError(404)
        data = await self.gallery.catalog.blob(card.entry, self.user_name, card.details.thumbnail)
        if not data or not data.startswith(b"\x89PNG"):
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "image/png")
        self.set_header("Cache-Control", "private, max-age=300")
        self.finish(data)


class FeaturedHandler(BaseHandler):
    """Curators mark or unmark an entry as featured (우수사례)."""

    @tornado.web.authenticated
    async def post(self, ref):
        if not self.is_curator:
            self.set_status(403)
            return self.finish(
                self.render_string("error.html", status=403, url=self.url, **messages.GALLERY_CURATORS_ONLY._asdict())
            )
        card = await self.find(ref)
        if card is None:
            raise tornado.web.HTTPError(404)
        on = self.get_body_argument("featured", "1") == "1"
        self.gallery.store.set_featured(card.entry.id, on, self.user_name)
        self.redirect(self.url("p", str(card.entry.id)))


class CallbackHandler(SecureHeaders, HubOAuthCallbackHandler):
    pass


class NotFoundHandler(BaseHandler):
    """Unknown paths: the gallery's own 404 page, with its headers."""

    def prepare(self):
        raise tornado.web.HTTPError(404)


def reuse_routes(gallery: Gallery) -> list[tuple]:
    """Reuse events and the curators' report (events.py, report.py build on this module)."""
    from .events import EVENT_LIMIT, EventsHandler
    from .report import ReportHandler
    from .requests_count import RequestCounts

    prefix, counts = gallery.cfg.prefix, RequestCounts(gallery.catalog, gallery.cfg.refresh_every)
    return [
        (url_path_join(prefix, "api/events"), EventsHandler, {"limit": RateLimit(*EVENT_LIMIT)}),
        (url_path_join(prefix, "report"), ReportHandler, {"counts": counts}),
        (url_path_join(prefix, r"report\.csv"), ReportHandler, {"counts": counts, "csv": True}),
    ]


def request_routes(gallery: Gallery) -> list[tuple]:
    """Improvement requests: the page's form and the labs' count (issue_request_handlers.py)."""
    from .issue_request_handlers import RequestCountHandler, RequestFormHandler

    prefix = gallery.cfg.prefix
    return [
        (url_path_join(prefix, r"requests/(.+)"), RequestFormHandler),
        (url_path_join(prefix, "api/requests"), RequestCountHandler),
    ]


def make_app(gallery: Gallery, hub_auth: HubOAuth | None = None) -> tornado.web.Application:
    cfg = gallery.cfg
    # The singleton: HubOAuthCallbackHandler finds the OAuth state (and PKCE verifier)
    # the login redirect stored in it.
    hub_auth = hub_auth or HubOAuth.instance(cache_max_age=60)
    prefix = cfg.prefix
    routes = [
        (prefix, ListHandler),
        (url_path_join(prefix, "api/entries"), EntriesHandler),
        (url_path_join(prefix, "api/refresh"), RefreshHandler),
        # By id (the cards) or by path (the share dialog links a project just shared).
        (url_path_join(prefix, r"p/(.+)"), DetailHandler),
        (url_path_join(prefix, r"open/(.+)"), OpenHandler),
        (url_path_join(prefix, r"thumb/(\d+)"), ThumbHandler),
        (url_path_join(prefix, r"featured/(\d+)"), FeaturedHandler),
        *reuse_routes(gallery),
        *request_routes(gallery),
        (url_path_join(prefix, "oauth_callback"), CallbackHandler),
    ]
    hub_base = os.environ.get("JUPYTERHUB_BASE_URL", "/")
    return tornado.web.Application(
        routes,
        gallery=gallery,
        hub_auth=hub_auth,
        hub_base=hub_base,
        hub_prefix=url_path_join(hub_base, "hub/"),
        login_url=hub_auth.login_url,
        cookie_secret=secrets.token_bytes(32),
        xsrf_cookies=True,
        template_path=str(TEMPLATES),
        static_path=str(STATIC),
        static_url_prefix=url_path_join(prefix, "static/"),
        static_handler_class=StaticHandler,
        default_handler_class=NotFoundHandler,
        csp=content_security_policy(cfg.gitlab_url),
    )
