"""Megabyte-long hostile inputs for the patterns this round added on user text: a
git-pull link (query parameters), git's output on a failed pull, a hub user name. Each
must come back with its ordinary answer (a refusal, a classification, a safe name);
a pattern that backtracks would hang here instead (the suite's timeout catches it)."""

from __future__ import annotations

import pytest

from govlab import localusers
from govlab_share import gitpull_failures, gitpull_rules

MB = 1_000_000
ALLOWED = ["https://gitlab.example.go.kr"]


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("repo", "https://" + "a" * MB + "@gitlab.example.go.kr/x.git", "repo_"),
        ("repo", "https://gitlab.example.go.kr/" + "a/" * (MB // 2), None),
        ("targetpath", "a/" * (MB // 2) + "..", "target_"),
        ("targetpath", "\x01" * MB, "target_"),
        ("branch", "a" * MB, "branch_invalid"),
        ("branch", "a." * (MB // 2) + "\x00", "branch_invalid"),
        ("urlpath", "lab/tree/" + "%2e" * (MB // 3), "urlpath_invalid"),
        ("urlpath", "lab/" + " " * MB, "urlpath_invalid"),
    ],
)
def test_megabyte_pull_links_are_answered(tmp_path, field, value, reason):
    args = {
        "repo": "https://gitlab.example.go.kr/agency/x.git",
        "branch": "main",
        "targetpath": "x",
        "urlpath": "lab/tree/x",
    }
    args[field] = value
    try:
        gitpull_rules.check(args, ALLOWED, str(tmp_path))
    except gitpull_rules.Refused as e:
        assert reason is None or e.code.startswith(reason), e.code
    else:
        assert reason is None, f"{field} of {len(value)} characters was accepted"


@pytest.mark.parametrize(
    "output, kind",
    [
        ("remote: " + "x" * MB + "\nfatal: Authentication failed for 'https://gitlab'", "no_access"),
        ("fatal: repository '" + "'" * MB + "' not found", None),
        ("token: " + "a" * MB + "\nfatal: unable to access: Could not resolve host: gitlab", "network"),
        ("Authorization:" + " " * MB, None),
        ("https://" + "u" * MB + "@gitlab.example.go.kr/x.git\nfatal: " + "Timed" * 10, None),
    ],
)
def test_megabyte_git_output_is_classified_and_masked(output, kind):
    failure = gitpull_failures.classify(output)
    if kind:
        assert failure.code == kind
    lines = gitpull_failures.detail_lines(output)
    assert len(lines) <= gitpull_failures.MAX_LINES
    assert all(len(line) <= gitpull_failures.MAX_LINE + 1 for line in lines)
    assert not any("a" * 50 in line or "u" * 50 in line for line in lines)  # secrets masked


@pytest.mark.parametrize("name", ["a" * MB, "Ä" * MB, "-" * MB, "a_" * (MB // 2)])
def test_megabyte_hub_names_map_to_a_bounded_system_name(name):
    system = localusers.system_name(name)
    assert len(system) <= 32 and system.startswith("govlab-")
