"""The share's one guard: scan every byte that will be committed, or refuse.

Handlers call ``check`` (async) before any request to the hub or GitLab: the scan
runs in a separate worker process (``scan._runner``) so that no pattern, however
slow, can stall the server's event loop, and it is killed after ``budget`` seconds
(share refused with ``scan_timeout``, nothing sent). ``check_sync`` is for the few
small files that change once the project is known (README, manifest) and already
runs in a worker thread. Both raise ShareError ``scan_blocked`` listing every
finding when any finding is blocking, and otherwise return the non-blocking ones
(information such as landline numbers) for the answer's ``notices``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from .errors import ShareError
from .scan import Finding, scan_files
from .scan._runner import ScanFailed, ScanTimeout, run_scan

_FIXED_NAMES = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN", "OPENAI_API_KEY")
# Environment variable names that say they hold a credential.
_CRED_ENV_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|_KEY$", re.IGNORECASE)
_MIN_KNOWN = 8
# A URL without user:password@ (an endpoint, a callback) is configuration, not a key.
_PLAIN_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,20}://[^@\s]{0,2000}")


def _is_credential_value(value: str) -> bool:
    if len(value) < _MIN_KNOWN or value.isdigit():
        return False
    if value[0] in "/~." or value[:3] in ('["', "['"):  # paths; JSON lists (scopes)
        return False
    return not _PLAIN_URL.fullmatch(value)


def known_secrets(environ: Mapping[str, str], token_env: str = "GOVLAB_GITLAB_TOKEN") -> list[str]:
    """Values of the lab's own credentials, matched exactly whatever their shape:
    the hub, model and GitLab tokens, and every variable whose name says it holds a
    credential (``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``, ``*API_KEY*``, ``*_KEY``)."""
    names = set(_FIXED_NAMES) | {token_env}
    names |= {n for n in environ if _CRED_ENV_NAME.search(n)}
    values = {environ.get(n) or "" for n in names}
    return sorted(v for v in values if _is_credential_value(v))


def _blocking(f: Finding) -> bool:
    return getattr(f, "blocking", f.confidence != "info")


def blocked(findings: Sequence[Finding]) -> ShareError:
    n = sum(1 for f in findings if _blocking(f))
    return ShareError(
        "scan_blocked",
        422,
        f"공유할 파일에서 비밀키나 개인정보로 보이는 내용이 {n}건 발견되어 "
        "공유를 멈췄습니다. 해당 부분을 지우고 다시 시도하세요.",
        f"The scan found {n} secret(s) or personal data; remove them and share again.",
        findings=[f.to_dict() for f in findings],
    )


def timed_out(budget: float) -> ShareError:
    return ShareError(
        "scan_timeout",
        422,
        f"공유 전 검사가 {budget:g}초 안에 끝나지 않아 공유를 멈췄습니다. 아무것도 보내지 "
        "않았습니다. '출력 유지'를 해제하거나 큰 출력을 지운 뒤 다시 시도하세요.",
        f"The scan took longer than {budget:g} s, so nothing was sent. Untick "
        '"keep outputs" (출력 유지) or remove large outputs and try again.',
    )


def failed(reason: str) -> ShareError:
    return ShareError(
        "scan_failed",
        500,
        "공유 전 검사가 중간에 멈춰 공유를 멈췄습니다. 아무것도 보내지 않았습니다. 큰 출력을 "
        "지우고 다시 시도하고, 계속되면 관리자에게 문의하세요.",
        "The scan stopped before it finished, so nothing was sent. Remove large "
        "outputs and try again; if it keeps failing, ask the operator.",
        details=[reason],
    )


def _verdict(findings: Sequence[Finding]) -> list[Finding]:
    if any(_blocking(f) for f in findings):
        raise blocked(findings)
    return list(findings)


def check_sync(files: Mapping[str, bytes], known: Sequence[str] = ()) -> list[Finding]:
    """In-process scan for small files; raise scan_blocked or return notices."""
    return _verdict(scan_files(files, known=known))


class _ResultCache:
    """Small LRU of scan results by digest of (files, known), for a few minutes:
    the dialog's pre-check and the share that follows scan the same bytes once."""

    def __init__(self, size: int = 8, ttl: float = 600.0) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[bytes, tuple[float, list[Finding]]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(files: Mapping[str, bytes], known: Sequence[str]) -> bytes:
        h = hashlib.blake2b(digest_size=32)
        for path in sorted(files):
            data = files[path]
            if isinstance(data, str):
                data = data.encode("utf-8")
            for part in (path.encode("utf-8"), data):
                h.update(len(part).to_bytes(8, "big"))
                h.update(part)
        for value in sorted(set(known)):
            part = value.encode("utf-8")
            h.update(len(part).to_bytes(8, "big"))
            h.update(part)
        return h.digest()

    def get(self, key: bytes) -> list[Finding] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if time.monotonic() - item[0] > self.ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return list(item[1])

    def put(self, key: bytes, findings: list[Finding]) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), list(findings))
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


cache = _ResultCache()


def scan_in_worker(files: Mapping[str, bytes], known: Sequence[str], budget: float) -> list[Finding]:
    """Blocking (call from a thread): cached result, or a budgeted worker-process scan."""
    key = cache.key(files, known)
    found = cache.get(key)
    if found is not None:
        return found
    try:
        found = run_scan(files, known, budget)
    except ScanTimeout:
        raise timed_out(budget) from None
    except ScanFailed as e:
        raise failed(str(e)) from None
    cache.put(key, found)
    return found


async def check(files: Mapping[str, bytes], *, known: Sequence[str] = (), budget: float = 60.0) -> list[Finding]:
    """Scan off the event loop within `budget` seconds; raise scan_blocked (all
    findings listed), scan_timeout or scan_failed, or return non-blocking findings."""
    loop = asyncio.get_running_loop()
    found = await loop.run_in_executor(None, scan_in_worker, dict(files), list(known), budget)
    return _verdict(found)
