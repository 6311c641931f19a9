"""Card sign-in over HTTP: tickets bound to a browser, the signed notification and its refusals, linking persons."""

from __future__ import annotations

import base64
import dataclasses
import io
import logging
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from platforms.card_crypto import canonical, generate_key_pair, sm2_sign
from services.core.context import utc_now
from settings import DEV_CARD_PLATFORM_PRIVATE_KEY, DEV_CARD_PLATFORM_PUBLIC_KEY
from tests.support.app import OA_APP_ID, body_of
from tests.support.browser_session import DESKTOP_UA, WECHAT_UA, CookieClient
from tests.support.portal import CHANNEL, card_sign_in, new_ticket, notify, person_of, poll, post_api
from tests.support.samples import worker_body


@pytest.fixture
def env_overrides(pages_env, card_platform):
    return pages_env | {"CARD_PLATFORM_BASE": card_platform.base_url}


@pytest.fixture
def desktop(http_client, base_url):
    return CookieClient(http_client, base_url, DESKTOP_UA)


def services_of(app):
    return app.settings["services"]


async def wechat_sign_in(http_client, base_url, wechat, openid="o-card-wechat") -> CookieClient:
    browser = CookieClient(http_client, base_url, WECHAT_UA)
    first = await browser.get("/h5/cases")
    to_wechat = await browser.get(first.headers["Location"])
    state = parse_qs(urlsplit(to_wechat.headers["Location"]).query)["state"][0]
    code = wechat.state.issue_oauth_code(openid, OA_APP_ID)
    assert (await browser.get(f"/h5/oauth/callback?code={code}&state={state}")).code == 302
    return browser


@pytest.mark.gen_test
async def test_signed_out_desktop_goes_to_the_portal_and_wechat_to_oauth(desktop, http_client, base_url):
    response = await desktop.get("/h5/cases")
    assert response.code == 302 and response.headers["Location"] == "/portal/login?next=%2Fh5%2Fcases"
    page = await desktop.get(response.headers["Location"])
    body = page.body.decode()
    assert page.code == 200 and 'id="card-qr"' in body and 'id="password-form"' in body and "注册账号" in body
    in_wechat = await CookieClient(http_client, base_url, WECHAT_UA).get("/h5/cases")
    assert in_wechat.headers["Location"].startswith("/h5/oauth/start")


@pytest.mark.gen_test
async def test_card_sign_in_end_to_end(desktop, api, card_platform, app):
    created = await new_ticket(desktop)
    ticket = created["ticket"]
    assert len(ticket) >= 32 and created["expires_in"] == 120
    png = base64.b64decode(created["qr"].split(",", 1)[1])
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text
    assert decoded == created["authorize_url"] and parse_qs(urlsplit(decoded).query)["ticket"] == [ticket]
    binding = next(h for h in desktop.set_cookie_headers if h.startswith("card_ticket="))
    assert "httponly" in binding.lower() and "samesite=lax" in binding.lower()
    assert (await poll(desktop, ticket))[1]["state"] == "pending"

    answer = await notify(api, card_platform.state.signed_notification(CHANNEL, ticket, "SSC-0002"))
    assert answer.code == 200 and body_of(answer)["code"] == "0"
    code, state = await poll(desktop, ticket)
    assert code == 200 and state == {"state": "confirmed", "message": "", "next": "/h5/cases"}
    assert (await desktop.get("/h5/cases")).code == 200

    db = services_of(app).ctx.db
    person = await db["persons"].find_one({"_id": person_of(desktop, app)})
    assert person["verified"] and person["verified_name"] == "王社保" and person["verified_via"] == "sscard"
    assert person["verified_id"]["masked"] == "310104********0021"
    assert "310104198511120021" not in repr(person)  # only sealed and hashed
    link = await db["identities"].find_one({"person_id": person["_id"]})
    assert link["_id"] == "sscard:sscard-national:SSC-0002"
    # Single use: the binding cookie is gone and the ticket consumed.
    assert (await poll(desktop, ticket))[0] == 403
    assert (await db["card_tickets"].find_one({"_id": ticket}))["state"] == "consumed"


@pytest.mark.gen_test
async def test_a_ticket_signs_in_only_the_browser_that_asked(desktop, api, card_platform, http_client, base_url, app):
    ticket = (await new_ticket(desktop))["ticket"]
    await notify(api, card_platform.state.signed_notification(CHANNEL, ticket))
    thief = CookieClient(http_client, base_url, DESKTOP_UA)
    code, body = await poll(thief, ticket)
    assert code == 403 and "不是在本浏览器上生成" in body["error"]["message"] and "h5_session" not in thief.cookies
    await new_ticket(thief)  # its own binding cookie does not open another ticket either
    assert (await poll(thief, ticket))[0] == 403 and "h5_session" not in thief.cookies
    assert (await poll(desktop, ticket))[1]["state"] == "confirmed"


@pytest.mark.gen_test
async def test_replayed_notification_is_refused_logged_and_changes_nothing(desktop, api, card_platform, app, caplog):
    ticket = (await new_ticket(desktop))["ticket"]
    first = card_platform.state.signed_notification(CHANNEL, ticket, "SSC-0001")
    assert (await notify(api, first)).code == 200
    db = services_of(app).ctx.db
    before = (await db["card_tickets"].find_one({"_id": ticket}), await db["identities"].count_documents({}))
    with caplog.at_level(logging.WARNING, logger="mediation.card"):
        again = await notify(api, first)
        other = await notify(api, card_platform.state.signed_notification(CHANNEL, ticket, "SSC-0003"))
    assert again.code == 409 and body_of(again)["code"] == "ticket_used" and other.code == 409
    assert before == (await db["card_tickets"].find_one({"_id": ticket}), await db["identities"].count_documents({}))
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "ticket_used" in logged and ticket not in logged and "310115" not in logged  # no personal data


@pytest.mark.gen_test
async def test_forged_notifications_are_refused_and_change_nothing(desktop, api, card_platform, app, caplog):
    ticket = (await new_ticket(desktop))["ticket"]
    good = card_platform.state.signed_notification(CHANNEL, ticket)
    other_private, other_public = generate_key_pair()
    forged_key = dict(good, sign=sm2_sign(other_private, other_public, canonical(good)))
    tampered = dict(good, ticket=good["ticket"][:-1] + ("A" if good["ticket"][-1] != "A" else "B"))
    altered = dict(good, auth_code="someone-elses-code")
    not_base64 = dict(good, sign="not a signature!")
    foreign = card_platform.state.signed_notification("another-channel", ticket)
    stale = {k: v for k, v in good.items() if k != "sign"} | {"timestamp": int(time.time()) - 3600}
    stale["sign"] = sm2_sign(DEV_CARD_PLATFORM_PRIVATE_KEY, DEV_CARD_PLATFORM_PUBLIC_KEY, canonical(stale))
    unknown = card_platform.state.signed_notification(CHANNEL, "x" * 32)
    expected = [
        (forged_key, 401, "bad_signature"),
        (tampered, 401, "bad_signature"),
        (altered, 401, "bad_signature"),
        (not_base64, 401, "bad_signature"),
        (foreign, 403, "foreign_channel"),
        (stale, 401, "notification_stale"),
        (unknown, 404, "ticket_unknown"),
        ({"ticket": ticket}, 400, "notification_malformed"),
    ]
    with caplog.at_level(logging.WARNING, logger="mediation.card"):
        for body, status, code in expected:
            response = await notify(api, body)
            assert (response.code, body_of(response)["code"]) == (status, code), body
    assert sum("refused" in r.getMessage() for r in caplog.records) == len(expected)
    assert (await services_of(app).ctx.db["card_tickets"].find_one({"_id": ticket}))["state"] == "pending"
    assert (await poll(desktop, ticket))[1]["state"] == "pending" and "h5_session" not in desktop.cookies
    assert (await notify(api, good)).code == 200  # the genuine one still works afterwards


@pytest.mark.gen_test
async def test_expired_ticket_is_refused(desktop, api, card_platform, app):
    ticket = (await new_ticket(desktop))["ticket"]
    ctx = services_of(app).ctx
    ctx.real_clock = lambda: utc_now() + timedelta(seconds=121)
    response = await notify(api, card_platform.state.signed_notification(CHANNEL, ticket))
    assert response.code == 410 and body_of(response)["code"] == "ticket_expired"
    code, state = await poll(desktop, ticket)
    assert state["state"] == "expired" and "过期" in state["message"] and "h5_session" not in desktop.cookies


@pytest.mark.gen_test
async def test_cancelled_on_the_phone(desktop, api, card_platform):
    ticket = (await new_ticket(desktop))["ticket"]
    body = card_platform.state.signed_notification(CHANNEL, ticket, result="cancelled")
    assert (await notify(api, body)).code == 200
    state = (await poll(desktop, ticket))[1]
    assert state["state"] == "failed" and "取消了授权" in state["message"] and "h5_session" not in desktop.cookies


@pytest.mark.gen_test
async def test_platform_down_no_ticket_and_the_page_offers_passwords(desktop, card_platform, app):
    card_platform.state.mode = "down"
    response = await post_api(desktop, "/portal/card/tickets")
    assert response.code == 503 and "社保卡平台暂时无法连接" in body_of(response)["error"]["message"]
    assert "card_ticket" not in desktop.cookies
    assert await services_of(app).ctx.db["card_tickets"].count_documents({}) == 0
    card_platform.state.mode = "up"
    services_of(app).card.forget_status()
    assert (await post_api(desktop, "/portal/card/tickets")).code == 201


@pytest.mark.gen_test(timeout=20)
async def test_platform_slow_fails_the_ticket_without_a_session(desktop, api, card_platform, app):
    card = services_of(app).card
    card.settings = dataclasses.replace(card.settings, timeout_seconds=0.3, status_timeout_seconds=0.3)
    ticket = (await new_ticket(desktop))["ticket"]  # status answered before it became slow
    card_platform.state.mode, card_platform.state.delay = "slow", 1.0
    assert (await notify(api, card_platform.state.signed_notification(CHANNEL, ticket))).code == 200
    state = (await poll(desktop, ticket))[1]
    assert state["state"] == "failed" and "响应缓慢" in state["message"]
    assert "h5_session" not in desktop.cookies
    assert await services_of(app).ctx.db["identities"].count_documents({}) == 0  # nothing half done
    card.forget_status()
    slow = await post_api(desktop, "/portal/card/tickets")
    assert slow.code == 503 and "响应缓慢" in body_of(slow)["error"]["message"]


@pytest.mark.gen_test
async def test_wechat_person_verifies_with_the_card_and_both_channels_show_the_same_cases(
    http_client, base_url, wechat, api, card_platform, app, settings
):
    phone = await wechat_sign_in(http_client, base_url, wechat)
    wechat_person = person_of(phone, app)
    ctx = services_of(app).ctx
    from services.intake.submission import submit_application

    case, _ = await submit_application(ctx, wechat_person, "key-card-1", worker_body() | {"evidence": []}, "h5")
    # Inside WeChat the card runs its redirect flow: to the platform's page and back.
    start = await phone.get("/portal/card/start?next=/h5/cases")
    assert start.code == 302
    target = urlsplit(start.headers["Location"])
    query = parse_qs(target.query)
    assert start.headers["Location"].startswith(card_platform.base_url + "authorize?")
    assert query["return_url"] == [settings.public_base_url + "/portal/card/return"]
    ticket = query["ticket"][0]
    assert (await notify(api, card_platform.state.signed_notification(CHANNEL, ticket, "SSC-0001"))).code == 200
    back = await phone.get(f"/portal/card/return?ticket={ticket}")
    assert back.code == 200 and f"/portal/card/tickets/{ticket}" in back.body.decode()
    assert (await poll(phone, ticket))[1]["state"] == "confirmed"
    assert person_of(phone, app) == wechat_person
    assert (await ctx.db["persons"].find_one({"_id": wechat_person}))["verified"]
    # Later, on a computer, the same card signs in as the same person: 我的申请 shows the WeChat case.
    computer = CookieClient(http_client, base_url, DESKTOP_UA)
    await card_sign_in(computer, api, card_platform, "SSC-0001")
    assert person_of(computer, app) == wechat_person
    page = await computer.get("/h5/cases")
    assert f'data-serial="{case["serial"]}"' in page.body.decode()


@pytest.mark.gen_test
async def test_a_card_of_another_person_record_is_not_merged(http_client, base_url, wechat, api, card_platform, app):
    computer = CookieClient(http_client, base_url, DESKTOP_UA)
    await card_sign_in(computer, api, card_platform, "SSC-0003")
    card_person = person_of(computer, app)
    phone = await wechat_sign_in(http_client, base_url, wechat, "o-other-phone")
    wechat_person = person_of(phone, app)
    start = await phone.get("/portal/card/start?next=/h5/cases")
    ticket = parse_qs(urlsplit(start.headers["Location"]).query)["ticket"][0]
    assert (await notify(api, card_platform.state.signed_notification(CHANNEL, ticket, "SSC-0003"))).code == 200
    state = (await poll(phone, ticket))[1]
    assert state["state"] == "failed" and "不会自动合并" in state["message"]
    assert person_of(phone, app) == wechat_person
    db = services_of(app).ctx.db
    assert (await db["identities"].find_one({"_id": "sscard:sscard-national:SSC-0003"}))["person_id"] == card_person
    assert not (await db["persons"].find_one({"_id": wechat_person}))["verified"]


@pytest.mark.gen_test
async def test_wechat_login_page_offers_the_redirect_flow_not_a_qr_code(http_client, base_url):
    page = await CookieClient(http_client, base_url, WECHAT_UA).get("/portal/login?next=/h5/cases")
    body = page.body.decode()
    assert 'id="card-redirect"' in body and 'id="card-qr"' not in body
    assert "/portal/card/start?next=/h5/cases" in body.replace("%2F", "/")
