"""Find an official's lab process (local mode) on this machine, as `ps` would."""

from __future__ import annotations

import psutil


def find_lab_process(username: str) -> psutil.Process | None:
    """The jupyterhub-singleuser process the hub spawned for `username`, or None."""
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            env = proc.info["environ"] or {}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "jupyterhub-singleuser" in cmd and env.get("JUPYTERHUB_USER") == username:
            return proc
    return None


def lab_process(username: str) -> psutil.Process:
    proc = find_lab_process(username)
    if proc is None:
        raise AssertionError(f"no lab process for {username}")
    return proc


def lab_rss_mb(username: str) -> float | None:
    """Resident memory of the lab process in MiB (kernels excluded); None without a lab."""
    proc = find_lab_process(username)
    return proc.memory_info().rss / 2**20 if proc is not None else None
