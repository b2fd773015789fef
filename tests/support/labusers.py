"""Local-mode labs run as officials' system users when the hub runs as root (as tests do).

Those users must be able to run govlab's Python. A test machine whose interpreter lies
under a 0700 directory (a pyenv Python in root's home) fails the hub's start-time check;
`allow_lab_group_python()` then does what `scripts/run-lab` does (govlab.localaccess).
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile

from govlab import localaccess


def allow_lab_group_python(python: str = sys.executable) -> None:
    """What `govlab start --allow-lab-python` (scripts/run-lab) does for the embedded default."""
    localaccess.allow_lab_group_python(python)


HOMES_PREFIX = "govlab-test-homes-"


def homes_dir() -> str:
    """A directory outside pytest's own temporary directories (those are 0700), which
    officials' users (or an unprivileged hub user) can be let into."""
    return tempfile.mkdtemp(prefix=HOMES_PREFIX, dir=tempfile.gettempdir())


def new_homes_path() -> str:
    """A fresh, not yet existing `local.homes` (the hub makes it 0711 at start)."""
    return os.path.join(tempfile.gettempdir(), HOMES_PREFIX + secrets.token_hex(6))
