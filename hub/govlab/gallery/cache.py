"""The last known catalog, refreshed in the background (stale-while-revalidate).

A page view never waits for GitLab, except once, briefly (`first_wait`), for a catalog
that was never loaded. A failed refresh keeps the last list, marks it stale and is
retried with exponential backoff (2, 4, 8 ... seconds, at most `every`). GitLab calls
are blocking (python-gitlab) and run in a small thread pool, each bounded by the
client's timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from . import catalog
from .catalog import Details, Entry, GitLabUnavailable

log = logging.getLogger("govlab.gallery")
Fetch = Callable[[], list[Entry]]
MIN_GAP = 5.0  # seconds between forced refreshes of one list


def backoff(failures: int, cap: float) -> float:
    return min(cap, 2.0 ** max(1, failures))


class Refresher:
    """One list from GitLab (the shared catalog, or one official's private projects)."""

    def __init__(
        self,
        fetch: Fetch,
        every: float,
        run: Callable[[Callable], Awaitable],
        after: Callable[[list[Entry]], Awaitable] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.fetch = fetch
        self.every = every
        self._run_blocking = run
        self._after = after
        self._clock = clock
        self.entries: list[Entry] = []
        self.loaded_at: float | None = None  # wall clock of the last good refresh
        self.error: str | None = None  # why the last refresh failed (None: it worked)
        self.failures = 0
        self.due = 0.0
        self.started = float("-inf")
        self.task: asyncio.Task | None = None
        self.details_task: asyncio.Task | None = None
        self._progress = asyncio.Event()
        self.last_used = clock()
        # Projects announced one by one (a share a moment ago), by id: (when, entry or
        # None for gone). A full refresh that began before them must not undo them.
        self._pinned: dict[int, tuple[float, Entry | None]] = {}

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    @property
    def stale(self) -> bool:
        return self.error is not None

    def kick(self, force: bool = False) -> None:
        """Start a refresh in the background when one is due (never waits for it).

        `force` skips the schedule, but not more often than every MIN_GAP seconds
        (an unknown link must not let anyone hammer GitLab).
        """
        now = self._clock()
        if self.running:
            return
        if now < self.due and not (force and now - self.started >= MIN_GAP):
            return
        self.started = now
        self.task = asyncio.ensure_future(self._refresh())

    def upsert(self, entry: Entry) -> None:
        """Add or replace one project now (newest first), without a full refresh."""
        self._pinned[entry.id] = (self._clock(), entry)
        self.entries = [entry] + [e for e in self.entries if e.id != entry.id]

    def drop(self, project_id: int) -> None:
        """Remove one project now (made private, or moved out of this list)."""
        if any(e.id == project_id for e in self.entries):
            self._pinned[project_id] = (self._clock(), None)
            self.entries = [e for e in self.entries if e.id != project_id]

    def _with_pins(self, entries: list[Entry], began: float) -> list[Entry]:
        # Pins older than this refresh's start are in its answer already: forget them.
        self._pinned = {i: p for i, p in self._pinned.items() if p[0] >= began}
        if not self._pinned:
            return entries
        have = {e.id for e in entries}
        added = [e for i, (_, e) in self._pinned.items() if e is not None and i not in have]
        kept = [self._pinned[e.id][1] if e.id in self._pinned else e for e in entries]
        return added + [e for e in kept if e is not None]

    async def _refresh(self) -> None:
        began = self._clock()
        try:
            entries = await self._run_blocking(self.fetch)
        except Exception as e:  # GitLabUnavailable, or anything unexpected: keep the last list
            self.failures += 1
            self.error = str(e) if isinstance(e, GitLabUnavailable) else f"{type(e).__name__}: {e}"
            self.due = self._clock() + backoff(self.failures, self.every)
            log.warning("gallery: GitLab refresh failed (%d in a row): %s", self.failures, self.error)
            return
        entries = self._with_pins(entries, began)
        self.entries = entries
        self.loaded_at = time.time()
        self.error = None
        self.failures = 0
        self.due = self._clock() + self.every
        if self._after and not (self.details_task and not self.details_task.done()):
            # Details follow in the background: a page waiting for the list never waits for
            # them. One pass at a time (a cold pass may outlast `every`); the next catches up.
            self.details_task = asyncio.ensure_future(self._details(entries))

    async def _details(self, entries: list[Entry]) -> None:
        try:
            await self._after(entries)
        except Exception:  # details are best effort; the list itself is good
            log.exception("gallery: reading shared projects' details failed")

    def partial(self, entries: list[Entry]) -> None:
        """Entries of a first load still in progress (later refreshes replace at once)."""
        if self.loaded_at is None:
            self.entries = entries
            self._progress.set()

    async def ready(self, wait: float) -> None:
        """For a list never loaded: start loading, wait at most `wait` seconds for the
        first entries (a first page of GitLab's answer is enough to show something)."""
        self.last_used = self._clock()
        self.kick()
        if self.loaded_at is None and self.error is None and self.running and not self.entries:
            self._progress.clear()
            waiter = asyncio.ensure_future(self._progress.wait())
            try:
                # asyncio.wait never cancels the refresh itself, on timeout neither.
                await asyncio.wait([self.task, waiter], timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()


class Refused(Exception):
    """A one-project refresh the gallery will not do (outside its namespaces)."""


class Catalog:
    """Everything the gallery knows about GitLab, shared by all officials' views."""

    def __init__(self, cfg, workers: int = 4):
        self.cfg = cfg
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="gallery-gitlab")
        self._sem = asyncio.Semaphore(workers)
        self.details: dict[int, Details] = {}
        self.files: dict[tuple[int, str], list[str]] = {}
        self.blobs: OrderedDict[tuple[int, str, str], bytes] = OrderedDict()
        self.shared = Refresher(self._fetch_shared, cfg.refresh_every, self.run, self._read_details)
        self.private: dict[str, Refresher] = {}
        self.user_tokens: dict[str, str] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    # -- plumbing ------------------------------------------------------------------
    async def run(self, fn, *args):
        self.loop = asyncio.get_running_loop()
        async with self._sem:
            return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    def client(self, token: str = "", oauth: bool = False):
        return catalog.client(self.cfg.gitlab_url, token, self.cfg.request_timeout, oauth=oauth)

    def client_for(self, entry: Entry, user: str):
        """Private projects are read with the official's own token, the rest with the catalog's."""
        if entry.visibility == "private" and self.user_tokens.get(user):
            return self.client(self.user_tokens[user], oauth=True)
        return self.client(self.cfg.token)

    # -- lists ---------------------------------------------------------------------
    @property
    def shared_visibilities(self) -> tuple[str, ...]:
        # Shared-password sign-in: the catalog token created the private projects too;
        # they are kept here and shown to their owner only (`may_see`).
        return catalog.LISTED_VISIBILITIES + (("private",) if self.cfg.owner_private else ())

    def _fetch_shared(self) -> list[Entry]:
        return catalog.list_shared(
            self.client(self.cfg.token),
            self.cfg.topic,
            self.cfg.namespaces,
            visibilities=self.shared_visibilities,
            on_page=self._from_thread(self.shared.partial),
        )

    def may_see(self, entry: Entry, user: str) -> bool:
        """Public and internal: everyone; private in the shared list: its manifest's owner."""
        if entry.visibility in catalog.LISTED_VISIBILITIES:
            return True
        d = self.details.get(entry.id)
        return self.cfg.owner_private and d is not None and bool(d.owner) and d.owner == user

    def _from_thread(self, fn):
        """Call `fn` on the event loop from a GitLab worker thread."""
        loop = self.loop

        def call(*args):
            loop.call_soon_threadsafe(fn, *args)

        return call

    def private_for(self, user: str, token: str) -> Refresher:
        self.user_tokens[user] = token
        ref = self.private.get(user)
        if ref is None:

            def fetch(user=user):
                gl = self.client(self.user_tokens[user], oauth=True)
                return catalog.list_shared(
                    gl, self.cfg.topic, self.cfg.namespaces, visibilities=("private",), membership=True
                )

            async def after(entries, user=user):
                await self._read_details(entries, self.client(self.user_tokens[user], oauth=True))

            ref = self.private[user] = Refresher(fetch, self.cfg.refresh_every, self.run, after)
        return ref

    async def view(self, user: str, token: str | None) -> tuple[list[Entry], list[Refresher]]:
        """The entries `user` may see now, and the lists they came from (for notices)."""
        lists = [self.shared]
        if token:
            lists.append(self.private_for(user, token))
        await asyncio.gather(*(r.ready(self.cfg.first_wait) for r in lists))
        seen: dict[int, Entry] = {}
        for r in lists:
            # A private list holds what GitLab lets this official read; the shared one
            # is filtered per official.
            own = r is not self.shared
            for e in r.entries:
                if own or self.may_see(e, user):
                    seen.setdefault(e.id, e)
        return list(seen.values()), lists

    async def refresh_project(self, path: str, user: str, token: str | None) -> Entry | None:
        """Re-read one project now (a share a moment ago) and put it in the right list.

        Read with the official's own GitLab token when there is one (GitLab sign-in),
        else with the catalog token. Returns the entry when `user` may see it, None when
        it does not exist for that token, is not a shared project, or is not theirs.
        Raises Refused outside the gallery's namespaces (before any GitLab call) and
        GitLabUnavailable when GitLab does not answer.
        """
        if not catalog.in_namespaces(path, self.cfg.namespaces):
            raise Refused(path)
        gl = self.client(token, oauth=True) if token else self.client(self.cfg.token)
        attrs = await asyncio.wait_for(self.run(catalog.project, gl, path), self.cfg.request_timeout)
        if not attrs or not catalog.is_shared(attrs, self.cfg.topic, self.cfg.namespaces):
            return None
        e = catalog.entry_from(attrs, self.cfg.topic)
        self.details[e.id] = await asyncio.wait_for(self.run(catalog.details, gl, e), self.cfg.request_timeout)
        if e.visibility in self.shared_visibilities:
            self.shared.upsert(e)
            for r in self.private.values():
                r.drop(e.id)
            return e if self.may_see(e, user) else None
        self.shared.drop(e.id)
        if token and self.cfg.user_tokens:
            # GitLab showed a private project to this official's own token: theirs to see.
            self.private_for(user, token).upsert(e)
            return e
        return None

    def tick(self) -> None:
        """Periodic: refresh what is due, retry what failed, forget idle officials."""
        self.shared.kick()
        now = time.monotonic()
        for user, ref in list(self.private.items()):
            if now - ref.last_used > 3600:
                del self.private[user]
                self.user_tokens.pop(user, None)
            elif ref.stale:
                ref.kick()

    # -- per project ------------------------------------------------------------------
    async def _read_details(self, entries: list[Entry], gl=None) -> None:
        gl = gl or self.client(self.cfg.token)
        todo = [e for e in entries if (self.details.get(e.id) or Details("")).version != e.last_activity_at]

        async def one(e: Entry):
            try:
                self.details[e.id] = await self.run(catalog.details, gl, e)
            except GitLabUnavailable as err:
                log.info("gallery: details of %s not read: %s", e.path_with_namespace, err)

        await asyncio.gather(*(one(e) for e in todo))

    async def file_list(self, entry: Entry, user: str) -> list[str] | None:
        key = (entry.id, entry.last_activity_at)
        if key not in self.files:
            if len(self.files) > 5000:  # old versions pile up otherwise
                self.files.clear()
            try:
                self.files[key] = await asyncio.wait_for(
                    self.run(catalog.tree, self.client_for(entry, user), entry), self.cfg.request_timeout
                )
            except (TimeoutError, GitLabUnavailable):
                return None
        return self.files[key]

    async def blob(self, entry: Entry, user: str, path: str) -> bytes | None:
        key = (entry.id, entry.last_activity_at, path)
        if key in self.blobs:
            self.blobs.move_to_end(key)
            return self.blobs[key]
        try:
            data = await asyncio.wait_for(
                self.run(catalog.raw_file, self.client_for(entry, user), entry.id, path, entry.default_branch),
                self.cfg.request_timeout,
            )
        except (TimeoutError, GitLabUnavailable):
            return None
        if data is not None:
            self.blobs[key] = data
            while len(self.blobs) > 500:  # thumbnails and transcripts: a bounded memory cost
                self.blobs.popitem(last=False)
        return data

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
