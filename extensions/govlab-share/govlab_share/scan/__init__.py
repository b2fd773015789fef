"""Pre-share scanner: secrets and Korean personal data in a share bundle.

    from govlab_share.scan import scan_files, Finding
    findings = scan_files({"analysis.ipynb": b"...", "chats/x.chat": b"..."}, known=[lab_key])

Every field of a notebook or chat is scanned (see _extract); `known` values (the lab's
own keys) are matched exactly. A finding with `blocking` True stops the share
(`blocking` is False only for confidence "info"). Each value is reported once, at
its source, with the other places in `also`; `location` / `location_en` say where in
words an official understands. Deterministic, offline; detect-secrets settings are
built once, on first use.
"""

from ._core import scan_files, scan_text
from ._finding import KIND_LABELS, Finding

__all__ = ["Finding", "KIND_LABELS", "scan_files", "scan_text"]
