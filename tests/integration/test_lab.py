"""The lab as officials meet it: a real hub, real labs, a real assistant chat."""

from __future__ import annotations

import json
import time

import nbformat
import pytest
import requests

from tests.support.chat import ask
from tests.support.hub import MOCK_ANSWER, RunningHub, base_settings, login_session
from tests.support.kernel import execute

pytestmark = pytest.mark.hub


@pytest.fixture(scope="module")
def two_users(lab_hub):
    tokens = {name: lab_hub.create_user(name) for name in ("minsu", "jiwoo")}
    for name in tokens:
        lab_hub.start_server(name)
    return tokens


def test_the_assistant_answers_and_the_chat_is_saved(lab_hub, two_users):
    token = two_users["minsu"]
    assert lab_hub.put_file("minsu", "업무자동화.chat", "{}", token=token).status_code == 201
    answer = ask(lab_hub.url, "minsu", "업무자동화.chat", token, "판다스로 CSV를 읽는 방법은?")
    assert answer["body"] == MOCK_ANSWER
    # The chat file on disk holds the question and the answer (the prompt history).
    deadline = time.time() + 20
    while time.time() < deadline:
        saved = json.loads(lab_hub.lab("GET", "minsu", "/api/contents/업무자동화.chat", token=token).json()["content"])
        bodies = [m["body"] for m in saved.get("messages", [])]
        if MOCK_ANSWER in bodies:
            break
        time.sleep(0.5)
    assert bodies[0] == "판다스로 CSV를 읽는 방법은?"
    assert MOCK_ANSWER in bodies
    assert any(u.get("name") == "AI 도우미" for u in saved["users"].values())  # the govlab persona


def test_lab_defaults_to_korean_with_pandas_and_widgets(lab_hub, two_users):
    token = two_users["minsu"]
    settings = lab_hub.lab(
        "GET", "minsu", "/lab/api/settings/@jupyterlab/translation-extension:plugin", token=token
    ).json()
    assert settings["schema"]["properties"]["locale"]["default"] == "ko_KR"
    languages = lab_hub.lab("GET", "minsu", "/lab/api/translations", token=token).json()["data"]
    assert "ko_KR" in languages
    # The lab page lists the frontend extensions it loads: widgets, the assistant, ours.
    page = lab_hub.lab("GET", "minsu", "/lab", token=token).text
    for name in (
        "@jupyter-widgets/jupyterlab-manager",
        "@jupyter-ai/jupyternaut",
        "jupyterlab-chat-extension",
        "@govlab/share",
    ):
        assert f'"name": "{name}"' in page or f'"name":"{name}"' in page, name
    specs = lab_hub.lab("GET", "minsu", "/api/kernelspecs", token=token).json()
    assert "python3" in specs["kernelspecs"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/contents/"),
        ("PUT", "/api/contents/stolen.txt"),
        ("GET", "/api/sessions"),
        ("GET", "/lab"),
    ],
)
def test_one_official_cannot_reach_anothers_lab(lab_hub, two_users, method, path):
    body = {"type": "file", "format": "text", "content": "x"} if method == "PUT" else None
    r = lab_hub.lab(method, "jiwoo", path, token=two_users["minsu"], json=body, allow_redirects=False)
    assert r.status_code == 403, (r.status_code, r.text[:200])


@pytest.mark.parametrize(
    "method, path, expected",
    [
        ("GET", "/users/jiwoo", {403, 404}),
        ("POST", "/users/jiwoo/server", {403, 404}),
        ("DELETE", "/users/jiwoo/server", {403, 404}),
        ("POST", "/users/jiwoo/tokens", {403, 404}),
        ("GET", "/users", {403}),
    ],
)
def test_one_official_cannot_manage_anothers_server(lab_hub, two_users, method, path, expected):
    r = lab_hub.api(method, path, token=two_users["minsu"])
    assert r.status_code in expected, (r.status_code, r.text[:200])
    # jiwoo's lab is untouched.
    assert lab_hub.api("GET", "/users/jiwoo").json()["servers"][""]["ready"]


def test_signed_in_browser_session_cannot_open_another_lab(lab_hub, two_users):
    session = login_session(lab_hub, "minsu")
    own = session.get(f"{lab_hub.url}/user/minsu/lab", timeout=60)
    assert own.status_code == 200 and "JupyterLab" in own.text
    other = session.get(f"{lab_hub.url}/user/jiwoo/lab", timeout=60)
    assert other.status_code == 403, (other.status_code, other.url)
    api = session.get(f"{lab_hub.url}/user/jiwoo/api/contents/", timeout=60)
    assert api.status_code == 403


def test_wrong_password_does_not_sign_in(lab_hub):
    s = requests.Session()
    s.get(f"{lab_hub.url}/hub/login", timeout=30)
    r = s.post(
        f"{lab_hub.url}/hub/login",
        data={"username": "minsu", "password": "wrong-password", "_xsrf": s.cookies.get("_xsrf", "")},
        allow_redirects=False,
        timeout=30,
    )
    assert r.status_code == 403


def test_notebook_runs_in_the_lab(lab_hub, two_users):
    token = two_users["minsu"]
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell("import pandas as pd, ipywidgets\nprint(pd.DataFrame({'a': [1, 2]}).a.sum())")
    )
    assert lab_hub.put_file("minsu", "check.ipynb", nb).status_code == 201
    kernel = lab_hub.lab("POST", "minsu", "/api/kernels", token=token, json={"name": "python3"}).json()
    try:
        output = execute(lab_hub.url, "minsu", kernel["id"], token, nb.cells[0].source)
        assert output.strip() == "3"
    finally:
        lab_hub.lab("DELETE", "minsu", f"/api/kernels/{kernel['id']}", token=token)


def test_no_model_configured_the_assistant_says_so_in_korean(tmp_path):
    settings = base_settings(tmp_path / "state", llm={"check_at_start": False})
    hub = RunningHub(tmp_path, settings).start()
    try:
        token = hub.create_user("sora")
        hub.start_server("sora")
        hub.put_file("sora", "q.chat", "{}", token=token)
        answer = ask(hub.url, "sora", "q.chat", token, "안녕?")
        assert "AI 모델이 아직 설정되지 않았습니다" in answer["body"]
        assert "No AI model is configured" in answer["body"]
    finally:
        hub.kill_everything()


def test_hub_restart_with_running_labs_loses_no_file_and_warns_about_the_model(tmp_path):
    # An endpoint that does not answer: the hub warns and starts anyway.
    settings = base_settings(
        tmp_path / "state",
        llm={"model": "openai/m", "base_url": "http://127.0.0.1:9/v1", "check_timeout": 1},
    )
    hub = RunningHub(tmp_path, settings).start()
    try:
        assert "WARNING: LLM endpoint http://127.0.0.1:9/v1 is not reachable" in hub.log()
        token = hub.create_user("hana")
        hub.start_server("hana")
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_markdown_cell("# 출장비 정산"))
        assert hub.put_file("hana", "출장비.ipynb", nb, token=token).status_code == 201
        hub.stop()  # the lab is running while the hub goes down
        hub.start()
        hub.start_server("hana")
        got = hub.lab("GET", "hana", "/api/contents/출장비.ipynb", token=token).json()
        assert got["content"]["cells"][0]["source"] == "# 출장비 정산"
    finally:
        hub.kill_everything()


def test_idle_lab_is_stopped_by_the_culler_and_keeps_its_files(tmp_path):
    settings = base_settings(tmp_path / "state", culling={"timeout": 10, "every": 5})
    hub = RunningHub(tmp_path, settings).start()
    try:
        token = hub.create_user("dahye")
        hub.start_server("dahye")
        assert hub.put_file("dahye", "메모.txt", "내일 할 일", token=token).status_code == 201
        deadline = time.time() + 120
        while time.time() < deadline and hub.api("GET", "/users/dahye").json()["servers"]:
            time.sleep(2)
        assert hub.api("GET", "/users/dahye").json()["servers"] == {}, "the idle lab was not culled"
        assert "idle-culler" in hub.log() and "Culling server dahye" in hub.log()
        hub.start_server("dahye")
        got = hub.lab("GET", "dahye", "/api/contents/메모.txt", token=token).json()
        assert got["content"] == "내일 할 일"
    finally:
        hub.kill_everything()
