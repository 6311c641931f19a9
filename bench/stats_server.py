"""The statistics bench's server: seeds N cases through the services, in its own process, then serves.

    python bench/stats_server.py --port N --cases 100000

The embedded engine lives in one process, so the cases are made where they are served: the same app as
app.py (make_app, start), the applications submitted with `submit_application` and moved by the back
office's services (clarify, confirm, accept, assign, transfer, draft the agreement, settle, fail with a
closure reason, withdraw) on a clock that walks through the past year, over a tree of centres (the city,
districts, townships). Then: a sample of moves with the database commands they took, and the recount
(its time and whether it agreed), and a few employers of the company file's index for the bench to look up. One
JSON line `READY {...}` on stdout says it is serving.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import make_app, start  # noqa: E402
from services.accounts import rosters  # noqa: E402
from services.accounts.persons import person_for_identity  # noqa: E402
from services.accounts.staff import SYSTEM_ADMIN, StaffMember, create_staff  # noqa: E402
from services.cases import clarification, handling, moves, signing, transfer, workflow  # noqa: E402
from services.cases.taxonomy import Taxonomies  # noqa: E402
from services.court import assignment  # noqa: E402
from services.intake.submission import submit_application  # noqa: E402
from services.stats import counters  # noqa: E402
from settings import load_settings  # noqa: E402
from store import CommandCounter  # noqa: E402
from tests.support.parties import due_in, seal_png  # noqa: E402
from tests.support.samples import ended_on, make_uscc, with_street, worker_body  # noqa: E402

ROOT_ADMIN = StaffMember("bench.admin", "系统管理员", SYSTEM_ADMIN, "sh-city")
DISTRICTS = [
    ("sh-minhang", "闵行区调解中心", "310112", ["310112101", "310112102", "310112103"]),
    ("sh-xuhui", "徐汇区调解中心", "310104", ["310104003", "310104004"]),
    ("sh-jingan", "静安区调解中心", "310106", ["310106013"]),
]
PLACES = [
    "上海市闵行区莘庄镇",
    "上海市闵行区七宝镇",
    "上海市闵行区颛桥镇",
    "上海市徐汇区",
    "上海市静安区",
    "上海市浦东新区张江镇",
    "上海市浦东新区川沙新镇",
    "上海市黄浦区",
    "科苑路88号",
]
CAUSES = ["05-01", "05-04", "07-01", "04-01", "04-02", "03-01", "06-01", "08-01"]
EMPLOYERS = 2000


async def centres_tree(ctx) -> dict[str, list[str]]:
    """Districts and townships below the city (the seed has the city and Pudong); mediators at each."""
    mediators: dict[str, list[str]] = {}
    for centre_id, name, code, towns in DISTRICTS:
        await rosters.create_centre(
            ctx,
            ROOT_ADMIN,
            {"id": centre_id, "name": name, "level": "district", "parent_id": "sh-city", "region_codes": code},
        )
        for town in towns:
            await rosters.create_centre(
                ctx,
                ROOT_ADMIN,
                {
                    "id": f"{centre_id}-{town[-3:]}",
                    "name": f"{name}{town}",
                    "level": "township",
                    "parent_id": centre_id,
                    "region_codes": town,
                },
            )
    for centre in ("sh-city", "sh-pudong", *(d[0] for d in DISTRICTS)):
        for n in range(3):
            login = f"m.{centre}.{n}"
            await create_staff(ctx, None, login, f"调解员{n}", "mediator", centre, "Bench-Mediator-2026!")
            mediators.setdefault(centre, []).append(login)
    return mediators


async def seed(ctx, blobs, taxonomies: Taxonomies, cases: int, seed_value: int = 15) -> dict[str, float]:
    rng = random.Random(seed_value)
    real_clock = ctx.clock
    now = [datetime.now(UTC) - timedelta(days=360)]
    ended = (now[0] - timedelta(days=10)).date().isoformat()  # each employment ended before its application
    ctx.clock = lambda: now[0]
    step = timedelta(days=350) / max(cases, 1)
    mediators = await centres_tree(ctx)
    await create_staff(ctx, None, ROOT_ADMIN.login, ROOT_ADMIN.name, SYSTEM_ADMIN, "sh-city", "Bench-Admin-2026!")
    for centre in ("sh-city", "sh-pudong", *mediators):  # an agreement takes effect under its centre's seal
        await signing.upload_seal(ctx, blobs, ROOT_ADMIN, centre, seal_png())
    for centre_id, _, _, towns in DISTRICTS:
        for town in towns:
            await signing.upload_seal(ctx, blobs, ROOT_ADMIN, f"{centre_id}-{town[-3:]}", seal_png())
    persons = [await person_for_identity(ctx, "wechat_oa", "wx-bench", f"o-bench-{n}") for n in range(2000)]
    usccs = [make_uscc(f"913101{rng.randint(0, 99):02d}MA1{n:06d}") for n in range(EMPLOYERS)]
    taxonomy_items = [[{"cause_code": c, "text": "请求事项", "amount": "1000"}] for c in CAUSES]
    began = time.perf_counter()
    for n in range(cases):
        now[0] += step
        body = ended_on(worker_body(), ended)
        body["evidence"] = []
        employer = rng.randrange(EMPLOYERS)
        body["respondent"]["name"] = f"上海某某{employer}号有限公司"
        body["respondent"]["uscc"] = usccs[employer]
        with_street(body["respondent"], rng.choice(PLACES))  # routed by the place named, else the credit code
        body["respondent"]["industry"] = rng.choice("CEFGHIKMO")
        body["claim"]["amount"] = str(rng.choice([0, 3000, 8000, 12000, 30000, 56000]))
        person = persons[n % len(persons)]
        case, _ = await submit_application(ctx, person, f"bench-{n:07d}", body, rng.choice(["mp", "h5", "portal"]))
        serial = case["serial"]
        doc = await ctx.db["cases"].find_one({"_id": serial}, {"centre": 1})
        centre = doc["centre"]["id"]
        if rng.random() < 0.05:  # sent on to the city
            await transfer.transfer(ctx, ROOT_ADMIN, serial, "sh-city" if centre != "sh-city" else "sh-pudong")
        if rng.random() < 0.4:
            await clarification.push_clarified(ctx, taxonomies, ROOT_ADMIN, serial, rng.choice(taxonomy_items))
            await clarification.answer_clarified(ctx, person, serial, {"decision": "confirm", "version": 1}, "mp")
        fate = rng.random()
        if fate < 0.1:
            await handling.decide(ctx, ROOT_ADMIN, serial, "decline", {"reason": "不属于受理范围"})
            continue
        if fate < 0.15:
            continue  # still waiting
        await handling.decide(ctx, ROOT_ADMIN, serial, "accept", {})
        current = (await ctx.db["cases"].find_one({"_id": serial}, {"centre": 1}))["centre"]["id"]
        if current in mediators and rng.random() < 0.7:
            await assignment.assign(ctx, ROOT_ADMIN, serial, rng.choice(mediators[current]))
        end = rng.random()
        if end < 0.15:
            continue  # open
        if end < 0.6:
            terms = [
                {
                    "text": "支付",
                    "amount": rng.choice(["0", "3000.00", "8000.00", "12000.00"]),
                    "due_date": due_in(ctx, 10),
                    "method": "转账",
                    "category": "wages",
                }
            ]
            drafted = await handling.decide(
                ctx, ROOT_ADMIN, serial, "draft_agreement", {"copies": "3", "without_session": "电话调解"}, terms
            )
            # The three drawn signatures (PNG work this bench does not measure) end in this one write, as the last
            # signature's settle move writes it (services/cases/signing.py): the counters see the same event.
            agreement = {k: drafted["agreement"][k] for k in ("version", "terms", "waivers", "copies")}
            await moves.apply_move(
                ctx,
                serial,
                "settle",
                ("applicant", person),
                "mp",
                case={"_id": serial},  # as read: a bench case is never delegated, the hooks find nothing to add
                set_fields={
                    "outcome": {"kind": "settled", "at": now[0], "agreement": agreement | {"effective_at": now[0]}}
                },
            )
        elif end < 0.9:
            reason = rng.choice([r for r in workflow.CLOSURE_REASONS if r != "refused_to_sign"])
            if reason == "period_expired":  # accepted only after the period's last day (issue 21): ended then
                ctx.clock = lambda: now[0] + timedelta(days=45)  # past 15 days and any holiday on the way
            await handling.decide(ctx, ROOT_ADMIN, serial, "fail", {"closure_reason": reason, "reason": "分歧过大"})
            ctx.clock = lambda: now[0]
        else:
            await handling.withdraw(ctx, person, serial, "已与单位协商解决", "mp")  # a reason is asked (issue 13)
        if n % 10000 == 9999:
            print(f"seeded {n + 1} cases in {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    ctx.clock = real_clock
    return {"seed_seconds": round(time.perf_counter() - began, 1)}


async def counter_commands(ctx, counter: CommandCounter, sample: int = 300) -> dict[str, int]:
    """Commands a move takes: the case's update, plus the counters' (at most one)."""
    docs = await ctx.db["cases"].find({"status": "submitted"}, {"_id": 1}).limit(sample).to_list(sample)
    extra = []
    for doc in docs:
        before = counter.count
        await moves.apply_move(ctx, doc["_id"], "accept", ("staff", ROOT_ADMIN.login), "backoffice")
        extra.append(counter.count - before - 1)
    return {"moves_sampled": len(extra), "max_extra_commands": max(extra, default=0)}


async def main(port: int, cases: int) -> None:
    settings = load_settings(ROOT / "config.yaml")
    counter = CommandCounter()
    app = make_app(settings, counter)
    await start(app)
    services = app.settings["services"]
    ctx = services.ctx
    facts: dict[str, Any] = await seed(ctx, services.blobs, services.taxonomies, cases)
    facts |= await counter_commands(ctx, counter)
    began = time.perf_counter()
    recount = await counters.recount(ctx)
    facts |= {
        "recount_seconds": round(time.perf_counter() - began, 2),
        "recount_cases": recount["case_count"],
        "recount_buckets": recount["buckets"],
        "recount_differing": len(recount["differing"]),
        "stats_documents": await ctx.db[counters.STATS].count_documents({}),
        # The company file's index (issue 25): how many employers, and a few for the bench to look up.
        "employers_indexed": await ctx.db[counters.STATS].count_documents({"dim": counters.EMPLOYER_DIM}),
        "employers": [
            {"uscc": e["uscc"], "name": e["name"]}
            for e in await ctx.db[counters.STATS].find({"dim": counters.EMPLOYER_DIM}).limit(20).to_list(20)
        ],
    }
    # The embedded engine holds the 100,000 cases as Python objects in this process's heap, where MongoDB would
    # hold them out of process: frozen, the collector does not walk them on every full collection.
    gc.collect()
    gc.freeze()
    app.listen(port, address="127.0.0.1")
    print("READY " + json.dumps(facts), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(args.port, args.cases))
