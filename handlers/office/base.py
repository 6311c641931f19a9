"""The back office's base page: the staff member re-read on every request, the office's own error page."""

from __future__ import annotations

from typing import Any

from handlers.access import STAFF_SESSION
from handlers.base import LANGUAGE_COOKIE
from handlers.pages import COOKIE_FLAGS, PageHandler
from i18n import DEFAULT_LOCALE, LOCALES
from services.accounts import staff, web_sessions
from services.accounts.staff import StaffMember
from services.cases import collective

STAFF_COOKIE = "office_session"


class OfficeHandler(PageHandler):
    """A back-office page: the member is read on every request, so an ended session or a deactivation
    bites at once; the session's idle and absolute limits are web_sessions.STAFF's. Every method needs a
    signed-in staff member unless declared `@public` (the sign-in pages): a GET without one goes to
    /office/login, anything else is a 403 (PageHandler.prepare). Which role may do what stays the services'."""

    error_template = "office/error.html"
    proof = STAFF_SESSION

    async def prepare(self) -> None:
        await super().prepare()
        if self.current_user is not None and self.request.method == "GET":  # the banner of every page
            self.alerts_banner = await collective.open_count(self.ctx, self.current_user)

    async def read_session(self) -> StaffMember | None:
        value = self.get_signed_cookie(STAFF_COOKIE, max_age_days=web_sessions.STAFF.idle_days)
        if not value:
            return None
        session = value.decode()
        member = await staff.session_member(self.ctx, session)
        if member is None:
            self.clear_cookie(STAFF_COOKIE, secure=True, samesite="Lax")
            return None
        self.set_signed_cookie(STAFF_COOKIE, session, expires_days=None, **COOKIE_FLAGS)  # slide the idle limit
        return member

    def get_login_url(self) -> str:
        return "/office/login"

    @property
    def language(self) -> str:
        """The back office is written for the centres' staff in Chinese, and has no switch of its own: it follows no
        browser's language (a page half in English would be worse), only a choice made on the public pages."""
        chosen = self.get_cookie(LANGUAGE_COOKIE, "")
        return chosen if chosen in LOCALES else DEFAULT_LOCALE

    @property
    def staff_member(self) -> StaffMember:
        """The signed-in member: a method that needs the session is never reached without one (prepare)."""
        if self.current_user is None:  # a @public method asked for a member: a fault of ours
            raise RuntimeError(f"{type(self).__name__}.{self.request.method} is public: it has no staff member")
        return self.current_user

    alerts_banner = 0  # open collective-dispute alerts an administrator sees (set in prepare)

    def page_values(self) -> dict[str, Any]:
        return super().page_values() | {"member": self.current_user, "alerts_banner": self.alerts_banner}
