"""Pre-share scanner: true/false positive corpus, locators, masking, file handling."""

from __future__ import annotations

import base64
import json

import pytest

# Test the source tree, not a (possibly stale, non-editable) installed copy.
from govlab_share.scan import Finding, scan_files, scan_text

# Secret-shaped fixtures are assembled from parts so that repository scanners
# (GitLab/GitHub push protection) do not flag this file itself.
GOKR_DEC = "nXmxo38xgBzRGmcG+0DWvVdSaEaQO7E+3lYkOenBuCOpYIm8px89Gm0tPK2zZpy9UOFl5DQknYuCn0EWaYQqlw=="
GOKR_ENC = "nXmxo38xgBzRGmcG%2B0DWvVdSaEaQO7E%2B3lYkOenBuCOpYIm8px89Gm0tPK2zZpy9UOFl5DQknYuCn0EWaYQqlw%3D%3D"
GOKR_HEX = "c563e58454eeb0b6eb49e428011ae4e08f61c9fdfff10028373eb7ff03e061ac"
AWS_ID = "AKIA" + "Q3EGRIT5PLMZ7XWN"
GITHUB = "ghp_" + "x7Rk2Lq9Vb3Nc8Wd1Fh6Jm4Tp0Ys5Ga2Ue7Io"
GITLAB = "glpat-" + "Zq8Xw3Er7Ty1Ui5Op9As"
SLACK = "xoxb-" + "240123456789-4201234567890-Rk2Lq9Vb3Nc8Wd1Fh6Jm4Tp"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
JWT = "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" + ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
OPENAI = "sk-proj-" + "Rk2Lq9Vb3Nc8Wd1Fh6Jm4Tp0Ys5Ga2Ue7IoZq8Xw3Er7Ty1Ui5"
ANTHROPIC = "sk-ant-api03-" + "Rk2Lq9Vb3Nc8Wd1Fh6Jm4Tp0Ys5Ga2Ue7IoZq8Xw3Er7Ty1Ui5Op9As-AA"
GOOGLE = "AIza" + "SyD8xk2Lq9Vb3Nc8Wd1Fh6Jm4Tp0Ys5Ga2U"
HF = "hf_" + "Rk2LqVbNcWdFhJmTpYsGaUeIoZqXwErTyUiOp"
GENERIC = "fmq9UXkjXpSqD7UoGgqRhhntoI3sL0z9Cs6RlVnn"
PASSWORD = "Gov!Lab#2024xyz"

# (id, text, expected kind, the sensitive value that must never appear in a Finding)
TRUE_POSITIVES = [
    # resident / foreign registration numbers
    ("rrn-hyphen", "주민등록번호: 850315-1234566", "resident_registration_number", "850315-1234566"),
    ("rrn-plain", "jumin=8503151234566", "resident_registration_number", "8503151234566"),
    ("rrn-2000s", "자녀 030512-3049172", "resident_registration_number", "030512-3049172"),
    ("rrn-hangul-glued", "주민번호920724-2114832입니다", "resident_registration_number", "920724-2114832"),
    ("rrn-post2020-no-checkdigit", "신청인 850315-1234560", "resident_registration_number", "850315-1234560"),
    ("frn-hyphen", "외국인 880101-5123452", "foreign_registration_number", "880101-5123452"),
    ("frn-plain", "ARC 0102037654322", "foreign_registration_number", "0102037654322"),
    # mobile
    ("mobile-hyphen", "담당자 010-9876-5432", "mobile_phone", "010-9876-5432"),
    ("mobile-plain", "tel=01098765432", "mobile_phone", "01098765432"),
    ("mobile-space", "연락처 010 9876 5432", "mobile_phone", "010 9876 5432"),
    ("mobile-dot", "010.9876.5432로 연락", "mobile_phone", "010.9876.5432"),
    ("mobile-old-prefix", "011-345-6789", "mobile_phone", "011-345-6789"),
    ("mobile-+82", "call +82 10-9876-5432", "mobile_phone", "+82 10-9876-5432"),
    ("mobile-+82-plain", "+821098765432", "mobile_phone", "+821098765432"),
    ("mobile-in-html", "<td>010-9876-5432</td>", "mobile_phone", "010-9876-5432"),
    # landline
    ("landline-seoul", "민원실 02-2100-3456", "landline_phone", "02-2100-3456"),
    ("landline-gyeonggi", "031-712-3456", "landline_phone", "031-712-3456"),
    ("landline-paren", "(064) 710-2345", "landline_phone", "(064) 710-2345"),
    ("landline-070", "070-4567-8901", "landline_phone", "070-4567-8901"),
    ("landline-+82", "+82-2-2100-3456", "landline_phone", "+82-2-2100-3456"),
    ("landline-plain", "fax 0512345678", "landline_phone", "0512345678"),
    # cards (Luhn)
    ("card-spaces", "카드 4532 6440 5733 4777", "card_number", "4532 6440 5733 4777"),
    ("card-hyphens", "5412-9193-5913-2141", "card_number", "5412-9193-5913-2141"),
    ("card-plain", "pan=4532644057334777", "card_number", "4532644057334777"),
    ("card-amex", "3714 825396 72858", "card_number", "3714 825396 72858"),
    ("card-domestic-9", "국내전용 9410-0438-8312-5838", "card_number", "9410-0438-8312-5838"),
    ("card-19", "카드번호 6250557033731098219", "card_number", "6250557033731098219"),
    # passports
    ("passport-old", "여권번호 M70689098", "passport_number", "M70689098"),
    ("passport-new", "passport: M123A4567", "passport_number", "M123A4567"),
    ("passport-no-context", "S48213765", "passport_number", "S48213765"),
    # data.go.kr service keys
    ("gokr-decoding", f"serviceKey = '{GOKR_DEC}'", "data_go_kr_service_key", GOKR_DEC),
    ("gokr-decoding-bare", f"{GOKR_DEC}", "data_go_kr_service_key", GOKR_DEC),
    (
        "gokr-encoding-url",
        f"http://apis.data.go.kr/1360000/Vil?serviceKey={GOKR_ENC}&pageNo=1",
        "data_go_kr_service_key",
        GOKR_ENC,
    ),
    ("gokr-hex", f'params = {{"ServiceKey": "{GOKR_HEX}", "numOfRows": 10}}', "data_go_kr_service_key", GOKR_HEX),
    ("gokr-hex-underscore", f"service_key={GOKR_HEX}", "data_go_kr_service_key", GOKR_HEX),
    # detect-secrets plugins
    ("ds-aws", f"AWS_ACCESS_KEY_ID = {AWS_ID}", "secret:AWS Access Key", AWS_ID),
    ("ds-github", f"!git clone https://{GITHUB}@github.com/x/y", "secret:GitHub Token", GITHUB),
    ("ds-gitlab", f"gl = gitlab.Gitlab(url, private_token='{GITLAB}')", "secret:GitLab Token", GITLAB),
    ("ds-slack", f"SLACK = {SLACK}", "secret:Slack Token", SLACK),
    ("ds-stripe", f"stripe.api_key = '{STRIPE}'", "secret:Stripe Access Key", STRIPE),
    ("ds-jwt", f"Authorization: {JWT}", "secret:JSON Web Token", JWT),
    (
        "ds-basic-auth",
        "engine = create_engine('postgresql://admin:s3cr3tPw@db.local/x')",
        "secret:Basic Auth Credentials",
        "s3cr3tPw",
    ),
    ("ds-keyword", f'password = "{PASSWORD}"', "secret:Secret Keyword", PASSWORD),
    ("ds-private-key", "-----BEGIN RSA PRIVATE KEY-----", "secret:Private Key", "BEGIN RSA PRIVATE KEY"),
    # govlab additions and gated entropy
    ("extra-openai", f"client = OpenAI(api_key='{OPENAI}')", "secret:OpenAI Project Key", OPENAI),
    ("extra-anthropic", f"ANTHROPIC_API_KEY={ANTHROPIC}", "secret:Anthropic API Key", ANTHROPIC),
    ("extra-google", f"genai.configure(api_key={GOOGLE})", "secret:Google API Key", GOOGLE),
    ("extra-hf", f"login({HF})", "secret:Hugging Face Token", HF),
    ("entropy-token", f'token = "{GENERIC}"', "secret:Base64 High Entropy String", GENERIC),
    (
        "entropy-bearer",
        f"headers = {{'Authorization': 'Bearer {GENERIC}'}}",
        "secret:Base64 High Entropy String",
        GENERIC,
    ),
]

FALSE_POSITIVES = [
    ("date", "기준일 2024-01-01, 종료 2024-12-31"),
    ("datetime", "2024-01-01 09:30:00.123456"),
    ("version", "numpy==1.26.4 pandas 2.2.0 python 3.11.7 version 10.1234.5678"),
    ("long-digit-run", "id 98765432101234567890123"),
    ("rrn-inside-digits", "x = 18503151234566"),
    ("rrn-bad-month", "851315-1234566"),
    ("rrn-bad-day", "850230-1234566"),
    ("rrn-gender-9", "850315-9234566"),
    ("rrn-future", "991231-3234566"),
    ("rrn-masked", "주민번호 850315-1****** 마스킹됨"),
    ("rrn-masked-x", "850315-1XXXXXX"),
    ("epoch-ms", "timestamp: 1704067200000"),
    (
        "pandas-frame",
        "      시군구    기준일자   인구수\n0     종로구  2024-01-01  150123\n1       중구  2024-02-01  121004\n",
    ),
    ("pandas-describe", "count    1000.000000\nmean     5012.345678\nstd       289.012345\nmin         0.000000"),
    ("pandas-index", "RangeIndex(start=0, stop=3000, step=1)\nInt64Index([1010, 2020, 3030], dtype='int64')"),
    ("mobile-example-zero", "예: 010-0000-0000"),
    ("mobile-example-1234", "형식: 010-1234-5678"),
    ("mobile-example-repeat", "010-1111-1111"),
    ("mobile-masked", "010-****-5678, 010-98**-****"),
    ("mobile-too-long", "010-9876-54321"),
    ("mobile-mixed-sep", "010-9876 5432"),
    ("mobile-010-short-mid", "010-987-6543"),
    ("landline-example", "02-1234-5678, 02-123-4567"),
    ("landline-exchange-0", "02-0123-4567"),
    ("uuid", "id: 3f2a9c1b-7d4e-4f60-8718-293a4b5c6d7e"),
    ("uuid-digits", "550e8400-e29b-41d4-a716-446655440000"),
    ("jupyter-cell-id", '"id": "0a1b2c3d-4e5f-6789-abcd-ef0123456789"'),
    ("sha1", "commit 3f2a9c1b7d4e5f60718293a4b5c6d7e8f9012345"),
    ("sha256", "sha256:9b74c9897bac770ffc029102a200c5de5b2d1f6e4a1b3c5d7e9f0123456789ab"),
    ("hex-64-no-context", "digest = 'c563e58454eeb0b6eb49e428011ae4e08f61c9fdfff10028373eb7ff03e061ac'"),
    ("card-test-pan", "Stripe test card 4242 4242 4242 4242 and 4111-1111-1111-1111"),
    ("card-luhn-fail", "4532 6440 5733 4778"),
    ("card-plain-no-iin", "order 1000000000000009"),
    ("card-ns-timestamp", "Timestamp.value 1704067200000000000"),
    ("passport-date-stamp", "report_D20240101.csv and M20231231"),
    ("passport-lowercase", "m70689098"),
    ("passport-in-ident", "XM70689098 M706890981"),
    (
        "base64-image-md",
        "![plot](data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAA" + GOKR_DEC.rstrip("=") * 3 + "==)",
    ),
    ("public-ip", "server 8.8.8.8 responded, ip 211.234.10.5"),
    ("quoted-base64-no-name", f"x = '{GENERIC}'"),
    ("email", "담당: hong.gildong@korea.kr, gildong@gmail.com"),
    ("token-counts", "usage: prompt_tokens=1306 completion_tokens=629 total_tokens=5366"),
    ("env-lookup", "client = OpenAI(api_key=os.environ['OPENAI_API_KEY'])"),
    ("placeholder-key", 'api_key = "your-api-key-here"'),
    ("pip-output", "Successfully installed numpy-1.26.4 pandas-2.2.0 tokenizers-0.15.2"),
    ("math", "result = 0.1 + 0.2  # 0.30000000000000004"),
    ("url-encoded-text", "q=%EC%84%9C%EC%9A%B8%20%EA%B0%95%EB%82%A8%EA%B5%AC&page=2"),
    ("phone-inside-longer", "0101098765432100"),
]


def _all_text(findings: list[Finding]) -> str:
    return "\n".join(json.dumps(f.to_dict(), ensure_ascii=False) for f in findings)


def _assert_masked(findings: list[Finding], secret: str) -> None:
    blob = _all_text(findings)
    assert secret not in blob
    compact = secret.replace("-", "").replace(" ", "")
    assert compact not in blob.replace("-", "").replace(" ", "")


@pytest.mark.parametrize("case_id,text,kind,secret", TRUE_POSITIVES, ids=[c[0] for c in TRUE_POSITIVES])
def test_true_positive(case_id, text, kind, secret):
    findings = scan_text(text)
    assert [f.kind for f in findings] == [kind], findings
    f = findings[0]
    assert f.line == 1 and f.where == "text" and f.cell is None
    # landlines are information only (public offices), the rest blocks
    assert f.confidence in (("info",) if kind == "landline_phone" else ("high", "medium"))
    assert f.kind_label.split(" (")[0] and f.kind_label != f.kind
    assert "*" in f.excerpt
    _assert_masked(findings, secret)


@pytest.mark.parametrize("case_id,text", FALSE_POSITIVES, ids=[c[0] for c in FALSE_POSITIVES])
def test_false_positive(case_id, text):
    assert scan_text(text) == []


CONFIDENCE = [
    ("850315-1234566", "resident_registration_number", "high"),  # check digit ok
    ("신청 850315-1234560", "resident_registration_number", "medium"),  # post-2020 style
    ("주민번호 850315-1234560", "resident_registration_number", "high"),  # context word
    ("S48213765", "passport_number", "medium"),
    ("여권 S48213765", "passport_number", "high"),
    (GOKR_DEC, "data_go_kr_service_key", "medium"),
    (f"serviceKey={GOKR_DEC}", "data_go_kr_service_key", "high"),
    ("0512345678", "landline_phone", "info"),
    ("051-234-5678", "landline_phone", "info"),
    ("card 4532644057334777", "card_number", "medium"),
    ("4532 6440 5733 4777", "card_number", "high"),
]


@pytest.mark.parametrize("text,kind,confidence", CONFIDENCE)
def test_confidence(text, kind, confidence):
    (f,) = scan_text(text)
    assert (f.kind, f.confidence) == (kind, confidence)


def _nb(cells: list[dict]) -> bytes:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, ensure_ascii=False).encode()


def _code(source: str, outputs=()) -> dict:
    return {
        "cell_type": "code",
        "id": "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
        "metadata": {},
        "execution_count": 1,
        "source": source.splitlines(keepends=True),
        "outputs": list(outputs),
    }


def _md(source: str) -> dict:
    return {"cell_type": "markdown", "id": "x", "metadata": {}, "source": source}


PHONE = "010-9876-5432"

# (id, notebook cells, expected (cell, where, line)) with PHONE placed somewhere.
NOTEBOOK_LOCATIONS = [
    ("code-source", [_md("# 제목"), _code("import pandas as pd\nx = 1\n" + f"tel = '{PHONE}'\n")], (2, "cell 2", 3)),
    ("markdown", [_md(f"담당자\n\n- 전화 {PHONE}")], (1, "cell 1", 3)),
    (
        "stream",
        [
            _md("a"),
            _md("b"),
            _code("print(t)", [{"output_type": "stream", "name": "stdout", "text": ["ok\n", f"{PHONE}\n"]}]),
        ],
        (3, "cell 3 output 1 (stdout)", 2),
    ),
    (
        "execute-result-plain",
        [
            _code(
                "df",
                [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/plain": ["   name  phone\n", f"0  홍길동  {PHONE}"]},
                    }
                ],
            )
        ],
        (1, "cell 1 output 1 (text/plain)", 2),
    ),
    (
        "display-html",
        [
            _code(
                "display(df)",
                [
                    {"output_type": "stream", "name": "stderr", "text": "warn\n"},
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"text/html": f"<table>\n<tr><td>{PHONE}</td></tr>\n</table>"},
                    },
                ],
            )
        ],
        (1, "cell 1 output 2 (text/html)", 2),
    ),
    (
        "markdown-output",
        [
            _code(
                "Markdown(s)",
                [{"output_type": "display_data", "metadata": {}, "data": {"text/markdown": f"**{PHONE}**"}}],
            )
        ],
        (1, "cell 1 output 1 (text/markdown)", 1),
    ),
    (
        "json-output",
        [
            _code(
                "JSON(d)",
                [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"application/json": {"name": "홍길동", "phone": PHONE}},
                    }
                ],
            )
        ],
        (1, "cell 1 output 1 (application/json)", 2),
    ),  # one `"key": value` line per leaf
    (
        "traceback-ansi",
        [
            _code(
                "f()",
                [
                    {
                        "output_type": "error",
                        "ename": "ValueError",
                        "evalue": "bad",
                        "traceback": [
                            "\x1b[0;31m----\x1b[0m",
                            f"\x1b[0;31mValueError\x1b[0m: bad phone \x1b[0;32m{PHONE}\x1b[0m",
                        ],
                    }
                ],
            )
        ],
        (1, "cell 1 output 1 (traceback)", 2),
    ),
]


@pytest.mark.parametrize("case_id,cells,expected", NOTEBOOK_LOCATIONS, ids=[c[0] for c in NOTEBOOK_LOCATIONS])
def test_notebook_locators(case_id, cells, expected):
    findings = scan_files({"work/analysis.ipynb": _nb(cells)})
    assert [(f.file, f.cell, f.where, f.line, f.kind) for f in findings] == [
        ("work/analysis.ipynb", *expected, "mobile_phone")
    ]
    _assert_masked(findings, PHONE)


def test_image_output_never_scanned():
    # A verified PNG is not looked at; the same key as text/plain is a finding.
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + GOKR_DEC.encode()).decode()
    as_image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": png}}
    as_text = {"output_type": "display_data", "metadata": {}, "data": {"text/plain": GOKR_DEC}}
    assert scan_files({"a.ipynb": _nb([_code("plot()", [as_image])])}) == []
    (f,) = scan_files({"a.ipynb": _nb([_code("plot()", [as_text])])})
    assert f.kind == "data_go_kr_service_key" and f.where == "cell 1 output 1 (text/plain)"


def _chat(bodies: list[str]) -> bytes:
    return json.dumps(
        {
            "messages": [
                {"id": f"m{i}", "body": b, "time": 1704067200.0 + i, "sender": "u1", "raw_time": False}
                for i, b in enumerate(bodies)
            ],
            "users": {"u1": {"username": "u1", "name": "홍길동"}},
            "attachments": {},
            "metadata": {"id": "c1"},
        },
        ensure_ascii=False,
    ).encode()


def test_chat_locators_and_masking():
    bodies = [
        "안녕하세요",
        "표를 정리해 주세요",
        f"민원인 연락처는\n{PHONE} 이고\n주민번호 850315-1234566",
        "감사합니다",
    ]
    findings = scan_files({"chats/분석.chat": _chat(bodies)})
    assert [(f.cell, f.where, f.line, f.kind) for f in findings] == [
        (3, "message 3", 2, "mobile_phone"),
        (3, "message 3", 3, "resident_registration_number"),
    ]
    _assert_masked(findings, PHONE)
    _assert_masked(findings, "850315-1234566")
    assert findings[1].excerpt == "주민번호 85************"


def test_excerpt_masks_every_sensitive_span_on_the_line():
    # Two different findings on one line: neither excerpt may show the other value.
    line = f"{PHONE} / {GITHUB} / 850315-1234566"
    findings = scan_text(line)
    assert sorted(f.kind for f in findings) == ["mobile_phone", "resident_registration_number", "secret:GitHub Token"]
    for secret in (PHONE, GITHUB, "850315-1234566"):
        _assert_masked(findings, secret)
    # prefixes kept: at most 4 chars
    assert all("ghp_x" not in f.excerpt for f in findings)


def test_excerpt_window_on_long_line():
    line = "x" * 500 + f" {PHONE} " + "y" * 500
    (f,) = scan_text(line)
    assert len(f.excerpt) < 200 and f.excerpt.startswith("…") and f.excerpt.endswith("…")
    assert "010" in f.excerpt and PHONE not in f.excerpt


def test_allowlist_pragma_does_not_hide_a_secret():
    (f,) = scan_text(f"key = '{AWS_ID}'  # pragma: allowlist secret")
    assert f.kind == "secret:AWS Access Key"


def test_overlap_prefers_specific_kind():
    # KeywordDetector also sees service_key = "..."; one, specific, finding remains.
    findings = scan_text(f'service_key = "{GOKR_DEC}"')
    assert [f.kind for f in findings] == ["data_go_kr_service_key"]


def test_files_of_each_type_and_sorting():
    files = {
        "z/notes.md": f"# 메모\n\n전화 {PHONE}\n".encode(),
        "a/run.py": f"import os\nTOKEN = '{GITLAB}'\n".encode(),
        "b/data.csv": f"이름,번호\n홍길동,{PHONE}\n".encode("cp949"),  # legacy Korean encoding
        "c/config.json": json.dumps({"serviceKey": GOKR_DEC}).encode(),
        "d/readme.txt": b"nothing here\n",
        "e/plot.png": b"\x89PNG\r\n\x1a\n" + PHONE.encode(),
        "f/blob.bin": b"\x00\x01" + PHONE.encode(),
        "g/unknown.ext": b"\x00binary",
        "h/broken.ipynb": f'{{"cells": [ not json {PHONE}'.encode(),
    }
    findings = scan_files(files)
    got = [(f.file, f.cell, f.where, f.line, f.kind) for f in findings]
    # One phone number in three files: listed once, the notebook first, the rest in `also`.
    assert got == [
        ("a/run.py", None, "file", 2, "secret:GitLab Token"),
        ("c/config.json", None, "file", 1, "data_go_kr_service_key"),
        ("h/broken.ipynb", None, "file", 1, "mobile_phone"),
    ]
    # The .bin file's printable text is scanned too (not the verified PNG).
    assert findings[2].also == ("파일 b/data.csv, 2번째 줄", "파일 f/blob.bin", "파일 z/notes.md, 3번째 줄")


def test_sorted_by_file_cell_line():
    nb = _nb(
        [
            _code(f"a = '{PHONE}'"),
            _md("x"),
            _code("x = 1\n\n" + f"b = '{PHONE}'", [{"output_type": "stream", "name": "stdout", "text": f"{PHONE}\n"}]),
        ]
    )
    findings = scan_files({"b.ipynb": nb, "a.chat": _chat(["x", PHONE, "y", "z" + " " + PHONE.replace("-", "")])})
    assert [(f.file, f.cell, f.line) for f in findings] == [("a.chat", 4, 1), ("b.ipynb", 1, 1)]
    # Repeats of one value are listed once, the first place kept, the others in `also`.
    assert findings[1].also == ("셀 3, 출력 1", "셀 3", "대화 a, 2번째 메시지")


def test_to_dict_and_api_shape():
    (f,) = scan_text(f"x {PHONE}", file="memo.txt")
    d = f.to_dict()
    assert set(d) == {
        "file",
        "cell",
        "where",
        "line",
        "kind",
        "kind_label",
        "excerpt",
        "confidence",
        "location",
        "location_en",
        "blocking",
        "also",
    }
    assert (d["location"], d["location_en"], d["blocking"], d["also"]) == (
        "파일 memo.txt, 1번째 줄",
        "file memo.txt, line 1",
        True,
        [],
    )
    assert d["file"] == "memo.txt" and d["kind_label"] == "휴대전화번호 (mobile phone number)"
    assert json.loads(json.dumps(d)) == d


def test_deterministic():
    text = "\n".join(c[1] for c in TRUE_POSITIVES)
    first = scan_text(text)
    assert len(first) == len({(c[2], c[3]) for c in TRUE_POSITIVES})  # repeats listed once
    assert scan_text(text) == first


def test_clean_notebook_has_no_findings():
    nb = _nb(
        [
            _md("# 2024년 인구 분석\n버전 1.2.3, 기준일 2024-01-01. 문의: 010-0000-0000"),
            _code(
                "import pandas as pd\ndf = pd.read_csv('pop.csv')\ndf.head()",
                [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {
                            "text/plain": "     시군구  인구수\n0   종로구  150123\n1     중구  121004",
                            "text/html": "<table><tr><td>150123</td></tr></table>",
                        },
                    },
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {
                            "image/png": base64.b64encode(b"\x89PNG\r\n\x1a\n" + GOKR_DEC.encode() * 50).decode(),
                            "text/plain": "<Figure size 640x480 with 1 Axes>",
                        },
                    },
                ],
            ),
        ]
    )
    assert scan_files({"clean.ipynb": nb}) == []
