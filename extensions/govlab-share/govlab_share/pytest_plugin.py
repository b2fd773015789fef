"""pytest plugin of the extension: the loopback GitLab server as fixtures.

Load it with ``pytest_plugins = ["govlab_share.pytest_plugin"]`` (as
``jupyter_server.pytest_plugin`` is loaded). `gitlab_server`: one server per session
(`_gitlab_server_session`, for module-scoped fixtures that seed it themselves),
reset before and after every test.
"""

from __future__ import annotations

import pytest

from .testing.gitlab_server import GitLabServer, GitLabTestServer


@pytest.fixture(scope="session")
def _gitlab_server_session(tmp_path_factory):
    server = GitLabServer(str(tmp_path_factory.mktemp("gitlab-server"))).start()
    yield GitLabTestServer(server)
    server.stop()


@pytest.fixture
def gitlab_server(_gitlab_server_session):
    _gitlab_server_session.reset()
    yield _gitlab_server_session
    _gitlab_server_session.reset()
