"""Settings in, single-user lab configuration out: pure functions, no I/O.

The lab (jupyter_server + JupyterLab + jupyter-ai) reads `lab_server_config()` as a
jupyter_server_config.json that the hub writes into a directory on the labs'
JUPYTER_CONFIG_PATH. Secrets never go into that file: the model key reaches the lab
process only through its environment (`lab_environment()`).
"""

from __future__ import annotations

from typing import Any

from .settings import GALLERY_SERVICE, LoadedSettings

JUPYTERNAUT_PERSONA_ID = "jupyter-ai-personas::jupyter_ai_jupyternaut::JupyternautPersona"

# Used when no model is configured: litellm's mock_response answers through the real
# chat path, so the official reads a clear message in the chat instead of an error.
UNCONFIGURED_MODEL = "openai/govlab-no-model-configured"
UNCONFIGURED_MESSAGE = (
    "AI 모델이 아직 설정되지 않았습니다. 관리자에게 govlab 설정 파일의 `llm` 항목"
    "(model, base_url, api_key)을 설정해 달라고 요청하세요.\n\n"
    "No AI model is configured yet. Ask your administrator to set the `llm` section "
    "(model, base_url, api_key) of the govlab settings file."
)
# The OpenAI client refuses to start without some key; endpoints without
# authentication (vLLM, Ollama on loopback) accept any value.
NO_KEY_PLACEHOLDER = "no-key-configured"


def model_id(loaded: LoadedSettings) -> str:
    return loaded.settings.llm.model or UNCONFIGURED_MODEL


def model_parameters(loaded: LoadedSettings) -> dict[str, dict[str, Any]]:
    llm = loaded.settings.llm
    if not llm.model:
        return {UNCONFIGURED_MODEL: {"model_kwargs": {"mock_response": UNCONFIGURED_MESSAGE}}}
    params: dict[str, Any] = dict(llm.params)
    if llm.base_url:
        params["api_base"] = llm.base_url
    return {llm.model: params}


def lab_server_config(loaded: LoadedSettings) -> dict[str, Any]:
    """The jupyter_server config every lab gets (no secrets)."""
    settings = loaded.settings
    sharing = settings.sharing
    public_url = settings.hub.address
    return {
        # The ACP client offers cloud coding agents (Claude Code, Codex, Copilot, ...):
        # they send the official's code and data to outside services and need their
        # own keys. Off in a government lab; it also shortens every lab's start.
        "ServerApp": {
            "jpserver_extensions": {"jupyter_ai_acp_client": False},
            # The hub routes to the port it assigned: a lab that cannot bind it must fail,
            # not quietly listen elsewhere while the proxy sends its official to another lab.
            "port_retries": 0,
        },
        "JupyternautExtension": {
            "initial_language_model": model_id(loaded),
            "model_parameters": model_parameters(loaded),
        },
        # jupyter-ai 3.2's built-in default id names a persona that no longer exists.
        "PersonaManager": {"default_persona_id": JUPYTERNAUT_PERSONA_ID},
        "GovlabShare": {
            "gitlab_url": sharing.gitlab_url,
            "namespace": sharing.namespace,
            "default_visibility": sharing.default_visibility,
            "agency": sharing.agency,
            "hub_public_url": public_url,
            # The README's open link goes through the gallery (counted) when it runs.
            "gallery_url": f"{public_url}/services/{GALLERY_SERVICE}" if settings.gallery.enabled else "",
            "ai_model": settings.llm.model,
            "token_source": "hub" if settings.auth.method == "gitlab" else "env",
        },
    }


def lab_environment(loaded: LoadedSettings, lab_config_dir: str) -> dict[str, str]:
    """Environment variables of every lab process."""
    settings = loaded.settings
    secrets = loaded.secrets
    env = {
        # litellm fetches its cost map from the internet at import unless told not to
        # (about 8 s per start, and a closed network never answers).
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    if lab_config_dir:
        env["JUPYTER_CONFIG_PATH"] = lab_config_dir
    if model_id(loaded).startswith("openai/"):
        key = secrets.llm_api_key.get_secret_value() if secrets.llm_api_key else NO_KEY_PLACEHOLDER
        env["OPENAI_API_KEY"] = key
    if secrets.sharing_token and settings.auth.method != "gitlab":
        env["GOVLAB_GITLAB_TOKEN"] = secrets.sharing_token.get_secret_value()
    return env
