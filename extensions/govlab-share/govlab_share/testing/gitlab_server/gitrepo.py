"""Git plumbing on bare repositories, through the `git` CLI only.

Commits are built the way Gitaly's UserCommitFiles does it: a temporary index
seeded from the start commit, blobs written with hash-object, a tree from
write-tree, commit-tree, then update-ref with the expected old value so a
concurrent writer cannot be silently overwritten.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

ZERO_OID = "0" * 40
MODE_FILE = "100644"
MODE_EXEC = "100755"


class GitError(Exception):
    """A git command failed unexpectedly (a server bug, not a user error)."""


class CommitError(Exception):
    """A user-visible commit failure; str(self) is GitLab's exact message."""


def _env(extra: dict | None = None) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_")  # never inherit a caller's repo/index
    }
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": os.environ.get("HOME", "/tmp"),
            "LC_ALL": "C",
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    if extra:
        env.update(extra)
    return env


def git(repo: str, *args: str, input: bytes | None = None, env: dict | None = None, check: bool = True) -> bytes:
    proc = subprocess.run(
        ["git", "--git-dir", repo, *args],
        input=input,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(env),
    )
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def init_bare(repo: str, default_branch: str = "main") -> None:
    os.makedirs(os.path.dirname(repo), exist_ok=True)
    subprocess.run(
        ["git", "init", "--bare", "--quiet", f"--initial-branch={default_branch}", repo],
        check=True,
        env=_env(),
        stdout=subprocess.DEVNULL,
    )
    # Lets `git http-backend`/upload-pack serve it without extra config.
    git(repo, "config", "http.uploadpack", "true")
    git(repo, "config", "http.receivepack", "false")


def remove(repo: str) -> None:
    shutil.rmtree(repo, ignore_errors=True)


def resolve(repo: str, ref: str | None) -> str | None:
    """Branch, tag or sha -> commit sha, or None."""
    if not ref:
        return None
    for candidate in (f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
        out = git(repo, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", check=False)
        if out.strip():
            return out.decode().strip()
    return None


def branch_sha(repo: str, branch: str) -> str | None:
    out = git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
    return out.decode().strip() or None


def is_empty(repo: str) -> bool:
    return not git(repo, "for-each-ref", "--count=1", "refs/heads/").strip()


def head_branch(repo: str) -> str | None:
    out = git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return out.decode().strip() or None


def branches(repo: str) -> list[str]:
    out = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/")
    return [b for b in out.decode().splitlines() if b]


@dataclass
class Entry:
    mode: str
    type: str
    sha: str
    path: str
    size: int | None = None


def ls_tree(repo: str, sha: str, path: str = "", recursive: bool = False) -> list[Entry] | None:
    """Entries of `path` (a directory) at commit `sha`; None if path is not a tree."""
    treeish = f"{sha}:{path}" if path else f"{sha}^{{tree}}"
    kind = git(repo, "cat-file", "-t", treeish, check=False).decode().strip()
    if kind != "tree":
        return None
    args = ["ls-tree", "-z", "--full-tree" if not path else "--full-name"]
    if recursive:
        args += ["-r", "-t"]
    out = git(repo, *args, sha, "--", *([path.rstrip("/") + "/"] if path else []))
    entries = []
    for rec in out.split(b"\0"):
        if not rec:
            continue
        meta, name = rec.split(b"\t", 1)
        mode, typ, oid = meta.decode().split()
        entries.append(Entry(mode, typ, oid, name.decode("utf-8", "surrogateescape")))
    return entries


def all_files(repo: str, sha: str | None) -> dict[str, tuple[str, str]]:
    """path -> (mode, blob sha) for every blob at `sha`."""
    if not sha:
        return {}
    out = git(repo, "ls-tree", "-r", "-z", "--full-tree", sha)
    files = {}
    for rec in out.split(b"\0"):
        if rec:
            meta, name = rec.split(b"\t", 1)
            mode, _typ, oid = meta.decode().split()
            files[name.decode("utf-8", "surrogateescape")] = (mode, oid)
    return files


def blob_at(repo: str, sha: str, path: str) -> tuple[str, str] | None:
    """(mode, blob sha) of a file at commit, or None when missing / not a blob."""
    out = git(repo, "ls-tree", "-z", "--full-tree", sha, "--", path, check=False)
    for rec in out.split(b"\0"):
        if rec:
            meta, name = rec.split(b"\t", 1)
            mode, typ, oid = meta.decode().split()
            if typ == "blob" and name.decode("utf-8", "surrogateescape") == path:
                return mode, oid
    return None


def read_blob(repo: str, blob_sha: str) -> bytes:
    return git(repo, "cat-file", "blob", blob_sha)


def last_commit_for_path(repo: str, sha: str, path: str) -> str | None:
    out = git(repo, "log", "-1", "--format=%H", sha, "--", f":(literal){path}", check=False)
    return out.decode().strip() or None


_FMT = "%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B"


def commit_info(repo: str, sha: str) -> dict | None:
    out = git(repo, "show", "-s", "--no-show-signature", f"--format={_FMT}", sha, check=False)
    if not out:
        return None
    return _parse_commit(out.decode("utf-8", "replace"))


def _parse_commit(text: str) -> dict:
    f = text.split("\0")
    message = f[8]
    if message.endswith("\n"):
        message = message[:-1]
    return {
        "id": f[0],
        "parent_ids": f[1].split() if f[1] else [],
        "author_name": f[2],
        "author_email": f[3],
        "authored_date": f[4],
        "committer_name": f[5],
        "committer_email": f[6],
        "committed_date": f[7],
        "message": message,
    }


def log(repo: str, sha: str, path: str | None = None) -> list[dict]:
    args = ["log", "-z", f"--format={_FMT}", sha]
    if path:
        args += ["--", f":(literal){path}"]
    return _split_log(git(repo, *args).decode("utf-8", "replace"))


def _split_log(out: str) -> list[dict]:
    # Each record has 9 NUL-separated fields and records are NUL-terminated (-z).
    fields = out.split("\0")
    commits = []
    i = 0
    while i + 9 <= len(fields):
        rec = fields[i : i + 9]
        if not rec[0].strip():
            break
        commits.append(_parse_commit("\0".join(rec)))
        i += 9
    return commits


def diff_stats(repo: str, sha: str, parent: str | None) -> dict:
    base = parent or git(repo, "hash-object", "-t", "tree", "--stdin", input=b"").decode().strip()
    out = git(repo, "diff-tree", "--numstat", "-r", "--no-commit-id", base, sha).decode()
    adds = dels = 0
    for line in out.splitlines():
        a, d, _ = line.split("\t", 2)
        if a != "-":  # binary files count as 0 like GitLab
            adds += int(a)
            dels += int(d)
    return {"additions": adds, "deletions": dels, "total": adds + dels}


def _check_path(path: str | None) -> str:
    if not path:
        raise CommitError("You must provide a file path")
    parts = path.split("/")
    if any(p == ".." for p in parts):
        raise CommitError("Path cannot include directory traversal")
    # Normalise "a//b" and "./a" like Gitaly; a leading "/" is rejected by git.
    cleaned = "/".join(p for p in parts if p not in ("", "."))
    if not cleaned:
        raise CommitError("You must provide a file path")
    return cleaned


@dataclass
class Action:
    action: str
    file_path: str | None
    content: bytes | None = None
    previous_path: str | None = None
    last_commit_id: str | None = None
    execute_filemode: bool | None = None


def create_commit(
    repo: str,
    *,
    branch: str,
    start_sha: str | None,
    actions: list[Action],
    message: str,
    author: tuple[str, str],
    committer: tuple[str, str],
    expected_old: str,
) -> str:
    """Apply all actions on top of start_sha and move refs/heads/<branch>.

    expected_old is the branch's current sha or ZERO_OID (must not exist); the
    ref update fails if someone else moved it in between. Raises CommitError
    with GitLab's message; nothing is written to refs on any failure.
    """
    files = all_files(repo, start_sha)
    dirs = set()
    for p in files:
        parts = p.split("/")
        for i in range(1, len(parts)):
            dirs.add("/".join(parts[:i]))

    def is_dir(p: str) -> bool:
        return p in dirs

    def parent_is_file(p: str) -> bool:
        parts = p.split("/")
        return any("/".join(parts[:i]) in files for i in range(1, len(parts)))

    def check_unchanged(path: str, last_commit_id: str | None) -> None:
        if last_commit_id and start_sha:
            last = last_commit_for_path(repo, start_sha, path)
            if last and last != last_commit_id:
                raise CommitError(f"The file has changed since you started editing it: {path}")

    def add_dirs(p: str) -> None:
        parts = p.split("/")
        for i in range(1, len(parts)):
            dirs.add("/".join(parts[:i]))

    def drop_empty_dirs() -> None:
        dirs.clear()
        for p in files:
            add_dirs(p)

    def write_blob(content: bytes) -> str:
        return git(repo, "hash-object", "-w", "--stdin", input=content).decode().strip()

    for a in actions:
        path = _check_path(a.file_path)
        if a.action == "create":
            if path in files:
                raise CommitError("A file with this name already exists")
            if is_dir(path):
                raise CommitError("A directory with this name already exists")
            if parent_is_file(path):
                raise CommitError("A file with this name already exists")
            mode = MODE_EXEC if a.execute_filemode else MODE_FILE
            files[path] = (mode, write_blob(a.content or b""))
            add_dirs(path)
        elif a.action == "update":
            if path not in files:
                raise CommitError("A file with this name doesn't exist")
            check_unchanged(path, a.last_commit_id)
            files[path] = (files[path][0], write_blob(a.content or b""))
        elif a.action == "delete":
            if path not in files:
                raise CommitError("A file with this name doesn't exist")
            check_unchanged(path, a.last_commit_id)
            del files[path]
            drop_empty_dirs()
        elif a.action == "move":
            prev = _check_path(a.previous_path)
            if prev not in files:
                raise CommitError("A file with this name doesn't exist")
            if path in files:
                raise CommitError("A file with this name already exists")
            if is_dir(path):
                raise CommitError("A directory with this name already exists")
            check_unchanged(prev, a.last_commit_id)
            mode, oid = files.pop(prev)
            if a.content is not None:
                oid = write_blob(a.content)
            if parent_is_file(path):
                raise CommitError("A file with this name already exists")
            files[path] = (mode, oid)
            drop_empty_dirs()
        elif a.action == "chmod":
            if path not in files:
                raise CommitError("A file with this name doesn't exist")
            files[path] = (MODE_EXEC if a.execute_filemode else MODE_FILE, files[path][1])
        else:  # validated by the handler; defensive
            raise CommitError(f"Unknown action '{a.action}'")

    # Build the tree in a throwaway index so the bare repo never has one.
    fd, index = tempfile.mkstemp(prefix="gls-index-")
    os.close(fd)
    os.unlink(index)  # git wants to create it itself
    try:
        env = {"GIT_INDEX_FILE": index}
        git(repo, "read-tree", "--empty", env=env)
        if files:
            lines = "".join(f"{mode} {oid}\t{p}\0" for p, (mode, oid) in files.items())
            git(
                repo,
                "update-index",
                "--add",
                "-z",
                "--index-info",
                input=lines.encode("utf-8", "surrogateescape"),
                env=env,
            )
        tree = git(repo, "write-tree", env=env).decode().strip()
    finally:
        if os.path.exists(index):
            os.unlink(index)

    cenv = {
        "GIT_AUTHOR_NAME": author[0],
        "GIT_AUTHOR_EMAIL": author[1],
        "GIT_COMMITTER_NAME": committer[0],
        "GIT_COMMITTER_EMAIL": committer[1],
    }
    args = ["commit-tree", tree]
    if start_sha:
        args += ["-p", start_sha]
    new = git(repo, *args, input=message.encode("utf-8"), env=cenv).decode().strip()
    proc = subprocess.run(
        ["git", "--git-dir", repo, "update-ref", "-m", "commit via API", f"refs/heads/{branch}", new, expected_old],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    if proc.returncode != 0:
        # Someone moved the branch since we read it: same outcome as Gitaly's CAS failure.
        raise CommitError(f"Could not update {branch}. Please refresh and try again.")
    # First branch in an empty repo becomes HEAD (GitLab's default branch rule).
    head = head_branch(repo)
    if head is None or branch_sha(repo, head) is None:
        git(repo, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
    return new
