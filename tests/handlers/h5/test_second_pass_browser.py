"""What users notice, second pass (issue 25), on the parties' and the guidance pages, in a real browser on a phone:
each unhappy turn walked and what the person sees asserted. Evidence over the size rule (item 2), the respondent's
answer after a refusal (item 3), a serial typed in full-width digits (item 5), 下一步 with nothing chosen (item 6),
a browser that asks for English (item 7), and the demo's example contact (item 11)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from tornado.web import create_signed_value

from services.accounts import web_sessions
from services.accounts.persons import person_for_identity
from services.accounts.staff import StaffMember
from services.cases import handling
from services.intake.submission import submit_application
from tests.support import court
from tests.support.app import OA_APP_ID, make_staff
from tests.support.browser import PHONE, chromium
from tests.support.browser_session import WECHAT_UA
from tests.support.parties import claim_invitation
from tests.support.samples import worker_body

MEDIATOR = StaffMember("li.ming", "李明", "mediator", "sh-city")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


async def _accepted(ctx: Any, openid: str) -> tuple[str, str]:
    """A worker's case accepted by the city centre (its respondent invited); (serial, the applicant's person)."""
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, openid)
    body = worker_body()
    body["evidence"] = []
    case, _ = await submit_application(ctx, person, f"key-{uuid.uuid4().hex[:12]}", body, "h5")
    await handling.decide(ctx, MEDIATOR, case["serial"], "accept", {})
    return case["serial"], person


async def _phone(browser: Any, app: Any, base_url: str, person: str = "", **options: Any) -> Any:
    """A phone's page in WeChat's browser, signed in as `person` when given."""
    context = await browser.new_context(viewport=PHONE, user_agent=WECHAT_UA, **options)
    if person:
        value = await web_sessions.issue(app.settings["services"].ctx, web_sessions.PERSON, person)
        signed = create_signed_value(app.settings["cookie_secret"], "h5_session", value).decode()
        await context.add_cookies([{"name": "h5_session", "value": signed, "url": base_url}])
    return await context.new_page()


@pytest.mark.gen_test(timeout=120)
async def test_the_applicant_s_and_the_respondent_s_unhappy_turns(app, http_server, http_port, tmp_path):
    base_url = f"http://127.0.0.1:{http_port}"
    services = app.settings["services"]
    ctx = services.ctx
    await make_staff(app, MEDIATOR.login, name=MEDIATOR.name)
    serial, applicant = await _accepted(ctx, "o-second-pass")
    respondent = await claim_invitation(ctx, services.sms, serial)
    too_large = tmp_path / "工资条.jpg"  # a phone's video mistaken for a photo: over the 20 MB rule
    with too_large.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    async with chromium() as browser:
        # Item 5: the serial as a Chinese keyboard types it (full-width digits), with the phone's last four.
        page = await _phone(browser, app, base_url)
        await page.goto(base_url + "/h5/progress")
        await page.fill("#f-serial", serial.translate(FULL_WIDTH))
        await page.fill("#f-phone_last4", "5678".translate(FULL_WIDTH))
        await page.click("#check")
        await page.wait_for_selector("#progress-result")
        assert await page.inner_text("#progress-status") == "已受理"
        assert await page.locator("#error-serial").count() == 0

        # Item 2: evidence over the size rule is refused on the page with the rule, before a byte is sent.
        page = await _phone(browser, app, base_url, applicant)
        await page.goto(base_url + f"/h5/cases/{serial}")
        assert "20 MB" in await page.inner_text("#upload-rule")
        files_before = await ctx.db["files"].count_documents({})
        await page.set_input_files("#file-input", str(too_large))
        await page.wait_for_selector("#upload-error:not([hidden])")
        assert "20 MB" in await page.inner_text("#upload-error")
        assert await ctx.db["files"].count_documents({}) == files_before

        # Item 3: a refused answer keeps the respondent's choice and words.
        page = await _phone(browser, app, base_url, respondent)
        await page.goto(base_url + f"/h5/respondent/cases/{serial}")
        await page.check("#decision-propose")
        await page.fill("#proposal-amount", "8000")
        await page.click("#answer")
        await page.wait_for_selector("#error")
        assert "方案" in await page.inner_text("#error")  # the proposal itself is missing
        assert await page.is_checked("#decision-propose")
        assert await page.input_value("#proposal-amount") == "8000"


@pytest.mark.gen_test(timeout=120)
async def test_evidence_over_the_rule_sent_anyway_gets_the_rule_from_the_server(app, http_server, http_port, tmp_path):
    """Item 2, the server's side (the store issue, i22b: a 413 with the form's own words): the page's own check
    taken away, the upload still ends on the size rule, not on an unrelated message."""
    base_url = f"http://127.0.0.1:{http_port}"
    ctx = app.settings["services"].ctx
    await make_staff(app, MEDIATOR.login, name=MEDIATOR.name)
    serial, applicant = await _accepted(ctx, "o-second-pass-server")
    too_large = tmp_path / "录像.zip"
    with too_large.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    async with chromium() as browser:
        page = await _phone(browser, app, base_url, applicant)
        await page.goto(base_url + f"/h5/cases/{serial}")
        await page.evaluate("document.getElementById('upload-script').dataset.maxBytes = ''")
        await page.set_input_files("#file-input", str(too_large))
        await page.wait_for_selector("#upload-error:not([hidden])", timeout=30000)
        assert "20 MB" in await page.inner_text("#upload-error")


@pytest.mark.gen_test(timeout=120)
async def test_guidance_steps_with_nothing_chosen_say_what_is_missing(app, http_server, http_port):
    """Item 6: 下一步 with no answer reloaded the page without a word."""
    base_url = f"http://127.0.0.1:{http_port}"
    async with chromium() as browser:
        page = await _phone(browser, app, base_url)
        await page.goto(base_url + "/h5/triage")
        await page.wait_for_selector("#triage-form")
        question = page.url
        await page.click("#triage-next")
        await page.wait_for_selector("#triage-error")
        assert "请选择一项" in await page.inner_text("#triage-error")
        assert page.url.split("?")[0] == question.split("?")[0]  # still the same question
        await page.goto(base_url + "/h5/calculator")
        await page.click("#choose-kind")
        await page.wait_for_selector("#error-kind")
        assert "请选择要计算的项目" in await page.inner_text("#error-kind")
        await page.check("#kind-overtime")
        await page.click("#choose-kind")
        await page.wait_for_selector("#calculate")
        assert await page.locator("#error-kind").count() == 0


@pytest.mark.gen_test(timeout=120)
async def test_a_browser_in_english_is_answered_in_english_until_the_person_chooses(app, http_server, http_port):
    """Item 7: the first visit follows Accept-Language; the switch's choice wins from then on."""
    base_url = f"http://127.0.0.1:{http_port}"
    async with chromium() as browser:
        page = await _phone(browser, app, base_url, locale="en-GB")  # Accept-Language: en-GB
        home = await page.goto(base_url + "/")
        assert await page.get_attribute("html", "lang") == "en"
        assert home is not None and "Accept-Language" in home.headers.get("vary", "")  # no cache mixes languages
        assert await page.inner_text("#switch-language") == "中文"
        await page.goto(base_url + "/portal/register")
        id_types = await page.locator("#f-id_type option").all_inner_texts()
        assert "Resident ID card" in id_types and "Passport" in id_types
        assert not any("证" in name or "照" in name for name in id_types), id_types
        await page.click("#switch-language")
        await page.wait_for_url("**/portal/register")
        assert await page.get_attribute("html", "lang") == "zh-CN"
        assert "居民身份证" in await page.locator("#f-id_type option").all_inner_texts()
        await page.goto(base_url + "/")  # the browser still asks for English: the person's choice stands
        assert await page.get_attribute("html", "lang") == "zh-CN"


@pytest.mark.gen_test(timeout=120)
async def test_the_demo_s_contact_is_shown_as_an_example_never_as_a_number_to_call(app, http_server, http_port):
    """Item 11: a Pudong case (config.yaml marks the Pudong centre's contact demo: true) on each party's page."""
    base_url = f"http://127.0.0.1:{http_port}"
    services = app.settings["services"]
    await make_staff(app, court.ADMIN.login, court.ADMIN.role, court.CENTRE)
    await make_staff(app, court.MEDIATOR.login, "mediator", court.CENTRE)
    serial, applicant, respondent = await court.accepted(services.ctx, services.blobs, services.sms)
    async with chromium() as browser:
        for person, path in ((applicant, f"/h5/cases/{serial}"), (respondent, f"/h5/respondent/cases/{serial}")):
            page = await _phone(browser, app, base_url, person)
            await page.goto(base_url + path)
            assert await page.inner_text("#centre-phone") == "021-00000000"
            assert await page.eval_on_selector("#centre-phone", "e => e.tagName") == "SPAN"
            assert await page.locator("a[href^='tel:']").count() == 0, path
            assert "示例" in await page.inner_text("#case-facts") and await page.is_visible("#example-contact")
            assert await page.get_attribute("meta[name=format-detection]", "content") == "telephone=no"
