"""Find an official's lab process (local mode) on this machine, as `ps` would."""

from __future__ import annotations

from pathlib import Path

import psutil


def _labs():
    """(process, environment) of every jupyterhub-singleuser process on this machine."""
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            env = proc.info["environ"] or {}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "jupyterhub-singleuser" in cmd:
            yield proc, env


def find_lab_process(username: str) -> psutil.Process | None:
    """The jupyterhub-singleuser process the hub spawned for `username`, or None."""
    return next((proc for proc, env in _labs() if env.get("JUPYTERHUB_USER") == username), None)


def kill_labs_in(homes: Path) -> None:
    """Kill every lab (and its kernels) whose $HOME is in `homes`: one test hub's labs,
    which outlive the hub, so that a later hub's official of the same name is not
    mistaken for them by find_lab_process."""
    for proc, env in list(_labs()):
        if Path(env.get("HOME", "/")).parent != homes:
            continue
        try:
            for child in proc.children(recursive=True):
                child.kill()
            proc.kill()
        except psutil.NoSuchProcess:
            pass


def lab_process(username: str) -> psutil.Process:
    proc = find_lab_process(username)
    if proc is None:
        raise AssertionError(f"no lab process for {username}")
    return proc


def lab_rss_mb(username: str) -> float | None:
    """Resident memory of the lab process in MiB (kernels excluded); None without a lab."""
    proc = find_lab_process(username)
    return proc.memory_info().rss / 2**20 if proc is not None else None
