"""What a git-pull link may ask for: pure checks, no I/O except resolving the folder;
and `pull_link`, the one builder of such links (gallery, README, workshop hand-out).

A link is one click from a chat, a README or an e-mail, so everything in it is
attacker-chosen: the repository must live on an allowed host, the folder must be a
plain visible folder inside the server root (never `~/.jupyter`, `~/.local/...`,
an absolute path, `..`, or a symlink pointing out), and the page opened afterwards
must stay inside the lab. Each refusal carries a reason code the page explains.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlencode, urlsplit

MAX_URL = 2000
MAX_PATH = 400
MAX_PARTS = 16
DEFAULT_PORTS = {"http": 80, "https": 443}
# Segments of ordinary folder names; no control characters, no backslash, no colon
# (a Windows drive or a scheme), bounded length.
_PART_RE = re.compile(r"[^\x00-\x1f\x7f\\:]{1,255}")
# A conservative subset of git's ref-name rules; never starts with '-' (an option).
_BRANCH_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/\-]{0,199}")
# Pages of the lab an official may be sent to after the pull.
URLPATH_PREFIXES = ("lab/tree/", "lab/workspaces/", "tree/", "notebooks/", "edit/", "doc/tree/", "voila/render/")
_URLPATH_RE = re.compile(r"[^\x00-\x20\x7f\\#]{1,1000}")


class Refused(Exception):
    """A link we do not follow; `code` picks the message on the refusal page."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class PullRequest:
    repo: str
    branch: str  # "" = the repository's default branch
    targetpath: str  # relative to the server root, POSIX separators
    urlpath: str  # relative to the lab's base URL


def _origin(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError as e:
        raise Refused("repo_invalid", url) from e
    return scheme, host, port, parts.path.rstrip("/")


def repo_allowed(repo: str, allowed: list[str]) -> None:
    """`repo` must be an http(s) URL under one of `allowed` (scheme, host, port and path prefix)."""
    if not repo:
        raise Refused("repo_missing")
    if len(repo) > MAX_URL or any(c.isspace() or ord(c) < 0x20 for c in repo):
        raise Refused("repo_invalid", repo[:200])
    parts = urlsplit(repo)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        # ext::, file://, ssh and scp-style addresses can run commands or read local files.
        raise Refused("repo_scheme", repo[:200])
    if parts.username is not None or parts.password is not None:
        raise Refused("repo_credentials")
    if parts.query or parts.fragment:
        raise Refused("repo_invalid", repo[:200])
    scheme, host, port, path = _origin(repo)
    segments = [s for s in path.split("/") if s]
    if any(s in (".", "..") for s in segments):
        raise Refused("repo_invalid", repo[:200])
    for base in allowed:
        if not base:
            continue
        b_scheme, b_host, b_port, b_path = _origin(base)
        if (scheme, host, port) != (b_scheme, b_host, b_port):
            continue
        if path == b_path or path.startswith(b_path + "/"):
            return
    raise Refused("repo_host", host)


def default_folder(repo: str) -> str:
    """nbgitpuller's default folder (the last path segment), without `.git`."""
    last = urlsplit(repo).path.rstrip("/").rsplit("/", 1)[-1]
    return last.removesuffix(".git")


def pull_link(hub_url: str, repo: str, branch: str, folder: str = "", open_path: str = "") -> str:
    """The hub's git-pull link: pull `repo` into `folder` of the official's own lab, then
    open `open_path` inside it (the folder itself when empty).

    `folder` defaults to the repository's name; it is always set in the link, since
    nbgitpuller would otherwise name the folder after the URL, ".git" included.
    """
    folder = folder or default_folder(repo)
    urlpath = "/".join(p for p in ("lab/tree", folder, open_path.strip("/")) if p)
    query = urlencode(
        {"repo": repo, "branch": branch, "targetpath": folder, "urlpath": urlpath}, quote_via=quote, safe="/"
    )
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def target_parts(targetpath: str) -> tuple[str, ...]:
    """The folder as relative POSIX parts, refused when absolute, hidden or climbing."""
    raw = targetpath.strip()
    if not raw:
        raise Refused("target_invalid")
    if len(raw) > MAX_PATH:
        raise Refused("target_invalid", raw[:100])
    if raw.startswith(("/", "~")) or "\\" in raw or re.match(r"[A-Za-z]:", raw):
        raise Refused("target_absolute", raw)
    parts = tuple(p for p in raw.split("/") if p not in ("", "."))
    if not parts or len(parts) > MAX_PARTS:
        raise Refused("target_invalid", raw)
    if ".." in parts:
        raise Refused("target_parent", raw)
    if any(p.startswith(".") for p in parts):
        raise Refused("target_hidden", raw)
    if not all(_PART_RE.fullmatch(p) for p in parts):
        raise Refused("target_invalid", raw)
    return parts


def resolve_target(root_dir: str, targetpath: str) -> Path:
    """The folder on disk; refused when any existing part is a symlink leading out of
    the root or into a hidden folder (a repository pulled earlier may carry such links)."""
    parts = target_parts(targetpath)
    root = Path(os.path.realpath(os.path.expanduser(root_dir)))
    resolved = Path(os.path.realpath(root.joinpath(*parts)))
    try:
        rel = resolved.relative_to(root)
    except ValueError:
        raise Refused("target_outside", targetpath) from None
    if not rel.parts or any(p.startswith(".") for p in rel.parts):
        raise Refused("target_outside", targetpath)
    return resolved


def branch_ok(branch: str) -> str:
    branch = branch.strip()
    if not branch:
        return ""
    if not _BRANCH_RE.fullmatch(branch) or ".." in branch or "//" in branch or branch.endswith(("/", ".lock", ".")):
        raise Refused("branch_invalid", branch[:100])
    return branch


def urlpath_ok(urlpath: str) -> str:
    """A page inside this lab: relative, a known prefix, no scheme, `//`, `..` or hidden part."""
    if not _URLPATH_RE.fullmatch(urlpath):
        raise Refused("urlpath_invalid", urlpath[:100])
    if "//" in urlpath or ":" in urlpath.split("/", 1)[0] or not urlpath.startswith(URLPATH_PREFIXES):
        raise Refused("urlpath_invalid", urlpath[:100])
    # Browsers treat %2e%2e as `..`: check the decoded path as well.
    path = urlpath.split("?", 1)[0]
    for candidate in (path, unquote(path)):
        if (
            "//" in candidate
            or "\\" in candidate
            or any(p in ("..", ".") or p.startswith(".") for p in PurePosixPath(candidate).parts)
        ):
            raise Refused("urlpath_invalid", urlpath[:100])
    return urlpath


def check(args: dict[str, str], allowed: list[str], root_dir: str) -> PullRequest:
    """Every argument of a link, checked; raises Refused with the first problem."""
    repo = (args.get("repo") or "").strip()
    repo_allowed(repo, allowed)
    branch = branch_ok(args.get("branch") or "")
    targetpath = (args.get("targetpath") or args.get("targetPath") or "").strip() or default_folder(repo)
    parts = target_parts(targetpath)
    resolve_target(root_dir, targetpath)
    target = "/".join(parts)
    urlpath = (args.get("urlpath") or args.get("urlPath") or "").strip()
    if urlpath:
        urlpath = urlpath_ok(urlpath.lstrip("/") if not urlpath.startswith("//") else urlpath)
    else:
        subpath = (args.get("subpath") or args.get("subPath") or "").strip().strip("/")
        sub = "/".join(target_parts(subpath)) if subpath and subpath != "." else ""
        urlpath = urlpath_ok("lab/tree/" + "/".join(p for p in (target, sub) if p))
    return PullRequest(repo=repo, branch=branch, targetpath=target, urlpath=urlpath)
