"""Start configurable-http-proxy with only the environment it needs.

JupyterHub starts the proxy with a copy of the hub's whole environment plus
CONFIGPROXY_AUTH_TOKEN (jupyterhub/proxy.py). The hub's environment may hold what the
proxy must not (a database password for libpq, an operator's variables), and a
process's environment stays readable in /proc/<pid>/environ for its whole life. The
hub runs `python -m govlab.proxyexec <proxy command...>`, which execs the proxy (same
pid) with the few variables below.
"""

from __future__ import annotations

import os
import sys

KEEP = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "NODE_EXTRA_CA_CERTS", "CONFIGPROXY_AUTH_TOKEN")


def proxy_env(environ) -> dict[str, str]:
    return {k: environ[k] for k in KEEP if k in environ}


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python -m govlab.proxyexec configurable-http-proxy [args...]")
    os.execvpe(argv[0], argv, proxy_env(os.environ))


if __name__ == "__main__":
    main(sys.argv[1:])
