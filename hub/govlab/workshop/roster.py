"""The printable roster: sign-in address and each seat's credentials (Korean first).

Every row is a slip to cut out: seat, password, and the sign-in address with its QR code,
so a learner who gets only their slip can still find the hub. Writing it is staged: the
file is made beside its target first, so the seat passwords are committed only once the
roster is known to be writable (see cli.cmd_create).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from html import escape
from pathlib import Path

import segno

CSS = """
body { font-family: "Noto Sans KR", "Malgun Gothic", sans-serif; margin: 2em; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
.en { color: #555; font-size: .85em; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { border: 1px solid #888; padding: .45em .7em; text-align: left; }
td.signin { font-size: .8em; }
td.signin svg { display: block; margin-top: .2em; }
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
    signin = f"<td class='signin'><span class='address'>{escape(login)}</span>{qr_svg(login)}</td>"
    rows = []
    for name, password in seats:
        cred = (
            escape(password) if password else "본인 계정 비밀번호 <span class='en'>/ your own account's password</span>"
        )
        rows.append(
            f"<tr class='seat-row' data-seat='{escape(name)}'><td class='seat'>{escape(name)}</td>"
            f"<td class='password'>{cred}</td>{signin}<td></td></tr>"
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
<span class="en">Sign in with your seat name and password below. The passwords exist only on this sheet: cut it and hand each person their row.</span><br>
비밀번호는 대시(-) 없이, 대문자로 입력해도 됩니다. <span class="en">You may type the password without dashes and in capitals.</span></p>
<p>강사 <span class="en">/ trainers</span>: {trainer_line} &nbsp; 작성 <span class="en">/ created</span>: {created:%Y-%m-%d %H:%M}</p>
{materials}
<table>
<thead><tr><th>좌석 <span class="en">/ seat (user name)</span></th><th>비밀번호 <span class="en">/ password</span></th><th>접속 주소 <span class="en">/ sign-in address</span></th><th>참가자 <span class="en">/ participant</span></th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
</body></html>
"""


def qr_svg(text: str) -> str:
    """An inline SVG QR code of `text` (medium error correction survives a smudged print)."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=3, border=2, title=text)


class RosterError(Exception):
    """The roster cannot be written where asked (the message is Korean + English)."""


def check_target(path: Path) -> None:
    """Refuse a roster path that cannot hold a file, before anything is generated."""
    path = Path(path)
    parent = path.parent
    reason = ""
    if path.is_dir():
        reason = "폴더입니다 / it is a folder"
    elif not parent.is_dir():
        reason = f"폴더 {parent} 가 없습니다 / folder {parent} does not exist"
    elif not os.access(parent, os.W_OK | os.X_OK):
        reason = f"폴더 {parent} 에 쓸 수 없습니다 / folder {parent} is not writable"
    elif path.exists() and not path.is_file():
        reason = "일반 파일이 아닙니다 / not a regular file"
    if reason:
        raise RosterError(reason)


def stage(path: Path, html: str) -> Path:
    """Write the roster to a hidden file beside `path` (mode 600); publish() moves it in place."""
    path = Path(path)
    check_target(path)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(html)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise RosterError(e.strerror or str(e)) from None
    return tmp


def publish(staged: Path, path: Path) -> None:
    try:
        os.replace(staged, path)
    except OSError as e:
        staged.unlink(missing_ok=True)
        raise RosterError(e.strerror or str(e)) from None


def discard(staged: Path) -> None:
    staged.unlink(missing_ok=True)
