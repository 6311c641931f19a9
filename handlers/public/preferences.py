"""The two switches on every page: the language (中文 / English) and the 大字版 (elderly mode), remembered in cookies.

Anyone may use them, signed in or not (the triage and the calculator are anonymous); each answers with a
redirect back to the page it was pressed on (a path of ours only: never an open redirect).
"""

from __future__ import annotations

from handlers.access import public
from handlers.base import LANGUAGE_COOKIE
from handlers.pages import DISPLAY_COOKIE, PageHandler
from handlers.urls import DISPLAY_MODE, LOCALE
from i18n import LOCALES

REMEMBER_DAYS = 365


def back_to(target: str) -> str:
    """A path on this site to go back to; anything else (another host, a scheme, `//`) goes home."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(c < " " for c in target):
        return "/h5/"
    return target[:2000]


class LanguageHandler(PageHandler):
    """`GET /lang/en?next=/h5/triage`: pages in English from now on (a cookie a year long)."""

    async def read_session(self) -> None:
        return None  # a preference, not a page of anyone's: no session read

    @public
    def get(self, locale: str) -> None:
        if locale in LOCALES:
            self.set_cookie(
                LANGUAGE_COOKIE, locale, expires_days=REMEMBER_DAYS, secure=True, samesite="Lax", httponly=True
            )
        self.redirect(back_to(self.get_query_argument("next", "/h5/")))


class DisplayHandler(PageHandler):
    """`GET /display/elder?next=…` switches the 大字版 on, `/display/standard` off."""

    async def read_session(self) -> None:
        return None

    @public
    def get(self, mode: str) -> None:
        if mode == "elder":
            self.set_cookie(
                DISPLAY_COOKIE, "elder", expires_days=REMEMBER_DAYS, secure=True, samesite="Lax", httponly=True
            )
        else:
            self.clear_cookie(DISPLAY_COOKIE, secure=True, samesite="Lax")
        self.redirect(back_to(self.get_query_argument("next", "/h5/")))


routes = [
    (rf"/lang/{LOCALE}", LanguageHandler),
    (rf"/display/{DISPLAY_MODE}", DisplayHandler),
]
