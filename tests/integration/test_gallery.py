"""The gallery end to end: a real hub with the gallery service, real labs, the loopback
GitLab, nbgitpuller really cloning over smart HTTP, and Chromium for search and open.

Two officials share three notebooks (public and internal) from their labs, one of
them also a private one; a third official finds work by a Korean word and opens it in
their own lab. The hub runs in GitLab sign-in mode; a small authenticator stands in
for oauthenticator's browser flow (covered by test_gitlab_signin.py) and stores the
same encrypted auth_state ({"access_token": ...}), so the labs share and the gallery
lists private projects with each official's own GitLab token. One hub per module.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import time
from pathlib import Path

import nbformat
import pytest
import requests

from tests.integration.test_browser import ARTIFACTS
from tests.support.gitlabhub import gitlab_officials, gitlab_signin_hub, sign_in_and_start
from tests.support.hub import ADMIN_PASSWORD, USER_PASSWORD, RunningHub, login_session

pytestmark = [pytest.mark.hub, pytest.mark.browser]

GROUP = "shared"
AGENCY = "행정안전부"
TOPIC = "seoul-ai"  # gallery.topic, not the default "govlab": shares and listing must agree on it
# 1x1 PNG standing in for a matplotlib plot.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
CHAT = {
    "messages": [
        {
            "type": "msg",
            "id": "m1",
            "time": 1764064800.0,
            "sender": "u1",
            "body": "출장비 규정표를 읽는 코드를 써 줘",
            "attachments": [],
            "mentions": [],
            "raw_time": False,
        },
        {
            "type": "msg",
            "id": "m2",
            "time": 1764064805.0,
            "sender": "jupyternaut",
            "body": "pandas.read_excel로 읽습니다.",
            "mentions": [],
            "raw_time": False,
        },
    ],
    "users": {
        "u1": {"username": "u1", "name": "이서연", "display_name": "이서연", "bot": False},
        "jupyternaut": {"username": "jupyternaut", "name": "Jupyternaut", "display_name": "Jupyternaut", "bot": True},
    },
    "attachments": {},
    "metadata": {"id": "chat-1"},
}


def notebook(title: str, text: str, plot: bool = False) -> dict:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n{text}"), nbformat.v4.new_code_cell("print('ok')")]
    if plot:
        nb.cells[1].outputs = [
            nbformat.v4.new_output(
                "display_data", data={"image/png": base64.b64encode(PNG).decode(), "text/plain": "<Figure>"}
            )
        ]
    return nb


class World:
    """The hub, the officials' hub tokens, and what they shared."""

    def __init__(self, hub: RunningHub, gitlab):
        self.hub = hub
        self.gitlab = gitlab
        self.hub_tokens: dict[str, str] = {}
        self.shared: dict[str, dict] = {}  # title -> the share's answer

    @property
    def gallery(self) -> str:
        return f"{self.hub.url}/services/gallery"

    def session(self, user: str) -> requests.Session:
        s = login_session(self.hub, user, ADMIN_PASSWORD if user == "admin" else USER_PASSWORD)
        r = s.get(f"{self.gallery}/", timeout=60)  # the service's OAuth round trip
        assert r.status_code == 200, r.text[:500]
        return s

    def entries(self, s: requests.Session, **params) -> dict:
        r = s.get(f"{self.gallery}/api/entries", params=params, timeout=30)
        assert r.status_code == 200, r.text[:500]
        return r.json()

    def share(self, user: str, path: str, nb: dict, title: str, visibility: str, chats=()) -> dict:
        token = self.hub_tokens[user]
        assert self.hub.put_file(user, path, nb, token=token).status_code == 201
        r = self.hub.share(user, token, path, title, f"{title} 업무를 자동화한 노트북", visibility, chats)
        assert r.status_code == 200, r.text
        self.shared[title] = r.json()
        return r.json()


@pytest.fixture(scope="module")
def world(tmp_path_factory, _gitlab_server_session):
    gitlab = _gitlab_server_session
    gitlab.reset()
    tokens = gitlab_officials(gitlab, {"kim": "김민수", "lee": "이서연", "park": "박지훈", "admin": "관리자"})
    gitlab.add_group(GROUP, {"kim": 30, "lee": 30}, visibility="public")
    workdir = tmp_path_factory.mktemp("gallery-hub")
    hub = gitlab_signin_hub(
        workdir,
        gitlab,
        tokens,
        admin_users=("admin",),
        sharing={"namespace": GROUP, "agency": AGENCY, "default_visibility": "public"},
        gallery={"topic": TOPIC},
    )
    hub.start()
    w = World(hub, gitlab)
    try:
        w.hub_tokens.update(sign_in_and_start(hub, ("kim", "lee", "park")))
        w.share(
            "kim",
            "민원분석.ipynb",
            notebook("민원 데이터 분석", "월별 민원 건수를 집계합니다.", plot=True),
            "민원 데이터 분석",
            "public",
        )
        w.share(
            "kim",
            "예산집계.ipynb",
            notebook("예산 집행 현황", "부서별 예산 집행률을 계산합니다."),
            "예산 집행 현황",
            "internal",
        )
        assert (
            hub.put_file(
                "lee", "출장비.chat", json.dumps(CHAT, ensure_ascii=False), token=w.hub_tokens["lee"]
            ).status_code
            == 201
        )
        w.share(
            "lee",
            "출장비정산.ipynb",
            notebook("출장비 정산 도우미", "여비 규정에 따라 출장비를 계산합니다."),
            "출장비 정산 도우미",
            "public",
            chats=["출장비.chat"],
        )
        w.share(
            "lee", "인사자료.ipynb", notebook("인사 평가 초안", "비공개 인사 자료 정리"), "인사 평가 초안", "private"
        )
        # The next background refresh (refresh_every) picks the shares up; start from there.
        park = w.session("park")
        wait_for(lambda: len(w.entries(park)["entries"]) == 3 and all(e["author"] for e in w.entries(park)["entries"]))
        yield w
    finally:
        hub.kill_everything()
        gitlab.reset()


def wait_for(predicate, timeout: float = 60, every: float = 0.5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not met in time")


def test_listing_shows_shared_work_and_never_anothers_private_project(world):
    park = world.session("park")
    got = wait_for(
        lambda: (lambda d: d if len(d["entries"]) >= 3 and all(e["author"] for e in d["entries"]) else None)(
            world.entries(park)
        )
    )
    titles = {e["title"] for e in got["entries"]}
    assert titles == {"민원 데이터 분석", "예산 집행 현황", "출장비 정산 도우미"}  # public + internal
    assert "인사 평가 초안" not in json.dumps(got, ensure_ascii=False)
    minwon = next(e for e in got["entries"] if e["title"] == "민원 데이터 분석")
    assert (minwon["agency"], minwon["author"], minwon["ai_model"]) == (AGENCY, "kim", "openai/mock-model")
    assert minwon["has_thumbnail"] and minwon["date"].startswith("20")
    thumb = park.get(f"{world.gallery}/thumb/{minwon['id']}", timeout=30)
    assert thumb.status_code == 200 and thumb.content == PNG
    # The private project is not reachable by link either.
    private = world.shared["인사 평가 초안"]["project"]
    assert park.get(f"{world.gallery}/open/{private}", allow_redirects=False, timeout=30).status_code == 404
    # Its owner sees it, read with her own GitLab token.
    lee = world.session("lee")
    mine = wait_for(lambda: [e for e in world.entries(lee)["entries"] if e["title"] == "인사 평가 초안"])
    assert mine[0]["visibility"] == "private"
    # GitLab tokens never reach the browser.
    page = park.get(f"{world.gallery}/", timeout=30).text
    for token in world.gitlab.store.tokens:
        assert token not in page


def test_korean_search_and_detail_view(world):
    park = world.session("park")
    wait_for(lambda: world.entries(park, q="출장비를")["entries"])  # a particle on the word
    found = world.entries(park, q="출장비를")["entries"]
    assert [e["title"] for e in found] == ["출장비 정산 도우미"]
    assert [e["title"] for e in world.entries(park, q="민원 자동화")["entries"]] == ["민원 데이터 분석"]
    assert world.entries(park, q="없는단어")["entries"] == []
    detail = park.get(f"{world.gallery}/p/{found[0]['id']}", timeout=30)
    assert detail.status_code == 200
    html = detail.text
    assert "출장비 정산 도우미 업무를 자동화한 노트북" in html and "목적 / Purpose" in html  # the README
    assert "출장비 규정표를 읽는 코드를 써 줘" in html  # the readable transcript
    assert "govlab-manifest.json" in html and "chats/" in html  # the file list
    assert world.shared["출장비 정산 도우미"]["web_url"] in html  # the GitLab link
    assert "내 실험실에서 열기" in html


def confirm_pull(page, folder_part: str) -> None:
    """The lab's git-pull confirmation (Korean, what and where), then 가져오기 / Pull."""
    pull = page.locator("[data-gitpull=pull]")
    pull.wait_for(timeout=120_000)
    assert folder_part in page.locator("[data-gitpull=folder]").inner_text()
    pull.click()


def test_search_and_open_in_my_lab_in_chromium(world, page):
    hub = world.hub
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", "park")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("#login_submit")
    page.wait_for_url("**/user/park/**", timeout=120_000)
    page.goto(f"{world.gallery}/")
    page.locator("[data-gallery=search]").fill("출장비")
    page.locator("[data-gallery=search-submit]").click()
    cards = page.locator("[data-gallery=card]")
    cards.first.wait_for()
    assert cards.count() == 1 and "출장비 정산 도우미" in cards.first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "gallery-search.png"))
    cards.first.locator("[data-gallery=open]").click()
    folder = world.shared["출장비 정산 도우미"]["project"].rsplit("/", 1)[1]
    confirm_pull(page, folder)
    # nbgitpuller clones over smart HTTP into park's lab, then opens the notebook.
    page.wait_for_url(re.compile(rf".*/user/park/lab/tree/{folder}/.*"), timeout=120_000)
    try:
        page.wait_for_selector(".jp-NotebookPanel", timeout=120_000)
    finally:
        page.screenshot(path=str(ARTIFACTS / "gallery-opened.png"))
        print("URL", page.url)
    r = hub.lab("GET", "park", f"/api/contents/{folder}/출장비정산.ipynb", token=world.hub_tokens["park"])
    assert r.status_code == 200, r.text
    assert r.json()["content"]["cells"][0]["source"].startswith("# 출장비 정산 도우미")
    # The official's own edit survives a second open (nbgitpuller merges, never overwrites).
    nb = r.json()["content"]
    nb["cells"][1]["source"] = "print('내가 고친 코드')"
    assert hub.put_file("park", f"{folder}/출장비정산.ipynb", nb, token=world.hub_tokens["park"]).status_code == 200
    page.goto(f"{world.gallery}/open/{world.shared['출장비 정산 도우미']['project']}")
    confirm_pull(page, folder)
    page.wait_for_url(re.compile(rf".*/user/park/lab/tree/{folder}/.*"), timeout=120_000)
    again = hub.lab("GET", "park", f"/api/contents/{folder}/출장비정산.ipynb", token=world.hub_tokens["park"]).json()
    assert again["content"]["cells"][1]["source"] == "print('내가 고친 코드')"
    opened = [e for e in world.entries(world.session("park"))["entries"] if e["title"] == "출장비 정산 도우미"]
    assert opened[0]["opens"] == 2
    # An internal project opens too: git clones it with park's own GitLab token, which
    # the lab's credential helper takes from the hub (nothing is stored in the clone).
    internal = world.shared["예산 집행 현황"]["project"]
    folder = internal.rsplit("/", 1)[1]
    page.goto(f"{world.gallery}/open/{internal}")
    confirm_pull(page, folder)
    page.wait_for_url(re.compile(rf".*/user/park/lab/tree/{folder}/.*"), timeout=120_000)
    r = hub.lab("GET", "park", f"/api/contents/{folder}/예산집계.ipynb", token=world.hub_tokens["park"])
    assert r.status_code == 200, r.text
    git_config = (hub.home("park") / folder / ".git" / "config").read_text()
    assert not any(t in git_config for t in list(world.gitlab.store.tokens))


def gallery_xsrf_cookie(s: requests.Session) -> str:
    return next(c.value for c in s.cookies if c.name == "_xsrf" and c.path.startswith("/services/gallery"))


def gallery_pid(world: World) -> int | None:
    """The pid of this hub's gallery service (matched by its own service URL)."""
    url = world.hub.settings["gallery"]["bind_url"]
    for proc in Path("/proc").iterdir():
        try:
            if b"govlab.gallery" not in (proc / "cmdline").read_bytes():
                continue
            if f"JUPYTERHUB_SERVICE_URL={url}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                return int(proc.name)
        except (OSError, ValueError):
            continue
    return None


def xsrf_of(html: str) -> str:
    return re.search(r'name="_xsrf" value="([^"]+)"', html).group(1)


def test_admins_mark_featured_entries_which_come_first(world):
    admin = world.session("admin")
    wait_for(lambda: len(world.entries(admin)["entries"]) >= 3)
    before = world.entries(admin)["entries"]
    last = before[-1]
    detail = admin.get(f"{world.gallery}/p/{last['id']}", timeout=30).text
    # Without the XSRF token the mark is refused.
    refused = admin.post(
        f"{world.gallery}/featured/{last['id']}", data={"featured": "1"}, allow_redirects=False, timeout=30
    )
    assert refused.status_code in (302, 403) and not world.entries(admin)["entries"][0]["featured"]
    r = admin.post(
        f"{world.gallery}/featured/{last['id']}", data={"featured": "1", "_xsrf": xsrf_of(detail)}, timeout=30
    )
    assert r.status_code == 200
    park = world.session("park")
    after = world.entries(park)["entries"]
    assert after[0]["id"] == last["id"] and after[0]["featured"]
    assert "우수사례" in park.get(f"{world.gallery}/", timeout=30).text
    # An official who is not a curator cannot mark, and sees no button.
    page = park.get(f"{world.gallery}/p/{before[0]['id']}", timeout=30).text
    assert 'data-gallery="feature-form"' not in page
    denied = park.post(
        f"{world.gallery}/featured/{before[0]['id']}",
        data={"featured": "1", "_xsrf": gallery_xsrf_cookie(park)},
        allow_redirects=False,
        timeout=30,
    )
    assert denied.status_code == 403 and "관리자만" in denied.text  # past the XSRF check, refused as non-curator
    assert [e["id"] for e in world.entries(park)["entries"] if e["featured"]] == [last["id"]]
    # The mark survives a restart of the service (the hub restarts a managed service that exits).
    old_pid = gallery_pid(world)
    os.kill(old_pid, signal.SIGTERM)
    wait_for(lambda: gallery_pid(world) not in (None, old_pid), timeout=60)

    def listed_again():
        try:
            entries = world.entries(world.session("park"))["entries"]
        except (AssertionError, requests.RequestException):  # still restarting (503)
            return None
        return entries if len(entries) >= 3 else None

    again = wait_for(listed_again, timeout=90)
    assert again[0]["id"] == last["id"] and again[0]["featured"]


def test_gitlab_outage_shows_the_cached_list_with_a_notice(world):
    park = world.session("park")
    known = wait_for(lambda: world.entries(park)["entries"])
    # A GitLab that hangs (20 s, longer than this page request may take): the next
    # background refresh runs into it (and gives up after request_timeout); pages keep
    # answering at once from the cache.
    world.gitlab.fault("GET", r"^/api/v4/projects$", status=None, delay=20, count=1)
    time.sleep(11)  # refresh_every is 10 s: a refresh has met the hanging GitLab
    assert world.gitlab._server.faults.pending == []  # it was taken by that refresh
    quick = park.get(f"{world.gallery}/api/entries", timeout=5).json()
    assert {e["id"] for e in quick["entries"]} == {e["id"] for e in known}
    try:
        # GitLab slow and failing: the page keeps answering with what it last knew.
        world.gitlab.fault("GET", r"^/api/v4/projects$", status=503, count=10_000, delay=1)
        stale = wait_for(lambda: (lambda d: d if d["stale"] else None)(world.entries(park)), timeout=60)
        assert {e["id"] for e in stale["entries"]} == {e["id"] for e in known}
        html = park.get(f"{world.gallery}/", timeout=10).text
        assert "GitLab에 연결할 수 없어" in html and 'data-kind="stale"' in html
    finally:
        world.gitlab._server.faults.clear()
    # Retried with backoff: the notice goes away by itself.
    wait_for(lambda: not world.entries(park)["stale"], timeout=60)


def test_shares_carry_the_configured_topic_and_the_gallery_lists_by_it(world):
    # Every lab share went into GitLab with the settings' topic (the default is not added).
    for shared in world.shared.values():
        assert world.gitlab.store.project_by_ref(shared["project"])["topics"] == [TOPIC]
    # A project with only the default topic is not this gallery's; one with ours is.
    world.gitlab.add_project(GROUP, "기본 주제 과제", path="default-topic", visibility="public", topics=["govlab"])
    world.gitlab.add_project(GROUP, "설정 주제 과제", path="configured-topic", visibility="public", topics=[TOPIC])
    park = world.session("park")
    titles = wait_for(
        lambda: (lambda t: t if "설정 주제 과제" in t else None)({e["title"] for e in world.entries(park)["entries"]}),
        timeout=60,
    )
    assert "기본 주제 과제" not in titles
