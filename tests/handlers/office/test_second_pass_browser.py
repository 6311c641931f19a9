"""What users notice, second pass (issue 25), in the back office, in a real browser at 1366 px: each unhappy turn
walked and what the person sees asserted. The company file found by name (item 1), a seal over the limit (item 2),
a new version of the request items after 要求修改 (item 3), the same mediator assigned twice (item 4), and the
back office in words (item 9)."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest
import tornado.httpserver
import tornado.netutil

from handlers.base import DRAIN_BYTES
from services.accounts.persons import person_for_identity
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN
from services.cases import clarification
from services.intake.submission import submit_application
from tests.support import court
from tests.support.app import OA_APP_ID, make_staff
from tests.support.browser import chromium
from tests.support.office import office_page
from tests.support.samples import COMPANY_USCC, worker_body
from tests.support.wechat import message_to

DESK = {"width": 1366, "height": 768}
TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")  # as people read it: no T, no offset


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


async def _apply(ctx: Any, openid: str, **respondent: Any) -> tuple[str, str]:
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, openid)
    body = worker_body()
    body["evidence"] = []
    body["respondent"].update(respondent)
    case, _ = await submit_application(ctx, person, f"key-{uuid.uuid4().hex[:12]}", body, "h5")
    return case["serial"], person


@pytest.mark.gen_test(timeout=180)
async def test_files_alerts_audit_and_statistics_speak_in_words(app, http_server, http_port, cheap_hashing):
    base_url = f"http://127.0.0.1:{http_port}"
    services = app.settings["services"]
    ctx = services.ctx
    await make_staff(app, "root", SYSTEM_ADMIN, "sh-city", "系统管理员")
    for login in (court.ADMIN.login, court.MEDIATOR.login):
        await make_staff(app, login, court.ADMIN.role if login == court.ADMIN.login else "mediator", "sh-pudong")
    coded, person = await _apply(ctx, "o-files-0")  # 上海某某物流有限公司, with its credit code
    for n in range(1, 10):  # ten workers with a common claim: a collective-dispute alert
        await _apply(ctx, f"o-files-{n}")
    grouped, _ = await _apply(ctx, "o-files-group", uscc="", name="上海某某物流（集团）有限公司")
    await court.accepted(ctx, services.blobs, services.sms)  # a court's delegation: its employer gave no industry
    async with chromium() as browser:
        page = await office_page(browser, base_url, "root", DESK)

        # Item 1: part of a name lists both employers; the one chosen is its file; its whole name finds it at once.
        await page.goto(base_url + "/office/files")
        await page.fill("#company-query", "某某物流")
        await page.click("#company-view")
        choices = page.locator(".company-choice")
        assert await choices.count() == 2, await page.content()
        assert "信用代码 " + COMPANY_USCC in await page.inner_text("#company-choices")
        assert "未提供信用代码" in await page.inner_text("#company-choices")
        group_key = (await ctx.db["cases"].find_one({"_id": grouped}, {"employer_key": 1}))["employer_key"]
        await page.click(f".company-choice[data-key='{group_key}']")
        await page.wait_for_selector("#file")
        assert await page.locator("#file-cases tr[data-serial]").count() == 1
        assert await page.get_attribute("#file-cases tr[data-serial]", "data-serial") == grouped
        await page.fill("#company-query", "上海某某物流有限公司")
        await page.click("#company-view")
        await page.wait_for_selector("#file")
        heading = await page.inner_text("#file h2")
        assert "上海某某物流有限公司" in heading and COMPANY_USCC in heading  # the name found the code's cases
        assert await page.locator(f"#file-cases tr[data-serial='{coded}']").count() == 1
        assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}元", await page.inner_text("#file-claimed"))  # two decimals

        # Item 9: the person file in words, amounts with two decimals.
        await page.goto(base_url + f"/office/files?person={person}")
        identities = await page.inner_text("#person-identities")
        assert "微信公众号" in identities and "渠道：公众号" in identities and TIME.search(identities)
        assert "wechat_oa" not in identities and "T" not in identities and "+08:00" not in identities
        row = await page.inner_text(f"#file-cases tr[data-serial='{coded}']")
        assert "申请人" in row and "公众号" in row and "12000.00" in row and "applicant" not in row and "h5" not in row

        # Item 9: the alert and the audit log: times as people read them, labels, not codes.
        await page.goto(base_url + "/office/alerts")
        alerts = await page.inner_text("#alerts")
        assert "集体争议（共同请求）" in alerts and TIME.search(alerts) and "+08:00" not in alerts
        await page.goto(base_url + "/office/audit")
        audit = await page.inner_text("#audit")
        assert "查看档案" in audit and "系统管理员" in audit and re.search(r"\d{2}:\d{2}:\d{2}", audit)
        assert "file_view" not in audit and "system_admin" not in audit and "+08:00" not in audit
        await page.select_option("#audit-action", "file_view")
        await page.click("#audit-filters button[type=submit]")
        await page.wait_for_url("**/office/audit?*action=file_view*")
        # The list of matching employers, the two company files and the person file: each a look (docs/privacy.md).
        assert await page.locator("#audit tr[data-action='file_view']").count() == 4

        # Item 9: the statistics name an employer's missing industry as such.
        await page.goto(base_url + "/office/stats")
        industries = await page.inner_text("#table-industries")
        assert "未填写行业" in industries and "尚未明确案由" not in industries


@pytest.mark.gen_test(timeout=120)
async def test_the_mediator_s_repeats_and_second_versions(app, http_server, http_port, wechat, cheap_hashing):
    base_url = f"http://127.0.0.1:{http_port}"
    ctx = app.settings["services"].ctx
    await make_staff(app, "li.ming", name="李明")
    serial, person = await _apply(ctx, "o-repeats")
    async with chromium() as browser:
        page = await office_page(browser, base_url, "li.ming", DESK)
        await page.goto(base_url + f"/office/cases/{serial}")

        # Item 4: assigning the mediator in charge again records nothing and sends nothing more.
        for _ in range(2):
            await page.select_option("#mediator", "li.ming")
            await page.click("#assign")
            await page.wait_for_function("document.querySelector('#current-mediator').innerText === '李明'")
        timeline = await page.inner_text("#timeline")
        assert timeline.count("指派调解员") == 1, timeline
        await message_to(wechat, "o-repeats", 1)  # the acknowledgement, then the one about the mediator
        await asyncio.sleep(1.5)  # a second one would be on its way by now
        assert len([m for m in wechat.state.sent if m.get("touser") == "o-repeats"]) == 2

        # Item 3: after 要求修改 the next version starts from the last one, not from empty rows.
        await page.select_option("#cause-0", "05-01")
        await page.fill("#item-text-0", "支付2026年8月至10月工资")
        await page.fill("#item-amount-0", "12000")
        await page.click("#push")
        await page.wait_for_url(f"**/office/cases/{serial}")
        answer = {"decision": "change", "version": 1, "comment": "还有加班费"}
        await clarification.answer_clarified(ctx, person, serial, answer, "h5")
        await page.reload()
        assert await page.inner_text("#clarified-state") == "要求修改"
        assert await page.input_value("#cause-0") == "05-01"
        assert await page.input_value("#item-text-0") == "支付2026年8月至10月工资"
        assert await page.input_value("#item-amount-0") == "12000.00"
        assert await page.input_value("#item-text-1") == ""  # and a blank row for what the applicant asked to add


# A photo for a seal: over the seal's 1 MB and over the 2 MB body limit (handlers/base.py MAX_BODY_BYTES), where a
# bare "HTTP ERROR 400" was.
SEAL_TOO_LARGE = 3 * 1024 * 1024


@pytest.mark.gen_test(timeout=120)
async def test_a_seal_over_the_limit_is_refused_with_the_size_rule_on_the_page(app, http_server, http_port):
    """Item 2: the page says the rule beside the input and refuses the file before a byte is sent."""
    base_url = f"http://127.0.0.1:{http_port}"
    await make_staff(app, "zhu.ren", CENTRE_ADMIN, "sh-city", "主任")
    async with chromium() as browser:
        page = await office_page(browser, base_url, "zhu.ren", DESK)
        await page.goto(base_url + "/office/seal")
        assert "1024 KB" in await page.inner_text("#seal-rule")
        big = {"name": "seal.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"\0" * SEAL_TOO_LARGE}
        await page.set_input_files("#seal-file", big)
        assert "1024 KB" in await page.inner_text("#seal-too-large")
        await page.click("#upload-seal")
        assert page.url.endswith("/office/seal") and await page.is_visible("#seal-too-large")
        assert "尚未上传印章" in await page.inner_text("#seal-state")


@pytest.mark.gen_test(timeout=120)
async def test_a_seal_over_the_limit_sent_anyway_gets_the_size_rule_from_the_server(
    app, http_server, http_port, tmp_path
):
    """Item 2, the server's side (built by the store issue, i22b): a browser that sends the file regardless (the
    page's script off) gets the seal page again with the rule, never a bare "HTTP ERROR 400". Served as app.py
    serves (its HTTPServer's DRAIN_BYTES, which pytest-tornado's server does not set)."""
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    served = tornado.httpserver.HTTPServer(app, max_body_size=DRAIN_BYTES)
    served.add_sockets(sockets)
    base_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
    await make_staff(app, "zhu.ren", CENTRE_ADMIN, "sh-city", "主任")
    photo = tmp_path / "seal.png"
    with photo.open("wb") as handle:
        handle.truncate(SEAL_TOO_LARGE)
    try:
        await _seal_sent_anyway(base_url, str(photo))
    finally:
        served.stop()


async def _seal_sent_anyway(base_url: str, photo: str) -> None:
    async with chromium() as browser:
        signed_in = await office_page(browser, base_url, "zhu.ren", DESK)
        state = await signed_in.context.storage_state()
        context = await browser.new_context(
            viewport={"width": DESK["width"], "height": DESK["height"]}, java_script_enabled=False, storage_state=state
        )
        page = await context.new_page()
        await page.goto(base_url + "/office/seal")
        await page.set_input_files("#seal-file", photo)
        async with page.expect_navigation():
            await page.click("#upload-seal")
        assert await page.locator("#seal-form").count() == 1, await page.content()
        refusals = await page.locator("main p.error:not([hidden])").all_inner_texts()
        assert any("1024 KB" in r or "1 MB" in r for r in refusals), refusals  # the form's own words, its rule
