"""The hub's share service: ownership store, request checks, README mapping, hub config."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from govlab import settings
from govlab.hubconfig import Runtime, build_hub_config
from govlab.labconfig import lab_environment, lab_server_config
from govlab.shareservice.config import CONFIG_ENV, TOKEN_ENV, from_env
from govlab.shareservice.owners import OwnershipStore, StoreError
from govlab.shareservice.publishing import expected_project, map_project
from govlab.shareservice.request import MAX_FILES, parse
from govlab_share.errors import ShareError
from govlab_share.publish import ProjectInfo

RUNTIME = Runtime(python="/venv/bin/python", proxy_command=("chp",))
B64 = base64.b64encode(b"{}").decode()


# -- ownership store ------------------------------------------------------------
def test_store_records_the_first_owner_and_refuses_everyone_else(tmp_path):
    path = tmp_path / "state" / "share-service" / "owners.json"
    store = OwnershipStore(path)
    assert store.owner(7) is None
    assert store.claim(7, "alice", "kim/a-1") is True
    assert store.claim(7, "alice", "kim/a-1") is True  # idempotent for the owner
    assert store.claim(7, "bob", "kim/a-1") is False
    assert store.owner(7) == "alice"
    # Persisted, owner-only, no temporary file left behind.
    assert OwnershipStore(path).owner(7) == "alice"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == ["owners.json"]


def test_store_tightens_a_loose_directory_and_file(tmp_path):
    d = tmp_path / "svc"
    d.mkdir(mode=0o755)
    (d / "owners.json").write_text(json.dumps({"projects": {"3": {"user": "kim"}}}))
    os.chmod(d / "owners.json", 0o644)
    store = OwnershipStore(d / "owners.json")
    assert store.owner(3) == "kim"
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert stat.S_IMODE((d / "owners.json").stat().st_mode) == 0o600


@pytest.mark.parametrize("content", ["not json", "[]", '{"projects": []}', "{}"])
def test_a_damaged_store_stops_the_service_instead_of_forgetting_owners(tmp_path, content):
    (tmp_path / "owners.json").write_text(content)
    with pytest.raises(StoreError, match="owners.json"):
        OwnershipStore(tmp_path / "owners.json")


# -- request checks ---------------------------------------------------------------
def body(**over):
    out = {
        "notebook_path": "분석/민원.ipynb",
        "title": "민원 분석",
        "description": "",
        "visibility": "private",
        "force": False,
        "files": {"분석/민원.ipynb": B64, "README.md": B64},
        "record": None,
    }
    out.update(over)
    return out


SHA = "a" * 40
BAD_REQUESTS = [
    ({"files": {"/etc/passwd": B64}}, "absolute"),
    ({"files": {"../x.py": B64}}, "'..'"),
    ({"files": {"a/../../x": B64}}, "'..'"),
    ({"files": {"a//b": B64}}, "empty part"),
    ({"files": {"": B64}}, "empty"),
    ({"files": {"a\\b": B64}}, "backslash"),
    ({"files": {"C:x": B64}}, "absolute"),
    ({"files": {"ok.txt": "!!not base64!!"}}, "not valid base64"),
    ({"files": {"ok.txt": 3}}, "not a base64 string"),
    ({"files": {}}, "non-empty object"),
    ({"files": {f"f{i}": B64 for i in range(MAX_FILES + 1)}}, f"at most {MAX_FILES}"),
    ({"notebook_path": "/home/x.ipynb"}, "notebook_path"),
    ({"notebook_path": "../x.ipynb"}, "notebook_path"),
    ({"notebook_path": ".hidden/x.ipynb"}, "hidden"),
    ({"notebook_path": "x.py"}, "notebook_path"),
    ({"title": "  "}, "title"),
    ({"visibility": "everyone"}, "visibility"),
    ({"force": "yes"}, "force"),
    ({"record": {"project_id": "12"}}, "record.project_id"),
    ({"record": {"project_id": True}}, "record.project_id"),
    ({"record": {"project_id": -1}}, "record.project_id"),
    ({"record": {"path_with_namespace": "../../etc"}}, "record.path_with_namespace"),
    ({"record": {"last_commit": "HEAD"}}, "record.last_commit"),
    ({"record": {"files": {"../x": {"blob_id": SHA}}}}, "record.files"),
    ({"record": {"files": {"a.ipynb": {"blob_id": "zz"}}}}, "40 hex"),
    ({"record": []}, "record: object"),
]


@pytest.mark.parametrize("over, named", BAD_REQUESTS)
def test_malformed_requests_are_refused_naming_the_field(over, named):
    with pytest.raises(ShareError) as e:
        parse(body(**over), max_bytes=10_000)
    assert e.value.code == "bad_request" and e.value.status == 400
    assert named in " ".join(e.value.details)
    assert "올바르지" in e.value.message and e.value.message_en


def test_a_good_request_is_decoded():
    record = {
        "project_id": 12,
        "path_with_namespace": "kim/x-1",
        "last_commit": SHA,
        "files": {"README.md": {"blob_id": SHA, "last_commit_id": None}},
        "gitlab_url": "ignored",
    }
    req = parse(body(record=record, description=" 설명 "), max_bytes=10_000)
    assert req.files == {"분석/민원.ipynb": b"{}", "README.md": b"{}"}
    assert req.record == {
        "project_id": 12,
        "path_with_namespace": "kim/x-1",
        "last_commit": SHA,
        "files": {"README.md": {"blob_id": SHA, "last_commit_id": None}},
    }
    assert req.description == "설명" and req.title == "민원 분석"


def test_files_over_the_bundle_limit_are_too_large():
    big = base64.b64encode(b"x" * 2000).decode()
    with pytest.raises(ShareError) as e:
        parse(body(files={"a.ipynb": big}), max_bytes=1024)
    assert e.value.code == "too_large" and e.value.status == 413


def test_a_non_object_body_is_refused():
    with pytest.raises(ShareError, match="bad_request"):
        parse(["files"], max_bytes=1024)


# -- the README follows the project the service actually used -------------------------
def test_readme_urls_follow_the_actual_project_and_the_manifest_stays_true():
    cfg = settings_share()
    expected = expected_project(cfg, "민원.ipynb", "minsu", None)
    assert expected.path_with_namespace.startswith("minsu/minwon-")
    actual = ProjectInfo(
        5,
        expected.path,
        f"bot/{expected.path}",
        f"https://gl/bot/{expected.path}",
        f"https://gl/bot/{expected.path}.git",
    )
    from urllib.parse import quote

    readme = (
        f"[web]({expected.web_url}) git clone {expected.http_url_to_repo} "
        f"pull?repo={quote(expected.http_url_to_repo, safe='/')} "
        f"https://lab/services/gallery/open/{expected.path_with_namespace}"
    ).encode()
    manifest = {
        "files": {
            "README.md": {"sha256": hashlib.sha256(readme).hexdigest(), "size": len(readme)},
            "민원.ipynb": {"sha256": "n", "size": 2},
        },
        "owner": "minsu",
    }
    files = {"README.md": readme, "govlab-manifest.json": json.dumps(manifest).encode(), "민원.ipynb": b"minsu/x"}
    out = map_project(files, expected, actual)
    text = out["README.md"].decode()
    assert "minsu/" not in text
    assert actual.web_url in text and actual.http_url_to_repo in text
    assert quote(actual.http_url_to_repo, safe="/") in text and f"/open/bot/{expected.path}" in text
    new_manifest = json.loads(out["govlab-manifest.json"])
    assert new_manifest["files"]["README.md"]["sha256"] == hashlib.sha256(out["README.md"]).hexdigest()
    assert new_manifest["owner"] == "minsu"
    assert out["민원.ipynb"] == b"minsu/x"  # the official's own files are never rewritten
    assert map_project(files, expected, expected) is files


def settings_share():
    from govlab_share.config import GovlabShare

    return GovlabShare(gitlab_url="https://gl")


# -- hub configuration ---------------------------------------------------------------
def loaded(data: dict, **secrets) -> settings.LoadedSettings:
    data.setdefault("auth", {}).setdefault("shared_password", {"user_password": {"env": "P"}, "trusted_trial": True})
    return settings.LoadedSettings(
        settings=settings.parse(data),
        secrets=settings.Secrets(**{"user_password": "user-pass", **secrets}),
        source=Path("/etc/govlab/govlab.yaml"),
        state_dir=Path("/state"),
    )


def test_the_shared_token_reaches_the_share_service_and_no_lab():
    ld = loaded({"sharing": {"gitlab_url": "https://gl", "token": {"env": "T"}}}, sharing_token="glpat-secret-1")
    hub = build_hub_config(ld, RUNTIME)["JupyterHub"]
    (svc,) = [s for s in hub["services"] if s["name"] == "govlab-share"]
    assert svc["url"] == "http://127.0.0.1:8094"
    assert svc["command"] == ["/venv/bin/python", "-m", "govlab.shareservice"]
    assert svc["environment"][TOKEN_ENV] == "glpat-secret-1"
    cfg = json.loads(svc["environment"][CONFIG_ENV])
    assert cfg["publish"] is True and cfg["user_tokens"] is False
    assert cfg["owners_path"] == "/state/share-service/owners.json"
    assert "glpat-secret-1" not in json.dumps(cfg)
    # No lab holds it: not in the environment, not in the lab config.
    assert "glpat-secret-1" not in json.dumps(lab_environment(ld, "")) + json.dumps(lab_server_config(ld))
    assert "access:services!service=govlab-share" in hub["extra_user_scopes"]
    roles = {r["name"]: r for r in hub["load_roles"]}
    assert "access:services!service=govlab-share" in roles["server"]["scopes"]
    assert "govlab-share-service" not in roles  # no auth_state to read without GitLab sign-in
    # What the service process reads back.
    got = from_env(
        {
            **svc["environment"],
            "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:8094",
            "JUPYTERHUB_SERVICE_PREFIX": "/services/govlab-share/",
        }
    )
    assert got.token == "glpat-secret-1" and got.publish and got.share.gitlab_url == "https://gl"
    assert got.max_body_bytes > got.share.max_bundle_bytes * 4 // 3


@pytest.mark.parametrize("gallery, topic", [({}, "govlab"), ({"topic": "seoul-ai"}, "seoul-ai")])
def test_the_gallery_topic_reaches_the_share_service(gallery, topic):
    # The service creates projects for password sign-in: the gallery must find them by its topic.
    ld = loaded(
        {"sharing": {"gitlab_url": "https://gl", "token": {"env": "T"}}, "gallery": gallery},
        sharing_token="glpat-secret-1",
    )
    (svc,) = [s for s in build_hub_config(ld, RUNTIME)["JupyterHub"]["services"] if s["name"] == "govlab-share"]
    got = from_env({**svc["environment"], "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:8094"})
    assert got.share.gallery_topic == topic


@pytest.mark.parametrize(
    "data",
    [
        {},  # no sharing
        {"sharing": {"gitlab_url": "https://gl"}},  # no token, password sign-in: nothing to hold
    ],
)
def test_no_service_when_it_has_nothing_to_do(data):
    hub = build_hub_config(loaded(data), RUNTIME)["JupyterHub"]
    assert not [s for s in hub.get("services", []) if s["name"] == "govlab-share"]


def test_the_service_config_names_what_is_missing():
    from govlab.shareservice.config import ConfigError

    with pytest.raises(ConfigError, match=CONFIG_ENV):
        from_env({})
    with pytest.raises(ConfigError, match="sharing.gitlab_url"):
        from_env({CONFIG_ENV: json.dumps({"share": {}, "owners_path": "/x"})})
    with pytest.raises(ConfigError, match="gitlab_url"):
        from_env({CONFIG_ENV: json.dumps({"share": {"gitlab_url": "ftp://x"}, "owners_path": "/x"})})


@pytest.mark.parametrize("url", ["http://0.0.0.0:8094", "https://127.0.0.1:8094", "127.0.0.1:8094", "http://h:1/x"])
def test_service_bind_url_must_be_a_reachable_http_address(url):
    with pytest.raises(settings.SettingsError if hasattr(settings, "SettingsError") else Exception) as e:
        settings.parse(
            {
                "auth": {"shared_password": {"user_password": {"env": "P"}, "trusted_trial": True}},
                "sharing": {"service_bind_url": url},
            }
        )
    assert "sharing.service_bind_url" in str(e.value)


# -- the real server: a body over the limit is never buffered ----------------------------
def test_the_server_refuses_a_body_over_the_limit_before_any_handler(tmp_path):
    import asyncio
    import socket

    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    from govlab.shareservice.__main__ import make_server
    from govlab.shareservice.app import ShareService
    from govlab.shareservice.config import ServiceConfig
    from govlab_share.config import GovlabShare

    cfg = ServiceConfig(
        share=GovlabShare(gitlab_url="https://gl", max_bundle_bytes=1024),
        owners_path=str(tmp_path / "owners.json"),
        publish=True,
        user_tokens=False,
        hub_api_url="http://127.0.0.1:9",
        token="glpat-x",
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def run():
        server = make_server(ShareService(cfg, {}))
        server.listen(port, "127.0.0.1")
        client = AsyncHTTPClient(force_instance=True)
        url = f"http://127.0.0.1:{port}/services/govlab-share/api/publish"
        try:
            # Within the limit: the handler answers (no token: 401, in Korean and English).
            try:
                await client.fetch(url, method="POST", body=b"{}", raise_error=True)
            except HTTPClientError as e:
                small = (e.code, json.loads(e.response.body))
            # Over the limit (the bundle limit as base64 plus the JSON overhead): refused
            # while reading, whatever the token.
            big = b"x" * (cfg.max_body_bytes + 1)
            try:
                r = await client.fetch(
                    url,
                    method="POST",
                    body=big,
                    raise_error=False,
                    headers={"Authorization": "token t"},
                    request_timeout=30,
                )
                large = r.code
            except Exception as e:  # the server closed the connection
                large = type(e).__name__
            return small, large
        finally:
            client.close()
            server.stop()

    small, large = asyncio.run(run())
    assert small[0] == 401 and small[1]["error"]["code"] == "hub_token_required"
    assert "토큰" in small[1]["error"]["message"]
    assert large != 200 and large != 401, large  # never reached the handler
    # tornado answers 400 and closes (or the client sees the close); a handler would say 5xx.
    assert large in (400, 413) or isinstance(large, str), large
