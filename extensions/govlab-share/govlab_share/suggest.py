"""Files a notebook needs besides itself: the share dialog offers them (unticked).

Two kinds, both only when they exist under the notebook's own folder (the kernel's
working directory, so relative paths in the code mean that folder):
- `import x` / `from x import y` where `x.py` sits next to the notebook ("import");
- a literal path given to a reader: `pd.read_csv("x.csv")`, `open("data/a.xlsx")`,
  `read_excel`, `read_json`, `read_parquet`, ... ("read").
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from . import paths
from .errors import ShareError

MAX_SUGGESTIONS = 50
MAX_SOURCE_CHARS = 200_000  # per cell: a giant generated cell is not worth scanning

# Bounded: a module name of at most 100 word characters, no nested quantifiers.
IMPORT_LINE = re.compile(r"^[ \t]{0,40}(?:from[ \t]{1,20}(\w{1,100})[ \t.]|import[ \t]{1,20}(\w{1,100}))", re.M)
READ_CALL = re.compile(
    r"\b(?:read_(?:csv|excel|json|parquet|table|feather|pickle|fwf|xml|stata|spss|sas)"
    r"|open|load|loadtxt|genfromtxt|ExcelFile|load_workbook)"
    r"\([ \t]{0,20}[rRuU]?([\"'])([^\"'\r\n]{1,260})\1"
)

# IPython magic and shell lines (`%`, `!`, `?`) are not Python: dropped before ast.parse.
_MAGIC = re.compile(r"^[ \t]{0,40}[%!?].{0,10000}$", re.M)


def without_magics(src: str) -> str:
    """A code cell's source without magic and shell lines, for ast (bounded per line)."""
    return _MAGIC.sub("", src)


def _sources(nb) -> list[str]:
    return [
        c.source[:MAX_SOURCE_CHARS]
        for c in nb.cells
        if c.get("cell_type") == "code" and isinstance(c.get("source"), str)
    ]


def notebook_folder(rel: str) -> str:
    """The notebook's folder relative to the root, '' for the root itself."""
    parent = PurePosixPath(rel).parent.as_posix()
    return "" if parent == "." else parent


def suggest_files(root, rel: str, nb) -> list[dict]:
    """[{"path" (relative to the root), "size", "reason": "import"|"read"}], in order found."""
    folder = notebook_folder(rel)
    wanted: list[tuple[str, str]] = []
    for src in _sources(nb):
        for m in IMPORT_LINE.finditer(src):
            wanted.append((f"{m.group(1) or m.group(2)}.py", "import"))
        for m in READ_CALL.finditer(src):
            wanted.append((m.group(2).strip(), "read"))
    out: list[dict] = []
    seen = {rel}
    for name, reason in wanted:
        candidate = f"{folder}/{name}" if folder else name
        try:
            path, real = paths.resolve(root, candidate)
        except ShareError:
            continue  # missing, hidden, outside the root: nothing to offer
        if path in seen or not in_folder(path, folder):
            continue
        seen.add(path)
        out.append({"path": path, "size": real.stat().st_size, "reason": reason})
        if len(out) >= MAX_SUGGESTIONS:
            break
    return out


def in_folder(path: str, folder: str) -> bool:
    return not folder or path.startswith(folder + "/")


def repo_path(path: str, folder: str) -> str:
    """Where an extra file lands in the repository: relative to the notebook's folder."""
    return path[len(folder) + 1 :] if folder else path
