"""A loopback GitLab stand-in for tests: REST v4 subset, OAuth provider (with
GitLab's sign-in form and authorize page for browsers) and read-only git smart HTTP,
backed by real bare git repositories.

Use the pytest fixture from ``govlab_share.pytest_plugin`` or run it by hand:
``python -m govlab_share.testing.gitlab_server --port 8929 --data /tmp/gls``.

Project issues (create, list with labels/state/author/search, get, close/reopen) live
in ``issues.py``; the facade seeds ``set_issues_access`` and reads ``issues(path)``.

Known gaps (deliberate): no issue notes, label or milestone APIs, no merge requests, branch listing/creation, tags API,
webhooks, project members API, group/file deletes, sudo, keyset pagination, or git push.
"""

from .app import ApiError, Config, GitLabServer
from .facade import GitLabTestServer
from .store import DEVELOPER, GUEST, MAINTAINER, OWNER, REPORTER

__all__ = [
    "ApiError",
    "Config",
    "GitLabServer",
    "GitLabTestServer",
    "GUEST",
    "REPORTER",
    "DEVELOPER",
    "MAINTAINER",
    "OWNER",
]
