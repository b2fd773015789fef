"""Files a notebook reads: string literals in its code cells that name a file under
the notebook's folder (the kernel's working directory), and literal paths given to a
reader (`read_csv("x.csv")`, `open(...)`) even when the file is missing.

Paths are relative to the notebook's folder: that is also where they land in the
shared repository, so "included" is a plain comparison with the bundle's files.
"""

from __future__ import annotations

import ast
import re

from .. import paths
from ..errors import ShareError
from ..suggest import MAX_SOURCE_CHARS, READ_CALL, in_folder, notebook_folder, repo_path, without_magics

MAX_FILES = 100
MAX_LITERAL = 260
MAX_LITERALS = 2_000  # per notebook: each may cost a stat()
# Bounded fallback for cells ast refuses: a quoted literal without quotes or newlines.
_LITERAL = re.compile(r"([\"'])([^\"'\r\n]{1,260})\1")
_PATHLIKE = re.compile(r"^[^\s:*?<>|]{0,250}[^\s:*?<>|/]$|^[^:*?<>|]{1,250}\.[A-Za-z0-9]{1,8}$")


def _literals(src: str) -> list[str]:
    try:
        tree = ast.parse(without_magics(src))
    except (SyntaxError, ValueError, RecursionError):
        return [m.group(2) for m in _LITERAL.finditer(src)]
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.strip()
    ]


def data_files(root, rel: str, nb) -> list[dict]:
    """[{"path" (relative to the notebook's folder), "exists"}], in order found."""
    folder = notebook_folder(rel)
    found: list[dict] = []
    seen: set[str] = {_own_name(rel)}
    budget = MAX_LITERALS
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        src = cell.source[:MAX_SOURCE_CHARS]
        read_literals = {m.group(2).strip() for m in READ_CALL.finditer(src)}
        for text in _literals(src):
            if budget <= 0 or len(found) >= MAX_FILES:
                return found
            text = text.strip()
            if len(text) > MAX_LITERAL or "\n" in text or not _PATHLIKE.match(text) or "://" in text:
                continue
            budget -= 1
            candidate = f"{folder}/{text}" if folder else text
            try:
                path, _ = paths.resolve(root, candidate)
            except ShareError as e:
                # A missing file the code reads by name: worth telling (404 only; a path
                # outside the folder, hidden or absolute is not the share's business).
                if e.status == 404 and text in read_literals and _plain(text):
                    key = "/".join(p for p in text.split("/") if p not in ("", "."))
                    if key not in seen:
                        seen.add(key)
                        found.append({"path": key, "exists": False})
                continue
            if not in_folder(path, folder):
                continue
            key = repo_path(path, folder)
            if key in seen:
                continue
            seen.add(key)
            found.append({"path": key, "exists": True})
    return found


def _own_name(rel: str) -> str:
    """The notebook itself, as seen from its folder."""
    return rel.rsplit("/", 1)[-1]


def _plain(text: str) -> bool:
    """A relative path without '..' or hidden parts."""
    parts = [p for p in text.replace("\\", "/").split("/") if p not in ("", ".")]
    return bool(parts) and not text.startswith("/") and not any(p == ".." or paths.is_hidden_part(p) for p in parts)


def with_included(files: list[dict], bundle_files: set[str]) -> list[dict]:
    """The list with "included": whether the share carries each file."""
    return [{**f, "included": f["path"] in bundle_files} for f in files]
