"""What officials, trainers and admins read from the hub side: the account pages, the
sign-in, the CLI and the gallery. Korean first, English alongside, and always what to
do next. One module, so a text is changed in one place.

Texts used whole are strings ("한국어 / English"). Where a page lays the two languages
out apart (the gallery: Korean text, English in a smaller line, and `ko`/`en` in JSON),
a `Text` keeps them as a pair; `str(text)` is the joined form.
"""

from __future__ import annotations

from typing import NamedTuple


class Text(NamedTuple):
    ko: str
    en: str

    def __str__(self) -> str:
        return f"{self.ko} / {self.en}"

    def format(self, **values: object) -> Text:
        return Text(self.ko.format(**values), self.en.format(**values))


# --- Account pages and sign-in (auth.method: accounts, shared_password)
WRONG_PASSWORD = (
    "사용자 이름 또는 비밀번호가 올바르지 않습니다. 계정이 없다면 이용 신청을 하세요. / "
    "Wrong user name or password. No account yet? Apply for one."
)
PENDING = (
    "관리자가 아직 이용 신청을 승인하지 않았습니다. 승인된 뒤에 다시 로그인하세요. / "
    "An administrator has not approved your application yet: sign in again once it is approved."
)
APPLIED = (
    "이용 신청이 접수되었습니다. 관리자가 승인하면 이 비밀번호로 로그인할 수 있습니다. / "
    "Your application has been sent: once an administrator approves it, sign in with this password."
)
NAME_TAKEN = "이미 사용 중인 사용자 이름입니다. 다른 이름을 고르세요. / This user name is taken: choose another one."
NAME_INVALID = (
    "사용자 이름은 영문 소문자나 숫자로 시작하고 영문 소문자, 숫자, '.', '_', '-'만 쓸 수 있습니다(64자 이하). / "
    "A user name starts with a lowercase letter or digit and holds only a-z, 0-9, '.', '_' and '-' (at most 64)."
)
FULL_NAME_INVALID = "이름을 50자 이하로 적으세요. / Write your name (at most 50 characters)."
AGENCY_INVALID = "소속 기관을 100자 이하로 적으세요. / Write your agency (at most 100 characters)."
EMAIL_INVALID = (
    "업무용 이메일 주소를 name@agency.go.kr 형식으로 적으세요. / "
    "Write your work e-mail address, like name@agency.go.kr."
)
CONFIRM_MISMATCH = (
    "비밀번호와 비밀번호 확인이 다릅니다. 같은 비밀번호를 두 번 적으세요. / "
    "The password and its confirmation differ: type the same password twice."
)
PASSWORD_COMMON = (
    "너무 흔한 비밀번호입니다. 추측하기 어려운 다른 비밀번호를 고르세요. / "
    "This password is too common: choose one that is hard to guess."
)
PASSWORD_HAS_NAME = "비밀번호에 사용자 이름을 넣지 마세요. / Do not put your user name in the password."
PASSWORD_TOO_LONG = (
    "비밀번호가 너무 깁니다(영문 72자, 한글 24자까지). 더 짧게 고르세요. / "
    "The password is too long (72 bytes: 72 Latin or 24 Korean characters): choose a shorter one."
)
OLD_PASSWORD_WRONG = (
    "현재 비밀번호가 올바르지 않습니다. 다시 적거나, 잊었다면 관리자에게 재설정을 요청하세요. / "
    "The current password is wrong: type it again, or ask an administrator to reset it."
)
PASSWORD_CHANGED = "비밀번호를 바꾸었습니다. 다음 로그인부터 새 비밀번호를 쓰세요. / Your password has been changed: use it from your next sign-in."
PASSWORD_RESET = "{name}의 비밀번호를 바꾸었습니다. 새 비밀번호를 본인에게 따로 전하세요. / The password of {name} has been changed: tell them the new one in person."
NO_OWN_PASSWORD = (
    "이 계정의 비밀번호는 여기서 바꿀 수 없습니다: 관리자 비밀번호는 설정 파일에서, 워크숍 좌석 비밀번호는 강사가 관리합니다. / "
    "This account's password is not changed here: the admin password lives in the settings file, "
    "a workshop seat's password with its trainer."
)
NO_SUCH_APPLICATION = "그런 신청이 없습니다. 목록을 새로 고치세요. / No such application: reload the list."
APPROVED = "{name}의 이용 신청을 승인했습니다. / Approved {name}."
REVOKED = "{name}의 승인을 취소했습니다. 다시 승인하기 전까지 로그인할 수 없습니다. / Revoked {name}: they cannot sign in until approved again."
DISCARDED = "{name}의 이용 신청을 삭제했습니다. / Discarded the application of {name}."


def password_too_short(minimum: int) -> str:
    return f"비밀번호는 {minimum}자 이상이어야 합니다. 더 길게 고르세요. / The password needs at least {minimum} characters: choose a longer one."


def locked(seconds: float) -> str:
    minutes, secs = divmod(max(1, round(seconds)), 60)
    ko = f"{minutes}분 {secs}초" if minutes else f"{secs}초"
    en = f"{minutes} min {secs} s" if minutes else f"{secs} s"
    return (
        f"로그인에 여러 번 실패하여 이 계정이 잠겼습니다. {ko} 뒤에 다시 시도하세요. "
        "비밀번호를 잊었다면 관리자에게 재설정을 요청하세요. / "
        f"Too many failed sign-ins: this account is locked. Try again in {en}, "
        "or ask an administrator to reset your password."
    )


# Printed at every start of a hub with the shared trial password (auth.shared_password.trusted_trial).
SHARED_PASSWORD_WARNING = (
    "[govlab] 경고 / WARNING: 공유 비밀번호를 아는 사람은 누구나 어느 공무원으로든 로그인할 수 있습니다 "
    "(서로 믿는 사람끼리의 시범 운영에만 쓰세요). 각자 계정을 쓰려면 auth.method: accounts 로 바꾸세요. / "
    "whoever knows the shared password signs in as any official (a trial among people who trust "
    "each other only): set auth.method: accounts for per-official accounts."
)


# --- The gallery (hub/govlab/gallery): pages, error pages and its share-announce API
GALLERY_STALE = Text(
    "GitLab에 연결할 수 없어 {when}에 받은 목록을 보여 줍니다. 자동으로 다시 시도합니다.",
    "GitLab is not answering: showing the list as of {when}. Retrying automatically.",
)
GALLERY_DOWN = Text(
    "GitLab에 연결할 수 없어 목록을 아직 받지 못했습니다. 자동으로 다시 시도합니다.",
    "GitLab is not answering and no list was received yet. Retrying automatically.",
)
GALLERY_LOADING = Text("목록을 불러오는 중입니다. 잠시 후 새로 고침하세요.", "Loading the list; refresh in a moment.")
GALLERY_ERRORS = {
    403: Text("권한이 없습니다.", "You are not allowed to do this."),
    404: Text("찾을 수 없거나 볼 권한이 없습니다.", "Not found, or you may not see it."),
}
GALLERY_ERROR = Text("요청을 처리하지 못했습니다.", "The request failed.")
GALLERY_CURATORS_ONLY = Text(
    "우수사례 지정은 관리자만 할 수 있습니다.", "Only gallery curators (hub admins) can mark featured entries."
)
GALLERY_TOKEN_REQUIRED = Text("허브 토큰이 필요합니다.", "A hub API token is required.")
GALLERY_PROJECT_REQUIRED = Text(
    "프로젝트 경로(group/project)가 필요합니다.", "A project path (group/project) is required."
)
GALLERY_TOO_MANY = Text("요청이 너무 많습니다. 잠시 후 다시 시도하세요.", "Too many requests; try again in a minute.")
GALLERY_NOT_LISTED_GROUP = Text(
    "이 갤러리의 그룹에 있는 프로젝트가 아닙니다.", "The project is not in a group this gallery lists."
)
GALLERY_GITLAB_DOWN = Text(
    "GitLab이 응답하지 않습니다. 갤러리가 다음 새로 고침 때 목록에 넣습니다.",
    "GitLab did not answer; the gallery lists it at its next refresh.",
)
GALLERY_NOT_SHARED = Text(
    "갤러리에 올릴 수 있는 프로젝트가 아니거나 볼 권한이 없습니다.", "Not a shared project, or not yours to see."
)
GALLERY_LISTED = Text("갤러리 목록에 올렸습니다.", "Listed in the gallery.")
GALLERY_EVENT_INVALID = Text(
    "이벤트 형식이 올바르지 않습니다: kind(rerun, share)와 프로젝트 경로(group/project)를 보내세요.",
    "Not a valid event: send a kind (rerun, share) and a project path (group/project).",
)
GALLERY_REPORT_CURATORS_ONLY = Text(
    "활용 현황은 갤러리 관리자만 볼 수 있습니다. 필요하면 허브 관리자에게 요청하세요.",
    "Only gallery curators can see the reuse report; ask a hub admin if you need it.",
)
GALLERY_REPORT_BUSY = Text(
    "활용 현황 계산이 너무 오래 걸립니다. 기간을 줄여 다시 시도하세요.",
    "The reuse report took too long; choose a shorter period and try again.",
)
GALLERY_REPORT_BAD_PERIOD = Text(
    "기간을 YYYY-MM-DD 형식으로, 시작일이 종료일보다 앞서게 고르세요.",
    "Choose the period as YYYY-MM-DD, the start on or before the end.",
)


# --- Improvement requests (개선 요청) on a gallery project page (gallery/issue_requests.py)
REQUEST_SENT = Text(
    "개선 요청을 보냈습니다 (#{iid}). 작성자가 GitLab에서 확인합니다.",
    "Your improvement request was sent (#{iid}); the author sees it in GitLab.",
)
REQUEST_TITLE_EMPTY = Text("제목을 입력하세요.", "Enter a title.")
REQUEST_TITLE_LONG = Text(
    "제목은 {most}자까지 쓸 수 있습니다 (지금 {got}자). 줄여서 다시 보내세요.",
    "The title may have at most {most} characters (it has {got}); shorten it and send again.",
)
REQUEST_TEXT_EMPTY = Text("요청 내용을 입력하세요.", "Enter the text of the request.")
REQUEST_TEXT_LONG = Text(
    "내용은 {most}자까지 쓸 수 있습니다 (지금 {got}자). 줄이거나 나누어 보내세요.",
    "The text may have at most {most} characters (it has {got}); shorten it or send it in parts.",
)
REQUEST_FINDINGS = Text(
    "개인정보나 비밀키로 보이는 내용이 {n}건 있어 보내지 않았습니다. 아래 부분을 지우고 다시 보내세요.",
    "Not sent: {n} item(s) look like personal data or secrets. Remove them (listed below) and send again.",
)
REQUEST_SCAN_TIMEOUT = Text(
    "내용 검사가 제때 끝나지 않아 보내지 않았습니다. 잠시 후 다시 보내세요.",
    "The check of the text did not finish in time, so nothing was sent; send again in a moment.",
)
REQUEST_SCAN_FAILED = Text(
    "내용 검사가 중간에 멈춰 보내지 않았습니다. 다시 보내고, 계속되면 관리자에게 문의하세요.",
    "The check of the text stopped, so nothing was sent; send again, and ask the operator if it keeps failing.",
)
REQUEST_TOO_MANY = Text(
    "개선 요청을 너무 자주 보냈습니다. {seconds}초 뒤에 다시 보내세요.",
    "Too many improvement requests: send again in {seconds} seconds.",
)
REQUEST_NO_TOKEN = Text(
    "GitLab 로그인 정보를 읽지 못해 보내지 않았습니다. 허브에서 로그아웃한 뒤 다시 로그인하세요.",
    "Not sent: your GitLab sign-in could not be read. Sign out of the hub and sign in again.",
)
REQUEST_NOT_CONFIGURED = Text(
    "이 갤러리에는 개선 요청을 보낼 GitLab 토큰이 설정되지 않았습니다. 관리자에게 문의하세요.",
    "This gallery has no GitLab token to send improvement requests with; ask the operator.",
)
REQUEST_GITLAB_SIGNIN = Text(
    "GitLab 로그인이 만료되었습니다. 허브에서 로그아웃한 뒤 다시 로그인하고 보내세요.",
    "Your GitLab sign-in has expired: sign out of the hub, sign in again, then send.",
)
REQUEST_GITLAB_FORBIDDEN = Text(
    "GitLab이 이 프로젝트에 요청(이슈) 쓰기를 허락하지 않았습니다. 작성자에게 직접 알리세요.",
    "GitLab does not let you open issues on this project; tell its author directly.",
)
REQUEST_GITLAB_NOT_FOUND = Text(
    "GitLab에서 이 프로젝트를 찾을 수 없습니다 (삭제되었거나 볼 권한이 없습니다). 목록으로 돌아가세요.",
    "GitLab cannot find this project (deleted, or not yours to see); go back to the list.",
)
REQUEST_GITLAB_BUSY = Text(
    "GitLab이 요청이 많다고 합니다. {seconds}초 뒤에 다시 보내세요. 보내지 않았습니다.",
    "GitLab is busy and did not take it; send again in {seconds} seconds.",
)
REQUEST_GITLAB_REFUSED = Text(
    "GitLab이 요청을 받지 않았습니다. 제목과 내용을 줄여 다시 보내세요.",
    "GitLab refused the request; shorten the title and text and send again.",
)
REQUEST_GITLAB_DOWN = Text(
    "GitLab이 응답하지 않아 보내지 않았습니다. 잠시 후 다시 보내세요. 쓴 내용은 남아 있습니다.",
    "GitLab did not answer, so nothing was sent; send again in a moment. What you wrote is kept.",
)
REQUEST_NOT_SENT = Text(
    "GitLab이 제때 답하지 않았고, 확인해 보니 요청이 만들어지지 않았습니다. 다시 보내세요.",
    "GitLab did not answer in time and the request was not created; send it again.",
)
REQUEST_UNKNOWN = Text(
    "GitLab이 답하지 않아 요청이 만들어졌는지 확인하지 못했습니다. 잠시 뒤 아래 목록을 확인하고, 없으면 다시 보내세요.",
    "GitLab did not answer, so it is unknown whether the request was created; check the list below "
    "in a moment and send again only if it is missing.",
)
REQUEST_LIST_DOWN = Text(
    "GitLab에서 개선 요청 목록을 받지 못했습니다. 잠시 후 새로 고침하세요.",
    "Could not get the improvement requests from GitLab; refresh in a moment.",
)
REQUEST_SIGNED_OUT = Text("개선 요청은 로그인한 사용자만 보낼 수 있습니다.", "Sign in to send an improvement request.")
