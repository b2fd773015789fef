"""Only the govlab persona in a lab's chats.

jupyter-ai loads every persona registered under the `jupyter_ai.personas` entry point
(the stock Jupyternaut among them) plus persona files in `.jupyter/personas/`. Any of
them could be picked in the chat and would reach the model without the privacy guard,
the tool policy or the approvals. `PersonaManagerExtension.persona_manager_class` is
jupyter-ai's documented way to replace the manager; this one keeps only personas that
are, or derive from, `GovlabPersona`.
"""

from __future__ import annotations

from jupyter_ai_persona_manager import PersonaManager
from traitlets import Bool, Unicode

from . import chat_file
from .config import PERSONA_ID


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

    def __init__(self, *args, chat, root_dir: str, **kwargs):
        # First, before anything can write to the chat: a file jupyterlab-chat could not
        # read is copied aside (govlab.assistant.chat_file), then the official is told.
        backup, failure = None, None
        try:
            backup = chat_file.rescue(root_dir, chat.get_path())
        except OSError as e:
            failure = e
        super().__init__(*args, chat=chat, root_dir=root_dir, **kwargs)
        if failure is not None:
            # No copy: writing the notice would replace the only bytes left, so nothing is written.
            self.log.error("govlab: chat file %s is not valid JSON and could not be copied aside: %s",
                           chat.get_path(), failure)
        elif backup:
            self.log.warning("govlab: chat file %s is not valid JSON; its bytes are kept in %s",
                             chat.get_path(), backup)
            self._tell(chat_file.notice(chat.get_path(), backup))

    def _tell(self, body: str) -> None:
        persona = self.default_persona
        if persona is not None:
            persona.send_message(body)
        else:
            self.send_system_message(body)

    def _init_persona_classes(self) -> None:
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
