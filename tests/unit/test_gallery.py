"""The gallery's parts: search, listing, store, cache, GitLab catalog (loopback GitLab), render."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from govlab.gallery import catalog, listing, search
from govlab.gallery.app import notice, pull_url
from govlab.gallery.cache import Catalog, Refresher, backoff
from govlab.gallery.catalog import Details, Entry, GitLabUnavailable
from govlab.gallery.config import ConfigError, GalleryConfig, from_env
from govlab.gallery.render import markdown_html
from govlab.gallery.store import Store

pytest_plugins = ("govlab_share.pytest_plugin",)


def entry(
    i: int, name: str = "", tags=(), visibility: str = "public", when: str = "2026-11-01T00:00:00Z", path: str = ""
) -> Entry:
    return Entry(
        id=i,
        path_with_namespace=path or f"shared/p{i}",
        name=name or f"p{i}",
        description="",
        web_url=f"http://gitlab.test/shared/p{i}",
        http_url_to_repo=f"http://gitlab.test/shared/p{i}.git",
        default_branch="main",
        visibility=visibility,
        tags=list(tags),
        namespace="shared",
        created_at=when,
        last_activity_at=when,
    )


# -- search ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, text, hit",
    [
        ("민원", "월별 민원 건수 집계", True),
        ("민원을", "월별 민원 건수 집계", True),  # a particle on the query word
        ("민원분석", "민원 분석 노트북", True),  # spacing differs
        ("민원 출장비", "민원 분석", False),  # every word must match
        ("출장비", "민원 분석", False),
        ("PANDAS", "pandas로 엑셀 합치기", True),  # case-folded
        ("ｐａｎｄａｓ", "pandas", True),  # full-width letters (NFKC)
        ("이", "민원", False),  # a lone particle is not stripped to nothing
    ],
)
def test_search_matches_korean_words(query, text, hit):
    assert bool(search.score(search.Indexed.of(description=text), search.query_words(query))) is hit


def test_search_weighs_title_over_readme():
    words = search.query_words("정산")
    in_title = search.score(search.Indexed.of(title="출장비 정산"), words)
    in_readme = search.score(search.Indexed.of(readme="... 정산 ..."), words)
    assert in_title > in_readme > 0


# -- listing -------------------------------------------------------------------------
def cards_of(entries, details=None, featured=(), opens=None):
    return listing.cards(entries, details or {}, {i: {} for i in featured}, opens or {})


def test_featured_first_then_newest():
    es = [
        entry(1, when="2026-11-01T00:00:00Z"),
        entry(2, when="2026-11-20T00:00:00Z"),
        entry(3, when="2026-10-01T00:00:00Z"),
    ]
    order = [c.entry.id for c in listing.select(cards_of(es, featured={3}))]
    assert order == [3, 2, 1]


def test_search_ranks_within_featured_order():
    es = [entry(1, name="월간 보고"), entry(2, name="민원 통계"), entry(3, name="기타")]
    details = {3: Details("", readme="민원 데이터 설명")}
    found = listing.select(cards_of(es, details), q="민원")
    assert [c.entry.id for c in found] == [2, 3]  # title hit before README hit


def test_filters_agency_topic_and_period():
    now = datetime(2026, 11, 25, tzinfo=UTC)
    es = [
        entry(1, tags=["민원"], when=(now - timedelta(days=3)).isoformat()),
        entry(2, tags=["예산"], when=(now - timedelta(days=40)).isoformat()),
    ]
    details = {1: Details("", agency="행정안전부"), 2: Details("", agency="국토교통부")}
    cs = cards_of(es, details)
    assert [c.entry.id for c in listing.select(cs, agency="국토교통부", now=now)] == [2]
    assert [c.entry.id for c in listing.select(cs, topic="민원", now=now)] == [1]
    assert [c.entry.id for c in listing.select(cs, period="30", now=now)] == [1]
    assert listing.facets(cs) == (["국토교통부", "행정안전부"], ["민원", "예산"])


def test_paging_clamps():
    items = list(range(50))
    assert listing.page_of(items, 3, 24) == ([48, 49], 3)
    assert listing.page_of(items, 99, 24)[0] == [48, 49]
    assert listing.page_of([], 1, 24) == ([], 1)


def test_pull_url_opens_the_notebook_in_the_cloned_folder():
    e = entry(7, path="행정/minwon-abc123")
    url = pull_url("/", e, Details("", notebook="민원분석.ipynb"))
    assert url.startswith("/hub/user-redirect/git-pull?repo=http%3A//gitlab.test/shared/p7.git")
    assert "branch=main&targetpath=minwon-abc123&urlpath=lab/tree/minwon-abc123/%EB%AF%BC" in url


# -- store -------------------------------------------------------------------------
def test_store_keeps_marks_and_counts_across_restarts(tmp_path):
    path = str(tmp_path / "state" / "gallery.sqlite")
    s = Store(path)
    s.set_featured(5, True, "admin")
    assert s.record_open(5) == 1 and s.record_open(5) == 2
    s.close()
    s = Store(path)  # a restart
    assert set(s.featured()) == {5} and s.featured()[5]["by"] == "admin"
    assert s.opens() == {5: 2}
    s.set_featured(5, False, "admin")
    assert s.featured() == {}
    assert (tmp_path / "state" / "gallery.sqlite").stat().st_mode & 0o077 == 0
    s.close()


# -- cache -------------------------------------------------------------------------
class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


async def _run(fn):
    return fn()


def test_refresher_serves_last_list_when_gitlab_fails():
    async def scenario():
        clock = FakeClock()
        answers = [
            [entry(1)],
            GitLabUnavailable("GitLab answered 503"),
            GitLabUnavailable("down"),
            [entry(1), entry(2)],
        ]

        def fetch():
            a = answers.pop(0)
            if isinstance(a, Exception):
                raise a
            return a

        r = Refresher(fetch, every=60, run=_run, clock=clock)
        await r.ready(5)
        assert [e.id for e in r.entries] == [1] and not r.stale and r.loaded_at
        r.kick()  # not due yet: nothing happens
        assert not r.running
        clock.now += 61
        r.kick()
        await r.task
        assert r.stale and [e.id for e in r.entries] == [1]  # the last list, marked stale
        assert notice([r])["kind"] == "stale" and "GitLab" in notice([r])["ko"]
        assert r.due == clock.now + 2  # retried soon, with backoff
        clock.now += 2
        r.kick()
        await r.task
        assert r.failures == 2 and r.due == clock.now + 4
        clock.now += 4
        r.kick()
        await r.task
        assert not r.stale and [e.id for e in r.entries] == [1, 2] and notice([r]) is None

    asyncio.run(scenario())


def test_refresher_never_loaded_waits_only_briefly():
    async def scenario():
        gate = asyncio.Event()

        async def slow_run(fn):
            await gate.wait()  # GitLab hangs
            return fn()

        r = Refresher(lambda: [entry(1)], every=60, run=slow_run)
        await asyncio.wait_for(r.ready(0.2), 2)  # returns after the bounded wait
        assert r.entries == [] and notice([r])["kind"] == "loading"
        gate.set()
        await r.task
        assert [e.id for e in r.entries] == [1]

    asyncio.run(scenario())


def test_forced_refresh_is_rate_limited():
    async def scenario():
        clock = FakeClock()
        calls = []
        r = Refresher(lambda: calls.append(1) or [], every=600, run=_run, clock=clock)
        r.kick()
        await r.task
        r.kick(force=True)  # within MIN_GAP of the last start
        assert not r.running
        clock.now += 6
        r.kick(force=True)
        await r.task
        assert len(calls) == 2

    asyncio.run(scenario())


def test_backoff_is_capped():
    assert [backoff(n, 30) for n in (1, 2, 3, 4, 5, 9)] == [2, 4, 8, 16, 30, 30]


# -- the catalog against the loopback GitLab -----------------------------------------
MANIFEST = {
    "title": "민원 데이터 분석",
    "description": "월별 민원 건수를 집계합니다",
    "author": "김민수",
    "agency": "행정안전부",
    "ai_model": "openai/qwen",
    "shared_at": "2026-11-20T10:00:00+09:00",
    "notebook": "민원분석.ipynb",
    "thumbnail": "thumbnail.png",
    "chats": [],
}


@pytest.fixture
def seeded(gitlab_server):
    g = gitlab_server
    for name in ("kim", "lee", "park", "bot"):
        g.add_user(name)
    g.add_group("shared", {"kim": 30, "lee": 30}, visibility="public")
    g.add_group("elsewhere", {"kim": 30}, visibility="public")
    files = {"README.md": "# 민원 데이터 분석\n", "govlab-manifest.json": json.dumps(MANIFEST, ensure_ascii=False)}
    g.add_project("shared", "민원 분석", "minwon", "public", ["govlab", "민원"], files=files)
    g.add_project("shared", "예산 집계", "budget", "internal", ["govlab"])
    g.add_project("shared", "이 비공개", "lee-private", "private", ["govlab"])
    g.add_project("shared", "토픽 없음", "no-topic", "public", [])
    g.add_project("elsewhere", "다른 그룹", "other", "public", ["govlab"])
    g.add_project("lee", "이 개인", "lee-own", "private", ["govlab"])
    return g


def test_catalog_lists_only_public_and_internal_shared_work(seeded):
    # Even a token that could see private projects never puts them in the shared catalog.
    admin = seeded.add_user("root", admin=True)
    token = seeded.add_token(admin["username"], scopes=("read_api",))
    gl = catalog.client(seeded.url, token, 5)
    got = {e.path_with_namespace for e in catalog.list_shared(gl, "govlab", ("shared",))}
    assert got == {"shared/minwon", "shared/budget"}
    anonymous = catalog.list_shared(catalog.client(seeded.url, "", 5), "govlab", ())
    assert {e.path_with_namespace for e in anonymous} == {"shared/minwon", "elsewhere/other"}


def test_private_projects_only_with_the_members_own_token(seeded):
    lee = seeded.add_token("lee", scopes=("api",))
    park = seeded.add_token("park", scopes=("api",))

    def private(token):
        gl = catalog.client(seeded.url, token, 5)
        return {
            e.path_with_namespace
            for e in catalog.list_shared(gl, "govlab", (), visibilities=("private",), membership=True)
        }

    assert private(lee) == {"shared/lee-private", "lee/lee-own"}
    assert private(park) == set()


def test_details_come_from_the_manifest_and_readme(seeded):
    gl = catalog.client(seeded.url, "", 5)
    e = next(e for e in catalog.list_shared(gl, "govlab", ()) if e.path_with_namespace == "shared/minwon")
    assert e.tags == ["민원"]  # the gallery topic itself is not a tag
    d = catalog.details(gl, e)
    assert (d.title, d.author, d.agency, d.ai_model, d.notebook, d.thumbnail) == (
        "민원 데이터 분석",
        "김민수",
        "행정안전부",
        "openai/qwen",
        "민원분석.ipynb",
        "thumbnail.png",
    )
    assert d.readme.startswith("# 민원 데이터 분석")
    assert catalog.tree(gl, e) == ["README.md", "govlab-manifest.json"]
    assert catalog.raw_file(gl, e.id, "missing.txt", "main") is None


def test_gitlab_down_is_one_clear_error(seeded):
    seeded.fault("GET", r"/api/v4/projects$", status=503, count=1)
    with pytest.raises(GitLabUnavailable, match="503"):
        catalog.list_shared(catalog.client(seeded.url, "", 5), "govlab", ())
    seeded.fault("GET", r"/api/v4/projects$", status=None, delay=3, count=1)
    with pytest.raises(GitLabUnavailable, match="Timeout"):
        catalog.list_shared(catalog.client(seeded.url, "", 0.5), "govlab", ())


def test_catalog_view_merges_shared_and_private_lists(seeded, tmp_path):
    lee = seeded.add_token("lee", scopes=("api",))
    cfg = GalleryConfig(gitlab_url=seeded.url, namespaces=("shared", "lee"), db_path=str(tmp_path / "g.sqlite"))

    async def scenario():
        cat = Catalog(cfg)
        try:
            anon, _ = await cat.view("park", None)
            mine, lists = await cat.view("lee", lee)
            await asyncio.gather(*(r.details_task for r in lists if r.details_task))
            return ({e.path_with_namespace for e in anon}, {e.path_with_namespace for e in mine}, dict(cat.details))
        finally:
            cat.close()

    anon, mine, details = asyncio.run(scenario())
    assert anon == {"shared/minwon"}  # no token: public only (internal needs a catalog token)
    assert mine == {"shared/minwon", "shared/lee-private", "lee/lee-own"}
    assert any(d.agency == "행정안전부" for d in details.values())


# -- config and render ------------------------------------------------------------------
def test_config_from_the_hub_environment():
    env = {
        "GOVLAB_GALLERY_CONFIG": json.dumps({"gitlab_url": "http://gl.test/", "namespaces": ["a/b"]}),
        "GOVLAB_GALLERY_GITLAB_TOKEN": "glpat-secret-1",
        "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:9999",
        "JUPYTERHUB_SERVICE_PREFIX": "/services/gallery/",
    }
    cfg = from_env(env)
    assert (cfg.gitlab_url, cfg.namespaces, cfg.port, cfg.token) == ("http://gl.test", ("a/b",), 9999, "glpat-secret-1")
    assert "glpat-secret-1" not in repr(cfg)
    with pytest.raises(ConfigError, match="GOVLAB_GALLERY_CONFIG"):
        from_env({})


def test_markdown_is_escaped_and_links_point_into_the_repository():
    html = markdown_html(
        "<script>alert(1)</script>\n\n[대화](chats/a.md) ![p](thumbnail.png) [x](javascript:alert(1))",
        "http://gl.test/g/p",
        "main",
    )
    assert "<script>" not in html
    assert 'href="http://gl.test/g/p/-/blob/main/chats/a.md"' in html
    assert 'src="http://gl.test/g/p/-/raw/main/thumbnail.png"' in html
    assert "javascript:" not in html


def test_a_first_load_shows_the_first_page_of_gitlabs_answer(seeded):
    for i in range(150):
        seeded.add_project("shared", f"추가 {i}", f"extra-{i}", "public", ["govlab"])
    cfg = GalleryConfig(gitlab_url=seeded.url, namespaces=("shared",), db_path=":memory:")

    async def scenario():
        cat = Catalog(cfg)
        try:
            # The first page of the listing comes at once, the second one slowly.
            seeded.fault("GET", r"^/api/v4/projects$", status=None, delay=0, count=1)
            seeded.fault("GET", r"^/api/v4/projects$", status=None, delay=3, count=1)
            first, lists = await cat.view("park", None)
            state = (len(first), lists[0].loaded_at, notice(lists)["kind"])
            await lists[0].task
            return state, len(lists[0].entries), notice(lists)
        finally:
            cat.close()

    (shown, loaded_at, kind), total, after = asyncio.run(scenario())
    assert (shown, loaded_at, kind) == (100, None, "loading")  # the newest 100, marked as loading
    assert total == 151 and after is None  # 150 + shared/minwon (internal ones need a token)
