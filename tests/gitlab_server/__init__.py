"""A loopback GitLab stand-in for tests: REST v4 subset, OAuth provider (with
GitLab's sign-in form and authorize page for browsers) and read-only git smart HTTP,
backed by real bare git repositories.

Use the pytest fixture in ``tests.gitlab_server.fixture`` or run it by hand:
``python -m tests.gitlab_server --port 8929 --data /tmp/gls``.

Known gaps (deliberate): no merge requests, branch listing/creation, tags API,
webhooks, project members API, group/file deletes, sudo, keyset pagination, or git push.
"""

from .app import ApiError, Config, GitLabServer
from .store import DEVELOPER, GUEST, MAINTAINER, OWNER, REPORTER

__all__ = ["ApiError", "Config", "GitLabServer",
           "GUEST", "REPORTER", "DEVELOPER", "MAINTAINER", "OWNER"]
