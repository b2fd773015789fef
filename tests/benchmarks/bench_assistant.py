"""The assistant's cost: time from sending a message to the first streamed token,
govlab persona against the stock Jupyternaut persona on the same lab and the same
loopback model server, and the privacy guard's cost per message.

    .venv/bin/python tests/benchmarks/bench_assistant.py [--rounds 10]

Numbers only; nothing is asserted (tests/unit/test_assistant_guard.py holds the
guard's 20 ms budget for a 10 KB message).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from govlab.assistant.guard import Part, check
from tests.model_server import ModelServer, text
from tests.support.chat import GOVLAB, JUPYTERNAUT, chat_ws_url, open_chat, send_message
from tests.support.hub import RunningHub, base_settings

USER = "bench"
QUESTION = '판다스로 CSV 파일을 읽어 합계를 구하고 싶어요. df = pd.read_csv("data.csv", encoding="cp949")\n'


async def first_token(ws_url: str, token: str, persona: str) -> float:
    conn = await open_chat(ws_url, token)
    try:
        started = time.perf_counter()
        send_message(conn, "판다스로 CSV를 읽는 방법은?", persona)
        while True:
            frame = await asyncio.wait_for(conn.read_message(), 60)
            data = json.loads(frame)
            message = data.get("message") or {}
            if data.get("action") == "message" and message.get("sender") == persona and message.get("body"):
                return time.perf_counter() - started
    finally:
        conn.close()


def guard_ms(size: int, runs: int = 20) -> float:
    body = (QUESTION * (size // len(QUESTION) + 1))[:size]
    check([Part("body", body, "메시지", "message")])
    started = time.perf_counter()
    for _ in range(runs):
        check([Part("body", body, "메시지", "message")])
    return (time.perf_counter() - started) / runs * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    for size in (1_000, 10_000, 100_000, 1_000_000):
        print(f"guard, {size // 1000} KB message: {guard_ms(size, runs=5 if size > 100_000 else 20):.2f} ms")

    server = ModelServer().start()
    server.default = text("첫 번째 토큰부터 스트리밍되는 답변입니다.", chunks=8)
    with tempfile.TemporaryDirectory() as tmp:
        settings = base_settings(Path(tmp) / "state", llm=server.llm_settings())
        hub = RunningHub(Path(tmp), settings)
        # Labs offer only the govlab persona; the baseline needs the stock one back.
        (Path(tmp) / "extra-config" / "60-bench-personas.py").write_text(
            "c.Spawner.args = list(c.Spawner.args) + ['--GovlabPersonaManager.allow_other_personas=True']\n"
        )
        hub.start()
        try:
            token = hub.create_user(USER)
            hub.start_server(USER)
            results: dict[str, list[float]] = {GOVLAB: [], JUPYTERNAUT: []}
            for i in range(args.rounds):
                for persona in results:
                    path = f"bench-{i}-{persona.rsplit(':', 1)[-1]}.chat"
                    hub.put_file(USER, path, "{}", token=token)
                    ws = chat_ws_url(hub.url, USER, path)
                    asyncio.run(asyncio.sleep(1))  # the chat's personas come up
                    results[persona].append(asyncio.run(first_token(ws, token, persona)))
            for persona, times in results.items():
                warm = times[1:] or times
                print(
                    f"first token, {persona.rsplit(':', 1)[-1]}: first {times[0] * 1000:.0f} ms, "
                    f"then median {statistics.median(warm) * 1000:.0f} ms, max {max(warm) * 1000:.0f} ms "
                    f"({len(times)} rounds)"
                )
        finally:
            hub.kill_everything()
            server.stop()


if __name__ == "__main__":
    main()
