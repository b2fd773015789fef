"""GET /govlab-share/context."""

import json
import os

from .conftest import TOKEN_ENV


def test_context_lists_linked_chats_first(fetch, workspace):
    resp = fetch("govlab-share", "context", params={"path": "analysis/report.ipynb"})
    data = json.loads(resp.body)
    assert data["path"] == "analysis/report.ipynb"
    assert data["title"] == "민원 분석 보고서"  # first markdown heading
    assert data["default_visibility"] == "private"
    assert data["visibilities"] == ["private", "internal", "public"]
    assert data["configured"] is True and data["problem"] is None
    assert data["previous"] is None
    chats = {c["path"]: c for c in data["chats"]}
    # hidden and checkpoint folders are never offered
    assert set(chats) == {"report.chat", "chats/by-cell.chat", "other.chat"}
    assert chats["report.chat"]["linked"] is True  # notebook attachment
    assert chats["chats/by-cell.chat"]["linked"] is True  # attachment of one of its cells
    assert chats["other.chat"]["linked"] is False
    assert [c["linked"] for c in data["chats"]] == [True, True, False]
    assert chats["report.chat"]["messages"] == 2  # the deleted message is not counted
    assert chats["report.chat"]["title"] == "report"
    assert chats["report.chat"]["updated"].endswith("+00:00")


def test_context_title_falls_back_to_file_stem(fetch, workspace):
    nb = json.loads(workspace["notebook"].read_text())
    nb["cells"] = nb["cells"][1:]
    (workspace["root"] / "plain.ipynb").write_text(json.dumps(nb))
    resp = fetch("govlab-share", "context", params={"path": "plain.ipynb"})
    assert json.loads(resp.body)["title"] == "plain"


def test_context_not_configured_without_token(fetch, workspace, jp_serverapp):
    jp_serverapp.web_app.settings["govlab_share"]["environ"].pop(TOKEN_ENV)
    resp = fetch("govlab-share", "context", params={"path": "analysis/report.ipynb"})
    data = json.loads(resp.body)
    assert data["configured"] is False
    assert TOKEN_ENV in data["problem"]


def test_local_token_leaves_the_process_environment(fetch, workspace, gitlab_user):
    # Kernels and terminals inherit os.environ: the token must not be there for them.
    resp = fetch("govlab-share", "context", params={"path": "analysis/report.ipynb"})
    assert json.loads(resp.body)["configured"] is True
    assert TOKEN_ENV not in os.environ
