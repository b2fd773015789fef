"""Seat passwords: generated once, kept only as salted scrypt hashes.

The seat file `<state_dir>/workshops/<cohort>.json` (mode 600) maps each seat name to
its salt and hash. The plain passwords exist only in the roster printed at creation (or at a seat's reset).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import unicodedata
from pathlib import Path

from .. import statedir

# Letters and digits that cannot be mistaken for one another on paper (no 0/O, 1/l/I).
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 12
# Typed between groups, or by habit: ASCII and Unicode dashes, spaces.
SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212 \t")
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def generate_password(length: int = PASSWORD_LENGTH) -> str:
    """A readable one-time password, grouped in fours (e.g. `k7mp-q2xa-9wrt`)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return "-".join(raw[i : i + 4] for i in range(0, length, 4))


def hash_password(password: str, salt: bytes | None = None) -> dict[str, str]:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)
    return {"salt": salt.hex(), "hash": digest.hex()}


def normalize_password(typed: str) -> str:
    """What a learner typed, in the form the hash was made of (`k7mp-q2xa-9wrt`).

    Slips are read and retyped by hand: dashes, spaces, capitals and full-width letters
    (a Korean input method) are forgiven. Only an answer that is a seat password once
    those are removed is regrouped; anything else is checked as typed (and fails).
    """
    if len(typed) > 4 * PASSWORD_LENGTH:  # bound the work on what anyone can send
        return typed
    raw = "".join(ch for ch in unicodedata.normalize("NFKC", typed).lower() if ch not in SEPARATORS)
    if len(raw) == PASSWORD_LENGTH and set(raw) <= set(ALPHABET):
        return "-".join(raw[i : i + 4] for i in range(0, PASSWORD_LENGTH, 4))
    return typed


def verify_password(password: str, record: dict[str, str]) -> bool:
    try:
        salt = bytes.fromhex(record["salt"])
        expected = bytes.fromhex(record["hash"])
    except (KeyError, ValueError, TypeError):
        return False
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)
    return hmac.compare_digest(digest, expected)


def seat_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "workshops"


def seat_file(state_dir: Path, cohort: str) -> Path:
    return seat_dir(state_dir) / f"{cohort}.json"


def new_record(cohort: str, seat_names: list[str]) -> tuple[dict, dict[str, str]]:
    """A fresh seat record (hashes only) and the plain passwords, nothing written yet."""
    passwords = {seat: generate_password() for seat in seat_names}
    record = {
        "cohort": cohort,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seats": {seat: hash_password(pw) for seat, pw in passwords.items()},
    }
    return record, passwords


def read_record(state_dir: Path, cohort: str) -> dict | None:
    """The cohort's seat record, or None when it has none; OSError/ValueError if unreadable."""
    try:
        text = seat_file(state_dir, cohort).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    record = json.loads(text)
    if not isinstance(record, dict) or not isinstance(record.get("seats"), dict):
        raise ValueError("not a seat file")
    return record


def reset_record(record: dict, seat: str) -> tuple[dict, str]:
    """A copy of `record` with a new password for `seat` only; returns it and the password."""
    password = generate_password()
    seats = {**record["seats"], seat: hash_password(password)}
    return {**record, "seats": seats}, password


def commit(state_dir: Path, cohort: str, record: dict) -> str | None:
    """Write the seat record atomically (mode 600); returns the previous file's text (to undo)."""
    path = seat_file(state_dir, cohort)
    # Often the first thing written under the state dir (before the hub's first start).
    statedir.ensure(state_dir)
    statedir.private_dir(path.parent)
    try:
        previous = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        previous = None
    statedir.write_private(path, json.dumps(record, indent=1))
    return previous


def undo(state_dir: Path, cohort: str, previous: str | None) -> None:
    """Put back what `commit` replaced (no file at all on a first run)."""
    path = seat_file(state_dir, cohort)
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        statedir.write_private(path, previous)


def create_seats(state_dir: Path, cohort: str, seat_names: list[str]) -> dict[str, str]:
    """Generate a password per seat, write the hashes (mode 600), return the passwords."""
    record, passwords = new_record(cohort, seat_names)
    commit(state_dir, cohort, record)
    return passwords


def remove_seats(state_dir: Path, cohort: str) -> bool:
    path = seat_file(state_dir, cohort)
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False


class SeatStore:
    """All cohorts' seat hashes in a directory, reloaded when a file changes."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._stamp: tuple = ()
        self._records: dict[str, dict[str, str]] = {}

    def _current_stamp(self) -> tuple:
        try:
            files = sorted(self.directory.glob("*.json"))
        except OSError:
            return ()
        stamp = []
        for f in files:
            try:
                st = f.stat()
            except OSError:
                continue
            # The inode too: an atomic rewrite of the same size within one clock tick
            # (a reset seat) must still be noticed.
            stamp.append((f.name, st.st_ino, st.st_mtime_ns, st.st_size))
        return tuple(stamp)

    def records(self) -> dict[str, dict[str, str]]:
        stamp = self._current_stamp()
        if stamp != self._stamp:
            records: dict[str, dict[str, str]] = {}
            for name, *_ in stamp:
                try:
                    data = json.loads((self.directory / name).read_text(encoding="utf-8"))
                    records.update(data.get("seats", {}))
                except (OSError, ValueError):
                    continue
            self._records, self._stamp = records, stamp
        return self._records

    def verify(self, seat: str, password: str) -> bool:
        record = self.records().get(seat)
        return bool(record) and verify_password(normalize_password(password), record)
