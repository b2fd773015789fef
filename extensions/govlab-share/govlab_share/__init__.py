"""govlab_share: share a notebook, its AI chats and a task document to GitLab.

Server side of the `@govlab/share` JupyterLab extension. Data flows one way:
handlers -> bundle -> scan -> GitLab (publish), and the share is recorded locally.
"""

try:
    from ._version import __version__
except ImportError:  # not built yet (running from a source checkout)
    __version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "@govlab/share"}]


def _jupyter_server_extension_points():
    return [{"module": "govlab_share"}]


def _load_jupyter_server_extension(server_app):
    """Register the routes; configuration comes from `{"GovlabShare": {...}}`."""
    # Imported here so importing the package (e.g. for the labextension paths)
    # does not pull in tornado handlers, python-gitlab and the scanner.
    from .handlers import setup_handlers

    setup_handlers(server_app)
    from .model_status import setup_model_status  # the assistant's status-bar check

    setup_model_status(server_app)
    from .gitpull import setup_gitpull  # /git-pull with a confirmation (replaces nbgitpuller's)

    setup_gitpull(server_app)
    from .share_status import setup_share_status  # the share button's enabled state

    setup_share_status(server_app)
    from .reuse_handlers import setup_reuse  # a notebook's origin and its re-runs (reuse figures)

    setup_reuse(server_app)
    server_app.log.info("govlab_share %s: routes /govlab-share/* registered", __version__)
