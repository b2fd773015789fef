"""govlab: an AI notebook lab for public officials (hub-side package and CLI)."""

from ._version import __version__

__all__ = ["__version__"]
