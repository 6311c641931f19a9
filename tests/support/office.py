"""The back office in tests: the one staff sign-in, over HTTP (a cookie client) or in a real browser."""

from __future__ import annotations

from typing import Any

from tornado.httpclient import HTTPResponse

from tests.support.app import STAFF_PASSWORD
from tests.support.browser_session import CookieClient


async def office_page(
    browser: Any, base_url: str, login: str, viewport: dict[str, int] | None = None, accept_downloads: bool = False
) -> Any:
    """A page of a real browser signed in to the back office as `login` (password STAFF_PASSWORD), on its queue."""
    context = await browser.new_context(
        viewport=viewport or {"width": 1400, "height": 900}, accept_downloads=accept_downloads
    )
    page = await context.new_page()
    await page.goto(base_url + "/office/login")
    await page.fill("#login", login)
    await page.fill("#password", STAFF_PASSWORD)
    await page.click("#sign-in")
    await page.wait_for_url("**/office/")
    return page


async def sign_in(office: CookieClient, login: str) -> HTTPResponse:
    """Sign `office` in to the back office as `login` (password STAFF_PASSWORD): a 302 to the queue."""
    await office.get("/office/login")
    response = await office.post("/office/login", {"login": login, "password": STAFF_PASSWORD})
    assert response.code == 302, response.body
    return response
