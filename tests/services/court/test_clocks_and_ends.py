"""The court's clock: from acceptance, extended only with both parties' consent in their pages and within the
partner's cap, paused by an appraisal; the ends a delegated case tells its partner (the art. 21 report, filing)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.cases import handling, signing
from services.core.errors import Conflict, ValidationFailed
from services.core.work_calendar import load_work_calendar
from services.court import clocks, ends
from tests.support.court import (
    ADMIN,
    MEDIATOR,
    accepted,
    delegations_settle,
)
from tests.support.parties import draft, due_in, upload_seal


def events(doc, kind="partner_event"):
    return [n["event"] for n in doc["notifications"] if n["kind"] == kind]


@pytest.mark.gen_test
async def test_an_extension_takes_both_consents_and_respects_the_cap(ctx, clock, blobs, sms, staff):
    serial, applicant, respondent_person = await accepted(ctx, blobs, sms)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    due = date.fromisoformat(doc["docking"]["mediation_due"])
    with pytest.raises(ValidationFailed) as over:
        await clocks.propose_extension(ctx, MEDIATOR, serial, "31")  # the court's cap: 30 days in all
    assert over.value.errors[0].code == "over_cap" and "30" in over.value.errors[0].message
    await clocks.propose_extension(ctx, MEDIATOR, serial, "20")
    with pytest.raises(Conflict):
        await clocks.propose_extension(ctx, MEDIATOR, serial, "5")  # one request at a time
    assert (await clocks.consent_extension(ctx, applicant, serial, "h5"))["consented"] == ["applicant"]
    assert (await clocks.consent_extension(ctx, applicant, serial, "h5"))["consented"] == ["applicant"]  # again
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["docking"]["mediation_due"] == due.isoformat()  # one consent changes nothing yet
    await clocks.consent_extension(ctx, respondent_person, serial, "h5")
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert date.fromisoformat(doc["docking"]["mediation_due"]) >= due + timedelta(days=20)
    assert doc["docking"]["extension_request"] is None and len(doc["docking"]["extensions"]) == 1
    [extended] = [e for e in events(doc) if e["type"] == "extended"]
    assert set(extended["consents"]) == {"applicant", "respondent"} and extended["days"] == 20
    actions = [e["action"] for e in doc["timeline"]][-4:]
    assert actions == ["extension_proposed", "extension_consent", "extension_consent", "delegation_extended"]
    with pytest.raises(ValidationFailed):  # ten days of the cap left
        await clocks.propose_extension(ctx, MEDIATOR, serial, "11")
    await clocks.propose_extension(ctx, MEDIATOR, serial, "10")


@pytest.mark.gen_test
async def test_an_appraisal_pauses_the_period_and_its_days_are_added(ctx, clock, blobs, sms, staff):
    serial, _, _ = await accepted(ctx, blobs, sms)
    before = date.fromisoformat((await ctx.db["cases"].find_one({"_id": serial}))["docking"]["mediation_due"])
    await clocks.pause(ctx, MEDIATOR, serial, "工伤伤残等级鉴定")
    with pytest.raises(Conflict):
        await clocks.pause(ctx, MEDIATOR, serial, "again")
    clock.advance(days=9)
    doc = await clocks.resume(ctx, MEDIATOR, serial)
    assert doc["docking"]["paused_days"] == 9 and doc["docking"]["paused_since"] is None
    assert date.fromisoformat(doc["docking"]["mediation_due"]) >= before + timedelta(days=9)
    view = clocks.clock_view(doc, await load_work_calendar(ctx), clock().date())
    assert view["paused_days"] == 9 and not view["paused"]


@pytest.mark.gen_test
async def test_a_failure_the_mediator_records_carries_the_article_21_report(ctx, clock, blobs, sms, staff):
    serial, _, _ = await accepted(ctx, blobs, sms)
    form = {"closure_reason": "too_far_apart", "reason": ""}
    with pytest.raises(ValidationFailed) as no_report:
        await handling.decide(ctx, MEDIATOR, serial, "fail", form)
    assert {e.field for e in no_report.value.errors} == {"report_facts", "report_reason"}
    form |= {
        "report_facts": "申请人主张欠薪12000元，被申请人认可8000元。",
        "report_reason": "双方对加班工资分歧过大。",
        "report_costs": "被申请人两次无故缺席调解。",
        "report_notes": "",
    }
    doc = await handling.decide(ctx, MEDIATOR, serial, "fail", form)
    [closed] = [e for e in events(doc) if e["type"] == "closed"]
    assert closed["outcome"] == "failed" and closed["closure_reason"] == "too_far_apart"
    assert closed["report"]["costs"] == "被申请人两次无故缺席调解。" and not closed["materials_returned"]
    assert not ends.report_due(doc)


@pytest.mark.gen_test
async def test_a_refusal_to_sign_waits_for_the_report_and_a_settlement_is_filed(ctx, clock, blobs, sms, staff):
    serial, applicant, respondent_person = await accepted(ctx, blobs, sms)
    await upload_seal(ctx, blobs, ADMIN, "sh-pudong")
    await draft(ctx, MEDIATOR, serial, due_in(ctx, 10))
    await signing.refuse(ctx, signing.Signer("", applicant, "h5"), serial, {"version": 1, "reason": "金额太少"}, "h5")
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert ends.report_due(doc) and not [e for e in events(doc) if e["type"] == "closed"]
    with pytest.raises(ValidationFailed):
        await ends.report(ctx, MEDIATOR, serial, {"report_facts": "x"})
    doc = await ends.report(ctx, MEDIATOR, serial, {"report_facts": "申请人拒绝签署。", "report_reason": "金额"})
    assert [e["type"] for e in events(doc)][-1] == "closed" and not ends.report_due(doc)
    with pytest.raises(Conflict):
        await ends.report(ctx, MEDIATOR, serial, {"report_facts": "a", "report_reason": "b"})
    # Another delegated case settles: `closed` goes with the last signature; then the filing.
    other, applicant2, _ = await accepted(ctx, blobs, sms)
    await delegations_settle(ctx, blobs, sms, other, applicant2)
    doc = await ctx.db["cases"].find_one({"_id": other})
    [closed] = [e for e in events(doc) if e["type"] == "closed"]
    assert closed["outcome"] == "settled" and closed["effective_at"]
    doc = await ends.file_for_record(ctx, ADMIN, other)
    assert [e["type"] for e in events(doc)][-1] == "filed"
    with pytest.raises(Conflict):
        await ends.file_for_record(ctx, ADMIN, other)
