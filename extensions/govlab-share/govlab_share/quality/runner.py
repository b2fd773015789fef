"""Run a notebook top to bottom in a fresh kernel of its kernelspec (nbclient), cell by
cell, reporting progress into its job, stoppable (cancel, time limit) at any point.

The official's notebook file is never written: the run works on a copy whose outputs
were cleared first, so every output of the executed copy comes from this run. The
kernel is our own (not one of the lab's sessions) and is always shut down at the end.
We drive nbclient's steps ourselves instead of `async_execute`: its setup installs and
then removes SIGINT/SIGTERM handlers on the server's event loop.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from datetime import datetime

import nbformat
from jupyter_client.kernelspec import NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from . import messages, requirements

log = logging.getLogger(__name__)
ASK_TIMEOUT = 30.0  # the kernel's answer about its modules and versions
STARTUP_TIMEOUT = 60


def kernel_name_of(nb) -> str:
    spec = nb.metadata.get("kernelspec") or {}
    name = spec.get("name") if isinstance(spec, dict) else None
    return name if isinstance(name, str) and name.strip() else "python3"


def cleared_copy(nb):
    """A copy with every code cell's outputs and count cleared (what the run fills in)."""
    work = copy.deepcopy(nb)
    for cell in work.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
    return work


async def _ask(client: NotebookClient, want_dists: bool) -> dict | None:
    """The kernel's module names (and their distributions), without touching the
    official's namespace or history; None when the kernel does not answer in time."""
    kc = client.kc
    if kc is None:
        return None
    expr = requirements.kernel_expression(want_dists)
    try:
        msg_id = kc.execute("", silent=True, store_history=False, user_expressions={"q": expr})
        deadline = time.monotonic() + ASK_TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            reply = await kc.get_shell_msg(timeout=remaining)
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return requirements.parse_answer(reply.get("content") or {})
    except Exception as e:  # noqa: BLE001 - the versions are extra information
        log.warning("govlab_share: quality check: kernel did not report its modules: %s", type(e).__name__)
        return None


async def run(job, nb, *, cwd: str, config, kernel_spec_manager, tz=None) -> None:
    """Execute `nb` (parsed, validated) for `job`; fills in job.state/done/current/result."""
    time_limit = job.time_limit
    work = cleared_copy(nb)
    kernel_name = kernel_name_of(nb)
    failing: tuple[int | None, str, str] | None = None
    before = after = None
    imported = requirements.direct_imports(
        [c.source for c in nb.cells if c.get("cell_type") == "code" and isinstance(c.get("source"), str)]
    )
    loop = asyncio.get_running_loop()
    watchdog = loop.call_later(time_limit, job.stop, "timeout")
    client = None
    try:
        km = AsyncKernelManager(config=config, kernel_name=kernel_name, kernel_spec_manager=kernel_spec_manager)
        client = NotebookClient(
            work,
            km=km,
            kernel_name=kernel_name,
            # A backstop only: the watchdog stops the whole run at the limit.
            timeout=time_limit + 30,
            startup_timeout=STARTUP_TIMEOUT,
            allow_errors=False,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": cwd}},
        )
        await client.async_start_new_kernel()
        await client.async_start_new_kernel_client()  # sets allow_stdin False: input() fails at once
        before = await _ask(client, want_dists=False)
        for index, cell in enumerate(work.cells):
            if cell.get("cell_type") != "code":
                continue
            job.current = index
            try:
                await client.async_execute_cell(cell, index, execution_count=job.done + 1)
            except CellExecutionError as e:
                failing = (index, e.ename or "Error", e.evalue or "")
                break
            job.done += 1
        job.current = None
        after = await _ask(client, want_dists=True)
    except (asyncio.CancelledError, DeadKernelError, CellTimeoutError) as e:
        # Our own stop (cancel, time limit) cancels the task: nbclient reports that as
        # a dead kernel when it lands inside a cell.
        task = asyncio.current_task()
        if task is not None and job.stop_reason and task.cancelling():
            task.uncancel()  # our own stop, handled here (nbclient may report it as a dead kernel)
        if job.stop_reason is None:
            if isinstance(e, asyncio.CancelledError):
                job.stop_reason = "cancelled"  # the server is going away
            else:
                failing = (job.current, "DeadKernelError" if isinstance(e, DeadKernelError) else "Timeout", "")
    except NoSuchKernel:
        failing = (None, "NoSuchKernel", kernel_name)
    except Exception as e:  # noqa: BLE001 - reported to the official, never raised
        log.exception("govlab_share: quality check of %s failed unexpectedly", job.path)
        failing = (job.current, type(e).__name__, messages.clean(str(e)))
    finally:
        watchdog.cancel()
        job.cancellable = False
        if client is not None:
            await _shutdown(client)
    if job.stop_reason == "cancelled":
        job.finish("cancelled", None, None)
        return
    if job.stop_reason == "timeout":
        failing = (job.current, "Timeout", "")
    state = "timeout" if job.stop_reason == "timeout" else ("failed" if failing else "passed")
    python = (after or before or {}).get("python") or ""
    result = {
        "passed": state == "passed",
        "seconds": round(job.elapsed(), 1),
        "python": python if isinstance(python, str) else "",
        "checked_at": datetime.now().astimezone(tz).isoformat(timespec="seconds"),
        "failing_cell": None,
        "packages": requirements.notebook_packages(before, after, imported),
        "missing_module": None,
        "data_files": job.data_files,
        "time_limit": time_limit,
    }
    if failing:
        index, ename, evalue = failing
        evalue = messages.clean(evalue)
        result["failing_cell"] = {
            "index": index,
            "ename": ename,
            "evalue": evalue,
            "message": messages.failure(index, ename, evalue, time_limit=time_limit),
        }
        result["missing_module"] = messages.missing_module(ename, evalue)
    try:
        executed = nbformat.writes(work).encode("utf-8")
    except Exception:  # noqa: BLE001 - an odd output: share without the run's outputs
        log.exception("govlab_share: executed notebook of %s not kept", job.path)
        executed = None
    job.finish(state, result, executed)


def _leftover_tasks(client: NotebookClient) -> list[asyncio.Task]:
    """nbclient's pollers of a cell we stopped (it cancels them only on a normal end):
    left running they would poll a kernel client that is gone."""
    out = []
    for task in asyncio.all_tasks():
        frame = getattr(task.get_coro(), "cr_frame", None)
        if frame is not None and frame.f_locals.get("self") is client and task is not asyncio.current_task():
            out.append(task)
    return out


async def _shutdown(client: NotebookClient) -> None:
    """Kill the check's kernel and close its channels (our stop cancels only once)."""
    for task in _leftover_tasks(client):
        task.cancel()
    try:
        await client._async_cleanup_kernel()
    except Exception as e:  # noqa: BLE001 - best effort; logged
        log.warning("govlab_share: quality check kernel shutdown: %s", e)
