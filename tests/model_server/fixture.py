"""pytest fixtures for the loopback model server (govlab_share.testing.model_server).

`model_server_session`: one server per test session, started before any hub so its
URL can go into a hub's settings (`llm.base_url`). `model_server`: the same server,
reset for each test (empty script, empty request log, listening again).
"""

from __future__ import annotations

import pytest

from govlab_share.testing.model_server import ModelServer


@pytest.fixture(scope="session")
def model_server_session():
    server = ModelServer().start()
    yield server
    server.stop()


@pytest.fixture
def model_server(model_server_session):
    model_server_session.reset()
    yield model_server_session
    model_server_session.reset()
