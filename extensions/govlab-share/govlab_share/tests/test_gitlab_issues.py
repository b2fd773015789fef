"""The loopback GitLab's issues API, through python-gitlab as the gallery uses it."""

from __future__ import annotations

import gitlab
import pytest
from gitlab.exceptions import GitlabAuthenticationError, GitlabCreateError, GitlabGetError, GitlabListError

LABEL = "개선요청"


@pytest.fixture
def world(gitlab_server):
    for user in ("author", "colleague", "outsider"):
        gitlab_server.add_user(user)
    gitlab_server.add_group("shared", {"author": 30}, visibility="public")
    gitlab_server.add_project("shared", "공개 과제", path="open-work", visibility="public")
    gitlab_server.add_project("shared", "비공개 과제", path="closed-work", visibility="private")
    return gitlab_server


def client(server, user: str, scopes=("api",)) -> gitlab.Gitlab:
    return gitlab.Gitlab(server.url, private_token=server.add_token(user, scopes=scopes))


def test_create_then_list_by_label_and_state(world):
    gl = client(world, "colleague")
    project = gl.projects.get("shared/open-work")
    issue = project.issues.create({"title": "열 이름 오류", "description": "2번 셀", "labels": LABEL})
    assert (issue.iid, issue.state, issue.labels) == (1, "opened", [LABEL])
    assert issue.author["username"] == "colleague"
    assert issue.web_url == f"{world.url}/shared/open-work/-/issues/1"
    project.issues.create({"title": "질문", "labels": ["question"]})
    third = project.issues.create({"title": "두 번째 요청", "labels": f"{LABEL},docs"})

    assert [i.title for i in project.issues.list(labels=[LABEL], get_all=True)] == ["두 번째 요청", "열 이름 오류"]
    assert [i.title for i in project.issues.list(labels=[LABEL, "docs"], get_all=True)] == ["두 번째 요청"]

    # Closing needs the author or Reporter: the author of the project closes it.
    as_author = client(world, "author").projects.get("shared/open-work")
    closing = as_author.issues.get(third.iid)
    closing.state_event = "close"
    closing.save()
    assert as_author.issues.get(third.iid).state == "closed"
    opened = project.issues.list(labels=[LABEL], state="opened", get_all=True)
    closed = project.issues.list(labels=[LABEL], state="closed", get_all=True)
    assert [i.iid for i in opened] == [1] and [i.iid for i in closed] == [3]
    assert len(project.issues.list(state="all", get_all=True)) == 3
    assert gl.projects.get("shared/open-work").open_issues_count == 2
    # Reopened by its own author.
    mine = project.issues.get(3)
    mine.state_event = "reopen"
    mine.save()
    assert project.issues.get(3).state == "opened"


def test_pagination_headers_and_author_search(world):
    gl = client(world, "colleague")
    project = gl.projects.get("shared/open-work")
    for n in range(5):
        project.issues.create({"title": f"요청 {n}", "labels": LABEL})
    first = project.issues.list(labels=LABEL, per_page=2, page=1)
    assert [i.title for i in first] == ["요청 4", "요청 3"]
    pages = project.issues.list(labels=LABEL, per_page=2, iterator=True)
    assert (pages.total, pages.total_pages, pages.next_page) == (5, 3, 2)
    assert len(project.issues.list(labels=LABEL, per_page=2, get_all=True)) == 5
    found = project.issues.list(search="요청 2", author_username="colleague", get_all=True)
    assert [i.title for i in found] == ["요청 2"]
    assert project.issues.list(author_username="author", get_all=True) == []


def test_401_403_404_and_a_missing_title(world):
    anonymous = gitlab.Gitlab(world.url)
    with pytest.raises(GitlabAuthenticationError) as e:
        anonymous.http_post("/projects/shared%2Fopen-work/issues", post_data={"title": "x"})
    assert e.value.response_code == 401
    bad = gitlab.Gitlab(world.url, private_token="glpat-not-a-token")
    with pytest.raises(GitlabAuthenticationError):
        bad.http_get("/projects/shared%2Fopen-work/issues")
    # A read-only token may list but not create (insufficient scope).
    reader = client(world, "colleague", scopes=("read_api",))
    assert reader.http_list("/projects/shared%2Fopen-work/issues") == []
    with pytest.raises(GitlabCreateError) as e:
        reader.projects.get("shared/open-work", lazy=True).issues.create({"title": "x"})
    assert e.value.response_code == 403
    # A private project the user is no member of does not exist for them.
    outsider = client(world, "outsider")
    with pytest.raises(GitlabCreateError) as e:
        outsider.projects.get("shared/closed-work", lazy=True).issues.create({"title": "x"})
    assert e.value.response_code == 404 and "Project Not Found" in str(e.value.error_message)
    with pytest.raises(GitlabListError) as e:
        outsider.projects.get("no/such", lazy=True).issues.list()
    assert e.value.response_code == 404
    # Issues for members only: a visible project, but 403 to the outsider.
    world.set_issues_access("shared/open-work", "private")
    with pytest.raises(GitlabCreateError) as e:
        outsider.projects.get("shared/open-work", lazy=True).issues.create({"title": "x"})
    assert e.value.response_code == 403
    with pytest.raises(GitlabListError) as e:
        outsider.projects.get("shared/open-work", lazy=True).issues.list()
    assert e.value.response_code == 403
    member = client(world, "author").projects.get("shared/open-work", lazy=True)
    assert member.issues.create({"title": "회원은 됩니다"}).iid == 1
    # Title is required.
    with pytest.raises(GitlabCreateError) as e:
        member.issues.create({"title": "", "description": "본문만"})
    assert e.value.response_code == 400
    with pytest.raises(GitlabGetError) as e:
        member.issues.get(99)
    assert e.value.response_code == 404
    assert [i["title"] for i in world.issues("shared/open-work")] == ["회원은 됩니다"]
