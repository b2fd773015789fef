"""The curators' reuse report with many projects and events: warm page view time.

    .venv/bin/python tests/benchmarks/bench_gallery_report.py [--projects 1000] [--events 10000]

Seeds the loopback GitLab server (bench_gallery.seed) with N shared projects and the
gallery's store with M reuse events (opens, re-runs after opening, re-shares, shares
with quality states, officials of four agencies), loads the catalog and the improvement
request counts once (cold), then times warm views, everything a view does except the
hub sign-in round trip:

- baseline: the list page (catalog view, cards, order, list template), same catalog;
- report: catalog view, request counts (cached), events from SQLite, figures, sort,
  report template; and the CSV of the same table.

Target: report warm <= 200 ms. Prints numbers and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tornado.template import Loader

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from govlab.gallery import figures, listing  # noqa: E402
from govlab.gallery.app import TEMPLATES, notice  # noqa: E402
from govlab.gallery.cache import Catalog  # noqa: E402
from govlab.gallery.config import GalleryConfig  # noqa: E402
from govlab.gallery.report import projects_of  # noqa: E402
from govlab.gallery.requests_count import RequestCounts  # noqa: E402
from govlab.gallery.store import Store  # noqa: E402
from govlab_share.testing.gitlab_server import GitLabServer, GitLabTestServer  # noqa: E402
from tests.benchmarks.bench_gallery import AGENCIES, render_page, seed  # noqa: E402

END = date(2026, 7, 31)
START = END - timedelta(days=89)
COMMON = {
    "url": lambda *p: "/services/gallery/" + "/".join(p),
    "user": "curator",
    "curator": True,
    "hub_home": "/hub/home",
    "static_url": lambda p: f"/services/gallery/static/{p}",
    "xsrf_form_html": lambda: "",
}


def seed_events(store: Store, paths: list[str], n: int) -> None:
    rnd = random.Random(15)
    users = [f"u{i}" for i in range(200)]
    t0 = datetime(START.year, START.month, START.day, tzinfo=UTC)
    for _ in range(n):
        user, path = rnd.choice(users), rnd.choice(paths)
        at = t0 + timedelta(seconds=rnd.randrange(90 * 86400))
        agency = AGENCIES[int(user[1:]) % len(AGENCIES)]
        kind = rnd.choices(("open", "rerun", "share"), (6, 3, 1))[0]
        if kind == "share":
            store.add_event(
                "share",
                rnd.choice(paths),
                user,
                agency=agency,
                origin=path if rnd.random() < 0.5 else None,
                quality=rnd.choice(("passed", "failed", "skipped", "unchecked")),
                at=at,
            )
        else:
            store.add_event(kind, path, user, agency=agency, at=at)


async def list_view(cat: Catalog, loader: Loader, cfg) -> int:
    """The baseline: the list page's first page, rendered as bench_gallery does."""
    entries, lists = await cat.view("curator", None)
    return render_page(loader, listing.select(listing.cards(entries, cat.details, {}, {})), lists, cfg)


async def report_view(cat: Catalog, counts: RequestCounts, store: Store, loader: Loader, cfg, csv: bool = False):
    entries, lists = await cat.view("curator", None)
    projects = projects_of(entries, cat.details)
    known = await counts.fresh([p.id for p in projects], cfg.first_wait)
    agency_of = figures.agency_lookup(((d.owner, d.agency) for d in cat.details.values()), cfg.agency)
    fig = figures.compute(projects, store.events(until=figures.bounds(START, END)[1]), START, END, agency_of, known)
    fig.projects = figures.sort_projects(fig.projects, "opens", True)
    if csv:
        return len(figures.to_csv(fig, "projects").encode("utf-8"))
    params = {"since": START.isoformat(), "until": END.isoformat(), "sort": "opens", "dir": "desc"}
    html = loader.load("report.html").generate(
        **COMMON,
        fig=fig,
        params=params,
        sort="opens",
        descending=True,
        sort_url=lambda c: f"?sort={c}",
        csv_url=lambda n: f"report.csv?table={n}",
        table=figures.table,
        columns=figures.PROJECT_COLUMNS,
        notice=notice(lists),
    )
    return len(html)


async def timed(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


async def run(cfg: GalleryConfig, store: Store, n_events: int, rounds: int) -> dict:
    loader = Loader(str(TEMPLATES))
    cat = Catalog(cfg)
    counts = RequestCounts(cat, every=3600)
    try:
        await cat.view("curator", None)
        while cat.shared.loaded_at is None:
            await asyncio.sleep(0.01)
        await cat.shared.details_task
        seed_events(store, [e.path_with_namespace for e in cat.shared.entries], n_events)
        t0 = time.perf_counter()
        await counts.fresh([e.id for e in cat.shared.entries], 3600)  # cold: every project's issues once
        cold_counts = time.perf_counter() - t0
        base = await timed(lambda: list_view(cat, loader, cfg), rounds)
        report = await timed(lambda: report_view(cat, counts, store, loader, cfg), rounds)
        sheet = await timed(lambda: report_view(cat, counts, store, loader, cfg, csv=True), rounds)
        size = await report_view(cat, counts, store, loader, cfg)
    finally:
        cat.close()
    return {"cold_counts_s": cold_counts, "base": base, "report": report, "csv": sheet, "html_bytes": size}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=1000)
    ap.add_argument("--events", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        server = GitLabTestServer(GitLabServer(str(Path(tmp) / "gitlab")).start())
        store = Store(str(Path(tmp) / "gallery.sqlite"))
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
            r = asyncio.run(run(cfg, store, args.events, args.rounds))
        finally:
            store.close()
            server._server.stop()
    base, report, sheet = (statistics.median(r[k]) * 1000 for k in ("base", "report", "csv"))
    print(f"cold: improvement request counts of {args.projects} projects read in {r['cold_counts_s']:.1f} s")
    print(f"baseline: list page warm, median {base:.1f} ms (max {max(r['base']) * 1000:.1f} ms)")
    print(
        f"report: {args.projects} projects, {args.events} events, warm median {report:.1f} ms "
        f"(max {max(r['report']) * 1000:.1f} ms, {r['html_bytes'] // 1024} KiB), "
        f"{report / base:.2f}x the list page; target <= 200 ms: {'met' if report <= 200 else 'NOT met'}"
    )
    print(f"report CSV: warm median {sheet:.1f} ms ({sheet / base:.2f}x the list page)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
