"""Share latency through the real server extension vs. a bare python-gitlab commit.

    .venv/bin/python tests/benchmarks/bench_share.py [--quick]

Starts, on loopback only, the test GitLab server (`python -m govlab_share.testing.gitlab_server`)
and a real jupyter_server process with only govlab_share enabled (token_source=env),
then POSTs /govlab-share/share with the server token + XSRF cookie/header like the
frontend. Notebooks of ~100 KB, 1 MB and 10 MB (code, text/html outputs, base64 PNGs)
with chats of 10 and 200 messages, keep_outputs false and true.

Baseline, measured in the same run against the same server: a plain python-gitlab
`projects.create` + `commits.create` (create) or `commits.create` (update) of exactly
the files our share committed (read back from the commit). Both sides run in their
own process against the GitLab server process, so the comparison is fair on 2 cores.
Also prints scan_files() throughput on the same bundles. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gitlab
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "extensions" / "govlab-share"))

from govlab_share.scan import scan_files  # noqa: E402
from govlab_share.testing.chatdoc import JUPYTERNAUT, chat_document, notebook_attachment  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scan import _frame, _lines  # noqa: E402  (the same synthetic pandas tables)

from govlab_share.scan._secrets import get_engine  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.support.ports import free_port  # noqa: E402
from tests.support.shareserver import share_server_env  # noqa: E402

PY = sys.executable
KB, MB = 1024, 1024 * 1024
USER, GL_TOKEN = "bench", "glpat-bench0000000000000000"
JP_TOKEN = "bench-server-token"
TOKEN_ENV = "GOVLAB_BENCH_GITLAB_TOKEN"


# -- synthetic user files (no secrets or personal data: the share must go through) --


def make_notebook(target: int, seed: int = 7) -> dict:
    """Korean markdown, pandas code, stream + DataFrame text/html outputs, a PNG every 8 cells
    (small notebooks still get one or two)."""
    rng = random.Random(seed)
    png = base64.b64encode(rng.randbytes(45_000)).decode()  # ~60 KB plot, one line like nbformat
    cells, size, i, pngs = [], 0, 0, 0
    while size < target:
        i += 1
        md = {
            "cell_type": "markdown",
            "id": f"md{i}",
            "metadata": {},
            "source": _lines(f"## {i}. 시군구별 인구 분석\n공공데이터포털 자료를 사용합니다. 기준일 2024-01-01.\n"),
        }
        if i == 1:
            md["source"] = _lines("# 시군구 인구 분석 보고서\n월별 인구와 세대수 변화를 봅니다.\n")
        code = (
            "import pandas as pd\n"
            f"df = pd.read_csv('data/population_{i}.csv', encoding='cp949')\n"
            "df['증감률'] = df['인구수'].pct_change()\n"
            "df.groupby('시군구')['인구수'].sum().plot(kind='bar')\n"
            "print(df.shape)\n"
        )
        rows = rng.randint(20, 60)
        plain, html = _frame(rng, rows)
        outputs = [
            {"output_type": "stream", "name": "stdout", "text": [f"({rows}, 5)\n"]},
            {
                "output_type": "execute_result",
                "execution_count": i,
                "metadata": {},
                "data": {"text/plain": _lines(plain), "text/html": _lines(html)},
            },
        ]
        if i % 8 == 2 and (pngs < 2 or target > 2 * MB or i % 24 == 2):
            pngs += 1
            outputs.append(
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": png, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                }
            )
        cell = {
            "cell_type": "code",
            "execution_count": i,
            "id": f"c{i}",
            "metadata": {},
            "outputs": outputs,
            "source": _lines(code),
        }
        cells += [md, cell]
        size += len(json.dumps(md, ensure_ascii=False)) + len(json.dumps(cell, ensure_ascii=False))
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def make_chat(n: int, notebook: str, seed: int = 3) -> dict:
    """jupyterlab_chat file: alternating user / Jupyternaut, markdown with code blocks."""
    rng = random.Random(seed)
    msgs = []
    for k in range(n):
        user = k % 2 == 0
        if user:
            body = (
                f"{k // 2 + 1}번째 질문: 시군구별 인구 증감률을 막대그래프로 그려줘. 기준일은 2024-0{k % 9 + 1}-01이야."
            )
        else:
            body = (
                "네, 다음 코드로 그릴 수 있습니다.\n\n```python\n"
                "import matplotlib.pyplot as plt\n"
                "ax = df.groupby('시군구')['증감률'].mean().plot(kind='bar')\n"
                "ax.set_title('시군구별 평균 증감률')\nplt.show()\n```\n\n"
                + "증감률은 전월 대비 인구 변화 비율입니다. "
                * rng.randint(3, 12)
            )
        msgs.append(
            {
                "type": "msg",
                "id": f"m{k}",
                "time": 1764064800.0 + 7 * k,
                "sender": "user-1" if user else JUPYTERNAUT,
                "body": body,
                "attachments": ["att-1"] if k == 0 else [],
                "mentions": [JUPYTERNAUT] if user else [],
                "raw_time": False,
            }
        )
    return chat_document(msgs, attachments={"att-1": notebook_attachment(notebook)}, chat_id=f"chat-{n}")


def write_json(path: Path, doc, indent) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(doc, indent=indent, ensure_ascii=False) + "\n"
    path.write_text(data, encoding="utf-8")
    return len(data.encode())


# -- processes ---------------------------------------------------------------


def wait_http(url: str, headers=None, timeout=60.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            if requests.get(url, headers=headers, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def start_gitlab(tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "govlab_share.testing.gitlab_server",
            "--port",
            str(port),
            "--data",
            str(tmp / "gitlab"),
            "--user",
            USER,
            "--token",
            GL_TOKEN,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "gitlab.log", "wb"),
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/api/v4/version")
    return proc, url


def start_jupyter(tmp: Path, gitlab_url: str, root: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    share_cfg = {
        "gitlab_url": gitlab_url,
        "token_source": "env",
        "token_env": TOKEN_ENV,
        "agency": "행정안전부",
        "ai_model": "openai/gpt-4o-mini",
        "hub_public_url": "https://lab.example.go.kr",
        "history_file": str(tmp / "shares.json"),
        "request_timeout": 120.0,
    }
    env = share_server_env(tmp, port=port, root=root, token=JP_TOKEN, share_config=share_cfg, **{TOKEN_ENV: GL_TOKEN})
    proc = subprocess.Popen(
        [PY, "-m", "jupyter_server"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "jupyter.log", "wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/api/status", headers={"Authorization": f"token {JP_TOKEN}"}, timeout=120)
    except RuntimeError:
        print((tmp / "jupyter.log").read_text()[-3000:], file=sys.stderr)
        raise
    return proc, url


class Frontend:
    """What the lab frontend does: token header, _xsrf cookie echoed in X-XSRFToken."""

    def __init__(self, url: str):
        self.url = url
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"token {JP_TOKEN}"
        self.s.get(f"{url}/api/status").raise_for_status()
        xsrf = self.s.cookies.get("_xsrf")
        if not xsrf:  # older servers set it only on page loads
            self.s.get(f"{url}/lab")
            xsrf = self.s.cookies.get("_xsrf")
        if xsrf:
            self.s.headers["X-XSRFToken"] = xsrf

    def share(self, path: str, chats: list[str], keep_outputs: bool) -> tuple[float, dict]:
        body = {
            "path": path,
            "title": "시군구 인구 분석 보고서",
            "description": "벤치마크용 공유",
            "visibility": "private",
            "chats": chats,
            "keep_outputs": keep_outputs,
            "force": False,
        }
        t = time.perf_counter()
        resp = self.s.post(f"{self.url}/govlab-share/share", data=json.dumps(body).encode(), timeout=600)
        dt = time.perf_counter() - t
        if resp.status_code != 200:
            raise RuntimeError(f"share failed {resp.status_code}: {resp.text[:2000]}")
        return dt, resp.json()


# -- the bare baseline -----------------------------------------------------------


def committed_files(gitlab_data: Path, gl: gitlab.Gitlab, project: str, commit: str) -> dict[str, bytes]:
    """The files of one commit, read straight from the test server's bare repo."""
    pid = gl.projects.get(project).id
    git_dir = str(gitlab_data / "repositories" / f"{pid}.git")
    names = (
        subprocess.run(
            ["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", "-z", commit], check=True, capture_output=True
        )
        .stdout.decode()
        .split("\0")
    )
    return {
        n: subprocess.run(
            ["git", "--git-dir", git_dir, "show", f"{commit}:{n}"], check=True, capture_output=True
        ).stdout
        for n in names
        if n
    }


def _content(data: bytes) -> dict:
    # What a plain python-gitlab user does: text as text, binary as base64.
    try:
        return {"content": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"content": base64.b64encode(data).decode("ascii"), "encoding": "base64"}


def bare_share(url: str, files: dict[str, bytes], project_path: str | None, project_id: int | None):
    """(seconds, project id): projects.create + commits.create, or commits.create only."""
    t = time.perf_counter()
    gl = gitlab.Gitlab(url, private_token=GL_TOKEN, timeout=120)
    if project_id is None:
        project = gl.projects.create({"name": project_path, "path": project_path, "visibility": "private"})
        kind = "create"
    else:
        project = gl.projects.get(project_id, lazy=True)
        kind = "update"
    actions = [{"action": kind, "file_path": p, **_content(d)} for p, d in files.items()]
    project.commits.create({"branch": "main", "commit_message": "bare", "actions": actions})
    return time.perf_counter() - t, project.id


# -- run ---------------------------------------------------------------------------


def touch_notebook(path: Path, nb: dict, rep: int, indent) -> None:
    """A small edit between shares, so an update commits a changed notebook."""
    nb["cells"][0]["source"][-1] = f"월별 인구와 세대수 변화를 봅니다. (수정 {rep})\n"
    write_json(path, nb, indent)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="only 100 KB and 1 MB, fewer repetitions")
    ap.add_argument("--creates", type=int, default=2)
    ap.add_argument("--updates", type=int, default=3)
    args = ap.parse_args()
    sizes = [("100KB", 100 * KB), ("1MB", 1 * MB)] + ([] if args.quick else [("10MB", 10 * MB)])
    creates, updates = (1, 2) if args.quick else (args.creates, args.updates)

    t_start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="bench-share-"))
    root = tmp / "root"
    root.mkdir()
    procs = []
    try:
        gl_proc, gl_url = start_gitlab(tmp)
        procs.append(gl_proc)
        jp_proc, jp_url = start_jupyter(tmp, gl_url, root)
        procs.append(jp_proc)
        front = Frontend(jp_url)
        gl = gitlab.Gitlab(gl_url, private_token=GL_TOKEN)
        get_engine()  # detect-secrets init once, outside the scan timing
        print(f"test GitLab {gl_url}, jupyter_server {jp_url} (govlab_share only), {os.cpu_count()} cores")

        notebooks = {}
        for label, target in sizes:
            notebooks[label] = make_notebook(target)
        for n in (10, 200):
            write_json(root / f"chat-{n}.chat", make_chat(n, "nb.ipynb"), 2)

        rows = []
        bare_seq = 0
        for label, _ in sizes:
            nb = notebooks[label]
            for n_chat in (10, 200):
                for keep in (False, True):
                    case = f"{label.lower()}-c{n_chat}-{'out' if keep else 'strip'}"
                    ours_c, bare_c, ours_u, bare_u, scan = [], [], [], [], []
                    bundle_bytes = nb_bytes = 0
                    for c in range(creates):
                        path = root / f"{case}-{c}.ipynb"  # a new path: a new project
                        nb_bytes = write_json(path, nb, 1)
                        chats = [f"chat-{n_chat}.chat"]
                        dt, res = front.share(path.name, chats, keep)
                        ours_c.append(dt)
                        files = committed_files(tmp / "gitlab", gl, res["project"], res["commit"])
                        bundle_bytes = sum(map(len, files.values()))
                        bare_seq += 1
                        bdt, bare_id = bare_share(gl_url, files, f"bare-{bare_seq}", None)
                        bare_c.append(bdt)
                        t = time.perf_counter()
                        if scan_files(files):
                            print(f"  !! {case}: the scan found something", file=sys.stderr)
                        scan.append(bundle_bytes / MB / (time.perf_counter() - t))
                        if c == 0:
                            for u in range(updates):
                                touch_notebook(path, nb, u, 1)
                                dt, res = front.share(path.name, chats, keep)
                                assert res["updated"], res
                                ours_u.append(dt)
                                files = committed_files(tmp / "gitlab", gl, res["project"], res["commit"])
                                bdt, _ = bare_share(gl_url, files, None, bare_id)
                                bare_u.append(bdt)
                    nb["cells"][0]["source"] = _lines("# 시군구 인구 분석 보고서\n월별 인구와 세대수 변화를 봅니다.\n")
                    row = dict(
                        case=case,
                        nb=nb_bytes,
                        bundle=bundle_bytes,
                        oc=statistics.median(ours_c),
                        bc=statistics.median(bare_c),
                        ou=statistics.median(ours_u),
                        bu=statistics.median(bare_u),
                        scan=statistics.median(scan),
                    )
                    rows.append(row)
                    print(
                        f"  {case}: ours {row['oc']:.3f}/{row['ou']:.3f}s  bare {row['bc']:.3f}/{row['bu']:.3f}s",
                        flush=True,
                    )

        print(
            f"\nshare latency, median seconds (create n={creates}, update n={updates}); "
            "ratio = ours / bare python-gitlab commit of the same files"
        )
        head = (
            f"{'case':<20}{'notebook':>10}{'bundle':>10}{'ours create':>13}{'bare create':>13}"
            f"{'ratio':>7}{'ours update':>13}{'bare update':>13}{'ratio':>7}{'scan MB/s':>11}"
        )
        print(head)
        print("-" * len(head))
        for r in rows:
            print(
                f"{r['case']:<20}{r['nb'] / MB:>9.2f}M{r['bundle'] / MB:>9.2f}M"
                f"{r['oc']:>13.3f}{r['bc']:>13.3f}{r['oc'] / r['bc']:>6.2f}x"
                f"{r['ou']:>13.3f}{r['bu']:>13.3f}{r['ou'] / r['bu']:>6.2f}x{r['scan']:>11.1f}"
            )
        worst = max(max(r["oc"] / r["bc"], r["ou"] / r["bu"]) for r in rows)
        print(f"\nworst ratio {worst:.2f}x (target <= 1.30x); total run {time.perf_counter() - t_start:.0f} s")
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
