"""The machine-readable manifest (`govlab-manifest.json`) of a shared bundle."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata

from .taskdoc import DocMeta

SCHEMA = "govlab-share-manifest/1"
MANIFEST_PATH = "govlab-manifest.json"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict:
    from . import __version__

    return {
        "govlab_share": __version__,
        "jupyterlab": _version("jupyterlab"),
        "jupyter_ai": _version("jupyter_ai"),
        "jupyterlab_chat": _version("jupyterlab_chat"),
        "python": platform.python_version(),
    }


def file_entry(data: bytes) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def render_manifest(meta: DocMeta, files: dict[str, bytes]) -> bytes:
    """Manifest of `files` (which must not include the manifest itself)."""
    doc = {
        "schema": SCHEMA,
        "versions": versions(),
        "title": meta.title,
        "description": meta.description,
        "author": meta.author,
        # The sharing official's hub name: the gallery shows a private share to them.
        "owner": meta.owner,
        "agency": meta.agency,
        "ai_model": meta.ai_model,
        "shared_at": meta.shared_at,
        "source": {"path": meta.source_path, "keep_outputs": meta.keep_outputs},
        "notebook": meta.notebook,
        "branch": meta.branch,
        "chats": meta.chats,
        "extra_files": meta.extra_files,
        "thumbnail": meta.thumbnail or None,
        "files": {path: file_entry(files[path]) for path in sorted(files)},
        "history": meta.history,
        "origin": meta.origin or None,  # the project this notebook was pulled from (reuse figures)
        "quality": meta.quality or {"state": "unchecked"},  # the quality check (C4)
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
