"""What the hub relies on in the lab image (images/lab/Dockerfile), in one place.

The docker, swarm and Kubernetes builders all start the same image; if the image
changes its user, home, command or config variable, this module changes with it.
"""

LAB_UID = 1000
LAB_GID = 1000
LAB_HOME = "/home/govlab"
# The image's entry point hands out starter notebooks, then runs this.
LAB_CMD = ["jupyterhub-singleuser"]
# The lab's jupyter_server config, as JSON (applied by images/lab/jupyter_server_config.py).
LAB_CONFIG_ENV = "GOVLAB_LAB_CONFIG"
