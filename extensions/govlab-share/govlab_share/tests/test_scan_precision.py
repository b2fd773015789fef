"""Scanner precision on public data and the secret shapes it used to miss.

Controls: `data/scan_corpus/` (beside this file) holds real-looking open-data outputs (made-up
values) that must never block a share. Cards: issuer range + issuer length + Luhn,
and a card word nearby for contiguous digit runs (see scan/_korean.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from govlab_share.scan import scan_files, scan_text
from govlab_share.scan._korean import card_issuer_ok, luhn_ok

CORPUS = Path(__file__).resolve().parent / "data" / "scan_corpus"

# Secret-shaped fixtures are assembled from parts so that repository scanners do
# not flag this file itself.
HEX32 = "5f2a9c1b7d4e4f60" + "a8718293a4b5c6d7"
SK48 = "sk-" + "Ab3dEf6hIj9lMn2pQr5tUv8x" + "Yz1bCd4fGh7jKl0nOp3rSt6v"


def _corpus() -> dict[str, bytes]:
    return {f"data/{p.name}": p.read_bytes() for p in sorted(CORPUS.iterdir()) if p.name != "README.md"}


def test_corpus_controls_never_block():
    findings = scan_files(_corpus())
    assert [f for f in findings if f.blocking] == []
    # The office numbers are still listed, as information.
    info = {f.kind for f in findings if not f.blocking}
    assert info == {"landline_phone"}
    assert all(f.confidence == "info" for f in findings)


def test_corpus_ids_would_pass_a_luhn_only_rule():
    # The controls are meaningful: most 16-digit management numbers in the corpus
    # have a card issuer prefix and pass Luhn; only the missing card context keeps
    # them from matching.
    rows = (CORPUS / "localdata_restaurants.csv").read_text(encoding="utf-8").splitlines()[1:]
    ids = [r.split(",")[0] for r in rows]
    assert sum(card_issuer_ok(i) and luhn_ok(i) for i in ids) >= 20
    # ... and with a card column header right above them, they do match.
    header = "카드번호,인허가일자\n"
    assert any(f.kind == "card_number" for f in scan_text(header + "\n".join(rows)))


def test_landline_is_information_mobile_blocks():
    (land,) = scan_text("민원실 02-2133-8411")
    assert (land.kind, land.confidence, land.blocking) == ("landline_phone", "info", False)
    (mobile,) = scan_text("담당자 010-9876-5432")
    assert (mobile.kind, mobile.blocking) == ("mobile_phone", True)


CARDS_FOUND = [
    ("visa-grouped", "4532 6440 5733 4777"),
    ("visa-contiguous-with-word", "결제 카드 4532644057334777"),
    ("mastercard-2-series", "card: 2221 0012 3456 7896"),
    ("amex-grouped", "3714 825396 72858"),
    ("amex-contiguous-with-word", "amex 371482539672858"),
    ("jcb", "3589-1234-5678-9018"),
    ("unionpay-19-with-word", "카드번호 6250557033731098219"),
    ("korean-domestic", "국내전용 9410-0438-8312-5838"),
    ("header-above", "이름,카드번호\n홍길동,4532644057334777"),
]
CARDS_NOT_FOUND = [
    ("contiguous-no-context", "4532644057334777"),
    ("15-digit-open-data-key-luhn", "시설ID 300000093451455"),  # Luhn ok, not Amex-shaped
    ("15-digit-key-even-with-card-word", "카드 가맹점 ID 300000093451455"),
    ("amex-shaped-contiguous-no-context", "371482539672858"),
    ("visa-wrong-length-15", "4532 6440 5733 477"),
    ("no-issuer-prefix", "1234-5678-9012-3452"),
    ("luhn-fail", "4532 6440 5733 4778"),
]


@pytest.mark.parametrize("case_id,text", CARDS_FOUND, ids=[c[0] for c in CARDS_FOUND])
def test_card_found(case_id, text):
    assert [f.kind for f in scan_text(text)] == ["card_number"]


@pytest.mark.parametrize("case_id,text", CARDS_NOT_FOUND, ids=[c[0] for c in CARDS_NOT_FOUND])
def test_card_not_found(case_id, text):
    assert [f for f in scan_text(text) if f.kind == "card_number"] == []


def test_luhn_valid_15_digit_key_is_luhn_valid():
    # Guards the case above: the key really passes Luhn, so only the issuer rule drops it.
    assert luhn_ok("300000093451455") and not card_issuer_ok("300000093451455")


SECRETS_FOUND = [
    ("shell-export", f"export SERVICE_TOKEN=b023f5e9a1c84d7f{HEX32[:16]}", "b023f5e9a1c84d7f"),
    ("dotenv", "DB_PASSWORD=hunter2-long-value", "hunter2-long-value"),
    ("environ-assign", 'os.environ["X_API_KEY"]="Zk8Pq2Lr9Vb3Nc8Wd1Fh6Jm4"', "Zk8Pq2Lr9Vb3Nc8Wd1Fh6Jm4"),
    ("yaml", "database:\n  password: s3cr3t-Pa55w0rd\n", "s3cr3t-Pa55w0rd"),
    ("sk-48", f"OPENAI_API_KEY={SK48}", SK48),
    ("sk-48-in-code", f"client = OpenAI(api_key='{SK48}')", SK48),
    ("hub-token-env-print", f"JUPYTERHUB_API_TOKEN: {HEX32}", HEX32),
    ("hub-token-dict-print", f"{{'JUPYTERHUB_API_TOKEN': '{HEX32}'}}", HEX32),
    ("server-url-token", f"http://127.0.0.1:8888/lab?token={HEX32}", HEX32),
    ("bearer", f"Authorization: Bearer {HEX32}{HEX32}", HEX32),
]


@pytest.mark.parametrize("case_id,text,secret", SECRETS_FOUND, ids=[c[0] for c in SECRETS_FOUND])
def test_secret_found_and_masked(case_id, text, secret):
    findings = scan_text(text)
    assert findings and all(f.kind.startswith("secret:") and f.blocking for f in findings), findings
    assert all(secret not in f.excerpt for f in findings)


NOT_SECRETS = [
    ("placeholder-name", "api_key = YOUR_API_KEY"),
    ("placeholder-quoted", 'api_key = "YOUR_API_KEY"'),
    ("angle", "token=<token>"),
    ("xxxx", "password=xxxxxxxxxx"),
    ("shell-ref-braces", "TOKEN=${TOKEN}"),
    ("shell-ref", "export TOKEN=$TOKEN"),
    ("environ-ref", "api_key=os.environ['X_API_KEY']"),
    ("environ-ref-alone", "print(os.environ['X_API_KEY'])"),
    ("tokenizer", "tokenizer=bert-base-v2"),
    ("variable", "login(password=password_var2)"),
    ("attribute", "api_key=cfg.openai_key2"),
    ("date", "token_expiry=2024-01-01T00:00:00"),
    ("counts", "usage: max_tokens=512 prompt_tokens=1306 completion_tokens=629"),
    ("path", "token_path=/home/u/tok2.txt"),
    ("url", "token_url=https://auth.example.go.kr/oauth2"),
    ("sk-short", "OPENAI_API_KEY=sk-should-never-leave"),
]


@pytest.mark.parametrize("case_id,text", NOT_SECRETS, ids=[c[0] for c in NOT_SECRETS])
def test_not_a_secret(case_id, text):
    assert scan_text(text) == []
