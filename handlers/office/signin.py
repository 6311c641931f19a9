"""Staff sign-in and sign-out of the back office."""

from __future__ import annotations

from handlers.access import public
from handlers.office.base import STAFF_COOKIE, OfficeHandler
from handlers.pages import COOKIE_FLAGS, renew_xsrf
from services.accounts import staff, web_sessions
from services.core.errors import ServiceError


class LoginHandler(OfficeHandler):
    @public
    def get(self) -> None:
        self.render_page("office/login.html", error="", login="")

    @public
    async def post(self) -> None:
        self.limit_client(self.services.sign_in_limiter)
        login = self.get_body_argument("login", "")
        try:
            member = await staff.authenticate(
                self.ctx, login, self.get_body_argument("password", ""), self.request.remote_ip or ""
            )
        except ServiceError as exc:
            problem = self.form_problem(exc)
            self.render_page("office/login.html", problem.status, error=problem.message, login=login[:32])
            return
        session = web_sessions.session_value(self.ctx, member.login, member.session_stamp)
        self.set_signed_cookie(STAFF_COOKIE, session, expires_days=None, **COOKIE_FLAGS)
        renew_xsrf(self)
        self.redirect("/office/")


class ForgotHandler(OfficeHandler):
    """A staff member who forgot the password (or is locked out) is told whose administrator resets it."""

    @public
    async def get(self) -> None:
        centres, system_admins = await staff.password_helpers(self.ctx)
        self.render_page("office/forgot.html", centres=centres, system_admins=system_admins)


class LogoutHandler(OfficeHandler):
    @public
    async def post(self) -> None:
        # Read up to the absolute limit: a copy gone idle here may still be alive in another hand.
        value = self.get_signed_cookie(STAFF_COOKIE, max_age_days=web_sessions.STAFF.lifetime_days)
        if value:  # ended for good: the same cookie, replayed, is signed out
            await web_sessions.end(self.ctx, web_sessions.STAFF, value.decode())
        self.clear_cookie(STAFF_COOKIE, secure=True, samesite="Lax")
        self.redirect("/office/login")


routes = [
    (r"/office/login", LoginHandler),
    (r"/office/logout", LogoutHandler),
    (r"/office/forgot", ForgotHandler),
]
