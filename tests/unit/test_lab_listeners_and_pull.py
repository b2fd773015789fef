"""Lab config for issue 12 items 3-4: no MCP listener, nbgitpuller replaced, and where
git-pull links may pull from (`sharing.pull_hosts`, workshops' materials hosts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlab import settings
from govlab.labconfig import lab_server_config


def loaded(data: dict) -> settings.LoadedSettings:
    data.setdefault("auth", {}).setdefault("shared_password", {"user_password": {"env": "P"}})
    return settings.LoadedSettings(
        settings=settings.parse(data),
        secrets=settings.Secrets(user_password="user-pass"),
        source=Path("/etc/govlab/govlab.yaml"),
        state_dir=Path("/state"),
    )


def test_the_mcp_server_and_nbgitpullers_handlers_are_off_in_every_lab():
    lab = lab_server_config(loaded({}))
    extensions = lab["ServerApp"]["jpserver_extensions"]
    assert extensions["jupyter_server_mcp"] is False and extensions["nbgitpuller"] is False
    # No persona connects to an MCP port another lab's code could be listening on.
    assert lab["PersonaManager"]["builtin_mcp_servers"] == []
    # Kernels' ZMQ ports are encrypted and authenticated (CurveZMQ).
    assert lab["KernelManager"]["transport_encryption"] == "required"


def test_pull_hosts_and_workshop_materials_hosts_reach_the_lab():
    lab = lab_server_config(
        loaded(
            {
                "sharing": {
                    "gitlab_url": "https://gitlab.example.go.kr",
                    "pull_hosts": ["https://git.example.go.kr/edu/", "https://github.com/govlab-kr"],
                },
                "workshops": [
                    {"name": "edu", "seats": 2, "materials_repo": "https://lms.example.go.kr/x/materials.git"}
                ],
            }
        )
    )
    assert lab["GovlabGitPull"]["allowed_urls"] == [
        "https://git.example.go.kr/edu",
        "https://github.com/govlab-kr",
        "https://lms.example.go.kr",
    ]
    assert lab["GovlabShare"]["gitlab_url"] == "https://gitlab.example.go.kr"  # the lab allows it too


@pytest.mark.parametrize(
    "bad",
    [
        "http://git.example.go.kr",
        "git.example.go.kr",
        "https://user:pw@git.example.go.kr",
        "file:///srv/git",
        "https://git.example.go.kr/a b",
    ],
)
def test_pull_hosts_must_be_https_base_urls(bad):
    with pytest.raises(settings.SettingsError) as e:
        settings.parse({"sharing": {"pull_hosts": [bad]}})
    assert "sharing.pull_hosts" in str(e.value) and "https" in str(e.value)


def test_the_persona_starts_no_mcp_server_a_pulled_folder_names(tmp_path, monkeypatch):
    """A pulled repository may carry `.jupyter/mcp_settings.json`; Jupyternaut would run
    its stdio server's command for every reply in that folder. The govlab persona reads none."""
    import asyncio
    import json
    import logging

    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network fetch at import
    from jupyter_ai_jupyternaut.jupyternaut.jupyternaut import JupyternautPersona

    from govlab.assistant.persona import GovlabPersona

    marker = tmp_path / "planted"
    (tmp_path / "repo" / ".jupyter").mkdir(parents=True)
    (tmp_path / "repo" / ".jupyter" / "mcp_settings.json").write_text(
        json.dumps(
            {"mcp_servers": [{"type": "stdio", "name": "x", "command": "sh", "args": ["-c", f"touch {marker}"]}]}
        )
    )
    monkeypatch.chdir(tmp_path / "repo")
    persona = GovlabPersona.__new__(GovlabPersona)  # only what Jupyternaut's get_tools touches
    persona.log = logging.getLogger("test")
    persona.get_dotjupyter_dir = lambda: str(tmp_path / "repo" / ".jupyter")
    stock = asyncio.run(JupyternautPersona.get_tools(persona))
    assert persona.get_mcp_settings() is None
    assert not marker.exists()
    assert all("mcp" not in type(t).__module__.lower() for t in stock)


def test_our_own_open_links_pass_the_git_pull_checks(tmp_path):
    """The gallery's and the README's "내 실험실에서 열기" and workshop hand-out links land
    on the confirmation page, not on a refusal."""
    from types import SimpleNamespace
    from urllib.parse import parse_qsl, urlsplit

    from govlab.gallery.app import pull_url
    from govlab.workshop.handout import nbgitpuller_link
    from govlab_share.gitpull_rules import check
    from govlab_share.taskdoc import DocMeta, open_in_lab_url

    gitlab = "https://gitlab.example.go.kr"
    ld = loaded(
        {
            "sharing": {"gitlab_url": gitlab},
            "workshops": [{"name": "edu", "seats": 2, "materials_repo": "https://lms.example.go.kr/x/자료.git"}],
        }
    )
    allowed = [gitlab, *lab_server_config(ld)["GovlabGitPull"]["allowed_urls"]]
    entry = SimpleNamespace(
        path_with_namespace="shared/notebook-abc123",
        default_branch="main",
        http_url_to_repo=f"{gitlab}/shared/notebook-abc123.git",
    )
    meta = DocMeta(
        title="t",
        description="d",
        author="kim",
        agency="a",
        shared_at="2026-01-01",
        ai_model="m",
        notebook="보고서.ipynb",
        source_path="보고서.ipynb",
        branch="main",
        repo_name="notebook-abc123",
        clone_url=f"{gitlab}/shared/notebook-abc123.git",
        web_url=f"{gitlab}/shared/notebook-abc123",
        hub_public_url="https://lab.example.go.kr",
    )
    links = [
        pull_url("https://lab.example.go.kr/", entry, SimpleNamespace(notebook="보고서.ipynb")),
        open_in_lab_url(meta),
        nbgitpuller_link("https://lab.example.go.kr", "https://lms.example.go.kr/x/자료.git", "main", "01.ipynb"),
    ]
    for link in links:
        assert urlsplit(link).path.endswith("/git-pull"), link
        req = check(dict(parse_qsl(urlsplit(link).query)), allowed, str(tmp_path))
        assert req.urlpath.startswith(f"lab/tree/{req.targetpath}"), (link, req)
