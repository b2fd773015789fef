"""The one error type every module raises; handlers turn it into the contract's JSON."""

from __future__ import annotations


class ShareError(Exception):
    """A failure with a contract `code`, an HTTP status and bilingual messages."""

    def __init__(
        self,
        code: str,
        status: int,
        message: str,
        message_en: str,
        *,
        details: list[str] | None = None,
        findings: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.status = status
        self.message = message
        self.message_en = message_en
        self.details = list(details or [])
        self.findings = list(findings or [])
        self.headers = dict(headers or {})

    def to_dict(self) -> dict:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "message_en": self.message_en,
                "findings": self.findings,
                "details": self.details,
            }
        }


def bad_request(message: str, message_en: str, details=None) -> ShareError:
    return ShareError("bad_request", 400, message, message_en, details=details)
