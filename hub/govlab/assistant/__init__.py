"""The govlab assistant: a jupyter-ai persona for officials (Korean instructions,
a privacy guard on every outgoing message, only the configured model, clear failures).

Kept import-light: the hub imports `govlab.assistant.config`; only the lab process
imports the persona (which pulls in jupyter-ai and litellm).
"""
