"""Repeats are harmless (issue 25, item 4): assigning the mediator already in charge records and sends nothing."""

from __future__ import annotations

import pytest
from tornado.gen import multi

from services.court import assignment
from tests.support.app import make_staff
from tests.support.cases import ADMIN, MEDIATOR, accepted_case


async def _assigned(ctx, serial: str) -> tuple[list[str], list[str]]:
    doc = await ctx.db["cases"].find_one({"_id": serial}, {"timeline": 1, "notifications": 1})
    events = [e["action"] for e in doc["timeline"] if e["action"] == "assign"]
    sent = [n["kind"] for n in doc["notifications"] if n["kind"] == "assigned"]
    return events, sent


@pytest.mark.gen_test
async def test_the_same_mediator_again_records_and_sends_nothing(ctx):
    await make_staff(ctx, MEDIATOR.login, "mediator", "sh-city", MEDIATOR.name)
    await make_staff(ctx, "wang.fang", "mediator", "sh-city", "王芳")
    serial, _ = await accepted_case(ctx)
    await assignment.assign(ctx, ADMIN, serial, MEDIATOR.login)
    again = await assignment.assign(ctx, ADMIN, serial, MEDIATOR.login)
    assert again["mediator"]["login"] == MEDIATOR.login
    assert await _assigned(ctx, serial) == (["assign"], ["assigned"])
    # Two clicks at once: the update's own condition lets one through.
    await assignment.assign(ctx, ADMIN, serial, "wang.fang")
    await multi([assignment.assign(ctx, ADMIN, serial, MEDIATOR.login) for _ in range(2)])
    assert await _assigned(ctx, serial) == (["assign"] * 3, ["assigned"] * 3)
