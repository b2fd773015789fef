"""A python-gitlab client with our retry policy and GitLab failures mapped to ShareError.

python-gitlab (8.6.0) retries timeouts, connection errors and 5xx itself when
`retry_transient_errors=True` (per-request `max_retries`). That is right for reads
and for PUT/DELETE (idempotent), but a POST that timed out may have been applied:
retrying a commit then answers "A file with this name already exists". POSTs are
therefore sent exactly once here; publish.py finds out whether one landed before
it retries. Its 429 handling sleeps for whatever Retry-After says, uncapped, so 429
is handled here instead (a 429 was not processed, so retrying even a POST is safe):
obey Retry-After up to `max_retry_after`, otherwise give up with gitlab_rate_limited.
"""

from __future__ import annotations

import time

import gitlab
import requests
from gitlab.exceptions import GitlabError, GitlabHttpError

from .errors import ShareError


class RateLimited(GitlabError):
    # Not a GitlabHttpError: python-gitlab's managers re-wrap those into
    # GitlabGetError & co., which would lose the retry_after we carry.
    def __init__(self, retry_after: float | None, body: bytes | None):
        super().__init__("429 Too Many Requests", 429, body)
        self.retry_after = retry_after


class Client(gitlab.Gitlab):
    """gitlab.Gitlab with capped Retry-After handling; one per share, one thread."""

    def __init__(self, url, *, token, timeout, max_retries, max_retry_after, user_agent):
        auth = {"oauth_token": token.value} if token.kind == "oauth" else {"private_token": token.value}
        super().__init__(
            url,
            timeout=timeout,
            retry_transient_errors=True,
            keep_base_url=True,  # never follow pagination links to another host
            user_agent=user_agent,
            **auth,
        )
        self._max_retries = max_retries
        self._max_retry_after = max_retry_after
        self._last_headers: dict = {}
        # python-gitlab's exceptions carry no headers; remember the last response's.
        self.session.hooks["response"].append(self._remember_headers)

    def _remember_headers(self, response, *args, **kwargs):
        self._last_headers = response.headers

    def _retry_after(self) -> float | None:
        headers = self._last_headers or {}
        value = headers.get("Retry-After")
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                return None  # HTTP-date form: treat as unknown
        reset = headers.get("RateLimit-Reset")
        if reset is not None:
            try:
                return max(0.0, float(reset) - time.time())
            except ValueError:
                return None
        return None

    def http_request(self, verb, path, *args, **kwargs):
        kwargs["obey_rate_limit"] = False
        kwargs.setdefault("max_retries", self._max_retries)
        if verb.lower() == "post":
            kwargs["retry_transient_errors"] = False  # not idempotent: never resent blindly
        attempt = 0
        while True:
            try:
                return super().http_request(verb, path, *args, **kwargs)
            except GitlabHttpError as e:
                if e.response_code != 429:
                    raise
                wait = self._retry_after()
                if wait is None:
                    wait = min(0.5 * 2**attempt, self._max_retry_after)  # no hint: back off
                if attempt >= self._max_retries or wait > self._max_retry_after:
                    raise RateLimited(wait, e.response_body) from None
                attempt += 1
                time.sleep(wait)


def _flatten(message) -> list[str]:
    """GitLab error bodies: a string, a list, or {field: [messages]}."""
    if message is None:
        return []
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    if isinstance(message, str):
        return [message.strip()] if message.strip() else []
    if isinstance(message, list):
        return [s for m in message for s in _flatten(m)]
    if isinstance(message, dict):
        out = []
        for key, value in message.items():
            for text in _flatten(value) or [""]:
                out.append(f"{key}: {text}".rstrip(": "))
        return out
    return [str(message)]


CHANGED_PREFIX = "The file has changed since you started editing it:"


def is_transient(exc: BaseException) -> bool:
    """A failure after which a request may or may not have been applied."""
    if isinstance(exc, (requests.exceptions.Timeout, requests.exceptions.ConnectionError)):
        return True
    return isinstance(exc, GitlabError) and not isinstance(exc, RateLimited) and (exc.response_code or 0) >= 500


def map_error(exc: BaseException, *, what: str = "") -> ShareError:
    """Turn a requests/python-gitlab failure into the contract's error."""
    if isinstance(exc, ShareError):
        return exc
    if isinstance(exc, requests.exceptions.Timeout):
        return ShareError(
            "gitlab_unavailable",
            504,
            "GitLab이 제시간에 응답하지 않습니다. 잠시 후 다시 시도하세요.",
            "GitLab did not answer in time; try again later.",
            details=[what] if what else [],
        )
    if isinstance(exc, (requests.exceptions.ConnectionError, gitlab.exceptions.RedirectError)):
        return ShareError(
            "gitlab_unavailable",
            502,
            "GitLab에 연결할 수 없습니다. 잠시 후 다시 시도하세요.",
            "Cannot connect to GitLab; try again later.",
            details=[what] if what else [],
        )
    if isinstance(exc, RateLimited):
        wait = exc.retry_after
        headers = {"Retry-After": str(int(wait + 0.999))} if wait is not None else {}
        return ShareError(
            "gitlab_rate_limited",
            429,
            "GitLab 요청 한도를 넘었습니다. 잠시 후 다시 시도하세요.",
            "GitLab rate limit reached; try again later.",
            details=[f"retry_after: {wait:.0f}s"] if wait is not None else [],
            headers=headers,
        )
    if isinstance(exc, GitlabError):
        code = exc.response_code or 0
        details = _flatten(exc.error_message)
        if code == 401:
            return ShareError(
                "gitlab_unauthorized",
                401,
                "GitLab 로그인이 만료되었거나 권한이 취소되었습니다. 다시 로그인하세요.",
                "The GitLab token is expired or revoked: sign in again.",
                details=details,
            )
        namespace_refused = (
            code == 400 and isinstance(exc.error_message, dict) and "namespace" in exc.error_message
        )  # GitLab says 400 "namespace is not valid" when you may not create in a group
        if code == 403 or namespace_refused:
            return ShareError(
                "gitlab_forbidden",
                403,
                "GitLab에서 이 그룹이나 프로젝트에 쓸 권한이 없습니다.",
                "No permission on this GitLab group or project.",
                details=details,
            )
        if code == 413:
            return too_large(None, None, details)
        if code == 400:
            changed = [d[len(CHANGED_PREFIX) :].strip() for d in details if d.startswith(CHANGED_PREFIX)]
            if changed:
                return remote_changed(changed)
            return ShareError(
                "gitlab_rejected",
                400,
                "GitLab이 요청을 거부했습니다.",
                "GitLab rejected the request.",
                details=details,
            )
        if code >= 500:
            return ShareError(
                "gitlab_unavailable",
                502,
                "GitLab 서버 오류가 계속됩니다. 잠시 후 다시 시도하세요.",
                "GitLab keeps failing with server errors; try again later.",
                details=[f"{code}"] + details,
            )
        return ShareError(
            "gitlab_rejected",
            400,
            "GitLab이 요청을 거부했습니다.",
            "GitLab rejected the request.",
            details=[f"{code}"] + details,
        )
    raise exc  # a bug, not a GitLab failure: let the handler log it


def too_large(size, limit, details=None) -> ShareError:
    if size is not None:
        details = [f"{size} bytes > {limit} bytes"]
    return ShareError(
        "too_large",
        413,
        "공유할 파일이 너무 큽니다. 출력을 빼거나 대화를 줄여 보세요.",
        "The shared files are too large; drop outputs or chats.",
        details=details,
    )


def remote_changed(paths: list[str]) -> ShareError:
    return ShareError(
        "remote_changed",
        409,
        "지난 공유 이후 GitLab의 파일이 바뀌었습니다. 덮어쓰려면 강제로 다시 공유하세요.",
        "Files on GitLab changed since the last share; resend with force to overwrite.",
        details=sorted(paths),
    )
