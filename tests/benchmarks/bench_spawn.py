"""Spawn latency and memory of govlab labs against bare JupyterLab labs, in one run.

    .venv/bin/python tests/benchmarks/bench_spawn.py [--users 10] [--rounds 1]

For each variant a real hub (govlab start, local mode) is started, N users are created,
and all their servers are requested at once through the REST API. Reported: time from
request to ready (p50, p95, max) and the RSS of each single-user server process after
it is ready (kernels excluded). The baseline ("bare") is the same hub and the same
JupyterLab with jupyter-ai, the chat and our extensions switched off for the labs.
Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.hub import RunningHub, base_settings  # noqa: E402

# Everything that is not JupyterLab itself: the assistant stack, the chat, govlab's own.
NOT_BARE = [
    "jupyter_ai_acp_client",
    "jupyter_ai_chat_commands",
    "jupyter_ai_jupyternaut",
    "jupyter_ai_litellm",
    "jupyter_ai_persona_manager",
    "jupyter_ai_router",
    "jupyter_ai_tools",
    "jupyter_live_content",
    "jupyter_server_mcp",
    "jupyterlab_chat",
    "jupyterlab_commands_toolkit",
    "govlab_share",
    "nbgitpuller",
    "govlab.assistant.lazy_stack",  # Jupyternaut's routes without the model stack (issue 14)
]

BARE_CONFIG = """
import json, os, pathlib
bare = pathlib.Path(os.environ["GOVLAB_BENCH_BARE_DIR"])
bare.mkdir(parents=True, exist_ok=True)
(bare / "jupyter_server_config.json").write_text(json.dumps(
    {"ServerApp": {"jpserver_extensions": {name: False for name in %r}}}))
# Earlier entries of JUPYTER_CONFIG_PATH win: the bare settings override govlab's.
c.Spawner.environment.update(
    {"JUPYTER_CONFIG_PATH": str(bare) + os.pathsep + os.environ["GOVLAB_BENCH_LAB_CONFIG"]})
""" % (NOT_BARE,)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def server_rss_mb(username: str) -> float | None:
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            env = proc.info["environ"] or {}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "jupyterhub-singleuser" in cmd and env.get("JUPYTERHUB_USER") == username:
            return proc.memory_info().rss / 2**20
    return None


def run_variant(name: str, users: int, workdir: Path) -> dict:
    settings = base_settings(workdir / "state", **{"hub.concurrent_spawn_limit": max(users, 1)})
    env = {
        "GOVLAB_BENCH_BARE_DIR": str(workdir / "bare-config"),
        "GOVLAB_BENCH_LAB_CONFIG": str(workdir / "state" / "lab-config"),
    } if name == "bare" else {}
    hub = RunningHub(workdir, settings, env=env)
    if name == "bare":
        (workdir / "extra-config" / "60-bare.py").write_text(BARE_CONFIG)
    hub.start()
    try:
        names = [f"bench{i:03d}" for i in range(users)]
        return {"variant": name, **spawn_all(hub, names, server_rss_mb)}
    finally:
        hub.kill_everything()


def spawn_all(hub: RunningHub, names: list[str], memory_mb) -> dict:
    """Request every server at once; time each to ready; read memory_mb(name) after."""
    for n in names:
        hub.create_user(n)
    ready: dict[str, float] = {}
    errors: dict[str, str] = {}

    def spawn(n: str) -> None:
        t0 = time.perf_counter()
        try:
            hub.start_server(n, timeout=600)
            ready[n] = time.perf_counter() - t0
        except Exception as e:  # reported, not raised: one failure should not hide the rest
            errors[n] = str(e)[:200]

    threads = [threading.Thread(target=spawn, args=(n,)) for n in names]
    wall0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - wall0
    time.sleep(2)  # let start-up work that follows "ready" settle before reading memory
    rss = [r for r in (memory_mb(n) for n in names) if r is not None]
    times = list(ready.values())
    return {
        "users": len(names),
        "ready": len(times),
        "errors": errors,
        "p50_s": statistics.median(times) if times else None,
        "p95_s": percentile(times, 0.95) if times else None,
        "max_s": max(times) if times else None,
        "wall_s": wall,
        "rss_mb_mean": statistics.mean(rss) if rss else None,
        "rss_mb_max": max(rss) if rss else None,
    }


def fmt(v) -> str:
    return "-" if v is None else f"{v:8.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="govlab-bench-") as tmp:
        for variant in ("bare", "govlab", "govlab-single", "bare-single"):
            users = 1 if variant.endswith("single") else args.users
            base = variant.removesuffix("-single")
            print(f"-- {variant}: {users} user(s) at once ...", flush=True)
            results.append(run_variant(base, users, Path(tmp) / variant) | {"variant": variant})
    print()
    print(f"{'variant':14} {'users':>5} {'ready':>5} {'p50 s':>8} {'p95 s':>8} {'max s':>8} {'RSS MB':>8}")
    for r in results:
        print(f"{r['variant']:14} {r['users']:5d} {r['ready']:5d} {fmt(r['p50_s'])} {fmt(r['p95_s'])} {fmt(r['max_s'])} {fmt(r['rss_mb_mean'])}")
        for user, err in r["errors"].items():
            print(f"   ! {user}: {err}")
    by = {r["variant"]: r for r in results}
    print()
    for label, ours, bare in (("concurrent", "govlab", "bare"), ("single", "govlab-single", "bare-single")):
        o, b = by[ours], by[bare]
        if o["p50_s"] and b["p50_s"]:
            print(f"{label}: spawn p50 ratio govlab/bare = {o['p50_s'] / b['p50_s']:.2f}x, "
                  f"max ratio = {o['max_s'] / b['max_s']:.2f}x")
        if o["rss_mb_mean"] and b["rss_mb_mean"]:
            print(f"{label}: RSS ratio govlab/bare = {o['rss_mb_mean'] / b['rss_mb_mean']:.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
