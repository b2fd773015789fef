"""Probe the configured LLM endpoint once at start: a warning, never fatal.

An unreachable model must not keep officials out of their labs; the operator just
needs to hear about it where they look (the hub's log and `govlab check-config`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from .settings import LoadedSettings


def probe(loaded: LoadedSettings) -> str | None:
    """None when the endpoint answers like an OpenAI-compatible API, else a warning."""
    llm = loaded.settings.llm
    if not (llm.base_url and llm.check_at_start):
        return None
    url = f"{llm.base_url}/models"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if loaded.secrets.llm_api_key:
        request.add_header("Authorization", f"Bearer {loaded.secrets.llm_api_key.get_secret_value()}")
    try:
        with urllib.request.urlopen(request, timeout=llm.check_timeout) as response:
            json.loads(response.read(1_000_000) or b"{}")
    except urllib.error.HTTPError as e:
        if e.code in (401, 403):
            return (
                f"LLM endpoint {llm.base_url} refused the key (HTTP {e.code}): check llm.api_key. "
                "The lab starts; the assistant will report the error."
            )
        # Some gateways have no /models; they answered, so they are reachable.
        return None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return (
            f"LLM endpoint {llm.base_url} is not reachable ({reason}): check llm.base_url. "
            "The lab starts anyway; the assistant will answer once the endpoint is up."
        )
    return None
