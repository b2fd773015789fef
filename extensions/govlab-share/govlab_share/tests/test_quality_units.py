"""The quality check's pure parts: imports and package versions, data files, the README
line, the job registry's bounds."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import nbformat
import pytest

from govlab_share.errors import ShareError
from govlab_share.quality import datafiles, jobs, report, requirements


def nb_of(*sources: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_direct_imports_with_magics_and_broken_cells():
    names = requirements.direct_imports(
        [
            "%matplotlib inline\nimport pandas as pd, numpy.linalg\nfrom sklearn.model_selection import x",
            "from . import local\n!pip install y\nimport os",
            "def broken(:\n  import requests",  # ast refuses: the bounded regex still finds it
        ]
    )
    assert {"pandas", "numpy", "sklearn", "os", "requests"} <= names
    assert "local" not in names and "" not in names


def test_kernel_expression_runs_in_a_real_interpreter():
    """The expression the kernel evaluates, in a separate Python: the answer we parse."""
    expr = requirements.kernel_expression(want_dists=True)
    code = f"import nbformat\nprint(repr({expr}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    answer = requirements.parse_answer(
        {"user_expressions": {"q": {"status": "ok", "data": {"text/plain": out.stdout.strip()}}}}
    )
    assert "nbformat" in answer["names"]
    assert ["nbformat", nbformat.__version__] in answer["dists"]["nbformat"]
    packages = requirements.notebook_packages({"names": ["sys"]}, answer, {"nbformat"})
    assert packages["nbformat"] == nbformat.__version__


@pytest.mark.parametrize(
    "content",
    [
        {},
        {"user_expressions": {"q": {"status": "error"}}},
        {"user_expressions": {"q": {"status": "ok", "data": {"text/plain": "__import__('os').system('x')"}}}},
        {"user_expressions": {"q": {"status": "ok", "data": {"text/plain": "'x' * " + "9" * 10}}}},
        {"user_expressions": {"q": {"status": "ok", "data": {"text/plain": repr("[1, 2]")}}}},
        {"user_expressions": {"q": {"status": "ok", "data": {"text/plain": "'" + "a" * 3_000_000 + "'"}}}},
    ],
)
def test_parse_answer_refuses_anything_but_a_json_object_literal(content):
    assert requirements.parse_answer(content) is None


def test_notebook_packages_leaves_out_the_kernels_own_modules():
    before = {"names": ["ipykernel", "zmq", "json"]}
    after = {
        "names": ["ipykernel", "zmq", "json", "pandas", "numpy", "tornado"],
        "dists": {
            "ipykernel": [["ipykernel", "7.4.0"]],
            "zmq": [["pyzmq", "27"]],
            "pandas": [["pandas", "2.2.3"]],
            "numpy": [["numpy", "2.1.0"]],
            "tornado": [["tornado", "6.5"]],
        },
    }
    # tornado was loaded by the kernel but the notebook imports it: it is the notebook's too.
    assert requirements.notebook_packages(before, after, {"pandas", "tornado"}) == {
        "numpy": "2.1.0",
        "pandas": "2.2.3",
        "tornado": "6.5",
    }
    text = requirements.render_requirements({"pandas": "2.2.3"}, "3.11.2", "2026-12-01T10:00:00+09:00").decode()
    assert text.splitlines()[-1] == "pandas==2.2.3" and "Python 3.11.2" in text


def test_data_files_under_the_notebook_folder(tmp_path):
    (tmp_path / "an" / "data").mkdir(parents=True)
    (tmp_path / "an" / "data" / "민원 현황.csv").write_text("a")
    (tmp_path / "an" / "helper.py").write_text("")
    (tmp_path / "outside.csv").write_text("a")
    (tmp_path / "an" / ".env").write_text("KEY=1")
    nb = nb_of(
        "import pandas as pd\ndf = pd.read_csv('data/민원 현황.csv')\nopen('../outside.csv')",
        "%time x = 1\ncfg = open('.env').read()\npd.read_excel('data/없음.xlsx')\nurl = 'https://x.kr/a.csv'",
        "print('helper.py', 'data/민원 현황.csv')",
    )
    found = datafiles.data_files(tmp_path, "an/report.ipynb", nb)
    assert found == [
        {"path": "data/민원 현황.csv", "exists": True},
        {"path": "data/없음.xlsx", "exists": False},
        {"path": "helper.py", "exists": True},
    ]
    assert datafiles.with_included(found[:1], {"data/민원 현황.csv"}) == [
        {"path": "data/민원 현황.csv", "exists": True, "included": True}
    ]


def test_a_megabyte_cell_is_bounded(tmp_path):
    (tmp_path / "x.csv").write_text("a")
    huge = "x = '" + "가" * 1_000_000 + "'\n" + "s = 'x.csv'\n" + "'a' " * 300_000
    nb = nb_of(huge, "open('x.csv')", "'" + "/" * 1_000_000)
    assert datafiles.data_files(tmp_path, "n.ipynb", nb) == [{"path": "x.csv", "exists": True}]
    assert requirements.direct_imports([huge + "\nimport pandas"]) == set()  # past the per-cell bound
    # A megabyte cell that ast refuses goes through the bounded line pattern instead.
    broken = "import pandas\nfrom openpyxl import load_workbook\nx = (" + "가 " * 500_000 + "\n" + "from " * 200_000
    assert requirements.direct_imports([broken]) == {"pandas", "openpyxl"}


@pytest.mark.parametrize(
    ("quality", "line"),
    [
        (None, "재실행 확인 안 함 / not checked"),
        (
            {"state": "skipped", "reason": "API 키\n필요"},
            "재실행 확인 생략: API 키 필요 / Re-run check skipped: API 키 필요",
        ),
        (
            {"state": "passed", "checked_at": "2026-12-01T10:00:00+09:00", "seconds": 11.6},
            "재실행 확인됨 2026-12-01, 12초 / Re-run checked 2026-12-01, 12 s",
        ),
        (
            {
                "state": "failed",
                "checked_at": "2026-12-01T10:00:00+09:00",
                "failing_cell": {"index": 2, "ename": "NameError", "evalue": "name 'df' is not defined"},
            },
            "재실행 확인 실패: 셀 3, NameError: name 'df' is not defined / Re-run check failed: "
            "cell 3, NameError: name 'df' is not defined",
        ),
        (
            {"state": "timeout", "checked_at": "2026-12-01T10", "time_limit": 300, "failing_cell": {"index": 0}},
            "재실행 확인 실패: 셀 1, 제한 시간 300초 초과 / Re-run check failed: cell 1, time limit of 300 s exceeded",
        ),
    ],
)
def test_readme_line(quality, line):
    assert report.readme_line(quality) == line


def test_registry_bounds_running_and_kept_jobs():
    async def go():
        reg = jobs.Jobs(max_running=2, max_kept=2)
        hold = asyncio.Event()

        async def work(job):
            await hold.wait()
            job.finish("passed", {"passed": True}, b"{}")

        def new(path):
            return jobs.Job(path=path, fingerprint="f", cells=1, time_limit=10)

        a = reg.start(new("a.ipynb"), work)
        reg.start(new("b.ipynb"), work)
        with pytest.raises(ShareError) as err:
            reg.start(new("c.ipynb"), work)
        assert err.value.status == 429 and "진행 중" in err.value.message
        a2 = reg.start(new("a.ipynb"), work)  # the same notebook again: the old check stops
        await asyncio.sleep(0)
        assert a.stop_reason == "cancelled" and a2.state == "running"
        hold.set()
        await asyncio.sleep(0.05)
        for _ in range(3):
            j = reg.start(new("d.ipynb"), work)
            await asyncio.sleep(0.01)
            assert j.state == "passed"
        kept = [j for j in reg._jobs.values()]
        reg.start(new("e.ipynb"), work)
        assert len([j for j in reg._jobs.values() if j.state != "running"]) <= 2
        assert reg.get(a.id) is None or reg.get(a.id).state != "running"
        return kept

    asyncio.run(go())


def test_fingerprint_ignores_outputs_but_not_code():
    nb = nb_of("print(1)")
    with_output = json.loads(nbformat.writes(nb))
    with_output["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    assert jobs.fingerprint(nbformat.from_dict(with_output)) == jobs.fingerprint(nb)
    assert jobs.fingerprint(nb_of("print(2)")) != jobs.fingerprint(nb)
