"""The curators' reuse report: `GET report` (the page) and `GET report.csv` (the same table).

Curators only (the hub's curator scope, as the featured toggle). Figures cover the
projects the curator may see, exactly the list page's visibility filter; the command
line (`govlab gallery report`) builds the same rows from the shared catalog.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from urllib.parse import urlencode

import tornado.web

from .. import messages
from . import figures, listing
from .app import BaseHandler, notice
from .catalog import Details, Entry
from .events import agency_of
from .requests_count import RequestCounts

BUILD_TIMEOUT = 20.0  # seconds; a report over years of events is still well under this


def projects_of(entries: list[Entry], details: dict[int, Details]) -> list[figures.Project]:
    """What figures need of each project, with the list page's titles and agencies."""
    return [
        figures.Project(c.entry.id, c.entry.path_with_namespace, c.title, c.agency, c.details.owner)
        for c in listing.cards(entries, details, {}, {})
    ]


def today() -> date:
    return datetime.now(UTC).date()


class ReportHandler(BaseHandler):
    def initialize(self, counts: RequestCounts, csv: bool = False):
        self.counts = counts
        self.csv = csv

    def refuse(self, status: int, text: messages.Text) -> None:
        self.set_status(status)
        self.finish(self.render_string("error.html", status=status, url=self.url, **text._asdict()))

    @tornado.web.authenticated
    async def get(self):
        if not self.is_curator:
            return self.refuse(403, messages.GALLERY_REPORT_CURATORS_ONLY)
        since_arg = self.get_argument("since", "")[:20]
        until_arg = self.get_argument("until", "")[:20]
        try:
            start, end = figures.period(since_arg, until_arg, today())
        except figures.BadPeriod:
            return self.refuse(400, messages.GALLERY_REPORT_BAD_PERIOD)
        sort = self.get_argument("sort", "opens")
        if sort not in figures.PROJECT_COLUMNS:
            sort = "opens"
        descending = self.get_argument("dir", "desc") != "asc"
        entries, lists = await self.gallery.catalog.view(self.user_name, await self.gitlab_token())
        projects = projects_of(entries, self.gallery.catalog.details)
        counts = await self.counts.fresh([p.id for p in projects], self.cfg.first_wait)
        _, until_iso = figures.bounds(start, end)
        store, agencies = self.gallery.store, agency_of(self.gallery)

        def build() -> figures.Figures:
            fig = figures.compute(projects, store.events(until=until_iso), start, end, agencies, counts)
            fig.projects = figures.sort_projects(fig.projects, sort, descending)
            return fig

        try:
            # Tens of milliseconds for thousands of events: off the event loop, bounded.
            fig = await asyncio.wait_for(asyncio.to_thread(build), BUILD_TIMEOUT)
        except TimeoutError:
            return self.refuse(503, messages.GALLERY_REPORT_BUSY)
        params = {
            "since": start.isoformat(),
            "until": end.isoformat(),
            "sort": sort,
            "dir": "desc" if descending else "asc",
        }
        if self.csv:
            name = self.get_argument("table", "projects")
            name = name if name in figures.TABLES else "projects"
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.set_header(
                "Content-Disposition",
                f'attachment; filename="govlab-report-{name}-{params["since"]}-{params["until"]}.csv"',
            )
            return self.finish(figures.to_csv(fig, name).encode("utf-8"))

        def sort_url(column: str) -> str:
            flip = "asc" if column == sort and descending else "desc"
            return self.url("report") + "?" + urlencode({**params, "sort": column, "dir": flip})

        def csv_url(name: str) -> str:
            return self.url("report.csv") + "?" + urlencode({**params, "table": name})

        self.render_page(
            "report.html",
            fig=fig,
            params=params,
            sort=sort,
            descending=descending,
            sort_url=sort_url,
            csv_url=csv_url,
            table=figures.table,
            columns=figures.PROJECT_COLUMNS,
            notice=notice(lists),
        )
