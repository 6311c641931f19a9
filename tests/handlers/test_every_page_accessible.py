"""Every page through axe-core (pinned; tests/support/accessibility.py): the applicant's, the respondent's and the
portal's in the standard display and the 大字版, in Chinese and in English; the back office's in its one display. A
serious or critical violation anywhere fails, naming the page."""

from __future__ import annotations

import pytest
from tornado.web import create_signed_value

from services.accounts import web_sessions
from services.accounts.persons import person_for_identity
from services.accounts.staff import SYSTEM_ADMIN
from services.cases import documents, handling
from services.intake.submission import submit_application
from tests.support.accessibility import violations
from tests.support.app import OA_APP_ID, make_staff
from tests.support.browser import chromium
from tests.support.parties import claim_invitation, draft, due_in, invitation_link, settle_by_signing, upload_seal
from tests.support.samples import worker_body

STEPS = ("notice", "applicant", "respondent", "claim", "evidence", "service", "review")


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


async def a_case_with_both_parties(app):
    """A worker's case, accepted (the respondent invited and signed in), with its application document."""
    services = app.settings["services"]
    ctx = services.ctx
    applicant = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-axe-worker")
    body = worker_body() | {"evidence": []}
    case, _ = await submit_application(ctx, applicant, "key-axe-0001", body, "h5")
    serial = case["serial"]
    admin = await make_staff(app, "axe.admin", role=SYSTEM_ADMIN, centre_id="sh-city")
    await handling.decide(ctx, admin, serial, "accept", {}, [])
    link = await invitation_link(ctx, serial)
    respondent = await claim_invitation(ctx, services.sms, serial)
    issued = await documents.generate(ctx, services.renderers, services.blobs, admin, serial, "application")
    return serial, applicant, respondent, link, issued.id


async def later_cases(app, applicant: str, respondent: str) -> tuple[str, str]:
    """Two more of the same worker's cases: one with an online session set and an agreement to sign (the same
    respondent invited), one settled (its judicial confirmation and arbitral review offered)."""
    services = app.settings["services"]
    ctx = services.ctx
    admin = await make_staff(app, "axe.mediator", role=SYSTEM_ADMIN, centre_id="sh-city")
    await upload_seal(ctx, services.blobs, admin)
    serials = []
    for key in ("key-axe-0002", "key-axe-0003"):
        case, _ = await submit_application(ctx, applicant, key, worker_body() | {"evidence": []}, "h5")
        await handling.decide(ctx, admin, case["serial"], "accept", {}, [])
        serials.append(case["serial"])
    signing_case, settled = serials
    await handling.decide(
        ctx,
        admin,
        signing_case,
        "schedule",
        {"at": f"{due_in(ctx, 3)}T10:00", "online_link": "https://meeting.example/axe"},
    )
    await claim_invitation(ctx, services.sms, signing_case, respondent)
    await draft(ctx, admin, signing_case, due_in(ctx, 10))
    await settle_by_signing(ctx, services.blobs, services.sms, admin, settled, applicant)
    return signing_case, settled


def cookie(app, name: str, value: str) -> dict:
    signed = create_signed_value(app.settings["cookie_secret"], name, value).decode()
    return {"name": name, "value": signed, "domain": "127.0.0.1", "path": "/"}


@pytest.mark.gen_test(timeout=600)
async def test_every_page_has_no_serious_or_critical_violation(app, http_server, http_port, cheap_hashing):
    base = f"http://127.0.0.1:{http_port}"
    ctx = app.settings["services"].ctx
    serial, applicant, respondent, link, document_id = await a_case_with_both_parties(app)
    signing_case, settled = await later_cases(app, applicant, respondent)
    sessions = {
        who: await web_sessions.issue(ctx, web_sessions.PERSON, person)
        for who, person in (("applicant", applicant), ("respondent", respondent))
    }
    staff = await web_sessions.issue(ctx, web_sessions.STAFF, "axe.admin")
    public = [
        "/",
        "/h5/no-such-page",
        "/h5/",
        "/h5/triage",
        "/h5/triage/employment_status",
        "/h5/calculator",
        "/h5/library",
        "/h5/library/labour_law",
        "/h5/library/no-such-entry",
        "/h5/progress",
        "/portal/login",
        "/portal/register",
        "/portal/reset",
        link,
        f"/h5/respondent/cases/{serial}/signin",
        f"/verify/{document_id}",
        "/privacy",
    ]
    applicant_pages = [
        "/h5/apply",
        *[f"/h5/apply/worker/{step}" for step in STEPS],
        "/h5/apply/employer/applicant",
        f"/h5/apply/done/{serial}",
        "/h5/cases",
        f"/h5/cases/{serial}",
        f"/h5/cases/{serial}/withdraw",
        f"/h5/cases/{serial}/documents/{document_id}/summary",
        f"/h5/cases/{signing_case}",
        f"/h5/cases/{signing_case}/agreement",
        f"/h5/cases/{signing_case}/session",
        f"/h5/cases/{settled}",
        "/h5/me",
        "/h5/me/verify",
    ]
    respondent_pages = [
        "/h5/respondent/cases",
        f"/h5/respondent/cases/{serial}",
        f"/h5/respondent/cases/{serial}/documents/{document_id}/summary",
        f"/h5/respondent/cases/{signing_case}",
        f"/h5/respondent/cases/{signing_case}/agreement",
        "/h5/me",
    ]
    office = [
        "/office/login",
        "/office/forgot",
        "/office/",
        f"/office/cases/{serial}",
        f"/office/cases/{signing_case}",
        f"/office/cases/{settled}",
        "/office/staff",
        "/office/calendar",
        "/office/seal",
        "/office/centres",
        "/office/centres/sh-city",
        "/office/mediators",
        "/office/stats",
        "/office/files",
        "/office/alerts",
        "/office/audit",
        "/office/roster",
        "/office/library",
        "/office/library?q=%E5%8A%A0%E7%8F%AD%E8%B4%B9",
        "/office/library/labour_law",
        "/office/figures",
        "/office/triage",
        "/office/templates",
        "/office/training",
    ]
    found: list[str] = []
    async with chromium() as browser:
        for who, pages in (("anyone", public), ("applicant", applicant_pages), ("respondent", respondent_pages)):
            context = await browser.new_context(viewport={"width": 390, "height": 844})
            if who != "anyone":
                await context.add_cookies([cookie(app, "h5_session", sessions[who])])
            page = await context.new_page()
            for language in ("zh_CN", "en"):
                for display in ("standard", "elder"):
                    await page.goto(f"{base}/lang/{language}?next=/h5/library")
                    await page.goto(f"{base}/display/{display}?next=/h5/library")
                    for path in pages:
                        await page.goto(base + path)
                        found += [f"{path} ({who}, {language}, {display}): {v}" for v in await violations(page)]
            await context.close()
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        await context.add_cookies([cookie(app, "office_session", staff)])
        page = await context.new_page()
        for path in office:
            await page.goto(base + path)
            found += [f"{path} (office): {v}" for v in await violations(page)]
    assert not found, "axe-core:\n" + "\n".join(found)
