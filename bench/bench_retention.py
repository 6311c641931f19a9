"""Retention bench: the purge of 100,000 expired records while the server answers /healthz (issue 23).

    python bench/bench_retention.py [--records 100000] [--quick]

Seeds a durable embedded folder (embedded:<tmp folder>), with the server stopped, with `--records` expired records
of every kind the schedule removes: closed case files past their period (10 %, shaped as a real case: two parties
with sealed numbers, a timeline, notifications), uploads never attached (10 %), drafts never submitted, SMS codes,
sign-in tickets and audit entries (20 % each), and a recent `retention_run` audit entry so the server's daily job
waits. Starts `python app.py` on the folder with ADMIN_TOKEN, measures GET /healthz at one client on the idle
server (the baseline), then asks the server to run the schedule (POST /admin/retention/run, what `python manage.py
retention run` does) and measures /healthz p50/p99 at one client during the run, which ends with the compaction
that takes what went out of the folder's files. Target: /healthz p99 < 50 ms during the purge.
Exit code 0 on a MISS too (this is a measurement); non-zero only when the bench itself breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import Row, Run, fixed, free_port, load, print_table, run_bench, server_process, verdict, wait_until_up

from store.embedded import EmbeddedClient, defer_durability

TOKEN = "bench-retention-admin-token-0123456789"
TARGET_MS = 50.0


def _case(serial: str, closed: datetime) -> dict[str, Any]:
    sealed = {"kv": 1, "ct": os.urandom(48), "masked": "3101**********1234"}
    party = {"name": "张三", "id_number": sealed, "phone": dict(sealed), "address": "上海市浦东新区科苑路88号"}
    event = {"at": closed, "actor": {"type": "staff", "id": "li.ming"}, "channel": "backoffice", "status": "accepted"}
    note = {"state": "sent", "kind": "accepted", "title": "受理", "lines": {"zh": "您的申请已受理" * 4}, "to": {}}
    return {
        "_id": serial,
        "kind": "worker",
        "status": "rejected",
        "channel": "mp",
        "owner_person_id": uuid.uuid4().hex,
        "id_hashes": [uuid.uuid4().hex * 2],
        "applicant": party,
        "respondent": party | {"name": "某某有限公司"},
        "claim": {"amount_fen": 1_200_000, "text": "支付工资" * 20},
        "centre": {"id": "sh-city", "name": "上海市劳动人事争议调解中心"},
        "region_codes": ["310000"],
        "created_at": closed - timedelta(days=30),
        "updated_at": closed,
        "timeline": [event | {"action": a} for a in ("submit", "accept", "assign", "session", "reject")],
        "notifications": [note | {"id": uuid.uuid4().hex, "created_at": closed} for _ in range(3)],
        "outcome": {"kind": "rejected", "at": closed, "reason": "不属于受理范围"},
        "evidence": [],
    }


async def seed(folder: Path, records: int) -> dict[str, int]:
    """The expired records, written by the engine itself in this process (the folder is not served yet)."""
    client = EmbeddedClient(None, str(folder))
    db = client.get_database("mediation")
    defer_durability()  # one sync at the end, not one per record
    now = datetime.now(UTC)
    old = now - timedelta(days=11 * 365)
    share = {"cases": 0.1, "files": 0.1, "drafts": 0.2, "sms_codes": 0.2, "card_tickets": 0.2, "audit": 0.2}
    made: dict[str, int] = {}
    for collection, part in share.items():
        count = int(records * part)
        made[collection] = count
        for n in range(count):
            key = f"{collection}-{n:07d}"
            if collection == "cases":
                doc = _case(f"2015{n:010d}", old)
            elif collection == "files":
                doc = {"_id": key, "purpose": "evidence", "owner_person_id": "p", "created_at": old, "size": 1}
            elif collection == "drafts":
                doc = {"_id": key, "person_id": "p", "kind": "worker", "data": {"claim": "x" * 200}, "updated_at": old}
            elif collection == "audit":
                doc = {"_id": key, "at": old, "who": "li.ming", "role": "mediator", "action": "reveal", "serial": "s"}
            else:
                doc = {"_id": key, "expires_at": old, "code_hash": uuid.uuid4().hex}
            await db[collection].insert_one(doc)
    # The daily job ran a moment ago: the server's own job waits, this bench asks for the run.
    await db["audit"].insert_one({"_id": "last-run", "at": now, "who": "system", "action": "retention_run"})
    barrier = client.barrier()
    if barrier is not None:
        await barrier
    await client.close()
    return made


def admin_run(port: int) -> tuple[dict[str, Any], float]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/admin/retention/run",
        method="POST",
        data=b"",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=3600) as answer:  # noqa: S310 - 127.0.0.1
        result: dict[str, Any] = json.loads(answer.read())
    return result, time.perf_counter() - began


async def bench(records: int, quick: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-retention-") as tmp:
        folder = Path(tmp) / "db"
        began = time.perf_counter()
        made = await seed(folder, records)
        seeded = time.perf_counter() - began
        port, admin_port = free_port(), free_port()
        env = {
            "MONGODB_URI": f"embedded:{folder}",
            "ADMIN_TOKEN": TOKEN,
            "ADMIN_PORT": str(admin_port),
            "WECHAT_API_BASE": "http://127.0.0.1:9/",
        }
        with server_process(env, port) as server:
            await wait_until_up(port, server, timeout=300)
            idle = await load(port, 1, fixed("GET", "/healthz"), 200, 300 if quick else 1000, 30)
            loop = asyncio.get_running_loop()
            purge = loop.run_in_executor(None, admin_run, admin_port)
            during: list[float] = []
            while not purge.done():
                sample = await load(port, 1, fixed("GET", "/healthz"), 200, 50, 5)
                during += sample.latencies
            result, seconds = await purge
        removed = sum(result["removed"].values())
        busy = Run(during, seconds)
        rows: list[Row] = [
            ("records seeded (expired)", f"{sum(made.values())}", "report", "-", "-"),
            ("seeding (stopped folder)", f"{seeded:.1f} s", "report", "-", "-"),
            ("records removed or emptied", f"{removed}", f"{sum(made.values())}", "-", verdict(removed >= records)),
            ("purge + compaction time", f"{seconds:.1f} s", "report", "-", "-"),
            ("purge rate", f"{removed / seconds:.0f} records/s", "report", "-", "-"),
            ("healthz p99 idle", f"{idle.pct(0.99):.1f} ms", "baseline", "1.0x", "-"),
            ("healthz p50 during purge", f"{busy.pct(0.5):.1f} ms", "report", "-", "-"),
            (
                "healthz p99 during purge",
                f"{busy.pct(0.99):.1f} ms",
                f"< {TARGET_MS:.0f} ms",
                f"{busy.pct(0.99) / idle.pct(0.99):.1f}x",
                verdict(busy.pct(0.99) < TARGET_MS),
            ),
            ("healthz samples during purge", f"{len(during)}", "report", "-", "-"),
        ]
        rows += [
            (f"  removed: {kind}", str(count), "-", "-", "-") for kind, count in result["removed"].items() if count
        ]
        print_table(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 records")
    args = parser.parse_args()
    return run_bench(bench(10_000 if args.quick else args.records, args.quick))


if __name__ == "__main__":
    raise SystemExit(main())
