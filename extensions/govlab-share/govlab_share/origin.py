"""The project a notebook came from: the GitLab project of the checkout it lies in.

The gallery's open link pulls a shared project with nbgitpuller, a `git clone` into a
folder of the official's root; the checkout's remote `origin` names the project. We
read `.git/config` ourselves (no git process), bounded, and trust none of it: the
remote counts only as an http(s) project path on the configured GitLab, so a file an
official (or a pulled repository) wrote by hand can name nothing else.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit

MAX_CONFIG_BYTES = 64 * 1024  # a git config nbgitpuller writes is a few hundred bytes
MAX_LINE = 4096
MAX_DEPTH = 16  # folders walked up from the notebook towards the root
MAX_URL = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}

# Bounded patterns on each line (itself at most MAX_LINE characters).
_SECTION_RE = re.compile(r'\[\s*([A-Za-z0-9.-]{1,64})(?:\s+"((?:[^"\\]|\\.){0,200})")?\s*\]')
_KEY_RE = re.compile(r"([A-Za-z][A-Za-z0-9-]{0,63})\s*=\s*(.{0,2000})")
# GitLab's path characters per segment; no leading '.', '-' or '_' (GitLab refuses them).
_SEGMENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}")
MAX_SEGMENTS = 21  # GitLab nests groups 20 deep


def _read_bounded(path: Path) -> str | None:
    """The first MAX_CONFIG_BYTES of a regular file, not following a symlink."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None  # a fifo or device would block or never end
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    truncated = len(data) > MAX_CONFIG_BYTES
    text = data[:MAX_CONFIG_BYTES].decode("utf-8", "replace")
    if truncated:
        text = text.rsplit("\n", 1)[0]  # the cut line is not a whole line
    return text


def remote_url(config_text: str, remote: str = "origin") -> str | None:
    """`url` of `[remote "<remote>"]` in git config text; None when absent or malformed."""
    section = None
    for raw in config_text.splitlines():
        if len(raw) > MAX_LINE:
            if raw.lstrip().startswith("["):
                section = None  # an overlong header opens a section we cannot name
            continue
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            m = _SECTION_RE.fullmatch(line)
            section = (m.group(1).lower(), m.group(2)) if m else None
            continue
        if section != ("remote", remote):
            continue
        m = _KEY_RE.fullmatch(line)
        if m and m.group(1).lower() == "url":
            value = m.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            return value or None
    return None


def _origin(url: str) -> tuple[str, str, int, str] | None:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        return None
    return scheme, (parts.hostname or "").lower(), port, parts.path.rstrip("/")


def project_on(url: str, gitlab_url: str) -> str | None:
    """`group/name` when `url` is an http(s) clone URL of a project on `gitlab_url`."""
    if not url or not gitlab_url or len(url) > MAX_URL or any(c.isspace() or ord(c) < 0x20 for c in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or parts.query or parts.fragment:
        return None
    if parts.username is not None or parts.password is not None:
        return None  # nbgitpuller's clones never carry credentials: written by hand
    mine, base = _origin(url), _origin(gitlab_url)
    if mine is None or base is None or not mine[1] or mine[:3] != base[:3]:
        return None
    path, prefix = mine[3], base[3]
    if prefix and not path.startswith(prefix + "/"):
        return None
    rest = path[len(prefix) :].strip("/").removesuffix(".git")
    segments = rest.split("/")
    if not 2 <= len(segments) <= MAX_SEGMENTS:
        return None
    if not all(_SEGMENT_RE.fullmatch(s) and not s.endswith((".git", ".atom")) for s in segments):
        return None
    if "-" in segments:  # GitLab's route separator (/-/tree/...), never a project
        return None
    return rest


def checkout_of(root: str | os.PathLike, rel: str) -> Path | None:
    """The git checkout holding `rel`: the nearest folder inside the root with a `.git` folder."""
    root_real = Path(os.path.realpath(root))
    folder = Path(os.path.realpath(root_real.joinpath(*rel.split("/")))).parent
    for _ in range(MAX_DEPTH):
        if folder == root_real or root_real not in folder.parents:
            return None  # the root itself is no pulled project (a home under git is not one)
        dot_git = folder / ".git"
        if dot_git.is_dir() and not dot_git.is_symlink():
            return folder
        folder = folder.parent
    return None


def origin_of(root: str | os.PathLike, rel: str, gitlab_url: str) -> dict | None:
    """`{"project": "group/name", "url": <its GitLab page>}` of the notebook at `rel`, or None."""
    if not gitlab_url:
        return None
    checkout = checkout_of(root, rel)
    if checkout is None:
        return None
    text = _read_bounded(checkout / ".git" / "config")
    url = remote_url(text) if text else None
    project = project_on(url, gitlab_url) if url else None
    if not project:
        return None
    return {"project": project, "url": f"{gitlab_url.rstrip('/')}/{project}"}
