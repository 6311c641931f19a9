"""The statistics counters, kept through the case writer's hook, equal a recount after a random history of moves."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from pymongo.errors import ConnectionFailure

from services.accounts.persons import person_for_identity
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember
from services.cases import (
    clarification,
    handling,
    moves,
    performance,
    respondent,
    signing,
    transfer,
    workflow,
)
from services.cases.deadline_watch import notify_overdue
from services.cases.taxonomy import Taxonomies
from services.core.deadlines import mediation_deadline
from services.core.errors import ServiceError
from services.core.work_calendar import load_work_calendar
from services.court import assignment
from services.intake.submission import submit_application
from services.stats import counters
from tests.support.app import OA_APP_ID, make_staff
from tests.support.cases import Clock
from tests.support.parties import claim_invitation, due_in, signature_body, signature_data_url, upload_seal
from tests.support.queries import assert_database_commands
from tests.support.samples import employer_body, ended_on, with_street, worker_body

CAUSES = ["05-01", "05-04", "07-01", "04-02", "03-01", "11-01"]
SIGNATURE = signature_data_url()


async def new_case(ctx: Any, rng: random.Random, n: int) -> tuple[str, str]:
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, f"o-{n}")
    body = ended_on(worker_body() if rng.random() < 0.8 else employer_body())  # the clock starts in January
    body["evidence"] = []
    body["claim"]["amount"] = str(rng.choice([0, 3000, 12000, 56000]))
    if body["kind"] == "worker" and rng.random() < 0.5:
        with_street(body["respondent"], rng.choice(["浦东新区张江镇", "黄浦区", "科苑路"]))
    channel = rng.choice(["mp", "h5", "portal"])
    case, _ = await submit_application(ctx, person, f"key-count-{n:05d}", body, channel)
    return case["serial"], person


@dataclass
class Parties:
    """What the history needs beyond the staff: blobs and SMS for signatures, the respondents who proved."""

    staff: dict[str, StaffMember]
    blobs: Any
    sms: Any
    respondents: dict[str, str] = field(default_factory=dict)  # serial -> the respondent's person

    async def respondent(self, ctx: Any, serial: str) -> str:
        if serial not in self.respondents:
            self.respondents[serial] = await claim_invitation(ctx, self.sms, serial)
        return self.respondents[serial]

    def mediator(self, doc: dict[str, Any]) -> StaffMember:
        """Who signs for the mediator: the case's own, or (none assigned) the system administrator."""
        login = (doc.get("mediator") or {}).get("login")
        return next((m for m in self.staff.values() if m.login == login), self.staff["root"])


async def signing_step(ctx: Any, rng: random.Random, parties: Parties, doc: dict[str, Any], person: str) -> None:
    """A step of a case being signed: a missing signature (the last settles), a refusal, or a revised draft."""
    serial, version = doc["_id"], doc["agreement"]["version"]
    missing = [
        r
        for r in ("applicant", "respondent", "mediator")
        if r not in {s["role"] for s in doc["agreement"]["signatures"]}
    ]
    role, choice = rng.choice(missing), rng.random()
    if role == "mediator":
        member = parties.mediator(doc)
        signer = signing.Signer("mediator", member.login, f"office:{member.login}", member)
    else:
        who = person if role == "applicant" else await parties.respondent(ctx, serial)
        signer = signing.Signer("", who, f"h5:{who}")
    if choice < 0.8:
        await signing.sign(ctx, parties.blobs, signer, serial, signature_body(version), "h5")
    elif choice < 0.9:  # 法释〔2021〕23号 art. 25 (7): the case fails, closure reason refused_to_sign
        await signing.refuse(ctx, signer, serial, {"version": version, "reason": "金额不同意"}, "h5")
    else:
        await handling.decide(ctx, parties.staff["root"], serial, "revise_agreement", {})


async def random_step(
    ctx: Any, rng: random.Random, taxonomies: Taxonomies, parties: Parties, serial: str, person: str
) -> None:
    staff = parties.staff
    admin = staff["root"]
    doc = await ctx.db["cases"].find_one(
        {"_id": serial},
        {
            "status": 1,
            "clarified": 1,
            "centre": 1,
            "mediator": 1,
            "agreement": 1,
            "respondent_access": 1,
            "created_at": 1,
            "mediation_extended_to": 1,
            "session": 1,
        },
    )
    status = doc["status"]
    choice = rng.random()
    if status == "signing" and choice < 0.7:
        await signing_step(ctx, rng, parties, doc, person)
    elif choice < 0.12:
        mediator = "mediator.pd" if doc["centre"]["id"] == "sh-pudong" else "mediator.city"
        await assignment.assign(ctx, admin, serial, mediator)
    elif choice < 0.25 and status in ("submitted", "clarified"):
        items = [{"cause_code": rng.choice(CAUSES), "text": "支付工资", "amount": "1000"}]
        await clarification.push_clarified(ctx, taxonomies, admin, serial, items)
    elif choice < 0.33 and status == "clarifying":
        version = doc["clarified"]["version"]
        answer = (
            {"decision": "confirm", "version": version}
            if rng.random() < 0.7
            else {"decision": "change", "version": version, "comment": "金额不对"}
        )
        await clarification.answer_clarified(ctx, person, serial, answer, "h5")
    elif choice < 0.45 and status in ("submitted", "clarified"):
        await handling.decide(
            ctx, admin, serial, rng.choice(["accept", "accept", "accept", "decline"]), {"reason": "不属于受理范围"}
        )
    elif choice < 0.5 and (doc.get("respondent_access") or {}).get("invited_at"):  # the respondent answers, once
        decision = rng.choice(["agree", "decline", "propose"])
        body = (
            {"decision": decision, "proposal": "愿意支付一半", "amount": "6000"}
            if decision == "propose"
            else {"decision": decision}
        )
        await respondent.answer(ctx, await parties.respondent(ctx, serial), serial, body, "h5")
    elif choice < 0.55 and status in ("accepted", "scheduled"):
        at = (ctx.clock() + timedelta(days=2)).astimezone(UTC).replace(tzinfo=None).isoformat(timespec="minutes")
        await handling.decide(ctx, admin, serial, "schedule", {"at": at + "+00:00", "place": "调解室"})
    elif choice < 0.58 and status == "scheduled":
        if doc["session"]["at"] <= ctx.clock():  # a session opens on its day
            await handling.decide(ctx, admin, serial, "open_session", {})
    elif choice < 0.7 and status in ("accepted", "scheduled", "mediating"):  # the draft to sign (settles at the last)
        terms = [
            {
                "text": "支付工资",
                "amount": rng.choice(["0", "500.00", "12000.00", "60000.00"]),
                "due_date": due_in(ctx, rng.choice([3, 20, 60])),
                "method": "转账",
                "category": "wages",
            }
        ]
        form = {"copies": "3", "without_session": "电话调解，双方达成一致"}  # reached without a session (if none)
        await handling.decide(ctx, parties.mediator(doc), serial, "draft_agreement", form, terms)
    elif choice < 0.76 and status in ("accepted", "scheduled", "mediating"):
        reason = rng.choice([r for r in workflow.CLOSURE_REASONS if r != "refused_to_sign"])
        await handling.decide(ctx, admin, serial, "fail", {"closure_reason": reason, "reason": "双方分歧过大"})
    elif choice < 0.79 and status not in workflow.CLOSED:  # day 15: both parties consent to go on
        calendar = (await load_work_calendar(ctx)).for_centre(doc["centre"]["id"])
        current = doc.get("mediation_extended_to") or mediation_deadline(doc["created_at"], calendar).due.isoformat()
        until = (date.fromisoformat(current) + timedelta(days=rng.choice([5, 20]))).isoformat()
        await handling.extend(ctx, admin, serial, {"until": until, "consent": "双方电话同意"})
    elif choice < 0.82 and status == "settled":
        reporter = person if rng.random() < 0.7 else await parties.respondent(ctx, serial)
        await performance.report(ctx, reporter, serial, {"term": 1, "performed": rng.random() < 0.6}, "h5")
    elif choice < 0.86 and status not in workflow.CLOSED:
        await handling.withdraw(ctx, person, serial, "已协商", "h5")
    elif choice < 0.94 and status not in workflow.CLOSED:
        target = "sh-pudong" if doc["centre"]["id"] == "sh-city" else "sh-city"
        await transfer.transfer(ctx, admin, serial, target, "管辖调整")
    else:
        await moves.record_event(
            ctx, serial, "collective_linked", ("system", "collective"), "system", status, data={"alert": "test"}
        )


async def recounted_equal(ctx: Any) -> dict:
    report = await counters.recount(ctx)
    if report["differing"]:  # say which fields: the first bucket's recount and stored counts
        docs = await ctx.db["cases"].find({}).to_list(None)
        recount = counters.total(docs).get(report["differing"][0], Counter())
        stored = await ctx.db[counters.STATS].find_one({"_id": report["differing"][0]})
        print("DIFF", report["differing"][0], dict(recount), counters.stored_fields(stored or {}))
    assert report["differing"] == [], f"counters differ from the recount in {report['differing'][:5]}"
    return report


@pytest.mark.gen_test(timeout=180)
async def test_counters_equal_a_recount_after_a_random_history_of_moves(ctx, cheap_hashing, blobs, sms):
    rng = random.Random(20261201)
    clock = Clock.on(ctx, datetime(2026, 1, 5, 2, 0, tzinfo=UTC))
    staff = {
        "root": await make_staff(ctx, "root", SYSTEM_ADMIN),
        "city": await make_staff(ctx, "mediator.city"),
        "pd": await make_staff(ctx, "mediator.pd", centre_id="sh-pudong"),
        "pd.admin": await make_staff(ctx, "admin.pd", CENTRE_ADMIN, "sh-pudong"),
    }
    for centre in ("sh-city", "sh-pudong"):  # agreements take effect under the centre's seal
        await upload_seal(ctx, blobs, staff["root"], centre)
    parties = Parties(staff, blobs, sms)
    taxonomies = Taxonomies.load(ctx.settings.centres)
    cases: list[tuple[str, str]] = []
    refused = 0
    for step in range(1500):
        clock.advance(hours=rng.choice([1, 3, 10, 30]))  # the history spans many months
        if not cases or rng.random() < 0.1:
            cases.append(await new_case(ctx, rng, len(cases)))
            continue
        serial, person = rng.choice(cases)
        try:
            await random_step(ctx, rng, taxonomies, parties, serial, person)
        except ServiceError:
            refused += 1  # a move the table does not allow from here: nothing written, nothing counted
        if step % 300 == 299:
            await notify_overdue(ctx)  # the deadline watch writes through the case writer too
            await recounted_equal(ctx)
    report = await recounted_equal(ctx)
    assert report["case_count"] == len(cases) > 50
    totals = counters.stored_fields({"f": {}})
    for doc in await ctx.db[counters.STATS].find({"dim": "all"}).to_list(None):
        totals.update(counters.stored_fields(doc))
    # The history went everywhere the counters look: every kind of close, transfers, overdue, collective, the
    # closure reasons (a refusal to sign among them), amounts agreed in signed agreements.
    for field_name in (
        "received",
        "accepted",
        "closed",
        "closed_as.settled",
        "closed_as.failed",
        "overdue",
        "accepted_collective",
        "ended.rejected",
        "agreed_fen",
        "claimed_fen",
        "closed_reason.refused_to_sign",
    ):
        assert totals[field_name] > 0, field_name
    assert len([f for f in totals if f.startswith("closed_reason.") and totals[f] > 0]) >= 3  # the mediator's too
    assert totals["received"] == len(cases)
    assert sum(n for f, n in totals.items() if f.startswith("closed_reason.")) == totals["closed_as.failed"]
    actions = Counter(e["action"] for d in await ctx.db["cases"].find({}).to_list(None) for e in d["timeline"])
    for action in (
        "transfer",
        "sign",
        "settle",
        "revise_agreement",
        "respondent_answer",
        "extend",
        "performance_report",
    ):
        assert actions[action] > 0, action
    assert refused < 1500


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
    with assert_database_commands(db_commands, 2):  # the case's update, and one bulk of counter upserts
        await moves.apply_move(ctx, serial, "accept", ("staff", "x"), "backoffice")
    at = ctx.clock() + timedelta(days=1)
    with assert_database_commands(db_commands, 1):  # scheduling changes no figure: no command for the counters
        await moves.apply_move(
            ctx, serial, "schedule", ("staff", "x"), "backoffice", set_fields={"session": {"at": at}}
        )


@pytest.mark.gen_test
async def test_writes_at_the_same_time_share_one_bulk_of_counters_and_its_fault(ctx, cheap_hashing, db_commands):
    """Applications filed together have their counters summed into one bulk (a group commit), each answered once
    its counts are in; a bulk that fails fails each of them, as their own bulks would."""
    rng = random.Random(3)
    sent: list[str] = []
    db_commands.watching = sent
    try:
        filed = await asyncio.gather(*(new_case(ctx, rng, n) for n in range(12)))
    finally:
        db_commands.watching = None
    assert [c for c in sent if c.endswith(counters.STATS)] == [f"bulk_write {counters.STATS}"], sent
    assert len({serial for serial, _ in filed}) == 12
    await recounted_equal(ctx)
    stats = ctx.db[counters.STATS]
    with mock.patch.object(stats, "bulk_write", side_effect=ConnectionFailure("the database is down")):
        outcomes = await asyncio.gather(*(new_case(ctx, rng, n) for n in range(12, 15)), return_exceptions=True)
    assert [type(o) for o in outcomes] == [ConnectionFailure] * 3
    await counters.recount(ctx, repair=True)  # what the failed bulk left out, as after a crash between the writes
    await recounted_equal(ctx)


_ACTIONS = [*counters.COUNTED_ACTIONS, "collective_linked", "submit", "invite", "document", "accept", "settle", "fail"]
_STATUSES = ["submitted", "accepted", "in_mediation", "settled", "failed", "withdrawn", "returned", "declined"]


def test_an_event_said_to_change_no_count_changes_none():
    """counters.unchanged_by_last against the rules themselves: on random timelines (actions and statuses in any
    order, transfers and assignments with their data), whenever it says the last event changes nothing, the
    contributions with and without it are equal; and it says so for most events that change nothing."""
    rng = random.Random(24)
    start = datetime(2026, 3, 1, 2, tzinfo=UTC)
    said, unchanged = 0, 0
    for _ in range(3000):
        timeline = []
        for n in range(rng.randint(1, 8)):
            action = rng.choice(_ACTIONS)
            data = {"from": "sh-city", "to": "sh-pudong"} if action == "transfer" else {"mediator": f"m{n % 2}"}
            at = start + timedelta(days=rng.randint(0, 90) * (n + 1))
            timeline.append({"at": at, "action": action, "status": rng.choice(_STATUSES), "data": data})
        doc = {
            "kind": rng.choice(["worker", "employer"]),
            "channel": "mp",
            "created_at": start,
            "region_codes": ["31", "3101"],
            "centre": {"id": "sh-city"},
            "claim": {"amount_fen": 1_200_000},
            "respondent": {"industry": "G"},
            "clarifications": [{"items": [{"cause_level1_code": "05", "cause_code": "05-01"}]}] * 3,
            "outcome": {"closure_reason": "refused", "agreement": {"terms": [{"amount": "100.00"}]}},
            "timeline": timeline,
        }
        n = len(timeline)
        really = n >= 2 and not counters.difference(counters.contributions(doc, n), counters.contributions(doc, n - 1))
        if counters.unchanged_by_last(timeline):
            said += 1
            assert really, timeline
        unchanged += really
    assert said > 0.7 * unchanged > 300  # it is no shortcut if it seldom says so (here 78 %)
