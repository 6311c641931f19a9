"""The table of statuses and moves (docs/domain.md#statuses-and-moves), move by move, and the atomic conditional
update."""

from __future__ import annotations

import pytest
from tornado.gen import multi

from services.cases import workflow
from services.cases.moves import apply_move
from services.core.errors import Conflict, NotFound
from services.intake.submission import submit_application
from tests.support.samples import worker_body
from tests.support.store import cases_for_setup

ALL = list(workflow.STATUSES)
# The table, written out again independently of services/cases/workflow.py.
TABLE = {
    "push_clarified": ({"submitted", "clarified"}, "clarifying"),
    "confirm_clarified": ({"clarifying"}, "clarified"),
    "request_change": ({"clarifying"}, "submitted"),
    "accept": ({"submitted", "clarified"}, "accepted"),
    "decline": ({"submitted", "clarifying", "clarified"}, "rejected"),
    "schedule": ({"accepted", "scheduled"}, "scheduled"),
    "open_session": ({"scheduled"}, "mediating"),
    "draft_agreement": ({"accepted", "scheduled", "mediating"}, "signing"),
    "revise_agreement": ({"signing"}, "mediating"),
    "settle": ({"signing"}, "settled"),
    "fail": ({"accepted", "scheduled", "mediating", "signing"}, "failed"),
    "withdraw": (set(ALL) - {"returned", "rejected", "settled", "failed", "withdrawn"}, "withdrawn"),
    "accept_delegation": ({"delegated"}, "accepted"),
    "decline_delegation": ({"delegated"}, "returned"),
}


def test_status_strings_are_exactly_the_designed_ones():
    assert set(ALL) == {
        "submitted",
        "clarifying",
        "clarified",
        "accepted",
        "rejected",
        "scheduled",
        "mediating",
        "signing",
        "settled",
        "failed",
        "withdrawn",
        "delegated",
        "returned",
    }


@pytest.mark.parametrize("move", sorted(TABLE))
@pytest.mark.parametrize("status", ALL)
def test_each_move_from_each_status(move, status):
    sources, target = TABLE[move]
    assert workflow.move_allowed(move, status) == (status in sources)
    assert workflow.MOVES[move].target == target


def test_unknown_move_is_never_allowed():
    assert not workflow.move_allowed("reopen", "settled")


async def _case(ctx):
    body = worker_body()
    body["evidence"] = []
    case, _ = await submit_application(ctx, "person-1", "key-workflow-1", body, "mp")
    return case["serial"]


async def _force_status(ctx, serial, status):
    await cases_for_setup(ctx).update_one({"_id": serial}, {"$set": {"status": status}})


@pytest.mark.gen_test
@pytest.mark.parametrize("move", sorted(TABLE))
async def test_moves_through_the_store(ctx, move):
    serial = await _case(ctx)
    sources, target = TABLE[move]
    for status in ALL:
        await _force_status(ctx, serial, status)
        before = await ctx.db["cases"].find_one({"_id": serial})
        if status in sources:
            doc = await apply_move(ctx, serial, move, ("staff", "m1"), "backoffice", case=before)
            assert doc["status"] == target
            assert len(doc["timeline"]) == len(before["timeline"]) + 1
            event = doc["timeline"][-1]
            assert event["action"] == move and event["actor"] == {"type": "staff", "id": "m1"}
            assert event["channel"] == "backoffice" and event["at"].tzinfo is not None
        else:
            with pytest.raises(Conflict):
                await apply_move(ctx, serial, move, ("staff", "m1"), "backoffice", case=before)
            after = await ctx.db["cases"].find_one({"_id": serial})
            assert after == before  # nothing changed


@pytest.mark.gen_test
async def test_two_moves_at_once_only_one_wins(ctx):
    serial = await _case(ctx)
    results = await multi(
        [_attempt(ctx, serial, "accept"), _attempt(ctx, serial, "decline"), _attempt(ctx, serial, "accept")]
    )
    assert sorted(results) == ["conflict", "conflict", "ok"]
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert len(doc["timeline"]) == 2


async def _attempt(ctx, serial, move):
    try:
        await apply_move(ctx, serial, move, ("staff", "m1"), "backoffice", case={"_id": serial})
        return "ok"
    except Conflict:
        return "conflict"


@pytest.mark.gen_test
async def test_move_on_a_missing_case_or_of_another_owner(ctx):
    serial = await _case(ctx)
    with pytest.raises(NotFound):
        await apply_move(ctx, "20260101000019", "accept", ("staff", "m1"), "backoffice")
    with pytest.raises(NotFound):
        scope = {"owner_person_id": "someone-else"}
        await apply_move(
            ctx, serial, "withdraw", ("applicant", "someone-else"), "mp", case={"_id": serial}, scope=scope
        )
