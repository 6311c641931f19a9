"""Notification sender bench: messages per second and push-to-delivery time, against raw sends of the same client.

    python bench/bench_sender.py [--cases 1000] [--quick]

The WeChat stand-in runs in a subprocess on 127.0.0.1 (its own event loop and CPU, as WeChat
would be). In this process: the app (`make_app`, embedded engine) with its sender off until a
phase starts it. Phases, in one run:

1. baseline: N template messages posted by the same client code (WeChatApi + call_wechat in the
   blocking pool, same concurrency as the sender), no outbox: the stand-in's raw rate from here;
2. backlog: N cases, each with one pending notification, then the sender starts: messages per
   second until all are sent (ratio to the baseline = the outbox's overhead: claim and result
   writes, identity lookup), and database commands per message;
3. steady: pushes at a fixed rate while the sender polls (every 0.5 s; no wake-up): time from
   the push (the notification's created_at) to WeChat's acknowledgement (its sent_at), p50/p99;
4. the same with `wake()` after each push (what a service can do in-process);
5. the configured rate limit (20/s per app id) honoured on a backlog.

At the end the stand-in reports what it received: every notification exactly once. Exit 0 on a
MISS too (a measurement); non-zero only when the bench itself breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import ROOT, Run, piped, print_table, run_bench, server_env, verdict

OA_APP, OA_SECRET = "wx-bench-official-account", "bench-oa-secret"
MP_APP, MP_SECRET = "wx-bench-mini-program", "bench-mp-secret"


# --- the stand-in subprocess ------------------------------------------------------------------


async def serve_standin() -> None:
    from standins.wechat import WeChatStandIn

    standin = WeChatStandIn({OA_APP: OA_SECRET, MP_APP: MP_SECRET})
    standin.start()
    print(standin.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the bench closes stdin
    urls = [m.get("url", "") for m in standin.state.sent if m["kind"] == "template"]
    outbox = [u for u in urls if "?n=" in u]
    print(json.dumps({"template": len(urls), "outbox": len(outbox), "outbox_distinct": len(set(outbox))}), flush=True)


# --- the bench --------------------------------------------------------------------------------


async def seed(ctx: Any, count: int) -> list[tuple[str, str]]:
    """`count` people, each following the account (an OA identity) with one submitted case."""
    from services.accounts.persons import person_for_identity
    from services.intake.submission import submit_application
    from tests.support.samples import worker_body

    out = []
    for i in range(count):
        person = await person_for_identity(ctx, "wechat_oa", OA_APP, f"o-bench-{i:05d}")
        body = worker_body()
        body["evidence"] = []
        case, _ = await submit_application(ctx, person, f"bench-key-{i:06d}", body, "h5")
        out.append((case["serial"], person))
    return out


async def push(ctx: Any, serial: str, person: str) -> str:
    """What a change writes through the case writer: a timeline event and a notification, in one update."""
    from services.cases import moves
    from services.cases.outbox import applicant_notice

    now = ctx.clock()
    notice = applicant_notice(
        person,
        "accept",
        f"/h5/cases/{serial}?n={uuid.uuid4().hex[:10]}",
        now,
        [("serial", serial), ("status", "已受理")],
    )
    await moves.record_event(
        ctx, serial, "bench_notice", ("system", "bench"), "system", "submitted", notify=[notice], projection={"_id": 1}
    )
    return notice["id"]


async def wait_sent(sender: Any, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while sender.stats["sent"] + sender.stats["failed"] < target:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {sender.stats} of {target} after {timeout} s")
        await asyncio.sleep(0.01)


async def latencies(ctx: Any, ids: set[str]) -> list[float]:
    out = []
    async for doc in ctx.db["cases"].find({}, {"notifications": 1}):
        for n in doc.get("notifications", []):
            if n["id"] in ids and n.get("sent_at"):
                out.append((n["sent_at"] - n["created_at"]).total_seconds())
    return out


async def steady(ctx: Any, sender: Any, cases: list[tuple[str, str]], rate: float, seconds: float, wake: bool) -> Run:
    """Pushes at `rate`; `wake`: the case writer wakes this sender (a change in this process), otherwise the
    sender learns of each by polling (a change written by another process)."""
    before = sender.stats["sent"] + sender.stats["failed"]
    ids, started, i = set(), time.monotonic(), 0
    ctx.wake_outbox = sender.wake if wake else (lambda: None)
    try:
        while time.monotonic() - started < seconds:
            serial, person = cases[i % len(cases)]
            ids.add(await push(ctx, serial, person))
            i += 1
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
    finally:
        ctx.wake_outbox = sender.wake
    await wait_sent(sender, before + len(ids), 30)
    return Run(await latencies(ctx, ids), time.monotonic() - started)


async def bench(args: argparse.Namespace) -> None:
    from app import close, make_app, start
    from settings import load_settings
    from store import CommandCounter
    from wechat.messages import send_template, template_payload

    standin = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve-standin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        port = int(piped(standin.stdout).readline())
        base = f"http://127.0.0.1:{port}/"
        environ = server_env(
            {
                "MONGODB_DATABASE": "bench_sender",
                "WECHAT_API_BASE": base,
                "WECHAT_OAUTH_BASE": base + "connect/",
                "WECHAT_APP_ID": OA_APP,
                "WECHAT_APP_SECRET": OA_SECRET,
                "WECHAT_MP_APP_ID": MP_APP,
                "WECHAT_MP_APP_SECRET": MP_SECRET,
                "BLOB_DIR": tempfile.mkdtemp(prefix="bench-sender-"),
                "NOTIFICATION_SENDER": "off",
            }
        )
        settings = load_settings(ROOT / "config.yaml", environ=environ)
        configured_rate = settings.notifications.rate_per_second
        # Throughput phases measure the outbox, not the limiter: lift it (phase 5 puts it back).
        settings = dataclasses.replace(
            settings, notifications=dataclasses.replace(settings.notifications, rate_per_second=100_000)
        )
        counter = CommandCounter()
        app = make_app(settings, counter)
        await start(app)
        services = app.settings["services"]
        ctx, sender, client = services.ctx, services.notification_sender, services.wechat_oa
        concurrency = settings.notifications.concurrency
        n = args.cases
        t0 = time.monotonic()
        cases = await seed(ctx, n)
        seeded = time.monotonic() - t0

        # 1. baseline: the same client code, no outbox.
        accept = settings.notifications.kinds["accept"].official_account
        if accept is None:
            raise RuntimeError("config.yaml gives the acceptance no official-account template: nothing to send")
        template_id = accept.template_id
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(n):
            queue.put_nowait(i)

        async def raw_worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                payload = template_payload(
                    f"o-bench-{i:05d}",
                    template_id,
                    {"keyword1": str(i), "keyword2": "已受理"},
                    f"{settings.public_base_url}/bench/raw/{i}",
                )
                await ctx.run_blocking(send_template, client, payload)

        await ctx.run_blocking(send_template, client, template_payload("o-warm", template_id, {"a": "b"}, "x"))
        t0 = time.monotonic()
        await asyncio.gather(*(raw_worker() for _ in range(concurrency)))
        raw_rate = n / (time.monotonic() - t0)

        # The seeded submissions' acknowledgements (issue 11) go out first, unmeasured.
        sender.start()
        await wait_sent(sender, n, 120)
        await sender.stop()
        sender.stats.update(sent=0, retried=0, failed=0, conflicts=0)

        # 2. backlog: one pending notification per case, then the sender starts.
        for serial, person in cases:
            await push(ctx, serial, person)
        commands_before = counter.count
        t0 = time.monotonic()
        sender.start()
        await wait_sent(sender, n, 120)
        backlog_rate = n / (time.monotonic() - t0)
        commands_per_message = (counter.count - commands_before) / n
        assert sender.stats["sent"] == n, sender.stats

        # 3 and 4. steady pushes while the sender runs.
        polled = await steady(ctx, sender, cases, args.push_rate, args.seconds, wake=False)
        woken = await steady(ctx, sender, cases, args.push_rate, args.seconds, wake=True)

        # 5. the configured rate limit on a backlog.
        await sender.stop()
        sender.config = dataclasses.replace(sender.config, rate_per_second=configured_rate)
        sender.buckets.clear()
        limited_n = max(int(configured_rate * 6), 20)
        sent_before = sender.stats["sent"]
        for serial, person in cases[:limited_n]:
            await push(ctx, serial, person)
        t0 = time.monotonic()
        sender.start()
        await wait_sent(sender, sent_before + limited_n, 60)
        limited_rate = limited_n / (time.monotonic() - t0)
        await sender.stop()
        expected_outbox = n + len(polled.latencies) + len(woken.latencies) + limited_n
        stats = dict(sender.stats)
        await close(app)
    finally:
        piped(standin.stdin).close()
        summary = json.loads(piped(standin.stdout).readline() or "{}")
        standin.wait(10)

    once = summary.get("outbox") == summary.get("outbox_distinct") == expected_outbox
    p99 = polled.pct(0.99)
    rows = [
        (
            "baseline: raw template/send, same client, no outbox",
            f"{raw_rate:,.0f} msg/s",
            f"{n} msgs, {concurrency} at once",
        ),
        (
            "outbox backlog drain",
            f"{backlog_rate:,.0f} msg/s",
            f"{backlog_rate / raw_rate:.2f} x baseline; {commands_per_message:.2f} db commands/msg",
        ),
        (
            f"push -> delivered, polled ({args.push_rate:g} pushes/s)",
            f"p50 {polled.pct(0.5):,.0f} ms",
            f"p99 {p99:,.0f} ms (target < 2000 ms: {verdict(p99 < 2000)}), n={len(polled.latencies)}",
        ),
        (
            f"push -> delivered, wake() ({args.push_rate:g} pushes/s)",
            f"p50 {woken.pct(0.5):,.0f} ms",
            f"p99 {woken.pct(0.99):,.0f} ms, n={len(woken.latencies)}",
        ),
        (
            f"rate limit {configured_rate:g}/s per app id",
            f"{limited_rate:,.1f} msg/s",
            f"{limited_n} msgs backlog; a one-second burst then the rate: expect "
            f"{limited_n / max(1.0, (limited_n - configured_rate) / configured_rate):,.1f}",
        ),
        (
            "received by the stand-in",
            f"{summary.get('outbox')} outbox msgs",
            f"{summary.get('outbox_distinct')} distinct, expected {expected_outbox}: "
            f"{'exactly once' if once else 'MISMATCH'}",
        ),
    ]
    print(f"\nnotification sender bench: {n} cases (seeded in {seeded:.1f} s), embedded engine, stand-in on 127.0.0.1")
    print()
    print_table(rows, ("figure", "value", "note"))
    print(f"\nsender stats: {stats}; mean polled latency {statistics.fmean(polled.latencies) * 1000:,.0f} ms")
    if not once:
        raise RuntimeError("the stand-in did not receive every outbox message exactly once")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--push-rate", type=float, default=40.0)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--quick", action="store_true", help="300 cases, 3-second steady phases")
    parser.add_argument("--serve-standin", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_standin:
        asyncio.run(serve_standin())
        return 0
    if args.quick:
        args.cases, args.seconds = 300, 3.0
    return run_bench(bench(args))


if __name__ == "__main__":
    sys.exit(main())
