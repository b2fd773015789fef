"""Notebook tools for the agent: read, add, edit, delete and run cells of the official's
notebooks, inside the lab's root folder.

Jupyternaut's own notebook toolkit needs the file-id and shared-document services of
jupyter-collaboration / jupyter-server-documents, which a govlab lab does not run (its
calls fail there), and its run_cell drives the browser. These tools work on the notebook
file through nbformat and run a cell on the notebook's kernel from the server, writing
the outputs into the notebook. Every path must resolve inside the lab's root folder.

The functions' docstrings and signatures are what the model sees.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import nbformat

from ..atomicfile import write_atomic

RUN_TIMEOUT = 120.0  # seconds one cell may run before it is reported as unfinished
_OUTPUT_CHARS = 20_000  # text of a cell's outputs handed back to the model
_KERNELS: dict[str, str] = {}  # notebook path -> kernel id this module started


def _serverapp():
    from jupyter_server.serverapp import ServerApp

    return ServerApp.instance()


def _root() -> Path:
    from jupyter_server.serverapp import ServerApp

    # Outside a running server (unit tests) the working folder is the root; instance()
    # would create a server app as a side effect.
    root = ServerApp.instance().root_dir if ServerApp.initialized() else os.getcwd()
    return Path(root).resolve()


def resolve(file_path: str) -> Path:
    """The notebook's absolute path; refuses anything outside the lab's root folder."""
    if not isinstance(file_path, str) or not file_path.strip():
        raise ValueError("file_path is empty / 파일 경로가 비어 있습니다")
    root = _root()
    path = Path(file_path.strip())
    path = (path if path.is_absolute() else root / path).resolve()
    if path != root and root not in path.parents:
        raise PermissionError(
            f"{file_path}: 랩 폴더 밖의 파일은 다룰 수 없습니다 / only files inside the lab's folder can be used"
        )
    return path


def _relative(path: Path) -> str:
    return path.relative_to(_root()).as_posix()


def _read(path: Path) -> Any:
    if path.suffix != ".ipynb":
        raise ValueError(f"{path.name}: 노트북(.ipynb)이 아닙니다 / not a notebook (.ipynb)")
    with open(path, encoding="utf-8") as f:
        return nbformat.read(f, as_version=4)


def _write(path: Path, nb: Any) -> None:
    # Write beside and rename (keeping the notebook's mode), so a failure never leaves half a notebook.
    text = nbformat.writes(nb)
    write_atomic(path, text if text.endswith("\n") else text + "\n")


def _index(nb: Any, cell_id: str) -> int:
    """Index of a cell given its id or its 0-based position as text."""
    key = str(cell_id).strip()
    for i, cell in enumerate(nb.cells):
        if cell.get("id") == key:
            return i
    if key.isdigit() and int(key) < len(nb.cells):
        return int(key)
    raise ValueError(f"cell {key!r} not found / 셀을 찾을 수 없습니다 (cells: {len(nb.cells)})")


def _outputs_text(outputs: list) -> str:
    parts = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            parts.append(str(out.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            parts.append(str(data.get("text/plain", "[" + ", ".join(sorted(data)) + "]")))
        elif kind == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
    text = "\n".join(p.rstrip("\n") for p in parts)
    return text if len(text) <= _OUTPUT_CHARS else text[:_OUTPUT_CHARS] + "\n[...]"


async def read_notebook_cells(notebook_path: str, specific_cell_id: str | None = None) -> list[dict]:
    """Read the cells of a notebook: id, index, type, source and (as text) outputs.

    Args:
        notebook_path: path of the .ipynb file, relative to the lab's folder
        specific_cell_id: id (or 0-based index) of one cell to read; all cells if omitted
    """
    nb = _read(resolve(notebook_path))
    indexes = [_index(nb, specific_cell_id)] if specific_cell_id else range(len(nb.cells))
    return [
        {
            "id": nb.cells[i].get("id"),
            "index": i,
            "cell_type": nb.cells[i].cell_type,
            "source": nb.cells[i].source,
            "outputs": _outputs_text(nb.cells[i].get("outputs", [])),
        }
        for i in indexes
    ]


async def add_cell(
    file_path: str,
    content: str | None = None,
    cell_id: str | None = None,
    add_above: bool = False,
    cell_type: Literal["code", "markdown", "raw"] = "code",
) -> dict:
    """Add a new cell to a notebook, below (or above) a given cell or at the end.

    Args:
        file_path: path of the .ipynb file, relative to the lab's folder
        content: the new cell's source
        cell_id: id (or 0-based index) of the cell to add next to; at the end if omitted
        add_above: add above that cell instead of below
        cell_type: "code", "markdown" or "raw"
    Returns the new cell's id and index (use the id to run it).
    """
    path = resolve(file_path)
    nb = _read(path)
    makers = {
        "code": nbformat.v4.new_code_cell,
        "markdown": nbformat.v4.new_markdown_cell,
        "raw": nbformat.v4.new_raw_cell,
    }
    if cell_type not in makers:
        raise ValueError(f"cell_type must be code, markdown or raw, not {cell_type!r}")
    cell = makers[cell_type](source=content or "")
    if cell_id is None or str(cell_id).strip() == "":
        index = len(nb.cells)
    else:
        index = _index(nb, cell_id) + (0 if add_above else 1)
    nb.cells.insert(index, cell)
    _write(path, nb)
    return {"id": cell.id, "index": index}


async def edit_cell(file_path: str, cell_id: str, content: str) -> dict:
    """Replace the source of a cell.

    Args:
        file_path: path of the .ipynb file, relative to the lab's folder
        cell_id: id (or 0-based index) of the cell
        content: the cell's new source
    """
    path = resolve(file_path)
    nb = _read(path)
    i = _index(nb, cell_id)
    nb.cells[i].source = content
    _write(path, nb)
    return {"id": nb.cells[i].get("id"), "index": i}


async def delete_cell(file_path: str, cell_id: str) -> dict:
    """Delete a cell.

    Args:
        file_path: path of the .ipynb file, relative to the lab's folder
        cell_id: id (or 0-based index) of the cell
    """
    path = resolve(file_path)
    nb = _read(path)
    i = _index(nb, cell_id)
    removed = nb.cells.pop(i)
    _write(path, nb)
    return {"deleted": removed.get("id"), "index": i}


async def create_notebook(file_path: str) -> str:
    """Create a new, empty Python notebook (fails if the file exists).

    Args:
        file_path: path of the new .ipynb file, relative to the lab's folder
    """
    path = resolve(file_path)
    if path.suffix != ".ipynb":
        raise ValueError("the file name must end in .ipynb / 파일 이름은 .ipynb로 끝나야 합니다")
    if path.exists():
        raise FileExistsError(f"{_relative(path)} exists / 이미 있는 파일입니다")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, nb)
    return _relative(path)


async def run_cell(file_path: str, cell_id: str) -> dict:
    """Run a code cell on the notebook's kernel; its outputs are saved in the notebook.
    The official must approve the code first.

    Args:
        file_path: path of the .ipynb file, relative to the lab's folder
        cell_id: id (or 0-based index) of the code cell
    """
    code = await cell_code(file_path, cell_id)
    return await execute_cell(file_path, cell_id, code)


async def cell_code(file_path: str, cell_id: str) -> str:
    """The source of a code cell (what run_cell would run)."""
    nb = _read(resolve(file_path))
    cell = nb.cells[_index(nb, cell_id)]
    if cell.cell_type != "code":
        raise ValueError("only code cells can run / 코드 셀만 실행할 수 있습니다")
    return cell.source


async def _kernel_id(rel_path: str) -> str:
    """The kernel of the notebook's open session, else one this module started for it."""
    app = _serverapp()
    for session in await app.session_manager.list_sessions():
        if session.get("path") == rel_path and session.get("kernel"):
            return session["kernel"]["id"]
    km = app.kernel_manager
    kid = _KERNELS.get(rel_path)
    if kid is None or kid not in km:
        cwd = os.path.dirname(rel_path)
        kid = await km.start_kernel(path=cwd)
        _KERNELS[rel_path] = kid
    return kid


async def execute_cell(file_path: str, cell_id: str, code: str) -> dict:
    """Run `code` (the approved source of the cell) and store the outputs in that cell."""
    path = resolve(file_path)
    rel = _relative(path)
    kid = await _kernel_id(rel)
    client = _serverapp().kernel_manager.get_kernel(kid).client()
    client.start_channels()
    outputs: list = []

    def keep(msg: dict) -> None:
        if msg["msg_type"] in ("stream", "execute_result", "display_data", "error"):
            outputs.append(nbformat.v4.output_from_msg(msg))

    try:
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive(
            code, output_hook=keep, timeout=RUN_TIMEOUT, allow_stdin=False, store_history=True
        )
        status, count = reply["content"].get("status"), reply["content"].get("execution_count")
    except TimeoutError:
        # Stop the runaway cell so the notebook's kernel is usable again.
        await _serverapp().kernel_manager.interrupt_kernel(kid)
        status, count = "timeout", None
    finally:
        client.stop_channels()

    # Read again: the official may have edited other cells meanwhile.
    nb = _read(path)
    i = _index(nb, cell_id)
    nb.cells[i].outputs = outputs
    nb.cells[i].execution_count = count
    _write(path, nb)
    return {"id": nb.cells[i].get("id"), "status": status, "execution_count": count, "outputs": _outputs_text(outputs)}


TOOLS = [read_notebook_cells, add_cell, edit_cell, delete_cell, create_notebook, run_cell]
