"""Improvement requests (개선 요청): GitLab issues labelled LABEL on a shared project.

An official writes a title and a text on a project's gallery page; the text is
scanned with the share's scanner (in a worker process, within SCAN_BUDGET seconds)
and becomes an issue on that project: with GitLab sign-in as that official (their own
token), with shared-password sign-in through the catalog token, the requester's hub
name (and the deployment's agency) written at the top of the text.

Creating an issue is not idempotent: it is sent once, python-gitlab never retries it
(no 5xx retries, 429 not obeyed), and after a timeout the project's recent issues are
searched for it before the official is told it failed. GitLab calls are blocking
(python-gitlab) and run in the catalog's thread pool, each bounded.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import gitlab
import requests
from gitlab.exceptions import GitlabError

from govlab_share import guard
from govlab_share.errors import ShareError
from govlab_share.gallery_notify import REQUEST_LABEL, count_requests
from govlab_share.scan import Finding

from .. import messages
from .ratelimit import RateLimit

LABEL = REQUEST_LABEL
TITLE_MAX = 200
TEXT_MAX = 20_000
SCAN_BUDGET = 20.0  # seconds; the text is at most 20,000 characters
SEND_LIMIT = (5, 600.0)  # requests per official per window (seconds): GitLab is shared
COUNT_LIMIT = (60, 60.0)  # count look-ups per official per window (the share dialog)
LIST_TTL = 30.0  # seconds a project's request list is reused between page views
SHOWN = 50  # newest requests listed on a page


class RequestFailed(Exception):
    """Not sent (or not known to be sent): `status` for the answer, `text` for the official."""

    def __init__(self, status: int, text: messages.Text, findings: list[dict] | None = None, retry_after: int = 0):
        super().__init__(text.en)
        self.status = status
        self.text = text
        self.findings = findings or []
        self.retry_after = retry_after


@dataclass
class Listed:
    open: int
    closed: int
    items: list[dict] = field(default_factory=list)  # {"iid","title","state","date","url"}
    at: float = field(default_factory=time.monotonic)


def validate(title: str, text: str) -> list[messages.Text]:
    """What is wrong with the form, each in Korean + English (empty: fine)."""
    errors = []
    if not title.strip():
        errors.append(messages.REQUEST_TITLE_EMPTY)
    elif len(title) > TITLE_MAX:
        errors.append(messages.REQUEST_TITLE_LONG.format(most=TITLE_MAX, got=len(title)))
    if not text.strip():
        errors.append(messages.REQUEST_TEXT_EMPTY)
    elif len(text) > TEXT_MAX:
        errors.append(messages.REQUEST_TEXT_LONG.format(most=f"{TEXT_MAX:,}", got=f"{len(text):,}"))
    return errors


def compose(text: str, requester: str, agency: str, on_behalf: bool) -> str:
    """The issue text; through the catalog token it names who asked (GitLab cannot)."""
    if not on_behalf:
        return text
    who = f"{requester} ({agency})" if agency else requester
    return f"요청자 / Requested by: {who} (govlab gallery)\n\n---\n\n{text}"


def _scan(title: str, text: str) -> list[Finding]:
    return guard.scan_in_worker({"제목 title.txt": title.encode(), "내용 text.txt": text.encode()}, [], SCAN_BUDGET)


def finding_lines(findings: list[Finding]) -> list[dict]:
    """What the page lists for each blocking finding: kind, where, the masked excerpt."""
    out = []
    for f in findings:
        if not f.blocking:
            continue
        where = "제목 / title" if f.file.startswith("제목") else "내용 / text"
        out.append({"kind": f.kind_label, "where": where, "line": f.line, "excerpt": f.excerpt})
    return out


async def scan(run, title: str, text: str) -> None:
    """Raise RequestFailed when the scanner blocks, times out or fails (nothing sent)."""
    try:
        found = await asyncio.wait_for(run(_scan, title, text), SCAN_BUDGET + 5)
    except (TimeoutError, ShareError) as e:
        if isinstance(e, ShareError) and e.code == "scan_failed":
            raise RequestFailed(500, messages.REQUEST_SCAN_FAILED) from None
        raise RequestFailed(503, messages.REQUEST_SCAN_TIMEOUT) from None
    lines = finding_lines(found)
    if lines:
        raise RequestFailed(422, messages.REQUEST_FINDINGS.format(n=len(lines)), lines)


def client(url: str, token: str, timeout: float, oauth: bool) -> gitlab.Gitlab:
    """No 5xx retries: a create must go out once (create_issue turns off the 429 ones)."""
    auth = {"oauth_token": token} if oauth else {"private_token": token}
    return gitlab.Gitlab(
        url,
        timeout=timeout,
        retry_transient_errors=False,
        user_agent="govlab-gallery",
        **auth,
    )


def create_issue(gl: gitlab.Gitlab, project_id: int, title: str, description: str) -> dict:
    seen: dict = {}
    # python-gitlab's errors carry no headers: keep GitLab's Retry-After for the message.
    gl.session.hooks["response"].append(lambda r, *a, **k: seen.update(retry_after=r.headers.get("Retry-After")))
    try:
        # Once: no 429 wait-and-resend (obey_rate_limit), no retries of any kind.
        return gl.http_post(
            f"/projects/{project_id}/issues",
            post_data={"title": title, "description": description, "labels": LABEL},
            obey_rate_limit=False,
            max_retries=0,
        )
    except GitlabError as e:
        e.retry_after = seen.get("retry_after")
        raise


def find_sent(gl: gitlab.Gitlab, project_id: int, title: str, description: str, since: datetime) -> dict | None:
    """The issue a timed-out create may have made: same title and text, made since `since`."""
    found = gl.http_list(
        f"/projects/{project_id}/issues",
        query_data={"labels": LABEL, "search": title, "order_by": "created_at", "sort": "desc", "per_page": 20},
        get_all=False,
    )
    for issue in found:
        made = _parse(issue.get("created_at") or "")
        if issue.get("title") == title and issue.get("description") == description and made and made >= since:
            return issue
    return None


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _error(e: Exception) -> RequestFailed:
    if isinstance(e, GitlabError):
        code = e.response_code or 0
        if code == 401:
            return RequestFailed(401, messages.REQUEST_GITLAB_SIGNIN)
        if code == 403:
            return RequestFailed(403, messages.REQUEST_GITLAB_FORBIDDEN)
        if code == 404:
            return RequestFailed(404, messages.REQUEST_GITLAB_NOT_FOUND)
        if code == 429:
            given = str(getattr(e, "retry_after", None) or "")
            retry = min(int(given), 3600) if given.isdigit() else 60
            return RequestFailed(429, messages.REQUEST_GITLAB_BUSY.format(seconds=retry), retry_after=retry)
        if code == 400:
            return RequestFailed(400, messages.REQUEST_GITLAB_REFUSED)
    return RequestFailed(502, messages.REQUEST_GITLAB_DOWN)


async def send(run, gl: gitlab.Gitlab, project_id: int, title: str, description: str, timeout: float) -> dict:
    """Create the issue once; when the answer is lost (timeout, dropped connection, a
    proxy's 5xx) look for it before calling it failed, and never send it again."""
    since = datetime.now(UTC) - timedelta(seconds=120)  # clocks of GitLab and here may differ
    try:
        return await asyncio.wait_for(run(create_issue, gl, project_id, title, description), timeout + 2)
    except (TimeoutError, requests.ReadTimeout):
        pass  # it may have landed
    except requests.ConnectionError as e:
        if isinstance(e, requests.ConnectTimeout) or _refused(e):
            raise RequestFailed(502, messages.REQUEST_GITLAB_DOWN) from None  # never reached GitLab
    except GitlabError as e:
        if (e.response_code or 0) < 500:
            raise _error(e) from None
    except requests.RequestException:
        raise RequestFailed(502, messages.REQUEST_GITLAB_DOWN) from None
    try:
        found = await asyncio.wait_for(run(find_sent, gl, project_id, title, description, since), timeout + 2)
    except Exception:  # cannot tell: never say "failed" when it may have landed
        raise RequestFailed(504, messages.REQUEST_UNKNOWN) from None
    if found is None:
        raise RequestFailed(504, messages.REQUEST_NOT_SENT)
    return found


def _refused(e: Exception) -> bool:
    text = str(e)
    return "NewConnectionError" in text or "Connection refused" in text or "Name or service not known" in text


def fetch_listed(gl: gitlab.Gitlab, project_id: int) -> Listed:
    """Counts of open and closed requests and the newest SHOWN of them (three requests)."""
    opened, closed = count_requests(gl, project_id)
    items = gl.http_list(
        f"/projects/{project_id}/issues",
        query_data={"labels": LABEL, "state": "all", "order_by": "created_at", "sort": "desc", "per_page": SHOWN},
        get_all=False,
    )
    shown = [
        {
            "iid": i.get("iid"),
            "title": str(i.get("title") or ""),
            "state": i.get("state"),
            "date": str(i.get("created_at") or "")[:10],
            "url": str(i.get("web_url") or ""),
        }
        for i in items
    ]
    return Listed(opened, closed, shown)


class Requests:
    """The gallery's request state: rate limits and the short-lived per-project lists."""

    def __init__(self):
        self.sends = RateLimit(*SEND_LIMIT)
        self.counts = RateLimit(*COUNT_LIMIT)
        self._lists: dict[int, Listed] = {}

    async def listed(self, run, gl: gitlab.Gitlab, project_id: int, timeout: float) -> Listed | None:
        """The project's requests (cached LIST_TTL seconds); None when GitLab did not answer."""
        hit = self._lists.get(project_id)
        if hit and time.monotonic() - hit.at < LIST_TTL:
            return hit
        try:
            # A page never waits much longer than one GitLab request for this section.
            got = await asyncio.wait_for(run(fetch_listed, gl, project_id), timeout + 1)
        except (TimeoutError, GitlabError, requests.RequestException):
            return None
        if len(self._lists) > 2000:
            self._lists.clear()
        self._lists[project_id] = got
        return got

    def forget(self, project_id: int) -> None:
        self._lists.pop(project_id, None)
