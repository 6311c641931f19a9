"""Judicial confirmation and arbitral review applied for jointly online (within 30 / 15 days), the decision back to
the parties; the special-invite roster proposed, sent, decided, and its refusal counts."""

from __future__ import annotations

import pytest

from platforms.court import Answer, PartnerUnavailable
from services.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.court import confirmations, roster
from services.court.delegations import decline
from tests.support.cases import MEDIATOR as CITY_MEDIATOR
from tests.support.cases import accepted_case
from tests.support.court import ADMIN, ARBITRATION, COURT, MEDIATOR, accepted, delegation_body, delegations_settle
from tests.support.parties import upload_seal


def partner(ctx, partner_id=COURT):
    return ctx.settings.docking.partner(partner_id)


async def settled(ctx, blobs, sms):
    serial, applicant, respondent_person = await accepted(ctx, blobs, sms)
    await upload_seal(ctx, blobs, ADMIN, "sh-pudong")
    await delegations_settle(ctx, blobs, sms, serial, applicant)
    return serial, applicant, respondent_person


@pytest.mark.gen_test
async def test_both_parties_apply_and_the_court_decides(ctx, clock, blobs, sms, staff):
    serial, applicant, respondent_person = await settled(ctx, blobs, sms)
    first = await confirmations.apply(ctx, applicant, serial, "judicial_confirmation", "h5")
    assert first["applied"] == ["applicant"]
    doc = await ctx.db["cases"].find_one({"_id": serial})
    asked = [n for n in doc["notifications"] if n["kind"] == "joint_application"]
    assert [n["to"]["type"] for n in asked] == ["respondent"]  # the other party is asked to join
    await confirmations.apply(ctx, respondent_person, serial, "judicial_confirmation", "h5")
    doc = await ctx.db["cases"].find_one({"_id": serial})
    record = doc["confirmations"]["judicial_confirmation"]
    assert record["state"] == "sent" and record["partner_id"] == COURT
    [sent] = [
        n
        for n in doc["notifications"]
        if n["to"]["type"] == "partner" and n["to"]["endpoint"] == "judicial-confirmations"
    ]
    assert sent["event"]["id"] == record["id"] and sent["event"]["court"] == "上海市浦东新区人民法院"
    with pytest.raises(Conflict):
        await confirmations.apply(ctx, applicant, serial, "judicial_confirmation", "h5")
    with pytest.raises(NotFound):  # another partner cannot rule on it
        await confirmations.decide(ctx, partner(ctx, ARBITRATION), record["id"], {"decision": "confirmed"})
    with pytest.raises(ValidationFailed) as no_reason:
        await confirmations.decide(ctx, partner(ctx), record["id"], {"decision": "rejected"})
    assert no_reason.value.errors[0].field == "reason"
    ruling = {"decision": "confirmed", "ruling_no": "(2027)沪0115民特12号", "decided_at": "2027-01-05T10:00:00+08:00"}
    decided = await confirmations.decide(ctx, partner(ctx), record["id"], ruling)
    assert decided["state"] == "confirmed" and decided["ruling_no"] == "(2027)沪0115民特12号"
    assert await confirmations.decide(ctx, partner(ctx), record["id"], ruling) == decided  # the same ruling again
    with pytest.raises(Conflict):
        await confirmations.decide(ctx, partner(ctx), record["id"], {"decision": "rejected", "reason": "x"})
    doc = await ctx.db["cases"].find_one({"_id": serial})
    told = {n["to"]["type"] for n in doc["notifications"] if n["kind"] == "court_decision"}
    assert told == {"applicant", "respondent"}


@pytest.mark.gen_test
async def test_an_application_after_thirty_days_is_refused_with_the_reason(ctx, clock, blobs, sms, staff):
    serial, applicant, _ = await settled(ctx, blobs, sms)
    clock.advance(days=45)
    with pytest.raises(Conflict) as late:
        await confirmations.apply(ctx, applicant, serial, "judicial_confirmation", "h5")
    assert late.value.code == "judicial_confirmation_too_late"
    assert "三十" in late.value.message or "30" in late.value.message
    assert "民事诉讼法第二百零五条" in late.value.message
    with pytest.raises(Conflict) as review_late:  # 15 days for arbitral review
        await confirmations.apply(ctx, applicant, serial, "arbitral_review", "h5")
    assert "第七十四条" in review_late.value.message


@pytest.mark.gen_test
async def test_any_settled_case_applies_where_its_court_docks_and_on_paper_elsewhere(
    ctx, clock, blobs, sms, staff, sealed
):
    from tests.support.parties import settle_by_signing

    serial, applicant = await accepted_case(ctx)  # the city centre: its court (黄浦) is not a partner
    await settle_by_signing(ctx, blobs, sms, CITY_MEDIATOR, serial, applicant)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert await confirmations.target(ctx, doc, "judicial_confirmation") is None
    with pytest.raises(Conflict) as paper:
        await confirmations.apply(ctx, applicant, serial, "judicial_confirmation", "h5")
    assert paper.value.code == "judicial_confirmation_not_docked"
    pudong = doc | {"centre": {"id": "sh-pudong", "name": "浦东"}}  # a case of the Pudong centre goes to its court
    assert (await confirmations.target(ctx, pudong, "judicial_confirmation")).id == COURT


@pytest.mark.gen_test
async def test_the_roster_is_proposed_sent_with_back_off_and_decided(ctx, clock, staff):
    with pytest.raises(Forbidden):
        await roster.propose(ctx, MEDIATOR, {"partner_id": COURT, "subject": "centre"})
    with pytest.raises(ValidationFailed) as bad:
        await roster.propose(ctx, ADMIN, {"partner_id": "nobody", "subject": "someone"})
    assert {e.field for e in bad.value.errors} == {"partner_id", "subject"}
    centre = await roster.propose(ctx, ADMIN, {"partner_id": COURT, "subject": "centre", "expertise": "欠薪、工伤"})
    person = await roster.propose(
        ctx,
        ADMIN,
        {"partner_id": COURT, "subject": "mediator", "login": MEDIATOR.login, "training": "2026年特邀调解员培训"},
    )
    assert person["fields"]["inviting_court"] == "上海市浦东新区人民法院" and person["fields"]["type"] == "mediator"
    with pytest.raises(Conflict):
        await roster.propose(ctx, ADMIN, {"partner_id": COURT, "subject": "centre"})

    class Down:
        async def post(self, url, key, body):
            raise PartnerUnavailable("ConnectionError")

    class Up:
        def __init__(self):
            self.bodies = []

        async def post(self, url, key, body):
            self.bodies.append((url, body))
            return Answer(200, {})

    assert await roster.send_due(ctx, Down()) == 0
    entry = await ctx.db[roster.ROSTER].find_one({"_id": centre["entry_id"]})
    assert entry["state"] == "queued" and entry["attempts"] == 1 and entry["next_attempt_at"] > clock()
    clock.advance(minutes=11)
    up = Up()
    assert await roster.send_due(ctx, up) == 2
    [(url, body)] = up.bodies
    assert url.endswith("/docking/roster") and {e["entry_id"] for e in body["entries"]} == {
        centre["entry_id"],
        person["entry_id"],
    }
    assert await roster.send_due(ctx, up) == 0  # never sent twice
    decided = await roster.decide(
        ctx, partner(ctx), person["entry_id"], {"decision": "confirmed", "decided_at": "2026-12-02T10:00:00+08:00"}
    )
    assert decided["state"] == "confirmed"
    assert await roster.confirmed_mediators(ctx, COURT, "sh-pudong") == {MEDIATOR.login}
    with pytest.raises(Conflict):  # a confirmed entry can only be removed
        await roster.decide(ctx, partner(ctx), person["entry_id"], {"decision": "rejected"})
    removed = await roster.decide(ctx, partner(ctx), person["entry_id"], {"decision": "removed", "reason": "调离"})
    assert removed["state"] == "removed" and await roster.confirmed_mediators(ctx, COURT, "sh-pudong") == set()
    with pytest.raises(NotFound):
        await roster.decide(ctx, partner(ctx, ARBITRATION), centre["entry_id"], {"decision": "confirmed"})


@pytest.mark.gen_test
async def test_refusals_of_a_partners_delegations_are_counted_beside_its_entries(ctx, clock, blobs, staff):
    from services.court import delegations

    await roster.propose(ctx, ADMIN, {"partner_id": COURT, "subject": "centre"})
    for _ in range(2):
        receipt, _ = await delegations.create(ctx, blobs, partner(ctx), delegation_body())
        await decline(ctx, ADMIN, receipt["serial"], "unable", "")
    page = await roster.listing(ctx, ADMIN)
    assert [e["refusals"] for e in page["entries"]] == [2]
    assert {p["id"] for p in page["partners"]} == {COURT, ARBITRATION}


@pytest.mark.gen_test
async def test_an_arbitration_institute_delegates_and_reviews_the_agreement(ctx, clock, blobs, sms, staff):
    from services.court import delegations
    from tests.support.court import claim, confirm_on_roster, delegations_settle

    institute = partner(ctx, ARBITRATION)
    with pytest.raises(ValidationFailed):  # an institute delegates as 委派调解 (`arbitration`), not as a court
        await delegations.create(ctx, blobs, institute, delegation_body())
    receipt, _ = await delegations.create(ctx, blobs, institute, delegation_body(type="arbitration"))
    serial = receipt["serial"]
    await confirm_on_roster(ctx, MEDIATOR.login, partner_id=ARBITRATION)
    doc = await delegations.accept(ctx, ADMIN, serial, MEDIATOR.login)
    assert doc["docking"]["partner_kind"] == "arbitration"
    assert {n["lines"].get("court") for n in doc["notifications"] if n["kind"] == "delegated_invite"} == {
        "上海市浦东新区劳动人事争议仲裁委员会"[:20]
    }
    applicant = await claim(ctx, sms, serial, "applicant")
    respondent_person = await claim(ctx, sms, serial, "respondent")
    await upload_seal(ctx, blobs, ADMIN, "sh-pudong")
    await delegations_settle(ctx, blobs, sms, serial, applicant)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert (await confirmations.target(ctx, doc, "arbitral_review")).id == ARBITRATION  # the institute reviews
    assert (await confirmations.target(ctx, doc, "judicial_confirmation")).id == COURT  # the court where we sit
    await confirmations.apply(ctx, applicant, serial, "arbitral_review", "h5")
    await confirmations.apply(ctx, respondent_person, serial, "arbitral_review", "h5")
    doc = await ctx.db["cases"].find_one({"_id": serial})
    [sent] = [
        n
        for n in doc["notifications"]
        if n["to"]["type"] == "partner" and n["to"]["endpoint"] == "judicial-confirmations"
    ]
    assert sent["to"]["partner_id"] == ARBITRATION and sent["event"]["type"] == "arbitral_review"
    record = doc["confirmations"]["arbitral_review"]
    ruling = {"decision": "confirmed", "ruling_no": "浦劳人仲审1号"}
    decided = await confirmations.decide(ctx, institute, record["id"], ruling)
    assert decided["type"] == "arbitral_review" and decided["state"] == "confirmed"
