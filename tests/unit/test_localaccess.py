"""`govlab start --allow-lab-python` (scripts/run-lab): officials' users get through a
0700 directory above govlab's Python by one execute-only ACL entry, and nothing more."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from govlab import cli, localaccess, localusers
from tests.support.labusers import allow_lab_group_python

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="system users and ACLs need root")


@pytest.fixture
def python_behind_0700():
    allow_lab_group_python()  # this venv itself must be reachable first
    root = Path(tempfile.mkdtemp(prefix="govlab-localaccess-"))  # mkdtemp: 0700
    # A venv whose prefix is the 0700 directory, sharing this venv's packages.
    venv = Path(sys.prefix)
    (root / "bin").mkdir()
    (root / "bin" / "python").symlink_to(sys.executable)
    (root / "lib").symlink_to(venv / "lib")
    shutil.copy(venv / "pyvenv.cfg", root / "pyvenv.cfg")
    yield root, str(root / "bin" / "python")
    shutil.rmtree(root)


def test_blocked_python_is_refused_then_granted_passage_only(python_behind_0700):
    root, python = python_behind_0700
    (root / "secret.txt").write_text("x")
    assert localusers.lab_group_can_run(python) is not None

    assert localaccess.allow_lab_group_python(python) == [root]

    assert localusers.lab_group_can_run(python) is None
    assert os.stat(root).st_mode & 0o007 == 0  # others still get nothing
    assert localusers.lab_group_can_run(python, group="nogroup") is not None  # nor another group
    assert localaccess.allow_lab_group_python(python) == []  # idempotent


def test_an_existing_acl_is_left_to_the_machine_owner(python_behind_0700):
    root, python = python_behind_0700
    os.setxattr(root, localaccess.ACL_XATTR, localaccess._acl_with_group_x(0o700, 0))  # group root: not ours
    with pytest.raises(RuntimeError, match="still cannot run"):
        localaccess.allow_lab_group_python(python)


def test_start_accepts_the_flag():
    args = cli.parser().parse_args(["start", "--allow-lab-python", "--config", "x.yaml"])
    assert args.allow_lab_python and args.config == "x.yaml" and args.jupyterhub_args == []
