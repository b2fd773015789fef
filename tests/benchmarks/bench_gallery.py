"""The gallery with many shared projects: time to first page and GitLab API calls per view.

    .venv/bin/python tests/benchmarks/bench_gallery.py [--projects 1000]

Seeds the loopback GitLab server (in this process, its own thread) with N shared
projects (topic `govlab`, README + manifest, half of them with a thumbnail) and runs
the gallery's own catalog, cache, search and page template - everything a page view
does except the hub sign-in round trip - against it:

- baseline: a bare python-gitlab listing of the same projects (`projects.list(topic=...,
  get_all=True)`), i.e. the least any gallery must do to know what exists;
- cold: a fresh gallery; the first page view (bounded by `first_wait`), then the time
  until the list and then every project's details are in;
- warm: page views served from the cache (list, search, filter), and the next
  background refresh (list only: details are re-read only for changed projects).

GitLab API calls are counted from the server's request log. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import gitlab
from tornado.template import Loader

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from govlab.gallery import listing  # noqa: E402
from govlab.gallery.app import TEMPLATES, notice  # noqa: E402
from govlab.gallery.cache import Catalog  # noqa: E402
from govlab.gallery.config import GalleryConfig  # noqa: E402
from govlab_share.testing.gitlab_server import GitLabServer, GitLabTestServer  # noqa: E402

PNG = bytes.fromhex("89504e470d0a1a0a") + b"\0" * 2000
WORDS = ["민원", "출장비", "예산", "인사", "교통", "복지", "환경", "세무", "감사", "통계"]
AGENCIES = ["행정안전부", "국토교통부", "보건복지부", "환경부"]


def seed(server: GitLabTestServer, n: int) -> str:
    server.add_user("bench", name="벤치")
    token = server.add_token("bench", scopes=("read_api",))
    server.add_group("shared", {"bench": 30}, visibility="public")
    for i in range(n):
        word = WORDS[i % len(WORDS)]
        manifest = {
            "title": f"{word} 분석 {i}",
            "description": f"{word} 업무 자동화 노트북 {i}",
            "author": f"공무원{i % 37}",
            "agency": AGENCIES[i % len(AGENCIES)],
            "ai_model": "openai/qwen2.5-coder",
            "shared_at": f"2026-{1 + i % 11:02d}-15T10:00:00+09:00",
            "notebook": f"n{i}.ipynb",
            "thumbnail": "thumbnail.png" if i % 2 else None,
            "chats": [],
        }
        files = {
            "README.md": f"# {word} 분석 {i}\n\n## 목적 / Purpose\n\n{word} 업무를 자동화합니다.\n",
            "govlab-manifest.json": json.dumps(manifest, ensure_ascii=False),
        }
        if i % 2:
            files["thumbnail.png"] = PNG
        server.add_project(
            "shared",
            f"{word} 분석 {i}",
            f"p{i:04d}",
            "public" if i % 3 else "internal",
            ["govlab", word],
            description=f"{word} 업무 자동화 노트북 {i}",
            files=files,
        )
    return token


def api_calls(server: GitLabTestServer, since: int) -> int:
    return sum(1 for _, path, _ in server.requests_log[since:] if path.startswith("/api/v4/"))


def render_page(loader: Loader, cards, lists, cfg) -> int:
    shown, pages = listing.page_of(cards, 1, cfg.page_size)
    agencies, topics = listing.facets(cards)
    html = loader.load("list.html").generate(
        url=lambda *p: "/services/gallery/" + "/".join(p),
        user="bench",
        curator=False,
        hub_home="/hub/home",
        static_url=lambda p: f"/services/gallery/static/{p}",
        cards=shown,
        total=len(cards),
        page=1,
        pages=pages,
        page_url=lambda n: f"?page={n}",
        agencies=agencies,
        topics=topics,
        notice=notice(lists),
        q="",
        agency="",
        topic="",
        period="",
        xsrf_form_html=lambda: "",
    )
    return len(html)


async def page_view(cat: Catalog, loader: Loader, cfg, q: str = "", agency: str = "") -> tuple[float, int, int]:
    t0 = time.perf_counter()
    entries, lists = await cat.view("bench", None)
    cards = listing.cards(entries, cat.details, {}, {})
    found = listing.select(cards, q=q, agency=agency)
    size = render_page(loader, found, lists, cfg)
    return time.perf_counter() - t0, len(found), size


async def gallery_run(server: GitLabTestServer, token: str, cfg: GalleryConfig) -> dict:
    loader = Loader(str(TEMPLATES))
    out: dict = {}
    cat = Catalog(cfg)
    try:
        mark = len(server.requests_log)
        t0 = time.perf_counter()
        first, shown, _ = await page_view(cat, loader, cfg)
        out["cold_first_view_s"], out["cold_first_view_entries"] = first, shown
        out["cold_first_view_calls"] = api_calls(server, mark)
        while cat.shared.loaded_at is None:
            await asyncio.sleep(0.01)
        out["cold_list_s"] = time.perf_counter() - t0
        await cat.shared.details_task
        out["cold_details_s"] = time.perf_counter() - t0
        out["cold_calls"] = api_calls(server, mark)
        mark = len(server.requests_log)
        warm = []
        for q, agency in [("", ""), ("민원", ""), ("출장비를", ""), ("", "환경부"), ("분석 5", "")] * 4:
            dt, _, _ = await page_view(cat, loader, cfg, q, agency)
            warm.append(dt)
        out["warm_view_ms"] = statistics.median(warm) * 1000
        out["warm_view_max_ms"] = max(warm) * 1000
        out["warm_calls_per_view"] = api_calls(server, mark) / len(warm)
        mark = len(server.requests_log)
        t0 = time.perf_counter()
        cat.shared.due = 0  # as the schedule does every `refresh_every` seconds
        cat.shared.kick()
        await cat.shared.task
        await cat.shared.details_task
        out["refresh_s"] = time.perf_counter() - t0
        out["refresh_calls"] = api_calls(server, mark)
    finally:
        cat.close()
    return out


def baseline(server: GitLabTestServer, token: str) -> dict:
    gl = gitlab.Gitlab(server.url, private_token=token)
    mark = len(server.requests_log)
    t0 = time.perf_counter()
    projects = gl.projects.list(topic="govlab", get_all=True, per_page=100)
    return {"list_s": time.perf_counter() - t0, "calls": api_calls(server, mark), "projects": len(projects)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=1000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-gallery-") as tmp:
        server = GitLabTestServer(GitLabServer(str(Path(tmp) / "gitlab")).start())
        try:
            t0 = time.perf_counter()
            token = seed(server, args.projects)
            print(f"seeded {args.projects} shared projects in {time.perf_counter() - t0:.1f} s")
            cfg = GalleryConfig(
                gitlab_url=server.url,
                namespaces=("shared",),
                token=token,
                db_path=str(Path(tmp) / "gallery.sqlite"),
                request_timeout=30,
            )
            base = baseline(server, token)
            g = asyncio.run(gallery_run(server, token, cfg))
        finally:
            server._server.stop()
    print(
        f"\nbaseline: bare python-gitlab listing of {base['projects']} projects: "
        f"{base['list_s']:.2f} s, {base['calls']} API calls"
    )
    print(
        f"gallery cold: first page view answered in {g['cold_first_view_s']:.2f} s "
        f"with {g['cold_first_view_entries']} entries after {g['cold_first_view_calls']} API call(s) "
        f"({g['cold_first_view_s'] / base['list_s']:.2f}x the baseline listing; bounded by "
        f"first_wait={cfg.first_wait:.0f} s)"
    )
    print(
        f"gallery cold: full list in {g['cold_list_s']:.2f} s "
        f"({g['cold_list_s'] / base['list_s']:.2f}x baseline), every project's details in "
        f"{g['cold_details_s']:.2f} s; {g['cold_calls']} API calls "
        f"({g['cold_calls'] / max(1, base['calls']):.0f}x baseline: list + manifest + README per project)"
    )
    print(
        f"gallery warm: page view (list/search/filter + template) median {g['warm_view_ms']:.1f} ms, "
        f"max {g['warm_view_max_ms']:.1f} ms; {g['warm_calls_per_view']:.0f} GitLab API calls per view"
    )
    print(
        f"gallery background refresh (nothing changed): {g['refresh_s']:.2f} s, {g['refresh_calls']} API calls "
        f"({g['refresh_calls'] / max(1, base['calls']):.2f}x baseline)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
