"""The 9 o'clock rush: a cohort signs in within a minute, with and without pre-warm.

    .venv/bin/python tests/benchmarks/bench_workshop.py [--seats 30] [--window 60]

For each variant a real hub (local mode) with one workshop cohort is started. Seats
sign in through the login form with their own passwords, spread evenly over `window`
seconds; each seat's wait is the time from its sign-in to its lab being ready.
"prewarm" first runs `govlab workshop prewarm`'s code path with the trainer's rights
and reports how long that took. Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_spawn import percentile

from govlab import settings as govlab_settings
from govlab.workshop import ops, seats
from govlab.workshop.hubapi import HubClient
from tests.support.hub import RunningHub, base_settings, try_login

COHORT = "rush"


def start_hub(workdir: Path, n: int) -> tuple[RunningHub, dict[str, str]]:
    settings = base_settings(
        workdir / "state",
        workshops=[{"name": COHORT, "seats": n, "seat_prefix": "r", "trainers": ["trainer"]}],
        **{"hub.concurrent_spawn_limit": n},
    )
    hub = RunningHub(workdir, settings)
    loaded = govlab_settings.load(hub.settings_path, environ=hub.env())
    names = loaded.settings.workshops[0].seat_names
    passwords = seats.create_seats(loaded.state_dir, COHORT, names)
    hub.start()
    return hub, passwords


def rush(hub: RunningHub, passwords: dict[str, str], window: float) -> dict:
    waits: dict[str, float] = {}
    errors: dict[str, str] = {}
    step = window / max(len(passwords), 1)
    t_start = time.perf_counter()

    def one(i: int, seat: str, password: str) -> None:
        time.sleep(i * step)
        t0 = time.perf_counter()
        try:
            s = try_login(hub, seat, password)
            if s is None:
                raise RuntimeError("sign-in refused")
            # What the browser does next: follow the redirect to /hub/spawn, which starts the lab.
            s.get(f"{hub.url}/hub/spawn", timeout=60)
            hub.wait_ready(seat, timeout=900)
            waits[seat] = time.perf_counter() - t0
        except Exception as e:  # reported, not raised
            errors[seat] = str(e)[:160]

    threads = [threading.Thread(target=one, args=(i, s, p)) for i, (s, p) in enumerate(passwords.items())]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    values = list(waits.values())
    return {
        "ready": len(values),
        "errors": errors,
        "p50": statistics.median(values) if values else None,
        "p95": percentile(values, 0.95) if values else None,
        "max": max(values) if values else None,
        "all_ready_after": time.perf_counter() - t_start,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seats", type=int, default=30)
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which the seats sign in")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="govlab-rush-") as tmp:
        for variant in ("cold", "prewarm"):
            print(f"-- {variant}: {args.seats} seats sign in over {args.window:.0f} s ...", flush=True)
            hub, passwords = start_hub(Path(tmp) / variant, args.seats)
            try:
                prewarm_s = None
                if variant == "prewarm":
                    trainer_token = hub.create_user("trainer")
                    client = HubClient(hub.url, trainer_token)
                    t0 = time.perf_counter()
                    ops.prewarm(client, COHORT, timeout=900, report=lambda _: None)  # the CLI default concurrency
                    prewarm_s = time.perf_counter() - t0
                results[variant] = rush(hub, passwords, args.window) | {"prewarm_s": prewarm_s}
            finally:
                hub.kill_everything()
    print()
    print(f"{'variant':8} {'ready':>5} {'prewarm s':>9} {'wait p50':>9} {'p95':>7} {'max':>7} {'all ready after':>16}")
    for name, r in results.items():
        pw = f"{r['prewarm_s']:9.1f}" if r["prewarm_s"] is not None else f"{'-':>9}"
        print(
            f"{name:8} {r['ready']:5d} {pw} {r['p50']:9.1f} {r['p95']:7.1f} {r['max']:7.1f} {r['all_ready_after']:16.1f}"
        )
        for seat, err in r["errors"].items():
            print(f"   ! {seat}: {err}")
    cold, warm = results["cold"], results["prewarm"]
    if cold["p50"] and warm["p50"]:
        print(
            f"\nwait p50 cold/prewarm = {cold['p50'] / warm['p50']:.1f}x; "
            f"max cold/prewarm = {cold['max'] / warm['max']:.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
