"""Exactly-once POSTs to GitLab: send once, and after a timeout/5xx find out whether
the request landed before retrying or reporting.

A share's commit carries a unique `Govlab-Share-Id` trailer, so the branch head
tells whether OUR commit landed: its trailer matches and its parent is the head we
saw before committing (no parent for an empty repository).
"""

from __future__ import annotations

import logging
import re
import uuid

from gitlab.exceptions import GitlabError

from .errors import ShareError
from .gitlab_client import is_transient, map_error

log = logging.getLogger(__name__)

SHARE_ID_TRAILER = "Govlab-Share-Id"
_TRAILER_LINE = re.compile(r"^Govlab-Share-Id: ([0-9a-f-]{36})$", re.MULTILINE)
# A landed-or-not check after a failure must answer fast; the share already waited.
CHECK_RETRIES = 1
RECENT = 20  # commits searched for ours when someone committed right after it


class OutcomeUnknown(ShareError):
    """GitLab failed after a request was sent and cannot tell us whether it landed."""


def new_share_id() -> str:
    return str(uuid.uuid4())


def with_trailer(message: str, share_id: str) -> str:
    return f"{message}\n\n{SHARE_ID_TRAILER}: {share_id}"


def share_id_of(commit: dict) -> str | None:
    """The trailer GitLab parsed (`trailers`), else the one in the message text."""
    value = (commit.get("trailers") or {}).get(SHARE_ID_TRAILER)
    if value:
        return value
    m = _TRAILER_LINE.search(commit.get("message") or "")
    return m.group(1) if m else None


def branch_head(project, branch: str, **kwargs) -> dict | None:
    """The branch's head commit (GET .../repository/branches/:branch); None when the
    branch or the whole repository is empty."""
    try:
        return dict(project.branches.get(branch, **kwargs).commit)
    except GitlabError as e:
        if e.response_code == 404:
            return None
        raise


def parent_is(commit: dict, old_head: str | None) -> bool:
    parents = list(commit.get("parent_ids") or [])
    return parents[:1] == [old_head] if old_head else not parents


def _find_ours(project, branch: str, share_id: str, old_head: str | None) -> dict | None:
    """Our commit on the branch, or None. Normally it is the head, a child of the head
    read before committing; if someone committed right after us, it is just below."""
    head = branch_head(project, branch, max_retries=CHECK_RETRIES)
    if not head or head.get("id") == old_head:
        return None  # nothing new on the branch
    if share_id_of(head) == share_id:
        if not parent_is(head, old_head):
            log.info("govlab_share: our commit landed on top of another one")
        return head
    recent = project.commits.list(ref_name=branch, per_page=RECENT, get_all=False, max_retries=CHECK_RETRIES)
    for commit in recent:
        attrs = commit.asdict() if hasattr(commit, "asdict") else dict(commit)
        if attrs.get("id") == old_head:
            return None
        if share_id_of(attrs) == share_id:
            return attrs
    return None


def _unknown(exc: BaseException) -> OutcomeUnknown:
    mapped = map_error(exc)
    return OutcomeUnknown(
        "gitlab_unavailable",
        504 if mapped.status == 504 else 502,
        "GitLab에 반영되었는지 확인할 수 없습니다. GitLab이 응답하지 않아 공유가 완료되었는지 "
        "알 수 없습니다. 잠시 후 다시 공유하면 이어서 처리되며, 같은 파일이 두 번 올라가지 않습니다.",
        "Could not confirm whether GitLab applied the share: GitLab is not answering. "
        "Share again in a moment; the next share picks up from here and never uploads "
        "the files twice.",
        details=mapped.details,
    )


def _not_landed(exc: BaseException) -> ShareError:
    err = map_error(exc)
    err.message = "GitLab 오류로 공유하지 못했습니다. GitLab에는 아무것도 바뀌지 않았습니다. 잠시 후 다시 공유하세요."
    err.message_en = (
        "GitLab failed, so the share did not happen and nothing changed on GitLab. Share again in a moment."
    )
    return err


def create_commit(project, payload: dict, share_id: str, old_head: str | None) -> dict:
    """POST the commit exactly once (plus one retry once it is known not to have
    landed). Returns {"id", "web_url"} of our commit. Raises OutcomeUnknown when
    GitLab cannot say, ShareError/GitlabError otherwise (nothing landed then)."""
    for attempt in (1, 2):
        try:
            commit = project.commits.create(payload)  # gitlab_client never resends a POST
            return {"id": commit.id, "web_url": getattr(commit, "web_url", None)}
        except Exception as e:  # noqa: BLE001 - sorted below
            if not is_transient(e):
                raise
            failure = e
        log.warning(
            "govlab_share: commit to project %s failed (%s); checking whether it landed",
            project.id,
            type(failure).__name__,
        )
        try:
            ours = _find_ours(project, payload["branch"], share_id, old_head)
        except Exception as e:  # noqa: BLE001 - still down: we cannot know
            log.warning("govlab_share: cannot read the branch of project %s: %s", project.id, e)
            raise _unknown(failure) from None
        if ours:
            log.info("govlab_share: commit %s landed despite the failure", ours["id"][:12])
            return {"id": ours["id"], "web_url": ours.get("web_url")}
        log.info("govlab_share: commit did not land (attempt %d)", attempt)
    raise _not_landed(failure)
