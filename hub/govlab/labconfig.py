"""Settings in, single-user lab configuration out: pure functions, no I/O.

The lab (jupyter_server + JupyterLab + jupyter-ai) gets `lab_server_config()` as JSON in
$GOVLAB_LAB_CONFIG with each spawn, applied by a jupyter_server_config.py on its
JUPYTER_CONFIG_PATH (`govlab/labenv/` for local labs, `images/lab/` in the image). Secrets
never go into it: the model key reaches the lab process only through its environment
(`lab_environment()`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from .assistant.config import CONFIG_SECTION as ASSISTANT_SECTION
from .assistant.config import PERSONA_ID, AssistantConfig
from .settings import CHART_MODES, GALLERY_SERVICE, LoadedSettings
from .shareservice import SERVICE_NAME as SHARE_SERVICE

# The govlab persona (govlab.assistant.persona, registered in pyproject.toml): every
# chat's default, so officials' messages pass its privacy guard.
GOVLAB_PERSONA_ID = PERSONA_ID
PERSONA_MANAGER_CLASS = "govlab.assistant.persona_manager.GovlabPersonaManager"

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


def assistant_config(loaded: LoadedSettings) -> AssistantConfig:
    """What the govlab persona (and its tools) read in the lab: no secrets."""
    llm = loaded.settings.llm
    return AssistantConfig(
        model=model_id(loaded),
        base_url=llm.base_url,
        instructions=llm.instructions,
        privacy_guard=llm.privacy_guard,
        tools=llm.tools,
        approve=llm.approve,
        timeout=llm.timeout,
    )


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def gallery_notify_url(loaded: LoadedSettings) -> str:
    """Where a lab tells the gallery about a share it just made (POST .../api/refresh).

    The gallery's own address (`gallery.bind_url`) when the lab can reach it: local
    mode and Docker's host network share the machine's loopback, and a bind_url that
    names a host on the labs' network (http://hub:8093) is reachable from containers.
    Otherwise (a loopback gallery, labs in containers) through the hub's proxy, at the
    address officials use. The gallery serves under its service prefix either way.
    """
    settings = loaded.settings
    if not settings.gallery.enabled:
        return ""
    bind = settings.gallery.bind_url
    same_machine = settings.mode == "local" or (settings.mode == "docker" and settings.docker.network == "host")
    reachable = same_machine or (urlparse(bind).hostname or "") not in LOOPBACK_HOSTS
    base = bind if reachable else settings.hub.address
    return f"{base.rstrip('/')}/services/{GALLERY_SERVICE}/api/refresh"


def share_service_role(loaded: LoadedSettings) -> str:
    """What the hub's share service does for labs: "publish" (a shared token: it commits
    for them), "tokens" (GitLab sign-in: it hands out each official's short-lived access
    token), or "" (no service: sharing off, or the Kubernetes chart, whose hub image
    runs no govlab service; settings refuse a shared token there)."""
    settings = loaded.settings
    if not settings.sharing.gitlab_url or settings.mode in CHART_MODES:
        return ""
    if settings.auth.method == "gitlab":
        return "tokens"
    return "publish" if loaded.secrets.sharing_token else ""


def share_service_url(loaded: LoadedSettings) -> str:
    """The share service's prefix as a lab reaches it: directly where the lab shares the
    hub's network or the bind address names a host on the labs' network, else through
    the hub's proxy (as gallery_notify_url)."""
    settings = loaded.settings
    bind = settings.sharing.service_bind_url
    same_machine = settings.mode == "local" or (settings.mode == "docker" and settings.docker.network == "host")
    reachable = same_machine or (urlparse(bind).hostname or "") not in LOOPBACK_HOSTS
    base = bind if reachable else settings.hub.address
    return f"{base.rstrip('/')}/services/{SHARE_SERVICE}"


def _token_source(loaded: LoadedSettings) -> str:
    role = share_service_role(loaded)
    if role == "publish":
        return "service"
    return "hub" if loaded.settings.auth.method == "gitlab" else "env"


# Lab server extensions turned off in every lab:
# - jupyter_server_mcp: jupyter-ai's MCP server answers anyone on its port without a
#   token (another official's kernel ran cells through it). Nothing of ours uses it: the
#   govlab persona never offers MCP tools (govlab.assistant.tools).
# - nbgitpuller: its /git-pull pulls on a plain GET into any folder; govlab_share's
#   /git-pull replaces it (a confirmation page, checked folder and repository).
LAB_EXTENSIONS_OFF = {"jupyter_server_mcp": False, "nbgitpuller": False}

# The model stack (litellm, langchain) loads on a chat's first use, not at lab start
# (issue 14): Jupyternaut's and jupyter_ai_litellm's extensions import it when loaded,
# so govlab.assistant.lazy_stack serves their routes and config instead.
LAZY_MODEL_STACK = {"jupyter_ai_jupyternaut": False, "jupyter_ai_litellm": False, "govlab.assistant.lazy_stack": True}


def pull_allowed_urls(loaded: LoadedSettings) -> list[str]:
    """Where git-pull links may pull from, besides sharing.gitlab_url (the lab adds it):
    sharing.pull_hosts and the host of every workshop's materials_repo."""
    urls = list(loaded.settings.sharing.pull_hosts)
    for w in loaded.settings.workshops:
        if w.materials_repo:
            parts = urlparse(w.materials_repo)
            urls.append(f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}")
    return list(dict.fromkeys(urls))


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
            # govlab.assistant.chat_open: an unreadable .chat file is kept aside before
            # jupyterlab-chat opens it (otherwise the chat cannot be opened).
            "jpserver_extensions": {
                "jupyter_ai_acp_client": False,
                "govlab.assistant.chat_open": True,
                **LAB_EXTENSIONS_OFF,
                **LAZY_MODEL_STACK,
            },
            # The hub routes to the port it assigned: a lab that cannot bind it must fail,
            # not quietly listen elsewhere while the proxy sends its official to another lab.
            "port_retries": 0,
        },
        "JupyternautExtension": {
            "initial_language_model": model_id(loaded),
            "model_parameters": model_parameters(loaded),
            # Only the operator's model (the govlab persona also resolves every
            # selection to it, at llm.base_url).
            "allowed_models": [model_id(loaded)],
        },
        # No MCP server: jupyter_server_mcp is off (LAB_EXTENSIONS_OFF), so nothing listens
        # for it and no persona connects to port 3001, where another lab's code could answer.
        "PersonaManager": {"default_persona_id": GOVLAB_PERSONA_ID, "builtin_mcp_servers": []},
        # git-pull links (govlab_share.gitpull): where they may pull from.
        "GovlabGitPull": {"allowed_urls": pull_allowed_urls(loaded)},
        # Kernels listen on loopback TCP ports that every local user (and, on a host
        # network, every lab) can reach; their IOPub socket hands a kernel's outputs to any
        # subscriber. CurveZMQ (keys in the 0600 connection file) closes that; a kernel
        # whose kernelspec cannot do it does not start.
        "KernelManager": {"transport_encryption": "required"},
        # Only the govlab persona is offered: no chat reaches the model unguarded.
        "PersonaManagerExtension": {"persona_manager_class": PERSONA_MANAGER_CLASS},
        ASSISTANT_SECTION: assistant_config(loaded).to_dict(),
        "GovlabShare": {
            "gitlab_url": sharing.gitlab_url,
            "namespace": sharing.namespace,
            "default_visibility": sharing.default_visibility,
            "agency": sharing.agency,
            "hub_public_url": public_url,
            # The README's open link goes through the gallery (counted) when it runs.
            "gallery_url": f"{public_url}/services/{GALLERY_SERVICE}" if settings.gallery.enabled else "",
            "gallery_notify_url": gallery_notify_url(loaded),
            "gallery_topic": settings.gallery.topic,  # the gallery finds shares by it
            "ai_model": settings.llm.model,
            "token_source": _token_source(loaded),
            # The hub's share service: commits with the shared token ("service") or
            # hands out the official's GitLab token ("hub"); empty: none (the chart).
            "service_url": share_service_url(loaded) if share_service_role(loaded) else "",
            "quality_check_enabled": sharing.quality_check.enabled,
            "quality_time_limit": sharing.quality_check.time_limit_seconds,
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
    if settings.llm.base_url:
        # Any OpenAI-style model id litellm resolves in the lab goes to the operator's
        # endpoint, never to a public API (the persona pins its own requests too).
        env["OPENAI_BASE_URL"] = env["OPENAI_API_BASE"] = settings.llm.base_url
    # lab.environment / lab.secret_environment: the settings refuse the names set above.
    env.update(settings.lab.environment)
    env.update({name: value.get_secret_value() for name, value in secrets.lab_environment.items()})
    # The shared GitLab token (sharing.token) never reaches a lab: the hub's share
    # service holds it (settings refuse it where no service runs).
    return env
