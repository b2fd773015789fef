"""Throughput of the pre-share scanner on realistic and adversarial inputs.

    python tests/benchmarks/bench_scan.py            # everything (a few minutes)
    python tests/benchmarks/bench_scan.py --quick    # 1 MB sizes only

Builds ~1 MB and ~10 MB notebooks (Korean markdown, pandas code, stream output,
DataFrame text/html reprs, ANSI tracebacks, base64 PNGs, a few real findings) and
compares scan_files() with baselines measured in the same run: json.loads of the
same bytes, and a single-regex pass over the decoded text.

Then the worst cases: word runs, lines full of trigger words (`token=`, blank runs,
`sk-`, `eyJ`), a folium map output (base64 HTML), deeply nested JSON, and the
slowest linear shape known (every window a genuine detect-secrets candidate), at
1 MB and 10 MB, each against a plain `bytes.count` pass over the same bytes. Target:
no input under 10 MB over 2 s. Last, the cost of the budgeted worker process.
"""

from __future__ import annotations

import base64
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "extensions" / "govlab-share"))

from govlab_share.scan import scan_files  # noqa: E402
from govlab_share.scan._secrets import get_engine  # noqa: E402

MB = 1024 * 1024


def _lines(src: str) -> list[str]:
    return src.splitlines(keepends=True)


def _frame(rng: random.Random, rows: int) -> tuple[str, str]:
    cols = ["시군구", "기준일자", "인구수", "세대수", "증감률"]
    plain = ["      " + "  ".join(cols)]
    html = [
        '<table border="1" class="dataframe"><thead><tr><th></th>'
        + "".join(f"<th>{c}</th>" for c in cols)
        + "</tr></thead><tbody>"
    ]
    for i in range(rows):
        vals = [
            rng.choice(["종로구", "중구", "수원시", "세종시"]),
            f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            str(rng.randint(1000, 999999)),
            str(rng.randint(500, 400000)),
            f"{rng.uniform(-3, 3):.4f}",
        ]
        plain.append(f"{i:<6}" + "  ".join(vals))
        html.append(f"<tr><th>{i}</th>" + "".join(f"<td>{v}</td>" for v in vals) + "</tr>")
    html.append("</tbody></table>")
    return "\n".join(plain), "\n".join(html)


def make_notebook(target_bytes: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    png = base64.b64encode(rng.randbytes(60_000)).decode()  # ~80 KB plot, one line like nbformat
    cells = []
    size = 0
    i = 0
    while size < target_bytes:
        i += 1
        cells.append(
            {
                "cell_type": "markdown",
                "id": f"md{i}",
                "metadata": {},
                "source": _lines(
                    f"## {i}. 시군구별 인구 분석\n공공데이터포털 자료를 사용합니다. 버전 1.2.{i}, 기준일 2024-01-01.\n"
                ),
            }
        )
        code = (
            "import pandas as pd\n"
            f"df = pd.read_csv('data/population_{i}.csv', encoding='cp949')\n"
            "df['증감률'] = df['인구수'].pct_change()\n"
            "df.groupby('시군구')['인구수'].sum().plot(kind='bar')\n"
            f"print(df.shape, df.dtypes, 'run-{rng.getrandbits(64):016x}')\n"
            # AI-lab lines full of detect-secrets trigger words, none a secret
            "client = OpenAI(api_key=os.environ['OPENAI_API_KEY'])\n"
            f"resp = client.chat.completions.create(model='gpt-4o-mini', max_tokens={rng.randint(100, 900)})\n"
            "for key, value in sorted(result.items(), key=lambda kv: kv[0]):\n    pass\n"
        )
        plain, html = _frame(rng, rows=rng.randint(20, 60))
        outputs = [
            {
                "output_type": "stream",
                "name": "stdout",
                "text": _lines(
                    f"({rng.randint(100, 9999)}, 5)\nSuccessfully installed numpy-1.26.4 pandas-2.2.{i % 9}\n" * 3
                    + f"usage: prompt_tokens={rng.randint(10, 5000)} completion_tokens={rng.randint(10, 900)} total_tokens={rng.randint(10, 6000)}\n"
                ),
            },
            {
                "output_type": "execute_result",
                "execution_count": i,
                "metadata": {},
                "data": {"text/plain": _lines(plain), "text/html": _lines(html)},
            },
        ]
        if i % 5 == 0:
            outputs.append(
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": png, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                }
            )
        if i % 17 == 0:
            outputs.append(
                {
                    "output_type": "error",
                    "ename": "KeyError",
                    "evalue": "'인구'",
                    "traceback": [
                        "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
                        "\x1b[0;31mKeyError\x1b[0m                                  Traceback (most recent call last)",
                        "File \x1b[0;32m/opt/conda/lib/python3.11/site-packages/pandas/core/indexes/base.py:3805\x1b[0m, in \x1b[0;36mIndex.get_loc\x1b[0;34m(self, key)\x1b[0m",
                        "\x1b[0;31mKeyError\x1b[0m: '인구'",
                    ],
                }
            )
        if i % 97 == 0:  # a few real findings, as in a careless notebook
            code += "contact = '010-9876-5432'  # 담당자\n"
        cells.append(
            {
                "cell_type": "code",
                "execution_count": i,
                "id": f"c{i}",
                "metadata": {},
                "outputs": outputs,
                "source": _lines(code),
            }
        )
        size += len(json.dumps(cells[-1], ensure_ascii=False)) + len(json.dumps(cells[-2], ensure_ascii=False))
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, ensure_ascii=False, indent=1).encode("utf-8")


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _repeat(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _folium(n: int) -> dict[str, bytes]:
    page = (
        "<html><body><div id='map'></div>"
        + "".join(
            f"<script>L.marker([37.{i:04d}, 126.{i:04d}]).bindPopup('주민센터 {i}').addTo(map);</script>"
            for i in range(200)
        )
        + "</body></html>"
    )
    payload = base64.b64encode(_repeat(page, n * 3 // 4).encode()).decode()
    out = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": [f'<iframe src="data:text/html;charset=utf-8;base64,{payload}"></iframe>']},
    }
    nb = {
        "cells": [
            {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1, "source": "m", "outputs": [out]}
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return {"map.ipynb": json.dumps(nb).encode()}


def _nested(n: int) -> dict[str, bytes]:
    depth = n // 2
    return {
        "deep.ipynb": b'{"cells": [], "metadata": {"w": '
        + b"[" * depth
        + b"1"
        + b"]" * depth
        + b'}, "nbformat": 4, "nbformat_minor": 5}'
    }


ADVERSARIAL = {
    "word run 'a'": lambda n: {"x.txt": _repeat("a", n).encode()},
    "word run 'secret_'": lambda n: {"x.txt": _repeat("secret_", n).encode()},
    "line of 'token='": lambda n: {"x.txt": _repeat("token=", n).encode()},
    "line of 'key' + 40 blanks": lambda n: {"x.txt": _repeat("key" + " " * 40 + "= ", n).encode()},
    "line of 'sk-'": lambda n: {"x.txt": _repeat("sk-", n).encode()},
    "line of 'eyJ'": lambda n: {"x.txt": _repeat("eyJ", n).encode()},
    "digits": lambda n: {"x.txt": _repeat("1", n).encode()},
    "folium base64 html": _folium,
    "nested JSON": _nested,
    # Every 4 KB window is a real detect-secrets candidate: the slowest linear shape.
    'line of \'"api_key": "abc", \'': lambda n: {"x.txt": _repeat('"api_key": "abc", ', n).encode()},
}


def _adversarial(sizes) -> None:
    print("\nadversarial inputs (time, MB/s; baseline: bytes.count over the same bytes)")
    worst = 0.0
    for name, make in ADVERSARIAL.items():
        row = []
        for size in sizes:
            files = make(size)
            data = b"".join(files.values())
            mb = len(data) / MB
            t_scan = _best(lambda: scan_files(files), 1)
            t_base = _best(lambda: data.count(b"token"), 3)
            if mb < 10.5:
                worst = max(worst, t_scan)
            flag = "  OVER 2 s" if t_scan > 2 and mb < 10.5 else ""
            row.append(
                f"{mb:5.1f} MB {t_scan * 1000:8.0f} ms {mb / t_scan:6.1f} MB/s ({t_scan / t_base:6.0f}x count){flag}"
            )
        print(f"  {name:34} " + " | ".join(row))
    print(f"  slowest adversarial input: {worst:.2f} s")


def _worker_cost() -> None:
    from govlab_share.scan._runner import run_scan

    small = {"a.md": "민원실 02-2133-8411\n".encode()}
    t = time.perf_counter()
    run_scan(small, [], 60)
    first = time.perf_counter() - t
    per = _best(lambda: run_scan(small, [], 60), 5)
    data = make_notebook(10 * MB)
    t_in = _best(lambda: scan_files({"n.ipynb": data}), 1)
    t_out = _best(lambda: run_scan({"n.ipynb": data}, [], 120), 1)
    print("\nworker process (forkserver, preloaded scanner)")
    print(f"  first scan (starts the fork server)   {first * 1000:7.0f} ms")
    print(f"  each later scan of a tiny bundle      {per * 1000:7.1f} ms")
    print(f"  10 MB notebook in-process / in worker {t_in * 1000:7.0f} ms / {t_out * 1000:7.0f} ms")


def main() -> None:
    quick = "--quick" in sys.argv
    t = time.perf_counter()
    get_engine()
    print(f"detect-secrets engine init (once per process): {(time.perf_counter() - t) * 1000:.0f} ms")
    one_regex = re.compile(r"(?<!\d)\d{6}-?[1-8]\d{6}(?!\d)")
    for target in (1 * MB,) if quick else (1 * MB, 10 * MB):
        data = make_notebook(target)
        mb = len(data) / MB
        repeat = 5 if target <= MB else 3
        findings = scan_files({"bench.ipynb": data})
        t_scan = _best(lambda: scan_files({"bench.ipynb": data}), repeat)
        t_json = _best(lambda: json.loads(data), repeat)
        t_rx = _best(lambda: sum(1 for _ in one_regex.finditer(data.decode("utf-8"))), repeat)
        print(f"\nnotebook {mb:.2f} MB, {len(findings)} findings")
        print(f"  scan_files          {mb / t_scan:8.1f} MB/s  ({t_scan * 1000:7.1f} ms)")
        print(
            f"  baseline json.loads {mb / t_json:8.1f} MB/s  ({t_json * 1000:7.1f} ms)  scan/json time ratio {t_scan / t_json:5.1f}x"
        )
        print(
            f"  baseline one regex  {mb / t_rx:8.1f} MB/s  ({t_rx * 1000:7.1f} ms)  scan/regex time ratio {t_scan / t_rx:5.1f}x"
        )
    _adversarial((1 * MB,) if quick else (1 * MB, 10 * MB))
    _worker_cost()


if __name__ == "__main__":
    main()
