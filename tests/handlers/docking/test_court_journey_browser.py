"""Issue 14's journey: a court (the stand-in) delegates, we answer in time, the parties agree and sign in a real
browser, the court receives `closed` with the signed agreement, the parties apply for judicial confirmation in their
pages, the court confirms and the parties read the ruling. The roster goes out and comes back confirmed first.
Then a delegation declined with a reason of art. 12, and one whose respondent refuses (its materials returned)."""

from __future__ import annotations

import asyncio
import base64
import io
from datetime import date, timedelta

import docx
import pytest

from services.cases import handling
from services.core.context import SHANGHAI
from tests.support.app import make_staff
from tests.support.browser import ANDROID_UA, PHONE, chromium, draw_signature
from tests.support.court import CENTRE, delegation_body, pdf_bytes
from tests.support.office import office_page
from tests.support.parties import seal_png
from tests.support.waits import until

APPLICANT_PHONE, RESPONDENT_PHONE = "+8613812340001", "+8613912340002"


async def setup(app, browser, base_url: str, tmp_path):
    """The Pudong centre's administrator and mediator; the seal; the mediator proposed to the court's roster in the
    back office, and the court's confirmation back on the roster page."""
    await make_staff(app, "pd.admin", role="centre_admin", centre_id=CENTRE, name="浦东主任")
    mediator = await make_staff(app, "pd.mediator", centre_id=CENTRE, name="王调解")
    admin = await office_page(browser, base_url, "pd.admin")
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png())
    await admin.goto(base_url + "/office/seal")
    await admin.set_input_files("#seal-file", str(seal))
    await admin.click("#upload-seal")
    await admin.wait_for_selector("#done")
    await admin.goto(base_url + "/office/roster")
    await admin.select_option("#roster-partner", "sh-pudong-court")
    await admin.select_option("#roster-centre", CENTRE)
    await admin.select_option("#roster-subject", "mediator")
    await admin.select_option("#roster-login", "pd.mediator")
    await admin.fill("#roster-expertise", "欠薪、工伤待遇")
    await admin.click("#propose")
    await admin.wait_for_selector("#roster-entries .roster-state")
    return admin, mediator


async def party_claims(browser, sms, link: str, phone_number: str):
    """A party opens the SMS link on their phone and proves it with the code sent to the phone the court gave."""
    phone = await (
        await browser.new_context(viewport=PHONE, user_agent=ANDROID_UA, is_mobile=True, has_touch=True)
    ).new_page()
    await phone.goto(link)
    assert "上海市浦东新区人民法院" in await phone.inner_text("#court")
    await phone.click("#send-code")
    await phone.wait_for_selector("#claim")
    await phone.fill("#code", sms.last_code(phone_number, "respond"))
    await phone.click("#claim")
    return phone


async def invitations(sms, count: int) -> dict[str, str]:
    """The links of the last `count` delegated invitations, by the phone they went to."""
    found = await until(
        lambda: len(sms.messages("SMS_DELEGATED_INVITE")) >= count and sms.messages("SMS_DELEGATED_INVITE"),
        what="the invitations",
    )
    return {m.mobile: m.params["link"] for m in found[-2:]}


@pytest.mark.gen_test(timeout=300)
async def test_the_court_delegates_we_settle_and_it_confirms(
    app, http_server, http_port, court, tmp_path, cheap_hashing
):
    base_url = f"http://127.0.0.1:{http_port}"
    services = app.settings["services"]
    ctx, sms = services.ctx, services.sms
    court.state.auto_confirm_roster = True
    async with chromium() as browser:
        admin, mediator = await setup(app, browser, base_url, tmp_path)
        await until(
            lambda: any(e.get("decision") == "confirmed" for e in court.state.roster.values()),
            what="the roster confirmed",
        )
        await admin.reload()
        assert "已确认" in await admin.inner_text("#roster-entries")

        # The court delegates a case with its complaint (a PDF).
        body = delegation_body(pdf_size=30_000)
        status, receipt = await court.delegate(body)
        assert status == 201
        serial = receipt["serial"]
        await admin.goto(base_url + "/office/")
        assert "上海市浦东新区人民法院委派" in await admin.inner_text(f"[data-delegation='{serial}']")
        await admin.goto(f"{base_url}/office/cases/{serial}")
        assert await admin.inner_text("#partner-case-no") == body["partner_case_no"]
        await admin.select_option("#delegation-mediator", "pd.mediator")
        await admin.click("#accept-delegation")
        await admin.wait_for_selector("#delegation-answer")
        answered = await until(lambda: court.state.events_of(body["partner_case_no"]), what="answered")
        assert answered[0]["type"] == "answered" and answered[0]["answer"] == "accepted"
        assert date.fromisoformat(answered[0]["at"][:10]) <= date.fromisoformat(receipt["answer_due"])  # in time

        # Both parties are invited by SMS with the court named; each proves it on their phone.
        links = await invitations(sms, 2)
        applicant = await party_claims(browser, sms, links[APPLICANT_PHONE], APPLICANT_PHONE)
        await applicant.wait_for_url(f"**/h5/cases/{serial}")
        assert "上海市浦东新区人民法院" in await applicant.inner_text("#court-name")
        # The court's period (法释〔2021〕23号 art. 24); the day-15 rule of 调解仲裁法 art. 14 only where the delegation
        # says the dispute was not arbitrated (this one does not say).
        assert "第二十四条" in await applicant.inner_text("#court-period")
        assert await applicant.locator("#two-clocks").count() == 0
        respondent = await party_claims(browser, sms, links[RESPONDENT_PHONE], RESPONDENT_PHONE)
        await respondent.wait_for_url(f"**/h5/respondent/cases/{serial}")
        await respondent.check("#decision-agree")
        await respondent.click("#answer")
        await respondent.wait_for_selector("#my-answer")

        # The mediator drafts the agreement; the parties agree and sign on their phones, the mediator last.
        due = (ctx.clock() + timedelta(days=20)).astimezone(SHANGHAI).date().isoformat()
        rows = [
            {
                "text": "被申请人支付申请人2026年8月至10月工资",
                "amount": "12000",
                "due_date": due,
                "method": "银行转账",
                "category": "wages",
            }
        ]
        form = {"copies": "3", "waivers": "双方再无争议", "without_session": "电话调解，双方达成一致"}  # no session
        await handling.decide(ctx, mediator, serial, "draft_agreement", form, rows)
        for page, prefix in ((applicant, "/h5/cases"), (respondent, "/h5/respondent/cases")):
            await page.goto(f"{base_url}{prefix}/{serial}/agreement")
            if prefix == "/h5/respondent/cases":  # the company signs through its legal representative
                await page.click("label:has(#capacity-legal-representative)")
            await draw_signature(page)
            await page.click("#sign")
            await page.wait_for_url(f"**{prefix}/{serial}")
        office = await office_page(browser, base_url, "pd.mediator", PHONE)
        await office.goto(f"{base_url}/office/cases/{serial}")
        await draw_signature(office)
        await office.click("#sign")
        await office.wait_for_function("document.querySelector('#status').innerText === '调解成功'")

        # The court receives `closed` with the signed agreement (.docx, read back) and its effective time.
        def closed():
            return [e for e in court.state.events_of(body["partner_case_no"]) if e["type"] == "closed"]

        [event] = await until(closed, timeout=30, what="closed")
        assert event["outcome"] == "settled" and event["effective_at"]
        agreement = docx.Document(io.BytesIO(base64.b64decode(event["agreement"]["content_base64"])))
        text = "\n".join(p.text for p in agreement.paragraphs) + "".join(
            c.text for t in agreement.tables for r in t.rows for c in r.cells
        )
        assert "王五" in text and "上海某某物流有限公司" in text and "12000" in text.replace(",", "")

        # Both parties apply for judicial confirmation in their pages; the court confirms; they read the ruling.
        for page, prefix in ((applicant, "/h5/cases"), (respondent, "/h5/respondent/cases")):
            await page.goto(f"{base_url}{prefix}/{serial}")
            await page.click("#apply-judicial_confirmation")
            await page.wait_for_selector("#state-judicial_confirmation")
        [(confirmation_id, received)] = await until(
            lambda: list(court.state.confirmations.items()), what="the application"
        )
        application = received.body
        assert application["type"] == "judicial_confirmation" and application["serial"] == serial
        assert {p["role"] for p in application["parties"]} == {"applicant", "respondent"}
        assert application["agreement"]["content_base64"] and application["application"]["content_base64"]
        assert {a["role"] for a in application["attachments"]} == {"applicant", "respondent", "mediator"}
        status, ruling = await court.decide_confirmation(confirmation_id, "confirmed", "(2027)沪0115民特1号")
        assert status == 200 and ruling["state"] == "confirmed"
        for page, prefix in ((applicant, "/h5/cases"), (respondent, "/h5/respondent/cases")):
            await page.goto(f"{base_url}{prefix}/{serial}")
            shown = await page.inner_text("#decision-judicial_confirmation")
            assert "确认有效" in shown and "(2027)沪0115民特1号" in shown
        await admin.goto(f"{base_url}/office/cases/{serial}")
        await admin.click("#file-for-record")
        await admin.wait_for_selector("#filed")
        await until(
            lambda: any(e["type"] == "filed" for e in court.state.events_of(body["partner_case_no"])), what="filed"
        )
        assert court.state.repeats == 0 and court.state.refused == 0


@pytest.mark.gen_test(timeout=240)
async def test_a_delegation_declined_and_one_whose_respondent_refuses(
    app, http_server, http_port, court, tmp_path, cheap_hashing
):
    base_url = f"http://127.0.0.1:{http_port}"
    services = app.settings["services"]
    sms = services.sms
    court.state.auto_confirm_roster = True
    async with chromium() as browser:
        admin, _ = await setup(app, browser, base_url, tmp_path)
        await until(
            lambda: any(e.get("decision") == "confirmed" for e in court.state.roster.values()),
            what="the roster confirmed",
        )

        # Declined, with a reason of art. 12 written out.
        declined = delegation_body()
        _, receipt = await court.delegate(declined)
        await admin.goto(f"{base_url}/office/cases/{receipt['serial']}")
        await admin.click("#decline-delegation")  # no reason chosen: the form says so
        assert "理由" in await admin.inner_text("#errors")
        await admin.select_option("#decline-reason-code", "conflict_of_interest")
        await admin.fill("#decline-delegation-reason", "本中心调解员均与被申请人有利害关系")
        await admin.click("#decline-delegation")
        await admin.wait_for_selector("#delegation-answer")
        assert await admin.inner_text("#status") == "已退回委派方"
        [answer] = await until(lambda: court.state.events_of(declined["partner_case_no"]), what="declined")
        assert (answer["answer"], answer["reason_code"]) == ("declined", "conflict_of_interest")
        assert "利害关系" in answer["reason"]

        # Accepted, and the respondent refuses: the case goes back at once with its materials (art. 15).
        refused = delegation_body(pdf_size=8_000)
        _, receipt = await court.delegate(refused)
        serial = receipt["serial"]
        await admin.goto(f"{base_url}/office/cases/{serial}")
        await admin.select_option("#delegation-mediator", "pd.mediator")
        await admin.click("#accept-delegation")
        await admin.wait_for_selector("#delegation-answer")
        links = await invitations(sms, 2)
        respondent = await party_claims(browser, sms, links[RESPONDENT_PHONE], RESPONDENT_PHONE)
        await respondent.wait_for_url(f"**/h5/respondent/cases/{serial}")
        await respondent.check("#decision-decline")
        await respondent.fill("#decline-reason", "公司认为不存在欠薪")
        await respondent.click("#answer")
        await respondent.wait_for_selector("#my-answer")

        def closed():
            return [e for e in court.state.events_of(refused["partner_case_no"]) if e["type"] == "closed"]

        [event] = await until(closed, what="the case back")
        assert event["outcome"] == "failed" and event["closure_reason"] == "refused_to_continue"
        assert event["materials_returned"] and event["report"]["facts"]
        [material] = event["materials"]
        assert base64.b64decode(material["content_base64"]) == pdf_bytes(8_000)
        await admin.goto(f"{base_url}/office/cases/{serial}")
        assert "已推送" in await admin.inner_text("#partner-events")
        await asyncio.sleep(0.3)
        assert court.state.repeats == 0
