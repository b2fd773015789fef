"""Replace a file atomically and durably: the hub side's one helper (the lab extension has
its own, govlab_share.atomicfile, as it cannot import this package).

A crash, a full disk or a killed process leaves the old file or the new one, never half
of one. The new content goes to a hidden temporary file beside the target (created
exclusively, never through a symlink), is fsynced, then renamed over the target; the
rename replaces a symlink planted at the target itself, never what it points to.
"""

from __future__ import annotations

import os
import secrets
import stat


def write_atomic(
    path: str | os.PathLike,
    data: bytes | str,
    *,
    mode: int | None = None,
    dir_fd: int | None = None,
    owner: tuple[int, int] | None = None,
) -> None:
    """Replace `path` with `data` (text is written as UTF-8).

    mode: the file's mode, exactly (not reduced by the umask); None keeps the mode of
      the file being replaced, and a new file gets the umask's default.
    dir_fd: `path` is a name inside the directory open as `dir_fd` (callers that walk a
      user's home without following symlinks).
    owner: (uid, gid) given to the file before it appears (root writing into a home).
    """
    head, name = os.path.split(os.fspath(path))
    tmp = os.path.join(head, f".{name}.{secrets.token_hex(4)}.tmp")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(path, dir_fd=dir_fd).st_mode)
        except FileNotFoundError:
            pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    # Without a mode the kernel applies the umask, as for any new file.
    fd = os.open(tmp, flags, 0o666 if mode is None else mode, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as f:
            if owner is not None:
                os.fchown(f.fileno(), *owner)
            if mode is not None:
                os.fchmod(f.fileno(), mode)  # exactly, whatever the umask
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except OSError:
            pass
        raise
