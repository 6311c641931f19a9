"""Service (送达) on a party's H5 page (issue 21, item 13): the 送达地址确认书 asked on the respondent's first visit
until given (refused beside what is wrong), then changeable; 送达记录 lists what was served on them."""

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


@pytest.mark.gen_test(timeout=30)
async def test_the_respondent_confirms_the_address_for_service_on_their_first_visit(app, http_client, base_url):
    services = app.settings["services"]
    ctx, sms = services.ctx, services.sms
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-service-worker")
    body = worker_body()
    body["evidence"] = []
    case, _ = await submit_application(ctx, person, "key-service-0001", body, "h5")
    serial = case["serial"]
    await handling.decide(ctx, StaffMember("m", "调解员", "mediator", "sh-city"), serial, "accept", {})
    link = await invitation_link(ctx, serial)
    browser = CookieClient(http_client, base_url, DESKTOP_UA)
    await browser.get(link)
    await browser.post(link, {"action": "code"})
    await browser.post(link, {"action": "claim", "code": sms.last_code("13987654321", "respond")})
    base = f"/h5/respondent/cases/{serial}"
    first = (await browser.get(base)).body.decode()
    assert 'id="service-consent-form"' in first and 'id="service-consent-change"' not in first
    assert 'id="service-records"' in first and "劳动人事争议调解邀请" in first  # their invitation, served on them
    refused = await browser.post(base + "/service", {"address": "上海市浦东新区川沙路100号"})
    assert refused.code == 422 and "请选择是否同意电子送达" in refused.body.decode()
    given = await browser.post(base + "/service", {"electronic": "true", "address": "上海市浦东新区川沙路100号"})
    assert given.code == 302 and given.headers["Location"] == f"{base}#service"
    after = (await browser.get(base)).body.decode()
    assert 'id="service-consent"' in after and "送达地址：上海市浦东新区川沙路100号" in after
    assert 'id="service-consent-change"' in after  # changeable
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["service_consent"]["respondent"]["electronic"] is True
    assert doc["service_consent"]["respondent"]["channel"] == "h5"
