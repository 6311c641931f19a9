"""The collective-dispute warning's check of each application: exact rolling window, distinct workers, links made
once, races harmless, and its cost bounded by a few commands on the employer's tally, never a read of its cases.

(The alert's life in the back office, the contract and layoff rules and the message are in
tests/services/stats/test_files_and_alerts.py; the browser journey in tests/handlers/office/test_admin_browser.py.)
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from bson import BSON

from services.accounts import rosters
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember, create_staff
from services.cases import collective
from services.directory.employers import employer_key
from services.intake.submission import submit_application
from services.stats import counters
from store.guard import GuardedDatabase, guard
from tests.support.app import STAFF_PASSWORD
from tests.support.queries import assert_database_commands
from tests.support.samples import employer_body, make_uscc, worker_body
from tests.support.store import engine

CITY_ADMIN = StaffMember("city.admin", "市管理员", CENTRE_ADMIN, "sh-city")
ROOT = StaffMember("root", "系统管理员", SYSTEM_ADMIN, "sh-city")
WAGES = "支付2026年8月至10月工资12000元"  # the "pay" category (data/claim_words.yaml)
PAY_OPEN = f"collective:pay:{employer_key(worker_body()['respondent'])}:open"
KEYS = itertools.count()  # a fresh idempotency key for each application: a worker may file twice


async def apply(ctx: Any, worker: int, requests: str = WAGES, body: dict[str, Any] | None = None) -> str:
    """Worker number `worker` (one person each) applies against the sample's employer; the serial."""
    body = body or worker_body()
    body["evidence"] = []
    body["claim"]["requests"] = requests
    case, _ = await submit_application(ctx, f"worker-{worker:03d}", f"key-collective-{next(KEYS):05d}", body, "mp")
    return case["serial"]


async def pay_alert(ctx: Any) -> dict[str, Any]:
    """The wage claims' alert as the back office lists it (its cases with it)."""
    return {a["id"]: a for a in await collective.alerts_for(ctx, ROOT)}[PAY_OPEN]


async def links(ctx: Any) -> dict[str, list[str]]:
    """Each case's collective_linked events (the alerts they name), by serial."""
    cases = await ctx.db["cases"].find({}, {"timeline": 1}).to_list(None)
    return {c["_id"]: [e["data"]["alert"] for e in c["timeline"] if e["action"] == "collective_linked"] for c in cases}


class Recording:
    """The engine under `ctx.db` seen through: the (collection, method) of every call made on it; with `pause`,
    every awaited call lets the other tasks run before and after it, as a driver waiting on the network does (the
    embedded engine never does), so concurrent submissions interleave at each command. `watch` puts it under the
    context's database (the guard over it as before); `ctx.db = recording.guarded` takes it away."""

    guarded: GuardedDatabase  # the context's database before `watch`

    def __init__(self, db: Any, pause: bool = False) -> None:
        self.db, self.pause = db, pause
        self.calls: list[tuple[str, str]] = []
        self.name = db.name

    def __getitem__(self, name: str) -> Any:
        return _Collection(self.db[name], name, self)

    get_collection = __getitem__

    @classmethod
    def watch(cls, ctx: Any, pause: bool = False) -> Recording:
        recording = cls(engine(ctx), pause)
        recording.guarded, ctx.db = ctx.db, guard(recording)
        return recording


class _Collection:
    def __init__(self, collection: Any, name: str, recording: Recording) -> None:
        self.collection, self.name, self.recording = collection, name, recording

    def __getattr__(self, method: str) -> Any:
        self.recording.calls.append((self.name, method))
        call = getattr(self.collection, method)
        if not self.recording.pause or not asyncio.iscoroutinefunction(call):
            return call

        async def paused(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0)
            result = await call(*args, **kwargs)
            await asyncio.sleep(0)
            return result

        return paused


@pytest.mark.gen_test
async def test_with_an_open_alert_a_submission_costs_a_few_commands_and_reads_no_case(ctx, db_commands):
    first = await apply(ctx, 0)
    # Below the threshold: issue 2's three, the statistics counters and the tally (the check's only command); the
    # nationalities' count (lists offer them by how often chosen) costs nothing for Chinese parties, always first.
    with assert_database_commands(db_commands, 5):
        await apply(ctx, 1)
    for worker in range(2, 20):
        await apply(ctx, worker)
    alert = await pay_alert(ctx)
    assert alert["workers"] == 20 and len(alert["serials"]) == 20 and first in alert["serials"]

    size = len(BSON.encode(await ctx.db["alerts"].find_one({"_id": PAY_OPEN})))

    recording = Recording.watch(ctx)
    # The submission's four, then the check's: the tally, the alert, its new member,
    # the new case's link (the counters change no figure for a case not accepted yet) and its pending entry removed
    # from the tally.
    with assert_database_commands(db_commands, 9):
        serial = await apply(ctx, 20)
    ctx.db = recording.guarded
    check = recording.calls[recording.calls.index(("cases", "insert_one")) + 1 :]
    assert [c for c in check if c[0] == "cases"] == [("cases", "find_one_and_update")]  # the link: no read
    assert {
        ("collective_tallies", "find_one_and_update"),
        ("alerts", "update_one"),
        ("alert_cases", "bulk_write"),
    } <= set(check)
    alert = await pay_alert(ctx)
    assert alert["workers"] == 21 and serial in alert["serials"] and len(alert["serials"]) == 21
    assert len(BSON.encode(await ctx.db["alerts"].find_one({"_id": PAY_OPEN}))) == size  # it does not grow
    assert (await links(ctx))[serial] == [PAY_OPEN]
    # What the next submission reads stays small: the workers of the window, and no case pending.
    tally = await ctx.db["collective_tallies"].find_one({"_id": alert["employer_key"]})
    [day] = tally["pay"].values()
    assert len(day["w"]) == 21 and day.get("p") == {}


@pytest.mark.gen_test
async def test_the_window_is_rolling_to_the_second_and_a_worker_counts_once(ctx, clock):
    old = await apply(ctx, 0)  # worker 0, a month and a second before the tenth application below
    clock.advance(days=10)
    eight = [await apply(ctx, worker) for worker in range(1, 9)]
    again = await apply(ctx, 1)  # worker 1 files twice: still 9 workers
    clock.advance(days=20, seconds=1)  # worker 0's first application is out of the window by one second
    ninth = await apply(ctx, 9)
    assert await ctx.db["alerts"].count_documents({}) == 0  # workers 1-9 only
    tenth = await apply(ctx, 0)  # worker 0 again, inside the window: ten workers
    alert = await pay_alert(ctx)
    window = {*eight, again, ninth, tenth}
    assert alert["workers"] == 10 and set(alert["serials"]) == window
    linked = await links(ctx)
    assert all(linked[s] == [PAY_OPEN] for s in window) and linked[old] == []


@pytest.mark.gen_test
async def test_cases_filed_below_the_threshold_join_when_it_is_reached_again(ctx, clock):
    first = [await apply(ctx, worker) for worker in range(10)]
    clock.advance(days=61)  # the first ten are two windows back: their days leave the tally
    below = [await apply(ctx, worker) for worker in range(10, 19)]
    linked = await links(ctx)
    assert all(linked[s] == [PAY_OPEN] for s in first) and all(linked[s] == [] for s in below)
    last = await apply(ctx, 19)
    alert = await pay_alert(ctx)
    assert alert["workers"] == 10 and set(alert["serials"]) == {*first, *below, last}
    linked = await links(ctx)
    assert all(linked[s] == [PAY_OPEN] for s in [*below, last])
    tally = await ctx.db["collective_tallies"].find_one({"_id": alert["employer_key"]})
    assert list(tally["pay"]) == [collective._day(clock())]  # the days two windows back are gone


@pytest.mark.gen_test
async def test_concurrent_applications_raise_one_alert_link_each_case_once_and_message_once(ctx, cheap_hashing):
    await create_staff(ctx, None, "city.admin", "市管理员", CENTRE_ADMIN, "sh-city", STAFF_PASSWORD, "13800000001")
    await rosters.save_profile(ctx, CITY_ADMIN, "city.admin", {"alerts_opt_in": "1"})
    contract = await apply(ctx, 0, WAGES + "，并履行工资集体协议")  # a collective contract: its own alert first
    recording = Recording.watch(ctx, pause=True)
    serials = await asyncio.gather(*(apply(ctx, worker) for worker in range(1, 16)))
    ctx.db = recording.guarded
    pay = await pay_alert(ctx)
    assert pay["workers"] == 16 and set(pay["serials"]) == {contract, *serials}
    linked = await links(ctx)
    assert linked[contract] == [f"collective_contract:contract:{pay['employer_key']}:open"]  # linked once, first
    assert all(linked[s] == [PAY_OPEN] for s in serials)  # one event each
    messages = await ctx.db["staff_messages"].find({"alert": PAY_OPEN}).to_list(None)
    assert len(messages) == 1
    assert (await counters.recount(ctx))["differing"] == []
    tally = await ctx.db["collective_tallies"].find_one({"_id": pay["employer_key"]})
    assert all(not day.get("p") for day in tally["pay"].values())  # every pending entry went with its link


@pytest.mark.gen_test
async def test_applications_stored_together_are_checked_together(ctx, cheap_hashing):
    """With an alert open, applications against the employer filed at the same time share the check's commands (the
    tally, the alert, its members, the pending entries removed); each case still has its own link."""
    for worker in range(12):
        await apply(ctx, worker)
    recording = Recording.watch(ctx)
    serials = await asyncio.gather(*(apply(ctx, worker) for worker in range(12, 20)))
    ctx.db = recording.guarded
    check = [c for c in recording.calls if c[0] in ("collective_tallies", "alerts", "alert_cases")]
    assert sorted(check) == [
        ("alert_cases", "bulk_write"),
        ("alerts", "update_one"),
        ("collective_tallies", "find_one_and_update"),
        ("collective_tallies", "update_one"),
    ]
    assert recording.calls.count(("cases", "find_one_and_update")) == 8  # the links, one each
    alert = await pay_alert(ctx)
    assert alert["workers"] == 20 and set(serials) <= set(alert["serials"]) and len(alert["serials"]) == 20
    linked = await links(ctx)
    assert all(linked[s] == [PAY_OPEN] for s in serials)
    tally = await ctx.db["collective_tallies"].find_one({"_id": alert["employer_key"]})
    assert all(not day.get("p") for day in tally["pay"].values())
    assert (await counters.recount(ctx))["differing"] == []


@pytest.mark.gen_test
async def test_applications_checked_together_raise_the_alert_as_one_at_a_time_would(ctx, cheap_hashing):
    """Eight applications before, four together: the tenth worker's raises the alert (its centre, its serial),
    takes the pending ones with it and the two after it join, as four checks one after the other would."""
    earlier = [await apply(ctx, worker) for worker in range(8)]
    together = await asyncio.gather(*(apply(ctx, worker) for worker in range(8, 12)))
    alert = await ctx.db["alerts"].find_one({"_id": PAY_OPEN})
    assert alert["raised_by"] == together[1] and alert["workers"] == 12  # the tenth worker, the most counted
    listed = await pay_alert(ctx)
    assert set(listed["serials"]) == {*earlier, *together}
    linked = await links(ctx)
    assert all(linked[s] == [PAY_OPEN] for s in [*earlier, *together])


@pytest.mark.gen_test
async def test_a_fault_in_one_cases_check_fails_that_case_alone(ctx, cheap_hashing, monkeypatch):
    """Checked together, a case whose own alert (a collective contract) cannot be written, or whose link fails, is
    answered with the fault; the others are counted and linked, and a case whose link failed stays pending until
    the next case at the threshold links it."""
    raise_alert, link = collective._raise, collective.moves.record_event
    failing = {"contract": True, "worker": ""}

    async def alert_down(ctx: Any, doc: Any, kind: str, *args: Any) -> str:
        if kind == "collective_contract" and failing["contract"]:
            raise ConnectionError("the alerts are down")
        return await raise_alert(ctx, doc, kind, *args)

    async def link_down(ctx: Any, serial: str, *args: Any, **kwargs: Any) -> Any:
        case = await ctx.db["cases"].find_one({"_id": serial}, {"owner_person_id": 1})
        if case["owner_person_id"] == failing["worker"]:
            raise ConnectionError("the case is out of reach")
        return await link(ctx, serial, *args, **kwargs)

    monkeypatch.setattr(collective, "_raise", alert_down)
    monkeypatch.setattr(collective.moves, "record_event", link_down)
    contract = WAGES + "，并履行工资集体协议"
    outcomes = await asyncio.gather(apply(ctx, 0, contract), apply(ctx, 1), apply(ctx, 2), return_exceptions=True)
    assert isinstance(outcomes[0], ConnectionError) and all(isinstance(o, str) for o in outcomes[1:])
    tally = await ctx.db["collective_tallies"].find_one({"_id": employer_key(worker_body()["respondent"])})
    assert sum(len(day["w"]) for day in tally["pay"].values()) == 3  # every worker counted, the failed one too
    failing["contract"] = False
    for worker in range(3, 9):
        await apply(ctx, worker)
    failing["worker"] = "worker-009"
    tenth, eleventh = await asyncio.gather(apply(ctx, 9), apply(ctx, 10), return_exceptions=True)
    assert isinstance(tenth, ConnectionError) and isinstance(eleventh, str)
    failed = (await ctx.db["cases"].find_one({"owner_person_id": "worker-009"}, {"_id": 1}))["_id"]
    linked = await links(ctx)
    assert linked[failed] == [] and all(linked[s] == [PAY_OPEN] for s in [*outcomes[1:], eleventh])
    failing["worker"] = ""
    twelfth = await apply(ctx, 11)  # the next at the threshold takes the case whose link failed
    linked = await links(ctx)
    assert linked[twelfth] == [PAY_OPEN] and linked[failed] == [PAY_OPEN]
    assert (await counters.recount(ctx))["differing"] == []


@pytest.mark.gen_test
async def test_employers_applications_and_other_employers_count_for_nothing(ctx):
    for worker in range(9):
        await apply(ctx, worker)
    other = worker_body()
    other["respondent"] |= {"name": "上海另一家物流有限公司", "uscc": make_uscc("91310115MA1K4XYW0")}
    await apply(ctx, 100, body=other)  # a tenth worker, against another employer
    for n in range(3):  # the employer applies, against its workers: not a worker's claim
        body = employer_body()
        body["applicant"] |= {k: worker_body()["respondent"][k] for k in ("name", "uscc")}  # the same employer
        await apply(ctx, 200 + n, WAGES, body)
    assert await ctx.db["alerts"].count_documents({}) == 0
    await apply(ctx, 9)
    assert await ctx.db["alerts"].count_documents({}) == 1
