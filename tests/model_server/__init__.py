"""The loopback OpenAI-compatible model server (govlab_share.testing.model_server) and
its pytest fixtures (fixture.py), under the name the repository's tests use."""

from govlab_share.testing.model_server import ModelServer, cut, error, hang, text, tool_call, tool_calls

__all__ = ["ModelServer", "cut", "error", "hang", "text", "tool_call", "tool_calls"]
