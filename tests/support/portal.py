"""The portal in tests: its page script's JSON posts, card sign-in tickets, password accounts by SMS code."""

from __future__ import annotations

import json

from settings import CardPlatformSettings
from tests.support.app import body_of
from tests.support.browser_session import CookieClient
from tests.support.samples import CONTACT_ID

CHANNEL = CardPlatformSettings().channel_id


async def post_api(browser: CookieClient, path: str, body: dict | None = None):
    """A JSON POST from the portal's own page script: cookies and the XSRF header."""
    if "_xsrf" not in browser.cookies:
        await browser.get("/portal/login")
    headers = browser._headers() | {"X-XSRFToken": browser.cookies["_xsrf"], "Content-Type": "application/json"}
    response = await browser.http_client.fetch(
        browser.base_url + path, method="POST", body=json.dumps(body or {}), headers=headers, raise_error=False
    )
    browser._remember(response)
    return response


async def new_ticket(browser: CookieClient, next_url: str = "/h5/cases") -> dict:
    response = await post_api(browser, f"/portal/card/tickets?next={next_url}")
    assert response.code == 201, response.body
    return body_of(response)


async def poll(browser: CookieClient, ticket: str):
    response = await browser.get(f"/portal/card/tickets/{ticket}")
    return response.code, body_of(response)


async def notify(api, body: dict):
    return await api.call("POST", "/portal/card/notify", body)


async def card_sign_in(browser, api, card_platform, subject: str = "SSC-0001") -> dict:
    ticket = (await new_ticket(browser))["ticket"]
    assert (await notify(api, card_platform.state.signed_notification(CHANNEL, ticket, subject))).code == 200
    code, state = await poll(browser, ticket)
    assert code == 200 and state["state"] == "confirmed", state
    return state


def person_of(browser: CookieClient, app) -> str:
    """Decode the signed session cookie the way the server does (the person it names)."""
    from tornado.web import decode_signed_value

    from services.accounts.web_sessions import read_claim

    value = decode_signed_value(app.settings["cookie_secret"], "h5_session", browser.cookies["h5_session"])
    assert value is not None, "no valid session cookie"
    claim = read_claim(value.decode())
    assert claim is not None
    return claim.subject


MOBILE, PASSWORD = "13912345678", "Portal-Pass-2026"


def sms_of(app):
    return app.settings["services"].sms


async def send_code(browser, mobile=MOBILE, purpose="register"):
    return await post_api(browser, "/portal/sms", {"mobile": mobile, "purpose": purpose})


def registration(code: str, **changes: str) -> dict[str, str]:
    form = {
        "name": "赵敏",
        "id_type": "resident_id",
        "id_number": CONTACT_ID,
        "mobile": MOBILE,
        "sms_code": code,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    return form | changes


async def register(browser, app, mobile=MOBILE, **changes):
    assert (await send_code(browser, mobile)).code == 200
    code = sms_of(app).last_code(mobile, "register")
    return await browser.post("/portal/register?next=/h5/cases", registration(code, mobile=mobile, **changes))
