"""Only the govlab persona in a lab's chats.

jupyter-ai loads every persona registered under the `jupyter_ai.personas` entry point
(the stock Jupyternaut among them) plus persona files in `.jupyter/personas/`. Any of
them could be picked in the chat and would reach the model without the privacy guard,
the tool policy or the approvals. `PersonaManagerExtension.persona_manager_class` is
jupyter-ai's documented way to replace the manager; this one keeps only personas that
are, or derive from, `GovlabPersona`.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from types import SimpleNamespace

from jupyter_ai_persona_manager import PersonaManager
from jupyter_ai_persona_manager.persona_manager import SYSTEM_USERNAME, is_persona
from traitlets import Bool, Float, Unicode

from . import chat_file
from .config import PERSONA_ID

# The heavy module behind the govlab persona (langchain, litellm): imported on a chat's
# first use, in a worker thread, never at lab start (issue 14, govlab.assistant.lazy_stack).
PERSONA_MODULE = "govlab.assistant.persona"
READY_NOTICE = "AI 준비 중… 잠시 후 답변합니다. / Getting the assistant ready… it answers in a moment."
LOAD_FAILED = (
    "AI 도우미를 불러오지 못했습니다. 관리자에게 알려 주세요. / "
    "The assistant could not be loaded: tell your administrator."
)
LOAD_TIMED_OUT = (
    "AI 도우미 준비가 {seconds}초 안에 끝나지 않았습니다. 잠시 후 메시지를 다시 보내 주세요. "
    "계속되면 관리자에게 알려 주세요. / The assistant was not ready within {seconds} s. "
    "Send your message again in a moment; if this keeps happening, tell your administrator."
)
NOW_READY = "AI 도우미가 준비되었습니다. 질문을 보내 주세요. / The assistant is ready: send your question."
# One load per lab process, shared by every chat's manager and the prepare route.
_loading: asyncio.Future | None = None


def _load_persona_classes(log) -> None:
    """In a worker thread: the heavy persona module first, so Jupyternaut's persona class
    has its ConfigManager before any chat can see the classes, then the entry points."""
    importlib.import_module(PERSONA_MODULE)
    _bind_config_manager()
    # Upstream's loader reads nothing of its instance but `log` (pinned with its version
    # in tests/unit/test_assistant_lazy_stack.py); it sets PersonaManager's class list.
    PersonaManager._init_ep_persona_classes(SimpleNamespace(log=log))


def start_loading(log) -> asyncio.Future:
    """Start loading the persona classes (and with them the model stack) for the whole
    lab, off the event loop, unless a load is under way or done; a failed load is
    started again. Called by a chat's first use and by the prepare route (the official
    showed the chat panel: govlab.assistant.prepare)."""
    global _loading
    if _loading is None or (_loading.done() and (_loading.cancelled() or _loading.exception() is not None)):
        _loading = asyncio.ensure_future(asyncio.to_thread(_load_persona_classes, log))
        _loading.add_done_callback(lambda done: _log_failure(log, done))
    return _loading


def _log_failure(log, done: asyncio.Future) -> None:
    # Also marks the error as seen when nobody awaits the load (a prepare without a chat).
    if not done.cancelled() and done.exception() is not None:
        log.error("govlab: the assistant's model stack did not load: %r", done.exception())


def forget_failed_load() -> None:
    """The next start_loading loads again (a chat's personas could not be set up)."""
    global _loading
    _loading = None


def loading_state() -> str:
    """The load as the prepare route tells it: ready, loading, failed or not_started."""
    if PersonaManager._ep_persona_classes is not None:
        return "ready"
    if _loading is None:
        return "not_started"
    if not _loading.done():
        return "loading"
    return "failed"


class GovlabPersonaManager(PersonaManager):
    # jupyter-ai reads the page's default persona from this class's own config or
    # trait default (PersonaManagerExtension._default_persona_id), not PersonaManager's.
    default_persona_id = Unicode(
        PERSONA_ID,
        allow_none=True,
        config=True,
        help="The persona every new chat message goes to: the govlab persona.",
    )
    allow_other_personas = Bool(
        False,
        config=True,
        help="Also offer personas other than the govlab persona (the stock Jupyternaut, "
        "local persona files). Off: every message passes the govlab privacy guard.",
    )
    stack_load_timeout = Float(
        120.0,
        config=True,
        help="Seconds a message waits for the model stack to load; then the official is told "
        "to send it again (the load goes on, and the chat says when the assistant is ready).",
    )

    def __init__(self, *args, chat, root_dir: str, **kwargs):
        # First, before anything can write to the chat: a file jupyterlab-chat could not
        # read is copied aside (govlab.assistant.chat_file), then the official is told.
        backup, failure = None, None
        try:
            backup = chat_file.rescue(root_dir, chat.get_path())
        except OSError as e:
            failure = e
        # Until the model stack is loaded, messages wait here (with a notice to the official).
        self._queued: list = []
        self._told_loading = False
        self._ready = self._stack_ready()
        self._loader: asyncio.Task | None = None
        self._timed_out = False
        self._wait_round = 0  # each batch of waiting messages gets its own bound
        super().__init__(*args, chat=chat, root_dir=root_dir, **kwargs)
        if not self._ready:
            self._loader = self.event_loop.create_task(self._load_stack())
        if failure is not None:
            # No copy: writing the notice would replace the only bytes left, so nothing is written.
            self.log.error(
                "govlab: chat file %s is not valid JSON and could not be copied aside: %s", chat.get_path(), failure
            )
        elif backup:
            self.log.warning(
                "govlab: chat file %s is not valid JSON; its bytes are kept in %s", chat.get_path(), backup
            )
            self._tell(chat_file.notice(chat.get_path(), backup))

    def _tell(self, body: str) -> None:
        persona = self.default_persona
        if persona is not None:
            persona.send_message(body)
        else:
            self.send_system_message(body)

    @staticmethod
    def _stack_ready() -> bool:
        return PersonaManager._ep_persona_classes is not None

    async def _load_stack(self) -> None:
        """Load the persona classes (and with them the model stack) off the event loop,
        then set up this chat's personas and answer what waited."""
        try:
            await asyncio.shield(start_loading(self.log))
            # Inside the try: a persona that fails to set up is told like a failed load,
            # not left to the wait's bound over and over.
            self._init_persona_classes()
            self._personas = self._init_personas()
            self._publish_persona_list()
        except Exception:
            self.log.exception("govlab: could not load the assistant's persona classes")
            forget_failed_load()
            self._loader = None  # the next message tries again
            self._give_up(LOAD_FAILED)
            return
        self._ready = True
        queued, self._queued = self._queued, []
        for _chat_id, message in queued:
            persona_id = (message.metadata or {}).get(self.TO_PERSONA_METADATA_KEY)
            # A message sent before any persona was listed names none: the default answers.
            persona = self.personas.get(persona_id) if persona_id else self.default_persona
            if persona is not None:
                self.event_loop.create_task(persona.on_message(message))
        if self._timed_out:
            self.send_system_message(NOW_READY)

    async def _bound_wait(self, round_: int) -> None:
        """The messages waiting for the stack wait at most `stack_load_timeout` seconds."""
        await asyncio.sleep(self.stack_load_timeout)
        if not self._ready and self._queued and round_ == self._wait_round:
            self.log.error("govlab: the assistant's persona classes took over %s s to load", self.stack_load_timeout)
            self._timed_out = True
            self._give_up(LOAD_TIMED_OUT.format(seconds=round(self.stack_load_timeout)))

    def _give_up(self, notice: str) -> None:
        """Tell the official and drop what waited (they send it again): the next message
        starts a new bounded wait."""
        self.send_system_message(notice)
        self._queued.clear()
        self._told_loading = False
        self._wait_round += 1

    def on_chat_message(self, chat_id: str, message) -> None:
        if self._ready:
            return super().on_chat_message(chat_id, message)
        if message.sender == SYSTEM_USERNAME or is_persona(message.sender or ""):
            return None
        self._queued.append((chat_id, message))
        if self._loader is None:
            self._loader = self.event_loop.create_task(self._load_stack())
        if not self._told_loading:
            self._told_loading = True
            self.send_system_message(READY_NOTICE)
            self.event_loop.create_task(self._bound_wait(self._wait_round))
        return None

    def _init_persona_classes(self) -> None:
        if not self._stack_ready():
            # Entry points import the persona module, and with it litellm: _load_stack
            # does that in a worker thread. Local persona files are read then too.
            return
        super()._init_persona_classes()
        # The entry-point list is a class attribute shared with every PersonaManager of
        # the process (jupyter-ai's REST route builds plain ones): filter it each time,
        # whoever loaded it first.
        if not self.allow_other_personas:
            PersonaManager._ep_persona_classes = self._only_govlab(PersonaManager._ep_persona_classes or [])

    def _only_govlab(self, items: list[dict]) -> list[dict]:
        from .persona import GovlabPersona

        kept, dropped = [], []
        for item in items:
            cls = item.get("persona_class")
            if isinstance(cls, type) and issubclass(cls, GovlabPersona):
                kept.append(item)
            else:
                dropped.append(str(item.get("module")))
        if dropped:
            self.log.info("govlab: personas not offered in this lab: %s", ", ".join(dropped))
        return kept

    def _init_local_persona_classes(self) -> None:
        if self.allow_other_personas:
            super()._init_local_persona_classes()


def _bind_config_manager() -> None:
    """Jupyternaut's persona class gets the lab's ConfigManager (upstream's extension
    sets it at start; govlab.assistant.lazy_stack keeps it until the class is loaded)."""
    module = sys.modules.get("jupyter_ai_jupyternaut.jupyternaut.jupyternaut")
    if module is None:
        return
    try:
        from . import lazy_stack
    except ImportError:  # upstream's extension is running instead and has bound it
        return
    lazy_stack.bind_config_manager(module.JupyternautPersona)
