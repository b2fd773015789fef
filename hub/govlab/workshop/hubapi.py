"""A thin client of the JupyterHub REST API (and the labs behind its proxy) for trainers.

Every failure names what failed, in Korean first, so that a trainer knows whom to ask.
"""

from __future__ import annotations

import base64
import os
from typing import Any
from urllib.parse import quote

import requests

TOKEN_ENVS = ("GOVLAB_HUB_TOKEN", "JUPYTERHUB_API_TOKEN")


class HubApiError(Exception):
    def __init__(self, message: str, status: int | None = None, invalid_token: bool = False):
        super().__init__(message)
        self.status = status
        # The token itself is unknown or expired (not: valid but without the right).
        self.invalid_token = invalid_token


def token_from_env(environ=os.environ) -> str | None:
    return next((environ[k] for k in TOKEN_ENVS if environ.get(k)), None)


def hub_root(url: str) -> str:
    """The hub's public root from http://host:port, .../hub or .../hub/api."""
    url = url.rstrip("/")
    for suffix in ("/hub/api", "/hub"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
    return url


class HubClient:
    def __init__(self, hub_url: str, token: str, timeout: float = 30):
        self.root = hub_root(hub_url)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"
        self.timeout = timeout
        self._token_valid: bool | None = None

    # -- plumbing -------------------------------------------------------------
    def _request(self, method: str, url: str, what: str, ok=(200,), **kw) -> requests.Response:
        try:
            r = self.session.request(method, url, timeout=kw.pop("timeout", self.timeout), **kw)
        except requests.RequestException as e:
            raise HubApiError(
                f"허브에 연결할 수 없습니다 / cannot reach the hub at {self.root} ({what}): {e}"
            ) from None
        if r.status_code not in ok:
            if r.status_code in (401, 403) and self.token_valid() is False:
                raise HubApiError(self._invalid_token(what), r.status_code, invalid_token=True)
            raise HubApiError(self._explain(r, what), r.status_code)
        return r

    def token_valid(self) -> bool | None:
        """Does the hub know this token? None when it cannot tell.

        The hub answers 403 both for a token it does not know (or that expired) and for a
        valid token without the right scope, and a lab may answer 401; only asking
        "who am I" (which every valid token may do) tells the two apart.
        """
        if self._token_valid is None:
            try:
                r = self.session.get(f"{self.root}/hub/api/user", timeout=self.timeout)
            except requests.RequestException:
                return None
            if r.status_code == 200:
                self._token_valid = True
            elif r.status_code in (401, 403):
                self._token_valid = False
        return self._token_valid

    def _invalid_token(self, what: str) -> str:
        return (
            f"토큰이 유효하지 않거나 만료되었습니다 ({what}). {self.root}/hub/token 에서 로그인해 새 토큰을 "
            f"만들고 --token 또는 GOVLAB_HUB_TOKEN 으로 주세요.\n"
            f"The token is invalid or expired ({what}): sign in at {self.root}/hub/token, create a new "
            f"token and give it with --token or GOVLAB_HUB_TOKEN."
        )

    def _explain(self, r: requests.Response, what: str) -> str:
        try:
            detail = r.json().get("message", "")
        except ValueError:
            detail = r.text[:200]
        if r.status_code == 401:
            return self._invalid_token(what)
        return f"{what} 실패 / failed: HTTP {r.status_code} {detail}".strip()

    def api(self, method: str, path: str, what: str, ok=(200,), **kw) -> requests.Response:
        return self._request(method, f"{self.root}/hub/api{path}", what, ok, **kw)

    def lab(self, method: str, user: str, path: str, what: str, ok=(200,), **kw) -> requests.Response:
        return self._request(method, f"{self.root}/user/{quote(user)}{path}", what, ok, **kw)

    # -- hub ------------------------------------------------------------------
    def cohort_members(self, cohort: str) -> list[str]:
        try:
            r = self.api("GET", f"/groups/{quote(cohort)}", f"코호트 {cohort} 조회 / reading cohort {cohort}")
        except HubApiError as e:
            if e.status in (403, 404) and not e.invalid_token:
                raise HubApiError(
                    f"이 토큰으로는 코호트 '{cohort}'를 관리할 수 없습니다 (강사 권한 없음, 또는 코호트 없음): "
                    f"운영자에게 settings의 workshops[].trainers에 추가하고 허브를 다시 시작해 달라고 "
                    f"요청한 뒤 다시 실행하세요.\n"
                    f"your token cannot manage cohort '{cohort}' (no trainer right, or no such cohort): ask "
                    f"the operator to list you in workshops[].trainers and restart the hub, then run this again",
                    e.status,
                ) from None
            raise
        return sorted(r.json().get("users", []))

    def user(self, name: str) -> dict[str, Any]:
        return self.api("GET", f"/users/{quote(name)}", f"{name} 조회 / reading user {name}").json()

    def tokens(self, name: str) -> list[dict[str, Any]]:
        """The user's token models (metadata: note, session id, times; never the token)."""
        r = self.api("GET", f"/users/{quote(name)}/tokens", f"{name} 접속 기록 / reading {name}'s sign-ins")
        return r.json().get("api_tokens") or []

    def start_server(self, name: str) -> None:
        r = self.api(
            "POST", f"/users/{quote(name)}/server", f"{name} 서버 시작 / starting {name}'s server", ok=(201, 202, 400)
        )
        if r.status_code == 400 and "already" not in r.text.lower():
            raise HubApiError(self._explain(r, f"{name} 서버 시작 / starting {name}'s server"), 400)

    def stop_server(self, name: str) -> None:
        self.api(
            "DELETE", f"/users/{quote(name)}/server", f"{name} 서버 중지 / stopping {name}'s server", ok=(202, 204, 404)
        )

    def delete_user(self, name: str) -> None:
        try:
            self.api("DELETE", f"/users/{quote(name)}", f"{name} 삭제 / removing user {name}", ok=(204, 404))
        except HubApiError as e:
            if e.status == 403 and not e.invalid_token:
                raise HubApiError(
                    f"좌석 삭제는 허브 관리자만 할 수 있습니다 / removing seats needs an admin token ({name})", 403
                ) from None
            raise

    def remove_from_group(self, cohort: str, names: list[str]) -> None:
        self.api(
            "DELETE",
            f"/groups/{quote(cohort)}/users",
            f"{cohort} 멤버 제외 / removing members",
            ok=(200, 204),
            json={"users": names},
        )

    # -- a lab (contents API through the proxy) ---------------------------------
    def sessions(self, user: str) -> list[dict[str, Any]]:
        return self.lab("GET", user, "/api/sessions", f"{user}의 열린 노트북 / {user}'s sessions").json()

    def lab_status(self, user: str) -> dict[str, Any]:
        return self.lab("GET", user, "/api/status", f"{user}의 랩 상태 / {user}'s lab status").json()

    def list_dir(self, user: str, path: str = "") -> list[dict[str, Any]]:
        r = self.lab(
            "GET", user, f"/api/contents/{quote(path)}", f"{user}:{path or '/'} 목록 / listing", params={"content": 1}
        )
        return r.json().get("content") or []

    def exists(self, user: str, path: str) -> bool:
        r = self.lab(
            "GET",
            user,
            f"/api/contents/{quote(path)}",
            f"{user}:{path} 확인 / checking",
            ok=(200, 404),
            params={"content": 0},
        )
        return r.status_code == 200

    def read_bytes(self, user: str, path: str) -> bytes:
        r = self.lab(
            "GET",
            user,
            f"/api/contents/{quote(path)}",
            f"{user}:{path} 읽기 / reading",
            params={"type": "file", "format": "base64", "content": 1},
        )
        return base64.b64decode(r.json()["content"])

    def make_dir(self, user: str, path: str) -> None:
        self.lab(
            "PUT",
            user,
            f"/api/contents/{quote(path)}",
            f"{user}:{path} 폴더 만들기 / creating folder",
            ok=(200, 201),
            json={"type": "directory"},
        )

    def write_bytes(self, user: str, path: str, data: bytes) -> None:
        body = {"type": "file", "format": "base64", "content": base64.b64encode(data).decode("ascii")}
        self.lab("PUT", user, f"/api/contents/{quote(path)}", f"{user}:{path} 쓰기 / writing", ok=(200, 201), json=body)
