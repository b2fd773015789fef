"""Run a coroutine to completion from synchronous test code (the extension's helper)."""

from govlab_share.testing.aio import run

__all__ = ["run"]
