"""Resolve a browser-given path safely inside the server root."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from .errors import ShareError

# Directories that never hold user content worth sharing (and may hold secrets).
SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", "node_modules", ".git"}


def _refuse(message: str, message_en: str, status: int = 403) -> ShareError:
    return ShareError("bad_path", status, message, message_en)


def is_hidden_part(part: str) -> bool:
    return part.startswith(".") or part in SKIP_DIRS


def resolve(root: str | os.PathLike, user_path: str, *, suffix: str | None = None) -> tuple[str, Path]:
    """Return (normalised relative API path, absolute real path) of an existing file.

    Refuses absolute paths, `..`, hidden or checkpoint components, anything whose
    real location (after symlinks) is outside the root, and (with `suffix`) other
    file types. 403 for refused paths, 404 for missing files.
    """
    if not isinstance(user_path, str) or not user_path.strip():
        raise _refuse("경로가 비어 있습니다.", "The path is empty.", 404)
    raw = user_path.replace("\\", "/")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":") or "\x00" in raw:
        raise _refuse("절대 경로는 허용되지 않습니다.", "Absolute paths are not allowed.")
    parts = [p for p in PurePosixPath(raw).parts if p not in ("", ".")]
    if not parts:
        raise _refuse("경로가 비어 있습니다.", "The path is empty.", 404)
    if ".." in parts:
        raise _refuse("'..'이 들어간 경로는 허용되지 않습니다.", "Paths with '..' are not allowed.")
    if any(is_hidden_part(p) for p in parts):
        raise _refuse(
            "숨김 폴더나 체크포인트의 파일은 공유할 수 없습니다.",
            "Files in hidden or checkpoint folders cannot be shared.",
        )
    rel = "/".join(parts)
    if suffix and not rel.lower().endswith(suffix):
        kind = "노트북(.ipynb)" if suffix == ".ipynb" else f"{suffix} 파일"
        raise _refuse(f"{kind}이 아닙니다: {rel}", f"Not a {suffix} file: {rel}")

    root_real = Path(os.path.realpath(root))
    candidate = root_real.joinpath(*parts)
    real = Path(os.path.realpath(candidate))
    if real != root_real and root_real not in real.parents:
        raise _refuse(
            "서버 작업 폴더 밖의 파일은 공유할 수 없습니다.",
            "Files outside the server root cannot be shared.",
        )
    if any(is_hidden_part(p) for p in real.relative_to(root_real).parts):
        # A visible name that is a symlink into a hidden folder (e.g. ~/.ssh).
        raise _refuse(
            "숨김 폴더나 체크포인트의 파일은 공유할 수 없습니다.",
            "Files in hidden or checkpoint folders cannot be shared.",
        )
    if not real.exists():
        raise _refuse(f"파일이 없습니다: {rel}", f"File not found: {rel}", 404)
    if not real.is_file():
        raise _refuse(f"파일이 아닙니다: {rel}", f"Not a file: {rel}")
    return rel, real
