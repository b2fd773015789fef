"""Sign-in with the shared password or a workshop seat's own one-time password."""

from __future__ import annotations

import asyncio

from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from traitlets import Set, Unicode

from .workshop.seats import SeatStore


class GovlabPasswordAuthenticator(SharedPasswordAuthenticator):
    """SharedPasswordAuthenticator plus workshop seats.

    A seat name (listed in `seat_names`) signs in only with that seat's own password
    from the seat files in `seat_dir`; the shared password does not open a seat, so
    one learner cannot sign in as another. Seats are never admins. Removing a cohort's
    seat file (`govlab workshop end --remove-seats`) makes its passwords stop working.
    """

    seat_dir = Unicode("", config=True, help="Directory of the workshops' seat files (hashes only).")
    seat_names = Set(Unicode(), config=True, help="User names that are workshop seats.")

    _store: SeatStore | None = None

    def _seats(self) -> SeatStore:
        if self._store is None or str(self._store.directory) != self.seat_dir:
            self._store = SeatStore(self.seat_dir)
        return self._store

    async def authenticate(self, handler, data):
        username = self.normalize_username(data.get("username", ""))
        password = data.get("password", "")
        if username in self.seat_names:
            if not self.seat_dir or username in self.admin_users:
                return None
            # scrypt takes tens of milliseconds: keep it off the hub's event loop.
            ok = await asyncio.get_running_loop().run_in_executor(
                None, self._seats().verify, username, password
            )
            return {"name": username, "admin": False, "groups": []} if ok else None
        return await super().authenticate(handler, data)
