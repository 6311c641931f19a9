"""Delegations in: a case in `delegated`, routed, parties sealed, documents checked like evidence, the partner's case
number as natural key; the centre's answer (a roster mediator, or a reason of art. 12); silence reported; withdrawal;
the respondent's refusal sent back with the materials (art. 15)."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from services.cases import respondent
from services.core.context import SHANGHAI
from services.core.deadlines import working_days_deadline
from services.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.core.work_calendar import load_work_calendar
from services.court import assignment, delegations
from settings import Partner
from tests.support.court import (
    ADMIN,
    COURT,
    MEDIATOR,
    OTHER_MEDIATOR,
    claim,
    confirm_on_roster,
    delegation_body,
    invitation_links,
)


def court(ctx) -> Partner:
    return ctx.settings.docking.partner(COURT)


async def delegate(ctx, blobs, **changes):
    body = delegation_body(**changes)
    receipt, created = await delegations.create(ctx, blobs, court(ctx), body)
    assert created
    return receipt["serial"], body


@pytest.mark.gen_test
async def test_a_delegation_is_a_case_in_delegated_routed_sealed_with_its_documents(ctx, clock, blobs):
    body = delegation_body(pdf_size=5000)
    receipt, created = await delegations.create(ctx, blobs, court(ctx), body)
    assert created and receipt["status"] == "delegated" and receipt["centre"]["id"] == "sh-pudong"
    doc = await ctx.db["cases"].find_one({"_id": receipt["serial"]})
    assert doc["kind"] == "worker" and doc["channel"] == "docking" and doc["owner_person_id"] is None
    assert doc["applicant"]["id_number"]["masked"].startswith("310115") and "ct" in doc["applicant"]["id_number"]
    assert doc["applicant"]["phone"]["masked"] == "138****0001" and doc["respondent"]["contact_phone"]["ct"]
    assert doc["respondent"]["address"]["region_code"] == "310115"
    assert doc["claim"]["amount"] == "12000.00" and doc["claim"]["amount_fen"] == 1_200_000
    assert [e["action"] for e in doc["timeline"]] == ["delegate"] and doc["region_codes"][-1] == "310115"
    calendar = (await load_work_calendar(ctx)).for_centre("sh-pudong")
    assert doc["docking"]["answer_due"] == working_days_deadline(clock(), 5, calendar).due.isoformat()
    [file_id] = doc["docking"]["documents"]
    record = await ctx.db["files"].find_one({"_id": file_id})
    assert record["purpose"] == "delegation" and record["kind"] == "pdf" and record["serial"] == doc["_id"]
    assert (await blobs.read(record["blob_id"])).startswith(b"%PDF-") and doc["evidence"] == [file_id]
    # The same number and body again: the same case, nothing new; another body under the number: 409.
    again, created_again = await delegations.create(ctx, blobs, court(ctx), body)
    assert again == receipt and not created_again
    assert await ctx.db["cases"].count_documents({}) == 1 and await ctx.db["files"].count_documents({}) == 1
    changed = body | {"dispute": body["dispute"] | {"amount": "13000.00"}}
    with pytest.raises(Conflict) as differs:
        await delegations.create(ctx, blobs, court(ctx), changed)
    assert (differs.value.status, differs.value.field) == (409, "partner_case_no")


@pytest.mark.gen_test
async def test_every_field_error_at_once_and_nothing_written(ctx, clock, blobs):
    body = delegation_body(pdf_size=3000)
    body["parties"][0]["id_number"] = "310115199208150000"  # a wrong check digit
    body["parties"].pop(1)  # no respondent
    body["dispute"].pop("claims")
    body["consent_to_mediation"] = False
    body["documents"].append(
        {
            "name": "证据.exe",
            "content_type": "application/octet-stream",
            "content_base64": base64.b64encode(b"MZ\x90\x00" + b"\x00" * 200).decode(),
        }
    )
    with pytest.raises(ValidationFailed) as refused:
        await delegations.create(ctx, blobs, court(ctx), body)
    fields = {e.field for e in refused.value.errors}
    assert {
        "parties[0].id_number",
        "parties",
        "dispute.claims",
        "consent_to_mediation",
        "documents[1].content_base64",
    } <= fields
    assert "documents[0].content_base64" not in fields  # the PDF passed its checks
    assert all(e.message for e in refused.value.errors)
    assert await ctx.db["cases"].count_documents({}) == 0 and await ctx.db["files"].count_documents({}) == 0
    assert await ctx.db[delegations.DELEGATIONS].count_documents({}) == 0


@pytest.mark.gen_test
async def test_a_region_we_do_not_serve_is_422_naming_region_code(ctx, clock, blobs):
    for code, error in (("110101", "not_served"), ("999999", "unknown_region")):
        with pytest.raises(ValidationFailed) as refused:
            await delegations.create(ctx, blobs, court(ctx), delegation_body(region_code=code))
        assert [(e.field, e.code) for e in refused.value.errors] == [("region_code", error)]
    with pytest.raises(ValidationFailed) as wrong_type:  # a court does not send an arbitration institute's type
        await delegations.create(ctx, blobs, court(ctx), delegation_body(type="arbitration"))
    assert wrong_type.value.errors[0].field == "type"


@pytest.mark.gen_test
async def test_the_administrator_accepts_with_a_mediator_of_the_courts_roster(ctx, clock, blobs, staff):
    serial, _ = await delegate(ctx, blobs)
    with pytest.raises(Forbidden):
        await delegations.accept(ctx, MEDIATOR, serial, MEDIATOR.login)
    with pytest.raises(ValidationFailed) as not_confirmed:
        await delegations.accept(ctx, ADMIN, serial, MEDIATOR.login)
    assert not_confirmed.value.errors[0].code == "not_on_roster"
    await confirm_on_roster(ctx, MEDIATOR.login)
    assert [m.login for m in await delegations.offered_mediators(ctx, COURT, "sh-pudong")] == [MEDIATOR.login]
    with pytest.raises(ValidationFailed):
        await delegations.accept(ctx, ADMIN, serial, OTHER_MEDIATOR.login)  # not on the roster
    doc = await delegations.accept(ctx, ADMIN, serial, MEDIATOR.login)
    assert doc["status"] == "accepted" and doc["mediator"]["login"] == MEDIATOR.login
    assert doc["timeline"][-1]["action"] == "accept_delegation" and len(doc["timeline"]) == 2
    kinds = {(n["kind"], n["to"]["type"]) for n in doc["notifications"]}
    assert kinds == {
        ("delegated_invite", "applicant"),
        ("delegated_invite", "respondent"),
        ("partner_event", "partner"),
    }
    event = next(n for n in doc["notifications"] if n["kind"] == "partner_event")
    assert event["event"]["type"] == "answered" and event["event"]["answer"] == "accepted"
    assert event["event"]["mediation_due"] == doc["docking"]["mediation_due"]
    assert (date.fromisoformat(doc["docking"]["mediation_due"]) - clock().date()).days >= 30
    sms_text = next(n for n in doc["notifications"] if n["kind"] == "delegated_invite")["lines"]
    assert sms_text["court"] == "上海市浦东新区人民法院"
    with pytest.raises(Conflict):
        await delegations.accept(ctx, ADMIN, serial, MEDIATOR.login)
    with pytest.raises(ValidationFailed) as off_roster:  # nor assigned later to a mediator the court did not confirm
        await assignment.assign(ctx, ADMIN, serial, OTHER_MEDIATOR.login)
    problem = off_roster.value.errors[0]
    assert problem.code == "not_on_roster" and "浦东新区人民法院" in problem.message


@pytest.mark.gen_test
async def test_the_parties_prove_their_invitations_and_the_applicant_owns_the_case(ctx, clock, blobs, staff, sms):
    serial, _ = await delegate(ctx, blobs)
    await confirm_on_roster(ctx, MEDIATOR.login)
    await delegations.accept(ctx, ADMIN, serial, MEDIATOR.login)
    links = await invitation_links(ctx, serial)
    assert links["applicant"].startswith(f"/h5/applicant/invitations/{serial}/")
    applicant = await claim(ctx, sms, serial, "applicant")
    respondent_person = await claim(ctx, sms, serial, "respondent")
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["owner_person_id"] == applicant and doc["respondent_access"]["person_id"] == respondent_person
    assert applicant != respondent_person
    token = links["respondent"].rsplit("/", 1)[1]
    with pytest.raises(NotFound):  # a respondent's token does not open the applicant's invitation
        await respondent.invitation_view(ctx, serial, token, "applicant")


@pytest.mark.gen_test
async def test_the_respondent_refusing_sends_the_case_back_with_its_materials(ctx, clock, blobs, staff, sms):
    serial, _ = await delegate(ctx, blobs, pdf_size=4000)
    await confirm_on_roster(ctx, MEDIATOR.login)
    await delegations.accept(ctx, ADMIN, serial, MEDIATOR.login)
    person = await claim(ctx, sms, serial, "respondent")
    await respondent.answer(ctx, person, serial, {"decision": "decline", "reason": "公司不同意调解"}, "h5")
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["status"] == "failed" and doc["outcome"]["closure_reason"] == "refused_to_continue"
    assert doc["outcome"]["materials_returned"] and doc["respondent_access"]["answer"]["decision"] == "decline"
    closed = [n for n in doc["notifications"] if n["kind"] == "partner_event" and n["event"]["type"] == "closed"]
    assert len(closed) == 1 and closed[0]["event"]["materials_returned"]
    assert closed[0]["event"]["closure_reason"] == "refused_to_continue" and closed[0]["event"]["report"]["facts"]
    assert doc["timeline"][-1]["action"] == "refuse"
    # Both parties are told the case goes back to the court (法释〔2021〕23号 art. 15 ¶2), not to arbitrate.
    told = {n["to"]["type"]: n["lines"]["next_step"] for n in doc["notifications"] if n["kind"] == "fail"}
    assert told == {"applicant": "案件退回委派法院立案", "respondent": "案件退回委派法院立案"}
    # Owed: each party's notice and the report to the court; no arbitration application (the delegation did not say
    # the dispute was not arbitrated).
    assert sorted((p["kind"], p["to"]) for p in doc["outcome"]["papers"]) == [
        ("failure_report", "partner"),
        ("termination_notice", "applicant"),
        ("termination_notice", "respondent"),
    ]


@pytest.mark.gen_test
async def test_declining_with_a_reason_of_article_12_returns_the_case(ctx, clock, blobs, staff):
    serial, _ = await delegate(ctx, blobs)
    with pytest.raises(ValidationFailed) as no_reason:
        await delegations.decline(ctx, ADMIN, serial, "other", "")
    assert [e.field for e in no_reason.value.errors] == ["reason"]
    with pytest.raises(ValidationFailed):
        await delegations.decline(ctx, ADMIN, serial, "because", "")
    doc = await delegations.decline(ctx, ADMIN, serial, "conflict_of_interest", "调解员与被申请人有利害关系")
    assert doc["status"] == "returned" and doc["outcome"]["kind"] == "returned"
    [event] = [n["event"] for n in doc["notifications"] if n["kind"] == "partner_event"]
    assert (event["answer"], event["reason_code"]) == ("declined", "conflict_of_interest")
    view = delegations.partner_view(doc)
    assert view["answer"]["decision"] == "declined" and view["outcome"] == {
        "kind": "returned",
        "closed_at": view["outcome"]["closed_at"],
    }


@pytest.mark.gen_test
async def test_silence_past_the_answer_day_is_reported_once_as_not_confirmed_in_time(ctx, clock, blobs, staff):
    serial, _ = await delegate(ctx, blobs)
    assert await delegations.report_overdue(ctx) == 0
    clock.advance(days=12)  # five working days are never more than twelve calendar days here (no long holiday)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    if doc["docking"]["answer_due"] >= clock().astimezone(SHANGHAI).date().isoformat():
        clock.advance(days=10)  # a Spring Festival in between
    assert await delegations.report_overdue(ctx) == 1
    assert await delegations.report_overdue(ctx) == 0
    doc = await ctx.db["cases"].find_one({"_id": serial})
    [event] = [n["event"] for n in doc["notifications"] if n["kind"] == "partner_event"]
    assert event["answer"] == "not_confirmed_in_time" and doc["docking"]["overdue_reported_at"]
    await confirm_on_roster(ctx, MEDIATOR.login)
    late = await delegations.accept(ctx, ADMIN, serial, MEDIATOR.login)  # a late answer is still an answer
    assert late["docking"]["answer"]["late"] is True


@pytest.mark.gen_test
async def test_the_partner_withdraws_its_case_and_reads_its_state(ctx, clock, blobs):
    serial, body = await delegate(ctx, blobs)
    state = await delegations.state(ctx, court(ctx), body["partner_case_no"])
    assert state["serial"] == serial and state["status"] == "delegated" and state["answer"] is None
    other = ctx.settings.docking.partner("sh-pudong-arbitration")
    with pytest.raises(NotFound):  # another partner's case is not found
        await delegations.state(ctx, other, body["partner_case_no"])
    withdrawn = await delegations.withdraw(ctx, court(ctx), body["partner_case_no"], {"reason": "当事人已和解"})
    assert withdrawn["status"] == "withdrawn" and withdrawn["outcome"] == {"kind": "withdrawn"}
    again = await delegations.withdraw(ctx, court(ctx), body["partner_case_no"], {})
    assert again["status"] == "withdrawn"
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert [e["action"] for e in doc["timeline"]] == ["delegate", "withdraw"]


@pytest.mark.gen_test
async def test_both_invitations_go_by_sms_and_the_partners_event_waits_without_docking(ctx, clock, blobs, staff, sms):
    from services.notify.sender import NotificationSender

    serial, _ = await delegate(ctx, blobs)
    await confirm_on_roster(ctx, MEDIATOR.login)
    await delegations.accept(ctx, ADMIN, serial, MEDIATOR.login)
    sender = NotificationSender(ctx, None, None, sms=sms)  # no partner delivery attached
    await sender.run_once()
    sent = {m.mobile: m.params for m in sms.messages("SMS_DELEGATED_INVITE")}
    assert set(sent) == {"+8613812340001", "+8613912340002"}
    assert all(p["court"] == "上海市浦东新区人民法院" and p["link"].startswith("http") for p in sent.values())
    doc = await ctx.db["cases"].find_one({"_id": serial})
    [event] = [n for n in doc["notifications"] if n["kind"] == "partner_event"]
    assert event["state"] == "pending" and event["last_error"]  # waits: never failed for want of a partner


@pytest.mark.gen_test
async def test_the_same_delegation_twice_at_once_is_one_case_and_one_set_of_documents(ctx, clock, blobs):
    import asyncio

    body = delegation_body(pdf_size=20_000)
    results = await asyncio.gather(*(delegations.create(ctx, blobs, court(ctx), body) for _ in range(3)))
    assert len({r[0]["serial"] for r in results}) == 1 and sorted(r[1] for r in results) == [False, False, True]
    assert await ctx.db["cases"].count_documents({}) == 1
    doc = await ctx.db["cases"].find_one({})
    assert await ctx.db["files"].count_documents({}) == len(doc["docking"]["documents"]) == 1  # the losers' went


@pytest.mark.gen_test(timeout=8)
async def test_twins_of_a_refused_delegation_are_both_refused_at_once_and_keep_nothing(ctx, clock, blobs):
    import asyncio

    body = delegation_body(region_code="110101")
    results = await asyncio.gather(
        *(delegations.create(ctx, blobs, court(ctx), body) for _ in range(2)), return_exceptions=True
    )
    assert all(isinstance(r, ValidationFailed) for r in results)  # the waiting twin did not wait its 10 s
    assert await ctx.db[delegations.DELEGATIONS].count_documents({}) == 0
    fixed = body | {"region_code": "310115"}  # the corrected body under the same number is welcome
    assert (await delegations.create(ctx, blobs, court(ctx), fixed))[1] is True


@pytest.mark.gen_test
async def test_the_delegation_gives_the_representatives_title_and_the_workers_occupation(ctx, clock, blobs):
    """调解仲裁法 art. 28 (一): the documents print the worker's 职业 and the legal representative's 职务 (issue 21
    item 9); a delegation without them leaves them unset (documents print 不详)."""
    parties = delegation_body()["parties"]
    parties[0]["occupation"] = "仓库管理员"
    parties[1]["legal_representative_title"] = "执行董事"
    serial, _ = await delegate(ctx, blobs, parties=parties)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["applicant"]["job_title"] == "仓库管理员"
    assert doc["respondent"]["legal_representative_title"] == "执行董事"
    serial, _ = await delegate(ctx, blobs)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert "job_title" not in doc["applicant"] and "legal_representative_title" not in doc["respondent"]
