"""The versions of the packages a checked notebook imports, asked from its kernel.

The kernel answers (not this server): the check's kernel may run another Python
environment than the lab server. Its top-level `sys.modules` names are mapped through
`importlib.metadata.packages_distributions()` inside the kernel. What counts as the
notebook's: modules that appeared during the run (a snapshot before the first cell
is the baseline, so the kernel's own machinery is left out) plus the notebook's
direct imports that were loaded already.
"""

from __future__ import annotations

import ast
import json

from ..suggest import IMPORT_LINE, MAX_SOURCE_CHARS, without_magics

MAX_PACKAGES = 500
MAX_ANSWER_CHARS = 2_000_000  # the kernel's reply to one of our expressions

# Runs inside the kernel through a user expression in a scratch namespace: nothing
# lands in the official's namespace or history. JSON text is its value.
_KERNEL_CODE = r"""
import sys as _sys, json as _json
_names = sorted({m.split('.', 1)[0] for m in list(_sys.modules) if m and not m.startswith('_')})
if WANT_DISTS:
    from importlib import metadata as _md
    _map = _md.packages_distributions()
    _dists = {}
    for _n in _names:
        for _d in _map.get(_n, ())[:5]:
            try:
                _dists.setdefault(_n, []).append([_d, _md.version(_d)])
            except Exception:
                pass
    out = _json.dumps({'names': _names, 'dists': _dists, 'python': '.'.join(map(str, _sys.version_info[:3]))})
else:
    out = _json.dumps({'names': _names, 'python': '.'.join(map(str, _sys.version_info[:3]))})
"""


def kernel_expression(want_dists: bool) -> str:
    """A single expression (for `user_expressions`) whose value is the JSON answer."""
    code = _KERNEL_CODE.replace("WANT_DISTS", "True" if want_dists else "False")
    return f"(lambda g: (exec({code!r}, g), g['out'])[1])({{}})"


def parse_answer(reply_content: dict, key: str = "q") -> dict | None:
    """The JSON a `kernel_expression` produced, from an execute_reply's content."""
    expr = (reply_content.get("user_expressions") or {}).get(key) or {}
    if expr.get("status") != "ok":
        return None
    text = (expr.get("data") or {}).get("text/plain") or ""
    if not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS:
        return None
    try:
        value = json.loads(ast.literal_eval(text))  # text/plain is the repr of a str
    except (ValueError, SyntaxError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def direct_imports(sources: list[str]) -> set[str]:
    """Top-level module names the code cells import (ast; a regex for cells ast refuses)."""
    names: set[str] = set()
    for src in sources:
        src = src[:MAX_SOURCE_CHARS]
        try:
            tree = ast.parse(without_magics(src))
        except (SyntaxError, ValueError, RecursionError):
            names.update(m.group(1) or m.group(2) for m in IMPORT_LINE.finditer(src))
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".", 1)[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".", 1)[0])
    return names


def notebook_packages(before: dict | None, after: dict | None, imported: set[str]) -> dict[str, str]:
    """{distribution: version} of the modules the run brought in or the notebook imports."""
    if not after:
        return {}
    base = set((before or {}).get("names") or [])
    now = set(after.get("names") or [])
    wanted = (now - base) | (imported & now)
    out: dict[str, str] = {}
    for name in sorted(wanted):
        for pair in (after.get("dists") or {}).get(name) or []:
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
                out.setdefault(pair[0], pair[1])
        if len(out) >= MAX_PACKAGES:
            break
    return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


def render_requirements(packages: dict[str, str], python: str, checked_at: str) -> bytes:
    """`requirements.txt` of the checked run (pip's format; comments say where it came from)."""
    lines = [
        "# 품질 점검에서 이 노트북을 실행한 환경의 패키지 버전입니다.",
        "# Package versions of the environment the quality check ran this notebook in.",
        f"# Python {python}, checked at {checked_at}",
    ]
    lines += [f"{name}=={version}" for name, version in packages.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")
