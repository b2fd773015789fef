"""ReadyProbe: a starting lab is handed to the hub as soon as it answers, against a real
loopback HTTP server; a lab that never answers times out after the hub's own bound (not
twice it), and an ended lab is left to the hub."""

from __future__ import annotations

import asyncio
import time

import pytest
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler
from traitlets.config import LoggingConfigurable

from govlab.readyprobe import ReadyProbe, probe_url
from tests.support.ports import free_port


@pytest.mark.parametrize(
    ("started", "base_url", "expected"),
    [
        (("127.0.0.1", 8123), "/user/hana/", "http://127.0.0.1:8123/user/hana/api"),
        (("", 8123), "/user/hana/", "http://127.0.0.1:8123/user/hana/api"),
        (("0.0.0.0", 8123), "/user/hana/", "http://127.0.0.1:8123/user/hana/api"),
        (("::1", 8123), "/user/hana/", "http://[::1]:8123/user/hana/api"),
        (("172.17.0.5", 8888), "/user/%ED%95%98%EB%82%98/", "http://172.17.0.5:8888/user/%ED%95%98%EB%82%98/api"),
        ("http://lab-hana:8888", "/user/hana/", "http://lab-hana:8888/user/hana/api"),
        ("http://lab-hana", "/user/hana/", "http://lab-hana:80/user/hana/api"),
        ("https://lab-hana:8888", "/user/hana/", None),  # the hub's internal TLS: not ours to probe
    ],
)
def test_the_probe_asks_where_the_hub_will_wait(started, base_url, expected):
    assert probe_url(started, base_url) == expected


class Server:
    base_url = "/user/hana/"


class StartedLab(LoggingConfigurable):
    """Stands in for JupyterHub's Spawner: `start` returns where the lab listens, `poll`
    says whether it still runs (None) or ended (an exit status)."""

    http_timeout = 30
    start_timeout = 60

    def __init__(self, port: int, ended: bool = False, **kw):
        super().__init__(**kw)
        self.port, self.ended, self.polls = port, ended, 0
        self.server = Server()

    async def start(self):
        return ("127.0.0.1", self.port)

    async def poll(self):
        self.polls += 1
        return 1 if self.ended else None


class ProbedLab(ReadyProbe, StartedLab):
    pass


def lab_answering_after(answers: list[int], seen: list[float]) -> HTTPServer:
    """A lab at /user/hana/api that answers with each status of `answers` in turn."""

    class Api(RequestHandler):
        def get(self):
            seen.append(time.monotonic())
            self.set_status(answers.pop(0) if len(answers) > 1 else answers[0])

    return HTTPServer(Application([(r"/user/hana/api", Api)]))


def test_start_returns_once_the_lab_answers():
    async def scenario():
        seen: list[float] = []
        server = lab_answering_after([503, 503, 502, 404], seen)  # any status below 500 will do
        sockets = bind_sockets(0, "127.0.0.1")
        server.add_sockets(sockets)
        try:
            lab = ProbedLab(sockets[0].getsockname()[1])
            assert await lab.start() == ("127.0.0.1", lab.port)
        finally:
            server.stop()
        return seen

    seen = asyncio.run(scenario())
    assert len(seen) == 4  # three "not yet" answers, then the one that counts


def test_a_lab_that_starts_listening_later_is_seen_within_a_probe_interval():
    async def scenario():
        port = free_port()
        lab = ProbedLab(port)
        lab.ready_probe_interval = 0.05
        seen: list[float] = []
        server = lab_answering_after([200], seen)

        async def listen_later():
            await asyncio.sleep(0.6)
            server.listen(port, "127.0.0.1")
            return time.monotonic()

        listening = asyncio.ensure_future(listen_later())
        await lab.start()
        returned = time.monotonic()
        server.stop()
        return await listening, returned, seen

    listening, returned, seen = asyncio.run(scenario())
    assert len(seen) == 1 and returned >= listening
    # Far under the hub's own backoff steps (up to 5 s): a probe interval plus one request.
    assert returned - listening < 1.0


def test_an_ended_lab_is_left_to_the_hub():
    async def scenario():
        lab = ProbedLab(free_port(), ended=True)  # nothing listens: the process died
        begun = time.monotonic()
        await lab.start()
        return lab, time.monotonic() - begun

    lab, waited = asyncio.run(scenario())
    assert lab.polls >= 1
    assert waited < lab.http_timeout / 2  # returned on the poll, not at the end of the budget


def test_a_lab_that_never_answers_times_out_after_the_hubs_own_bound():
    async def scenario():
        lab = ProbedLab(free_port())
        lab.http_timeout = 0.5
        begun = time.monotonic()
        with pytest.raises(TimeoutError):  # JupyterHub shows a timeout, as after its own wait
            await lab.start()
        return time.monotonic() - begun

    waited = asyncio.run(scenario())
    assert 0.5 <= waited < 5


def test_the_probe_can_be_turned_off():
    async def scenario():
        lab = ProbedLab(free_port())
        lab.ready_probe_interval = 0
        begun = time.monotonic()
        await lab.start()
        return lab, time.monotonic() - begun

    lab, waited = asyncio.run(scenario())
    assert lab.polls == 0 and waited < 0.5
