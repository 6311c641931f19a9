"""我的数据 over HTTP (docs/privacy.md): signed in inside WeChat and on the portal, a person sees their data and who
looked at it, downloads the copy after proving who they are again (a fresh sign-in or a one-time code), files a
correction a mediator answers in the case's timeline, and is refused, with the basis, a deletion the law forbids."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import timedelta

import pytest
from pypdf import PdfReader

from services.accounts.persons import person_for_identity
from services.cases import handling
from services.core.context import utc_now
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID, make_staff
from tests.support.browser_session import DESKTOP_UA, CookieClient
from tests.support.h5 import sign_in_page
from tests.support.office import sign_in as office_sign_in
from tests.support.portal import MOBILE, register, sms_of
from tests.support.samples import CONTACT_ID, WORKER_ID, worker_body


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


async def _a_case_of(app, person: str) -> str:
    ctx = app.settings["services"].ctx
    case, _ = await submit_application(ctx, person, f"key-me-{person[:8]}", worker_body() | {"evidence": []}, "h5")
    return case["serial"]


@pytest.mark.gen_test(timeout=120)
async def test_inside_wechat_a_person_sees_their_data_asks_a_correction_a_mediator_answers_and_gets_a_copy(
    app, wechat, http_client, base_url, cheap_hashing
):
    ctx = app.settings["services"].ctx
    browser = CookieClient(http_client, base_url)
    assert (await sign_in_page(browser, wechat, "o-me-1", "/h5/me")).code == 302
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-me-1")
    serial = await _a_case_of(app, person)
    mediator = await make_staff(app, "me.mediator", role="mediator", centre_id="sh-city")
    await handling.decide(ctx, mediator, serial, "accept", {})
    office = CookieClient(http_client, base_url, DESKTOP_UA)
    await office_sign_in(office, "me.mediator")
    assert (await office.get(f"/office/cases/{serial}")).code == 200  # a look, recorded

    page = await browser.get("/h5/me")
    text = page.body.decode()
    assert page.code == 200 and 'id="my-data"' in text and serial in text
    assert WORKER_ID not in text and WORKER_ID[-4:] in text  # masked on the page
    assert "调解员 · 上海市劳动人事争议调解中心 · 查看案件" in text and "me.mediator" not in text  # role and centre

    # A correction: answered by a due day shown to the person, in the case's timeline.
    asked = await browser.post("/h5/me/corrections", {"serial": serial, "field": "address", "value": "新地址1号"})
    assert asked.code == 302 and asked.headers["Location"] == "/h5/me#corrections"
    text = (await browser.get("/h5/me")).body.decode()
    assert "新地址1号" in text and "前答复" in text and "待答复" in text
    case_page = (await office.get(f"/office/cases/{serial}")).body.decode()
    assert 'id="corrections"' in case_page and "新地址1号" in case_page
    correction_id = case_page.split('data-correction="', 1)[1].split('"', 1)[0]
    refused = await office.post(f"/office/cases/{serial}/corrections/{correction_id}", {"decision": "refused"})
    assert refused.code == 422 and "理由" in refused.body.decode()  # a refusal must say why
    done = await office.post(
        f"/office/cases/{serial}/corrections/{correction_id}", {"decision": "corrected", "note": "已核实"}
    )
    assert done.code == 302
    text = (await browser.get("/h5/me")).body.decode()
    assert "已更正" in text and "已核实" in text
    case = (await browser.get(f"/h5/cases/{serial}")).body.decode()
    assert "答复更正请求" in case  # in the case's timeline the party reads

    # Someone else's case: a clear refusal, nothing written.
    stranger = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-me-stranger")
    theirs = await _a_case_of(app, stranger)
    before = await ctx.db["cases"].find_one({"_id": theirs}, {"timeline": 1, "applicant": 1})
    foreign = await browser.post("/h5/me/corrections", {"serial": theirs, "field": "address", "value": "x"})
    assert foreign.code == 404 and "没有找到这件申请" in foreign.body.decode()
    assert await ctx.db["cases"].find_one({"_id": theirs}, {"timeline": 1, "applicant": 1}) == before
    kept = await browser.post("/h5/me/deletions", {"target": f"case:{serial}"})
    assert kept.code == 409 and "第四十七条第二款" in kept.body.decode()

    # A newer notice in force: the next visit asks again, says what changed; accepted on 我的数据.
    ctx.settings = dataclasses.replace(ctx.settings, consent_versions=("2026-01", "2026-12"))
    cases = (await browser.get("/h5/cases")).body.decode()
    assert 'id="asked-again"' in cases and "第四、五条" in cases and serial in cases  # the cases still there
    form = {"purpose": "notice", "version": "2026-12", "action": "accept"}
    assert (await browser.post("/h5/me/consents", form)).code == 302
    assert 'id="asked-again"' not in (await browser.get("/h5/cases")).body.decode()

    # A copy of someone else's data: refused, naming why.
    other = await browser.get(f"/h5/me/copy.json?person={stranger}")
    assert other.code == 403 and "只能获取您本人" in other.body.decode()

    # The copy: with the session just opened, at once; the person's own number in clear, recorded as a look.
    copy = await browser.get("/h5/me/copy.json")
    assert copy.code == 200 and "attachment" in copy.headers["Content-Disposition"]
    data = json.loads(copy.body)
    assert WORKER_ID in copy.body.decode() and data["cases"][0]["serial"] == serial
    assert await ctx.db["audit"].count_documents({"who": person, "action": "my_data_copy"}) == 1
    # Eleven minutes later the sign-in no longer proves who asks: sign in again first.
    later = utc_now() + timedelta(minutes=11)
    ctx.clock = ctx.real_clock = lambda: later  # a proof's age is real time (sessions, codes)
    stale = await browser.get("/h5/me/copy.json")
    assert stale.code == 302 and stale.headers["Location"].startswith("/h5/me/verify?next=")
    assert await ctx.db["audit"].count_documents({"who": person, "action": "my_data_copy"}) == 1  # nothing given
    verify = await browser.get(stale.headers["Location"])
    assert (
        verify.code == 200
        and 'id="signin-again"' in verify.body.decode()
        and 'id="send-code"' not in verify.body.decode()
    )
    again = await browser.post("/h5/me/verify", {"action": "signin", "next": "/h5/me/copy.json"})
    assert again.code == 302 and again.headers["Location"].startswith("/h5/oauth/start?next=")
    assert (await browser.get("/h5/me/copy.json")).code == 302  # signed out: to WeChat's sign-in first
    assert (await sign_in_page(browser, wechat, "o-me-1", "/h5/me/copy.json")).code == 302
    assert (await browser.get("/h5/me/copy.json")).code == 200


@pytest.mark.gen_test(timeout=180)
async def test_on_the_portal_a_person_proves_it_by_a_code_and_gets_the_pdf(app, http_client, base_url, cheap_hashing):
    ctx = app.settings["services"].ctx
    desktop = CookieClient(http_client, base_url, DESKTOP_UA)
    assert (await register(desktop, app)).code == 302
    person = (await ctx.db["portal_accounts"].find_one({}))["person_id"]
    serial = await _a_case_of(app, person)
    page = await desktop.get("/portal/me")
    assert page.code == 200 and serial in page.body.decode() and CONTACT_ID not in page.body.decode()
    later = utc_now() + timedelta(minutes=11)  # the registration's sign-in no longer proves who asks
    ctx.clock = ctx.real_clock = lambda: later  # a proof's age is real time (sessions, codes)
    stale = await desktop.get("/h5/me/copy.pdf")
    assert stale.code == 302
    verify = (await desktop.get(stale.headers["Location"])).body.decode()
    assert "139****5678" in verify  # the code goes to the mobile the account proved
    wrong = await desktop.post("/h5/me/verify", {"action": "check", "code": "000000", "next": "/h5/me/copy.pdf"})
    assert wrong.code == 422
    assert (await desktop.post("/h5/me/verify", {"action": "code", "next": "/h5/me/copy.pdf"})).code == 200
    code = sms_of(app).last_code(MOBILE, "my_data")
    proved = await desktop.post("/h5/me/verify", {"action": "check", "code": code, "next": "/h5/me/copy.pdf"})
    assert proved.code == 302 and proved.headers["Location"] == "/h5/me/copy.pdf"
    pdf = await desktop.get("/h5/me/copy.pdf")
    assert pdf.code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body)).pages)
    assert serial in words and CONTACT_ID in words  # their own number, in clear, in the copy
    # An account with a case is kept: refused, naming the basis; the person is still signed in.
    refused = await desktop.post("/h5/me/deletions", {"target": "account"})
    assert refused.code == 409 and "第四十七条第二款" in refused.body.decode()
    assert (await desktop.get("/portal/me")).code == 200
