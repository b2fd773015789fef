"""The gallery's settings and the hub config built from them (table-driven)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from govlab import settings
from govlab.hubconfig import CURATE_SCOPE, Runtime, build_hub_config, fold_user_scopes, gallery_section
from govlab.labconfig import gallery_notify_url, lab_server_config
from govlab.settings import SettingsError

RUNTIME = Runtime(python="/venv/bin/python", proxy_command=("/venv/bin/chp",), lab_config_dir="/state/lab-config")
ENV = {
    "GOVLAB_USER_PASSWORD": "user-pass-1",
    "GOVLAB_ADMIN_PASSWORD": "a" * 32,
    "GALLERY_TOKEN": "glpat-gallery",
    "SHARE_TOKEN": "glpat-share",
    "JUPYTERHUB_CRYPT_KEY": "k" * 64,
    "CLIENT_SECRET": "s",
}
GITLAB_AUTH = {
    "method": "gitlab",
    "admin_users": ["admin"],
    "gitlab": {"url": "https://gl", "client_id": "c", "client_secret": {"env": "CLIENT_SECRET"}},
}


def load(tmp_path: Path, **sections) -> settings.LoadedSettings:
    data = {
        "auth": {
            "admin_users": ["admin"],
            "shared_password": {
                "user_password": {"env": "GOVLAB_USER_PASSWORD"},
                "admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"},
                "trusted_trial": True,
            },
        }
    }
    data.update(sections)
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return settings.load(path, environ=ENV)


SHARING = {"gitlab_url": "https://gl", "namespace": "mois/shared", "token": {"env": "SHARE_TOKEN"}}

BAD = [
    ({"gallery": {"enabled": True}}, "gallery.enabled", "sharing.gitlab_url"),
    ({"gallery": {"bind_url": "http://0.0.0.0:8093"}}, "gallery.bind_url", "proxy can reach"),
    ({"gallery": {"bind_url": "127.0.0.1:8093"}}, "gallery.bind_url", "http://HOST:PORT"),
    ({"gallery": {"namespaces": ["bad group!"]}}, "gallery.namespaces", "group paths"),
    ({"gallery": {"topic": "a,b"}}, "gallery.topic", "one GitLab topic"),
    ({"gallery": {"refresh_every": 1}}, "gallery.refresh_every", "greater than or equal"),
    ({"gallery": {"curators": ["Kim"]}}, "gallery.curators", "not valid user names"),
    ({"gallery": {"token": {"env": "MISSING_TOKEN"}}}, "gallery.token", "MISSING_TOKEN is not set"),
    ({"gallery": {"colour": "blue"}}, "gallery.colour", "unknown key"),
]


@pytest.mark.parametrize("sections, key, words", BAD)
def test_bad_gallery_settings_name_the_key_and_the_fix(tmp_path, sections, key, words):
    with pytest.raises(SettingsError) as info:
        load(tmp_path, **sections)
    assert any(k.startswith(key) for k, _ in info.value.problems), info.value.problems
    assert words in str(info.value)


def test_gallery_off_adds_nothing(tmp_path):
    ld = load(tmp_path, sharing=SHARING)
    assert gallery_section(ld, RUNTIME) == {}
    assert lab_server_config(ld)["GovlabShare"]["gallery_url"] == ""


# (auth section, gallery section, service-config key, expected)
CONFIG_CASES = [
    ({}, {}, "namespaces", ["mois/shared"]),  # defaults to the share namespace
    ({}, {"namespaces": ["a", "b/c"]}, "namespaces", ["a", "b/c"]),
    ({}, {}, "user_tokens", False),
    (GITLAB_AUTH, {}, "user_tokens", True),
    ({}, {}, "owner_private", True),  # shared password: private shares shown to their owner
    (GITLAB_AUTH, {}, "owner_private", False),  # GitLab sign-in: the official's own token
    ({}, {"refresh_every": 30}, "refresh_every", 30),
    ({}, {}, "db_path", "STATE/gallery.sqlite"),
    ({}, {}, "curate_scope", CURATE_SCOPE),
]


@pytest.mark.parametrize("auth, gallery, key, expected", CONFIG_CASES)
def test_service_config(tmp_path, auth, gallery, key, expected):
    sections = {"sharing": SHARING, "gallery": {"enabled": True, **gallery}}
    if auth:
        sections["auth"] = auth
    ld = load(tmp_path, **sections)
    (service,) = gallery_section(ld, RUNTIME)["JupyterHub"]["services"]
    cfg = json.loads(service["environment"]["GOVLAB_GALLERY_CONFIG"])
    if isinstance(expected, str):
        expected = expected.replace("STATE", str(ld.state_dir))
    assert cfg[key] == expected


def test_gallery_is_a_hub_service_with_minimal_rights(tmp_path):
    ld = load(
        tmp_path, sharing=SHARING, gallery={"enabled": True, "curators": ["lee"], "token": {"env": "GALLERY_TOKEN"}}
    )
    hub = gallery_section(ld, RUNTIME)["JupyterHub"]
    (service,) = hub["services"]
    assert service["name"] == "gallery" and service["url"] == "http://127.0.0.1:8093"
    assert service["command"] == ["/venv/bin/python", "-m", "govlab.gallery"]
    assert service["oauth_no_confirm"] and service["display"]
    # The catalog token reaches the service's environment only, never its JSON config.
    assert service["environment"]["GOVLAB_GALLERY_GITLAB_TOKEN"] == "glpat-gallery"
    assert "glpat" not in service["environment"]["GOVLAB_GALLERY_CONFIG"]
    # Browser tokens: identify + curator mark; no auth_state without GitLab sign-in.
    assert set(service["oauth_client_allowed_scopes"]) == {"read:users:name!user", CURATE_SCOPE}
    assert hub["extra_user_scopes"] == ["access:services!service=gallery"]
    roles = {r["name"]: r for r in hub["load_roles"]}
    role = roles["govlab-gallery-curator"]
    assert role["scopes"] == [CURATE_SCOPE] and role["users"] == ["admin", "lee"]
    assert "services" not in role  # the service itself gets no hub API rights
    # A lab's own API token may call the gallery (announcing a new share), nothing more.
    assert set(roles["server"]["scopes"]) == {
        "users:activity!user",
        "access:servers!server",
        "access:services!service=gallery",
    }
    assert CURATE_SCOPE in hub["custom_scopes"]
    assert lab_server_config(ld)["GovlabShare"]["gallery_url"] == "http://127.0.0.1:8000/services/gallery"


def test_catalog_token_falls_back_to_the_share_token(tmp_path):
    ld = load(tmp_path, sharing=SHARING, gallery={"enabled": True})
    (service,) = gallery_section(ld, RUNTIME)["JupyterHub"]["services"]
    assert service["environment"]["GOVLAB_GALLERY_GITLAB_TOKEN"] == "glpat-share"
    ld = load(tmp_path, sharing={"gitlab_url": "https://gl"}, gallery={"enabled": True})
    (service,) = gallery_section(ld, RUNTIME)["JupyterHub"]["services"]
    assert "GOVLAB_GALLERY_GITLAB_TOKEN" not in service["environment"]  # anonymous: public only


def test_gitlab_sign_in_lets_the_gallery_read_only_the_officials_own_token(tmp_path):
    ld = load(tmp_path, auth=GITLAB_AUTH, sharing=SHARING, gallery={"enabled": True})
    config = build_hub_config(ld, RUNTIME)
    (gallery,) = [s for s in config["JupyterHub"]["services"] if s["name"] == "gallery"]
    assert "admin:auth_state!user" in gallery["oauth_client_allowed_scopes"]
    # GitLab sign-in redefines the `user` role; the gallery's access scope is folded into it.
    (user_role,) = [r for r in config["JupyterHub"]["load_roles"] if r["name"] == "user"]
    assert "access:services!service=gallery" in user_role["scopes"] and "self" in user_role["scopes"]


def test_fold_user_scopes_leaves_configs_without_a_user_role_alone():
    config = {"JupyterHub": {"extra_user_scopes": ["x"], "load_roles": [{"name": "other", "scopes": ["y"]}]}}
    assert fold_user_scopes(config)["JupyterHub"]["load_roles"] == [{"name": "other", "scopes": ["y"]}]


def test_the_server_role_gains_the_gallery_and_the_share_service_never_auth_state(tmp_path):
    ld = load(tmp_path, auth=GITLAB_AUTH, sharing=SHARING, gallery={"enabled": True})
    roles = build_hub_config(ld, RUNTIME)["JupyterHub"]["load_roles"]
    (server,) = [r for r in roles if r["name"] == "server"]  # one role, every section's scopes
    assert {"access:services!service=gallery", "access:services!service=govlab-share", "access:servers!server"} <= set(
        server["scopes"]
    )
    # The lab gets the official's access token from the share service, never auth_state.
    assert "admin:auth_state!user" not in server["scopes"]


@pytest.mark.parametrize(
    "sections, expected",
    [
        # One machine: the gallery's own loopback address.
        ({}, "http://127.0.0.1:8093/services/gallery/api/refresh"),
        ({"gallery": {"bind_url": "http://127.0.0.1:9000"}}, "http://127.0.0.1:9000/services/gallery/api/refresh"),
        # Labs in containers cannot reach the hub machine's loopback: through the hub's proxy.
        (
            {
                "mode": "docker",
                "hub": {"public_url": "https://lab.example.go.kr", "hub_bind_url": "http://0.0.0.0:8081"},
                "docker": {"hub_connect_url": "http://hub:8081"},
            },
            "https://lab.example.go.kr/services/gallery/api/refresh",
        ),
        # Docker's host network shares the loopback.
        ({"mode": "docker", "docker": {"network": "host"}}, "http://127.0.0.1:8093/services/gallery/api/refresh"),
        # A gallery on the labs' network (the hub's container): directly.
        (
            {
                "mode": "swarm",
                "hub": {"hub_bind_url": "http://0.0.0.0:8081"},
                "docker": {"hub_connect_url": "http://hub:8081"},
                "gallery": {"bind_url": "http://hub:8093"},
            },
            "http://hub:8093/services/gallery/api/refresh",
        ),
    ],
)
def test_labs_tell_the_gallery_at_an_address_they_can_reach(tmp_path, sections, expected):
    gallery = {"enabled": True, **sections.pop("gallery", {})}
    try:
        ld = load(tmp_path, sharing=SHARING, gallery=gallery, **sections)
    except SettingsError as e:  # container modes need more keys; name them in the failure
        pytest.fail(str(e))
    assert gallery_notify_url(ld) == expected
    assert lab_server_config(ld)["GovlabShare"]["gallery_notify_url"] == expected


def test_no_gallery_no_notification(tmp_path):
    assert lab_server_config(load(tmp_path, sharing=SHARING))["GovlabShare"]["gallery_notify_url"] == ""


def test_the_gallery_runs_with_the_settings_defaults(tmp_path):
    """One owner for the defaults: what the gallery falls back to is what the settings
    schema says, and the config the hub builds from default settings reads back the same."""
    from govlab.gallery.config import GalleryConfig, from_env

    bare = from_env({"GOVLAB_GALLERY_CONFIG": json.dumps({"gitlab_url": "https://gitlab.example.go.kr/"})})
    schema = settings.GallerySettings()
    assert (bare.topic, bare.refresh_every, bare.request_timeout, bare.page_size) == (
        schema.topic,
        schema.refresh_every,
        schema.request_timeout,
        schema.page_size,
    )
    assert f"http://{bare.host}:{bare.port}" == schema.bind_url
    assert bare.prefix == f"/services/{settings.GALLERY_SERVICE}/" and bare.curate_scope == CURATE_SCOPE
    ld = load(tmp_path, sharing=SHARING, gallery={"enabled": True, "topic": "mois-lab", "page_size": 12})
    (service,) = gallery_section(ld, RUNTIME)["JupyterHub"]["services"]
    cfg = from_env({**service["environment"], "JUPYTERHUB_SERVICE_URL": service["url"]})
    assert isinstance(cfg, GalleryConfig)
    assert (cfg.topic, cfg.page_size, cfg.refresh_every) == ("mois-lab", 12, schema.refresh_every)
    assert (cfg.host, cfg.port) == (bare.host, bare.port)
