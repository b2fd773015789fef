"""Pre-share scanner: secrets and Korean personal data in a share bundle.

    from govlab_share.scan import scan_files, Finding
    findings = scan_files({"analysis.ipynb": b"...", "chat.chat": b"..."})

Any finding blocks the share. Deterministic, offline; detect-secrets settings are
built once, on first use.
"""

from ._core import scan_files, scan_text
from ._finding import KIND_LABELS, Finding

__all__ = ["Finding", "KIND_LABELS", "scan_files", "scan_text"]
