"""What a careless or hostile partner sends is refused whole, with nothing kept and the number free again: an unknown
party role, a time at the calendar's edge, thousands of parties, a number with a tab; a fault while writing leaves
no document without a case; a refused event waits for the partner instead of being dropped; a court's withdrawal
reaches both invited parties; the court's contact phone is checked and kept sealed."""

from __future__ import annotations

import pytest

from platforms.court import Answer
from services.cases import outbox as case_outbox
from services.core.errors import NotFound, ValidationFailed
from services.court import confirmations, delegations, roster
from services.court.outbox import PartnerOutbox
from settings import Partner
from tests.support.court import ADMIN, COURT, MEDIATOR, claim, confirm_on_roster, delegation_body


def court(ctx) -> Partner:
    return ctx.settings.docking.partner(COURT)


async def nothing_kept(ctx) -> bool:
    counts = [await ctx.db[name].count_documents({}) for name in ("cases", "files", delegations.DELEGATIONS)]
    return counts == [0, 0, 0]


@pytest.mark.gen_test
@pytest.mark.parametrize("role", ["claimant", "defendant", ["applicant"]])
async def test_an_unknown_party_role_is_a_field_error_and_the_number_stays_free(ctx, clock, blobs, role):
    body = delegation_body(case_no="R-30")
    body["parties"][0]["role"] = role
    with pytest.raises(ValidationFailed) as refused:
        await delegations.create(ctx, blobs, court(ctx), body)
    assert ("parties[0].role", "not_allowed") in {(e.field, e.code) for e in refused.value.errors}
    assert await nothing_kept(ctx)
    receipt, created = await delegations.create(ctx, blobs, court(ctx), delegation_body(case_no="R-30"))
    assert created and receipt["status"] == "delegated"


@pytest.mark.gen_test
@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "1999-12-31T23:59:59+08:00",
        "2099-01-01T00:00:00+08:00",
    ],
)
async def test_a_time_out_of_range_is_a_field_error_never_a_crash(ctx, clock, blobs, moment):
    body = delegation_body(case_no="R-31", pdf_size=3000, delegated_at=moment)
    with pytest.raises(ValidationFailed) as refused:
        await delegations.create(ctx, blobs, court(ctx), body)
    assert [(e.field, e.code) for e in refused.value.errors] == [("delegated_at", "invalid")]
    assert await nothing_kept(ctx)
    entry = await roster.propose(ctx, ADMIN, {"partner_id": COURT, "subject": "centre"})
    with pytest.raises(ValidationFailed) as roster_refused:
        await roster.decide(ctx, court(ctx), entry["entry_id"], {"decision": "confirmed", "decided_at": moment})
    assert [e.field for e in roster_refused.value.errors] == ["decided_at"]
    with pytest.raises(ValidationFailed):
        confirmations._parse_decision({"decision": "confirmed", "decided_at": moment}, clock())


@pytest.mark.gen_test
async def test_a_fault_while_writing_keeps_no_document_and_lets_the_number_go(ctx, clock, blobs, monkeypatch):
    from services.cases import moves

    async def store_down(*args, **kwargs):
        raise ConnectionError("the store went away")

    monkeypatch.setattr(moves, "create", store_down)
    with pytest.raises(ConnectionError):
        await delegations.create(ctx, blobs, court(ctx), delegation_body(case_no="R-32", pdf_size=4000))
    assert await nothing_kept(ctx)
    monkeypatch.undo()
    corrected = delegation_body(case_no="R-32", pdf_size=5000)  # another body: welcome, the number was let go
    assert (await delegations.create(ctx, blobs, court(ctx), corrected))[1] is True


@pytest.mark.gen_test
async def test_thousands_of_parties_are_refused_before_they_are_read(ctx, clock, blobs):
    body = delegation_body(parties=[{}] * 100_000)
    with pytest.raises(ValidationFailed) as refused:
        await delegations.create(ctx, blobs, court(ctx), body)
    assert [(e.field, e.code) for e in refused.value.errors if e.field.startswith("parties")] == [
        ("parties", "too_many")
    ]
    assert "10" in refused.value.errors[0].message or any("10" in e.message for e in refused.value.errors)


@pytest.mark.gen_test
async def test_the_number_a_post_kept_is_the_number_get_and_withdraw_find(ctx, clock, blobs):
    given = "(2026)沪0115\t民诉前调78号"
    receipt, _ = await delegations.create(ctx, blobs, court(ctx), delegation_body(case_no=given))
    assert (await delegations.state(ctx, court(ctx), given))["serial"] == receipt["serial"]
    assert (await delegations.state(ctx, court(ctx), "(2026)沪0115 民诉前调78号"))["serial"] == receipt["serial"]
    with pytest.raises(NotFound):
        await delegations.state(ctx, court(ctx), "(2026)沪0115民诉前调78号")


@pytest.mark.gen_test
async def test_a_court_withdrawing_an_accepted_case_tells_both_invited_parties(ctx, clock, blobs, staff, sms):
    receipt, _ = await delegations.create(ctx, blobs, court(ctx), body := delegation_body())
    await confirm_on_roster(ctx, MEDIATOR.login)
    await delegations.accept(ctx, ADMIN, receipt["serial"], MEDIATOR.login)
    await claim(ctx, sms, receipt["serial"], "respondent")
    await delegations.withdraw(ctx, court(ctx), body["partner_case_no"], {"reason": "已撤诉"})
    doc = await ctx.db["cases"].find_one({"_id": receipt["serial"]})
    told = {n["to"]["type"] for n in doc["notifications"] if n["kind"] == "withdraw"}
    assert told == {"applicant", "respondent"}
    assert set(case_outbox.KINDS["withdraw"].audience) == {"applicant", "respondent"}


@pytest.mark.gen_test
async def test_the_courts_contact_phone_is_checked_and_kept_sealed(ctx, clock, blobs):
    bad = delegation_body(contact={"name": "立案庭", "phone": "call me"})
    with pytest.raises(ValidationFailed) as refused:
        await delegations.create(ctx, blobs, court(ctx), bad)
    assert [e.field for e in refused.value.errors] == ["contact.phone"]
    receipt, _ = await delegations.create(
        ctx, blobs, court(ctx), delegation_body(contact={"name": "立案庭", "phone": "021-50000000"})
    )
    doc = await ctx.db["cases"].find_one({"_id": receipt["serial"]})
    sealed = doc["docking"]["contact"]["phone"]
    assert "ct" in sealed and b"50000000" not in bytes(sealed["ct"])
    assert delegations.contact_view(ctx, doc["docking"]) == {"name": "立案庭", "phone": "+862150000000"}


@pytest.mark.gen_test
async def test_an_event_the_partner_refuses_waits_for_it_and_is_never_dropped(ctx, clock, blobs, staff):
    class Refusing:
        def __init__(self, status: int) -> None:
            self.status = status

        async def post(self, url, key, body):
            return Answer(self.status, {"code": "bad_signature"})

    receipt, _ = await delegations.create(ctx, blobs, court(ctx), delegation_body())
    await confirm_on_roster(ctx, MEDIATOR.login)
    doc = await delegations.accept(ctx, ADMIN, receipt["serial"], MEDIATOR.login)
    event = next(n for n in doc["notifications"] if n["kind"] == "partner_event")
    for status in (401, 403, 404, 409, 400):
        outcome = await PartnerOutbox(ctx, Refusing(status), None).deliver(receipt["serial"], event)
        assert outcome.state == case_outbox.PENDING and outcome.error, status
