"""The project page's improvement requests: its section, the form's POST, the labs' count.

- `section`: what detail.html shows under `<section id="requests">` (open and closed
  requests from GitLab, bounded and cached briefly; the form, sent back filled).
- `POST requests/<project>`: a signed-in official's request (XSRF-checked form). The
  body is read by this handler itself (up to FORM_MAX, above the gallery's 1 MB
  limit) so that an oversized text gets a clear answer with the form filled, not a
  bare 400 from the HTTP server.
- `GET api/requests?project=group/name`: open and closed counts for the share dialog
  of the lab (`Authorization: token <the lab's hub API token>`, as api/refresh).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import tornado.web
from tornado.httputil import parse_body_arguments

from .. import messages
from . import issue_requests as ir
from .app import PROJECT_PATH, DetailHandler, api_answer

FORM_MAX = 16 * 1024 * 1024  # a pasted megabyte of Korean is ~9 MB form-encoded


async def section(handler, card, form: dict | None = None) -> dict:
    """Template values for the requests section of a project page."""
    gallery = handler.gallery
    gl = gallery.catalog.client_for(card.entry, handler.user_name)
    listed = await gallery.improvement_requests.listed(
        gallery.catalog.run, gl, card.entry.id, handler.cfg.request_timeout
    )
    sent = handler.get_query_argument("sent", "")
    notice = messages.REQUEST_SENT.format(iid=sent) if sent.isdigit() and form is None else None
    return {
        "requests": listed,
        "requests_down": messages.REQUEST_LIST_DOWN if listed is None else None,
        "request_form": form or {"title": "", "text": "", "errors": [], "findings": []},
        "request_notice": notice,
        "request_limits": {"title": ir.TITLE_MAX, "text": ir.TEXT_MAX},
    }


@tornado.web.stream_request_body
class RequestFormHandler(DetailHandler):
    """'개선 요청 보내기 / Send an improvement request' on a project page."""

    def prepare(self):
        self._chunks: list[bytes] = []
        if self.request.method == "POST" and self.current_user:
            # Signed-in officials only: others keep the server's 1 MB limit.
            self.request.connection.set_max_body_size(FORM_MAX)

    def data_received(self, chunk: bytes) -> None:
        self._chunks.append(chunk)

    def check_xsrf_cookie(self):
        # The form's _xsrf field is in the body, read after this point: checked in post().
        pass

    def _read_form(self) -> None:
        self.request.body = b"".join(self._chunks)
        args: dict = {}
        ctype = self.request.headers.get("Content-Type", "application/x-www-form-urlencoded")
        parse_body_arguments(ctype, self.request.body, args, {})
        for key, values in args.items():
            self.request.body_arguments.setdefault(key, []).extend(values)
            self.request.arguments.setdefault(key, []).extend(values)

    async def get(self, ref):
        # The form's address shown in the browser after a refusal: back to the page.
        self.redirect(self.url("p", ref.strip("/")) + "#requests")

    @tornado.web.authenticated
    async def post(self, ref):
        self._read_form()
        self.hub_auth.check_xsrf_cookie(self)  # 403 without the page's token
        card = await self.find(ref.strip("/"))
        if card is None:
            raise tornado.web.HTTPError(404)
        title = self.get_body_argument("title", "").replace("\r\n", "\n")
        text = self.get_body_argument("text", "").replace("\r\n", "\n")
        form = {"title": title, "text": text, "errors": [], "findings": []}

        async def refuse(status: int, *texts: messages.Text, findings=(), retry_after: int = 0) -> None:
            form["errors"], form["findings"] = list(texts), list(findings)
            self.set_status(status)
            if retry_after:
                self.set_header("Retry-After", str(retry_after))
            await self.show(card, form)

        errors = ir.validate(title, text)
        if errors:
            too_long = len(title) > ir.TITLE_MAX or len(text) > ir.TEXT_MAX
            return await refuse(413 if too_long else 400, *errors)
        reqs = self.gallery.improvement_requests
        if not reqs.sends.allow(self.user_name):
            wait = int(ir.SEND_LIMIT[1])
            return await refuse(429, messages.REQUEST_TOO_MANY.format(seconds=wait), retry_after=wait)
        catalog = self.gallery.catalog
        try:
            await ir.scan(catalog.run, title, text)
            gl, on_behalf = await self._client()
            description = ir.compose(text, self.user_name, self.cfg.agency, on_behalf)
            issue = await ir.send(catalog.run, gl, card.entry.id, title, description, self.cfg.request_timeout)
        except ir.RequestFailed as e:
            return await refuse(e.status, e.text, findings=e.findings, retry_after=e.retry_after)
        reqs.forget(card.entry.id)
        path = quote(card.entry.path_with_namespace, safe="/")
        self.redirect(self.url("p", path) + f"?sent={int(issue.get('iid') or 0)}#requests")

    async def _client(self):
        """(client, on behalf): the official's own GitLab token, or the catalog token."""
        cfg = self.cfg
        if cfg.user_tokens:
            token = await self.gitlab_token()
            if not token:
                raise ir.RequestFailed(401, messages.REQUEST_NO_TOKEN)
            return ir.client(cfg.gitlab_url, token, cfg.request_timeout, oauth=True), False
        if not cfg.token:
            raise ir.RequestFailed(503, messages.REQUEST_NOT_CONFIGURED)
        return ir.client(cfg.gitlab_url, cfg.token, cfg.request_timeout, oauth=False), True


class RequestCountHandler(DetailHandler):
    """`GET api/requests?project=group/name` -> {"project", "open", "closed", "url"}."""

    async def get(self):
        if not self.current_user or not getattr(self, "_token_authenticated", False):
            return api_answer(self, 403, messages.GALLERY_TOKEN_REQUIRED)
        path = self.get_query_argument("project", "")
        if not PROJECT_PATH.fullmatch(path):
            return api_answer(self, 400, messages.GALLERY_PROJECT_REQUIRED)
        reqs = self.gallery.improvement_requests
        if not reqs.counts.allow(self.user_name):
            self.set_header("Retry-After", str(int(ir.COUNT_LIMIT[1])))
            return api_answer(self, 429, messages.GALLERY_TOO_MANY)
        card = await self.find(path)
        if card is None:
            return api_answer(self, 404, messages.GALLERY_NOT_SHARED)
        gl = self.gallery.catalog.client_for(card.entry, self.user_name)
        listed = await reqs.listed(self.gallery.catalog.run, gl, card.entry.id, self.cfg.request_timeout)
        if listed is None:
            return api_answer(self, 503, messages.REQUEST_LIST_DOWN)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(
            json.dumps(
                {
                    "project": card.entry.path_with_namespace,
                    "open": listed.open,
                    "closed": listed.closed,
                    "url": self.url("p", quote(card.entry.path_with_namespace, safe="/")) + "#requests",
                },
                ensure_ascii=False,
            )
        )
