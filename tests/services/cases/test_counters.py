"""The statistics counters kept by the case writer equal a recount from the cases, after a random history."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.accounts.persons import person_for_identity
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN
from services.cases import clarification, counters, handling, moves, transfer
from services.cases.deadline_watch import notify_overdue
from services.cases.taxonomy import Taxonomies
from services.core.errors import ServiceError
from services.intake.submission import submit_application
from tests.conftest import OA_APP_ID, make_staff
from tests.samples import employer_body, worker_body

CAUSES = ["05-01", "05-04", "07-01", "04-02", "03-01", "11-01"]


class Clock:
    def __init__(self, ctx: Any, start: datetime) -> None:
        self.now = start
        ctx.clock = lambda: self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def new_case(ctx: Any, rng: random.Random, n: int) -> tuple[str, str]:
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, f"o-{n}")
    body = worker_body() if rng.random() < 0.8 else employer_body()
    body["evidence"] = []
    body["claim"]["amount"] = str(rng.choice([0, 3000, 12000, 56000]))
    if body["kind"] == "worker" and rng.random() < 0.5:
        body["respondent"]["street"] = rng.choice(["浦东新区张江镇", "黄浦区", "科苑路"])
    channel = rng.choice(["mp", "h5", "portal"])
    case, _ = await submit_application(ctx, person, f"key-count-{n:05d}", body, channel)
    return case["serial"], person


async def random_step(ctx: Any, rng: random.Random, taxonomies: Taxonomies, staff: dict, serial: str, person: str):
    admin = staff["root"]
    doc = await ctx.db["cases"].find_one({"_id": serial}, {"status": 1, "clarified": 1, "centre": 1})
    status = doc["status"]
    choice = rng.random()
    if choice < 0.15:
        mediator = "mediator.pd" if doc["centre"]["id"] == "sh-pudong" else "mediator.city"
        await handling.assign(ctx, admin, serial, mediator)
    elif choice < 0.3 and status in ("submitted", "clarified"):
        items = [{"cause_code": rng.choice(CAUSES), "text": "支付工资", "amount": "1000"}]
        await clarification.push_clarified(ctx, taxonomies, admin, serial, items)
    elif choice < 0.38 and status == "clarifying":
        version = doc["clarified"]["version"]
        answer = {"decision": "confirm", "version": version} if rng.random() < 0.7 else {
            "decision": "change", "version": version, "comment": "金额不对"}  # fmt: skip
        await clarification.answer_clarified(ctx, person, serial, answer, "h5")
    elif choice < 0.5 and status in ("submitted", "clarified"):
        await handling.decide(ctx, admin, serial, rng.choice(["accept", "accept", "accept", "decline"]),
                              {"reason": "不属于受理范围"})  # fmt: skip
    elif choice < 0.58 and status in ("accepted", "scheduled"):
        at = (ctx.clock() + timedelta(days=2)).astimezone(UTC).replace(tzinfo=None).isoformat(timespec="minutes")
        await handling.decide(ctx, admin, serial, "schedule", {"at": at + "+00:00", "place": "调解室"})
    elif choice < 0.62 and status == "scheduled":
        await handling.decide(ctx, admin, serial, "open_session", {})
    elif choice < 0.75 and status in ("accepted", "scheduled", "mediating"):
        terms = [{"text": "支付工资", "amount": rng.choice(["0", "500.00", "12000.00", "60000.00"]), "due_date": "",
                  "method": "转账"}]  # fmt: skip
        await handling.decide(ctx, admin, serial, "settle", {"copies": "3"}, terms)
    elif choice < 0.82 and status in ("accepted", "scheduled", "mediating"):
        await handling.decide(ctx, admin, serial, "fail", {"reason": "双方分歧过大"})
    elif choice < 0.86 and status not in ("settled", "failed", "rejected", "withdrawn"):
        await handling.withdraw(ctx, person, serial, "已协商", "h5")
    elif choice < 0.94 and status not in ("settled", "failed", "rejected", "withdrawn"):
        target = "sh-pudong" if doc["centre"]["id"] == "sh-city" else "sh-city"
        await transfer.transfer(ctx, admin, serial, target, "管辖调整")
    else:
        await moves.record_event(ctx, serial, "collective_linked", ("system", "collective"), "system", status,
                                 data={"alert": "test"})  # fmt: skip


async def recounted_equal(ctx: Any) -> dict:
    report = await counters.recount(ctx)
    if report["differing"]:  # say which fields: the first bucket's recount and stored counts
        docs = await ctx.db["cases"].find({}).to_list(None)
        recount = counters.total(docs).get(report["differing"][0], Counter())
        stored = await ctx.db[counters.STATS].find_one({"_id": report["differing"][0]})
        print("DIFF", report["differing"][0], dict(recount), counters.stored_fields(stored or {}))
    assert report["differing"] == [], f"counters differ from the recount in {report['differing'][:5]}"
    return report


@pytest.mark.gen_test(timeout=120)
async def test_counters_equal_a_recount_after_a_random_history_of_moves(ctx, cheap_hashing):
    rng = random.Random(20261201)
    clock = Clock(ctx, datetime(2026, 1, 5, 2, 0, tzinfo=UTC))
    staff = {
        "root": await make_staff(ctx, "root", SYSTEM_ADMIN),
        "city": await make_staff(ctx, "mediator.city"),
        "pd": await make_staff(ctx, "mediator.pd", centre_id="sh-pudong"),
        "pd.admin": await make_staff(ctx, "admin.pd", CENTRE_ADMIN, "sh-pudong"),
    }
    taxonomies = Taxonomies.load(ctx.settings.centres)
    cases: list[tuple[str, str]] = []
    refused = 0
    for step in range(500):
        clock.advance(hours=rng.choice([1, 5, 20, 60]))  # the history spans several months
        if not cases or rng.random() < 0.2:
            cases.append(await new_case(ctx, rng, len(cases)))
            continue
        serial, person = rng.choice(cases)
        try:
            await random_step(ctx, rng, taxonomies, staff, serial, person)
        except ServiceError:
            refused += 1  # a move the table does not allow from here: nothing written, nothing counted
        if step % 100 == 99:
            await notify_overdue(ctx)  # the deadline watch writes through the case writer too
            await recounted_equal(ctx)
    report = await recounted_equal(ctx)
    assert report["case_count"] == len(cases) > 50
    totals = counters.stored_fields({"f": {}})
    for doc in await ctx.db[counters.STATS].find({"dim": "all"}).to_list(None):
        totals.update(counters.stored_fields(doc))
    # The history went everywhere the counters look: every kind of close, transfers, overdue, collective.
    for field in ("received", "accepted", "closed", "closed_as.settled", "closed_as.failed", "overdue",
                  "accepted_collective", "ended.rejected", "agreed_fen", "claimed_fen"):  # fmt: skip
        assert totals[field] > 0, field
    assert totals["received"] == len(cases)
    transfers = [e for d in await ctx.db["cases"].find({}).to_list(None) for e in d["timeline"]
                 if e["action"] == "transfer"]  # fmt: skip
    assert transfers and refused < 500


@pytest.mark.gen_test
async def test_the_recount_finds_a_counter_that_drifted_and_repairs_it(ctx, cheap_hashing):
    serial, _ = await new_case(ctx, random.Random(1), 0)
    await recounted_equal(ctx)
    bucket = (await ctx.db[counters.STATS].find({"dim": "all"}).to_list(None))[0]["_id"]
    await ctx.db[counters.STATS].update_one({"_id": bucket}, {"$inc": {"f.received": 5}})  # a crash between writes
    drifted = await counters.recount(ctx)
    assert drifted["differing"] == [bucket]
    await counters.recount(ctx, repair=True)
    await recounted_equal(ctx)


@pytest.mark.gen_test
async def test_a_move_keeps_the_counters_with_one_more_command(ctx, cheap_hashing, db_commands):
    serial, _ = await new_case(ctx, random.Random(2), 0)
    before = db_commands.count
    await moves.apply_move(ctx, serial, "accept", ("staff", "x"), "backoffice")
    assert db_commands.count - before == 2  # the case's update, and one bulk of counter upserts
    before = db_commands.count
    at = ctx.clock() + timedelta(days=1)
    await moves.apply_move(ctx, serial, "schedule", ("staff", "x"), "backoffice", set_fields={"session": {"at": at}})
    assert db_commands.count - before == 1  # scheduling changes no figure: no command for the counters
