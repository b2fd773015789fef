"""Jupyternaut's server side without the model stack at lab start (issue 14).

jupyter_ai_jupyternaut 0.1.0 and jupyter_ai_litellm 0.1.0 import litellm (about 200 MB
and most of a lab's start time) when their packages are imported: the Jupyternaut
package `__init__` imports `extension_app`, which imports the persona module (langchain,
langchain_litellm, litellm) only to hand it the ConfigManager; jupyter_ai_litellm's
`__init__` imports its model list, built from litellm at import.

`govlab.labconfig` turns both extensions off and loads this one instead. It serves the
same routes and reads the same `JupyternautExtension` config section, importing only
Jupyternaut's light submodules (config, secrets, handlers). The routes that need
litellm import it on their first request, in a worker thread. The persona itself is
loaded on a chat's first use (`govlab.assistant.persona_manager`), also off the event
loop, and gets the ConfigManager from `bind_config_manager`.

This is a shim over the upstream layout (module paths, class names, routes):
tests/unit/test_assistant_lazy_stack.py pins it to the versions in
requirements/constraints.txt and fails when an upgrade changes what it relies on.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import sys
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.application import ExtensionApp
from tornado.web import authenticated
from traitlets import Dict, List, Unicode
from traitlets.config import Config

# The upstream versions this shim was checked against (= requirements/constraints.txt).
CHECKED_VERSIONS = {
    "jupyter_ai_jupyternaut": "0.1.0",
    "jupyter_ai_litellm": "0.1.0",
    "jupyter_ai_persona_manager": "0.2.2",
}
JUPYTERNAUT = "jupyter_ai_jupyternaut"
# Where the heavy classes live (each import pulls litellm in).
PERSONA_MODULE = "jupyter_ai_jupyternaut.jupyternaut.jupyternaut"
LAZY_ROUTES = {
    "api/jupyternaut/litellm-models/?": (
        "jupyter_ai_jupyternaut.models.litellm_models_rest_api",
        "LiteLLMModelsRestAPI",
    ),
    "api/jupyternaut/model-parameters/?": (
        "jupyter_ai_jupyternaut.models.parameters_rest_api",
        "ModelParametersRestAPI",
    ),
    r"api/ai/models/chat(?:\?.*)?": ("jupyter_ai_litellm.chat_models_rest_api", "ChatModelsRestAPI"),
}
# Upstream extensions this one replaces (off in every lab: govlab.labconfig).
REPLACED_EXTENSIONS = ("jupyter_ai_jupyternaut", "jupyter_ai_litellm")


def _package_without_init(name: str) -> Any:
    """The package as a parent for its submodules, its `__init__` not run (that is
    what imports the model stack). A package already imported is left as it is."""
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.submodule_search_locations is None:
            raise ImportError(f"{name} is not an installed package")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        module.__version__ = importlib.import_module(f"{name}._version").__version__
    return module


_package_without_init(JUPYTERNAUT)

from jupyter_ai_jupyternaut.config import ConfigManager, ConfigRestAPI  # noqa: E402
from jupyter_ai_jupyternaut.handlers import RouteHandler  # noqa: E402
from jupyter_ai_jupyternaut.secrets import EnvSecretsManager, SecretsRestAPI  # noqa: E402

from . import prepare  # noqa: E402

_config_manager: ConfigManager | None = None


def bind_config_manager(persona_class: type) -> None:
    """Give a Jupyternaut persona class the lab's ConfigManager, as upstream's
    extension does at start (`JupyternautPersona.config_manager`)."""
    if _config_manager is not None:
        persona_class.config_manager = _config_manager


def stack_loaded() -> bool:
    return PERSONA_MODULE in sys.modules


def _lazy_handler(module_name: str, class_name: str) -> type[APIHandler]:
    """A handler that imports the real one on its first request, in a worker thread,
    then runs the real method on this request."""

    async def call(self: APIHandler, method: str, *args: Any) -> None:
        module = await asyncio.to_thread(importlib.import_module, module_name)
        real = getattr(getattr(module, class_name), method)
        result = real(self, *args)
        if inspect.isawaitable(result):
            await result

    class LazyHandler(APIHandler):
        @authenticated
        async def get(self, *args):
            await call(self, "get", *args)

        @authenticated
        async def put(self, *args):
            await call(self, "put", *args)

        @authenticated
        async def post(self, *args):
            await call(self, "post", *args)

    LazyHandler.__name__ = f"Lazy{class_name}"
    return LazyHandler


class JupyternautExtension(ExtensionApp):
    """Upstream's JupyternautExtension (same name, so the same config section), light."""

    name = "govlab_jupyternaut"
    handlers = [
        (r"api/jupyternaut/get-example/?", RouteHandler),
        (r"api/jupyternaut/config/?", ConfigRestAPI),
        (r"api/jupyternaut/secrets/?", SecretsRestAPI),
        *[(route, _lazy_handler(*target)) for route, target in LAZY_ROUTES.items()],
        (prepare.ROUTE, prepare.PrepareHandler),  # govlab's: load the stack when the chat panel shows
    ]

    allowed_providers = List(Unicode(), default_value=None, allow_none=True, config=True)
    blocked_providers = List(Unicode(), default_value=None, allow_none=True, config=True)
    allowed_models = List(Unicode(), default_value=None, allow_none=True, config=True)
    blocked_models = List(Unicode(), default_value=None, allow_none=True, config=True)
    model_parameters = Dict(key_trait=Unicode(), value_trait=Dict(), default_value={}, allow_none=True, config=True)
    error_logs_dir = Unicode(default_value=None, allow_none=True, config=True)
    initial_chat_model = Unicode(default_value=None, allow_none=True, config=True)
    initial_language_model = Unicode(default_value=None, allow_none=True, config=True)
    default_embeddings_model = Unicode(default_value=None, allow_none=True, config=True)
    default_completions_model = Unicode(default_value=None, allow_none=True, config=True)
    default_api_keys = Dict(
        key_trait=Unicode(), value_trait=Unicode(), default_value=None, allow_none=True, config=True
    )

    @property
    def event_loop(self):
        # EnvSecretsManager schedules its .env watcher on its parent's loop (as upstream).
        return asyncio.get_event_loop_policy().get_event_loop()

    def initialize_settings(self):
        # As upstream's initialize_settings, without touching the persona class.
        global _config_manager
        defaults = {
            "model_provider_id": self.initial_language_model,
            "embeddings_provider_id": self.default_embeddings_model,
            "completions_model_provider_id": self.default_completions_model,
            "api_keys": self.default_api_keys,
            "fields": self.model_parameters,
            "embeddings_fields": self.model_parameters,
            "completions_fields": self.model_parameters,
        }
        _config_manager = ConfigManager(
            config=self.config,
            log=self.log,
            allowed_providers=self.allowed_providers,
            blocked_providers=self.blocked_providers,
            allowed_models=self.allowed_models,
            blocked_models=self.blocked_models,
            defaults=defaults,
        )
        self.settings["jupyternaut.config_manager"] = _config_manager
        self.settings["jupyternaut.secrets_manager"] = EnvSecretsManager(parent=self)
        if stack_loaded():
            bind_config_manager(sys.modules[PERSONA_MODULE].JupyternautPersona)

    def _link_jupyter_server_extension(self, server_app):
        # Upstream's contents settings, kept so the file browser behaves as before.
        c = Config()
        c.ContentsManager.allow_hidden = True
        c.ContentsManager.hide_globs = [
            "__pycache__",
            "*.pyc",
            "*.pyo",
            ".DS_Store",
            "*~",
            ".ipynb_checkpoints",
            ".git",
            ".venv",
            "venv",
            "node_modules",
            ".pytest_cache",
            ".mypy_cache",
            "*.egg-info",
        ]
        server_app.update_config(c)
        super()._link_jupyter_server_extension(server_app)


def _jupyter_server_extension_points():
    return [{"module": "govlab.assistant.lazy_stack", "app": JupyternautExtension}]
