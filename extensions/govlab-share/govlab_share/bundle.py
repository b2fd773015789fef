"""Build the files that land in GitLab from the user's notebook and chats.

Reads the user's files read-only; the result is a dict repo path -> bytes.
Only the notebook, the chosen `.chat` files and the extra files the official ticked
(each resolved inside the root by paths.resolve, extra files only from the notebook's
own folder) are read, so `.env`, tokens and checkpoints can never get in.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

from . import paths
from .chats import count_messages, load_chat
from .errors import ShareError, bad_request
from .gitlab_client import too_large
from .manifest import MANIFEST_PATH, render_manifest
from .suggest import in_folder, notebook_folder, repo_path
from .taskdoc import DocMeta, render_readme
from .transcript import render_transcript

README_PATH = "README.md"
CHATS_DIR = "chats"
# The notebook's first plot, kept even when outputs are stripped: the gallery's preview.
THUMBNAIL_PATH = "thumbnail.png"
MAX_THUMBNAIL_BYTES = 512 * 1024


@dataclass
class Bundle:
    notebook: str  # repo path of the notebook
    files: dict[str, bytes]  # content files: notebook, chats, transcripts
    chats: list[dict] = field(default_factory=list)  # for README/manifest
    thumbnail: str = ""  # repo path of the preview image, "" when the notebook has no plot
    extra: list[dict] = field(default_factory=list)  # [{"source", "file", "size"}]


def render(bundle: Bundle, meta: DocMeta, max_bytes: int) -> dict[str, bytes]:
    """All files to commit: content + README.md + govlab-manifest.json, within `max_bytes`.

    `meta` describes this bundle (its notebook, chats, thumbnail and extra files) and
    the project it goes to; the README and the manifest are rendered here only.
    """
    out = dict(bundle.files)
    out[README_PATH] = render_readme(meta).encode("utf-8")
    out[MANIFEST_PATH] = render_manifest(meta, out)
    size = total_size(out)
    if size > max_bytes:
        raise too_large(size, max_bytes)
    return out


def read_notebook(real_path: Path) -> tuple[bytes, nbformat.NotebookNode]:
    """Raw bytes and the parsed, validated notebook (code bad_notebook if invalid)."""
    with open(real_path, "rb") as f:  # read-only, never rewritten
        raw = f.read()
    try:
        # reads() validates already; capture its error instead of validating twice
        # (jsonschema over every output is a large share of a big notebook's cost).
        invalid: dict = {}
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4, capture_validation_error=invalid)
        if "ValidationError" in invalid:
            raise invalid["ValidationError"]
    except (UnicodeDecodeError, ValueError, nbformat.ValidationError, KeyError, TypeError) as e:
        # nbformat.reader.NotJSONError is a ValueError.
        raise ShareError(
            "bad_notebook",
            422,
            "노트북 파일 형식이 올바르지 않습니다. 노트북을 저장한 뒤 다시 시도하세요.",
            "The notebook is not valid nbformat; save it and try again.",
            details=[str(e).splitlines()[0][:300] if str(e) else type(e).__name__],
        ) from e
    return raw, nb


def notebook_title(nb) -> str:
    """First markdown heading, else ''."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
            if m:
                return m.group(1).strip()
    return ""


def cell_ids(nb) -> set[str]:
    return {c.get("id") for c in nb.cells if c.get("id")}


def strip_outputs(nb) -> bytes:
    """Notebook bytes without outputs, execution counts or widget state."""
    # Copy only what changes (never touch the caller's): a JSON round trip of the
    # whole notebook would serialise and parse every output just to drop it.
    cells = []
    for cell in nb.cells:
        cell = dict(cell)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        if "metadata" in cell:
            cell["metadata"] = {k: v for k, v in cell["metadata"].items() if k != "execution"}  # timing noise
        cells.append(cell)
    metadata = {k: v for k, v in nb.metadata.items() if k != "widgets"}
    stripped = nbformat.from_dict({**nb, "cells": cells, "metadata": metadata})
    # What nbformat.writes() does minus its re-validation: read_notebook validated it.
    text = nbformat.v4.writes_json(stripped)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def first_plot(nb) -> bytes | None:
    """The PNG bytes of the notebook's first image output (a plot), if small enough."""
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs") or []:
            data = (output.get("data") or {}).get("image/png")
            if not data:
                continue
            text = "".join(data) if isinstance(data, list) else str(data)
            try:
                png = base64.b64decode(text, validate=False)
            except (binascii.Error, ValueError):
                continue
            if png.startswith(b"\x89PNG") and len(png) <= MAX_THUMBNAIL_BYTES:
                return png
    return None


def chat_repo_path(chat_path: str) -> str:
    """Where a chat lands in the repository when it is the only one of its name."""
    return f"{CHATS_DIR}/{_chat_names([chat_path])[0]}.chat"


def _chat_names(chat_paths: list[str]) -> list[str]:
    """Unique bundle names (stems) for the chats, in order."""
    used: set[str] = set()
    names = []
    for p in chat_paths:
        stem = re.sub(r"[^\w.\-]+", "_", PurePosixPath(p).stem).strip("._") or "chat"
        name, i = stem, 2
        while name.lower() in used:
            name, i = f"{stem}-{i}", i + 1
        used.add(name.lower())
        names.append(name)
    return names


def _outside_folder(path: str, folder: str) -> ShareError:
    where = f"'{folder}'" if folder else "작업 폴더 / the work folder"
    return ShareError(
        "bad_path",
        403,
        f"노트북이 있는 폴더({where}) 안의 파일만 함께 공유할 수 있습니다: {path}. "
        "파일을 노트북 폴더로 옮긴 뒤 다시 추가하세요.",
        f"Only files inside the notebook's folder ({folder or 'the root'}) can be shared "
        f"with it: {path}. Move the file there and add it again.",
    )


def read_extra_files(root, rel: str, extra_paths: list[str], taken: set[str], max_bytes: int | None):
    """(repo path -> bytes, [{"source", "file", "size"}]) of the extra files, in order."""
    folder = notebook_folder(rel)
    files: dict[str, bytes] = {}
    listed: list[dict] = []
    reserved = {p.lower() for p in taken} | {README_PATH.lower(), MANIFEST_PATH.lower()}
    for p in extra_paths:
        frel, real = paths.resolve(root, p)
        if frel == rel:
            continue  # the notebook itself is already in
        if not in_folder(frel, folder):
            raise _outside_folder(frel, folder)
        target = repo_path(frel, folder)
        if target in files:
            continue
        if target.lower() in reserved or target.split("/", 1)[0].lower() == CHATS_DIR:
            raise bad_request(
                f"공유 묶음이 이미 쓰는 이름입니다: {target}. 파일 이름을 바꾼 뒤 다시 추가하세요.",
                f"The share already uses this name: {target}; rename the file and add it again.",
            )
        size = real.stat().st_size
        if max_bytes is not None and size > max_bytes:
            err = too_large(size, max_bytes)  # before reading it into memory
            err.details.append(f"file: {frel}")
            raise err
        with open(real, "rb") as f:  # as they are: binary data files too
            files[target] = f.read()
        listed.append({"source": frel, "file": target, "size": len(files[target])})
    return files, listed


def build_bundle(
    root,
    notebook_path: str,
    chat_paths: list[str],
    *,
    keep_outputs: bool,
    tz=None,
    extra_paths: list[str] = (),
    max_bytes: int | None = None,
) -> Bundle:
    """Content files of a share (without README/manifest, which need the project)."""
    rel, real = paths.resolve(root, notebook_path, suffix=".ipynb")
    raw, nb = read_notebook(real)
    nb_name = PurePosixPath(rel).name
    files = {nb_name: raw if keep_outputs else strip_outputs(nb)}
    plot = first_plot(nb)
    if plot is not None and nb_name != THUMBNAIL_PATH:
        files[THUMBNAIL_PATH] = plot

    chats = []
    seen = set()
    resolved = []
    for cp in chat_paths:
        crel, creal = paths.resolve(root, cp, suffix=".chat")
        if crel not in seen:
            seen.add(crel)
            resolved.append((crel, creal))
    for (crel, creal), name in zip(resolved, _chat_names([r for r, _ in resolved])):
        with open(creal, "rb") as f:
            data = f.read()
        try:
            doc = load_chat(data)
        except (UnicodeDecodeError, ValueError) as e:
            raise bad_request(
                f"대화 파일을 읽을 수 없습니다: {crel}",
                f"Cannot read the chat file: {crel}",
                details=[str(e)[:300]],
            ) from e
        chat_file = f"{CHATS_DIR}/{name}.chat"
        md_file = f"{CHATS_DIR}/{name}.md"
        files[chat_file] = data  # raw, byte for byte
        files[md_file] = render_transcript(
            doc, title=PurePosixPath(crel).stem, source_path=crel, bundle_path=chat_file, tz=tz
        ).encode("utf-8")
        chats.append({"source": crel, "file": chat_file, "transcript": md_file, "messages": count_messages(doc)})
    extra_files, extra = read_extra_files(root, rel, list(extra_paths), set(files), max_bytes)
    files.update(extra_files)
    return Bundle(
        notebook=nb_name,
        files=files,
        chats=chats,
        extra=extra,
        thumbnail=THUMBNAIL_PATH if THUMBNAIL_PATH in files else "",
    )


def total_size(files: dict[str, bytes]) -> int:
    return sum(len(v) for v in files.values())
