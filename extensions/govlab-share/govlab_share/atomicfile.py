"""Replace a file atomically and durably: the lab side's one helper (the hub package has
its own, govlab.atomicfile, with the options only the hub needs; the extension must not
import the hub package).

A crash, a full disk or a killed server leaves the old file or the new one, never half
of one. The file is the official's own (mode 0600): the records kept here are nobody
else's to read.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Replace `path` with `data` (text as UTF-8), creating its folder when missing."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp: a new hidden file, created exclusively, mode 0600.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
