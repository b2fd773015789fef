"""Where no share service runs (the Kubernetes chart), the lab reads auth_state itself.

Every hub govlab starts runs the share service, which hands labs the access token
alone (test_gitlab_signin.py). The chart's hub image runs no govlab service, so there
the server role keeps `admin:auth_state!user` (hubconfig.auth_state_roles with
lab_reads_auth_state) and the lab reads GET /hub/api/users/<name>. Here a small
authenticator stands in for oauthenticator and stores the same encrypted auth_state
shape ({"access_token": ...}). Everything after sign-in is real: the hub's server
role, the hub API call from inside the lab, the push to GitLab.
"""

from __future__ import annotations

import json
import secrets
import subprocess

import nbformat
import pytest

from tests.support.hub import RunningHub, base_settings, login_session

pytestmark = pytest.mark.hub

AUTH_STATE_CONFIG = """
import os
from jupyterhub.authenticators.shared import SharedPasswordAuthenticator

class AuthStateAuthenticator(SharedPasswordAuthenticator):
    # Like GitLabOAuthenticator: the GitLab token goes into encrypted auth_state.
    async def authenticate(self, handler, data):
        user = await super().authenticate(handler, data)
        if user:
            user["auth_state"] = {"access_token": os.environ["TEST_GITLAB_OAUTH_TOKEN"]}
        return user

c.JupyterHub.authenticator_class = AuthStateAuthenticator
c.Authenticator.enable_auth_state = True
# The roles govlab's GitLab sign-in mode configures.
from govlab.hubconfig import auth_state_roles
c.JupyterHub.load_roles.extend(auth_state_roles(lab_reads_auth_state=True))
c.Spawner.args.append("--GovlabShare.token_source=hub")
"""


def test_share_uses_the_token_from_the_hub(tmp_path, gitlab_server):
    gitlab_server.add_user("park", name="박서연")
    oauth_token = gitlab_server.add_token("park", scopes=("api", "read_user"), kind="oauth")
    settings = base_settings(tmp_path / "state", sharing={"gitlab_url": gitlab_server.url})
    hub = RunningHub(
        tmp_path,
        settings,
        env={"JUPYTERHUB_CRYPT_KEY": secrets.token_hex(32), "TEST_GITLAB_OAUTH_TOKEN": oauth_token},
    )
    (tmp_path / "extra-config" / "60-auth-state.py").write_text(AUTH_STATE_CONFIG)
    hub.start()
    try:
        # Sign in through the form so that the authenticator stores auth_state.
        login_session(hub, "park").get(f"{hub.url}/hub/spawn", timeout=60)
        hub.wait_ready("park")
        token = hub.api("POST", "/users/park/tokens", json={"note": "t"}).json()["token"]
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_markdown_cell("# 출장비 정산 도우미"))
        assert hub.put_file("park", "출장비.ipynb", nb, token=token).status_code == 201

        r = hub.lab(
            "POST",
            "park",
            "/govlab-share/share",
            token=token,
            json={
                "path": "출장비.ipynb",
                "title": "출장비 정산 도우미",
                "description": "여비 규정 계산",
                "visibility": "private",
                "chats": [],
                "keep_outputs": False,
                "force": False,
            },
        )
        assert r.status_code == 200, r.text
        result = r.json()
        assert result["project"].startswith("park/")
        # The commit was made with park's own GitLab token: GitLab names park as committer.
        bare = gitlab_server.bare_repo_path(result["project"])
        committer = subprocess.run(
            ["git", "--git-dir", bare, "log", "-1", "--format=%cn"], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert committer == "박서연"
        # The token is not in the lab's answers.
        assert oauth_token not in r.text
        context = hub.lab("GET", "park", "/govlab-share/context?path=출장비.ipynb", token=token)
        assert oauth_token not in context.text and json.loads(context.text)["configured"]
    finally:
        hub.kill_everything()
