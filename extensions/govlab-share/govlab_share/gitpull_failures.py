"""Why a git pull failed, in words an official understands.

git's own output is English, technical and may carry the repository's address with
credentials; the official sees instead one of a few cases (no access, project gone,
network) with what to do next, and the last lines of git's output, secrets stripped,
behind a "자세히 / details" fold. Every pattern is bounded and runs on bounded text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TEXT = 20_000  # characters of git output examined (the tail)
MAX_LINES = 20  # lines shown under details
MAX_LINE = 300  # characters per shown line
LONG_LINE = "… (너무 긴 줄은 보여 주지 않습니다 / line too long to show)"


@dataclass(frozen=True)
class Failure:
    code: str
    title_ko: str
    title_en: str
    what_ko: str
    what_en: str
    next_ko: str
    next_en: str


FAILURES = {
    "network": Failure(
        "network",
        "GitLab 서버에 연결할 수 없습니다",
        "Cannot reach the GitLab server",
        "네트워크 문제이거나 GitLab 서버가 점검 중입니다. 아무것도 바뀌지 않았습니다.",
        "The network is down or GitLab is under maintenance. Nothing was changed.",
        "잠시 뒤 갤러리에서 다시 여세요. 계속 안 되면 관리자에게 알려 주세요.",
        "Open it again from the gallery in a while; if it keeps failing, tell your administrator.",
    ),
    "no_access": Failure(
        "no_access",
        "이 프로젝트를 볼 권한이 없습니다",
        "You have no access to this project",
        "비공개(또는 기관 내부) 프로젝트이거나 로그인 정보가 전달되지 않았습니다. GitLab은 권한이 없으면 "
        "프로젝트가 있는지도 알려 주지 않습니다.",
        "The project is private (or internal), or no sign-in reached GitLab. Without access GitLab does "
        "not even say whether the project exists.",
        "프로젝트를 공유한 사람에게 나를 구성원으로 추가해 달라고 요청하거나, 공개 범위를 바꿔 달라고 하세요. "
        "GitLab 계정으로 로그인했는지도 확인하세요.",
        "Ask whoever shared it to add you as a member or to change its visibility, and check that you "
        "signed in with your GitLab account.",
    ),
    "not_found": Failure(
        "not_found",
        "프로젝트를 찾을 수 없습니다",
        "The project was not found",
        "삭제되었거나 이름·주소가 바뀌었을 수 있습니다.",
        "It may have been deleted, renamed or moved.",
        "갤러리에서 최신 목록을 다시 확인하거나, 링크를 보낸 사람에게 새 링크를 요청하세요.",
        "Check the gallery's current list again, or ask whoever sent the link for a new one.",
    ),
    "branch_missing": Failure(
        "branch_missing",
        "링크의 브랜치가 없습니다",
        "The link's branch does not exist",
        "저장소는 있지만 링크가 가리키는 브랜치가 없습니다.",
        "The repository exists, but not the branch the link names.",
        "갤러리에서 다시 열거나, 링크를 보낸 사람에게 새 링크를 요청하세요.",
        "Open it again from the gallery, or ask whoever sent the link for a new one.",
    ),
    "unknown": Failure(
        "unknown",
        "가져오지 못했습니다",
        "The pull failed",
        "가져오는 중에 예상하지 못한 문제가 생겼습니다.",
        "Something unexpected went wrong during the pull.",
        "다시 시도하세요. 계속 안 되면 아래 '자세히'의 내용을 복사해 관리자에게 보내세요.",
        "Try again; if it keeps failing, copy the details below and send them to your administrator.",
    ),
}

# First match wins: a refused connection is "network" even though git also says
# "unable to access"; an HTTP 401/403 is "no_access" before any "not found".
_RULES = (
    (
        "network",
        re.compile(
            r"Could not resolve host|Connection refused|Failed to connect|Couldn't connect to server"
            r"|timed out|Operation timed out|Connection reset|Connection timed out|Network is unreachable"
            r"|No route to host|SSL_connect|server certificate verification failed",
            re.I,
        ),
    ),
    (
        "no_access",
        re.compile(
            r"Authentication failed|could not read (?:Username|Password)|terminal prompts disabled"
            r"|HTTP Basic: Access denied|returned error: 40[13]\b|\b40[13] (?:Unauthorized|Forbidden)",
            re.I,
        ),
    ),
    (
        "not_found",
        re.compile(
            r"Repository not found|repository '[^'\n]{0,2000}' not found|returned error: 404\b"
            r"|404 (?:Project )?Not Found|could not be found",
            re.I,
        ),
    ),
)

# Credentials in URLs, tokens and authorization headers never reach the page.
_SECRETS = (
    # Each value runs to its natural end (a line is at most MAX_TEXT characters): a
    # length cap here would leave the rest of a long secret on the page.
    (re.compile(r"(https?://)[^/@\s]+@"), r"\1***@"),
    (re.compile(r"\b(?:glpat|gloas|glrt|gldt|glsoat)-[A-Za-z0-9_\-]{8,}"), "***"),
    (re.compile(r"(?i)((?:authorization|private-token)\s*:\s*)[^\n]+"), r"\1***"),
    (re.compile(r"(?i)((?:token|password)\s*[:=]\s*)\S+"), r"\1***"),
)


def classify(text: str, branch_missing: bool = False) -> Failure:
    if branch_missing:
        return FAILURES["branch_missing"]
    tail = text[-MAX_TEXT:]
    for code, pattern in _RULES:
        if pattern.search(tail):
            return FAILURES[code]
    return FAILURES["unknown"]


def redact(line: str) -> str:
    for pattern, repl in _SECRETS:
        line = pattern.sub(repl, line)
    return line


def detail_lines(text: str) -> list[str]:
    """The last lines of git's output, secrets stripped, each bounded."""
    # Whole lines only, redacted before cutting: a cut must not leave half a secret
    # unmatched (a window over the text's tail could start inside one).
    lines = [ln for ln in text.splitlines()[-4 * MAX_LINES :] if ln.strip()][-MAX_LINES:]
    return [redact(ln)[:MAX_LINE] if len(ln) <= MAX_TEXT else LONG_LINE for ln in lines]
