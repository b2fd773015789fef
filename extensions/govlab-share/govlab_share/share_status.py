"""`GET /govlab-share/status`: whether sharing to GitLab is set up in this lab.

The notebook toolbar asks once at start-up: without a GitLab configured the share
button is disabled with a Korean tooltip instead of opening a dialog that names a
server setting. Only the yes/no goes to the browser (the reason is for the log).
"""

from __future__ import annotations

import json
import os

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .config import GovlabShare


class ShareStatusHandler(APIHandler):
    @tornado.web.authenticated
    def get(self):
        problem = self.settings["govlab_share_status"]
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"configured": problem is None}))


def setup_share_status(server_app) -> None:
    web_app = server_app.web_app
    # The environment the share handlers judge by (setup_handlers ran first).
    environ = web_app.settings.get("govlab_share", {}).get("environ", os.environ)
    problem = GovlabShare(parent=server_app).problem(environ)
    if problem:
        server_app.log.info("govlab_share: sharing is off in this lab (%s)", problem)
    web_app.settings["govlab_share_status"] = problem
    route = url_path_join(web_app.settings["base_url"], "govlab-share", "status")
    web_app.add_handlers(".*$", [(route, ShareStatusHandler)])
