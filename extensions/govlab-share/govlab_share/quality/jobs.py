"""The quality check jobs of one lab server: bounded in number and in lifetime.

A job is the state the dialog polls (GET quality/<id>) and, once finished, what a
share request names (`"quality": {"check": id}`): its result and executed notebook.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field

from ..errors import ShareError

MAX_RUNNING = 2  # kernels at once: a lab has a core or two
MAX_KEPT = 20  # finished jobs kept for a share to name
KEEP_SECONDS = 3600.0
STOP_WAIT = 20.0  # longest a cancel waits for the kernel to be gone


def fingerprint(nb) -> str:
    """What the check depends on: the code and the kernel (not outputs or metadata the
    lab's autosave may touch)."""
    code = [_text(c.get("source")) for c in nb.cells if c.get("cell_type") == "code"]
    spec = (
        (nb.metadata.get("kernelspec") or {}).get("name") if isinstance(nb.metadata.get("kernelspec"), dict) else None
    )
    return hashlib.sha256(json.dumps([spec, code], ensure_ascii=False).encode("utf-8")).hexdigest()


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source or "")


@dataclass
class Job:
    path: str  # the notebook, relative to the root
    fingerprint: str
    cells: int  # code cells
    time_limit: int
    data_files: list = field(default_factory=list)
    id: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    state: str = "running"
    done: int = 0
    current: int | None = None
    result: dict | None = None
    executed: bytes | None = None  # the run's notebook (.ipynb bytes)
    stop_reason: str | None = None  # "cancelled" | "timeout" while stopping
    cancellable: bool = True  # False while the runner shuts the kernel down: never interrupt that
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    task: asyncio.Task | None = None

    def elapsed(self) -> float:
        return (self.ended if self.ended is not None else time.monotonic()) - self.started

    def stop(self, reason: str) -> None:
        """Stop a running check (the runner shuts its kernel down and records why)."""
        if self.state != "running" or self.stop_reason:
            return
        self.stop_reason = reason
        if self.task is not None and self.cancellable:
            self.task.cancel()

    def finish(self, state: str, result: dict | None, executed: bytes | None) -> None:
        self.state, self.result, self.executed = state, result, executed
        self.current = None if state in ("passed", "cancelled") else self.current
        self.ended = time.monotonic()

    def status(self) -> dict:
        return {
            "state": self.state,
            "done": self.done,
            "cells": self.cells,
            "current": self.current,
            "elapsed": round(self.elapsed(), 1),
            "result": self.result,
        }


def _ended(job: Job, _task: asyncio.Task) -> None:
    """A task stopped before the runner could record it (even before it began): cancelled."""
    if job.state == "running":
        job.finish("cancelled", None, None)


class Jobs:
    def __init__(self, max_running: int = MAX_RUNNING, max_kept: int = MAX_KEPT, keep_seconds: float = KEEP_SECONDS):
        self.max_running = max_running
        self.max_kept = max_kept
        self.keep_seconds = keep_seconds
        self._jobs: dict[str, Job] = {}

    def get(self, job_id: str) -> Job | None:
        self._prune()
        return self._jobs.get(job_id)

    def start(self, job: Job, coro_factory) -> Job:
        """Register `job` and run `coro_factory(job)`; a running check of the same notebook
        is stopped first (the dialog started over)."""
        self._prune()
        for other in self._jobs.values():
            if other.path == job.path and other.state == "running":
                other.stop("cancelled")
        running = [j for j in self._jobs.values() if j.state == "running" and not j.stop_reason]
        if len(running) >= self.max_running:
            raise ShareError(
                "quality_busy",
                429,
                f"다른 노트북의 품질 점검이 {len(running)}개 진행 중입니다. 끝난 뒤 다시 시도하세요.",
                f"{len(running)} quality checks of other notebooks are running; try again when they finish.",
                headers={"Retry-After": "10"},
            )
        self._jobs[job.id] = job
        job.task = asyncio.ensure_future(coro_factory(job))
        job.task.add_done_callback(functools.partial(_ended, job))
        return job

    async def cancel(self, job: Job) -> None:
        """Stop `job` and wait (bounded) until its kernel is shut down; a finished job's
        result is dropped (the dialog discarded it)."""
        if job.state == "running":
            job.stop("cancelled")
        if job.task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(job.task), STOP_WAIT)
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - timed out or failed: it is stopping
                pass
        if job.state != "cancelled":
            job.finish("cancelled", None, None)

    async def close(self) -> None:
        """Stop every running check (the server is shutting down)."""
        await asyncio.gather(*(self.cancel(j) for j in list(self._jobs.values()) if j.state == "running"))

    def _prune(self) -> None:
        now = time.monotonic()
        done = [j for j in self._jobs.values() if j.state != "running"]
        for j in done:
            if j.ended is not None and now - j.ended > self.keep_seconds:
                del self._jobs[j.id]
        done = sorted((j for j in self._jobs.values() if j.state != "running"), key=lambda j: j.ended or 0)
        for j in done[: max(0, len(done) - self.max_kept)]:
            del self._jobs[j.id]
