"""`python -m govlab.shareservice`: the share service (the hub starts it; see docs/share-api.md)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from tornado.httpserver import HTTPServer

from .app import ShareService, make_app
from .config import ConfigError, from_env
from .owners import StoreError


def make_server(service: ShareService) -> HTTPServer:
    # The body limit applies while the request is read, before anything is buffered
    # past it: a larger body is refused and the connection closed.
    limit = service.cfg.max_body_bytes
    return HTTPServer(make_app(service), xheaders=True, max_body_size=limit, max_buffer_size=limit)


async def serve() -> None:
    cfg = from_env()
    service = ShareService(cfg, os.environ)
    server = make_server(service)
    server.listen(cfg.port, cfg.host)
    logging.getLogger("govlab.shareservice").info(
        "share service on http://%s:%d%s (GitLab %s; publish %s, user tokens %s)",
        cfg.host,
        cfg.port,
        cfg.prefix,
        cfg.share.gitlab_url,
        cfg.publish,
        cfg.user_tokens,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="[%(levelname)1.1s %(asctime)s share-service] %(message)s")
    try:
        asyncio.run(serve())
    except (ConfigError, StoreError) as e:
        print(f"govlab share service: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
