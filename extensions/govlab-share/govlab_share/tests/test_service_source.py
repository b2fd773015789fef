"""token_source "service": the lab holds no GitLab token; what it says when misconfigured."""

import pytest
from traitlets import TraitError

from govlab_share.config import GovlabShare
from govlab_share.errors import ShareError
from govlab_share.git_credential import SERVICE_URL_ENV, git_environment
from govlab_share.testing import aio
from govlab_share.tokens import get_token

HUB = {"JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api", "JUPYTERHUB_API_TOKEN": "t" * 32}
SERVICE = "http://127.0.0.1:8094/services/govlab-share"


@pytest.mark.parametrize(
    "traits, environ, problem",
    [
        ({"token_source": "service", "service_url": SERVICE}, HUB, None),
        ({"token_source": "service"}, HUB, "service_url is not set"),
        ({"token_source": "service", "service_url": SERVICE}, {}, "not running under JupyterHub"),
        ({"token_source": "hub", "service_url": SERVICE}, HUB, None),
    ],
)
def test_problem_names_what_is_missing(traits, environ, problem):
    cfg = GovlabShare(gitlab_url="https://gl", **traits)
    found = cfg.problem(environ)
    assert found == problem if problem is None else problem in found


@pytest.mark.parametrize("url", ["ftp://x", "127.0.0.1:8094", "http://h/api/v4"])
def test_service_url_must_be_http(url):
    with pytest.raises(TraitError, match="service_url"):
        GovlabShare(service_url=url)


def test_a_service_lab_never_hands_out_a_gitlab_token():
    # Even a GitLab token variable in its environment is not used: the service commits.
    with pytest.raises(ShareError) as e:
        aio.run(
            get_token(
                GovlabShare(token_source="service", service_url=SERVICE),
                {**HUB, "GOVLAB_GITLAB_TOKEN": "glpat-leftover"},
            )
        )
    assert e.value.code == "not_configured" and "공유 서비스" in e.value.message


def test_the_git_helper_learns_where_the_service_is():
    env = git_environment("https://gl", {}, service_url=SERVICE)
    assert env[SERVICE_URL_ENV] == SERVICE
    assert env["GIT_CONFIG_KEY_0"] == "credential.https://gl.helper"
    assert SERVICE_URL_ENV not in git_environment("https://gl", {})
