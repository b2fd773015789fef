"""Run the scan in a separate process, within a time budget.

Why a process: Python's ``re`` holds the GIL for a whole search call, so a slow
search in a thread still stalls the Jupyter server's event loop; and a process can
be killed when it overruns, a thread cannot.

Why forkserver (spawn where it does not exist): the Jupyter server runs threads,
and forking a threaded process can leave the child holding a lock nobody releases.
The fork server is started once from a clean interpreter and preloads the scanner
(``_warm``: detect-secrets settings built), so each scan is a fork of a warm,
single-threaded process instead of a fresh interpreter (see docs/design.md for the
measured cost). One process per scan: nothing leaks from one share to the next,
and killing an overrun never takes a shared worker down with it.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Mapping, Sequence

# "__main__": the fork server imports the parent's main module once (a guarded
# console script such as jupyter-lab), so forked workers do not re-run it each time.
_PRELOAD = ["__main__", "govlab_share.scan._warm"]
_ctx = None


class ScanTimeout(Exception):
    """The scan did not finish within the budget; the worker was killed."""


class ScanFailed(Exception):
    """The worker died or raised (MemoryError, killed by the OS, ...)."""


def _context():
    global _ctx
    if _ctx is None:
        if "forkserver" in mp.get_all_start_methods():
            ctx = mp.get_context("forkserver")
            # Only takes effect if this process has not started its fork server yet.
            ctx.set_forkserver_preload(_PRELOAD)
        else:
            ctx = mp.get_context("spawn")
        _ctx = ctx
    return _ctx


def _child(conn) -> None:
    """Worker entry: receive (files, known), send ("ok", findings) or ("error", text)."""
    try:
        files, known = conn.recv()
        from . import scan_files

        result = ("ok", scan_files(files, known=known))
    except BaseException as e:  # MemoryError included: report it, do not just die
        result = ("error", f"{type(e).__name__}: {e}"[:300])
    try:
        conn.send(result)
    except BaseException:
        pass
    finally:
        conn.close()


def run_scan(files: Mapping[str, bytes], known: Sequence[str], budget: float) -> list:
    """Scan in a worker process; ScanTimeout after `budget` seconds, ScanFailed if
    the worker dies. Blocking: call it from a thread, never on the event loop."""
    deadline = time.monotonic() + budget
    ctx = _context()
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child,), name="govlab-share-scan", daemon=True)
    try:
        try:
            proc.start()
        except Exception as e:  # cannot start a process at all (limits, no /dev/shm)
            raise ScanFailed(f"cannot start the scanner process: {type(e).__name__}: {e}") from None
        finally:
            child.close()
        parent.send((dict(files), list(known)))
        if not parent.poll(max(0.0, deadline - time.monotonic())):
            raise ScanTimeout(f"no result after {budget:g} s")
        try:
            status, value = parent.recv()
        except (EOFError, OSError):
            proc.join(1)
            raise ScanFailed(f"scanner process ended without a result (exit code {proc.exitcode})") from None
        if status != "ok":
            raise ScanFailed(value)
        return value
    except (BrokenPipeError, ConnectionResetError):
        proc.join(1)
        raise ScanFailed(f"scanner process ended early (exit code {proc.exitcode})") from None
    finally:
        if proc.pid is not None:  # started
            if proc.is_alive():
                proc.kill()
            proc.join(5)
        parent.close()
