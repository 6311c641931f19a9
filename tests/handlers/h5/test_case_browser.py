"""The applicant's own case on a phone, in a real browser: the session's time and place and its "进入视频调解" link
that opens at the session's time (also from the WeChat message), evidence added after submitting (the mediator sees
it as new), the timeline in words, and withdrawing, which asks for confirmation and a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.accounts.persons import person_for_identity
from services.accounts.staff import StaffMember
from services.cases import documents, handling
from services.core.context import utc_now
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID, STAFF_PASSWORD, make_staff
from tests.support.browser import chromium
from tests.support.browser_session import WECHAT_UA
from tests.support.h5 import evidence_files
from tests.support.parties import ten_in_the_morning
from tests.support.samples import worker_body
from tests.support.wechat import message_to

MEETING = "https://meeting.example.com/j/8812345"


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


@pytest.mark.gen_test(timeout=150)
async def test_the_applicant_joins_the_video_session_adds_evidence_and_withdraws(
    app, http_server, http_port, wechat, tmp_path
):
    base_url = f"http://127.0.0.1:{http_port}"
    services = app.settings["services"]
    ctx = services.ctx
    today = ten_in_the_morning(ctx)
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-video")
    serial = (await submit_application(ctx, person, "key-video-001", worker_body() | {"evidence": []}, "h5"))[0][
        "serial"
    ]
    await make_staff(app, "li.ming", name="李明")
    mediator = StaffMember("li.ming", "李明", "mediator", "sh-city")
    await handling.decide(ctx, mediator, serial, "accept", {})
    await handling.decide(ctx, mediator, serial, "schedule", {"at": f"{today}T12:00", "online_link": MEETING})
    await documents.generate(ctx, services.renderers, services.blobs, mediator, serial, "application")

    doc = await ctx.db["cases"].find_one({"_id": serial})
    [scheduled] = [n for n in doc["notifications"] if n["kind"] == "schedule" and n["to"]["type"] == "applicant"]
    assert scheduled["link"] == f"/h5/cases/{serial}/session"  # the WeChat message opens the way in
    message = await message_to(wechat, "o-video", 2)  # the acknowledgement, the acceptance, then this
    assert message["url"].endswith(f"/h5/cases/{serial}/session")

    async with chromium() as browser:
        context = await browser.new_context(viewport={"width": 390, "height": 844}, user_agent=WECHAT_UA)
        await context.route(
            MEETING,
            lambda route: route.fulfill(body="<html><body id='meeting'>会议</body></html>", content_type="text/html"),
        )
        page = await context.new_page()
        await page.goto(message["url"])  # from the WeChat message, before the session's time
        await page.fill("input[name='openid']", "o-video")
        await page.click("#authorize")
        await page.wait_for_url(f"**/h5/cases/{serial}/session")
        assert "12:00" in await page.inner_text("#session-not-yet") and "11:45" in await page.inner_text(
            "#session-not-yet"
        )
        await page.goto(f"{base_url}/h5/cases/{serial}")
        assert await page.inner_text("#session-time") == f"{today} 12:00"
        assert await page.get_attribute("#join-session", "aria-disabled") == "true"
        assert "11:45" in await page.inner_text("#join-opens")
        timeline = await page.inner_text("#timeline")
        assert "生成文书：劳动人事争议调解申请书" in timeline and "document" not in timeline
        assert "（已受理）" not in timeline  # the entry in words, not the status it happened in

        at_1150 = ctx.clock() + timedelta(minutes=110)  # the clock moves on to 11:50: the link is open
        offset = at_1150 - utc_now()
        ctx.clock = lambda: utc_now() + offset
        await page.reload()
        assert await page.get_attribute("#join-session", "aria-disabled") is None
        await page.click("#join-session")
        await page.wait_for_url(MEETING)

        # Evidence after submitting: uploaded on the case page, attached, listed by name, marked added.
        await page.goto(f"{base_url}/h5/cases/{serial}")
        photo = evidence_files(tmp_path)[0]
        await page.set_input_files("#file-input", str(photo))
        await page.wait_for_function("document.querySelectorAll('#evidence-list li').length === 1")
        await page.click("#attach-evidence")
        await page.wait_for_url(f"**/h5/cases/{serial}#evidence")
        listed = await page.inner_text("#evidence-names")
        assert "劳动合同.jpg" in listed and "补充" in listed
        assert "申请人补充证据：1份" in await page.inner_text("#timeline")

        office = await (await browser.new_context(viewport={"width": 1400, "height": 900})).new_page()
        await office.goto(base_url + "/office/login")
        await office.fill("#login", "li.ming")
        await office.fill("#password", STAFF_PASSWORD)
        await office.click("#sign-in")
        await office.wait_for_url("**/office/")
        await office.goto(f"{base_url}/office/cases/{serial}")
        assert "劳动合同.jpg" in await office.inner_text("#evidence")
        assert "新增" in await office.inner_text("#new-evidence-1")  # the mediator sees it as new

        # Withdrawing asks first, and for a reason.
        await page.click("#withdraw")
        await page.wait_for_url(f"**/h5/cases/{serial}/withdraw")
        assert "撤回后" in await page.inner_text("#withdraw-explain")
        await page.click("#confirm-withdraw")
        await page.wait_for_selector("#error-reason")
        assert "撤回原因" in await page.inner_text("#error-reason")
        assert (await ctx.db["cases"].find_one({"_id": serial}))["status"] == "scheduled"  # nothing happened yet
        await page.fill("#f-reason", "已与公司协商解决")
        await page.click("#confirm-withdraw")
        await page.wait_for_url(f"**/h5/cases/{serial}")
        assert await page.inner_text("#status") == "已撤回"
        assert await page.inner_text("#deadline") == "调解已结束，不再计算期限"  # no running clock once closed
        assert await page.locator("#withdraw").count() == 0 and await page.locator("#join-session").count() == 0
        assert "申请人撤回：已与公司协商解决" in await page.inner_text("#timeline")
