"""Guidance in a real browser: a foreign worker goes through the triage in English, lands on the calculator and
carries the result into an application that is submitted; a mediator finds a typical case by an everyday word;
every guidance page passes axe-core in the standard display and the 大字版, in Chinese and in English."""

from __future__ import annotations

import pytest

from tests.support.accessibility import assert_accessible
from tests.support.app import STAFF_PASSWORD, make_staff
from tests.support.browser import chromium
from tests.support.browser_session import WECHAT_UA
from tests.support.h5 import WORKER_STEPS, fill, next_step, pick_region, service_step


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


async def answer(page, value: str | None = None, fill_value: str | None = None) -> None:
    """Answer the question on the page (a choice by its value, or a typed value) and go on."""
    if value is not None:
        await page.check(f"#o-{value}")
    if fill_value is not None:
        await page.fill("#f-value", fill_value)
    async with page.expect_navigation():
        await page.click("#triage-next")


@pytest.mark.gen_test(timeout=120)
async def test_a_worker_goes_through_the_triage_in_english_to_the_calculator_and_applies(app, http_server, http_port):
    base = f"http://127.0.0.1:{http_port}"
    async with chromium() as browser:
        context = await browser.new_context(viewport={"width": 390, "height": 844}, user_agent=WECHAT_UA)
        page = await context.new_page()
        await page.goto(base + "/h5/triage")
        await page.click("#switch-language")  # English, remembered from here on
        await page.wait_for_selector("text=A few questions first")
        assert "Do you work for the other side" in await page.inner_text("#question")
        assert await page.locator("#triage-none").count() == 1  # "none of these fits" on every screen
        await answer(page, "yes")
        await answer(page, "left")
        await answer(page, fill_value="2026-01-05")
        await pick_region(page, "value", ("上海市", "市辖区", "浦东新区"))
        await answer(page)
        await answer(page, "fewer")
        assert "What do you mainly want the employer to do?" in await page.inner_text("#question")
        await answer(page, "unlawful_termination")
        await answer(page, fill_value="")  # the amount: not known yet
        assert await page.inner_text("#end-title") == "You can apply for mediation"
        notes = await page.inner_text("#end-notes")
        assert "浦东新区劳动人事争议调解中心" in notes and "one year for arbitration" in notes
        assert "Labour Dispute Mediation and Arbitration Law, art. 14" in await page.content()

        async with page.expect_navigation():
            await page.click("#action-calculator")
        assert "Claim calculator" in await page.inner_text("h1")
        assert await page.is_checked("#kind-unlawful_termination")
        await page.fill("#f-monthly_wage", "8000")
        await page.fill("#f-start_date", "2020-06-01")
        await page.fill("#f-end_date", "2020-08-10")
        async with page.expect_navigation():
            await page.click("#calculate")
        assert await page.inner_text("#calc-amount") == "CNY 8,000.00"
        assert "Labour Contract Law, art. 87" in await page.inner_text("#calc-result")

        await page.click("#apply-with-result")  # signing in comes only now: WeChat's authorisation
        await page.wait_for_selector("#authorize")
        await page.fill("input[name='openid']", "o-foreign-worker")
        await page.click("#authorize")
        await page.wait_for_url("**/h5/apply/worker/notice")
        await page.check("#f-accepted")
        await next_step(page, "/h5/apply/worker/applicant")
        await fill(
            page,
            WORKER_STEPS["applicant"]
            | {"nationality": "GBR", "id_type": "passport", "id_number": "P1234567", "ethnicity": ""},
        )
        await next_step(page, "/h5/apply/worker/respondent")
        await fill(page, WORKER_STEPS["respondent"])
        await next_step(page, "/h5/apply/worker/claim")
        assert "请求支付违法解除劳动合同赔偿金8,000.00元" in await page.input_value("#f-requests")
        assert await page.input_value("#f-amount") == "8000.00"
        assert await page.input_value("#f-employment_started") == "2020-06-01"
        assert await page.input_value("#f-dispute_known_on") == "2026-01-05"
        assert "浦东新区" in await page.input_value("#f-facts")
        await next_step(page, "/h5/apply/worker/evidence")
        await service_step(page, "worker")
        await page.click("#submit")
        await page.wait_for_url("**/h5/apply/done/*")
        serial = (await page.inner_text("#serial")).strip()
    case = await app.settings["services"].ctx.db["cases"].find_one({"_id": serial})
    assert "违法解除劳动合同赔偿金8,000.00元" in case["claim"]["requests"]
    assert case["claim"]["amount"] == "8000.00" and case["claim"]["dispute_known_on"] == "2026-01-05"
    assert case["claim"]["venue"] == "work_location" and case["applicant"]["work_location"]  # the place answered


@pytest.mark.gen_test(timeout=90)
async def test_a_mediator_finds_a_typical_case_by_an_everyday_word(app, http_server, http_port, cheap_hashing):
    base = f"http://127.0.0.1:{http_port}"
    await make_staff(app, "lib.mediator", name="王调解")
    async with chromium() as browser:
        page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        await page.goto(base + "/office/login")
        await page.fill("input[name='login']", "lib.mediator")
        await page.fill("input[name='password']", STAFF_PASSWORD)
        async with page.expect_navigation():
            await page.click("button[type='submit']")
        await page.click("a[href='/office/library']")
        await page.fill("#f-q", "老板不给加班费")  # nobody's statute says 老板 or 加班费
        await page.select_option("#f-kind", "case")
        async with page.expect_navigation():
            await page.click("#office-library-go")
        results = await page.inner_text("#library-results")
        assert "加班费" in results and "延长工作时间" in await page.inner_text("#library-count")
        await page.click("#library-results a >> nth=0")
        await page.wait_for_selector("#entry-text")
        assert "人社部函〔2021〕90号" in await page.content()
        await assert_accessible(page, "office library entry")


GUIDANCE_PAGES = (
    "/h5/triage/relationship",
    "/h5/triage/known_date?a_relationship=yes",
    "/h5/triage/place?a_relationship=yes",
    "/h5/triage/amount?a_relationship=yes",
    "/h5/triage/end_wage_arrears?a_place=310115",
    "/h5/triage/end_final_award",
    "/h5/triage/end_none",
    "/h5/triage/known_date?a_relationship=yes&value=2999-01-01",
    "/h5/calculator",
    "/h5/calculator?kind=annual_leave",
    "/h5/calculator?kind=overtime&go=1&monthly_wage=8700&hours_workday=10",
    "/h5/calculator?kind=overtime&go=1&monthly_wage=-1&hours_workday=x",
    "/h5/library",
    "/h5/library?q=%E5%8A%A0%E7%8F%AD%E8%B4%B9",
    "/h5/library?q=",
    "/h5/library/labour_law",
    "/h5/library/case_2021_01",
)


@pytest.mark.gen_test(timeout=240)
async def test_every_guidance_page_passes_axe_in_both_displays_and_languages(app, http_server, http_port):
    base = f"http://127.0.0.1:{http_port}"
    async with chromium() as browser:
        page = await (await browser.new_context(viewport={"width": 390, "height": 844})).new_page()
        for language in ("zh_CN", "en"):
            for display in ("standard", "elder"):
                await page.goto(f"{base}/lang/{language}?next=/h5/library")
                await page.goto(f"{base}/display/{display}?next=/h5/library")
                assert ("elder" in (await page.get_attribute("html", "class") or "")) == (display == "elder")
                for path in GUIDANCE_PAGES:
                    await page.goto(base + path)
                    await assert_accessible(page, f"{path} ({language}, {display})")


@pytest.mark.gen_test(timeout=90)
async def test_the_triage_works_by_keyboard_alone(app, http_server, http_port):
    base = f"http://127.0.0.1:{http_port}"
    async with chromium() as browser:
        page = await (await browser.new_context()).new_page()
        await page.goto(base + "/h5/triage/relationship")
        await page.focus("#o-yes")
        await page.keyboard.press("Space")
        assert await page.is_checked("#o-yes")
        async with page.expect_navigation():
            await page.keyboard.press("Enter")  # submits the form the radio button belongs to
        assert "/h5/triage/employment_status" in page.url
        # The question is the group's accessible name (a screen reader reads it before the choices).
        name = await page.evaluate("document.querySelector('fieldset legend').textContent")
        assert "还在这家单位工作" in name
