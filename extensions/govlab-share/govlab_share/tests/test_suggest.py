"""Which files the dialog offers to share with a notebook (suggest.py)."""

import time

import nbformat

from govlab_share.suggest import suggest_files


def _nb(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def test_only_existing_files_in_the_notebook_folder(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "util.py").write_text("x = 1\n")
    (tmp_path / "work" / "a.csv").write_text("a\n")
    (tmp_path / "b.csv").write_text("b\n")
    nb = _nb(
        "import util, os\nimport pandas as pd",
        "pd.read_csv('a.csv'); pd.read_csv('../b.csv'); pd.read_csv('/etc/passwd')",
        "with open(r'a.csv') as f: pass",
    )
    got = suggest_files(tmp_path, "work/n.ipynb", nb)
    assert got == [
        {"path": "work/util.py", "size": 6, "reason": "import"},
        {"path": "work/a.csv", "size": 2, "reason": "read"},
    ]


def test_a_huge_adversarial_cell_is_fast(tmp_path):
    # Bounded patterns: a long line of near-matches costs linear time.
    nb = _nb("pd.read_csv('" + "a" * 300_000, "import " + "x" * 300_000, ("open(" * 50_000))
    t0 = time.monotonic()
    assert suggest_files(tmp_path, "n.ipynb", nb) == []
    assert time.monotonic() - t0 < 5.0  # backtracking would take minutes
