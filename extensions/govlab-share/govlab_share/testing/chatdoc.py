"""The jupyterlab-chat file shape (``WsChatRoom.to_dict``) for tests and benchmarks.

One builder for the document around the messages: the users table (an official as
``user-1`` and Jupyternaut), the attachments table and the metadata. Callers pass the
messages, which are what they vary.
"""

from __future__ import annotations

JUPYTERNAUT = "jupyter-ai-personas::jupyter_ai_jupyternaut::JupyternautPersona"
NOTEBOOK_MIME = "application/x-ipynb+json"


def official(name: str = "김민수") -> dict:
    """The users-table entry of the official who chats (``user-1``)."""
    return {
        "username": "user-1",
        "name": name,
        "display_name": name,
        "initials": name[:1],
        "avatar_url": None,
        "color": None,
        "bot": False,
    }


def jupyternaut(avatar_url: str | None = None) -> dict:
    """The users-table entry of jupyter-ai's Jupyternaut persona."""
    return {
        "username": JUPYTERNAUT,
        "name": "Jupyternaut",
        "display_name": "Jupyternaut",
        "initials": "J",
        "avatar_url": avatar_url,
        "color": None,
        "bot": True,
    }


def notebook_attachment(path: str) -> dict:
    """A chat attachment pointing at a notebook by its lab-relative path."""
    return {"value": path, "type": "notebook", "mimetype": NOTEBOOK_MIME}


def chat_document(
    messages: list[dict],
    *,
    users: dict | None = None,
    attachments: dict | None = None,
    chat_id: str = "chat-id",
    metadata: dict | None = None,
) -> dict:
    """A chat file: `users` defaults to the official and Jupyternaut, `metadata` to ``{"id": chat_id}``."""
    return {
        "messages": messages,
        "users": users if users is not None else {"user-1": official(), JUPYTERNAUT: jupyternaut()},
        "attachments": attachments if attachments is not None else {},
        "metadata": metadata if metadata is not None else {"id": chat_id},
    }
