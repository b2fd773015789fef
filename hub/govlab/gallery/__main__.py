"""`python -m govlab.gallery`: the gallery service (the hub starts it; see gallery.enabled)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from tornado.httpserver import HTTPServer
from tornado.ioloop import PeriodicCallback

from .app import MAX_BODY, Gallery, make_app
from .config import ConfigError, from_env


async def serve() -> None:
    cfg = from_env()
    gallery = Gallery(cfg)
    app = make_app(gallery)
    # Bodies above MAX_BODY are refused from the Content-Length header, before buffering.
    server = HTTPServer(app, xheaders=True, max_body_size=MAX_BODY)
    server.listen(cfg.port, cfg.host)
    logging.getLogger("govlab.gallery").info(
        "gallery on http://%s:%d%s (GitLab %s, namespaces %s)",
        cfg.host,
        cfg.port,
        cfg.prefix,
        cfg.gitlab_url,
        list(cfg.namespaces) or "all",
    )
    gallery.catalog.tick()  # start loading before the first visitor
    ticker = PeriodicCallback(gallery.catalog.tick, 1000)
    ticker.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    ticker.stop()
    server.stop()
    gallery.close()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="[%(levelname)1.1s %(asctime)s gallery] %(message)s")
    try:
        asyncio.run(serve())
    except ConfigError as e:
        print(f"govlab gallery: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
