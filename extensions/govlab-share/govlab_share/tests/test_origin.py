"""origin.py: the project a notebook was pulled from, read from real git checkouts."""

import os
import subprocess
from pathlib import Path

import pytest

from govlab_share.origin import MAX_CONFIG_BYTES, origin_of, project_on, remote_url

GITLAB = "https://gitlab.example.go.kr"


def checkout(root: Path, folder: str, remote: str | None) -> Path:
    """A git checkout as nbgitpuller leaves it (`git clone`: remote "origin"), with a notebook."""
    repo = root / folder
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    if remote is not None:
        subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", remote], check=True)
    (repo / "report.ipynb").write_text("{}")
    return repo


def test_a_pulled_notebook_names_its_project(tmp_path):
    checkout(tmp_path, "minwon", f"{GITLAB}/seoul-gu/minwon-analysis.git")
    assert origin_of(tmp_path, "minwon/report.ipynb", GITLAB) == {
        "project": "seoul-gu/minwon-analysis",
        "url": f"{GITLAB}/seoul-gu/minwon-analysis",
    }


def test_a_notebook_deeper_in_the_checkout_and_nested_groups(tmp_path):
    repo = checkout(tmp_path, "work/minwon", f"{GITLAB}/seoul/gu/minwon")
    (repo / "sub" / "deeper").mkdir(parents=True)
    (repo / "sub" / "deeper" / "x.ipynb").write_text("{}")
    origin = origin_of(tmp_path, "work/minwon/sub/deeper/x.ipynb", GITLAB)
    assert origin["project"] == "seoul/gu/minwon"


def test_a_cloned_checkout_from_gitlab_counts(tmp_path):
    # A real clone (from a local bare repository), its remote then set as nbgitpuller's is.
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    root = tmp_path / "home"
    root.mkdir()
    subprocess.run(["git", "clone", "-q", str(bare), str(root / "budget")], check=True, capture_output=True)
    subprocess.run(
        ["git", "-C", str(root / "budget"), "remote", "set-url", "origin", f"{GITLAB}/finance/budget.git"], check=True
    )
    (root / "budget" / "a.ipynb").write_text("{}")
    assert origin_of(root, "budget/a.ipynb", GITLAB)["project"] == "finance/budget"


@pytest.mark.parametrize(
    "remote",
    [
        "https://evil.example.com/seoul-gu/minwon.git",  # another host
        "https://gitlab.example.go.kr:8443/seoul-gu/minwon.git",  # another port
        "http://gitlab.example.go.kr/seoul-gu/minwon.git",  # another scheme
        "https://kim:secret@gitlab.example.go.kr/seoul-gu/minwon.git",  # credentials: written by hand
        "git@gitlab.example.go.kr:seoul-gu/minwon.git",  # scp-style ssh
        "ssh://git@gitlab.example.go.kr/seoul-gu/minwon.git",
        "file:///srv/gitlab/seoul-gu/minwon.git",
        "https://gitlab.example.go.kr/minwon.git",  # no group
        "https://gitlab.example.go.kr/seoul-gu/minwon/-/tree/main",  # a page, not a project
        "https://gitlab.example.go.kr/seoul-gu/../admin/x.git",
        "https://gitlab.example.go.kr/seoul-gu/minwon.git?x=1",
        "https://gitlab.example.go.kr.evil.com/seoul-gu/minwon.git",
    ],
)
def test_only_a_project_on_the_configured_gitlab_counts(tmp_path, remote):
    checkout(tmp_path, "minwon", remote)
    assert origin_of(tmp_path, "minwon/report.ipynb", GITLAB) is None


def test_a_gitlab_under_a_path_prefix():
    assert project_on("https://git.example.go.kr/gitlab/a/b.git", "https://git.example.go.kr/gitlab") == "a/b"
    assert project_on("https://git.example.go.kr/other/a/b.git", "https://git.example.go.kr/gitlab") is None
    assert project_on("https://git.example.go.kr/gitlabx/a/b.git", "https://git.example.go.kr/gitlab") is None


def test_no_checkout_no_remote_or_no_gitlab_configured(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.ipynb").write_text("{}")
    assert origin_of(tmp_path, "plain/a.ipynb", GITLAB) is None
    checkout(tmp_path, "local-only", None)  # `git init` by the official: no remote
    assert origin_of(tmp_path, "local-only/report.ipynb", GITLAB) is None
    checkout(tmp_path, "minwon", f"{GITLAB}/seoul-gu/minwon.git")
    assert origin_of(tmp_path, "minwon/report.ipynb", "") is None


def test_a_home_folder_under_git_is_not_a_pulled_project(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", f"{GITLAB}/kim/dotfiles.git"], check=True)
    (tmp_path / "a.ipynb").write_text("{}")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "b.ipynb").write_text("{}")
    assert origin_of(tmp_path, "a.ipynb", GITLAB) is None
    assert origin_of(tmp_path, "notes/b.ipynb", GITLAB) is None


def test_a_malformed_config_names_nothing(tmp_path):
    repo = checkout(tmp_path, "minwon", None)
    (repo / ".git" / "config").write_bytes(b'[remote "origin"\n\turl = \xff\xfe\x00junk\n[[[\n= = =\n')
    assert origin_of(tmp_path, "minwon/report.ipynb", GITLAB) is None
    (repo / ".git" / "config").write_text('[remote "upstream"]\n\turl = https://gitlab.example.go.kr/a/b.git\n')
    assert origin_of(tmp_path, "minwon/report.ipynb", GITLAB) is None  # only "origin" is the clone's


def test_a_megabyte_line_is_not_read_whole(tmp_path):
    repo = checkout(tmp_path, "minwon", None)
    config = repo / ".git" / "config"
    remote = f'[remote "origin"]\n\turl = {GITLAB}/seoul-gu/minwon.git\n'
    config.write_text("# " + "가" * (1024 * 1024) + "\n" + remote)
    assert config.stat().st_size > MAX_CONFIG_BYTES
    assert origin_of(tmp_path, "minwon/report.ipynb", GITLAB) is None  # beyond what we read
    config.write_text(remote + "\tpushurl = " + "x" * (1024 * 1024) + "\n")
    assert origin_of(tmp_path, "minwon/report.ipynb", GITLAB)["project"] == "seoul-gu/minwon"
    config.write_text('[remote "origin"]\n\turl = ' + f"{GITLAB}/a/" + "b" * (1024 * 1024) + "\n")
    assert origin_of(tmp_path, "minwon/report.ipynb", GITLAB) is None
    assert remote_url("[" + "x" * (1024 * 1024) + "]\nurl = https://gitlab.example.go.kr/a/b\n") is None


def test_links_and_special_files_are_not_followed(tmp_path):
    outside = checkout(tmp_path / "outside", "real", f"{GITLAB}/seoul-gu/minwon.git")
    root = tmp_path / "home"
    (root / "linked").mkdir(parents=True)
    (root / "linked" / "a.ipynb").write_text("{}")
    os.symlink(outside / ".git", root / "linked" / ".git")  # a .git that is a link
    assert origin_of(root, "linked/a.ipynb", GITLAB) is None
    fifo_repo = checkout(root, "fifo", None)
    (fifo_repo / ".git" / "config").unlink()
    os.mkfifo(fifo_repo / ".git" / "config")  # would block a plain open()
    assert origin_of(root, "fifo/report.ipynb", GITLAB) is None
