"""The msgids a built JupyterLab extension passes to its translation bundle.

Minified bundles keep the calls' shape: `<bundle>.__("text")`, `<bundle>._n("one",
"many", n)`, `<bundle>._p("context", "text")`, also on a call (`$().__("text")`). A catalogue test compares these with
our Korean catalogues, so an upgrade that adds strings fails loudly.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

# One JS string literal, bounded (no template literal with ${...}: it cannot be a msgid).
_LITERAL = r'"(?:[^"\\\n]|\\.){0,1000}"' r"|'(?:[^'\\\n]|\\.){0,1000}'" r"|`(?:[^`\\$]|\\.){0,1000}`"
_CALL = re.compile(
    # receiver: a (minified) name, or a call that returns the bundle (`useTrans().__(...)`)
    r"(?:(?<![\w$])[\w$]{1,20}|\))\.(__|_n|_p)\(\s{0,3}(" + _LITERAL + r")(?:\s{0,3},\s{0,3}(" + _LITERAL + r"))?"
)


def labextensions_dir() -> Path:
    return Path(sys.prefix) / "share" / "jupyter" / "labextensions"


def _unquote(literal: str) -> str:
    if literal[0] == "'":  # JSON only knows double quotes
        literal = '"' + literal[1:-1].replace('\\"', '"').replace('"', '\\"') + '"'
    elif literal[0] == "`":
        literal = '"' + literal[1:-1].replace('"', '\\"').replace("\n", "\\n") + '"'
    return json.loads(literal)


def bundle_files(package: str) -> list[Path]:
    static = labextensions_dir() / package / "static"
    return sorted(static.glob("*.js"))


def msgids(package: str) -> set[str]:
    """Every msgid (`_p` as "context\\x04text", `_n` both forms) in a labextension."""
    found: set[str] = set()
    for path in bundle_files(package):
        for match in _CALL.finditer(path.read_text(encoding="utf-8", errors="replace")):
            kind, first, second = match.groups()
            if kind == "__":
                found.add(_unquote(first))
            elif kind == "_n":
                found.add(_unquote(first))
                if second:
                    found.add(_unquote(second))
            elif second:  # _p(context, text)
                found.add(_unquote(first) + "\x04" + _unquote(second))
    return found


def loads_domain(package: str, domain: str) -> bool:
    """Whether the bundle still names the domain it translates with."""
    needle = f'"{domain}"'
    return any(needle in p.read_text(encoding="utf-8", errors="replace") for p in bundle_files(package))
