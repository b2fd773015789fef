"""What every settings section shares: the error type and the strict base model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

# (dotted key, message): one problem of a settings file.
Problem = tuple[str, str]


class SettingsError(Exception):
    """A settings file that cannot be used. `problems` are (key, message) pairs."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = [f"govlab settings in {source} are not valid:"]
        lines += [f"  - {key}: {msg}" for key, msg in problems]
        super().__init__("\n".join(lines))


class Section(BaseModel):
    # Unknown keys are typos far more often than intent: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)
