"""Pure units: config validation, paths, project naming, chats, transcript."""

import dataclasses

import pytest
from traitlets import TraitError

from govlab_share import _jupyter_labextension_paths, _jupyter_server_extension_points
from govlab_share.chats import is_linked
from govlab_share.config import GovlabShare
from govlab_share.errors import ShareError
from govlab_share.paths import resolve
from govlab_share.publish import git_blob_id, project_name, project_path
from govlab_share.taskdoc import DocMeta, open_in_lab_url
from govlab_share.transcript import render_transcript

from .conftest import JUPYTERNAUT, make_chat


def test_entry_points():
    assert _jupyter_labextension_paths() == [{"src": "labextension", "dest": "@govlab/share"}]
    assert _jupyter_server_extension_points() == [{"module": "govlab_share"}]


@pytest.mark.parametrize(
    "trait,value",
    [
        ("gitlab_url", "gitlab.example"),
        ("gitlab_url", "https://gitlab.example/api/v4"),
        ("hub_public_url", "ftp://x"),
        ("namespace", "bad group!"),
        ("default_visibility", "secret"),
        ("token_source", "file"),
        ("token_env", "1BAD"),
        ("request_timeout", 0),
        ("max_retries", -1),
        ("max_retry_after", -5),
        ("max_bundle_bytes", 10),
        ("branch", "../main"),
        ("timezone", "Mars/Olympus"),
        ("gallery_topic", " "),  # every share would be missing from the gallery
    ],
)
def test_config_rejects_bad_values_naming_the_trait(trait, value):
    with pytest.raises(TraitError, match=f"GovlabShare.{trait}"):
        GovlabShare(**{trait: value})


def test_config_normalises():
    cfg = GovlabShare(gitlab_url="https://gitlab.example/", namespace="/govlab/shared/")
    assert (cfg.gitlab_url, cfg.namespace) == ("https://gitlab.example", "govlab/shared")
    assert cfg.default_visibility == "private" and cfg.branch == "main"
    assert cfg.token_env == "GOVLAB_GITLAB_TOKEN"


def test_paths_normalise_and_refuse(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "n.ipynb").write_text("{}")
    assert resolve(tmp_path, "./a//n.ipynb", suffix=".ipynb")[0] == "a/n.ipynb"
    for bad in ("a\\..\\..\\x.ipynb", "C:/x.ipynb", "a/\x00.ipynb"):
        with pytest.raises(ShareError):
            resolve(tmp_path, bad, suffix=".ipynb")


@pytest.mark.parametrize(
    "nb_path,slug",
    [
        ("analysis/Report 2025.ipynb", "report-2025-"),
        ("민원분석.ipynb", "minwonbunseog-"),
        ("데이터_v2.ipynb", "deiteo-v2-"),
        ("!!!.ipynb", "notebook-"),
        ("Café.ipynb", "cafe-"),
    ],
)
def test_project_path_is_ascii_and_stable(nb_path, slug):
    path = project_path(nb_path, "kim")
    assert path.startswith(slug) and path.isascii() and len(path) <= 50
    assert path == project_path(nb_path, "kim")
    assert path != project_path(nb_path, "lee")  # another user's notebook, another project


@pytest.mark.parametrize(
    "title,name",
    [
        ("민원 분석: 2025년!", "민원 분석 2025년"),
        ("  ## 보고서 (초안) ", "보고서 초안"),
        ("!!!", "fallback"),
    ],
)
def test_project_name(title, name):
    assert project_name(title, "fallback") == name


def test_git_blob_id_matches_git():
    assert git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_linked_by_path_cell_or_body():
    assert is_linked(make_chat("a/n.ipynb"), "a/n.ipynb", set())
    assert is_linked(make_chat(None, cell_id="c9"), "a/n.ipynb", {"c9"})
    assert not is_linked(make_chat(None, cell_id="c9"), "a/n.ipynb", {"c1"})
    assert is_linked(make_chat(None, body="a/n.ipynb 를 봐줘"), "a/n.ipynb", set())
    assert not is_linked(make_chat("b/n.ipynb"), "a/n.ipynb", set())
    # older files keep attachment objects inline in the message
    doc = make_chat(None)
    doc["messages"][0]["attachments"] = [{"type": "file", "value": "a/n.ipynb"}]
    assert is_linked(doc, "a/n.ipynb", set())


def test_transcript_names_people_and_bots():
    from zoneinfo import ZoneInfo

    doc = make_chat("a/n.ipynb", cell_id="c1")
    doc["users"].pop(JUPYTERNAUT)  # unknown persona id still reads as a bot
    text = render_transcript(
        doc, title="t", source_path="t.chat", bundle_path="chats/t.chat", tz=ZoneInfo("Asia/Seoul")
    )
    assert "### 1. 김민수 · 2025-11-25T19:00:00+09:00" in text
    assert "### 2. Jupyternaut (AI) · 2025-11-25T19:00:05+09:00" in text
    assert "### 3." not in text  # deleted message left out
    assert "노트북 / notebook `a/n.ipynb` - 셀 / cells: `c1`" in text


def test_open_in_lab_url_encodes_query():
    meta = DocMeta(
        title="t",
        description="",
        author="",
        agency="",
        shared_at="",
        ai_model="",
        notebook="보고서.ipynb",
        source_path="보고서.ipynb",
        branch="main",
        repo_name="notebook-abc123",
        clone_url="https://gitlab.example/kim/notebook-abc123.git",
        hub_public_url="https://lab.example/",
    )
    assert open_in_lab_url(meta) == (
        "https://lab.example/hub/user-redirect/git-pull?"
        "repo=https%3A//gitlab.example/kim/notebook-abc123.git&branch=main"
        "&targetpath=notebook-abc123"
        "&urlpath=lab/tree/notebook-abc123/%EB%B3%B4%EA%B3%A0%EC%84%9C.ipynb"
    )
    assert open_in_lab_url(dataclasses.replace(meta, hub_public_url="")) == ""
