"""Quality check overhead: the check of a notebook vs. the notebook's own run time.

    .venv/bin/python tests/benchmarks/bench_quality.py [--quick]

Starts, on loopback only, a real jupyter_server process with govlab_share enabled and
runs the quality check like the dialog: POST /govlab-share/quality, then GET
quality/<id> every 0.1 s until it has finished (token + XSRF like the frontend).

Baseline, measured in the same run on the same notebooks: plain nbclient
(`NotebookClient(nb).execute()`, kernel start and shutdown included) in its own
process. Overhead = check (wall, as the dialog sees it) - baseline; target <= 2 s.
Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_share import PY, Frontend, start_jupyter, write_json

TARGET = 2.0
BASELINE = """
import json, sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
t = time.perf_counter()
NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print(json.dumps(time.perf_counter() - t))
"""


def notebook(*sources: str) -> dict:
    cells = [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# 벤치마크"}]
    cells += [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "source": s, "outputs": []}
        for i, s in enumerate(sources)
    ]
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


NOTEBOOKS = {
    "small (3 cells)": notebook("x = 1", "y = x * 2", "print(y)"),
    "20 cells": notebook(*[f"v{i} = sum(range({i} * 1000))\nprint(v{i})" for i in range(20)]),
    "sleep 3 s": notebook("import time", "time.sleep(3)", "print('done')"),
    "imports": notebook("import json, csv, sqlite3", "import nbformat, jinja2, yaml", "print(nbformat.__version__)"),
}


def baseline(path: Path) -> float:
    out = subprocess.run([PY, "-c", BASELINE, str(path), str(path.parent)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def check(fe: Frontend, rel: str) -> tuple[float, float, str]:
    t = time.perf_counter()
    resp = fe.s.post(f"{fe.url}/govlab-share/quality", data=json.dumps({"path": rel}).encode(), timeout=60)
    if resp.status_code != 202:
        raise RuntimeError(f"check failed {resp.status_code}: {resp.text[:500]}")
    job = resp.json()["id"]
    while True:
        state = fe.s.get(f"{fe.url}/govlab-share/quality/{job}", timeout=60).json()
        if state["state"] != "running":
            return time.perf_counter() - t, state["elapsed"], state["state"]
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="one repetition instead of three")
    args = parser.parse_args()
    reps = 1 if args.quick else 3
    tmp = Path(tempfile.mkdtemp(prefix="bench-quality-"))
    root = tmp / "root"
    root.mkdir()
    proc = None
    try:
        proc, url = start_jupyter(tmp, "http://127.0.0.1:9", root)
        fe = Frontend(url)
        print(f"{'notebook':<18} {'nbclient s':>10} {'check s':>9} {'job s':>7} {'overhead s':>10} {'ratio':>6}")
        worst = 0.0
        for name, nb in NOTEBOOKS.items():
            rel = f"bench/{name.split()[0]}.ipynb"
            write_json(root / rel, nb, 1)
            base = statistics.median(baseline(root / rel) for _ in range(reps))
            runs = [check(fe, rel) for _ in range(reps)]
            wall = statistics.median(r[0] for r in runs)
            job = statistics.median(r[1] for r in runs)
            states = {r[2] for r in runs}
            over = wall - base
            worst = max(worst, over)
            print(f"{name:<18} {base:>10.2f} {wall:>9.2f} {job:>7.2f} {over:>10.2f} {wall / base:>6.2f} {states}")
        print(f"worst overhead {worst:.2f} s (target <= {TARGET:.1f} s): {'OK' if worst <= TARGET else 'OVER'}")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
