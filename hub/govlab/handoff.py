"""Secrets from `govlab start` to the hub without the hub's environment.

A process's environment stays readable in /proc/<pid>/environ for its whole life, and
JupyterHub copies its environment into the proxy. So `govlab start` reads the secrets
the settings refer to by `{env: NAME}` (plus JUPYTERHUB_CRYPT_KEY and
CONFIGPROXY_AUTH_TOKEN) once, removes them from the environment it passes on, and
hands them to the hub through an inherited pipe (never a file): $GOVLAB_SECRETS_FD
names the pipe's read end; `receive()` reads it once in the hub and closes it.
`{file: path}` secrets are read by the hub from their files, which must be 0600.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .settings import SecretRef

FD_ENV = "GOVLAB_SECRETS_FD"
# Read by JupyterHub itself from its environment: handed over and set as config instead.
HUB_SECRET_ENV = ("JUPYTERHUB_CRYPT_KEY", "CONFIGPROXY_AUTH_TOKEN")
# A pipe holds this much without a reader; secrets are far smaller.
MAX_BYTES = 60_000

_received: dict[str, str] | None = None


def secret_refs(node: Any, key: str = "") -> Iterator[tuple[str, SecretRef]]:
    """Every SecretRef in the settings, with its dotted key."""
    if isinstance(node, SecretRef):
        yield key, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from secret_refs(getattr(node, name), f"{key}.{name}" if key else name)
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from secret_refs(item, f"{key}.{i}")
    elif isinstance(node, dict):  # lab.secret_environment: variable name -> reference
        for name, item in node.items():
            yield from secret_refs(item, f"{key}.{name}")


def secret_env_names(settings) -> set[str]:
    return {ref.env for _, ref in secret_refs(settings) if ref.env} | set(HUB_SECRET_ENV)


def split_environ(environ: Mapping[str, str], names: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(environment without the secrets, the secrets)."""
    clean = {k: v for k, v in environ.items() if k not in names and k != FD_ENV}
    secrets = {k: environ[k] for k in names if k in environ}
    return clean, secrets


def send(secrets: dict[str, str]) -> int:
    """A pipe holding the secrets; returns its inheritable read end."""
    data = json.dumps(secrets).encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ValueError("the secrets are too large to hand over")
    r, w = os.pipe()
    try:
        os.write(w, data)
    finally:
        os.close(w)
    os.set_inheritable(r, True)
    return r


def receive(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the settings resolve against: this process's plus the handed-over
    secrets (read once; later calls return the same)."""
    global _received
    environ = os.environ if environ is None else environ
    if _received is None:
        _received = {}
        fd = environ.get(FD_ENV, "")
        if fd.isdigit():
            chunks = []
            try:
                while chunk := os.read(int(fd), 65536):
                    chunks.append(chunk)
            finally:
                os.close(int(fd))
            _received = json.loads(b"".join(chunks) or b"{}")
        os.environ.pop(FD_ENV, None)
    return {**environ, **_received}


def loose_secret_files(settings, base_dir: Path) -> list[tuple[str, str]]:
    """(key, message) for each `{file:}` secret that other users could read."""
    problems = []
    for key, ref in secret_refs(settings):
        if not ref.file:
            continue
        path = Path(ref.file).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            continue  # a missing file is reported by the settings check
        if mode & 0o077:
            problems.append((key, f"{path} is readable by other users (mode {mode:o}): chmod 600 {path}"))
    return problems
