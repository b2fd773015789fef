"""The settings reference (docs/settings.md) and the example's comments come from the schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from govlab import settings
from govlab.settings import reference

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "govlab.example.yaml"
DOCS = REPO / "docs" / "settings.md"


def sections(model: type[BaseModel] = settings.Settings, path: str = "") -> list[tuple[str, type[BaseModel]]]:
    """Every section model reachable from the top, with its dotted path."""
    found = [(path or "(top level)", model)]
    for name, field in model.model_fields.items():
        sub = reference._section_model(field) or reference._item_model(field)
        if sub:
            found += sections(sub, f"{path}.{name}".lstrip("."))
    return found


def all_keys() -> list[tuple[str, object]]:
    return [(f"{path}.{name}", field) for path, model in sections() for name, field in model.model_fields.items()]


def test_every_key_has_a_short_description():
    keys = all_keys()
    assert len(keys) > 100
    missing = [key for key, field in keys if not (field.description or "").strip()]
    assert not missing, f"keys without Field(description=...): {missing}"
    long = [key for key, field in keys if len(field.description) > 450]
    assert not long, f"descriptions to shorten (one or two sentences): {long}"


def test_the_example_and_the_reference_page_match_the_schema():
    assert reference.drifted() == [], "run `python -m govlab.settings.reference --write` and commit the result"


def test_every_key_is_in_the_reference_page_under_its_section():
    text = DOCS.read_text(encoding="utf-8")
    for path, model in sections()[1:]:
        heading = f"## `{path.replace('workshops', 'workshops[]')}`"
        assert heading in text, heading
        table = text.split(heading, 1)[1].split("\n## ", 1)[0]
        for name in model.model_fields:
            assert f"| `{name}` |" in table, f"{path}.{name} is not in docs/settings.md"


def copy_repo_files(tmp_path: Path) -> Path:
    for rel in (reference.EXAMPLE_PATH, reference.DOCS_PATH):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, tmp_path / rel)
    return tmp_path


def check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "govlab.settings.reference", "--check", "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "rel, old, new",
    [
        pytest.param(
            reference.EXAMPLE_PATH, "# Where the hub listens.", "# The hub listens here.", id="example-comment"
        ),
        pytest.param(reference.DOCS_PATH, "Where the hub listens.", "The hub listens here.", id="docs-description"),
        pytest.param(reference.EXAMPLE_PATH, "  page_size: 24\n", "", id="example-key-dropped"),
    ],
)
def test_a_hand_edit_of_a_generated_file_fails_the_check(tmp_path, rel, old, new):
    root = copy_repo_files(tmp_path)
    assert check(root).returncode == 0
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = check(root)
    assert result.returncode == 1
    assert str(path) in result.stderr and "--write" in result.stderr


def test_regenerating_keeps_the_examples_values_and_comments_out_what_it_leaves_out(tmp_path):
    root = copy_repo_files(tmp_path)
    path = root / reference.EXAMPLE_PATH
    text = path.read_text(encoding="utf-8")
    assert "  page_size: 24\n" in text and "  # api_key: {env: GOVLAB_LLM_API_KEY}\n" in text
    path.write_text(
        text.replace("  page_size: 24\n", "  page_size: 30\n").replace("  topic: govlab\n", ""), encoding="utf-8"
    )
    assert reference.main(["--write", "--root", str(root)]) == 0
    written = path.read_text(encoding="utf-8")
    values = yaml.safe_load(written)
    assert values["gallery"]["page_size"] == 30
    assert "topic" not in values["gallery"]
    # A left-out key is still documented, commented out under its description.
    assert "  # The GitLab topic the share extension puts on every project.\n  # topic: govlab\n" in written
    assert check(root).returncode == 0


@pytest.mark.parametrize(
    "path, model",
    [(p, m) for p, m in sections() if m not in (settings.Settings, settings.AuthSettings)],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_sections_commented_out_example_is_valid(path, model):
    """What an operator gets by uncommenting a section of the example is accepted as is."""
    block = "\n".join(reference._section_lines(model, None, 0))
    data = yaml.safe_load(block)
    assert set(data) == set(model.model_fields)
    model.model_validate(data)


def uncomment(text: str, first: str) -> str:
    """Remove '# ' from the top-level block that starts with the line `first`."""
    lines = text.split("\n")
    start = lines.index(first)
    end = start + 1
    while end < len(lines) and lines[end].startswith("#   "):
        end += 1
    return "\n".join(lines[:start] + [line[2:] for line in lines[start:end]] + lines[end:])


def test_the_example_shows_every_left_out_section_as_a_block_to_uncomment():
    text = EXAMPLE.read_text(encoding="utf-8")
    blocks = ("# kubernetes:\n#   ", "  # shared_password:\n  #   ", "  # gitlab:\n  #   ", "# workshops:\n#   -\n")
    for block in blocks:
        assert block in text, block
    text = uncomment(uncomment(text, "# kubernetes:"), "# workshops:").replace("workshops: []\n", "", 1)
    data = yaml.safe_load(text)
    assert data["kubernetes"]["image"] == "registry.example.go.kr/govlab/lab:0.1.0"
    assert data["workshops"][0]["name"] == "cohort-a"
    env = {"GOVLAB_ADMIN_PASSWORD": "a" * 32}
    loaded = settings.parse(data)
    secrets = settings.resolve_secrets(loaded, env, REPO / "config", "example")
    settings.check_consistency(loaded, secrets, "example", env)
    assert loaded.workshops[0].seat_names[:2] == ["a-01", "a-02"]
