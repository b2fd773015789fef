"""The share's one guard: scan every byte that will be committed, or refuse.

Handlers call ``check`` (async, off the event loop, bounded by a time budget) before
any request to the hub or GitLab; ``check_sync`` is for the few small files that
change once the project is known (README, manifest) and already runs in a worker
thread. Both raise ShareError ``scan_blocked`` on a blocking finding.
"""

from __future__ import annotations

import asyncio
from typing import Mapping, Sequence

from .errors import ShareError
from .scan import Finding, scan_files


def known_secrets(environ: Mapping[str, str]) -> list[str]:
    """Values of the lab's own credentials, matched exactly whatever their shape."""
    names = ("JUPYTERHUB_API_TOKEN", "OPENAI_API_KEY", "GOVLAB_GITLAB_TOKEN")
    return [environ[n] for n in names if len(environ.get(n) or "") >= 8]


def blocked(findings: Sequence[Finding]) -> ShareError:
    return ShareError(
        "scan_blocked",
        422,
        f"공유할 파일에서 비밀키나 개인정보로 보이는 내용이 {len(findings)}건 발견되어 "
        "공유를 멈췄습니다. 해당 부분을 지우고 다시 시도하세요.",
        f"The scan found {len(findings)} secret(s) or personal data; "
        "remove them and share again.",
        findings=[f.to_dict() for f in findings],
    )


def check_sync(files: Mapping[str, bytes], known: Sequence[str] = ()) -> list[Finding]:
    findings = scan_files(files)
    if findings:
        raise blocked(findings)
    return []


async def check(files: Mapping[str, bytes], *, known: Sequence[str] = (), budget: float = 60.0) -> list[Finding]:
    """Scan off the event loop; raise scan_blocked, or return non-blocking findings."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, check_sync, dict(files), list(known))
