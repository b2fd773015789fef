"""The Finding record returned by the scanner."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Korean first (the UI language), English after for logs and reviewers.
KIND_LABELS = {
    "resident_registration_number": "주민등록번호 (resident registration number)",
    "foreign_registration_number": "외국인등록번호 (foreign registration number)",
    "mobile_phone": "휴대전화번호 (mobile phone number)",
    "landline_phone": "유선전화번호 (landline phone number)",
    "card_number": "신용카드번호 (card number)",
    "passport_number": "여권번호 (passport number)",
    "data_go_kr_service_key": "공공데이터포털 서비스키 (data.go.kr service key)",
    "secret:lab credential": "이 실습실의 인증 키 (this lab's own credential)",
    "unscanned": "검사할 수 없는 내용: 암호가 걸렸거나 압축을 풀면 너무 큽니다 "
    "(content that cannot be scanned: encrypted or too large unpacked)",
}


def kind_label(kind: str) -> str:
    if kind in KIND_LABELS:
        return KIND_LABELS[kind]
    if kind.startswith("secret:"):
        return f"비밀키/토큰 (secret: {kind[len('secret:') :]})"
    return kind


@dataclass(frozen=True)
class Finding:
    file: str
    cell: int | None  # 1-based cell (.ipynb) or message (.chat); None for plain files and
    # document-level fields (notebook metadata, chat users)
    where: str  # short English locator for logs, e.g. "cell 3 output 1 (stdout)", "message 2", "file"
    line: int  # 1-based line within the cell source / output / message / file
    kind: str  # stable code, e.g. "mobile_phone", "secret:AWS Access Key"
    kind_label: str  # Korean first, English after
    excerpt: str  # the line around the hit, every detected sensitive span masked
    confidence: str  # "high" | "medium" | "info" (information only, never blocks)
    location: str = ""  # Korean, for the official: "셀 4, 출력 1", "대화 민원분석, 3번째 메시지"
    location_en: str = ""  # the same in English: "cell 4, output 1", "chat 민원분석, message 3"
    # Korean locations of the same value (same kind) elsewhere in the bundle, e.g. the
    # chat transcript or README that repeat it; the finding is listed once.
    also: tuple[str, ...] = ()
    blocking: bool = field(init=False)  # False only for confidence "info"

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocking", self.confidence != "info")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["also"] = list(self.also)
        return d
