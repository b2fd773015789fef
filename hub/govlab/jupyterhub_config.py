# JupyterHub configuration for govlab: only loads the deployment settings file.
# (Run by `govlab start`; config/jupyterhub_config.py points here.)
#
# The settings file is the one named by $GOVLAB_SETTINGS (`govlab start --config`
# sets it), else config/govlab.yaml, else config/govlab.example.yaml. Everything is
# derived from it by govlab.hubconfig. For what the settings cannot express, put
# Python files in the directory named by `hub.extra_config_dir`: they are loaded
# after this one, in name order, and see the same `c`.
from govlab.hubsetup import configure

for extra in configure(c):  # noqa: F821 (c is provided by JupyterHub)
    load_subconfig(extra)  # noqa: F821
