"""Issue 4's journey in real browsers: clarify and push, the applicant confirms from the WeChat message, the
agreement drafted for signing (signing itself: tests/handlers/h5/test_parties_browser.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.accounts.persons import person_for_identity
from services.core.context import SHANGHAI
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID, STAFF_PASSWORD, make_staff
from tests.support.browser import chromium
from tests.support.browser_session import WECHAT_UA
from tests.support.parties import ten_in_the_morning
from tests.support.samples import worker_body
from tests.support.wechat import message_to


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


@pytest.mark.gen_test(timeout=90)
async def test_mediator_clarifies_applicant_confirms_then_settle(app, http_server, http_port, wechat, cheap_hashing):
    base_url = f"http://127.0.0.1:{http_port}"
    ctx = app.settings["services"].ctx
    today = ten_in_the_morning(ctx)
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-journey")
    body = worker_body()
    body["evidence"] = []
    case, _ = await submit_application(ctx, person, "key-journey-01", body, "h5")
    serial = case["serial"]
    await make_staff(app, "li.ming", name="李明")
    from services.accounts.staff import StaffMember
    from tests.support.parties import upload_seal

    await upload_seal(ctx, app.settings["services"].blobs, StaffMember("boss", "主任", "centre_admin", "sh-city"))

    async with chromium() as browser:
        office = await (await browser.new_context(viewport={"width": 1400, "height": 900})).new_page()
        await office.goto(base_url + "/office/")
        await office.wait_for_url("**/office/login*")
        await office.fill("#login", "li.ming")
        await office.fill("#password", STAFF_PASSWORD)
        await office.click("#sign-in")
        await office.wait_for_selector(f"tr[data-serial='{serial}']")
        await office.click(f"tr[data-serial='{serial}'] a")
        await office.wait_for_url(f"**/office/cases/{serial}")
        await office.select_option("#mediator", "li.ming")
        await office.click("#assign")
        await office.wait_for_function("document.querySelector('#current-mediator').innerText === '李明'")

        await office.select_option("#cause-0", "05-01")
        await office.fill("#item-text-0", "支付2026年8月至10月工资")
        await office.fill("#item-amount-0", "12000")
        await office.select_option("#cause-1", "04-02")
        await office.fill("#item-text-1", "支付解除劳动合同经济补偿")
        await office.fill("#item-amount-1", "8000")
        await office.click("#push")
        await office.wait_for_selector("#clarified-state")
        assert await office.inner_text("#status") == "待确认请求"

        message = await message_to(wechat, "o-journey", 2)  # the acknowledgement, their mediator, then this
        assert message["kind"] == "template" and message["url"].endswith(f"/h5/cases/{serial}/clarified")

        phone = await browser.new_context(viewport={"width": 390, "height": 844}, user_agent=WECHAT_UA)
        applicant = await phone.new_page()  # opened from the WeChat message, in WeChat's browser
        await applicant.goto(message["url"])
        await applicant.wait_for_selector("#authorize")  # WeChat's OAuth stand-in: the applicant
        await applicant.fill("input[name='openid']", "o-journey")
        await applicant.click("#authorize")
        await applicant.wait_for_url(f"**/h5/cases/{serial}/clarified")
        items = await applicant.inner_text("#items")
        assert "支付2026年8月至10月工资" in items and "拖欠工资" in items
        await applicant.click("#confirm")
        await applicant.wait_for_url(f"**/h5/cases/{serial}")
        assert await applicant.inner_text("#status") == "请求已确认"

        await office.reload()
        assert await office.inner_text("#clarified-state") == "已确认"
        await office.click("#accept")
        await office.wait_for_selector("#schedule")
        when = (ctx.clock() + timedelta(days=3)).astimezone(SHANGHAI).strftime("%Y-%m-%dT10:00")
        await office.fill("#session-at", when)
        await office.fill("#session-place", "浦东新区调解中心第一调解室")
        await office.click("#schedule")
        await office.wait_for_selector("#open-session-later")  # "开始调解" is for the session's day
        assert await office.inner_text("#session-place-shown") == "浦东新区调解中心第一调解室"
        await office.fill("#session-at", f"{today}T11:00")
        await office.fill("#session-place", "浦东新区调解中心第一调解室")
        await office.click("#schedule")
        await office.wait_for_selector("#open_session")
        await office.click("#open_session")
        await office.wait_for_selector("#draft-agreement")
        await office.fill("#term-text-0", "被申请人支付申请人工资12000元")
        await office.fill("#term-amount-0", "12000")
        await office.fill("#term-due-0", (ctx.clock() + timedelta(days=20)).astimezone(SHANGHAI).strftime("%Y-%m-%d"))
        await office.fill("#term-method-0", "银行转账")
        await office.click("#draft-agreement")
        await office.wait_for_function("document.querySelector('#status').innerText === '待签署协议'")

        await applicant.goto(base_url + "/h5/cases")
        row = applicant.locator(f".case-row[data-serial='{serial}']")
        assert "待签署协议" in await row.inner_text()
        assert "李明" in await row.inner_text()  # the mediator in charge, shown in 我的申请

    doc = await ctx.db["cases"].find_one({"_id": serial})
    actions = [e["action"] for e in doc["timeline"]]
    assert actions == [
        "submit",
        "assign",
        "push_clarified",
        "confirm_clarified",
        "accept",
        "schedule",
        "schedule",  # again, for today
        "open_session",
        "draft_agreement",
    ]
    delivered = [n["kind"] for n in doc["notifications"] if n["state"] == "sent"]
    assert delivered[:3] == ["submitted", "assigned", "clarify_pushed"]
