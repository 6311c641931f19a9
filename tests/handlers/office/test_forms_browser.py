"""The back office's forms in a real browser: a refused form comes back as it was typed, each error beside its
field (request items, agreement terms, staff creation), and the case page reads in words."""

from __future__ import annotations

import pytest

from services.accounts.persons import person_for_identity
from services.accounts.staff import StaffMember
from services.cases import handling
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID, make_staff
from tests.support.browser import chromium
from tests.support.office import office_page
from tests.support.parties import ten_in_the_morning, upload_seal
from tests.support.samples import COMPANY_USCC, worker_body


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


@pytest.mark.gen_test(timeout=120)
async def test_refused_forms_keep_what_was_typed_with_each_error_beside_its_field(app, http_server, http_port):
    base_url = f"http://127.0.0.1:{http_port}"
    ctx = app.settings["services"].ctx
    ten_in_the_morning(ctx)
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-office-forms")
    body = worker_body() | {"evidence": []}
    wrong = "0" if COMPANY_USCC[-1] != "0" else "1"
    body["respondent"]["uscc"] = COMPANY_USCC[:-1] + wrong  # failing its check character: flagged, not refused
    serial = (await submit_application(ctx, person, "key-office-forms", body, "h5"))[0]["serial"]
    await make_staff(app, "li.ming", name="李明")
    await make_staff(app, "boss", name="主任", role="centre_admin")
    await upload_seal(ctx, app.settings["services"].blobs, StaffMember("boss", "主任", "centre_admin", "sh-city"))
    async with chromium() as browser:
        office = await office_page(browser, base_url, "li.ming")
        await office.goto(f"{base_url}/office/cases/{serial}")
        # Codes in words: the ID type, gender, education, the employer's industry and nature, the review flag.
        applicant = await office.inner_text("#applicant-rows")
        assert "居民身份证" in applicant and "男" in applicant and "resident_id" not in applicant
        respondent = await office.inner_text("#respondent-rows")
        assert "私营企业" in respondent
        assert "private" not in respondent
        flags = await office.inner_text("#review-flags")
        assert "统一社会信用代码" in flags and "check_failed" not in flags

        # Request items: the second row lacks its text; both rows come back as typed, the error beside it.
        await office.select_option("#cause-0", "05-01")
        await office.fill("#item-text-0", "支付2026年8月至10月工资")
        await office.fill("#item-amount-0", "12000")
        await office.select_option("#cause-1", "04-02")
        await office.fill("#item-amount-1", "8000.5x")
        await office.click("#push")
        await office.wait_for_selector("#error-items-1-text")
        assert await office.input_value("#item-text-0") == "支付2026年8月至10月工资"
        assert await office.input_value("#cause-1") == "04-02"
        assert await office.input_value("#item-amount-1") == "8000.5x"
        assert "金额" in await office.inner_text("#error-items-1-amount")
        assert await office.locator("#error-items-0-text").count() == 0

        # Agreement terms: a due date in the past and no word of how it was reached without a session.
        await handling.decide(ctx, StaffMember("li.ming", "李明", "mediator", "sh-city"), serial, "accept", {})
        await office.goto(f"{base_url}/office/cases/{serial}")
        await office.fill("#term-text-0", "被申请人支付申请人工资12000元")
        await office.fill("#term-amount-0", "12000")
        await office.fill("#term-due-0", "2020-01-01")
        await office.fill("#term-method-0", "银行转账")
        await office.select_option("#term-category-0", "wages")
        await office.fill("#draft-waivers", "双方就本案再无其他争议")
        await office.click("#draft-agreement")
        await office.wait_for_selector("#error-terms-0-due_date")
        assert await office.input_value("#term-text-0") == "被申请人支付申请人工资12000元"
        assert await office.input_value("#term-due-0") == "2020-01-01"
        assert await office.input_value("#term-category-0") == "wages"
        assert await office.input_value("#draft-waivers") == "双方就本案再无其他争议"
        assert "电话调解" in await office.inner_text("#error-without_session")
        assert "新增" not in await office.inner_text("#evidence")

        # Staff creation: a weak password and a bad phone; what was typed stays (the password never comes back).
        admin = await office_page(browser, base_url, "boss")
        await admin.goto(base_url + "/office/staff")
        await admin.fill("#new-login", "wang.fang")
        await admin.fill("#new-name", "王芳")
        await admin.select_option("#new-role", "mediator")
        await admin.fill("#new-phone", "12345")
        await admin.fill("#new-password", "short")
        await admin.click("#create")
        await admin.wait_for_selector("#error-password")
        assert await admin.input_value("#new-login") == "wang.fang" and await admin.input_value("#new-name") == "王芳"
        assert await admin.input_value("#new-phone") == "12345" and await admin.input_value("#new-password") == ""
        assert await admin.locator("#error-phone").count() == 1
        assert await admin.locator("#error-login").count() == 0
        texts = await admin.locator(".error").all_inner_texts()
        assert all(t.strip() and not t.strip().endswith(("：", ":")) for t in texts)  # no message without its value
