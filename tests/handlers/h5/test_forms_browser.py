"""The application's forms on a phone, in a real browser: the error summary after a failed save (in view, focused,
linking each field), saving as the person types, coming back to the step left, going back a step, removing
evidence before submitting, and "back" after submitting."""

from __future__ import annotations

import pytest

from tests.support.browser import chromium
from tests.support.browser_session import WECHAT_UA
from tests.support.h5 import WORKER_STEPS, evidence_files, fill, next_step, service_step
from tests.support.samples import WORKER_ID

PHONE = {"viewport": {"width": 390, "height": 844}, "user_agent": WECHAT_UA, "has_touch": True, "is_mobile": True}


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


async def signed_in_phone(browser, base_url: str, openid: str, path: str = "/h5/apply"):
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(base_url + path)
    await page.fill("input[name='openid']", openid)
    await page.click("#authorize")
    await page.wait_for_url(f"**{path}")
    return context, page


async def in_view(page, selector: str) -> bool:
    """Whether the element is inside the visible part of the page (the viewport)."""
    return await page.eval_on_selector(
        selector, "e => { const r = e.getBoundingClientRect(); return r.top >= -1 && r.bottom <= innerHeight + 1; }"
    )


@pytest.mark.gen_test(timeout=90)
async def test_a_failed_save_opens_on_an_error_summary_that_links_each_field(app, http_server, http_port):
    base_url = f"http://127.0.0.1:{http_port}"
    async with chromium() as browser:
        _, page = await signed_in_phone(browser, base_url, "o-summary", "/h5/apply/worker/applicant")
        typed = dict(WORKER_STEPS["applicant"], id_number=WORKER_ID[:-1] + "0", work_location="")
        await fill(page, typed)
        await page.locator("#next").scroll_into_view_if_needed()  # the button is far below the first field
        await page.click("#next")
        await page.wait_for_selector("#error-summary")
        await page.wait_for_load_state()
        assert await in_view(page, "#error-summary")
        links = page.locator("#error-summary a")
        assert await links.count() == 2
        hrefs = [await links.nth(i).get_attribute("href") for i in range(2)]
        assert hrefs == ["#f-id_number", "#f-work_location"]  # in the order of the page
        assert "校验位" in await links.nth(0).inner_text() and "工作地点" in await links.nth(1).inner_text()
        focused = await page.evaluate("document.activeElement.getAttribute('href')")
        assert focused == "#f-id_number"  # the summary took focus: a screen reader starts there
        # Typed values are kept, and each error is beside its field too.
        assert await page.input_value("#f-name") == typed["name"]
        assert await page.input_value("#f-phone") == typed["phone"]
        assert "校验位" in await page.inner_text("#error-id_number")
        assert await page.get_attribute("#f-id_number", "aria-invalid") == "true"
        # The link to a field far down the page brings it into view and focuses it.
        assert not await in_view(page, "#f-work_location")
        await links.nth(1).click()
        await page.wait_for_function("document.activeElement && document.activeElement.id === 'f-work_location'")
        assert await in_view(page, "#f-work_location")


@pytest.mark.gen_test(timeout=120)
async def test_typing_is_saved_as_it_goes_and_a_returning_person_lands_on_the_step_left(app, http_server, http_port):
    base_url = f"http://127.0.0.1:{http_port}"
    drafts = app.settings["services"].ctx.db["drafts"]
    async with chromium() as browser:
        context, page = await signed_in_phone(browser, base_url, "o-autosave", "/h5/apply/worker/notice")
        await page.check("#f-accepted")
        await next_step(page, "/h5/apply/worker/applicant")
        await fill(page, WORKER_STEPS["applicant"])
        await next_step(page, "/h5/apply/worker/respondent")
        await page.fill("#f-name", "上海某某物流有限公司")
        await page.wait_for_selector("[data-autosave-status]:has-text('已自动保存')")  # never pressed a button
        await page.fill("#f-legal_representative_name", "周五")
        await page.close()  # closing the page sends what was typed since
        for _ in range(50):
            draft = await drafts.find_one({})
            if (draft["data"].get("respondent") or {}).get("legal_representative_name") == "周五":
                break
            await page_wait()
        assert draft["data"]["respondent"]["name"] == "上海某某物流有限公司" and draft["step"] == "respondent"

        page = await context.new_page()  # coming back another day: the choice offers to go on
        await page.goto(base_url + "/h5/apply")
        assert await page.locator("#resume-worker").count() == 1
        await page.click("#apply-worker")
        await page.wait_for_url("**/h5/apply/worker/respondent")
        assert await page.input_value("#f-legal_representative_name") == "周五"
        # The step bar links the steps saved; "上一步" goes back without losing what was typed here.
        assert await page.locator("#goto-notice").count() == 1 and await page.locator("#goto-applicant").count() == 1
        assert await page.locator("#goto-claim").count() == 0 and await page.locator("#goto-review").count() == 0
        await page.fill("#f-contact_name", "李四")
        await page.click("#back")
        await page.wait_for_url("**/h5/apply/worker/applicant")
        assert await page.input_value("#f-name") == WORKER_STEPS["applicant"]["name"]
        await page.click("#goto-respondent")
        await page.wait_for_url("**/h5/apply/worker/respondent")
        assert await page.input_value("#f-contact_name") == "李四"


async def page_wait() -> None:
    import asyncio

    await asyncio.sleep(0.1)


@pytest.mark.gen_test(timeout=120)
async def test_evidence_is_removed_before_submitting_and_back_after_submitting_shows_the_case(
    app, http_server, http_port, tmp_path
):
    base_url = f"http://127.0.0.1:{http_port}"
    files = app.settings["services"].ctx.db["files"]
    async with chromium() as browser:
        _, page = await signed_in_phone(browser, base_url, "o-evidence", "/h5/apply/worker/notice")
        await page.check("#f-accepted")
        await next_step(page, "/h5/apply/worker/applicant")
        for step, following in (("applicant", "respondent"), ("respondent", "claim"), ("claim", "evidence")):
            await fill(page, WORKER_STEPS[step])
            await next_step(page, f"/h5/apply/worker/{following}")
        photo, archive = evidence_files(tmp_path)
        for n, path in enumerate((photo, archive), 1):
            await page.set_input_files("#file-input", str(path))
            await page.wait_for_function(f"document.querySelectorAll('#evidence-list li').length >= {n}")
        assert await page.locator("#evidence-list .evidence-name").all_inner_texts() == ["劳动合同.jpg", "工资条.zip"]
        await page.locator("#evidence-list li", has_text="劳动合同.jpg").locator(".evidence-remove").click()
        await page.wait_for_url("**/h5/apply/worker/evidence")
        assert await page.locator("#evidence-list .evidence-name").all_inner_texts() == ["工资条.zip"]
        assert [f["name"] for f in await files.find({}).to_list(None)] == ["工资条.zip"]  # gone, not just unlisted
        await service_step(page, "worker")
        assert await page.locator("#review-evidence li").all_inner_texts() == ["工资条.zip"]
        requests = page.locator("#review-claim .review__row_long dd").first
        assert await requests.evaluate("e => getComputedStyle(e).textAlign") in ("left", "start")
        assert "12000.00 元" in await page.inner_text("#review-claim")
        assert "请求事项" in await page.inner_text("#review-claim") and "仲裁请求" not in await page.content()
        await page.click("#submit")
        await page.wait_for_url("**/h5/apply/done/*")
        serial = (await page.inner_text("#serial")).strip()
        await page.go_back()  # the review page it came from: now the case's done page
        await page.wait_for_url(f"**/h5/apply/done/{serial}")
        assert (await page.inner_text("#serial")).strip() == serial
        doc = await app.settings["services"].ctx.db["cases"].find_one({"_id": serial})
        assert len(doc["evidence"]) == 1
