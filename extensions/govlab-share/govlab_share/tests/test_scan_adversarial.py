"""The scan in linear time on adversarial inputs, and the guard's time budget.

Timing assertions compare a big input with a small one of the same shape measured
in the same test: a linear scan grows with the size ratio, a quadratic one with its
square. The allowance (2x the ratio, plus a small constant for noise on a shared
machine) fails any super-linear pattern by a wide margin: the old credential
pattern took 44 s on a 20,000-character word run that scans in milliseconds now.
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing
import os
import signal
import threading
import time

import pytest

from govlab_share import guard
from govlab_share.errors import ShareError
from govlab_share.scan import scan_files
from govlab_share.scan._runner import ScanFailed, run_scan
from govlab_share.scan._secrets import get_engine, windows

KB, MB = 1024, 1024 * 1024
# Seconds of scheduler noise allowed on a 2-core machine shared with other tests. A
# quadratic scan still fails by far: at the 10-20x size ratios below it is 100-400x slower.
SLACK = 0.5


def _best(fn, repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _assert_linear(make, small: int, big: int) -> tuple[float, float]:
    """Scan make(small) and make(big); the big one within 2x the size ratio."""
    get_engine()
    files_s, files_b = make(small), make(big)
    size = lambda files: sum(len(v) for v in files.values())  # noqa: E731
    ratio = size(files_b) / size(files_s)
    t_small = _best(lambda: scan_files(files_s))
    t_big = _best(lambda: scan_files(files_b), repeat=2)
    assert t_big <= 2 * ratio * t_small + SLACK, (
        f"{size(files_b)} bytes took {t_big:.3f}s, {size(files_s)} bytes {t_small:.3f}s (ratio {ratio:.0f})"
    )
    return t_small, t_big


def _repeat(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _nb(outputs: list[dict], metadata: dict | None = None) -> bytes:
    cell = {
        "cell_type": "code",
        "id": "c1",
        "metadata": {},
        "execution_count": 1,
        "source": ["m = folium.Map(location=[37.56, 126.97])\n", "m"],
        "outputs": outputs,
    }
    return json.dumps({"cells": [cell], "metadata": metadata or {}, "nbformat": 4, "nbformat_minor": 5}).encode()


@pytest.mark.parametrize(
    "unit", ["a", "token", "secret_", "QUJDRA", "1"], ids=["letters", "token", "secret_", "base64ish", "digits"]
)
def test_word_run_is_linear(unit):
    # The credential-name pattern once started with an unbounded \w* and backtracked.
    _assert_linear(lambda n: {"run.txt": _repeat(unit, n).encode()}, 100 * KB, 1 * MB)


@pytest.mark.parametrize(
    "unit",
    ["token=", "key" + " " * 40 + "= ", "sk-", "eyJ", "//", "Bearer "],
    ids=["token=", "spaces", "sk-", "eyJ", "slashes", "bearer"],
)
def test_candidate_line_is_linear(unit):
    # Lines full of trigger words reach the prefilter and detect-secrets' plugins;
    # blank runs (cubic in the IBM-style plugins) and long lines (windows) are bounded.
    _assert_linear(lambda n: {"line.txt": _repeat(unit, n).encode()}, 100 * KB, 1 * MB)


def test_folium_base64_html_output_is_linear():
    # folium's map output: an iframe whose src is the whole page as base64 HTML.
    page = (
        "<html><head><script>L.map('map').setView([37.5665, 126.9780], 12);</script></head>"
        "<body><div id='map'></div>"
        + "".join(
            f"<script>L.marker([37.{i:04d}, 126.{i:04d}]).bindPopup('주민센터 {i}').addTo(map);</script>"
            for i in range(200)
        )
        + "</body></html>"
    )

    def make(n):
        html = _repeat(page, n * 3 // 4)
        payload = base64.b64encode(html.encode()).decode()
        iframe = f'<iframe src="data:text/html;charset=utf-8;base64,{payload}" width="100%"></iframe>'
        out = {
            "output_type": "display_data",
            "metadata": {},
            "data": {"text/html": [iframe], "text/plain": ["<folium.Map>"]},
        }
        return {"map.ipynb": _nb([out])}

    _assert_linear(make, 500 * KB, 10 * MB)


def test_deeply_nested_json_is_linear():
    # Deep metadata (a widget state gone wrong): the walk must not recurse or go quadratic.
    def make(depth):
        nested = "[" * depth + '"leaf"' + "]" * depth
        return {
            "deep.ipynb": b'{"cells": [], "metadata": {"widgets": '
            + nested.encode()
            + b'}, "nbformat": 4, "nbformat_minor": 5}'
        }

    _assert_linear(make, 100_000, 2_000_000)


def test_windows_cover_the_line_and_overlap():
    line = _repeat("abcdefghij", 10_000)
    pieces = list(windows(line))
    assert all(len(p) <= 4096 for _, p in pieces)
    assert all(line[o : o + len(p)] == p for o, p in pieces)
    assert pieces[-1][0] + len(pieces[-1][1]) == len(line)
    assert all(b[0] == a[0] + len(a[1]) - 200 for a, b in zip(pieces, pieces[1:]))


@pytest.mark.parametrize("at", [4096 - 30, 4096 - 200 + 3, 2 * (4096 - 200) - 10])
def test_secret_across_a_window_edge_is_found_at_the_right_offset(at):
    key = "ghp_" + "x7Rk2Lq9Vb3Nc8Wd1Fh6Jm4Tp0Ys5Ga2Ue7Io"
    line = _repeat("lorem ipsum ", at) + key + _repeat(" dolor sit", 20_000)
    (f,) = scan_files({"long.txt": line.encode()})
    assert f.kind == "secret:GitHub Token" and f.line == 1
    assert key not in f.excerpt and f.excerpt.count("*") >= len(key) - 4


def _big_output_notebook(n: int, every: int = 5000) -> dict[str, bytes]:
    """A long log output; one row in `every` carries an office landline (a notice)."""
    row = "2024-06-30 12:00:01 INFO 처리 완료 rows=1532 elapsed=0.82s 시설ID 300000093451455 좌표 37.5665,126.9780\n"
    rows = n // len(row) + 1
    text = "".join(row if i % every else row.replace("좌표", "전화 02-2133-8411 좌표") for i in range(1, rows + 1))
    out = {"output_type": "stream", "name": "stdout", "text": [text]}
    return {"log.ipynb": _nb([out])}


def test_a_finding_on_every_line_is_linear():
    # Overlap resolution and excerpt masking once compared every hit with every other.
    _assert_linear(lambda n: _big_output_notebook(n, every=1), 50 * KB, 500 * KB)


def test_50mb_output_through_the_worker_is_linear():
    # The real path: pickled to a worker process, scanned, findings back.
    guard.cache.clear()
    small, big = _big_output_notebook(2_500 * KB), _big_output_notebook(50 * MB)
    ratio = len(big["log.ipynb"]) / len(small["log.ipynb"])
    guard.scan_in_worker(small, [], 120)  # start the fork server (once per process)
    guard.cache.clear()
    t_small = _best(lambda: (guard.cache.clear(), guard.scan_in_worker(small, [], 120)))
    guard.cache.clear()
    t = time.perf_counter()
    found = guard.scan_in_worker(big, [], 120)
    t_big = time.perf_counter() - t
    assert t_big <= 2 * ratio * t_small + 1.0, (t_small, t_big)
    assert {f.kind for f in found} == {"landline_phone"} and not any(f.blocking for f in found)


def _slow_files() -> dict[str, bytes]:
    # ~2 s/MB: every window is a genuine candidate for detect-secrets' plugins, and no
    # two windows are alike (repeated windows are scanned once).
    line = "".join(f'"api_key": "v{i:07d}", ' for i in range(4 * MB // 22))
    return {"slow.txt": line.encode()}


def _scan_workers() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "govlab-share-scan"]


def test_budget_kills_an_overrunning_scan():
    guard.cache.clear()
    budget = 0.5
    t = time.perf_counter()
    with pytest.raises(ShareError) as err:
        asyncio.run(guard.check(_slow_files(), budget=budget))
    elapsed = time.perf_counter() - t
    e = err.value
    assert (e.code, e.status) == ("scan_timeout", 422)
    assert "0.5초" in e.message and "출력 유지" in e.message and "0.5 s" in e.message_en
    assert "nothing was sent" in e.message_en
    assert elapsed < budget + 3.0
    assert _scan_workers() == []  # the worker was killed, not left running


def test_killed_worker_is_a_clear_scan_failed_error():
    guard.cache.clear()
    result: dict = {}

    def run():
        try:
            guard.scan_in_worker(_slow_files(), [], 60)
        except ShareError as e:
            result["error"] = e

    th = threading.Thread(target=run)
    th.start()
    deadline = time.monotonic() + 10
    while not _scan_workers() and time.monotonic() < deadline:
        time.sleep(0.02)
    (worker,) = _scan_workers()
    time.sleep(0.3)  # let it start scanning
    os.kill(worker.pid, signal.SIGKILL)  # what the OOM killer does
    th.join(30)
    e = result["error"]
    assert (e.code, e.status) == ("scan_failed", 500)
    assert "관리자" in e.message and "nothing was sent" in e.message_en
    assert any("exit code -9" in d for d in e.details)


def test_worker_exception_is_reported_not_a_hang():
    # An exception inside the worker (MemoryError, a scanner bug) comes back as
    # ScanFailed with its type, which guard turns into scan_failed (see above).
    with pytest.raises(ScanFailed, match="ValueError"):
        run_scan({"bad.txt": -1}, [], 30)  # bytes(-1) raises in the worker


def test_check_returns_notices_or_blocks_with_every_finding():
    guard.cache.clear()
    notices = asyncio.run(guard.check({"n.md": "민원실 02-2133-8411\n".encode()}, budget=30))
    assert [(f.kind, f.blocking) for f in notices] == [("landline_phone", False)]
    with pytest.raises(ShareError) as err:
        asyncio.run(guard.check({"n.md": "민원실 02-2133-8411\n담당 010-9876-5432\n".encode()}, budget=30))
    e = err.value
    assert (e.code, e.status) == ("scan_blocked", 422)
    assert sorted((f["kind"], f["blocking"]) for f in e.findings) == [("landline_phone", False), ("mobile_phone", True)]
    assert "1건" in e.message  # counts what blocks


def test_known_lab_key_blocks_whatever_its_shape():
    guard.cache.clear()
    lab_key = "lab-" + "q7Xv2Rk9Lm4Tz8Wc"  # no pattern would call this a secret
    files = {"a.ipynb": _nb([{"output_type": "stream", "name": "stdout", "text": [f"using {lab_key}\n"]}])}
    assert asyncio.run(guard.check(files, budget=30)) == []
    guard.cache.clear()
    with pytest.raises(ShareError) as err:
        asyncio.run(guard.check(files, known=[lab_key], budget=30))
    assert [f["kind"] for f in err.value.findings] == ["secret:lab credential"]


def test_cache_serves_the_share_after_the_precheck():
    guard.cache.clear()
    files = _big_output_notebook(5 * MB)
    t = time.perf_counter()
    first = guard.scan_in_worker(files, [], 60)
    t_first = time.perf_counter() - t
    t = time.perf_counter()
    second = guard.scan_in_worker(dict(files), [], 60)
    t_second = time.perf_counter() - t
    assert second == first and t_second < t_first / 3
    # Different bytes or different known keys: scanned again, not served stale.
    changed = {"log.ipynb": files["log.ipynb"].replace(b"02-2133-8411", b"010-9876-5432", 1)}
    assert any(f.blocking for f in guard.scan_in_worker(changed, [], 60))
    key1, key2 = guard.cache.key(files, []), guard.cache.key(files, ["lab-key-12345678"])
    assert key1 != key2


def test_known_secrets_from_the_environment():
    env = {
        "JUPYTERHUB_API_TOKEN": "5f2a9c1b7d4e4f60a8718293a4b5c6d7",
        "OPENAI_API_KEY": "sk-lab-gateway-key-1",
        "GL_PAT": "glpat-custom-name-1",  # the configured token_env
        "MY_SERVICE_SECRET": "abcdefgh12",
        "DB_PASSWORD": "hunter2-long",
        "NAVER_CLIENT_KEY": "Zq8Xw3Er7Ty1",
        "PWD": "/home/jovyan/work",  # a path
        "JUPYTERHUB_OAUTH_CALLBACK_URL": "/user/kim/oauth_callback",
        "JUPYTERHUB_OAUTH_SCOPES": '["access:servers!server=kim/"]',
        "TOKEN_SERVICE_URL": "http://hub:8081/services/token",  # URL without credentials
        "SECRET_TTL": "86400000",  # a number
        "SHORT_TOKEN": "abc",
        "HOME": "/home/jovyan",
        "LANG": "ko_KR.UTF-8",
    }
    got = guard.known_secrets(env, token_env="GL_PAT")
    assert got == sorted(
        [
            "5f2a9c1b7d4e4f60a8718293a4b5c6d7",
            "sk-lab-gateway-key-1",
            "glpat-custom-name-1",
            "abcdefgh12",
            "hunter2-long",
            "Zq8Xw3Er7Ty1",
        ]
    )
    assert "glpat-custom-name-1" not in guard.known_secrets(env)  # GL_PAT says nothing by name
    assert guard.known_secrets({"GOVLAB_GITLAB_TOKEN": "glpat-abcdefgh"}) == ["glpat-abcdefgh"]
