"""Where `collect` and `end --export` write: checked before any download."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Kernel and device trees: writing there is never a trainer's intent (and can do harm).
FORBIDDEN = (Path("/proc"), Path("/sys"), Path("/dev"))


def problem(dest: Path) -> str | None:
    """None when dest is a writable folder or can be made as one; else a Korean + English
    reason that says what to do. Nothing is created: a refused command leaves no trace."""
    dest = Path(dest).expanduser().resolve()
    fix = "다른 폴더를 --to / --export 로 주세요 / give another folder with --to / --export"
    if any(dest == f or f in dest.parents for f in FORBIDDEN):
        return f"{dest}: 시스템 폴더에는 저장할 수 없습니다 / cannot save under a system folder. {fix}"
    if dest.exists() and not dest.is_dir():
        return f"{dest}: 폴더가 아니라 파일입니다 / is a file, not a folder. {fix}"
    base = next(p for p in (dest, *dest.parents) if p.exists())
    if not base.is_dir():
        return (
            f"{dest}: 폴더를 만들 수 없습니다 ({base}은(는) 파일) / cannot create the folder: {base} is a file. {fix}"
        )
    try:  # permissions, read-only file systems, quotas: only a real write tells
        fd, probe = tempfile.mkstemp(prefix=".govlab-probe-", dir=base)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        return f"{dest}: 이 폴더에 쓸 수 없습니다 / cannot write in {base} ({e.strerror}). {fix}"
    return None
