# jupyter_server config of a local lab: apply the lab config the hub sends.
#
# Local labs run as the officials' own system users, who cannot read the hub's state
# directory: the hub passes the secret-free lab config as JSON in $GOVLAB_LAB_CONFIG
# (as in the container modes, images/lab/jupyter_server_config.py) and points
# JUPYTER_CONFIG_PATH at this directory, which every lab user can read.
import json
import os

from traitlets.config import Config

_raw = os.environ.get("GOVLAB_LAB_CONFIG")
if _raw:
    c.merge(Config(json.loads(_raw)))  # noqa: F821 (c is provided by jupyter_server)
