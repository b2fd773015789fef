"""`/git-pull`: nbgitpuller's links, behind a confirmation and the rules of gitpull_rules.

nbgitpuller's own handlers pull on a plain GET, into any folder, from any repository,
so one link in a chat planted code in another official's lab. Ours:

    GET  /git-pull?repo=..&branch=..&targetpath=..&urlpath=..   check -> Korean page: what, where
    POST /git-pull  (the page's form, XSRF-checked)              check again -> one-time nonce
    GET  /git-pull/api?nonce=..  (the progress page's EventSource) the pull itself

The API takes everything from the nonce's record and nothing from the query, so a
direct link to it does nothing. The pull is nbgitpuller's GitPuller (it merges and
keeps the official's own edits). These routes are registered before nbgitpuller's
(extensions load in name order, and the first matching route wins); the hub also turns
nbgitpuller's server extension off.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import secrets
import threading
import time
from queue import Empty, Queue
from urllib.parse import urlencode

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Float, Integer, List, Unicode
from traitlets.config import Configurable

from .config import GovlabShare
from .gitpull_failures import classify, detail_lines, redact
from .gitpull_rules import PullRequest, Refused, check, resolve_target

SETTINGS_KEY = "govlab_gitpull"


class GovlabGitPull(Configurable):
    """Where git-pull links may pull from (set by the hub)."""

    allowed_urls = List(
        Unicode(),
        help="Base URLs repositories may be pulled from (e.g. https://gitlab.example.go.kr "
        "or https://git.example.go.kr/edu). GovlabShare.gitlab_url is always allowed.",
    ).tag(config=True)

    nonce_ttl = Float(600.0, help="Seconds a confirmed pull may take to start.").tag(config=True)

    max_pending = Integer(50, help="Confirmed pulls waiting to start, at most.").tag(config=True)


REASONS = {
    "repo_missing": ("링크에 저장소 주소가 없습니다.", "The link names no repository."),
    "repo_invalid": ("저장소 주소가 올바르지 않습니다.", "The repository address is not valid."),
    "repo_scheme": ("http(s) 주소의 저장소만 가져올 수 있습니다.", "Only http(s) repository addresses can be pulled."),
    "repo_credentials": (
        "주소에 계정이나 비밀번호가 들어 있는 링크는 열지 않습니다.",
        "Links with a user name or password in the address are not followed.",
    ),
    "repo_host": (
        "허용되지 않은 곳의 저장소입니다. 이 실험실은 기관 GitLab과 관리자가 허용한 곳에서만 가져옵니다.",
        "The repository is on a host that is not allowed. This lab pulls only from the "
        "agency's GitLab and the hosts your administrator allowed.",
    ),
    "target_absolute": (
        "가져올 폴더가 절대 경로입니다. 작업 폴더 안의 폴더만 쓸 수 있습니다.",
        "The folder is an absolute path; only folders inside your work folder can be used.",
    ),
    "target_parent": (
        "가져올 폴더에 '..'이 있습니다. 작업 폴더 밖으로 나갈 수 없습니다.",
        "The folder contains '..'; a pull cannot leave your work folder.",
    ),
    "target_hidden": (
        "가져올 폴더가 숨김 폴더(.으로 시작)입니다. 설정 폴더에는 가져올 수 없습니다.",
        "The folder is hidden (starts with '.'); settings folders cannot be written.",
    ),
    "target_outside": (
        "가져올 폴더가 작업 폴더 밖이나 숨김 폴더로 이어집니다(바로가기 링크).",
        "The folder leads outside your work folder or into a hidden one (a symlink).",
    ),
    "target_invalid": ("가져올 폴더 이름이 올바르지 않습니다.", "The folder name is not valid."),
    "branch_invalid": ("브랜치 이름이 올바르지 않습니다.", "The branch name is not valid."),
    "urlpath_invalid": (
        "가져온 뒤 열 페이지가 이 실험실 밖을 가리킵니다.",
        "The page to open afterwards points outside this lab.",
    ),
    "nonce": ("가져오기 확인이 만료되었거나 이미 사용되었습니다.", "The confirmation has expired or was already used."),
}
NEXT_STEP = (
    "링크를 보낸 사람에게 확인하세요. 꼭 필요한 저장소라면 관리자에게 허용을 요청하세요.",
    "Check with whoever sent the link; if you need this repository, ask your administrator to allow it.",
)

_STYLE = """
body{font-family:system-ui,"Noto Sans KR",sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem} .en{color:#555} dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}
dt{font-weight:600} dd{margin:0;word-break:break-all;font-family:ui-monospace,monospace}
.actions{margin-top:1.5rem;display:flex;gap:1rem;align-items:center}
button{font-size:1rem;padding:.5rem 1.2rem;background:#0b57d0;color:#fff;border:0;border-radius:4px;cursor:pointer}
a.cancel{font-size:1rem} .notice{background:#fff6d6;padding:.6rem;border-radius:4px}
.refused{background:#fde7e9;padding:.8rem;border-radius:4px} pre{background:#111;color:#eee;padding:.8rem;
max-height:20rem;overflow:auto;white-space:pre-wrap}
"""


def _page(title_ko: str, title_en: str, body: str) -> str:
    e = html.escape
    return (
        '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
        f"<title>{e(title_ko)} / {e(title_en)}</title>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>'
        f'<body><h1>{e(title_ko)} <span class="en">/ {e(title_en)}</span></h1>{body}</body></html>'
    )


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _script_json(data: dict) -> str:
    # Safe inside <script>: no '<', '>' or '&' survive as such.
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _Base(JupyterHandler):
    @property
    def state(self) -> dict:
        return self.settings[SETTINGS_KEY]

    def args(self, body: bool) -> dict[str, str]:
        get = self.get_body_argument if body else self.get_query_argument
        names = ("repo", "branch", "targetpath", "targetPath", "urlpath", "urlPath", "subpath", "subPath")
        return {n: get(n, "") or "" for n in names}

    def check(self, args: dict[str, str]) -> PullRequest:
        return check(args, self.state["allowed"], self.state["root_dir"])

    def way_back(self) -> tuple[str, str]:
        """Where a failed pull sends the official: the gallery they came from, if any."""
        gallery = self.state["gallery_url"]
        if gallery:
            return gallery, "공유 갤러리로 돌아가기 / Back to the gallery"
        return url_path_join(self.base_url, "lab"), "실험실로 돌아가기 / Back to the lab"

    def refuse(self, why: Refused) -> None:
        ko, en = REASONS.get(why.code, REASONS["repo_invalid"])
        e = html.escape
        detail = f'<p>값 / Value: <code data-gitpull="detail">{e(why.detail)}</code></p>' if why.detail else ""
        body = (
            f'<div class="refused" data-gitpull="refused" data-reason="{e(why.code)}"><p>{e(ko)}<br>'
            f'<span class="en">{e(en)}</span></p>{detail}</div>'
            f'<p>아무것도 가져오지 않았습니다. {e(NEXT_STEP[0])}<br><span class="en">Nothing was pulled. '
            f"{e(NEXT_STEP[1])}</span></p>"
            f'<p><a href="{e(url_path_join(self.base_url, "lab"))}">실험실로 돌아가기 / Back to the lab</a></p>'
        )
        self.log.warning("git-pull refused: %s", why)
        self.set_status(400 if why.code != "nonce" else 403)
        self.set_header("Cache-Control", "no-store")
        self.finish(_page("이 링크는 열 수 없습니다", "This link cannot be opened", body))


class ConfirmHandler(_Base):
    """The page an official sees for a git-pull link, and its form's POST."""

    @web.authenticated
    def get(self):
        try:
            req = self.check(self.args(body=False))
        except Refused as why:
            return self.refuse(why)
        e = html.escape
        exists = (resolve_target(self.state["root_dir"], req.targetpath)).exists()
        notice = (
            '<p class="notice" data-gitpull="exists">이 폴더가 이미 있습니다. 내가 고친 내용은 그대로 두고 새 내용만 '
            '합칩니다.<br><span class="en">This folder exists: your own changes are kept and only new '
            "content is merged.</span></p>"
            if exists
            else ""
        )
        hidden = "".join(
            f'<input type="hidden" name="{n}" value="{e(v)}">'
            for n, v in (
                ("repo", req.repo),
                ("branch", req.branch),
                ("targetpath", req.targetpath),
                ("urlpath", req.urlpath),
            )
        )
        body = (
            "<p>아래 저장소를 내 실험실로 가져옵니다. 내용을 확인한 뒤 <b>가져오기</b>를 누르세요. "
            '모르는 곳에서 온 링크라면 <b>취소</b>를 누르세요.<br><span class="en">This copies the repository '
            "below into your lab. Check it, then press Pull; if you do not know where the link came from, "
            "press Cancel.</span></p>"
            "<dl>"
            f'<dt>저장소 / Repository</dt><dd data-gitpull="repo">{e(req.repo)}</dd>'
            f'<dt>브랜치 / Branch</dt><dd data-gitpull="branch">{e(req.branch or "기본 / default")}</dd>'
            f'<dt>가져올 폴더 / Folder</dt><dd data-gitpull="folder">{e(req.targetpath)}</dd>'
            f'<dt>그다음 열 곳 / Then opens</dt><dd data-gitpull="urlpath">{e(req.urlpath)}</dd>'
            f"</dl>{notice}"
            f'<form method="post" action="{e(url_path_join(self.base_url, "git-pull"))}">'
            f"{self.xsrf_form_html()}{hidden}"
            '<div class="actions"><button type="submit" data-gitpull="pull">가져오기 / Pull</button>'
            f'<a class="cancel" data-gitpull="cancel" href="{e(url_path_join(self.base_url, "lab"))}">'
            "취소 / Cancel</a></div></form>"
        )
        self.set_header("Cache-Control", "no-store")
        self.finish(_page("저장소 가져오기", "Pull a repository", body))

    @web.authenticated
    def post(self):
        # jupyter_server has already checked the form's _xsrf (a cross-site POST fails here).
        try:
            req = self.check(self.args(body=True))
        except Refused as why:
            return self.refuse(why)
        nonce = self.issue(req)
        e = html.escape
        back, back_label = self.way_back()
        data = {
            # _xsrf: JupyterHub refuses cookie-authenticated fetches (an EventSource is one)
            # without it; as nbgitpuller's own page does.
            "api": url_path_join(self.base_url, "git-pull", "api")
            + "?"
            + urlencode({"nonce": nonce, "_xsrf": _text(self.xsrf_token)}),
            "next": url_path_join(self.base_url, req.urlpath),
        }
        body = (
            f'<p data-gitpull="status">가져오는 중입니다: <code>{e(req.repo)}</code> → <code>{e(req.targetpath)}</code>'
            '<br><span class="en">Pulling; this page opens the notebook when it is done.</span></p>'
            '<pre data-gitpull="log"></pre>'
            # Filled from the error event (gitpull_failures): the case, what to do, the way
            # back, git's last lines folded away. As written here: the stream broke.
            '<div class="refused" data-gitpull="failed" data-reason="unknown" hidden>'
            '<h2 data-gitpull="failed-title">가져오지 못했습니다 / The pull failed</h2>'
            '<p data-gitpull="what">실험실과의 연결이 끊겼습니다.<br><span class="en">The connection to the lab '
            'was lost.</span></p><p data-gitpull="next">링크를 다시 여세요. 계속 안 되면 관리자에게 알려 주세요.'
            '<br><span class="en">Open the link again; if it keeps failing, tell your administrator.</span></p>'
            f'<p><a data-gitpull="back" href="{e(back)}">{e(back_label)}</a></p>'
            '<details data-gitpull="details"><summary>자세히 / Details</summary>'
            '<pre data-gitpull="detail-lines"></pre></details></div>'
            f'<script id="gitpull-data" type="application/json">{_script_json(data)}</script>'
            "<script>(function(){"
            "var d=JSON.parse(document.getElementById('gitpull-data').textContent);"
            "function q(n){return document.querySelector('[data-gitpull='+n+']');}"
            "var log=q('log');"
            "function two(el,ko,en){el.textContent=ko;el.appendChild(document.createElement('br'));"
            "var s=document.createElement('span');s.className='en';s.textContent=en;el.appendChild(s);}"
            "function fail(m){log.hidden=true;q('status').hidden=true;var f=q('failed');if(m){"
            "f.setAttribute('data-reason',m.reason);q('failed-title').textContent=m.title;"
            "two(q('what'),m.what_ko,m.what_en);two(q('next'),m.next_ko,m.next_en);"
            "q('back').href=m.back;q('back').textContent=m.back_label;"
            "q('detail-lines').textContent=(m.details||[]).join('\\n');}"
            "f.hidden=false;}"
            "var es=new EventSource(d.api);"
            "es.onmessage=function(ev){var m=JSON.parse(ev.data);"
            "if(m.output){log.textContent+=m.output;}"
            "if(m.phase==='finished'){es.close();window.location.href=d.next;}"
            "else if(m.phase==='error'){es.close();fail(m);}};"
            "es.onerror=function(){es.close();fail(null);};"
            "})();</script>"
        )
        self.set_header("Cache-Control", "no-store")
        self.finish(_page("저장소 가져오기", "Pull a repository", body))

    def issue(self, req: PullRequest) -> str:
        pending: dict = self.state["pending"]
        now = time.monotonic()
        for key in [k for k, (_, until) in pending.items() if until < now]:
            del pending[key]
        while len(pending) >= self.state["config"].max_pending:
            pending.pop(next(iter(pending)))
        nonce = secrets.token_urlsafe(32)
        pending[nonce] = (req, now + self.state["config"].nonce_ttl)
        return nonce


class PullAPIHandler(_Base):
    """Runs a confirmed pull (by its nonce), streaming nbgitpuller's progress events."""

    def get_login_url(self):
        raise web.HTTPError(403)  # an EventSource cannot follow a login redirect

    async def emit(self, data: dict) -> None:
        self.write(f"data: {json.dumps(data)}\n\n")
        await self.flush()

    @web.authenticated
    async def get(self):
        nonce = self.get_query_argument("nonce", "")
        record = self.state["pending"].pop(nonce, None) if nonce else None
        if record is None or record[1] < time.monotonic():
            return self.refuse(Refused("nonce"))
        req: PullRequest = record[0]
        try:
            # Again at pull time: a symlink may have appeared since the confirmation.
            target = resolve_target(self.state["root_dir"], req.targetpath)
        except Refused as why:
            return self.refuse(why)
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        lock: asyncio.Lock = self.state["lock"]
        if lock.locked():
            await self.emit(
                {"phase": "syncing", "output": "다른 가져오기가 끝나기를 기다립니다 / Waiting for another pull\n"}
            )
        async with lock:
            await self.pull(req, str(target))

    async def pull(self, req: PullRequest, target: str) -> None:
        from nbgitpuller.pull import GitPuller

        queue: Queue = Queue()
        serverapp = self.settings.get("serverapp")

        seen: list[str] = []  # git's output so far: what a failure is classified from

        def work():
            try:
                # The constructor runs `git ls-remote`: off the event loop as well.
                puller = GitPuller(req.repo, target, branch=req.branch or None, parent=serverapp)
                for line in puller.pull():
                    seen.append(line)
                    del seen[:-200]
                    queue.put(line)
                queue.put(None)
            except Exception as e:  # git's failure, reported to the page
                queue.put(e)

        threading.Thread(target=work, daemon=True).start()
        while True:
            try:
                item = queue.get_nowait()
            except Empty:
                await asyncio.sleep(0.2)
                continue
            if item is None:
                self.log.info("git-pull: %s pulled into %s", req.repo, req.targetpath)
                return await self.emit({"phase": "finished"})
            if isinstance(item, Exception):
                return await self.emit(self.failure(req, item, "".join(seen)))
            await self.emit({"phase": "syncing", "output": redact(item)})

    def failure(self, req: PullRequest, error: Exception, output: str) -> dict:
        """The error event: the case in Korean and English, what to do, where to go back."""
        texts = [output]
        # git's stderr rides on the CalledProcessError (nbgitpuller's ls-remote wraps it
        # in its own exception, whose context it then is).
        for e in (error, error.__context__):
            for attr in ("stderr", "output"):
                value = getattr(e, attr, None)
                if value:
                    texts.append(value.decode(errors="replace") if isinstance(value, bytes) else str(value))
        text = "\n".join(t for t in texts if t) or str(error)
        why = classify(text, branch_missing=type(error).__name__ == "BranchExistError")
        self.log.warning("git-pull of %s failed (%s): %s", req.repo, why.code, redact(str(error))[:300])
        back, back_label = self.way_back()
        return {
            "phase": "error",
            "reason": why.code,
            "title": f"{why.title_ko} / {why.title_en}",
            "what_ko": why.what_ko,
            "what_en": why.what_en,
            "next_ko": why.next_ko,
            "next_en": why.next_en,
            "back": back,
            "back_label": back_label,
            "details": detail_lines(text),
        }


def setup_gitpull(server_app) -> None:
    web_app = server_app.web_app
    cfg = GovlabGitPull(parent=server_app)
    # git must fail, not wait for a password on a terminal no one sees (the pull would
    # hang until the page is closed); the credential helper still answers.
    os.environ.setdefault("GIT_TERMINAL_PROMPT", "0")
    share = GovlabShare(parent=server_app)
    root_dir = getattr(server_app.contents_manager, "root_dir", None) or server_app.root_dir
    web_app.settings[SETTINGS_KEY] = {
        "config": cfg,
        "allowed": [u for u in [share.gitlab_url, *cfg.allowed_urls] if u],
        "root_dir": root_dir,
        "gallery_url": share.gallery_url,
        "pending": {},
        "lock": asyncio.Lock(),
    }
    base = url_path_join(web_app.settings["base_url"], "git-pull")
    web_app.add_handlers(".*$", [(url_path_join(base, "api"), PullAPIHandler), (base, ConfirmHandler)])
