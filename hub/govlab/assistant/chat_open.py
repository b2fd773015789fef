"""A lab server extension: unreadable chat files are kept aside before jupyterlab-chat
opens them (see chat_file).

jupyterlab-chat 0.25 loads a chat's file when its websocket opens
(`/api/chat/ws/<path>`) and offers no hook before that load; a file holding valid JSON
that is not a chat object makes the load raise, and the chat cannot be opened. This
extension serves the same route with a subclass of jupyterlab-chat's own handler that
calls `chat_file.rescue_before_open()` first and then runs the handler unchanged.

jupyter_server loads extensions in alphabetical order and tornado matches handlers in
the order they were added, so `govlab.assistant.chat_open` (enabled in the lab config,
govlab.labconfig) is registered before `jupyterlab_chat` and its route wins. Under
real-time collaboration jupyterlab-chat serves no websocket route; neither do we.
"""

from __future__ import annotations

from typing import Any

from . import chat_file

EXTENSION = "govlab.assistant.chat_open"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": EXTENSION}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    try:
        from jupyterlab_chat import WSChatHandler
        from jupyterlab_chat.rtc_lib import get_rtc_provider
        from jupyterlab_chat.websocket_handler import is_safe_chat_path
    except ImportError:  # a lab without jupyterlab-chat (or another version): nothing to guard
        server_app.log.warning("govlab: jupyterlab-chat's websocket handler not found; chat files unguarded")
        return
    if get_rtc_provider(server_app) is not None:
        return
    from jupyter_server.utils import url_path_join

    class RescuingChatHandler(WSChatHandler):
        """jupyterlab-chat's handler; first, an unreadable chat file is copied aside."""

        def open(self, *args: str, **kwargs: str):
            path = args[0] if args else ""
            if is_safe_chat_path(path, self._root_dir):  # the handler refuses the rest itself
                try:
                    backup = chat_file.rescue_before_open(str(self._root_dir), path)
                except OSError as e:
                    # No copy made, file untouched: jupyterlab-chat reads it as before.
                    self.log.error("govlab: chat file %s is unreadable and could not be copied aside: %s", path, e)
                else:
                    if backup:
                        self.log.warning("govlab: chat file %s was unreadable; its bytes are kept in %s", path, backup)
            return super().open(*args, **kwargs)

    base_url = server_app.web_app.settings.get("base_url", "/")
    server_app.web_app.add_handlers(".*$", [(url_path_join(base_url, "api/chat/ws", "(.+)"), RescuingChatHandler)])
    server_app.log.info("govlab: unreadable chat files are kept aside before they open")
