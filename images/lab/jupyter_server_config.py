# jupyter_server config of the lab image: apply the lab config the hub sends.
#
# The hub builds one secret-free config for every lab (govlab.labconfig) and, in the
# container modes, passes it as JSON in $GOVLAB_LAB_CONFIG. Sending it with the spawn
# (rather than baking it into the image or mounting a file) keeps one image for every
# deployment and every settings change.
import json
import os

from traitlets.config import Config

_raw = os.environ.get("GOVLAB_LAB_CONFIG")
if _raw:
    c.merge(Config(json.loads(_raw)))  # noqa: F821 (c is provided by jupyter_server)
