"""Secret references (`{env: NAME}` / `{file: PATH}`) and the values they resolve to.

Secrets are never values in the settings file. They are read at load time and kept as
SecretStr, so printing settings masks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from .base import Section, SettingsError

if TYPE_CHECKING:
    from .schema import Settings


class SecretRef(Section):
    """Where a secret comes from: an environment variable or a file (never inline)."""

    env: str | None = Field(None, description="Name of the environment variable that holds the secret.")
    file: str | None = Field(
        None, description="Path of a file that holds the secret; relative paths are relative to the settings file."
    )

    @model_validator(mode="after")
    def _one_source(self) -> SecretRef:
        if bool(self.env) == bool(self.file):
            raise ValueError("give exactly one of `env: VARIABLE_NAME` or `file: /path/to/secret`")
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"file {self.file}"

    def resolve(self, environ: Mapping[str, str], base_dir: Path) -> str | None:
        """The secret's value, or None when the variable or file is missing."""
        if self.env:
            value = environ.get(self.env)
        else:
            path = Path(self.file).expanduser()
            if not path.is_absolute():
                path = base_dir / path
            try:
                value = path.read_text(encoding="utf-8")
            except OSError:
                return None
        value = (value or "").strip()
        return value or None


class Secrets(BaseModel):
    """Secret values resolved from the references in Settings (never from the file)."""

    model_config = ConfigDict(frozen=True)
    user_password: SecretStr | None = None
    admin_password: SecretStr | None = None
    gitlab_client_secret: SecretStr | None = None
    llm_api_key: SecretStr | None = None
    sharing_token: SecretStr | None = None
    gallery_token: SecretStr | None = None
    db_password: SecretStr | None = None
    # lab.secret_environment: variable name -> value, for every lab's environment.
    lab_environment: dict[str, SecretStr] = {}


# Where each secret lives in the file, what it is for, and its minimum length.
_SECRET_FIELDS = (
    ("auth.shared_password.user_password", "user_password", 8),
    ("auth.shared_password.admin_password", "admin_password", 32),
    ("auth.accounts.admin_password", "admin_password", 32),
    ("auth.gitlab.client_secret", "gitlab_client_secret", 1),
    ("llm.api_key", "llm_api_key", 1),
    ("sharing.token", "sharing_token", 1),
    ("gallery.token", "gallery_token", 1),
    ("hub.db_password", "db_password", 1),
)


def _lookup(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


def resolve_secrets(settings: Settings, environ: Mapping[str, str], base_dir: Path, source: str) -> Secrets:
    """Read every referenced secret; a referenced but missing secret is an error."""
    problems = []
    values: dict[str, str] = {}
    for key, name, min_len in _SECRET_FIELDS:
        ref = _lookup(settings, key)
        if ref is None:
            continue
        value = ref.resolve(environ, base_dir)
        if value is None:
            problems.append((key, f"{ref.describe()} is not set or empty: set it, or remove the key"))
        elif len(value) < min_len:
            problems.append((key, f"must be at least {min_len} characters long"))
        else:
            values[name] = value
    lab_env: dict[str, str] = {}
    for var, ref in settings.lab.secret_environment.items():
        value = ref.resolve(environ, base_dir)
        if value is None:
            problems.append(
                (f"lab.secret_environment.{var}", f"{ref.describe()} is not set or empty: set it, or remove the key")
            )
        else:
            lab_env[var] = value
    if problems:
        raise SettingsError(source, problems)
    return Secrets(**values, lab_environment=lab_env)


def chart_secrets(settings: Settings) -> Secrets:
    """Chart modes: a marker for each referenced secret (the values live in the cluster)."""
    return Secrets(
        **{name: f"(in the cluster: {key})" for key, name, _ in _SECRET_FIELDS if _lookup(settings, key) is not None},
        lab_environment={
            var: f"(in the cluster: lab.secret_environment.{var})" for var in settings.lab.secret_environment
        },
    )
