"""gitpull_rules.pull_link: the one builder of git-pull links; its links pass the lab's checks."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from govlab_share.gitpull_rules import check, pull_link

GITLAB = "https://gitlab.example.go.kr"


def test_a_link_pulls_into_the_named_folder_and_opens_the_notebook(tmp_path):
    link = pull_link("https://lab.example.go.kr/", f"{GITLAB}/행정/민원분석.git", "main", "민원-abc", "보고서_1.ipynb")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "lab.example.go.kr", "/hub/user-redirect/git-pull")
    assert " " not in link and "#" not in link
    req = check(dict(parse_qsl(parts.query)), [GITLAB], str(tmp_path))
    assert (req.repo, req.branch, req.targetpath) == (f"{GITLAB}/행정/민원분석.git", "main", "민원-abc")
    assert req.urlpath == "lab/tree/민원-abc/보고서_1.ipynb"


def test_without_a_folder_the_repository_name_is_used_never_the_url():
    link = pull_link("/", f"{GITLAB}/edu/materials.git", "main")
    assert link.startswith("/hub/user-redirect/git-pull?")
    assert dict(parse_qsl(urlsplit(link).query)) == {
        "repo": f"{GITLAB}/edu/materials.git",
        "branch": "main",
        "targetpath": "materials",
        "urlpath": "lab/tree/materials",
    }
