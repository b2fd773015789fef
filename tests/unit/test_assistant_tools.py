"""The agent's tools: policy, masking of results, approval in a real chat model, errors."""

from __future__ import annotations

import asyncio
import json

import nbformat
import pytest

from govlab.assistant import approval, tools
from govlab.assistant.config import AssistantConfig
from govlab.assistant.tools_mask import MAX_ROUNDS, WITHHELD, mask_text

RRN = "900101-1234568"  # a resident registration number with a valid check digit
AWS = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture(scope="module")
def stock_tools():
    """Jupyternaut's own toolkits, as its get_tools() lists them (without MCP)."""
    from jupyter_ai_jupyternaut.jupyternaut.toolkits.code_execution import toolkit as shell
    from jupyter_ai_jupyternaut.jupyternaut.toolkits.jupyterlab import toolkit as lab
    from jupyter_ai_jupyternaut.jupyternaut.toolkits.notebook import toolkit as nb

    return list(nb) + list(lab) + list(shell)


def names(offered):
    return sorted(t.name for t in offered)


NOTEBOOK = sorted(["read_notebook_cells", "add_cell", "edit_cell", "delete_cell", "create_notebook", "run_cell"])


@pytest.mark.parametrize(
    "policy, expected",
    [
        ("none", []),
        ("notebook", NOTEBOOK),
        ("notebook+shell", sorted(NOTEBOOK + ["bash"])),
    ],
)
def test_policy_decides_the_tools_offered(stock_tools, policy, expected):
    offered = tools.select(stock_tools, AssistantConfig(tools=policy))
    assert names(offered) == expected
    # Generic command execution in the browser is never offered.
    assert not {"open_file", "run_all_cells", "restart_kernel", "execute_command"} & set(names(offered))


def test_a_hand_edited_policy_falls_back_to_notebook(stock_tools):
    config = AssistantConfig.from_mapping({"tools": "everything"})
    assert names(tools.select(stock_tools, config)) == NOTEBOOK


def test_mask_hides_every_occurrence_and_keeps_the_rest():
    text = f"이름,주민번호\n홍길동,{RRN}\n" + "x" * 150 + f" {RRN} " + "y" * 150 + f"\nkey={AWS}\n합계 3건\n"
    masked, count = mask_text(text)
    assert RRN not in masked and AWS not in masked
    assert count == 3
    assert "홍길동,90" in masked and "합계 3건" in masked and "x" * 150 in masked
    assert masked.count("\n") == text.count("\n")


def test_mask_leaves_clean_text_alone():
    text = "매출 합계: 1,234,500원\n지역: 서울\n"
    assert mask_text(text) == (text, 0)


def test_mask_fails_closed_when_repeats_outrun_its_rounds():
    # The scanner reports a repeated value once per pass; past MAX_ROUNDS passes the
    # result is withheld rather than partly sent.
    masked, _ = mask_text("\n".join([RRN] * (MAX_ROUNDS + 5)))
    assert masked == WITHHELD


@pytest.fixture
def lab_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no server running: the working folder is the lab root
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"주민 = '{RRN}'"), nbformat.v4.new_markdown_cell("# 제목")]
    nbformat.write(nb, tmp_path / "분석.ipynb")
    return tmp_path


def governed(policy="notebook", **config):
    return {t.name: t for t in tools.select([], AssistantConfig(tools=policy, **config))}


def test_a_tool_result_reaches_the_model_masked(lab_root):
    result = asyncio.run(governed()["read_notebook_cells"].ainvoke({"notebook_path": "분석.ipynb"}))
    assert RRN not in result
    assert "90" in result and "****" in result
    assert "masked" in result


def test_privacy_guard_off_leaves_results_as_read(lab_root):
    result = asyncio.run(governed(privacy_guard="off")["read_notebook_cells"].ainvoke({"notebook_path": "분석.ipynb"}))
    assert RRN in result


def test_editing_tools_change_the_notebook_without_approval(lab_root):
    t = governed()
    added = json.loads(asyncio.run(t["add_cell"].ainvoke({"file_path": "분석.ipynb", "content": "print(1+1)"})))
    asyncio.run(t["edit_cell"].ainvoke({"file_path": "분석.ipynb", "cell_id": "1", "content": "# 새 제목"}))
    nb = nbformat.read(lab_root / "분석.ipynb", as_version=4)
    assert [c.source for c in nb.cells] == [f"주민 = '{RRN}'", "# 새 제목", "print(1+1)"]
    assert nb.cells[2].id == added["id"]


@pytest.mark.parametrize("path", ["../밖.ipynb", "/etc/passwd", "분석.ipynb/../../x.ipynb"])
def test_paths_outside_the_lab_are_refused(lab_root, path):
    result = asyncio.run(governed()["read_notebook_cells"].ainvoke({"notebook_path": path}))
    assert result.startswith("Tool error (PermissionError)")
    assert "랩 폴더 밖" in result


def test_a_failing_tool_answers_the_model_instead_of_raising(lab_root):
    result = asyncio.run(governed()["edit_cell"].ainvoke({"file_path": "분석.ipynb", "cell_id": "99", "content": "x"}))
    assert result.startswith("Tool error (ValueError)") and "not found" in result


@pytest.mark.parametrize(
    "body, decision",
    [
        ("허용", "allow"),
        (" 허용. ", "allow"),
        ("@AI도우미 허용", "allow"),
        ("allow", "allow"),
        ("거부", "deny"),
        ("Deny", "deny"),
        ("아니요", "deny"),
        ("허용해도 될까요? 먼저 설명해 주세요", None),
        ("", None),
        ("허용" * 30, None),
    ],
)
def test_answer_words(body, decision):
    assert approval.parse_answer(body) == decision


class _Persona:
    """Stands in for jupyter-ai's BasePersona: an id, a real chat model, send_message."""

    id = "jupyter-ai-personas::govlab::GovlabPersona"

    def __init__(self, chat, answer: str | list[str] | None):
        self.chat, self.sent = chat, []
        self.answers = [answer] if isinstance(answer, str) else list(answer or [])

    def send_message(self, body: str) -> None:
        from jupyterlab_chat.models import NewMessage

        self.sent.append(body)
        self.chat.add_message(NewMessage(body=body, sender=self.id))
        if self.answers:
            # The official answers a moment later, as a person in the chat.
            asyncio.get_running_loop().call_later(
                0.05, self.chat.add_message, NewMessage(body=self.answers.pop(0), sender="official")
            )


def _run_with_answer(tmp_path, answer, tool, args, **config):
    from jupyterlab_chat.websocket_model import WsChatModel

    chat = WsChatModel("대화.chat", tmp_path)
    chat.load_from_file()
    persona = _Persona(chat, answer)
    offered = {
        t.name: t for t in tools.select([_stock_bash()], AssistantConfig(tools="notebook+shell", **config), persona)
    }
    return persona, chat, asyncio.run(offered[tool].ainvoke(args))


def _stock_bash():
    from jupyter_ai_jupyternaut.jupyternaut.toolkits.code_execution import bash

    return bash


def test_a_shell_call_waits_for_approval_and_shows_the_command(lab_root):
    persona, chat, result = _run_with_answer(lab_root, "허용", "bash", {"command": "touch 만든파일"})
    assert "touch 만든파일" in persona.sent[0] and "허용" in persona.sent[0] and "거부" in persona.sent[0]
    assert (lab_root / "만든파일").exists()
    answer = [m for m in chat.get_messages() if m.sender == "official"][0]
    assert approval.was_answer(answer)


def test_a_refused_call_runs_nothing_and_tells_the_model(lab_root):
    _, _, result = _run_with_answer(lab_root, "거부", "bash", {"command": "touch 만든파일"})
    assert not (lab_root / "만든파일").exists()
    assert result.startswith("The official refused")


def test_an_unanswered_call_runs_nothing(lab_root, monkeypatch):
    monkeypatch.setattr(approval, "DEFAULT_TIMEOUT", 0.3)
    _, _, result = _run_with_answer(lab_root, None, "bash", {"command": "touch 만든파일"})
    assert not (lab_root / "만든파일").exists()
    assert result.startswith("The official did not answer")


def test_approve_never_runs_without_asking(lab_root):
    persona, _, _ = _run_with_answer(lab_root, None, "bash", {"command": "touch 만든파일"}, approve="never")
    assert persona.sent == []
    assert (lab_root / "만든파일").exists()


def test_without_a_chat_code_never_runs(lab_root):
    offered = {t.name: t for t in tools.select([_stock_bash()], AssistantConfig(tools="notebook+shell"))}
    result = asyncio.run(offered["bash"].ainvoke({"command": "touch 만든파일"}))
    assert not (lab_root / "만든파일").exists()
    assert "nothing was run" in result


def test_parallel_calls_are_asked_one_at_a_time(lab_root):
    # One 허용 approves one call: the second call gets its own request and its own 거부.
    from jupyterlab_chat.websocket_model import WsChatModel

    chat = WsChatModel("대화.chat", lab_root)
    chat.load_from_file()
    persona = _Persona(chat, ["허용", "거부"])
    bash = {t.name: t for t in tools.select([_stock_bash()], AssistantConfig(tools="notebook+shell"), persona)}["bash"]

    async def both():
        return await asyncio.gather(bash.ainvoke({"command": "touch 첫째"}), bash.ainvoke({"command": "touch 둘째"}))

    results = asyncio.run(both())
    assert len(persona.sent) == 2
    made = sorted(p.name for p in lab_root.iterdir() if p.name in ("첫째", "둘째"))
    assert len(made) == 1
    assert sum(r.startswith("The official refused") for r in results) == 1


def _state_after(ai_message, earlier=()):
    from langchain_core.messages import HumanMessage

    return {"messages": [HumanMessage(content="셀을 추가해 주세요", id="h1"), *earlier, ai_message]}


def test_an_unparsable_tool_call_is_removed_and_the_model_asked_again():
    from langchain_core.messages import AIMessage, HumanMessage

    from govlab.assistant.tools_middleware import NOTE_PREFIX, ToolCallGuard

    broken = AIMessage(
        content="",
        id="a1",
        invalid_tool_calls=[
            {"type": "invalid_tool_call", "name": "add_cell", "args": "{not json", "id": "c1", "error": None}
        ],
    )
    update = ToolCallGuard().after_model(_state_after(broken), None)
    repaired, note = update["messages"]
    assert update["jump_to"] == "model"
    assert repaired.id == "a1" and not repaired.invalid_tool_calls and not repaired.tool_calls
    assert isinstance(note, HumanMessage) and note.content.startswith(NOTE_PREFIX) and "add_cell" in note.content

    # After two retries in the same turn the official is told, and the turn ends.
    notes = [HumanMessage(content=NOTE_PREFIX + "retry", id=f"n{i}") for i in range(2)]
    update = ToolCallGuard().after_model(_state_after(broken, notes), None)
    assert update["jump_to"] == "end"
    assert "관리자" in update["messages"][-1].content and "administrator" in update["messages"][-1].content


def test_a_reply_with_valid_calls_passes_untouched():
    from langchain_core.messages import AIMessage

    from govlab.assistant.tools_middleware import ToolCallGuard

    fine = AIMessage(
        content="", id="a2", tool_calls=[{"name": "add_cell", "args": {"file_path": "a.ipynb"}, "id": "c2"}]
    )
    assert ToolCallGuard().after_model(_state_after(fine), None) is None
