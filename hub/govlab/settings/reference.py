"""The settings reference, generated from the schema: docs/settings.md and the comments
of config/govlab.example.yaml.

    python -m govlab.settings.reference --write   # regenerate both
    python -m govlab.settings.reference --check   # exit 1 when either drifted

The example's values stay the operator-facing choice of this repository: they are read
from the example itself and written back in schema order, each key under its schema
description. A key the example leaves out is shown commented out, with its schema
example (`Field(examples=[...])`) or default, so every key appears once.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import types
import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .schema import Settings
from .secrets import SecretRef

REPO = Path(__file__).resolve().parents[3]
EXAMPLE_PATH = Path("config/govlab.example.yaml")
DOCS_PATH = Path("docs/settings.md")
WIDTH = 100
_GENERATED = "python -m govlab.settings.reference --write"

EXAMPLE_HEADER = f"""\
# govlab deployment settings: the one file an operator edits.
#
# Copy it to config/govlab.yaml (git-ignored) and adjust, then:
#   govlab check-config --config config/govlab.yaml   # validate, show the result
#   govlab start --config config/govlab.yaml          # run the hub
# Unknown keys and wrong values stop the start with a message naming the key.
# Secrets are never written here: each is `{{env: VARIABLE}}` or `{{file: /path}}`.
# Every key is described in docs/settings.md. The comments below are generated from the
# schema (`{_GENERATED}`): change a description there, not here.
"""

_MISSING = object()


# --- what a field is -------------------------------------------------------------------


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _section_model(field: FieldInfo) -> type[BaseModel] | None:
    """The section model a key holds (a secret reference is a value, not a section)."""
    inner = _unwrap_optional(field.annotation)
    if isinstance(inner, type) and issubclass(inner, BaseModel) and inner is not SecretRef:
        return inner
    return None


def _item_model(field: FieldInfo) -> type[BaseModel] | None:
    """The model of each item, for a key holding a list of sections (workshops)."""
    inner = _unwrap_optional(field.annotation)
    if typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def _example(field: FieldInfo) -> Any:
    """What a left-out key shows: its schema example, else its default."""
    if field.examples:
        return field.examples[0]
    if field.is_required():
        raise ValueError(f"a required key needs Field(examples=[...]): {field}")
    default = field.get_default(call_default_factory=True)
    if default is None:
        raise ValueError(f"a key without a default value needs Field(examples=[...]): {field}")
    return default


def _type_name(field: FieldInfo) -> str:
    if _item_model(field):
        return "list of sections"
    if _section_model(field):
        return "section"
    inner = _unwrap_optional(field.annotation)
    if inner is SecretRef:
        name = "secret reference `{env: NAME}` or `{file: PATH}`"
    elif typing.get_origin(inner) is Literal:
        name = " | ".join(f"`{v}`" for v in typing.get_args(inner))
    elif typing.get_origin(inner) is tuple:
        name = 'port range `"LOW-HIGH"` or `[LOW, HIGH]`'
    elif typing.get_origin(inner) is list:
        name = "list of text"
    elif typing.get_origin(inner) is dict:
        name = "mapping"
    else:
        name = {str: "text", bool: "true/false", int: "integer", float: "number"}.get(inner, str(inner))
    bounds = []
    for meta in field.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if getattr(meta, attr, None) is not None:
                bounds.append(f"{sign} {getattr(meta, attr)}")
    return f"{name} ({', '.join(bounds)})" if bounds else name


# --- values as YAML ------------------------------------------------------------------------


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or ": " in text or " #" in text:
        return False
    if flow and any(ch in text for ch in ",[]{}"):
        return False
    try:
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


def yaml_value(value: Any, flow: bool = False) -> str:
    """One value in the example's style: flow lists and mappings, "" for empty text."""
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_defaults=True)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value if _plain_ok(value, flow) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(v, flow=True) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {yaml_value(v, flow=True)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as YAML")


# --- the example file ----------------------------------------------------------------------


def _comment(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}# {line}" for line in textwrap.wrap(text, WIDTH - indent - 2, break_on_hyphens=False)]


def _commented(lines: list[str], indent: int) -> list[str]:
    """Comment a block out at its own indentation, so removing '# ' restores it."""
    return [f"{line[:indent]}# {line[indent:]}" for line in lines]


def _section_lines(model: type[BaseModel], values: dict | None, indent: int) -> list[str]:
    """A section's keys. values None: every key with its example (a commented-out block)."""
    return _key_lines(model.model_fields, values, indent)


def _key_lines(fields: dict[str, FieldInfo], values: dict | None, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    # real: these are the file's values, and a key they lack is shown commented out;
    # otherwise the whole block is an example (commented out by the caller).
    real = values is not None
    for name, field in fields.items():
        lines += _comment(field.description or "", indent)
        value = values.get(name, _MISSING) if real else _MISSING
        if value is _MISSING:
            value = _MISSING if (_section_model(field) or _item_model(field)) else _example(field)
        sub, items = _section_model(field), _item_model(field)
        if sub and (value is _MISSING or isinstance(value, dict)):
            block = [f"{pad}{name}:"] + _section_lines(sub, None if value is _MISSING else value, indent + 2)
            lines += _commented(block, indent) if real and value is _MISSING else block
        elif items and value is _MISSING:
            block = [f"{pad}{name}:", f"{pad}  -"] + _section_lines(items, None, indent + 4)
            lines += _commented(block, indent) if real else block
        elif items and value:
            lines.append(f"{pad}{name}:")
            for item in value:
                lines += [f"{pad}  -"] + _section_lines(items, item, indent + 4)
        else:
            line = f"{pad}{name}: {yaml_value(value)}"
            left_out = real and name not in values
            lines.append(f"{pad}# {line[indent:]}" if left_out else line)
            if items and not value:
                # An empty list of sections: show one item to copy.
                block = [f"{pad}{name}:", f"{pad}  -"] + _section_lines(items, None, indent + 4)
                lines += _commented(block, indent)
    return lines


def render_example(values: dict) -> str:
    """The example file for these values (a parsed example), comments from the schema."""
    lines = EXAMPLE_HEADER.rstrip("\n").split("\n")
    for name, field in Settings.model_fields.items():
        lines.append("")
        lines += _key_lines({name: field}, values, 0)
    return "\n".join(lines) + "\n"


# --- the reference page --------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "(required)"
    if _section_model(field) or _item_model(field):
        return "`[]`" if _item_model(field) else "(section)"
    default = field.get_default(call_default_factory=True)
    return "(none)" if default is None else f"`{yaml_value(default)}`"


def _row(name: str, field: FieldInfo) -> str:
    cells = (f"`{name}`", _type_name(field), _default(field), field.description or "")
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _doc_sections(model: type[BaseModel], path: str, intro: str) -> list[str]:
    out = [f"## `{path}`", ""]
    # The key's description introduces its section; the model's docstring is for developers.
    out += [intro, ""] if intro else []
    out += ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
    nested: list[tuple[type[BaseModel], str, str]] = []
    for name, field in model.model_fields.items():
        out.append(_row(name, field))
        sub = _section_model(field) or _item_model(field)
        if sub:
            nested.append((sub, f"{path}.{name}" + ("[]" if _item_model(field) else ""), field.description or ""))
    out.append("")
    for sub, sub_path, sub_intro in nested:
        out += _doc_sections(sub, sub_path, sub_intro)
    return out


def render_markdown() -> str:
    lines = [
        "# Settings reference",
        "",
        f"<!-- Generated from hub/govlab/settings/schema.py by `{_GENERATED}`; do not edit. -->",
        "",
        "Every key of the deployment settings file (`config/govlab.example.yaml` is a commented",
        "example; [operators.md](operators.md) explains how to run with it). Unknown keys and wrong",
        "values stop the hub with a message naming the key and the fix. Secret values are never",
        "written in the file: each is a reference `{env: NAME}` or `{file: PATH}`.",
        "",
        "| Key | Type | Default | Description |",
        "| --- | --- | --- | --- |",
    ]
    top = [(n, f) for n, f in Settings.model_fields.items()]
    for name, field in top:
        lines.append(_row(name, field))
    lines.append("")
    for name, field in top:
        sub = _section_model(field) or _item_model(field)
        if sub:
            lines += _doc_sections(sub, name + ("[]" if _item_model(field) else ""), field.description or "")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- the command ---------------------------------------------------------------------------


def expected(root: Path = REPO) -> dict[Path, str]:
    """What each generated file must hold, by path under root."""
    values = yaml.safe_load((root / EXAMPLE_PATH).read_text(encoding="utf-8")) or {}
    return {root / EXAMPLE_PATH: render_example(values), root / DOCS_PATH: render_markdown()}


def drifted(root: Path = REPO) -> list[Path]:
    """The generated files whose text differs from what the schema gives."""
    return [p for p, text in expected(root).items() if not p.exists() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govlab.settings.reference", description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="regenerate the files")
    parser.add_argument("--check", action="store_true", help="exit 1 when a file differs from the schema")
    parser.add_argument("--root", type=Path, default=REPO, help="the repository checkout (default: this one)")
    args = parser.parse_args(argv)
    if args.write:
        for path, text in expected(args.root).items():
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
        return 0
    stale = drifted(args.root)
    for path in stale:
        print(f"{path} differs from the settings schema: run `{_GENERATED}`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
