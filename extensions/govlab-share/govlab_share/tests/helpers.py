"""Small helpers shared by the test modules."""

from __future__ import annotations

import json
import subprocess


def post_share(fetch, body: dict):
    """POST /govlab-share/share; returns (status, parsed body) without raising."""
    resp = fetch("govlab-share", "share", method="POST", body=json.dumps(body))
    return resp.code, json.loads(resp.body or b"{}")


def share_body(path="analysis/report.ipynb", **kw) -> dict:
    body = {
        "path": path,
        "title": "민원 분석 보고서",
        "description": "월별 민원 건수를 분석합니다.",
        "visibility": "private",
        "chats": ["report.chat", "chats/by-cell.chat"],
        "keep_outputs": False,
        "force": False,
    }
    body.update(kw)
    return body


def git(bare: str, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", bare, *args], check=True, capture_output=True).stdout


def remote_files(bare: str, ref: str = "main") -> dict[str, bytes]:
    names = git(bare, "ls-tree", "-r", "--name-only", "-z", ref).decode().split("\0")
    return {n: git(bare, "show", f"{ref}:{n}") for n in names if n}


def commit_count(bare: str, ref: str = "main") -> int:
    return int(git(bare, "rev-list", "--count", ref).decode().strip())


def gitlab_calls(gitlab_server) -> list:
    return [r for r in gitlab_server.requests_log if r[1].startswith("/api/")]
