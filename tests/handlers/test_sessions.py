"""Web sessions end for good: sign-out, password resets, deactivation, and an absolute lifetime."""

from __future__ import annotations

import time

import pytest
from tornado.web import create_signed_value, decode_signed_value

from services.accounts import lockout, web_sessions
from services.accounts.staff import SYSTEM_ADMIN, StaffMember, reset_password
from tests.support.app import make_staff
from tests.support.browser_session import DESKTOP_UA, CookieClient
from tests.support.cases import Clock
from tests.support.h5 import sign_in_page
from tests.support.office import sign_in as office_sign_in
from tests.support.portal import MOBILE, PASSWORD, register, send_code, sms_of


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


@pytest.fixture
def browser(http_client, base_url):
    return CookieClient(http_client, base_url)


@pytest.fixture
def desktop(http_client, base_url, cheap_hashing):
    return CookieClient(http_client, base_url, DESKTOP_UA)


def signed_out_of_h5(response) -> bool:
    return response.code == 302 and response.headers["Location"].startswith(("/h5/oauth/start", "/portal/login"))


@pytest.mark.gen_test
@pytest.mark.parametrize("sign_out", ["/h5/signout", "/portal/signout"])
async def test_a_cookie_replayed_after_sign_out_is_signed_out(browser, wechat, sign_out):
    await sign_in_page(browser, wechat)
    assert (await browser.get("/h5/cases")).code == 200
    copied = browser.cookies["h5_session"]
    assert (await browser.post(sign_out, {})).code == 302
    assert "h5_session" not in browser.cookies
    browser.cookies["h5_session"] = copied  # e.g. taken from the shared computer before signing out
    assert signed_out_of_h5(await browser.get("/h5/cases"))
    assert "h5_session" not in browser.cookies  # and the dead cookie is cleared


@pytest.mark.gen_test
async def test_signing_out_with_an_old_cookie_ends_nothing_newer(browser, wechat, http_client, base_url):
    await sign_in_page(browser, wechat)
    await browser.get("/h5/cases")
    copied = browser.cookies["h5_session"]
    assert (await browser.post("/h5/signout", {})).code == 302
    await sign_in_page(browser, wechat)
    assert (await browser.get("/h5/cases")).code == 200
    stale = CookieClient(http_client, base_url)
    await stale.get("/h5/progress")  # its own XSRF cookie
    stale.cookies["h5_session"] = copied
    assert (await stale.post("/h5/signout", {})).code == 302
    assert (await browser.get("/h5/cases")).code == 200


@pytest.mark.gen_test
async def test_a_session_ends_a_day_after_sign_in_however_active(browser, wechat, app):
    clock = Clock.on(app.settings["services"].ctx)
    await sign_in_page(browser, wechat)
    for _ in range(12):  # a request every two hours: never idle
        assert (await browser.get("/h5/cases")).code == 200
        clock.advance(hours=1, minutes=59)
    assert (await browser.get("/h5/cases")).code == 200  # 23 h 48 min
    clock.advance(minutes=12)  # 24 hours since sign-in
    assert signed_out_of_h5(await browser.get("/h5/cases"))
    await sign_in_page(browser, wechat)  # signing in again starts a new day
    assert (await browser.get("/h5/cases")).code == 200


@pytest.mark.gen_test
async def test_a_cookie_naming_only_the_person_is_signed_out(browser, wechat, app):
    await sign_in_page(browser, wechat)
    person = (await app.settings["services"].ctx.db["persons"].find_one({}))["_id"]  # the only one
    # Correctly signed, in the shape sessions had before they could be ended: not accepted any more.
    browser.cookies["h5_session"] = create_signed_value(app.settings["cookie_secret"], "h5_session", person).decode()
    assert signed_out_of_h5(await browser.get("/h5/cases"))


@pytest.mark.gen_test
async def test_a_portal_password_reset_ends_the_sessions_of_other_browsers(desktop, app, http_client, base_url):
    assert (await register(desktop, app)).code == 302  # browser A, signed in
    assert (await desktop.get("/h5/cases")).code == 200
    other = CookieClient(http_client, base_url, DESKTOP_UA)  # browser B, with the SMS code
    assert (await send_code(other, purpose="reset")).code == 200
    new = "New-Portal-Pass-1"
    code = sms_of(app).last_code(MOBILE, "reset")
    reset = await other.post(
        "/portal/reset", {"mobile": MOBILE, "sms_code": code, "password": new, "password_confirm": new}
    )
    assert reset.code == 302
    assert signed_out_of_h5(await desktop.get("/h5/cases"))
    assert (await other.get("/h5/cases")).code == 200  # the browser that reset is signed in


@pytest.fixture
def office(http_client, base_url, cheap_hashing):
    return CookieClient(http_client, base_url, DESKTOP_UA)


def signed_out_of_office(response) -> bool:
    return response.code == 302 and response.headers["Location"].startswith("/office/login")


@pytest.mark.gen_test
async def test_a_staff_cookie_replayed_after_sign_out_is_signed_out(office, app):
    await make_staff(app, "li.ming")
    await office_sign_in(office, "li.ming")
    assert (await office.get("/office/")).code == 200
    copied = office.cookies["office_session"]
    assert signed_out_of_office(await office.post("/office/logout", {}))
    office.cookies["office_session"] = copied
    assert signed_out_of_office(await office.get("/office/"))


@pytest.mark.gen_test
async def test_a_staff_password_reset_ends_the_members_sessions(office, app, http_client, base_url):
    await make_staff(app, "li.ming")
    await make_staff(app, "zhang.admin", role="centre_admin")
    await office_sign_in(office, "li.ming")  # browser A
    assert (await office.get("/office/")).code == 200
    admin = CookieClient(http_client, base_url, DESKTOP_UA)  # browser B
    await office_sign_in(admin, "zhang.admin")
    await admin.get("/office/staff")
    reset = await admin.post("/office/staff", {"action": "reset", "login": "li.ming", "password": "Another-2026y!"})
    assert reset.code == 200 and "密码已重置" in reset.body.decode()
    assert signed_out_of_office(await office.get("/office/"))
    assert (await admin.get("/office/")).code == 200  # the administrator's own session goes on


@pytest.mark.gen_test
async def test_a_deactivated_member_is_signed_out_and_reactivation_revives_nothing(office, app, http_client, base_url):
    await make_staff(app, "li.ming")
    await make_staff(app, "zhang.admin", role="centre_admin")
    await office_sign_in(office, "li.ming")
    copied = office.cookies["office_session"]
    admin = CookieClient(http_client, base_url, DESKTOP_UA)
    await office_sign_in(admin, "zhang.admin")
    await admin.get("/office/staff")
    assert (await admin.post("/office/staff", {"action": "deactivate", "login": "li.ming"})).code == 200
    assert signed_out_of_office(await office.get("/office/"))
    assert (await admin.post("/office/staff", {"action": "activate", "login": "li.ming"})).code == 200
    office.cookies["office_session"] = copied
    assert signed_out_of_office(await office.get("/office/"))
    await office_sign_in(office, "li.ming")  # signing in again works
    assert (await office.get("/office/")).code == 200


@pytest.mark.gen_test
async def test_a_staff_session_ends_twelve_hours_after_sign_in_however_active(office, app):
    clock = Clock.on(app.settings["services"].ctx)
    await make_staff(app, "li.ming")
    await office_sign_in(office, "li.ming")
    for _ in range(24):  # a request every 29 minutes: never idle
        assert (await office.get("/office/")).code == 200
        clock.advance(minutes=29)
    assert (await office.get("/office/")).code == 200  # 11 h 36 min
    clock.advance(minutes=24)  # 12 hours since sign-in
    assert signed_out_of_office(await office.get("/office/"))


@pytest.mark.gen_test
async def test_a_tampered_or_old_shaped_staff_cookie_is_signed_out(office, app):
    await make_staff(app, "li.ming")
    await office_sign_in(office, "li.ming")
    value = office.cookies["office_session"]
    office.cookies["office_session"] = value[:-3] + ("abc" if not value.endswith("abc") else "xyz")
    assert signed_out_of_office(await office.get("/office/"))
    # Correctly signed, naming only the login as sessions did before they could be ended.
    office.cookies["office_session"] = create_signed_value(
        app.settings["cookie_secret"], "office_session", "li.ming"
    ).decode()
    assert signed_out_of_office(await office.get("/office/"))


@pytest.mark.gen_test
async def test_signing_out_with_a_copy_gone_idle_still_ends_the_session(browser, wechat, app):
    await sign_in_page(browser, wechat)
    assert (await browser.get("/h5/cases")).code == 200
    live = browser.cookies["h5_session"]  # e.g. a thief's copy, kept in use
    value = decode_signed_value(app.settings["cookie_secret"], "h5_session", live)
    three_hours_ago = time.time() - 3 * 3600  # the owner's copy: past the 2 h idle limit, within the day
    idle = create_signed_value(app.settings["cookie_secret"], "h5_session", value, clock=lambda: three_hours_ago)
    browser.cookies["h5_session"] = idle.decode()
    assert (await browser.post("/h5/signout", {})).code == 302
    browser.cookies["h5_session"] = live
    assert signed_out_of_h5(await browser.get("/h5/cases"))


@pytest.mark.gen_test
async def test_a_staff_password_reset_during_the_sign_in_check_ends_that_sign_in(office, app, monkeypatch):
    ctx = app.settings["services"].ctx
    await make_staff(app, "li.ming")
    admin = StaffMember("root", "系统管理员", SYSTEM_ADMIN, "")
    real = lockout.verify_password

    async def checked_while_reset_lands(stored_hash, password):
        right = await real(stored_hash, password)  # the old password, read before the reset
        await reset_password(ctx, admin, "li.ming", "Brand-New-Pass-2026")
        return right

    monkeypatch.setattr(lockout, "verify_password", checked_while_reset_lands)
    await office_sign_in(office, "li.ming")
    monkeypatch.setattr(lockout, "verify_password", real)
    assert signed_out_of_office(await office.get("/office/"))


@pytest.mark.gen_test
async def test_a_portal_reset_during_the_sign_in_check_ends_that_sign_in(
    desktop, app, http_client, base_url, monkeypatch
):
    ctx = app.settings["services"].ctx
    assert (await register(desktop, app)).code == 302
    person = (await ctx.db["portal_accounts"].find_one({}))["person_id"]
    real = lockout.verify_password

    async def checked_while_reset_lands(stored_hash, password):
        right = await real(stored_hash, password)
        await web_sessions.end_all(ctx, web_sessions.PERSON, person)  # what a reset does to sessions
        return right

    other = CookieClient(http_client, base_url, DESKTOP_UA)
    await other.get("/portal/login")
    monkeypatch.setattr(lockout, "verify_password", checked_while_reset_lands)
    assert (await other.post("/portal/login", {"login": MOBILE, "password": PASSWORD})).code == 302
    monkeypatch.setattr(lockout, "verify_password", real)
    assert signed_out_of_h5(await other.get("/h5/cases"))
