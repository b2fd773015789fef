"""Sign-in with GitLab end to end: Chromium, a real hub, oauthenticator, the loopback GitLab.

The official is signed in to GitLab through GitLab's own form, authorizes the
application, lands in the Korean lab and shares with the OAuth token the hub keeps in
encrypted auth_state. When that token expires the hub refreshes it with the refresh
token, and a token about to expire is renewed before GitLab refuses it; when GitLab
refuses the refresh token the share says to sign in again, and a new sign-in makes it
work. Outsiders are refused, admins come from the settings, and no token is readable
in the hub database. One hub for the module (a lab start is costly).

The only shortened knob is `Authenticator.auth_refresh_age` (how often the hub asks
GitLab whether a token still works), so that the test need not wait five minutes.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import subprocess
import time
import urllib.parse

import nbformat
import pytest
import requests

from tests.integration.test_browser import ARTIFACTS
from tests.support.hub import RunningHub, base_settings

pytestmark = [pytest.mark.hub, pytest.mark.browser]

CLIENT_ID = "govlab-hub-client"
CLIENT_SECRET = secrets.token_hex(16)
GROUP = "mois/ai-lab"
REFRESH_AGE = 2  # seconds (the deployed value is 300)
NOTEBOOK = "출장비.ipynb"
PASSWORDS = {"park": "park-gitlab-pw", "kim-admin": "kim-gitlab-pw", "outsider": "out-gitlab-pw"}

REFRESH_AGE_CONFIG = f"c.Authenticator.auth_refresh_age = {REFRESH_AGE}\n"


@pytest.fixture(scope="module")
def gitlab(_gitlab_server_session):
    # Module scope: the hub below keeps its OAuth application for the whole module.
    gl = _gitlab_server_session
    gl.reset()
    for name, full in (("park", "박서연"), ("kim-admin", "김관리"), ("outsider", "외부인")):
        gl.add_user(name, name=full)
        gl.set_password(name, PASSWORDS[name])
    gl.add_group("mois", {}, name="행정안전부")
    gl.add_group(GROUP, {"park": 30, "kim-admin": 40}, name="AI 실험실")
    yield gl
    gl.reset()


@pytest.fixture(scope="module")
def hub(gitlab, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("gitlab-signin")
    settings = base_settings(workdir / "state", sharing={"gitlab_url": gitlab.url})
    settings["auth"] = {
        "method": "gitlab",
        "admin_users": ["kim-admin"],
        "gitlab": {
            "url": gitlab.url,
            "client_id": CLIENT_ID,
            "client_secret": {"env": "GOVLAB_GITLAB_CLIENT_SECRET"},
            # A subgroup, named by its numeric id as the settings require.
            "allowed_groups": [gitlab.store.namespace_by_ref(GROUP)["id"]],
        },
    }
    settings["culling"] = {"enabled": False}
    hub = RunningHub(
        workdir,
        settings,
        env={
            "JUPYTERHUB_CRYPT_KEY": secrets.token_hex(32),
            "GOVLAB_GITLAB_CLIENT_SECRET": CLIENT_SECRET,
        },
    )
    (workdir / "extra-config" / "60-refresh-age.py").write_text(REFRESH_AGE_CONFIG)
    gitlab.add_oauth_app(
        CLIENT_ID, CLIENT_SECRET, f"{hub.url}/hub/oauth_callback", scopes=("api", "read_user"), name="govlab"
    )
    hub.start()
    try:
        yield hub
    finally:
        hub.kill_everything()


@pytest.fixture(scope="module")
def official(browser, hub):
    """park's browser, kept for the module: GitLab and hub cookies live on."""
    context = browser.new_context(locale="ko-KR", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def click_sign_in(page) -> None:
    """The hub's login page, in Korean first: one button to GitLab."""
    button = page.locator("#govlab-gitlab-login")
    assert button.inner_text().startswith("정부 GitLab 계정으로 로그인")
    button.click()


def gitlab_sign_in(page, username: str) -> None:
    """On GitLab's sign-in form, then the consent page: what the official does."""
    page.wait_for_url("**/users/sign_in")
    page.fill("#user_login", username)
    page.fill("#user_password", PASSWORDS[username])
    page.click("#sign_in")


def authorize(page) -> None:
    page.wait_for_url("**/oauth/authorize**")
    scopes = page.locator("#scopes li").all_inner_texts()
    assert scopes == ["api", "read_user"], scopes
    page.click("#authorize")


def wait_for_lab(page, hub) -> None:
    try:
        page.wait_for_url("**/user/park/lab**", timeout=180_000)
        page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
    except Exception as e:
        raise AssertionError(
            f"the lab did not open ({e}); page {page.url}:\n"
            f"{page.locator('body').inner_text()[:2000]}\nhub log:\n"
            f"{hub.log()[-6000:]}"
        ) from None


def lab_call(page, hub, method: str, path: str, body=None) -> tuple[int, dict]:
    """A request from the lab's page with the browser's cookies and XSRF token."""
    result = page.evaluate(
        """async ([method, url, body]) => {
            const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || "";
            const r = await fetch(url, {
                method, credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-XSRFToken": xsrf},
                body: body === null ? undefined : JSON.stringify(body),
            });
            return {status: r.status, text: await r.text()};
        }""",
        [method, f"{hub.url}/user/park{path}", body],
    )
    return result["status"], (json.loads(result["text"]) if result["text"] else {})


def share(page, hub, description: str) -> tuple[int, dict]:
    return lab_call(
        page,
        hub,
        "POST",
        "/govlab-share/share",
        {
            "path": NOTEBOOK,
            "title": "출장비 정산 도우미",
            "description": description,
            "visibility": "private",
            "chats": [],
            "keep_outputs": False,
            "force": False,
        },
    )


def save_notebook(page, hub, heading: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {heading}"))
    nb.cells.append(nbformat.v4.new_code_cell("print('여비 계산')"))
    status, _ = lab_call(
        page,
        hub,
        "PUT",
        f"/api/contents/{urllib.parse.quote(NOTEBOOK)}",
        {"type": "notebook", "format": "json", "content": nb},
    )
    assert status in (200, 201), status


def grants(gitlab, kind: str, username: str = "park") -> int:
    return sum(1 for g in gitlab.oauth_grants if g["grant_type"] == kind and g["username"] == username)


def git(bare: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", bare, *args], capture_output=True, text=True, check=True).stdout.strip()


def test_official_signs_in_with_gitlab_and_shares_with_the_oauth_token(official, hub, gitlab):
    page = official
    page.goto(f"{hub.url}/hub/")
    click_sign_in(page)
    gitlab_sign_in(page, "park")
    authorize(page)
    # Back through /hub/oauth_callback, the lab starts and opens in Korean.
    wait_for_lab(page, hub)
    assert page.locator("#jp-menu-panel").get_by_text("파일", exact=True).count() >= 1
    assert grants(gitlab, "authorization_code") == 1

    save_notebook(page, hub, "출장비 정산 도우미")
    status, result = share(page, hub, "여비 규정 계산")
    assert status == 200, result
    assert result["project"].startswith("park/")
    bare = gitlab.bare_repo_path(result["project"])
    # GitLab names park as the committer: the commit was made with park's own token.
    assert git(bare, "log", "-1", "--format=%cn") == "박서연"
    model = hub.api("GET", "/users/park").json()
    assert model["admin"] is False


# Run in park's kernel with the lab's own hub API token (what user code always has).
LAB_TOKEN_PROBE = r"""
import json, os, urllib.request, urllib.error
token = os.environ.get("JUPYTERHUB_API_TOKEN")
if not token:
    raw = open(f"/proc/{{os.getppid()}}/environ", "rb").read().split(b"\0")
    token = next(v.split(b"=", 1)[1].decode() for v in raw if v.startswith(b"JUPYTERHUB_API_TOKEN="))
out = {{}}
for key, url in (("hub", {hub!r}), ("service", {service!r})):
    req = urllib.request.Request(url, headers={{"Authorization": "token " + token}})
    try:
        r = urllib.request.urlopen(req, timeout=60)
        out[key] = [r.status, r.read().decode()]
    except urllib.error.HTTPError as e:
        out[key] = [e.code, e.read().decode()]
print(json.dumps(out))
"""


def test_the_lab_gets_the_access_token_alone_never_the_refresh_token(official, hub, gitlab):
    from tests.support.kernel import execute

    token = hub.api("POST", "/users/park/tokens", json={"note": "kernel"}).json()["token"]
    kernel = hub.lab("POST", "park", "/api/kernels", token=token, json={"name": "python3"}).json()
    service = hub.settings["sharing"]["service_bind_url"] + "/services/govlab-share/api/token"
    code = LAB_TOKEN_PROBE.format(hub=f"{hub.url}/hub/api/users/park", service=service)
    private = next(gitlab.store.full_path(p) for p in gitlab.store.projects.values())
    # nbgitpuller's clone of a private project: git asks govlab's credential helper,
    # which asks the share service with the lab's token.
    clone = (
        f"import subprocess, tempfile; d = tempfile.mkdtemp(); print(subprocess.run(['git', 'clone', '-q', "
        f"{gitlab.url + '/' + private + '.git'!r}, d + '/c'], capture_output=True, text=True, timeout=60).returncode)"
    )
    try:
        out = json.loads(execute(hub.url, "park", kernel["id"], token, code).strip().splitlines()[-1])
        cloned = execute(hub.url, "park", kernel["id"], token, clone).strip().splitlines()[-1]
    finally:
        hub.lab("DELETE", "park", f"/api/kernels/{kernel['id']}", token=token)
    refresh = list(gitlab.store.refresh_tokens)
    park = gitlab.store.user_by_username("park")["id"]
    access = [t for t, v in gitlab.store.tokens.items() if v["kind"] == "oauth" and v["user_id"] == park]
    assert refresh and access
    # The hub answers the lab's token without auth_state (or refuses it).
    status, text = out["hub"]
    assert status in (200, 403), out
    assert "refresh_token" not in text and not [t for t in refresh + access if t in text], text
    if status == 200:
        assert json.loads(text).get("auth_state") is None
    # The share service answers the access token and its expiry, nothing else.
    status, text = out["service"]
    assert status == 200, text
    body = json.loads(text)
    assert set(body) == {"access_token", "expires_at"}
    assert body["access_token"] in access
    assert not [t for t in refresh if t in text]
    assert cloned == "0"


def test_an_expired_token_is_refreshed_by_the_hub(official, hub, gitlab):
    page = official
    project = next(p for p in gitlab.store.projects.values())
    bare = gitlab.store.repo_path(project)
    commits = int(git(bare, "rev-list", "--count", "HEAD"))
    refreshed = grants(gitlab, "refresh_token")
    assert gitlab.expire_oauth_tokens("park") >= 1
    time.sleep(REFRESH_AGE + 0.5)

    save_notebook(page, hub, "출장비 정산 도우미 (개정)")
    status, result = share(page, hub, "여비 규정 개정 반영")
    assert status == 200, result
    assert result["updated"] is True
    assert int(git(bare, "rev-list", "--count", "HEAD")) == commits + 1
    # The hub used the refresh token, not a new sign-in.
    assert grants(gitlab, "refresh_token") == refreshed + 1
    assert grants(gitlab, "authorization_code") == 1


def test_a_refused_refresh_token_asks_to_sign_in_again_and_loses_nothing(official, hub, gitlab):
    page = official
    project = next(p for p in gitlab.store.projects.values())
    bare = gitlab.store.repo_path(project)
    commits = int(git(bare, "rev-list", "--count", "HEAD"))
    gitlab.expire_oauth_tokens("park")
    assert gitlab.revoke_refresh_tokens("park") >= 1
    time.sleep(REFRESH_AGE + 0.5)

    save_notebook(page, hub, "출장비 정산 도우미 (3차)")
    status, result = share(page, hub, "세 번째 공유")
    assert status == 401, result
    error = result["error"]
    assert error["code"] == "gitlab_unauthorized"
    assert "다시 로그인" in error["message"] and "sign in again" in error["message_en"]
    # Nothing lost: no commit, the notebook is still in the lab as saved.
    assert int(git(bare, "rev-list", "--count", "HEAD")) == commits
    status, saved = lab_call(page, hub, "GET", f"/api/contents/{urllib.parse.quote(NOTEBOOK)}")
    assert status == 200 and saved["content"]["cells"][0]["source"] == "# 출장비 정산 도우미 (3차)"

    # Signing in again: the hub sends the official back through GitLab (still signed
    # in there, so only the consent page), and the share goes through.
    page.goto(f"{hub.url}/hub/home")
    click_sign_in(page)
    authorize(page)
    page.wait_for_url(re.compile(r".*/(hub/home|user/park/lab).*"), timeout=120_000)
    assert grants(gitlab, "authorization_code") == 2
    page.goto(f"{hub.url}/user/park/lab")
    page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
    status, result = share(page, hub, "세 번째 공유")
    assert status == 200, result
    assert int(git(bare, "rev-list", "--count", "HEAD")) == commits + 1


def test_a_token_near_its_end_is_renewed_before_gitlab_refuses_it(official, hub, gitlab):
    page = official
    # From now on GitLab issues tokens that live 30 s: less than the hub's renewal
    # window (auth_refresh_age + 60 s), so the hub renews each while it still works.
    gitlab.config.oauth_expires_in = 30
    try:
        gitlab.expire_oauth_tokens("park")
        time.sleep(REFRESH_AGE + 0.5)
        save_notebook(page, hub, "출장비 정산 도우미 (4차)")
        status, result = share(page, hub, "네 번째 공유")  # gets a 30 s token
        assert status == 200, result
        mark = len(gitlab.requests_log)
        renewed = grants(gitlab, "refresh_token")

        time.sleep(REFRESH_AGE + 0.5)
        save_notebook(page, hub, "출장비 정산 도우미 (5차)")
        status, result = share(page, hub, "다섯 번째 공유")
        assert status == 200, result
        assert grants(gitlab, "refresh_token") > renewed
        # Renewed early: GitLab never had to refuse an expired token.
        refused = [r for r in gitlab.requests_log[mark:] if r[2] == 401]
        assert not refused, refused
    finally:
        gitlab.config.oauth_expires_in = 7200


def test_a_user_outside_the_allowed_groups_is_refused_with_a_clear_page(browser, hub, gitlab):
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    try:
        page.goto(f"{hub.url}/hub/login")
        click_sign_in(page)
        gitlab_sign_in(page, "outsider")
        authorize(page)
        page.wait_for_url("**/hub/oauth_callback**")
        body = page.locator("body").inner_text()
        assert "403" in body
        assert "그룹에 속해 있지 않습니다" in body and "not in a group allowed" in body
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "gitlab-signin-refused.png"))
    finally:
        context.close()
    assert hub.api("GET", "/users/outsider").status_code == 404


def oauth_sign_in(hub, gitlab, username: str) -> requests.Response:
    """The browser flow with plain HTTP, up to the hub's answer to the callback."""
    s = requests.Session()
    r = s.get(f"{hub.url}/hub/oauth_login", allow_redirects=True, timeout=30)
    assert r.url.startswith(f"{gitlab.url}/users/sign_in"), r.url
    r = s.post(
        f"{gitlab.url}/users/sign_in",
        timeout=30,
        allow_redirects=True,
        data={"user[login]": username, "user[password]": PASSWORDS[username]},
    )
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', r.text))
    form = {k: v.replace("&amp;", "&") for k, v in form.items()}
    r = s.post(f"{gitlab.url}/oauth/authorize", data={**form, "commit": "authorize"}, allow_redirects=False, timeout=30)
    assert r.headers["Location"].startswith(f"{hub.url}/hub/oauth_callback?")
    return s.get(r.headers["Location"], allow_redirects=False, timeout=60)


def test_admins_from_the_settings_are_admins(hub, gitlab):
    r = oauth_sign_in(hub, gitlab, "kim-admin")
    assert r.status_code == 302, r.text
    assert hub.api("GET", "/users/kim-admin").json()["admin"] is True


def test_auth_state_is_encrypted_in_the_hub_database(hub, gitlab):
    tokens = [t for t, v in gitlab.store.tokens.items() if v["kind"] == "oauth"]
    tokens += list(gitlab.store.refresh_tokens)
    assert tokens
    files = sorted(hub.state_dir.glob("jupyterhub.sqlite*"))
    data = b"".join(f.read_bytes() for f in files)
    leaked = [t for t in tokens if t.encode() in data]
    assert not leaked, "a GitLab token is in the hub database in plain text"
    with sqlite3.connect(files[0]) as db:
        (state,) = db.execute("SELECT encrypted_auth_state FROM users WHERE name='park'").fetchone()
    assert state and len(state) > 100
    log = hub.log()
    assert not [t for t in tokens if t in log], "a GitLab token is in the hub log"
