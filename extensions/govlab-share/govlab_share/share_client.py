"""The lab's client of the hub's share service (`govlab-share`): commit, or get a token.

Every request carries the lab's own hub API token; the service takes the official's
name from it. A POST is sent once, never retried: when no answer comes in time the
share may or may not have landed, and the official is told so. Sharing again is safe:
the commit carries a `Govlab-Share-Id` trailer and a share whose answer was lost is
recognised and not committed twice (docs/share-api.md, "Exactly once").
"""

from __future__ import annotations

import base64
import json

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from .errors import ShareError

# Beyond the scan and GitLab budgets: the body's transfer and the service's own checks.
SLACK = 30.0


def publish_timeout(cfg, upload_budget: float) -> float:
    """How long the lab waits for the service: its re-scan plus the GitLab step."""
    return cfg.scan_budget + upload_budget + SLACK


def _headers(environ) -> dict[str, str]:
    return {
        "Authorization": f"token {environ.get('JUPYTERHUB_API_TOKEN', '')}",
        "Accept": "application/json",
    }


def _unreachable(detail: str) -> ShareError:
    return ShareError(
        "gitlab_unavailable",
        502,
        "허브의 공유 서비스에 연결할 수 없습니다. 잠시 후 다시 시도하고, 계속되면 관리자에게 문의하세요.",
        "Cannot reach the hub's share service; try again in a moment, and ask the operator if it persists.",
        details=[detail],
    )


def _unknown(timeout: float) -> ShareError:
    return ShareError(
        "gitlab_unavailable",
        504,
        f"공유 서비스가 {timeout:g}초 안에 답하지 않아 공유가 되었는지 알 수 없습니다. GitLab에서 "
        "프로젝트를 확인한 뒤 필요하면 다시 공유하세요. 다시 공유해도 이전 내용은 지워지지 않습니다.",
        f"The share service did not answer within {timeout:g} s, so whether the share "
        "landed is unknown. Check the project in GitLab and share again if needed: "
        "sharing again loses nothing.",
        details=["outcome unknown: no answer from the share service"],
    )


def _from_answer(code: int, body: bytes | None, headers=None) -> ShareError:
    """The service's own ShareError body, as the official would have got it here."""
    try:
        err = json.loads(body or b"").get("error")
    except (ValueError, AttributeError):
        err = None
    if not isinstance(err, dict) or not isinstance(err.get("code"), str):
        return _unreachable(f"share service answered {code}")
    keep = {}
    if headers is not None and headers.get("Retry-After"):
        keep["Retry-After"] = headers["Retry-After"]
    return ShareError(
        err["code"][:64],
        code,
        str(err.get("message") or "")[:4000],
        str(err.get("message_en") or "")[:4000],
        details=[str(d)[:1000] for d in (err.get("details") or [])][:100],
        findings=[f for f in (err.get("findings") or []) if isinstance(f, dict)],
        headers=keep,
    )


async def _fetch(request: HTTPRequest, timeout: float):
    try:
        return await AsyncHTTPClient().fetch(request)
    except HTTPClientError as e:
        if e.code == 599:
            raise _unknown(timeout) if request.method == "POST" else _unreachable("timeout") from None
        response = e.response
        raise _from_answer(
            e.code, response.body if response else None, response.headers if response else None
        ) from None
    except OSError as e:  # refused, DNS: nothing was sent
        raise _unreachable(type(e).__name__) from None


async def publish(cfg, environ, payload: dict, files: dict[str, bytes], timeout: float) -> tuple[dict, dict]:
    """POST api/publish once; (response body, record fields) as publish() returns them."""
    body = dict(payload, files={p: base64.b64encode(d).decode("ascii") for p, d in files.items()})
    request = HTTPRequest(
        f"{cfg.service_url}/api/publish",
        method="POST",
        headers={**_headers(environ), "Content-Type": "application/json"},
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        request_timeout=timeout,
        connect_timeout=min(timeout, cfg.request_timeout),
    )
    response = await _fetch(request, timeout)
    try:
        answer = json.loads(response.body)
        return answer["result"], answer["record"]
    except (ValueError, KeyError, TypeError):
        raise _unknown(timeout) from None


async def token(cfg, environ) -> dict:
    """GET api/token: {"access_token", "expires_at"} of the signed-in official."""
    request = HTTPRequest(
        f"{cfg.service_url}/api/token",
        headers=_headers(environ),
        request_timeout=cfg.request_timeout,
        connect_timeout=cfg.request_timeout,
    )
    response = await _fetch(request, cfg.request_timeout)
    try:
        answer = json.loads(response.body)
    except ValueError:
        raise _unreachable("share service sent no JSON") from None
    return answer if isinstance(answer, dict) else {}
