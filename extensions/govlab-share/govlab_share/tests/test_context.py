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


def test_context_gives_each_chat_its_first_user_message(fetch, workspace):
    from .conftest import make_chat, write_json

    long_question = "월별   민원\n건수를\t" + "가" * 200  # whitespace collapsed, cut at 120
    write_json(workspace["root"] / "long.chat", make_chat("analysis/report.ipynb", body=long_question))
    data = json.loads(fetch("govlab-share", "context", params={"path": "analysis/report.ipynb"}).body)
    chats = {c["path"]: c for c in data["chats"]}
    assert chats["report.chat"]["preview"] == "그래프를 설명해줘"  # the user's, not Jupyternaut's
    assert chats["other.chat"]["preview"] == "다른 이야기"
    preview = chats["long.chat"]["preview"]
    assert preview.startswith("월별 민원 건수를 가") and len(preview) == 120


def test_context_suggests_imported_modules_and_read_files(fetch, workspace):
    from .conftest import make_notebook, write_json

    root = workspace["root"]
    code = (
        "import pandas as pd\nimport helpers\nfrom tools import clean\n"
        "df = pd.read_csv('data/민원.csv')\nx = pd.read_excel(\"통계.xlsx\")\n"
        "open('missing.csv')\nopen('../outside.csv')\nopen('.env')\n"
    )
    write_json(
        root / "analysis" / "uses.ipynb",
        make_notebook(
            [
                {
                    "cell_type": "code",
                    "id": "c1",
                    "metadata": {},
                    "execution_count": None,
                    "source": code,
                    "outputs": [],
                },
            ]
        ),
    )
    (root / "analysis" / "helpers.py").write_text("def f():\n    return 1\n")
    (root / "analysis" / "tools.py").write_text("def clean(x):\n    return x\n")
    (root / "analysis" / "data").mkdir()
    (root / "analysis" / "data" / "민원.csv").write_text("월,건수\n1,3\n")
    (root / "analysis" / "통계.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    (root / "outside.csv").write_text("a\n")
    (root / "analysis" / ".env").write_text("X=1\n")
    data = json.loads(fetch("govlab-share", "context", params={"path": "analysis/uses.ipynb"}).body)
    assert data["suggested_files"] == [
        {"path": "analysis/helpers.py", "size": len("def f():\n    return 1\n"), "reason": "import"},
        {"path": "analysis/tools.py", "size": len("def clean(x):\n    return x\n"), "reason": "import"},
        {"path": "analysis/data/민원.csv", "size": len("월,건수\n1,3\n".encode()), "reason": "read"},
        {"path": "analysis/통계.xlsx", "size": 64, "reason": "read"},
    ]
    assert data["budgets"]["scan"] > 0 and data["budgets"]["upload"] > 0
