"""A loopback OpenAI-compatible model server for tests (see app.py, fixture.py)."""

from .app import ModelServer, cut, error, hang, text, tool_call, tool_calls

__all__ = ["ModelServer", "cut", "error", "hang", "text", "tool_call", "tool_calls"]
