"""Performance follow-up: the day after a due date the parties are asked; a breach opens the four routes, each
with its deadline and document; windows that closed are shown closed; reports on an unsettled case refused."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import docx
import pytest

from services.cases import documents, performance, signing
from services.cases.deadline_watch import watch_once
from services.core.errors import Conflict, ValidationFailed
from services.core.work_calendar import WorkCalendar
from tests.support.cases import MEDIATOR, accepted_case
from tests.support.parties import claim_invitation, draft, signature_body

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 1 December 2026, 10:00 in Shanghai
DUE = "2026-12-10"


async def settled(ctx, sms, blobs, category: str = "wages") -> tuple[str, str, str]:
    serial, applicant = await accepted_case(ctx)
    respondent_person = await claim_invitation(ctx, sms, serial)
    await draft(ctx, MEDIATOR, serial, DUE, category)
    for signer in (
        signing.Signer("", applicant, "h5"),
        signing.Signer("", respondent_person, "h5"),
        signing.Signer("mediator", MEDIATOR.login, "office", MEDIATOR),
    ):
        await signing.sign(ctx, blobs, signer, serial, signature_body(), "h5")
    return serial, applicant, respondent_person


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


@pytest.mark.gen_test
async def test_the_parties_are_asked_the_day_after_the_due_date_once(ctx, clock, sms, blobs, sealed):
    clock.now = START
    serial, applicant, _ = await settled(ctx, sms, blobs)
    clock.now = at(DUE, 23)
    assert (await watch_once(ctx))["performance_asked"] == 0  # the due day is still in time
    clock.now = at("2026-12-11", 9)
    assert (await watch_once(ctx))["performance_asked"] == 1
    assert (await watch_once(ctx))["performance_asked"] == 0
    doc = await ctx.db["cases"].find_one({"_id": serial})
    asked = [n for n in doc["notifications"] if n["kind"] == "performance_check"]
    assert {n["to"]["type"] for n in asked} == {"applicant", "respondent"}
    assert asked[0]["lines"]["due_date"] == DUE and doc["performance"][0]["asked_at"] == clock.now


@pytest.mark.gen_test
async def test_a_breach_opens_the_four_routes_and_the_payment_order_is_one_tap_away(
    ctx, clock, sms, blobs, sealed, papers
):
    clock.now = START
    serial, applicant, respondent_person = await settled(ctx, sms, blobs)
    with pytest.raises(Conflict) as early:  # not performed before the due date has passed: not yet a breach
        await performance.report(ctx, applicant, serial, {"term": 1, "performed": False}, "h5")
    assert early.value.code == "not_due_yet"
    clock.now = at("2026-12-11")
    with pytest.raises(ValidationFailed) as bad_term:
        await performance.report(ctx, applicant, serial, {"term": 2, "performed": False}, "h5")
    assert bad_term.value.errors[0].field == "term"
    with pytest.raises(ValidationFailed):  # a respondent reports performance; a breach is the applicant's to say
        await performance.report(ctx, respondent_person, serial, {"term": 1, "performed": False}, "mp")
    await performance.report(ctx, respondent_person, serial, {"term": 1, "performed": True, "note": "已转账"}, "mp")
    with pytest.raises(Conflict):  # no payment order before a breach
        await documents.issue_for_party(ctx, papers, applicant, serial, "payment_order", "h5")
    items = await performance.report(ctx, applicant, serial, {"term": "1", "performed": "no", "note": "未到账"}, "h5")
    assert items[0]["state"] == "breached" and [r["by"] for r in items[0]["reports"]] == ["respondent", "applicant"]
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["status"] == "settled"  # a breach changes no status: it opens the routes
    [told] = [n for n in doc["notifications"] if n["kind"] == "breach"]
    assert told["to"]["type"] == "applicant" and told["link"].endswith("#routes")
    routes = {r.code: r for r in performance.routes(doc, date(2026, 12, 11), WorkCalendar())}
    assert all(r.available and r.open for r in routes.values())
    assert routes["judicial_confirmation"].due == date(2026, 12, 31)  # 30 days after the agreement took effect
    assert routes["arbitral_review"].due == date(2026, 12, 16)  # 15 days (办案规则 art. 74)
    assert routes["arbitration"].due == date(2027, 12, 10)  # one year from the day after the due date
    # 调解仲裁法 art. 16 and 民事诉讼法 arts. 225-228 set no period: the payment order's basis names instead the day to
    # apply for arbitration should the employer object and the order lapse; no three-year civil limitation is offered.
    assert routes["payment_order"].due is None and routes["payment_order"].arbitrate_by == date(2027, 12, 10)
    basis = routes["payment_order"].as_dict()["basis"]
    assert "2027-12-10" in basis and "第一百八十八条" not in basis and "三年" not in basis
    issued = await documents.issue_for_party(ctx, papers, applicant, serial, "payment_order", "h5")
    file = await documents.document_for_party(ctx, blobs, applicant, serial, issued.id)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(file.data)).paragraphs)
    assert "请求人民法院向被申请人发出支付令" in text and "壹万贰仟元整" in text and "第十六条" in text
    arbitration = await documents.issue_for_party(ctx, papers, applicant, serial, "arbitration", "h5")
    assert arbitration.kind == "arbitration"


@pytest.mark.gen_test
async def test_windows_that_closed_are_shown_closed(ctx, clock, sms, blobs, sealed):
    clock.now = START
    serial, _, _ = await settled(ctx, sms, blobs, category="other")
    doc = await ctx.db["cases"].find_one({"_id": serial})
    later = {r.code: r for r in performance.routes(doc, date(2027, 1, 20), WorkCalendar())}
    assert not later["judicial_confirmation"].open and not later["arbitral_review"].open
    assert not later["arbitration"].available and not later["payment_order"].available  # no breach
    views = {r["code"]: r for r in (await performance.routes_for(ctx, doc))}
    assert views["judicial_confirmation"]["open"] is True  # today (the test clock) it is still open


@pytest.mark.gen_test
async def test_a_payment_order_only_for_pay_injury_costs_compensation_or_damages(
    ctx, clock, sms, blobs, sealed, papers
):
    clock.now = START
    serial, applicant, _ = await settled(ctx, sms, blobs, category="other")
    clock.now = at("2026-12-11")
    await performance.report(ctx, applicant, serial, {"term": 1, "performed": False}, "h5")
    doc = await ctx.db["cases"].find_one({"_id": serial})
    routes = {r.code: r for r in performance.routes(doc, date(2026, 12, 11), WorkCalendar())}
    assert routes["arbitration"].open and not routes["payment_order"].available
    with pytest.raises(Conflict):
        await documents.issue_for_party(ctx, papers, applicant, serial, "payment_order", "h5")


@pytest.mark.gen_test
async def test_a_report_on_a_case_not_settled_is_refused(ctx, clock, sms):
    serial, applicant = await accepted_case(ctx)
    with pytest.raises(Conflict) as refused:
        await performance.report(ctx, applicant, serial, {"term": 1, "performed": True}, "h5")
    assert refused.value.code == "not_settled" and "尚未达成生效的调解协议" in refused.value.message


@pytest.mark.parametrize("performed", [[True], {"yes": True}, None, 1, "perhaps"])
def test_a_report_that_is_no_yes_or_no_is_refused_on_its_field(performed):
    with pytest.raises(ValidationFailed) as refused:
        performance.parse_report({"term": 1, "performed": performed}, 1)
    assert [e.field for e in refused.value.errors] == ["performed"]
    assert performance.parse_report({"term": 1, "performed": "yes"}, 1) == (0, True, "")
