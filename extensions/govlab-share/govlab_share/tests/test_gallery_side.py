"""What the share writes for the gallery: the topic, the first plot, the open link."""

import base64
import json
from urllib.parse import unquote

from .conftest import make_notebook, write_json
from .helpers import post_share, remote_files, share_body

# A 1x1 PNG (a stand-in for a matplotlib plot).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _with_plot() -> dict:
    nb = make_notebook()
    nb["cells"].append(
        {
            "cell_type": "code",
            "id": "plot",
            "metadata": {},
            "execution_count": 4,
            "source": "df.plot()",
            "outputs": [
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": base64.b64encode(PNG).decode(), "text/plain": "<Figure>"},
                }
            ],
        }
    )
    return nb


def test_shared_project_carries_the_gallery_topic(fetch, workspace, gitlab_server):
    status, data = post_share(fetch, share_body(chats=[]))
    assert status == 200, data
    assert "govlab" in gitlab_server.store.project_by_ref(data["project"])["topics"]


def test_a_project_shared_before_gets_the_topic_on_its_next_share(fetch, workspace, gitlab_server):
    status, data = post_share(fetch, share_body(chats=[]))
    assert status == 200, data
    project = gitlab_server.store.project_by_ref(data["project"])
    project["topics"] = ["예산"]  # as if shared by an older version, then tagged by hand
    status, data = post_share(fetch, share_body(chats=[]))
    assert status == 200, data
    assert project["topics"] == ["예산", "govlab"]


def test_first_plot_is_kept_as_thumbnail_even_without_outputs(fetch, workspace, gitlab_server):
    write_json(workspace["notebook"], _with_plot())
    status, data = post_share(fetch, share_body(chats=[], keep_outputs=False))
    assert status == 200, data
    remote = remote_files(gitlab_server.bare_repo_path(data["project"]))
    assert remote["thumbnail.png"] == PNG
    nb = json.loads(remote["report.ipynb"])
    assert all(c.get("outputs", []) == [] for c in nb["cells"])  # outputs still stripped
    assert json.loads(remote["govlab-manifest.json"])["thumbnail"] == "thumbnail.png"
    assert "![미리보기 / Preview](thumbnail.png)" in remote["README.md"].decode()


def test_no_plot_no_thumbnail(fetch, workspace, gitlab_server):
    status, data = post_share(fetch, share_body(chats=[]))
    remote = remote_files(gitlab_server.bare_repo_path(data["project"]))
    assert "thumbnail.png" not in remote
    assert json.loads(remote["govlab-manifest.json"])["thumbnail"] is None


def test_readme_open_link_goes_through_the_gallery_when_configured(fetch, jp_serverapp, workspace, gitlab_server):
    jp_serverapp.web_app.settings["govlab_share"]["config"].gallery_url = "https://lab.example.go.kr/services/gallery"
    status, data = post_share(fetch, share_body(chats=[]))
    assert status == 200, data
    readme = remote_files(gitlab_server.bare_repo_path(data["project"]))["README.md"].decode()
    link = f"https://lab.example.go.kr/services/gallery/open/{data['project']}"
    assert f"[**▶ 내 실험실에서 열기 / Open in my lab**]({link})" in unquote(readme)
    assert "git-pull" not in readme
