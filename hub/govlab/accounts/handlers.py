"""The hub pages of per-official accounts, in Korean with English alongside.

They replace nativeauthenticator's pages: its messages are English only, and its
approve/discard links change state on a GET (a link in a chat or an image could
approve an account in an admin's browser). Here every change is a POST, which
JupyterHub checks against its XSRF token; the admin pages need `admin:users`.
"""

from __future__ import annotations

import re

from jupyterhub import orm
from jupyterhub.handlers import BaseHandler
from jupyterhub.handlers.login import LoginHandler
from jupyterhub.scopes import needs_scope
from nativeauthenticator.orm import UserInfo
from tornado import web

from .. import messages
from ..settings import USERNAME_RE
from . import applications

EMAIL_MAX = 128
# Bounded parts; also within what nativeauthenticator's own e-mail check accepts.
EMAIL_RE = re.compile(r"^[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}$")
# Longer fields are refused before any check looks at them.
FIELD_MAX = 200


def _field(handler: BaseHandler, name: str, strip: bool = True) -> str:
    value = handler.get_body_argument(name, default="", strip=strip)
    return value if len(value) <= FIELD_MAX else value[: FIELD_MAX + 1]


class AccountsLoginHandler(LoginHandler):
    """JupyterHub's sign-in with a Korean message for a wrong password. Lockout and
    pending approval arrive as HTTP 403 errors from the authenticator, which
    JupyterHub renders into this same form."""

    async def post(self):
        data = {
            arg: self.get_argument(arg, strip=arg == "username")
            for arg in self.request.body_arguments
            if arg != "_xsrf"
        }
        user = await self.login_user(data)
        if user:
            self._jupyterhub_user = user
            self.redirect(self.get_next_url(user))
            return
        username = data.get("username", "")[:64]
        self.set_status(403)
        self.finish(await self._render(login_error=messages.WRONG_PASSWORD, username=username))


class SignUpHandler(BaseHandler):
    """이용 신청: an official applies for an account; an admin approves it later."""

    async def get(self):
        if self.current_user:
            self.redirect(self.get_next_url(self.current_user))
            return
        self.finish(await self._page())

    async def _page(self, **ns) -> str:
        auth = self.authenticator
        return await self.render_template(
            "signup.html", min_length=auth.minimum_password_length, form=ns.pop("form", {}), **ns
        )

    def _problem(self, form: dict[str, str], password: str, confirmation: str) -> str | None:
        auth = self.authenticator
        name = form["username"]
        if not name or len(name) > 64 or not USERNAME_RE.match(name) or not auth.validate_username(name):
            return messages.NAME_INVALID
        if auth.reserved(name) or auth.name_taken(name):
            return messages.NAME_TAKEN
        if not form["full_name"] or len(form["full_name"]) > applications.FULL_NAME_MAX:
            return messages.FULL_NAME_INVALID
        if not form["agency"] or len(form["agency"]) > applications.AGENCY_MAX:
            return messages.AGENCY_INVALID
        if len(form["email"]) > EMAIL_MAX or not EMAIL_RE.match(form["email"]):
            return messages.EMAIL_INVALID
        problem = auth.password_problem(name, password)
        if problem:
            return problem
        if password != confirmation:
            return messages.CONFIRM_MISMATCH
        return None

    async def post(self):
        auth = self.authenticator
        form = {
            "username": auth.normalize_username(_field(self, "username")),
            "full_name": _field(self, "full_name"),
            "agency": _field(self, "agency"),
            "email": _field(self, "email"),
        }
        password = _field(self, "signup_password", strip=False)
        confirmation = _field(self, "signup_password_confirmation", strip=False)
        problem = self._problem(form, password, confirmation)
        info = None
        if problem is None:
            info = auth.create_user(form["username"], password, email=form["email"])
            if info is None:  # nativeauthenticator's own checks (should not differ from ours)
                problem = messages.NAME_INVALID
        if problem:
            self.set_status(400)
            self.finish(await self._page(error=problem, form=form))
            return
        applications.record(self.db, info.username, form["full_name"], form["agency"])
        self.log.info("Account application from %s (%s)", info.username, form["agency"][:40])
        self.finish(await self._page(success=messages.APPLIED))


class AuthorizeHandler(BaseHandler):
    """The admins' list of applications: approve, revoke, discard, reset a password."""

    @needs_scope("admin:users")
    async def get(self):
        notice = self.get_argument("notice", "", strip=True)[:300]
        self.finish(await self._page(notice=notice))

    async def _page(self, **ns) -> str:
        rows = []
        for info in self.db.query(UserInfo).order_by(UserInfo.is_authorized, UserInfo.username):
            app = applications.find(self.db, info.username)
            rows.append(
                {
                    "username": info.username,
                    "email": info.email or "",
                    "full_name": app.full_name if app else "",
                    "agency": app.agency if app else "",
                    "applied": app.applied_at.strftime("%Y-%m-%d %H:%M") if app else "",
                    "approved": bool(info.is_authorized),
                }
            )
        return await self.render_template("authorization-area.html", applications=rows, **ns)

    @needs_scope("admin:users")
    async def post(self):
        auth = self.authenticator
        name = self.get_body_argument("username", "", strip=True)[:128]
        action = self.get_body_argument("action", "", strip=True)
        info = auth.get_user(name)
        if info is None or action not in ("approve", "revoke", "discard"):
            self.set_status(400)
            self.finish(await self._page(error=messages.NO_SUCH_APPLICATION))
            return
        if action == "discard":
            if info.is_authorized:  # revoke first: an approved account is not discarded by mistake
                self.set_status(400)
                self.finish(await self._page(error=messages.NO_SUCH_APPLICATION))
                return
            applications.forget(self.db, name)
            self.db.delete(info)
            self.db.commit()
            notice = messages.DISCARDED
        else:
            auth.set_authorized(name, action == "approve")
            notice = messages.APPROVED if action == "approve" else messages.REVOKED
            if action == "revoke":
                await self._end_sessions(name)
        self.log.info("Admin %s: %s %s", self.current_user.name, action, name)
        self.finish(await self._page(notice=notice.format(name=name)))

    async def _end_sessions(self, name: str) -> None:
        """A revoked official is signed out now (a new cookie id invalidates their hub
        cookies) and their labs stop, rather than working on until a cookie expires."""
        user = self.users.get(name)
        if user is None:
            return
        user.orm_user.cookie_id = orm.new_token()
        self.db.commit()
        for server_name, spawner in list(user.spawners.items()):
            if spawner.active:
                await self.stop_single_user(user, server_name)


class ChangePasswordHandler(BaseHandler):
    """An official changes their own password (knowing the current one)."""

    def _own_account(self) -> UserInfo | None:
        return self.authenticator.get_user(self.current_user.name)

    @web.authenticated
    async def get(self):
        self.finish(await self._page())

    async def _page(self, **ns) -> str:
        own = self._own_account() is not None
        if not own:
            ns.setdefault("error", messages.NO_OWN_PASSWORD)
        return await self.render_template(
            "change-password.html",
            user_name=self.current_user.name,
            own=own,
            min_length=self.authenticator.minimum_password_length,
            **ns,
        )

    @web.authenticated
    async def post(self):
        auth = self.authenticator
        name = self.current_user.name
        info = self._own_account()
        if info is None:
            self.set_status(400)
            self.finish(await self._page())
            return
        old = _field(self, "old_password", strip=False)
        if not await auth._bcrypt(old, info.password):
            problem = messages.OLD_PASSWORD_WRONG
        else:
            problem = _set_new_password(self, auth, name)
        if problem:
            self.set_status(400)
            self.finish(await self._page(error=problem))
            return
        self.finish(await self._page(success=messages.PASSWORD_CHANGED))


def _set_new_password(handler, auth, name: str) -> str | None:
    """Set the form's new password for `name`; the problem to show, or None when set."""
    new = _field(handler, "new_password", strip=False)
    confirmation = _field(handler, "new_password_confirmation", strip=False)
    problem = auth.password_problem(name, new) or (messages.CONFIRM_MISMATCH if new != confirmation else None)
    if problem is None and not auth.change_password(name, new):
        problem = messages.PASSWORD_COMMON
    return problem


class ResetPasswordHandler(BaseHandler):
    """An admin sets a new password for an official who forgot theirs."""

    @needs_scope("admin:users")
    async def get(self, name):
        if self.authenticator.get_user(name) is None:
            raise web.HTTPError(404, messages.NO_SUCH_APPLICATION)
        self.finish(await self._page(name))

    async def _page(self, name: str, **ns) -> str:
        return await self.render_template(
            "change-password-admin.html",
            user_name=name,
            min_length=self.authenticator.minimum_password_length,
            **ns,
        )

    @needs_scope("admin:users")
    async def post(self, name):
        auth = self.authenticator
        if auth.get_user(name) is None:
            raise web.HTTPError(404, messages.NO_SUCH_APPLICATION)
        problem = _set_new_password(self, auth, name)
        if problem:
            self.set_status(400)
            self.finish(await self._page(name, error=problem))
            return
        auth.lockout.succeeded(name)  # a reset also lifts a lockout
        self.log.info("Admin %s reset the password of %s", self.current_user.name, name)
        self.finish(await self._page(name, success=messages.PASSWORD_RESET.format(name=name)))


def routes() -> list[tuple[str, type]]:
    return [
        (r"/login", AccountsLoginHandler),
        (r"/signup", SignUpHandler),
        (r"/authorize", AuthorizeHandler),
        (r"/change-password", ChangePasswordHandler),
        (r"/change-password/([a-z0-9][a-z0-9._-]{0,63})", ResetPasswordHandler),
    ]
