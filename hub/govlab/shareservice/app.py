"""The share service's HTTP API (JupyterHub service `govlab-share`).

Token-only: every request carries a lab's hub API token (`Authorization: token ...`),
which the hub checks (HubAuth) and which must hold `access:services!service=govlab-share`.
No cookie is accepted, so a browser page elsewhere cannot act for an official and
there is no XSRF to check. The official is the token's owner, never a name in the body.

- `POST api/publish`: commit the lab's rendered files (docs/share-api.md)
- `GET api/token`: GitLab sign-in only, `{"access_token", "expires_at"}` of the official
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging

import tornado.web
from jupyterhub.services.auth import HubAuth, HubAuthenticated, UserNotAllowed
from jupyterhub.utils import url_path_join

from govlab import authstate
from govlab_share import guard
from govlab_share.errors import ShareError, bad_request

from . import request as request_mod
from .config import TOKEN_ENV, ServiceConfig
from .owners import OwnershipStore
from .publishing import publish_for

log = logging.getLogger("govlab.shareservice")


def _error(code: str, status: int, ko: str, en: str) -> ShareError:
    return ShareError(code, status, ko, en)


def sign_in_again() -> ShareError:
    return _error(
        "gitlab_unauthorized",
        401,
        "GitLab 로그인 정보가 없거나 만료되었습니다. 로그아웃한 뒤 다시 로그인하세요.",
        "The GitLab sign-in is missing or expired: sign out and sign in again.",
    )


class ShareService:
    """State: configuration, the ownership store, one lock per official and notebook."""

    def __init__(self, cfg: ServiceConfig, environ):
        self.cfg = cfg
        self.store = OwnershipStore(cfg.owners_path)
        self.locks: dict[tuple[str, str], asyncio.Lock] = {}
        # The service's own credentials, matched exactly by the re-scan.
        self.known = guard.known_secrets(environ, TOKEN_ENV)


class _Base(HubAuthenticated, tornado.web.RequestHandler):
    def initialize(self):
        self.hub_auth = self.settings["hub_auth"]

    @property
    def service(self) -> ShareService:
        return self.settings["service"]

    def check_xsrf_cookie(self):
        return None  # token-only (see the module docstring)

    async def prepare(self):
        self.user = None
        # The header only: no cookie, no ?token= in a URL that logs and proxies keep.
        header = self.request.headers.get("Authorization", "")
        token = header[len("token ") :].strip() if header.startswith("token ") else ""
        self.lab_token = token
        if not token:
            return self.fail(
                _error(
                    "hub_token_required",
                    401,
                    "허브 API 토큰이 필요합니다.",
                    "A hub API token is required (Authorization: token ...).",
                )
            )
        # Asked of the hub at every request, never cached: a revoked token stops working
        # at once, and the hub renews the official's GitLab token when it is due (the
        # hub refreshes auth for the owner of a token it checks).
        model = await self.hub_auth.user_for_token(token, use_cache=False, sync=False)
        try:
            model = self.check_hub_user(model) if model else None
        except UserNotAllowed:
            model = None
        if not model or model.get("kind", "user") != "user":
            return self.fail(
                _error(
                    "not_allowed",
                    403,
                    "권한이 없습니다. 실험실을 다시 시작한 뒤 시도하세요.",
                    "Not allowed: restart your lab and try again.",
                )
            )
        self.user = model["name"]

    def fail(self, err: ShareError) -> None:
        self.set_status(err.status)
        for key, value in err.headers.items():
            self.set_header(key, value)
        self.answer(err.to_dict())

    def answer(self, body: dict) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs) -> None:
        self.answer(
            _error(
                "service_error",
                status_code,
                "공유 서비스에서 오류가 났습니다. 잠시 후 다시 시도하세요.",
                "The share service failed; try again in a moment.",
            ).to_dict()
        )


class PublishHandler(_Base):
    async def post(self):
        cfg = self.service.cfg
        try:
            if not cfg.publish or not cfg.token:
                raise request_mod.not_configured()
            try:
                body = json.loads(self.request.body or b"")
            except ValueError:
                raise bad_request(
                    "요청 본문이 올바른 JSON이 아닙니다.", "The request body is not valid JSON."
                ) from None
            req = request_mod.parse(body, cfg.share.max_bundle_bytes)
            lock = self.service.locks.setdefault((self.user, req.notebook_path), asyncio.Lock())
            async with lock:
                result, fields = await self._publish(req)
        except ShareError as e:
            if e.status >= 500 or e.code in ("not_owner", "scan_blocked"):
                log.warning("share service: %s refused for %s: %s", e.code, self.user, e.details[:5])
            return self.fail(e)
        log.info("share service: %s shared %s to %s", self.user, req.notebook_path, result["project"])
        self.answer({"result": result, "record": fields})

    async def _publish(self, req):
        cfg = self.service.cfg
        lab_token = self.lab_token
        known = sorted(set(self.service.known) | ({lab_token} if len(lab_token) >= 8 else set()))
        # The lab scanned these bytes; scan them again here: a lab is user code's to change.
        await guard.check(req.files, known=known, budget=cfg.share.scan_budget)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None, functools.partial(publish_for, cfg.share, cfg.token, self.service.store, self.user, req, known)
        )


class TokenHandler(_Base):
    """The official's GitLab access token, read from auth_state with the service's own
    token (scope admin:auth_state); the refresh token never leaves the hub and here."""

    async def get(self):
        cfg = self.service.cfg
        try:
            if not cfg.user_tokens:
                raise _error(
                    "not_configured",
                    503,
                    "GitLab 로그인을 쓰지 않는 허브입니다.",
                    "This hub does not use GitLab sign-in.",
                )
            body = await self._token()
        except ShareError as e:
            return self.fail(e)
        self.answer(body)

    async def _token(self) -> dict:
        cfg = self.service.cfg
        timeout = cfg.share.request_timeout
        try:
            state = await authstate.fetch_auth_state(cfg.hub_api_url, self.user, cfg.hub_token, timeout)
        except authstate.HubUnavailable as e:
            raise _error(
                "gitlab_unavailable",
                502,
                "JupyterHub에 연결할 수 없습니다. 잠시 후 다시 시도하세요.",
                "Cannot reach JupyterHub; try again in a moment.",
            ) from e
        token = authstate.access_token(state)
        if token is None:
            raise sign_in_again()
        return {"access_token": token, "expires_at": expires_at(state.get("token_response"))}


def expires_at(token_response) -> float | None:
    """When GitLab said the token expires (epoch seconds), or None when it did not say."""
    try:
        return float(token_response["created_at"]) + float(token_response["expires_in"])
    except (KeyError, TypeError, ValueError):
        return None


class NotFound(_Base):
    async def get(self, *args):
        self.fail(_error("not_found", 404, "없는 주소입니다.", "No such endpoint."))

    post = get


def make_app(service: ShareService, hub_auth: HubAuth | None = None) -> tornado.web.Application:
    prefix = service.cfg.prefix
    hub_auth = hub_auth or HubAuth(api_token=service.cfg.hub_token)
    return tornado.web.Application(
        [
            (url_path_join(prefix, "api/publish"), PublishHandler, {}),
            (url_path_join(prefix, "api/token"), TokenHandler, {}),
            (url_path_join(prefix, "(.*)"), NotFound, {}),
        ],
        service=service,
        hub_auth=hub_auth,
    )
