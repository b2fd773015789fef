"""The lazy model stack (issue 14): the lab starts without litellm, and the shim in
govlab.assistant.lazy_stack is pinned to the jupyter-ai versions it was checked against.

Each check runs in a fresh interpreter: what a lab process imports at start is the point.
An upgrade of jupyter-ai that changes what the shim relies on fails here, loudly.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from govlab.assistant import lazy_stack, prepare
from govlab.labconfig import LAZY_MODEL_STACK

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("litellm", "langchain", "langchain_litellm", "openai", "langgraph")


def _run(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pinned(name: str) -> str:
    text = (ROOT / "requirements" / "constraints.txt").read_text()
    m = re.search(rf"^{re.escape(name)}==(\S{{1,40}})$", text, re.M | re.I)
    assert m, f"{name} is not pinned in requirements/constraints.txt"
    return m.group(1)


@pytest.mark.parametrize("name", sorted(lazy_stack.CHECKED_VERSIONS))
def test_the_shim_was_checked_against_the_pinned_and_installed_versions(name):
    checked = lazy_stack.CHECKED_VERSIONS[name]
    assert _pinned(name) == checked, (
        f"{name} is pinned to {_pinned(name)} but govlab.assistant.lazy_stack was checked against "
        f"{checked}: re-check the shim (routes, config traits, package __init__) and update CHECKED_VERSIONS"
    )
    assert version(name) == checked


def test_the_lab_extensions_and_the_persona_manager_load_without_the_model_stack():
    found = _run(
        "import sys, json\n"
        "import govlab.assistant.lazy_stack, govlab.assistant.persona_manager, govlab.assistant.chat_open\n"
        "import jupyter_ai_persona_manager, jupyter_ai_router, jupyterlab_chat\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    assert found == []


def test_upstream_still_loads_the_stack_at_import_so_the_shim_is_still_needed():
    # When this fails, jupyter-ai loads litellm lazily itself: drop the shim and turn
    # jupyter_ai_jupyternaut / jupyter_ai_litellm back on in govlab.labconfig.
    for module in lazy_stack.REPLACED_EXTENSIONS:
        assert _run(f"import sys, json, {module}\nprint(json.dumps('litellm' in sys.modules))") is True, module


def test_the_shim_serves_every_upstream_route_and_config_trait():
    upstream = _run(
        "import json, inspect\n"
        "from jupyter_ai_jupyternaut.extension_app import JupyternautExtension as U\n"
        "import jupyter_ai_litellm.handlers as h\n"
        "src = inspect.getsource(h.setup_handlers)\n"
        "print(json.dumps({'routes': [r for r, _ in U.handlers], 'name': U.__name__,\n"
        "  'traits': sorted(U.class_own_traits(config=True)), 'litellm_route': 'api/ai/models/chat' in src,\n"
        "  'settings': [k for k in ('jupyternaut.config_manager', 'jupyternaut.secrets_manager')\n"
        "               if k in inspect.getsource(U.initialize_settings)]}))"
    )
    ours = lazy_stack.JupyternautExtension
    assert ours.__name__ == upstream["name"]  # the same `JupyternautExtension` config section
    ours_routes = {r for r, _ in ours.handlers} - {prepare.ROUTE}  # govlab's own, on top
    assert set(upstream["routes"]) | {r"api/ai/models/chat(?:\?.*)?"} == ours_routes
    assert upstream["litellm_route"]
    assert set(upstream["traits"]) <= set(ours.class_own_traits(config=True))
    assert len(upstream["settings"]) == 2


def test_every_lab_runs_the_shim_instead_of_the_upstream_extensions():
    assert LAZY_MODEL_STACK == {
        "jupyter_ai_jupyternaut": False,
        "jupyter_ai_litellm": False,
        "govlab.assistant.lazy_stack": True,
    }
    for module_name, class_name in lazy_stack.LAZY_ROUTES.values():
        cls = _run(f"import json, {module_name} as m\nprint(json.dumps(hasattr(m, {class_name!r})))")
        assert cls is True, f"{module_name}.{class_name} is gone: update LAZY_ROUTES"


def test_the_shared_load_calls_upstreams_loader_with_nothing_but_a_log():
    # govlab.assistant.persona_manager runs PersonaManager._init_ep_persona_classes with
    # an object holding only `log` (the prepare route has no manager yet). When upstream's
    # loader reads anything else of its instance, that has to change.
    import inspect

    from jupyter_ai_persona_manager import PersonaManager

    source = inspect.getsource(PersonaManager._init_ep_persona_classes)
    assert set(re.findall(r"\bself\.(\w+)", source)) == {"log"}
    assert "PersonaManager._ep_persona_classes =" in source
