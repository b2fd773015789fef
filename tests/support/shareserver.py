"""Configuration of a bare jupyter_server subprocess with only govlab_share enabled.

Used where the share handler is driven over real HTTP from outside the server process
(the live GitLab test, the share benchmark); in-process tests use ``jp_fetch`` instead.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def only_govlab_share() -> dict[str, bool]:
    """`ServerApp.jpserver_extensions`: every installed server extension off but govlab_share
    (the others cost start-up time and background CPU and play no part in a share)."""
    conf_d = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d"
    exts: dict[str, bool] = {}
    for f in conf_d.glob("*.json"):
        exts.update(json.loads(f.read_text()).get("ServerApp", {}).get("jpserver_extensions", {}))
    return {name: False for name in exts} | {"govlab_share": True}


def share_server_env(workdir: Path, *, port: int, root: Path, token: str, share_config: dict, **env: str) -> dict:
    """Write the server's config under `workdir` (loopback `port`, `root`, API `token`,
    `GovlabShare` settings) and return the environment to start ``python -m jupyter_server`` in."""
    cfg_dir = workdir / "jupyter-config"
    cfg_dir.mkdir()
    config = {
        "ServerApp": {
            "jpserver_extensions": only_govlab_share(),
            "ip": "127.0.0.1",
            "port": port,
            "open_browser": False,
            "root_dir": str(root),
            "allow_root": True,
        },
        "IdentityProvider": {"token": token},
        "GovlabShare": share_config,
    }
    (cfg_dir / "jupyter_server_config.json").write_text(json.dumps(config))
    return dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(cfg_dir),
        JUPYTER_DATA_DIR=str(workdir / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(workdir / "jupyter-runtime"),
        **env,
    )
