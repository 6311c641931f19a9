"""A party's correction request (services/cases/corrections.py): reaches the centre handling the case, is answered in
its timeline by a due date the party is shown, is flagged in the queue when close; refused for anyone not a party."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.accounts.staff import StaffMember
from services.cases import corrections, queue
from services.core.deadlines import shanghai_date, working_days_deadline
from services.core.errors import ServiceError
from services.core.work_calendar import load_work_calendar
from tests.support.cases import MEDIATOR, new_case

PUDONG = StaffMember("pd.staff", "浦东", "centre_admin", "sh-pudong")


def _body(serial: str, **changes: str) -> dict[str, str]:
    return {"serial": serial, "field": "address", "value": "上海市浦东新区张江路200号", "reason": "搬家了"} | changes


@pytest.mark.gen_test
async def test_a_request_is_an_event_with_its_due_day_and_the_mediator_corrects_the_case(ctx, clock):
    serial, person = await new_case(ctx)
    asked = await corrections.request(ctx, person, _body(serial), "h5")
    calendar = (await load_work_calendar(ctx)).for_centre("sh-city")
    due = working_days_deadline(clock(), corrections.CORRECTION_WORKING_DAYS, calendar).due
    assert asked["due"] == due.isoformat() and asked["state"] == "open" and asked["serial"] == serial
    case = await ctx.db["cases"].find_one({"_id": serial})
    assert case["timeline"][-1]["action"] == "correction_requested"
    assert due.isoformat() in case["timeline"][-1]["note"]
    # In the queue: flagged once the due day is near.
    row = next(r for r in (await queue.queue(ctx, MEDIATOR, queue.parse_filter({})))["items"] if r["serial"] == serial)
    assert row["correction"] == {"due": due.isoformat(), "open": 1, "due_soon": False, "overdue": False}
    clock.advance(days=(due - shanghai_date(clock())).days - 1)
    row = next(r for r in (await queue.queue(ctx, MEDIATOR, queue.parse_filter({})))["items"] if r["serial"] == serial)
    assert row["correction"]["due_soon"] is True
    # The mediator corrects it: the party's address in the case is the requested one, in the timeline.
    answered = await corrections.answer(ctx, MEDIATOR, serial, asked["id"], {"decision": "corrected", "note": "已改"})
    assert answered["state"] == "corrected"
    case = await ctx.db["cases"].find_one({"_id": serial})
    assert case["applicant"]["address"] == "上海市浦东新区张江路200号"
    assert case["timeline"][-1]["action"] == "correction_answered" and "已改" in case["timeline"][-1]["note"]
    row = next(r for r in (await queue.queue(ctx, MEDIATOR, queue.parse_filter({})))["items"] if r["serial"] == serial)
    assert row["correction"] is None  # answered: no longer flagged
    with pytest.raises(ServiceError) as twice:
        await corrections.answer(ctx, MEDIATOR, serial, asked["id"], {"decision": "refused", "note": "x"})
    assert twice.value.status == 409 and twice.value.code == "correction_answered"


@pytest.mark.gen_test
async def test_a_phone_is_checked_sealed_and_moved_into_the_party_and_a_refusal_needs_its_reason(ctx, clock):
    serial, person = await new_case(ctx)
    asked = await corrections.request(ctx, person, _body(serial, field="phone", value="139 1234 0000"), "mp")
    stored = (await ctx.db["cases"].find_one({"_id": serial}))["corrections"][0]["value"]
    assert stored["masked"] == "139****0000" and "13912340000" not in repr(stored)  # sealed, never in clear
    with pytest.raises(ServiceError) as no_reason:
        await corrections.answer(ctx, MEDIATOR, serial, asked["id"], {"decision": "refused", "note": ""})
    assert no_reason.value.status == 422 and no_reason.value.field == "note"
    await corrections.answer(ctx, MEDIATOR, serial, asked["id"], {"decision": "corrected"})
    case = await ctx.db["cases"].find_one({"_id": serial})
    assert ctx.cipher.decrypt(case["applicant"]["phone"], "applicant.phone") == "+8613912340000"


@pytest.mark.gen_test
async def test_bad_requests_change_nothing(ctx, clock):
    serial, person = await new_case(ctx)
    other_serial, _ = await new_case(ctx)
    before = await ctx.db["cases"].find_one({"_id": other_serial})
    refusals = [
        (person, _body(other_serial), 404, "case_not_found"),  # a case the person is no party to
        ("stranger", _body(serial), 404, "case_not_found"),
        (person, _body(serial, field="id_number"), 422, "not_allowed"),  # not correctable by a request
        (person, _body(serial, field="contact_name"), 422, "not_allowed"),  # an organisation's field, not theirs
        (person, _body(serial, value=""), 422, "required"),
        (person, _body(serial, field="phone", value="12345"), 422, "invalid"),
        (person, _body("2026112200017X"), 422, "invalid"),
    ]
    for who, body, status, code in refusals:
        with pytest.raises(ServiceError) as refused:
            await corrections.request(ctx, who, body, "h5")
        assert (refused.value.status, refused.value.code) == (status, code), body
    assert await ctx.db["cases"].find_one({"_id": other_serial}) == before
    assert "corrections" not in await ctx.db["cases"].find_one({"_id": serial})
    asked = await corrections.request(ctx, person, _body(serial), "h5")
    with pytest.raises(ServiceError) as elsewhere:  # staff of another centre find no case
        await corrections.answer(ctx, PUDONG, serial, asked["id"], {"decision": "corrected"})
    assert elsewhere.value.status == 404


def test_the_period_ends_within_thirty_days_every_day_of_the_year():
    """15 working days (our choice) end within GB/T 35273-2020 § 8.7's thirty days, the Spring Festival included."""
    from services.core.work_calendar import WorkCalendar

    calendar = WorkCalendar()
    start = date(2026, 1, 1)
    longest = max(
        (
            working_days_deadline(start + timedelta(days=n), corrections.CORRECTION_WORKING_DAYS, calendar).due
            - (start + timedelta(days=n))
        ).days
        for n in range(365)
    )
    assert longest <= 30
