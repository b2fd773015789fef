"""The share's scan runs off the event loop and within its time budget (jp_fetch)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from .conftest import make_notebook, write_json
from .helpers import gitlab_calls, post_share, share_body


def _slow_line(mb: float) -> str:
    """Every ~4 KB window is a genuine candidate for detect-secrets' plugins and no two
    windows are alike (repeats are scanned once): about 2 s per MB, the slowest linear
    shape we know. The values are placeholders, so the share itself passes."""
    return "".join(f'"api_key": "example-{i:07d}", ' for i in range(int(mb * 1024 * 1024 / 29)))


@pytest.fixture
def scan_budget():
    return 60.0


@pytest.fixture
def jp_server_config(jp_server_config, scan_budget):
    jp_server_config["GovlabShare"]["scan_budget"] = scan_budget
    return jp_server_config


# A 100 KB word run of trigger words: one search call that once held the GIL for
# far longer than this test (the old credential pattern was quadratic on it).
_WORD_RUN = "secret_" * 15_000


def _slow_notebook(workspace, mb: float) -> None:
    text = _WORD_RUN + "\n" + _slow_line(mb)
    cells = [
        {
            "cell_type": "code",
            "id": "c1",
            "metadata": {},
            "execution_count": 1,
            "source": "print(config)",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": text}],
        }
    ]
    write_json(workspace["notebook"], make_notebook(cells))


def test_lab_answers_while_a_large_share_is_scanned(jp_fetch, jp_asyncio_loop, workspace, gitlab_user):
    _slow_notebook(workspace, 3)

    async def scenario():
        share = asyncio.ensure_future(
            jp_fetch(
                "govlab-share",
                "share",
                method="POST",
                raise_error=False,
                body=json.dumps(share_body(keep_outputs=True)),
            )
        )
        latencies = []
        started = time.monotonic()
        while not share.done():
            t = time.monotonic()
            resp = await jp_fetch("api", "status")
            assert resp.code == 200
            latencies.append((time.monotonic() - t, share.done()))
            await asyncio.sleep(0.1)
        return await share, latencies, time.monotonic() - started

    resp, latencies, took = jp_asyncio_loop.run_until_complete(scenario())
    assert resp.code == 200, resp.body
    during = [lat for lat, done in latencies if not done]
    # The share took seconds (a real scan happened) and the lab kept answering.
    assert took > 1.5 and len(during) >= 5, (took, latencies)
    assert max(during) < 1.0, during


@pytest.mark.parametrize("scan_budget", [0.5])
def test_scan_over_budget_refuses_the_share_and_sends_nothing(fetch, workspace, gitlab_server, gitlab_user):
    _slow_notebook(workspace, 3)
    t = time.monotonic()
    status, data = post_share(fetch, share_body(keep_outputs=True))
    assert time.monotonic() - t < 10
    assert status == 422, data
    err = data["error"]
    assert err["code"] == "scan_timeout"
    assert "0.5초" in err["message"] and "출력 유지" in err["message"]
    assert "0.5 s" in err["message_en"] and "nothing was sent" in err["message_en"]
    # Refused before any GitLab call: no project, no commit.
    assert [c for c in gitlab_calls(gitlab_server) if c[0] != "GET"] == []
