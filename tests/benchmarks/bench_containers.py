"""Ten officials start at once: containers (mode docker) against local processes.

    .venv/bin/python tests/benchmarks/bench_containers.py [--users 10] [--build]

Both variants run in the same run on the same machine: a real hub in local mode, then
a real hub in docker mode on the engine that tests/support/docker.py starts (host
network, the lab image of this checkout). Reported: time from request to ready (p50,
p95, max), memory per lab (local: RSS of the server process; docker: the container's
memory use as `docker stats` counts it, page cache excluded), their ratios, and the lab
image's size. With --build the base and lab images are built anew without Docker's
layer cache and their build times reported. Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.bench_spawn import server_rss_mb, spawn_all
from tests.integration.test_docker import docker_settings
from tests.support.docker import DockerEngine
from tests.support.hub import REPO, RunningHub, base_settings

UNITS = {"B": 1 / 2**20, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024}


def container_mb(engine: DockerEngine):
    def read(name: str) -> float | None:
        out = engine.run("stats", "--no-stream", "--format", "{{.MemUsage}}", f"govlab-{name}", check=False).stdout
        m = re.match(r"\s*([\d.]+)\s*([KMG]?i?B)", out)
        return float(m.group(1)) * UNITS[m.group(2)] if m else None

    return read


def timed_build(engine: DockerEngine) -> dict:
    tag = f"govlab/lab:bench-{secrets.token_hex(3)}"
    base = f"govlab/base:bench-{secrets.token_hex(3)}"
    env = {**engine.env, "DOCKER": engine.cli}
    t0 = time.perf_counter()
    subprocess.run([str(REPO / "images/base/build-base"), base], env=env, check=True)
    t1 = time.perf_counter()
    subprocess.run(
        [str(REPO / "images/build"), "lab", "--tag", tag],
        env={**env, "BASE_IMAGE": base, "DOCKER_BUILD_FLAGS": "--no-cache"},
        check=True,
    )
    t2 = time.perf_counter()
    size = int(engine.run("image", "inspect", "-f", "{{.Size}}", tag).stdout)
    engine.run("image", "rm", tag, base, check=False)
    return {"base_build_s": t1 - t0, "lab_build_s": t2 - t1, "lab_image_mb": size / 2**20}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--build", action="store_true", help="also time uncached image builds")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    engine = DockerEngine().start()
    results: dict = {}
    try:
        image = engine.build_image("lab")
        results["image"] = {
            "tag": image,
            "size_mb": int(engine.run("image", "inspect", "-f", "{{.Size}}", image).stdout) / 2**20,
        }
        if args.build:
            print("-- building the base and lab images without cache ...", flush=True)
            results["build"] = timed_build(engine)
        names = [f"bench{i:03d}" for i in range(args.users)]
        with tempfile.TemporaryDirectory(prefix="govlab-bench-") as tmp:
            print(f"-- local: {args.users} labs at once ...", flush=True)
            workdir = Path(tmp) / "local"
            hub = RunningHub(workdir, base_settings(workdir / "state", **{"hub.concurrent_spawn_limit": args.users}))
            try:
                hub.start()
                results["local"] = spawn_all(hub, names, server_rss_mb)
            finally:
                hub.kill_everything()

            print(f"-- docker: {args.users} containers at once ...", flush=True)
            workdir = Path(tmp) / "docker"
            prefix = f"govlab-bench-{secrets.token_hex(3)}"
            settings = docker_settings(
                workdir / "state", image, prefix, **{"hub.concurrent_spawn_limit": args.users, "limits.memory": "2G"}
            )
            hub = RunningHub(workdir, settings, env={"DOCKER_HOST": engine.host})
            try:
                hub.start()
                results["docker"] = spawn_all(hub, names, container_mb(engine))
            finally:
                hub.stop()
                engine.remove_labs(names)
                for n in names:
                    engine.run("volume", "rm", "-f", f"{prefix}-{n}", check=False)
    finally:
        engine.stop()

    def fmt(v) -> str:
        return "       -" if v is None else f"{v:8.2f}"

    print()
    print(f"{'variant':8} {'users':>5} {'ready':>5} {'p50 s':>8} {'p95 s':>8} {'max s':>8} {'MB/lab':>8}")
    for variant in ("local", "docker"):
        r = results[variant]
        print(
            f"{variant:8} {r['users']:5d} {r['ready']:5d} {fmt(r['p50_s'])} {fmt(r['p95_s'])} {fmt(r['max_s'])} {fmt(r['rss_mb_mean'])}"
        )
        for user, err in r["errors"].items():
            print(f"   ! {user}: {err}")
    local, docker = results["local"], results["docker"]
    if local["p50_s"] and docker["p50_s"]:
        print(
            f"ready p50 ratio docker/local = {docker['p50_s'] / local['p50_s']:.2f}x, "
            f"max ratio = {docker['max_s'] / local['max_s']:.2f}x"
        )
    if local["rss_mb_mean"] and docker["rss_mb_mean"]:
        print(f"memory per lab ratio docker/local = {docker['rss_mb_mean'] / local['rss_mb_mean']:.2f}x")
    print(f"lab image: {results['image']['size_mb']:.0f} MB")
    if "build" in results:
        b = results["build"]
        print(f"uncached builds: base {b['base_build_s']:.0f} s, lab {b['lab_build_s']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
