"""`GET /govlab-share/requests?path=<notebook>`: open and closed improvement requests
(개선 요청, GitLab issues labelled LABEL) of the project a notebook was shared to.

The project comes from the share history. The counts come from the hub's gallery
(`GET <gallery>/api/requests?project=...` with this lab's hub API token, the address
next to the refresh call of gallery_notify), or, when there is no gallery or it does
not list the project (a private one), from GitLab with the official's own token where
the lab can get one. Everything is bounded by `request_timeout`; no answer in time is
503 with a Korean + English message (contract C2 of docs/share-api.md).
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import gitlab
import requests as http
import tornado.web
from gitlab.exceptions import GitlabError
from jupyter_server.base.handlers import APIHandler
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from . import gallery_notify, paths
from .errors import ShareError
from .tokens import get_token

LABEL = gallery_notify.REQUEST_LABEL
SETTINGS_KEY = "govlab_share"
UNAVAILABLE = {
    "ko": "개선 요청 수를 지금 가져오지 못했습니다. 잠시 후 다시 열어 보세요.",
    "en": "Could not get the improvement requests right now; open this again in a moment.",
}


class Unavailable(Exception):
    """Neither the gallery nor GitLab gave counts in time."""


def requests_url(gallery_notify_url: str) -> str:
    """The gallery's count API, beside its refresh API (both under the service prefix)."""
    if not gallery_notify_url.endswith("/api/refresh"):
        return ""
    return gallery_notify_url[: -len("refresh")] + "requests"


def gitlab_counts(url: str, token: str, kind: str, project: str, timeout: float) -> dict | None:
    """(blocking) {"open", "closed"} read from GitLab; None when GitLab does not show it."""
    auth = {"oauth_token": token} if kind == "oauth" else {"private_token": token}
    gl = gitlab.Gitlab(url, timeout=timeout, retry_transient_errors=False, **auth)
    try:
        opened, closed = gallery_notify.count_requests(gl, project)
    except GitlabError as e:
        if e.response_code in (403, 404):
            return None
        raise Unavailable(f"GitLab answered {e.response_code}") from None
    except http.RequestException as e:
        raise Unavailable(type(e).__name__) from None
    return {"open": opened, "closed": closed}


class RequestCountHandler(APIHandler):
    @property
    def share(self) -> dict:
        return self.settings[SETTINGS_KEY]

    def answer(self, status: int, body: dict) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, ensure_ascii=False))

    @tornado.web.authenticated
    async def get(self):
        cfg = self.share["config"]
        try:
            rel, _ = paths.resolve(self.share["root_dir"], self.get_query_argument("path", ""), suffix=".ipynb")
        except ShareError as e:
            return self.answer(e.status, {"message": {"ko": e.message, "en": e.message_en}, **e.to_dict()})
        record = self.share["history"].get(rel, cfg.gitlab_url or None)
        project = (record or {}).get("path_with_namespace")
        countable = requests_url(cfg.gallery_notify_url) or (cfg.token_source != "service" and cfg.gitlab_url)
        if not isinstance(project, str) or not project or not countable:
            # Never shared, or nothing to count with (no gallery, no GitLab token): nothing shown.
            return self.answer(200, {"project": None})
        try:
            counts = await asyncio.wait_for(self.counts(cfg, project), cfg.request_timeout)
        except (TimeoutError, Unavailable) as e:
            self.log.info("govlab_share: improvement requests of %s not read: %s", project, e or "timeout")
            return self.answer(503, {"message": dict(UNAVAILABLE)})
        if cfg.gallery_url:
            url = gallery_notify.entry_url(cfg.gallery_url, project) + "#requests"
        else:  # no gallery: GitLab's own list of the labelled issues
            url = f"{(record.get('web_url') or '').rstrip('/')}/-/issues?" + urlencode({"label_name[]": LABEL})
        self.answer(200, {"project": project, "open": counts["open"], "closed": counts["closed"], "url": url})

    async def counts(self, cfg, project: str) -> dict:
        environ = self.share["environ"]
        got = await self.from_gallery(cfg, project, environ)
        if got is not None:
            return got
        if cfg.token_source == "service" or not cfg.gitlab_url:
            raise Unavailable("the gallery does not list the project and this lab holds no GitLab token")
        try:
            token = await get_token(cfg, environ)
        except ShareError as e:
            raise Unavailable(e.code) from None
        loop = asyncio.get_running_loop()
        counts = await loop.run_in_executor(
            None, gitlab_counts, cfg.gitlab_url, token.value, token.kind, project, cfg.request_timeout
        )
        if counts is None:
            raise Unavailable("GitLab does not show the project's issues to this official")
        return counts

    async def from_gallery(self, cfg, project: str, environ) -> dict | None:
        """Counts from the gallery; None when there is none or it does not list the project."""
        url = requests_url(cfg.gallery_notify_url)
        token = environ.get("JUPYTERHUB_API_TOKEN", "")
        if not url or not token:
            return None
        request = HTTPRequest(
            f"{url}?{urlencode({'project': project})}",
            headers={"Authorization": f"token {token}"},
            connect_timeout=cfg.request_timeout,
            request_timeout=cfg.request_timeout,
        )
        try:
            response = await AsyncHTTPClient().fetch(request, raise_error=False)
        except Exception as e:  # unreachable: GitLab itself may still answer
            self.log.info("govlab_share: gallery did not answer the request count: %s", e)
            return None
        if response.code in (403, 404):
            return None
        if response.code != 200:
            raise Unavailable(f"gallery answered {response.code}")
        try:
            body = json.loads(response.body)
            return {"open": int(body["open"]), "closed": int(body["closed"])}
        except (ValueError, KeyError, TypeError):
            raise Unavailable("gallery sent no counts") from None
