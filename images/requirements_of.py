"""Print the requirements of built wheels (for a cached dependency layer).

    python images/requirements_of.py EXTRA WHEEL...

Reads each wheel's Requires-Dist and prints the requirements that apply with EXTRA
(e.g. `lab`, or `-` for none), one per line, without the wheels themselves. The image
installs these first, pinned by requirements/constraints.txt, so that a change of
govlab's own code rebuilds only the small layer of its wheels.
"""

from __future__ import annotations

import sys
import zipfile
from email.parser import Parser

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def requirements(wheel: str, extra: str) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(name).decode("utf-8"))
    out = []
    for line in meta.get_all("Requires-Dist") or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": extra}):
            req.marker = None
            out.append(req)
    return out


def main(argv: list[str]) -> int:
    extra, wheels = argv[0].replace("-", ""), argv[1:]
    own = {canonicalize_name(w.rsplit("/", 1)[-1].split("-", 1)[0]) for w in wheels}
    lines = sorted({str(r) for w in wheels for r in requirements(w, extra) if canonicalize_name(r.name) not in own})
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
