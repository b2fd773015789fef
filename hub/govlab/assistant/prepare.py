"""POST /govlab/assistant/prepare: start loading the model stack before the first chat.

The lab's frontend calls it when the official first shows the chat panel (the moment
they mean to chat, seconds before a chat is opened and a question typed), so the first
answer does not wait for the whole import. Loading is the same, shared load that a
chat's first use starts (govlab.assistant.persona_manager.start_loading): a worker
thread, never the event loop. GET tells the state ("not_started", "loading", "ready",
"failed"). Labs nobody chats in never load it (issue 14).
"""

from __future__ import annotations

from jupyter_server.base.handlers import APIHandler
from tornado.web import authenticated

from .persona_manager import loading_state, start_loading

ROUTE = r"govlab/assistant/prepare/?"


class PrepareHandler(APIHandler):
    @authenticated
    def get(self):
        self.set_header("Cache-Control", "no-store")
        self.finish({"state": loading_state()})

    @authenticated
    def post(self):
        if loading_state() != "ready":
            start_loading(self.log)
        self.set_status(202)
        self.set_header("Cache-Control", "no-store")
        self.finish({"state": loading_state()})
