"""The respondent's pages over HTTP: the invitation proved on a computer (the code signs the browser in), the way
back for a signed-out respondent, and the refusals: a guessed link, a wrong code, someone else's case."""

from __future__ import annotations

import pytest

from services.accounts.persons import person_for_identity
from services.accounts.staff import StaffMember
from services.cases import handling
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID
from tests.support.browser_session import DESKTOP_UA, CookieClient
from tests.support.parties import invitation_link
from tests.support.samples import worker_body


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


async def invited(app) -> tuple[str, str, str]:
    ctx = app.settings["services"].ctx
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-pages-worker")
    body = worker_body()
    body["evidence"] = []
    case, _ = await submit_application(ctx, person, "key-pages-0001", body, "h5")
    await handling.decide(ctx, StaffMember("m", "调解员", "mediator", "sh-city"), case["serial"], "accept", {})
    return case["serial"], await invitation_link(ctx, case["serial"]), person


@pytest.mark.gen_test(timeout=30)
async def test_the_invitation_on_a_computer_and_the_way_back(app, http_client, base_url):
    sms = app.settings["services"].sms
    serial, link, _ = await invited(app)
    guessed = await CookieClient(http_client, base_url, DESKTOP_UA).get(link[:-4] + "AAAA")
    assert guessed.code == 404 and "没有找到这份调解邀请" in guessed.body.decode()

    browser = CookieClient(http_client, base_url, DESKTOP_UA)
    page = await browser.get(link)
    assert page.code == 200 and "139****4321" in page.body.decode() and "13987654321" not in page.body.decode()
    assert (await browser.post(link, {"action": "code"})).code == 200
    wrong = await browser.post(link, {"action": "claim", "code": "12345"})
    assert wrong.code == 422 and "验证码" in wrong.body.decode()
    claimed = await browser.post(link, {"action": "claim", "code": sms.last_code("13987654321", "respond")})
    assert claimed.code == 302 and claimed.headers["Location"] == f"/h5/respondent/cases/{serial}"
    case = await browser.get(f"/h5/respondent/cases/{serial}")
    assert case.code == 200 and "支付2026年8月至10月工资12000元" in case.body.decode()
    assert 'id="answer-form"' in case.body.decode()

    later = CookieClient(http_client, base_url, DESKTOP_UA)  # another day, another browser: signed out
    redirected = await later.get(f"/h5/respondent/cases/{serial}")
    assert redirected.code == 302 and redirected.headers["Location"].startswith(f"/h5/respondent/cases/{serial}/signin")
    await later.get(f"/h5/respondent/cases/{serial}/signin")
    ctx = app.settings["services"].ctx
    ctx.real_clock = _later(ctx.real_clock)  # another code may be asked a minute later, in real time
    assert (await later.post(f"/h5/respondent/cases/{serial}/signin", {"action": "code"})).code == 200
    back = await later.post(
        f"/h5/respondent/cases/{serial}/signin", {"action": "claim", "code": sms.last_code("13987654321", "respond")}
    )
    assert back.code == 302 and (await later.get(f"/h5/respondent/cases/{serial}")).code == 200


@pytest.mark.gen_test(timeout=30)
async def test_the_applicant_is_not_the_respondent(app, http_client, base_url):
    serial, _, applicant = await invited(app)
    from services.accounts import web_sessions

    client = CookieClient(http_client, base_url, DESKTOP_UA)
    session = await web_sessions.issue(app.settings["services"].ctx, web_sessions.PERSON, applicant)
    from tornado.web import create_signed_value

    client.cookies["h5_session"] = create_signed_value(app.settings["cookie_secret"], "h5_session", session).decode()
    assert (await client.get(f"/h5/cases/{serial}")).code == 200
    assert (await client.get(f"/h5/respondent/cases/{serial}")).code == 404
    await client.get(f"/h5/cases/{serial}")
    answered = await client.post(f"/h5/respondent/cases/{serial}/answer", {"decision": "agree"})
    assert answered.code == 404


def _later(clock):
    from datetime import timedelta

    return lambda: clock() + timedelta(minutes=2)  # past the minute before another code may be asked
