"""Reading a settings file: YAML in, validated Settings and resolved secrets out.

Every error names the key and says how to fix it; a secret or a password inside a URL
is never echoed back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .base import SettingsError
from .rules import branding_problems, check_consistency, welcome_problems
from .schema import CHART_MODES, Settings
from .secrets import Secrets, chart_secrets, resolve_secrets

SETTINGS_ENV = "GOVLAB_SETTINGS"


class LoadedSettings(BaseModel):
    """Validated settings plus the facts of where they came from."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    settings: Settings
    secrets: Secrets
    source: Path
    state_dir: Path


_URL_PASSWORD_RE = re.compile(r"(://[^/:@\s]*:)[^@/\s]*@")


def _pydantic_problems(err: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function-"))
        kind = e["type"]
        if kind == "extra_forbidden":
            msg = "unknown key: remove it or check its spelling (see config/govlab.example.yaml)"
        elif kind == "literal_error":
            msg = f"got {e.get('input')!r}; {e['msg'].lower()}"
        elif kind == "missing":
            msg = "is required in this section"
        else:
            msg = e["msg"].removeprefix("Value error, ")
            if "input" in e and not isinstance(e["input"], (dict, list)):
                # Never echo a password written into a URL (user:password@host).
                shown = _URL_PASSWORD_RE.sub(r"\1********@", repr(e["input"]))
                # A long value (llm.instructions) is named, not echoed whole.
                msg += f" (got {shown[:80] + '…' if len(shown) > 80 else shown})"
        problems.append((loc or "(top level)", msg))
    return problems


def parse(data: Any, source: str = "<settings>") -> Settings:
    """Validate a parsed YAML document into Settings (no environment access)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(source, [("(top level)", "the file must be a YAML mapping of sections")])
    try:
        return Settings.model_validate(data)
    except ValidationError as err:
        raise SettingsError(source, _pydantic_problems(err)) from None


def load(path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None) -> LoadedSettings:
    """Load, validate and resolve a settings file. Raises SettingsError."""
    environ = os.environ if environ is None else environ
    if path is None:
        path = environ.get(SETTINGS_ENV) or default_settings_path()
    source = Path(path).expanduser().resolve()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as e:
        raise SettingsError(
            str(source),
            [("(file)", f"cannot read it ({e.strerror}): pass --config PATH or set {SETTINGS_ENV}")],
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise SettingsError(str(source), [(where, f"not valid YAML: {getattr(e, 'problem', e)}")]) from None
    settings = parse(data, str(source))
    if settings.mode in CHART_MODES:
        secrets = chart_secrets(settings)
    else:
        secrets = resolve_secrets(settings, environ, source.parent, str(source))
    check_consistency(settings, secrets, str(source), environ)
    if problems := branding_problems(settings.hub.branding, source.parent):
        raise SettingsError(str(source), problems)
    if problems := welcome_problems(settings, source.parent):
        raise SettingsError(str(source), problems)
    state_dir = Path(settings.hub.state_dir).expanduser()
    if not state_dir.is_absolute():
        state_dir = (source.parent / state_dir).resolve()
    return LoadedSettings(settings=settings, secrets=secrets, source=source, state_dir=state_dir)


def default_settings_path() -> Path:
    """config/govlab.yaml beside this checkout, else the example."""
    config_dir = Path(__file__).resolve().parents[3] / "config"
    own = config_dir / "govlab.yaml"
    return own if own.exists() else config_dir / "govlab.example.yaml"
