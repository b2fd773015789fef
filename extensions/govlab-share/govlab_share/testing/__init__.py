"""Test support shipped with the extension (like ``jupyter_server.pytest_plugin``):
the loopback GitLab server and small helpers. Imported by tests only, never by the
server extension itself; the fixtures are in ``govlab_share.pytest_plugin``.
"""
