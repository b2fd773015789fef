"""Imported by the scan fork server (``_runner``): build the detect-secrets engine
once there, so every forked scan worker starts warm."""

from ._secrets import get_engine

get_engine()
