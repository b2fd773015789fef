"""Spawn latency and memory of govlab labs against bare JupyterLab labs, in one run.

    .venv/bin/python tests/benchmarks/bench_spawn.py [--users 10] [--rounds 5] [--no-chat]

For each variant a real hub (govlab start, local mode) is started, N users are created,
and all their servers are requested at once through the REST API. Reported: time from
request to ready (p50, p95, max) and the RSS of each single-user server process after
it is ready (kernels excluded). The single-lab variants start one lab at a time,
`--rounds` times, and report the median. The baseline ("bare") is the same hub and the same
JupyterLab with jupyter-ai, the chat and our extensions switched off for the labs.

The first chat (issue 14): labs of two kinds, "govlab" (the model stack loads when the
chat panel is first shown or a chat is first opened) and "eager" (jupyter-ai's own
extensions load it at start, as before issue 14), each asked one question right after it
is ready, against the loopback model server: the question sent the moment the chat opens
(worst case), and for govlab also 5 s after opening (an official typing). Reported: spawn
time, RSS before the question, time from the question to the model's answer, time from
the spawn request to the answer (the cold start as the official lives it; it includes
the same 2 s pause after "ready" for every lab), and RSS after. Numbers only; nothing is
asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support import aio
from tests.support.chat import GOVLAB, chat_ws_url, open_chat, send_message
from tests.support.hub import RunningHub, base_settings
from tests.support.labprocess import lab_rss_mb

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

# The hub hands every lab its config as JSON in $GOVLAB_LAB_CONFIG. A variant computes
# that JSON from the same settings, switches server extensions in it, and gives it to
# the labs through an extra hub config file (loaded after govlab's own).
BARE_EXTENSIONS = {name: False for name in NOT_BARE}
# Today's behaviour before issue 14: jupyter-ai's extensions import the model stack at start.
EAGER_EXTENSIONS = {"jupyter_ai_jupyternaut": True, "jupyter_ai_litellm": True, "govlab.assistant.lazy_stack": False}


def override_lab_extensions(hub: RunningHub, extensions: dict[str, bool], name: str) -> None:
    from govlab import settings as govlab_settings
    from govlab.labconfig import lab_server_config
    from govlab.labimage import LAB_CONFIG_ENV

    config = lab_server_config(govlab_settings.load(hub.settings_path, environ=hub.env()))
    config.setdefault("ServerApp", {}).setdefault("jpserver_extensions", {}).update(extensions)
    value = json.dumps(config, ensure_ascii=False, sort_keys=True)
    (hub.workdir / "extra-config" / f"60-{name}.py").write_text(
        f"c.Spawner.environment.update({{{LAB_CONFIG_ENV!r}: {value!r}}})\n"
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def run_variant(name: str, users: int, workdir: Path, rounds: int = 1) -> dict:
    """`users` labs at once; with `rounds` > 1, one lab at a time `rounds` times (each
    stopped before the next starts), so a single spawn is a median, not one sample."""
    settings = base_settings(workdir / "state", **{"hub.concurrent_spawn_limit": max(users, 1)})
    hub = RunningHub(workdir, settings)
    if name == "bare":
        override_lab_extensions(hub, BARE_EXTENSIONS, "bare")
    hub.start()
    try:
        if rounds == 1:
            names = [f"bench{i:03d}" for i in range(users)]
            return {"variant": name, **spawn_all(hub, names, lab_rss_mb)}
        runs = []
        for i in range(rounds):
            runs.append(spawn_all(hub, [f"bench{i:03d}"], lab_rss_mb))
            hub.stop_server(f"bench{i:03d}")
        times = [r["p50_s"] for r in runs if r["p50_s"] is not None]
        rss = [r["rss_mb_mean"] for r in runs if r["rss_mb_mean"] is not None]
        return {
            "variant": name,
            "users": 1,
            "ready": len(times),
            "errors": {k: v for r in runs for k, v in r["errors"].items()},
            "p50_s": statistics.median(times) if times else None,
            "p95_s": percentile(times, 0.95) if times else None,
            "max_s": max(times) if times else None,
            "rss_mb_mean": statistics.mean(rss) if rss else None,
            "rounds": rounds,
        }
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


BENCH_ANSWER = "벤치마크 답변입니다."
# An official opens a chat and types a short question: the model stack loads meanwhile.
TYPING_S = 5.0
# (lab, seconds from opening the chat to the question)
FIRST_CHATS = (("eager", 0.0), ("govlab", 0.0), ("govlab", TYPING_S))


async def first_answer(
    hub: RunningHub, user: str, token: str, chat_path: str, typing_s: float, timeout: float = 300
) -> tuple[bool, float]:
    """Open the chat, wait `typing_s` (an official typing the question), ask on the
    chat's websocket; (answered, seconds from the question to the model's answer; the
    "AI 준비 중" notice that may come first does not count)."""
    conn = await open_chat(chat_ws_url(hub.url, user, chat_path), token)
    try:
        await asyncio.sleep(typing_s)
        asked = time.perf_counter()
        send_message(conn, "안녕하세요", GOVLAB)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = await asyncio.wait_for(conn.read_message(), deadline - time.monotonic())
            if frame is None:
                break
            message = json.loads(frame).get("message") or {}
            if BENCH_ANSWER in (message.get("body") or ""):
                return True, time.perf_counter() - asked
        return False, time.perf_counter() - asked
    finally:
        conn.close()


def run_first_chat(name: str, workdir: Path, model, typing_s: float = 0.0) -> dict:
    """One lab ("govlab" or "eager"): spawn, RSS, one question timed, RSS after."""
    from tests.model_server import text

    settings = base_settings(workdir / "state", llm=model.llm_settings("GOVLAB_BENCH_MODEL_KEY"))
    hub = RunningHub(workdir, settings, env={"GOVLAB_BENCH_MODEL_KEY": "sk-bench-model-key-1234"})
    if name == "eager":
        override_lab_extensions(hub, EAGER_EXTENSIONS, "eager")
    hub.start()
    try:
        user = "chat001"
        token = hub.create_user(user)
        t0 = time.perf_counter()
        hub.start_server(user, timeout=600)
        spawn_s = time.perf_counter() - t0
        time.sleep(2)
        rss_before = lab_rss_mb(user)
        assert hub.put_file(user, "bench.chat", "{}", token=token).status_code == 201
        model.script([text(BENCH_ANSWER, chunks=3)])
        answered, answer_s = aio.run(first_answer(hub, user, token, "bench.chat", typing_s))
        cold_s = time.perf_counter() - t0
        time.sleep(2)
        label = f"{name}-chat" + (f"-typing{typing_s:g}s" if typing_s else "")
        return {
            "variant": label,
            "spawn_s": spawn_s,
            "answer_s": answer_s,
            "cold_s": cold_s,
            "answered": answered,
            "rss_before_mb": rss_before,
            "rss_after_mb": lab_rss_mb(user),
        }
    finally:
        hub.kill_everything()


def fmt(v) -> str:
    return "-" if v is None else f"{v:8.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--no-chat", action="store_true", help="skip the first-chat comparison")
    parser.add_argument("--rounds", type=int, default=5, help="single-lab spawns per variant (median reported)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="govlab-bench-") as tmp:
        for variant in ("bare", "govlab", "govlab-single", "bare-single"):
            single = variant.endswith("single")
            users = 1 if single else args.users
            base = variant.removesuffix("-single")
            what = f"one lab at a time, {args.rounds} times" if single else f"{users} user(s) at once"
            print(f"-- {variant}: {what} ...", flush=True)
            rounds = args.rounds if single else 1
            results.append(run_variant(base, users, Path(tmp) / variant, rounds) | {"variant": variant})
        chats = []
        if not args.no_chat:
            from tests.model_server import ModelServer

            model = ModelServer().start()
            try:
                for name, typing_s in FIRST_CHATS:
                    print(f"-- {name}: first chat, question {typing_s:g} s after opening it ...", flush=True)
                    chats.append(run_first_chat(name, Path(tmp) / f"{name}-chat-{typing_s:g}", model, typing_s))
            finally:
                model.stop()
    print()
    print(f"{'variant':14} {'users':>5} {'ready':>5} {'p50 s':>8} {'p95 s':>8} {'max s':>8} {'RSS MB':>8}")
    for r in results:
        print(
            f"{r['variant']:14} {r['users']:5d} {r['ready']:5d} {fmt(r['p50_s'])} {fmt(r['p95_s'])} {fmt(r['max_s'])} {fmt(r['rss_mb_mean'])}"
        )
        for user, err in r["errors"].items():
            print(f"   ! {user}: {err}")
    by = {r["variant"]: r for r in results}
    print()
    for label, ours, bare in (("concurrent", "govlab", "bare"), ("single", "govlab-single", "bare-single")):
        o, b = by[ours], by[bare]
        if o["p50_s"] and b["p50_s"]:
            print(
                f"{label}: spawn p50 ratio govlab/bare = {o['p50_s'] / b['p50_s']:.2f}x, "
                f"max ratio = {o['max_s'] / b['max_s']:.2f}x"
            )
        if o["rss_mb_mean"] and b["rss_mb_mean"]:
            print(f"{label}: RSS ratio govlab/bare = {o['rss_mb_mean'] / b['rss_mb_mean']:.2f}x")
    if chats:
        print()
        print(
            f"{'first chat':28} {'spawn s':>8} {'answer s':>8} {'cold s':>8} {'RSS before':>10} {'RSS after':>10} answered"
        )
        for c in chats:
            print(
                f"{c['variant']:28} {fmt(c['spawn_s'])} {fmt(c['answer_s'])} {fmt(c['cold_s'])} "
                f"{fmt(c['rss_before_mb']):>10} {fmt(c['rss_after_mb']):>10} {c['answered']}"
            )
        e, g, t = chats
        print(
            f"first answer, from the question: govlab - eager = {g['answer_s'] - e['answer_s']:+.2f} s asked at once, "
            f"{t['answer_s'] - e['answer_s']:+.2f} s asked {TYPING_S:g} s after opening the chat"
        )
        print(
            f"first answer, from the spawn request: govlab - eager = {g['cold_s'] - e['cold_s']:+.2f} s asked at once, "
            f"{t['cold_s'] - e['cold_s']:+.2f} s asked {TYPING_S:g} s after; spawn ratio govlab/eager = "
            f"{g['spawn_s'] / e['spawn_s']:.2f}x; RSS after the first chat govlab/eager = "
            f"{g['rss_after_mb'] / e['rss_after_mb']:.2f}x"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results + chats, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
