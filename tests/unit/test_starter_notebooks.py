"""Starter notebooks: they ship clean, contain no real-looking personal data, and run
top to bottom offline - with the reference solutions swapped in (every check cell says
the Korean success text) and as shipped (every check cell asks to try again).

Execution uses nbclient with the ``python3`` kernel in a temporary copy of
``starter_notebooks/``; the network is blocked inside the kernel and any attempt is
recorded, so a notebook that reaches for the internet without a service key fails.
Check cells record progress (read by ``govlab workshop status``) into a temporary file.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from govlab.workshop import progress

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "starter_notebooks"
EXPECTED_NOTEBOOKS = [
    "01_주피터랩과_AI_도우미.ipynb",
    "02_공공데이터_pandas.ipynb",
    "03_정기_보고서_자동화.ipynb",
    "04_출장비_정산_도우미.ipynb",
    "05_작업_공유하기.ipynb",
]
SUCCESS = "정답입니다! 🎉"
RETRY = "다시 확인해 보세요"
CELL_TIMEOUT = 120
DATA_LIMIT = 2 * 1024 * 1024

# A resident registration number with a plausible birth date (YYMMDD) and gender digit.
RRN_RE = re.compile(r"(?<!\d)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\s?-?\s?[1-8]\d{6}(?!\d)")
# A mobile number in a range that is actually allocated (middle part starting 2-9).
PHONE_RE = re.compile(r"(?<!\d)01[016789][-. ]?[2-9]\d{2,3}[-. ]?\d{4}(?!\d)")

NET_GUARD = """
import socket as _govlab_socket
_GOVLAB_NET_ATTEMPTS = []
def _govlab_blocked(*args, **kwargs):
    _GOVLAB_NET_ATTEMPTS.append(repr(args)[:200])
    raise OSError("network is disabled in the starter notebook test")
_govlab_socket.socket.connect = _govlab_blocked
_govlab_socket.socket.connect_ex = _govlab_blocked
_govlab_socket.create_connection = _govlab_blocked
_govlab_socket.getaddrinfo = _govlab_blocked
"""
NET_REPORT = 'print("GOVLAB_NET_ATTEMPTS=" + str(len(_GOVLAB_NET_ATTEMPTS)))'


# A particle written apart from the Latin word, number or code before it ("pandas 로",
# "CSV 는", "`x` 를"). Bounded: one character, at most three spaces, a fixed alternation.
PARTICLES = (
    "으로는|으로도|이라고|이라는|에서는|이어야|입니다|이에요|로는|로도|에는|에도|와는|과는|이나|까지|부터|처럼|보다|"
    "마다|이다|예요|여야|이며|이고|이면|라고|라는|이랑|만큼|에서|에게|으로|은|는|이|가|을|를|의|에|께|와|과|도|만|"
    "로|나|랑|뿐"
)
SPACED_PARTICLE_RE = re.compile(r"[A-Za-z0-9`)\]] {1,3}(?:" + PARTICLES + r")(?![가-힣])")
EXERCISE_ID_RE = re.compile(r'exercise="([0-9]{2})-([0-9]{1,2})/([0-9]{1,2})"')


def _read(name: str):
    return nbformat.read(NB_DIR / name, as_version=4)


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _text_outputs(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") in ("execute_result", "display_data"):
            parts.append(str(out.get("data", {}).get("text/plain", "")))
        elif out.get("output_type") == "error":
            parts.append("\n".join(out.get("traceback", [])))
    return "".join(parts)


def _execute(name: str, tmp_path: Path, monkeypatch, solved: bool):
    """Run a copy of the notebook; return (executed notebook, indices of check cells)."""
    monkeypatch.delenv("DATA_GO_KR_SERVICE_KEY", raising=False)
    monkeypatch.setenv("GOVLAB_PROGRESS", str(tmp_path / "progress.json"))
    work = tmp_path / "starter_notebooks"
    shutil.copytree(NB_DIR, work, ignore=shutil.ignore_patterns("output", ".ipynb_checkpoints", "__pycache__"))
    nb = nbformat.read(work / name, as_version=4)
    if solved:
        for cell in nb.cells:
            if "exercise" in _tags(cell):
                cell.source = cell.metadata["govlab"]["solution"]
    nb.cells.insert(0, nbformat.v4.new_code_cell(NET_GUARD))
    nb.cells.append(nbformat.v4.new_code_cell(NET_REPORT))
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    assert "GOVLAB_NET_ATTEMPTS=0" in _text_outputs(nb.cells[-1]), (
        f"{name} tried to reach the network: {_text_outputs(nb.cells[-1])}"
    )
    return nb, work


def test_expected_notebooks_present():
    found = sorted(p.name for p in NB_DIR.glob("*.ipynb"))
    assert found == EXPECTED_NOTEBOOKS
    assert (NB_DIR / "README.md").is_file()
    assert (NB_DIR / "govlab_check.py").is_file()


@pytest.mark.parametrize("name", EXPECTED_NOTEBOOKS)
def test_notebook_ships_clean(name):
    nb = _read(name)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    ids = [cell.get("id") for cell in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), "every cell needs a unique id"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: cell {cell.id} has committed outputs"
            assert cell.execution_count is None, f"{name}: cell {cell.id} has an execution count"
    # the raw file too (catches outputs hidden from the parsed view, e.g. in attachments)
    raw = json.loads((NB_DIR / name).read_text(encoding="utf-8"))
    assert all(c.get("outputs", []) == [] for c in raw["cells"])


@pytest.mark.parametrize("name", EXPECTED_NOTEBOOKS)
def test_exercises_have_placeholders_solutions_and_checks(name):
    nb = _read(name)
    exercises = [c for c in nb.cells if "exercise" in _tags(c)]
    checks = [c for c in nb.cells if "check" in _tags(c)]
    assert exercises, f"{name} has no exercise cell"
    assert len(checks) >= len(exercises), f"{name}: every exercise needs a check cell"
    for cell in exercises:
        assert cell.cell_type == "code"
        assert "..." in cell.source, f"{name}: exercise {cell.id} has no `...` placeholder"
        solution = cell.metadata.get("govlab", {}).get("solution", "")
        assert solution.strip(), f"{name}: exercise {cell.id} has no govlab.solution"
        assert "..." not in solution and solution != cell.source
    assert any("from govlab_check import" in c.source for c in checks)
    for cell in checks:
        assert cell.cell_type == "code" and "check(" in cell.source, f"{name}: {cell.id}"


@pytest.mark.parametrize("name", EXPECTED_NOTEBOOKS)
def test_notebook_text_has_no_real_looking_personal_numbers(name):
    text = (NB_DIR / name).read_text(encoding="utf-8")
    assert not RRN_RE.search(text), f"{name}: {RRN_RE.search(text).group()!r}"
    assert not PHONE_RE.search(text), f"{name}: {PHONE_RE.search(text).group()!r}"


def test_sample_data_is_small_and_has_no_real_looking_personal_numbers():
    files = [p for p in (NB_DIR / "data").rglob("*") if p.is_file()]
    assert files
    assert sum(p.stat().st_size for p in files) < DATA_LIMIT
    for path in files:
        if path.suffix in (".csv", ".json", ".xml"):
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp949")
            assert not RRN_RE.search(text), f"{path.name}: {RRN_RE.search(text).group()!r}"
            assert not PHONE_RE.search(text), f"{path.name}: {PHONE_RE.search(text).group()!r}"


def test_public_data_csv_is_really_cp949():
    raw = (NB_DIR / "data" / "서울시_자치구별_민원접수현황_202609.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "자치구명" in raw.decode("cp949")


def test_check_helper_messages(capsys):
    spec = importlib.util.spec_from_file_location("govlab_check", NB_DIR / "govlab_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.check((True, "x"), (lambda: 2 > 1, "y"), answers=[1])
    assert capsys.readouterr().out.strip() == SUCCESS
    module.check((True, "x"), (lambda: 1 / 0, "나눗셈"), (False, "둘째"), answers=[1])
    out = capsys.readouterr().out
    assert out.startswith(RETRY) and "나눗셈" in out and "둘째" in out and SUCCESS not in out
    module.check((True, "x"), answers=[...])
    out = capsys.readouterr().out
    assert out.startswith(RETRY) and "빈칸" in out


@pytest.mark.parametrize("name", EXPECTED_NOTEBOOKS)
def test_notebook_runs_with_solutions(name, tmp_path, monkeypatch):
    nb, work = _execute(name, tmp_path, monkeypatch, solved=True)
    checks = [c for c in nb.cells if "check" in _tags(c)]
    assert checks
    for cell in checks:
        text = _text_outputs(cell)
        assert SUCCESS in text and RETRY not in text, f"{name}: check cell {cell.id} said {text!r}"
    # every check cell recorded its pass where the trainer's status reads it
    recorded = progress.parse((tmp_path / "progress.json").read_bytes())
    assert recorded == [progress.NotebookProgress(name[:2], len(checks), len(checks))], recorded
    if name.startswith("02_"):
        assert "예제 파일을 사용합니다" in "".join(_text_outputs(c) for c in nb.cells)
    if name.startswith("03_"):
        assert (work / "output" / "민원처리_월간보고_2026-10.xlsx").is_file()
        assert (work / "output" / "민원접수_추이_2026-10.png").is_file()
    if name.startswith("04_"):
        assert (work / "output" / "출장비_정산서_예시.xlsx").is_file()
        widget_views = [
            o
            for c in nb.cells
            for o in c.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        ]
        assert widget_views, "the settlement form was not built"


@pytest.mark.parametrize("name", EXPECTED_NOTEBOOKS)
def test_notebook_runs_as_shipped_and_checks_ask_to_retry(name, tmp_path, monkeypatch):
    """Untouched placeholders must not error and must not be reported as correct."""
    nb, _ = _execute(name, tmp_path, monkeypatch, solved=False)
    for cell in (c for c in nb.cells if "check" in _tags(c)):
        text = _text_outputs(cell)
        assert RETRY in text and SUCCESS not in text, f"{name}: check cell {cell.id} said {text!r}"
    recorded = progress.parse((tmp_path / "progress.json").read_bytes())
    assert [(p.notebook, p.passed) for p in recorded] == [(name[:2], 0)], recorded


@pytest.mark.parametrize("name", EXPECTED_NOTEBOOKS)
def test_no_particle_is_spaced_off_a_latin_word(name):
    """Standard spacing: "pandas로", "CSV는", "`x`를" - not "pandas 로"."""
    nb = _read(name)
    found = []
    for cell in nb.cells:
        for text in (cell.source, cell.metadata.get("govlab", {}).get("solution", "")):
            for line in text.splitlines():
                found += [
                    f"{cell.id}: {line[max(0, m.start() - 20) : m.end() + 5]!r}"
                    for m in SPACED_PARTICLE_RE.finditer(line)
                ]
    assert not found, "\n".join(found)


def test_the_particle_lint_catches_what_it_should():
    assert SPACED_PARTICLE_RE.search("pandas 로 읽기") and SPACED_PARTICLE_RE.search("CSV 는")
    assert SPACED_PARTICLE_RE.search("`weekly` 를 더하세요") and SPACED_PARTICLE_RE.search("Series 여야 합니다")
    assert not SPACED_PARTICLE_RE.search("pandas로 읽기, CSV는, 2 이상, API 키")


@pytest.mark.parametrize("name", EXPECTED_NOTEBOOKS)
def test_every_check_cell_records_a_numbered_exercise(name):
    checks = [c for c in _read(name).cells if "check" in _tags(c)]
    ids = [EXERCISE_ID_RE.findall(c.source) for c in checks]
    assert all(len(found) == 1 for found in ids), f'{name}: each check cell needs one exercise="NN-k/T"'
    numbers = [(nb, int(k), int(total)) for [(nb, k, total)] in ids]
    assert numbers == [(name[:2], k, len(checks)) for k in range(1, len(checks) + 1)], numbers


@pytest.mark.parametrize("name", EXPECTED_NOTEBOOKS)
def test_every_notebook_asks_the_assistant_then_checks_its_answer(name):
    cells = _read(name).cells
    asks = [
        i
        for i, c in enumerate(cells[:-2])
        if c.cell_type == "markdown"
        and "Jupyternaut" in c.source
        and "검산" in c.source
        and "exercise" in _tags(cells[i + 1])
        and "check" in _tags(cells[i + 2])
    ]
    assert asks, f"{name} has no 'ask the assistant, then check its answer' exercise"


def test_check_helper_records_progress_atomically_and_bounded(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("govlab_check", NB_DIR / "govlab_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    target = tmp_path / "home" / ".govlab" / "progress.json"
    monkeypatch.setenv("GOVLAB_PROGRESS", str(target))
    module.check((False, "x"), answers=[1], exercise="02-1/3")
    module.check((True, "x"), answers=[1], exercise="02-2/3")
    module.check((True, "x"), answers=[1], exercise="02-1/3")  # the latest result counts
    module.check((True, "x"), answers=[...], exercise="01-1/2")  # blank: recorded as not passed
    module.check((True, "x"), answers=[1], exercise="../../etc 1/2")  # not an id: ignored
    assert progress.parse(target.read_bytes()) == [
        progress.NotebookProgress("01", 0, 2),
        progress.NotebookProgress("02", 2, 3),
    ]
    assert [p.name for p in target.parent.iterdir()] == ["progress.json"]  # no temp file left
    # a broken or oversized file is replaced, never fatal to the learner's cell
    target.write_text("{not json")
    module.check((True, "x"), answers=[1], exercise="03-1/1")
    assert progress.parse(target.read_bytes()) == [progress.NotebookProgress("03", 1, 1)]
    target.write_text(json.dumps({"results": {"x": "not a dict", "y": [1]}}))
    module.check((True, "x"), answers=[1], exercise="03-1/1")
    assert progress.parse(target.read_bytes()) == [progress.NotebookProgress("03", 1, 1)]
    target.write_text(" " * (module.MAX_PROGRESS_BYTES + 1))
    module.check((True, "x"), answers=[1], exercise="03-1/1")
    assert target.stat().st_size < 1000
    for k in range(300):
        module.record(f"n{k}-1/1", True)
    assert len(json.loads(target.read_text())["results"]) == module.MAX_EXERCISES
    # an unwritable place only loses the record, the learner still sees the result
    monkeypatch.setenv("GOVLAB_PROGRESS", str(tmp_path / "file" / "progress.json"))
    (tmp_path / "file").write_text("a file, not a folder")
    capsys.readouterr()
    module.check((True, "x"), answers=[1], exercise="01-1/2")
    assert capsys.readouterr().out.strip() == SUCCESS
