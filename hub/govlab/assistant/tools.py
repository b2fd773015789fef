"""The agent's tools under the operator's policy (`llm.tools`), with approval and masking.

    tools = select(await super().get_tools(), config, persona)   # in the persona's get_tools()

- Policy. `none`: no tool. `notebook`: read, add, edit and delete cells, create a
  notebook, run a cell (govlab's notebook tools, see tools_notebook). `notebook+shell`:
  also Jupyternaut's `bash`. Never offered: JupyterLab commands (`open_file`,
  `run_all_cells`, `restart_kernel`: generic command execution in the browser) and MCP
  tools (their effects are unknown to the policy).
- Approval. A call that executes code (`run_cell`, `bash`) waits for the official's 허용 /
  거부 in the chat (approval.ask), unless the operator chose `approve: never`. Refused or
  unanswered: nothing runs and the model is told so.
- Masking. Every tool result passes the share's scanner; blocking findings are masked
  before the result goes back to the model (tools_mask), unless `privacy_guard: off`.
- Errors. A failing tool returns a short message to the model instead of ending the turn.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

from . import approval, tools_notebook
from .tools_mask import mask_result

log = logging.getLogger(__name__)

NOTEBOOK_TOOLS = tuple(t.__name__ for t in tools_notebook.TOOLS)
SHELL_TOOLS = ("bash",)
# Tools whose call runs code: each waits for the official's approval.
EXECUTING = frozenset({"run_cell", "bash"})

REFUSED = (
    "The official refused this call in the chat; nothing was run. Do not retry it unless "
    "the official asks. / 사용자가 실행을 거부해 아무것도 실행하지 않았습니다."
)
UNANSWERED = (
    "The official did not answer the approval request in time; nothing was run. Ask them "
    "whether to try again. / 승인 요청에 답이 없어 아무것도 실행하지 않았습니다."
)
NO_CHAT = "This call needs the official's approval, which cannot be asked here; nothing was run."


def tool_name(tool: Any) -> str:
    return tool.name if isinstance(tool, BaseTool) else getattr(tool, "__name__", "")


def allowed_names(policy: str) -> tuple[str, ...]:
    """Tool names offered to the model under `policy` (unknown policy: the safe default)."""
    if policy == "none":
        return ()
    if policy == "notebook+shell":
        return NOTEBOOK_TOOLS + SHELL_TOOLS
    return NOTEBOOK_TOOLS


def _as_text(result: Any) -> str:
    if isinstance(result, str):
        return result
    try:
        return json.dumps(result, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(result)


def _error_text(exc: BaseException) -> str:
    # The exception's message only: no traceback, no paths outside what the model asked.
    return f"Tool error ({type(exc).__name__}): {exc}. Check the arguments and try again."


class _Governor:
    """What every governed call shares: the config, the persona, the masking."""

    def __init__(self, config: Any, persona: Any) -> None:
        self.config = config
        self.persona = persona
        self.approve = getattr(config, "approve", "always") != "never"
        self.mask = getattr(config, "privacy_guard", "block") != "off"
        self.approval_timeout = float(getattr(config, "approval_timeout", approval.DEFAULT_TIMEOUT))

    async def finish(self, name: str, result: Any) -> str:
        text = _as_text(result)
        if not self.mask:
            return text
        masked, count = await mask_result(text)
        if count:
            log.info("govlab: masked %d finding(s) in the result of %s", count, name)
            masked += (
                f"\n[govlab: 개인정보·비밀 {count}건을 가렸습니다 / {count} sensitive value(s) masked; "
                "do not ask for them]"
            )
        return masked

    async def allowed(self, what_ko: str, what_en: str, code: str, language: str) -> str | None:
        """None if the call may run; else the text the model gets instead."""
        if not self.approve:
            return None
        if self.persona is None or getattr(self.persona, "chat", None) is None:
            return NO_CHAT
        decision = await approval.ask(
            self.persona, what_ko, what_en, code, language=language, timeout=self.approval_timeout
        )
        return {"allow": None, "deny": REFUSED}.get(decision, UNANSWERED)


def _governed(template: Any, run: Callable[..., Awaitable[Any]], gov: _Governor) -> StructuredTool:
    """A tool with `template`'s name, description and arguments whose call is `run`,
    its result masked and its errors told to the model."""
    base = template if isinstance(template, BaseTool) else StructuredTool.from_function(coroutine=template)
    name = base.name

    async def call(**kwargs: Any) -> str:
        try:
            result = await run(**kwargs)
        except Exception as exc:  # the model gets the reason; the lab carries on
            log.info("govlab: tool %s failed: %s", name, exc)
            return _error_text(exc)
        return await gov.finish(name, result)

    return StructuredTool(name=name, description=base.description, args_schema=base.args_schema, coroutine=call)


def _run_cell(gov: _Governor) -> Callable[..., Awaitable[Any]]:
    async def run(file_path: str, cell_id: str) -> Any:
        # The code shown is the code that runs: read once, approved, then executed as is.
        code = await tools_notebook.cell_code(file_path, cell_id)
        refusal = await gov.allowed(
            f"노트북 `{file_path}`의 셀을 실행하려고 합니다.",
            f"The assistant wants to run a cell of `{file_path}`.",
            code,
            "python",
        )
        if refusal:
            return refusal
        return await tools_notebook.execute_cell(file_path, cell_id, code)

    return run


def _bash(gov: _Governor, stock: Any) -> Callable[..., Awaitable[Any]]:
    async def run(command: str, timeout: int | None = None) -> Any:
        refusal = await gov.allowed(
            "셸 명령을 실행하려고 합니다.", "The assistant wants to run a shell command.", command, "bash"
        )
        if refusal:
            return refusal
        if isinstance(stock, BaseTool):
            return await stock.ainvoke({"command": command, "timeout": timeout})
        return await stock(command=command, timeout=timeout)

    return run


def select(tools: list, config: Any, persona: Any = None) -> list:
    """The tools offered to the model under `config.tools`, each governed.

    `tools` is Jupyternaut's list (its `get_tools()`); the notebook tools are govlab's
    (see tools_notebook), `bash` is Jupyternaut's behind the approval.
    """
    names = allowed_names(getattr(config, "tools", "notebook"))
    gov = _Governor(config, persona)
    stock = {tool_name(t): t for t in tools}
    offered: list = []
    for fn in tools_notebook.TOOLS:
        if fn.__name__ not in names:
            continue
        run = _run_cell(gov) if fn.__name__ == "run_cell" else fn
        offered.append(_governed(fn, run, gov))
    if "bash" in names and "bash" in stock:
        offered.append(_governed(stock["bash"], _bash(gov, stock["bash"]), gov))
    dropped = sorted(set(stock) - {tool_name(t) for t in offered})
    if dropped:
        log.debug("govlab: tools not offered under policy %s: %s", getattr(config, "tools", "?"), dropped)
    return offered
