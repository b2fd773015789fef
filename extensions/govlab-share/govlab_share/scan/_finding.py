"""The Finding record returned by the scanner."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# Korean first (the UI language), English after for logs and reviewers.
KIND_LABELS = {
    "resident_registration_number": "주민등록번호 (resident registration number)",
    "foreign_registration_number": "외국인등록번호 (foreign registration number)",
    "mobile_phone": "휴대전화번호 (mobile phone number)",
    "landline_phone": "유선전화번호 (landline phone number)",
    "card_number": "신용카드번호 (card number)",
    "passport_number": "여권번호 (passport number)",
    "data_go_kr_service_key": "공공데이터포털 서비스키 (data.go.kr service key)",
}


def kind_label(kind: str) -> str:
    if kind in KIND_LABELS:
        return KIND_LABELS[kind]
    if kind.startswith("secret:"):
        return f"비밀키/토큰 (secret: {kind[len('secret:'):]})"
    return kind


@dataclass(frozen=True)
class Finding:
    file: str
    cell: int | None  # 1-based cell index (.ipynb) or message index (.chat); None for plain files
    where: str  # short English locator, e.g. "cell 3 output 1 (stdout)", "message 2", "file"
    line: int  # 1-based line within the cell source / output / message / file
    kind: str  # stable code, e.g. "mobile_phone", "secret:AWS Access Key"
    kind_label: str  # Korean first, English after
    excerpt: str  # the line around the hit, every detected sensitive span masked
    confidence: str  # "high" | "medium"

    def to_dict(self) -> dict:
        return asdict(self)
