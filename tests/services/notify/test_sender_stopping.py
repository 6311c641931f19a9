"""Issue 22: a sender asked to stop (SIGTERM) stops between two sends, and what it could not deliver is counted by
channel at /metrics."""

from __future__ import annotations

import uuid

import pytest

from services.accounts.persons import person_for_identity
from services.cases.moves import apply_move
from services.cases.outbox import applicant_notice
from services.intake.submission import submit_application
from services.notify.sender import CHANNEL_OA, DELIVERY_FAILURES, _Case
from tests.support.samples import worker_body
from tests.support.store import cases_for_setup


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"NOTIFICATION_SENDER": "off"}  # passes run when the test says so


async def case_with_notices(ctx, count: int) -> str:
    person = await person_for_identity(ctx, "wechat_oa", ctx.settings.wechat_app_id, "o-stopping", None)
    body = worker_body() | {"evidence": []}
    case, _ = await submit_application(ctx, person, f"key-{uuid.uuid4().hex[:12]}", body, "h5")
    serial = case["serial"]
    await cases_for_setup(ctx).update_one(
        {"_id": serial}, {"$set": {"notifications": []}, "$unset": {"outbox_due_at": ""}}
    )
    notices = [
        applicant_notice(person, "accept", f"/h5/cases/{serial}", ctx.clock(), [("serial", serial)])
        for _ in range(count)
    ]
    await apply_move(ctx, serial, "accept", ("staff", "m1"), "backoffice", notify=notices)
    return serial


@pytest.mark.gen_test
async def test_a_sender_asked_to_stop_stops_between_two_sends(app, wechat):
    ctx = app.settings["services"].ctx
    sender = app.settings["services"].notification_sender
    serial = await case_with_notices(ctx, 3)
    deliver = sender._deliver_safely

    async def then_stop(case, notification):
        outcome = await deliver(case, notification)
        sender._stopping = True  # SIGTERM arrives while the first message is on its way
        return outcome

    sender._deliver_safely = then_stop
    await sender.process_case(_Case.of(await ctx.db["cases"].find_one({"_id": serial})))
    states = [n["state"] for n in (await ctx.db["cases"].find_one({"_id": serial}))["notifications"]]
    assert len([m for m in wechat.state.sent if m["kind"] == "template"]) == 1
    assert states == ["sent", "claimed", "claimed"]  # the rest waits for its claim to lapse, then goes out


@pytest.mark.gen_test
async def test_deliveries_that_fail_are_counted_by_channel(app, wechat):
    ctx = app.settings["services"].ctx
    sender = app.settings["services"].notification_sender
    serial = await case_with_notices(ctx, 1)
    counted = DELIVERY_FAILURES.labels(CHANNEL_OA, "retry")
    before = counted._value.get()
    wechat.state.mode = "down"
    await sender.process_case(_Case.of(await ctx.db["cases"].find_one({"_id": serial})))
    assert counted._value.get() == before + 1
