"""hub.branding: validation with errors that name the key and the fix; the hub config it makes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from govlab import settings
from govlab.hubconfig import HUB_TEMPLATES, Runtime, build_hub_config

ENV = {
    "GOVLAB_ADMIN_PASSWORD": "a" * 32,
    "GOVLAB_USER_PASSWORD": "user-pass-1",
    "JUPYTERHUB_CRYPT_KEY": "k" * 64,
    "GOVLAB_GITLAB_CLIENT_SECRET": "s",
    "GOVLAB_GITLAB_TOKEN": "t",
}
RUN = Runtime(python="/venv/bin/python", proxy_command=("/venv/bin/chp",), lab_config_dir="/state/lab-config")
AUTH = {
    "accounts": {"method": "accounts", "accounts": {"admin_password": {"env": "GOVLAB_ADMIN_PASSWORD"}}},
    "shared-password": {
        "method": "shared-password",
        "shared_password": {"user_password": {"env": "GOVLAB_USER_PASSWORD"}, "trusted_trial": True},
    },
    "gitlab": {
        "method": "gitlab",
        "gitlab": {
            "url": "https://gitlab.example.go.kr",
            "client_id": "c",
            "client_secret": {"env": "GOVLAB_GITLAB_CLIENT_SECRET"},
        },
    },
}


def write(tmp_path: Path, branding: dict | None = None, method: str = "shared-password", **sections) -> Path:
    data = {"auth": AUTH[method], **sections}
    if branding is not None:
        data["hub"] = {"branding": branding}
    path = tmp_path / "govlab.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problems(tmp_path: Path, branding: dict) -> dict[str, str]:
    with pytest.raises(settings.SettingsError) as info:
        settings.load(write(tmp_path, branding), environ=ENV)
    return dict(info.value.problems)


def test_defaults_need_no_branding_section(tmp_path):
    loaded = settings.load(write(tmp_path), environ=ENV)
    branding = loaded.settings.hub.branding
    assert (branding.title, branding.agency, branding.logo, branding.notice) == ("govlab AI 실험실", "", "", "")
    hub = build_hub_config(loaded, RUN)["JupyterHub"]
    assert hub["template_vars"]["govlab_title"] == "govlab AI 실험실"
    assert "logo_file" not in hub  # JupyterHub's own logo


@pytest.mark.parametrize("method", ["accounts", "shared-password", "gitlab"])
def test_every_sign_in_method_gets_govlabs_korean_pages(tmp_path, method):
    hub = build_hub_config(settings.load(write(tmp_path, method=method), environ=ENV), RUN)["JupyterHub"]
    assert hub["template_paths"] == [HUB_TEMPLATES]
    pages = {p.name for p in Path(HUB_TEMPLATES).iterdir()}
    assert {
        "login.html",
        "page.html",
        "spawn_pending.html",
        "home.html",
        "token.html",
        "not_running.html",
        "error.html",
        "404.html",
    } <= pages
    assert hub["template_vars"]["govlab_auth_method"] == method


def test_a_relative_logo_is_found_beside_the_settings_file_and_served_by_the_hub(tmp_path):
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    branding = {
        "title": "세종 AI 실험실",
        "agency": "행정안전부",
        "logo": "brand/logo.svg",
        "notice": "  <b>개인정보</b> 입력 금지\n보안 서약  ",
    }
    hub = build_hub_config(settings.load(write(tmp_path, branding), environ=ENV), RUN)["JupyterHub"]
    assert hub["logo_file"] == str(tmp_path / "brand" / "logo.svg")
    assert hub["template_vars"] == {
        "govlab_title": "세종 AI 실험실",
        "govlab_agency": "행정안전부",
        # Kept as typed (the template escapes it), only trimmed.
        "govlab_notice": "<b>개인정보</b> 입력 금지\n보안 서약",
        "govlab_auth_method": "shared-password",
    }


def test_a_missing_logo_names_the_key_the_path_and_the_fix(tmp_path):
    found = problems(tmp_path, {"logo": "brand/없는-로고.png"})
    assert "does not exist" in found["hub.branding.logo"]
    assert str(tmp_path / "brand" / "없는-로고.png") in found["hub.branding.logo"]
    assert "relative to the settings file" in found["hub.branding.logo"]


def test_a_logo_that_is_too_large_or_not_a_picture_is_refused(tmp_path):
    (tmp_path / "big.png").write_bytes(b"\x89PNG" + b"\0" * settings.LOGO_MAX_BYTES)
    assert "under 1000000 bytes" in problems(tmp_path, {"logo": "big.png"})["hub.branding.logo"]
    (tmp_path / "logo.exe").write_bytes(b"MZ")
    assert "must be a picture file" in problems(tmp_path, {"logo": "logo.exe"})["hub.branding.logo"]


def test_a_directory_is_not_a_logo(tmp_path):
    (tmp_path / "logo.png").mkdir()
    assert "does not exist" in problems(tmp_path, {"logo": "logo.png"})["hub.branding.logo"]


@pytest.mark.parametrize(
    ("branding", "key", "words"),
    [
        ({"notice": "가" * 1001}, "hub.branding.notice", "keep it under 1000"),
        ({"notice": "안내\x1b[31m"}, "hub.branding.notice", "must be plain text"),
        ({"title": "  "}, "hub.branding.title", "must not be empty"),
        ({"title": "가" * 61}, "hub.branding.title", "shorten it to 60"),
        ({"title": "govlab\n실험실"}, "hub.branding.title", "one line"),
        ({"agency": "부" * 81}, "hub.branding.agency", "shorten it to 80"),
        ({"color": "blue"}, "hub.branding.color", "unknown key"),
    ],
)
def test_bad_branding_names_the_key_and_the_fix(tmp_path, branding, key, words):
    found = problems(tmp_path, branding)
    assert words in found[key], found
    if key == "hub.branding.notice":
        # A long value is named, not echoed whole.
        assert len(found[key]) < 300


def test_the_notice_keeps_its_line_breaks(tmp_path):
    loaded = settings.load(write(tmp_path, {"notice": "첫째 줄\n둘째 줄"}), environ=ENV)
    assert loaded.settings.hub.branding.notice == "첫째 줄\n둘째 줄"


def test_the_services_menu_names_the_gallery_in_korean_and_the_service_name_stays(tmp_path):
    path = write(
        tmp_path,
        sharing={"gitlab_url": "https://gitlab.example.go.kr", "token": {"env": "GOVLAB_GITLAB_TOKEN"}},
        gallery={"enabled": True},
    )
    services = build_hub_config(settings.load(path, environ=ENV), RUN)["JupyterHub"]["services"]
    (gallery,) = [s for s in services if s["name"] == "gallery"]
    assert gallery["info"]["display_name"] == "공유 갤러리"
    assert gallery["display"] is True


def test_the_example_settings_document_every_branding_key():
    example = Path(__file__).resolve().parents[2] / "config" / "govlab.example.yaml"
    documented = yaml.safe_load(example.read_text(encoding="utf-8"))["hub"]["branding"]
    assert set(documented) == set(settings.BrandingSettings.model_fields)
