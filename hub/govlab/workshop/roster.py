"""The printable roster: sign-in address and each seat's credentials (Korean first)."""

from __future__ import annotations

import datetime as dt
from html import escape

CSS = """
body { font-family: "Noto Sans KR", "Malgun Gothic", sans-serif; margin: 2em; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
.en { color: #555; font-size: .85em; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { border: 1px solid #888; padding: .45em .7em; text-align: left; }
td.password, td.seat { font-family: "D2Coding", Consolas, monospace; font-size: 1.15em; }
.address { font-family: monospace; font-size: 1.2em; }
@media print {
  body { margin: 1cm; }
  tr.seat-row { page-break-inside: avoid; }
  .noprint { display: none; }
}
"""


def roster_html(
    cohort: str,
    address: str,
    seats: list[tuple[str, str | None]],
    trainers: list[str] = (),
    materials_link: str = "",
    created: dt.datetime | None = None,
) -> str:
    """seats: (seat name, one-time password or None for existing accounts)."""
    created = created or dt.datetime.now()
    login = f"{address.rstrip('/')}/hub/login"
    rows = []
    for name, password in seats:
        cred = (
            escape(password) if password else "본인 계정 비밀번호 <span class='en'>/ your own account's password</span>"
        )
        rows.append(
            f"<tr class='seat-row' data-seat='{escape(name)}'><td class='seat'>{escape(name)}</td>"
            f"<td class='password'>{cred}</td><td></td></tr>"
        )
    materials = ""
    if materials_link:
        materials = (
            f"<p>실습 자료 받기 <span class='en'>/ get the materials</span>: "
            f"<a href='{escape(materials_link)}'>{escape(materials_link)}</a></p>"
        )
    trainer_line = ", ".join(escape(t) for t in trainers) or "-"
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8">
<title>govlab 실습 명단 {escape(cohort)} / workshop roster</title>
<style>{CSS}</style></head>
<body>
<h1>govlab 실습 명단: {escape(cohort)} <span class="en">/ workshop roster</span></h1>
<p>접속 주소 <span class="en">/ sign-in address</span>: <span class="address">{escape(login)}</span></p>
<p>아래 표의 <b>좌석 이름</b>과 <b>비밀번호</b>로 로그인하세요. 비밀번호는 이 명단에만 있습니다: 잘라서 한 장씩 나눠 주세요.<br>
<span class="en">Sign in with your seat name and password below. The passwords exist only on this sheet: cut it and hand each person their row.</span></p>
<p>강사 <span class="en">/ trainers</span>: {trainer_line} &nbsp; 작성 <span class="en">/ created</span>: {created:%Y-%m-%d %H:%M}</p>
{materials}
<table>
<thead><tr><th>좌석 <span class="en">/ seat (user name)</span></th><th>비밀번호 <span class="en">/ password</span></th><th>참가자 <span class="en">/ participant</span></th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
</body></html>
"""
