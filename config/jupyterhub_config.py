# JupyterHub configuration for govlab, for `jupyterhub -f config/jupyterhub_config.py`.
#
# `govlab start` loads the same file from the installed govlab package (the hub image
# has no checkout); this one only points there, so the two can never differ.
from govlab.hubsetup import PACKAGED_JUPYTERHUB_CONFIG

load_subconfig(str(PACKAGED_JUPYTERHUB_CONFIG))  # noqa: F821 (provided by JupyterHub)
