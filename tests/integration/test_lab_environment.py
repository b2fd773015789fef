"""lab.environment / lab.secret_environment on a real hub (local mode): the official's
kernel sees the variables; the secret never lands in the hub's state on disk."""

from __future__ import annotations

import pytest

from tests.support.hub import base_settings, hub_with_lab
from tests.support.kernel import execute

pytestmark = pytest.mark.hub

SERVICE_KEY = "data-go-kr-service-key-5e19c7a2"
FILE_KEY = "map-key-from-a-file-8d0b44"
USER = "minsu"


def test_a_labs_kernel_sees_the_configured_variables(tmp_path):
    key_file = tmp_path / "map.key"
    key_file.write_text(FILE_KEY + "\n")
    key_file.chmod(0o600)
    settings = base_settings(tmp_path / "state")
    settings["lab"] = {
        "environment": {"TZ": "Asia/Seoul"},
        "secret_environment": {
            "DATA_GO_KR_SERVICE_KEY": {"env": "GOVLAB_DATA_GO_KR_KEY"},
            "MAP_API_KEY": {"file": str(key_file)},
        },
    }
    with hub_with_lab(tmp_path, settings, USER, env={"GOVLAB_DATA_GO_KR_KEY": SERVICE_KEY}) as hub:
        token = hub.user_token
        kernel = hub.lab("POST", USER, "/api/kernels", token=token, json={"name": "python3"}).json()
        try:
            code = "import os\nfor k in ('TZ', 'DATA_GO_KR_SERVICE_KEY', 'MAP_API_KEY'): print(k, os.environ.get(k))"
            output = execute(hub.url, USER, kernel["id"], token, code)
        finally:
            hub.lab("DELETE", USER, f"/api/kernels/{kernel['id']}", token=token)
        assert output.splitlines() == [
            "TZ Asia/Seoul",
            f"DATA_GO_KR_SERVICE_KEY {SERVICE_KEY}",
            f"MAP_API_KEY {FILE_KEY}",
        ]
        # Written by the hub: its database, the labs' config, logs. None holds the secrets.
        for path in [*(tmp_path / "state").rglob("*"), hub.log_path]:
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                assert SERVICE_KEY.encode() not in data and FILE_KEY.encode() not in data, path
