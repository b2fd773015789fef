"""Sign-in without GitLab: per-official accounts, or the shared trial password.

Both keep workshop seats: a seat name (listed in `seat_names`) signs in only with that
seat's own password from the seat files in `seat_dir`, never with another password, so
one learner cannot sign in as another. Seats are never admins. Removing a cohort's seat
file (`govlab workshop end --remove-seats`) makes its passwords stop working.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections import OrderedDict

import bcrypt
from jupyterhub import orm
from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.orm import UserInfo
from tornado import web
from traitlets import HasTraits, Set, Unicode, default

from . import messages
from .accounts import applications
from .workshop.seats import SeatStore

# bcrypt reads only the first 72 bytes of a password (and bcrypt 5 refuses more).
BCRYPT_MAX_BYTES = 72
# Hub user names are at most 64 characters (settings.USERNAME_RE).
USERNAME_MAX = 64


class SeatSignIn(HasTraits):
    """Workshop seats with their own one-time passwords (mixed into an authenticator)."""

    seat_dir = Unicode("", config=True, help="Directory of the workshops' seat files (hashes only).")
    seat_names = Set(Unicode(), config=True, help="User names that are workshop seats.")

    _store: SeatStore | None = None

    def _seats(self) -> SeatStore:
        if self._store is None or str(self._store.directory) != self.seat_dir:
            self._store = SeatStore(self.seat_dir)
        return self._store

    async def seat_ok(self, username: str, password: str) -> bool:
        if not self.seat_dir or username in self.admin_users:
            return False
        # scrypt takes tens of milliseconds: keep it off the hub's event loop.
        return await asyncio.get_running_loop().run_in_executor(None, self._seats().verify, username, password)


class GovlabPasswordAuthenticator(SeatSignIn, SharedPasswordAuthenticator):
    """SharedPasswordAuthenticator (the trusted trial) plus workshop seats."""

    async def authenticate(self, handler, data):
        username = self.normalize_username(data.get("username", ""))
        password = data.get("password", "")
        if username in self.seat_names:
            ok = await self.seat_ok(username, password)
            return {"name": username, "admin": False, "groups": []} if ok else None
        return await super().authenticate(handler, data)


class Lockout:
    """Failed sign-ins per name: after `limit` failures in a row the name waits `seconds`.

    Kept in the hub's memory (a restart unlocks). Unknown names are counted like real
    ones, so the lockout does not tell which accounts exist; the table is bounded so
    that guessing many names cannot grow it without end.
    """

    def __init__(self, limit: int, seconds: float, capacity: int = 10_000, clock=time.monotonic):
        self.limit = limit
        self.seconds = seconds
        self.capacity = capacity
        self.clock = clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def wait_left(self, name: str) -> float:
        """Seconds until `name` may try again (0: now)."""
        count, last = self._failures.get(name, (0, 0.0))
        if count < self.limit:
            return 0.0
        return max(0.0, last + self.seconds - self.clock())

    def failed(self, name: str) -> None:
        count, _ = self._failures.pop(name, (0, 0.0))
        self._failures[name] = (count + 1, self.clock())
        while len(self._failures) > self.capacity:
            self._failures.popitem(last=False)

    def succeeded(self, name: str) -> None:
        self._failures.pop(name, None)


def password_matches(password: str, hashed: bytes) -> bool:
    raw = password.encode("utf-8")
    if len(raw) > BCRYPT_MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(raw, hashed)
    except ValueError:  # not a bcrypt hash
        return False


class GovlabAccountsAuthenticator(SeatSignIn, NativeAuthenticator):
    """Per-official accounts: an official applies (/hub/signup), an admin approves
    (/hub/authorize), the official signs in with their own password.

    On top of jupyterhub-nativeauthenticator (its account table, bcrypt hashes, common
    password list): admins sign in with the admin password from the settings and nobody
    can apply for their names or a seat's; a lockout after repeated failures; password
    checks off the event loop; Korean pages (govlab.accounts.handlers).
    """

    admin_password = Unicode("", config=True, help="The password of auth.admin_users (from the settings' secret).")

    @default("minimum_password_length")
    def _min_length(self):
        return 10

    @default("check_common_password")
    def _check_common(self):
        return True

    @default("allowed_failed_logins")
    def _allowed_failures(self):
        return 5

    @default("ask_email_on_signup")
    def _ask_email(self):
        return True

    _lockout: Lockout | None = None
    _dummy_hash: bytes | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        applications.ensure_table(self.db.bind)

    @property
    def lockout(self) -> Lockout:
        if self._lockout is None:
            self._lockout = Lockout(self.allowed_failed_logins, self.seconds_before_next_try)
        return self._lockout

    def reserved(self, username: str) -> bool:
        """Names nobody may apply for: admins (admin password) and workshop seats."""
        return username in self.admin_users or username in self.seat_names

    async def _bcrypt(self, password: str, hashed: bytes) -> bool:
        # bcrypt takes a quarter of a second on purpose: never on the hub's event loop.
        return await asyncio.get_running_loop().run_in_executor(None, password_matches, password, hashed)

    async def authenticate(self, handler, data):
        username = self.normalize_username(data.get("username", ""))
        password = data.get("password", "")
        if not username or len(username) > USERNAME_MAX:
            return None  # never a valid name: nothing to check, nothing to count
        wait = self.lockout.wait_left(username)
        if wait:
            raise web.HTTPError(403, messages.locked(wait))
        if username in self.admin_users:
            ok = bool(self.admin_password) and hmac.compare_digest(
                password.encode("utf-8"), self.admin_password.encode("utf-8")
            )
        elif username in self.seat_names:
            ok = await self.seat_ok(username, password)
        else:
            info = self.get_user(username)
            if self._dummy_hash is None:
                self._dummy_hash = await asyncio.get_running_loop().run_in_executor(
                    None, bcrypt.hashpw, b"not-a-password", bcrypt.gensalt()
                )
            # An unknown name costs as much as a known one: timing does not tell them apart.
            ok = await self._bcrypt(password, info.password if info else self._dummy_hash)
            ok = ok and info is not None
            if ok and not info.is_authorized:
                raise web.HTTPError(403, messages.PENDING)
        if ok:
            self.lockout.succeeded(username)
            if username in self.admin_users:
                return {"name": username, "admin": True}
            # No "admin" key: an admin's promotion in the hub's admin page stays.
            return {"name": username, "admin": False} if username in self.seat_names else {"name": username}
        self.lockout.failed(username)
        wait = self.lockout.wait_left(username)
        if wait:
            raise web.HTTPError(403, messages.locked(wait))
        return None

    def password_problem(self, username: str, password: str) -> str | None:
        """Why a new password is refused (Korean and English), or None."""
        if len(password) < self.minimum_password_length:
            return messages.password_too_short(self.minimum_password_length)
        if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
            return messages.PASSWORD_TOO_LONG
        if self.is_password_common(password) or self.is_password_common(password.lower()):
            return messages.PASSWORD_COMMON
        if username and username in password.lower():
            return messages.PASSWORD_HAS_NAME
        return None

    def name_taken(self, username: str) -> bool:
        """An application, or a hub user created another way (whose files it would open)."""
        return self.user_exists(username) or orm.User.find(self.db, username) is not None

    def get_authed_users(self):
        # nativeauthenticator approves at sign-up every name in admin_users or
        # allowed_users: whoever applied first for such a name would own it. Here an
        # application is approved only by an admin (admin names cannot apply at all).
        return {info.username for info in UserInfo.all_users(self.db) if info.is_authorized}

    def get_handlers(self, app):
        from .accounts import handlers

        return handlers.routes()

    def delete_user(self, user):
        applications.forget(self.db, user.name)
        return super().delete_user(user)

    def set_authorized(self, username: str, authorized: bool) -> UserInfo | None:
        info = self.get_user(username)
        if info is not None and bool(info.is_authorized) != authorized:
            info.is_authorized = authorized
            self.db.commit()
        return info
