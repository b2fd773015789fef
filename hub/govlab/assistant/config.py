"""The assistant's settings as the lab process sees them.

The hub turns the `llm` section of the settings file into a `GovlabAssistant` section
of the lab's jupyter_server config (`govlab.labconfig`); the persona and its tools read
it back here. No secret is part of it: the model key reaches the lab only through its
environment (OPENAI_API_KEY).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

# The jupyter_server config section the hub writes and the lab reads.
CONFIG_SECTION = "GovlabAssistant"
# jupyter-ai's id of the govlab persona (entry point `govlab` in pyproject.toml).
PERSONA_ID = "jupyter-ai-personas::govlab::GovlabPersona"

PrivacyGuard = Literal["block", "mask", "off"]
ToolPolicy = Literal["none", "notebook", "notebook+shell"]
Approve = Literal["always", "never"]

PRIVACY_GUARDS: tuple[str, ...] = ("block", "mask", "off")
TOOL_POLICIES: tuple[str, ...] = ("none", "notebook", "notebook+shell")
APPROVALS: tuple[str, ...] = ("always", "never")
INSTRUCTIONS_MAX = 4000
TIMEOUT_MIN, TIMEOUT_MAX, TIMEOUT_DEFAULT = 5, 600, 60


@dataclass(frozen=True)
class AssistantConfig:
    # litellm model id ("openai/<name>"); empty when the operator configured none.
    model: str = ""
    # The OpenAI-compatible endpoint every request goes to ("http://host:port/v1").
    base_url: str = ""
    # Operator text appended to the Korean system prompt.
    instructions: str = ""
    privacy_guard: PrivacyGuard = "block"
    tools: ToolPolicy = "notebook"
    approve: Approve = "always"
    # Seconds a model request may take before the official is told it failed.
    timeout: int = TIMEOUT_DEFAULT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> AssistantConfig:
        """From a config section; unknown or bad values fall back to the safe default.

        The hub has validated the settings already; this only guards the lab against a
        hand-edited config file (a typo must not turn the guard or the approval off).
        """
        data = dict(data or {})
        default = cls()

        def pick(key: str, allowed: tuple[str, ...]) -> str:
            value = data.get(key)
            return value if value in allowed else getattr(default, key)

        try:
            timeout = int(data.get("timeout", default.timeout))
        except (TypeError, ValueError):
            timeout = default.timeout
        return cls(
            model=str(data.get("model") or ""),
            base_url=str(data.get("base_url") or "").rstrip("/"),
            instructions=str(data.get("instructions") or "")[:INSTRUCTIONS_MAX],
            privacy_guard=pick("privacy_guard", PRIVACY_GUARDS),  # type: ignore[arg-type]
            tools=pick("tools", TOOL_POLICIES),  # type: ignore[arg-type]
            approve=pick("approve", APPROVALS),  # type: ignore[arg-type]
            timeout=min(max(timeout, TIMEOUT_MIN), TIMEOUT_MAX),
        )

    @classmethod
    def from_traitlets(cls, config: Any) -> AssistantConfig:
        """From a traitlets Config (a persona's or an extension's `self.config`)."""
        section = config.get(CONFIG_SECTION) if config is not None else None
        return cls.from_mapping(dict(section) if section else None)
