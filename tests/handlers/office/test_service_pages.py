"""The case file's service record in the back office (issue 21, items 12 and 13): each party's 送达地址确认书,
every notice and document served, a respondent the platform could not invite flagged, and the mediator's record of
a service by post, phone or in person, refused beside its field when wrong."""

from __future__ import annotations

import pytest

from services.accounts.persons import person_for_identity
from services.cases import handling
from services.core.context import SHANGHAI
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID, make_staff
from tests.support.cases import MEDIATOR
from tests.support.office import sign_in
from tests.support.samples import worker_body


@pytest.mark.gen_test
async def test_the_mediator_sees_the_undelivered_invitation_and_records_its_service_by_post(office, app):
    services = app.settings["services"]
    ctx = services.ctx
    await services.notification_sender.stop()  # the pass is run here, in the test's order
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-landline")
    body = worker_body()
    body["evidence"] = []
    body["respondent"]["contact_phone"] = "021-6888 1234"  # the company's only number: a landline
    case, _ = await submit_application(ctx, person, "key-landline-01", body, "h5")
    serial = case["serial"]
    await handling.decide(ctx, MEDIATOR, serial, "accept", {})
    await services.notification_sender.run_once()
    await make_staff(app, MEDIATOR.login)
    await sign_in(office, MEDIATOR.login)
    page = (await office.get(f"/office/cases/{serial}")).body.decode()
    assert 'id="invitation-undelivered"' in page and "请以邮寄、电话或当面方式邀请" in page
    assert 'id="consent-applicant"' in page and "同意电子送达" in page and "尚未确认送达地址" in page
    assert "劳动人事争议调解邀请" in page and "电子送达失败，待另行送达" in page and "不是手机号码" in page
    doc = await ctx.db["cases"].find_one({"_id": serial})
    key = doc["respondent_access"]["notice"]
    assert f'<option value="{key}" selected>' in page  # the form starts on the invitation
    wrong = await office.post(f"/office/cases/{serial}/serve", {"key": key, "method": "post", "on": "2999-01-01"})
    assert wrong.code == 422 and 'id="error-on"' in wrong.body.decode()
    assert "送达日期应在" in wrong.body.decode()
    today = ctx.clock().astimezone(SHANGHAI).date().isoformat()
    done = await office.post(f"/office/cases/{serial}/serve", {"key": key, "method": "in_person", "on": today})
    assert done.code == 302
    page = (await office.get(f"/office/cases/{serial}")).body.decode()
    assert 'id="invitation-undelivered"' not in page
    assert "已另行送达" in page and f"（当面，{today}）" in page
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["respondent_access"]["served_on"] == today and doc["timeline"][-1]["action"] == "served_on_paper"
