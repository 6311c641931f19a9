"""Journal bench: the durable embedded engine (embedded:<folder>) against the memory engine, in one run.

    python bench/bench_journal.py [--quick] [--cases 10000]

For each engine, starts `python app.py --port N` with WeChat pointed at a stand-in served here, seeds
500 cases through the API and measures submit p50/p99 at 4 clients and submit throughput at 32 clients
against GET /healthz of the same server. Then, durable only: grows the folder to --cases cases, stops
the server (SIGTERM) and starts it again on the folder, timing from the process's start to its first
/healthz answer (three times; also after a SIGKILL, when nothing was closed); reports the journal's
bytes per case (folder growth over a batch of submissions, before any compaction) and the compaction
time (a snapshot of everything, written while the server answers, as its log reports).
Exit code 0 on a MISS too (this is a measurement); non-zero only when the bench itself breaks.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench_intake import BULK_USERS, cpu_ms, submit_as, wechat_env
from common import (
    Row,
    Run,
    cpu_seconds,
    fixed,
    free_port,
    load,
    mp_sign_in,
    print_table,
    run_bench,
    server_process,
    verdict,
    wait_until_up,
)

from standins.wechat import WeChatStandIn

MP_APP_ID, MP_SECRET = "wx-bench-mini-program", "bench-mp-secret"

TARGET = 0.25  # submit throughput at 32 clients against healthz's (issue 24; issue 12 had 0.2)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*") if p.is_file() and p.name != "LOCK")


async def seed(port: int, tokens: list[str], count: int) -> Run:
    return await load(port, 8, submit_as(tokens), 201, count, 3600)


async def measure_engine(
    name: str, env: dict[str, str], standin: WeChatStandIn, samples: int, seconds: float, folder: Path | None
) -> tuple[list[Row], dict[str, float]]:
    port = free_port()
    rows: list[Row] = []
    figures: dict[str, float] = {}
    with server_process(env, port) as server:
        await wait_until_up(port, server)
        tokens = [await mp_sign_in(port, standin, f"bench-journal-{i}") for i in range(BULK_USERS)]
        await seed(port, tokens, 500)
        health = await load(port, 4, fixed("GET", "/healthz"), 200, samples, 30)
        before = folder_bytes(folder) if folder else 0
        submit = await load(port, 4, submit_as(tokens), 201, samples, 60)
        if folder:  # the journal's growth per case, measured before a compaction can shrink it
            figures["bytes_per_case"] = (folder_bytes(folder) - before) / len(submit.latencies)
        p50, p99 = submit.pct(0.5), submit.pct(0.99)
        rows += [
            (f"{name}: 4 cl submit p50", f"{p50:.1f} ms", "report", f"{p50 / health.pct(0.5):.1f}x", "-"),
            (
                f"{name}: 4 cl submit p99",
                f"{p99:.1f} ms",
                "< 25 ms",
                f"{p99 / health.pct(0.99):.1f}x",
                verdict(p99 < 25),
            ),
            (f"{name}: 4 cl healthz p99", f"{health.pct(0.99):.1f} ms", "baseline", "1.0x", "-"),
        ]
        figures["stored"] = 500 + len(submit.latencies)
        cpu0 = cpu_seconds(server.pid)
        health32 = await load(port, 32, fixed("GET", "/healthz"), 200, 1_000_000, seconds)
        cpu1 = cpu_seconds(server.pid)
        submit32 = await load(port, 32, submit_as(tokens), 201, 1_000_000, seconds)
        cpu2 = cpu_seconds(server.pid)
        ratio = submit32.rps / health32.rps
        figures["ratio"] = ratio
        figures["stored"] += len(submit32.latencies)
        busy = (
            "n/a"
            if cpu0 is None or cpu1 is None or cpu2 is None
            else (f"{(cpu1 - cpu0) / health32.elapsed:.0%} / {(cpu2 - cpu1) / submit32.elapsed:.0%}")
        )
        rows += [
            (f"{name}: 32 cl healthz rps", f"{health32.rps:.0f} /s", "baseline", "1.00x", "-"),
            (
                f"{name}: 32 cl submit rps",
                f"{submit32.rps:.0f} /s",
                f">= {TARGET}x",
                f"{ratio:.2f}x",
                verdict(ratio >= TARGET),
            ),
            (f"{name}: 32 cl submit p99", f"{submit32.pct(0.99):.1f} ms", "report", "", "-"),
            (f"{name}: server CPU healthz/submit", busy, "report", "", "-"),
            (f"{name}: server CPU per healthz", cpu_ms(cpu0, cpu1, health32), "report", "", "-"),
            (f"{name}: server CPU per submit", cpu_ms(cpu1, cpu2, submit32), "report", "", "-"),
        ]
    return rows, figures


async def start_up_seconds(env: dict[str, str], kill: bool) -> float:
    """From `python app.py` to its first /healthz answer on the folder (then SIGTERM, or SIGKILL)."""
    port = free_port()
    began = time.perf_counter()
    with server_process(env, port) as server:
        await wait_until_up(port, server, timeout=120)
        took = time.perf_counter() - began
        if kill:
            server.kill()
            server.wait(10)
    return took


async def grow(env: dict[str, str], standin: WeChatStandIn, more: int) -> None:
    port = free_port()
    with server_process(env, port) as server:
        await wait_until_up(port, server)
        tokens = [await mp_sign_in(port, standin, f"bench-journal-{i}") for i in range(BULK_USERS)]
        began = time.perf_counter()
        run = await seed(port, tokens, more)
        print(f"  seeded {len(run.latencies)} more cases in {time.perf_counter() - began:.0f} s", flush=True)


async def compact_in_process(folder: Path) -> tuple[int, float, float, int]:
    """Open the folder here (the server is stopped): (documents, load seconds, compaction seconds, snapshot bytes)."""
    from store import connect

    began = time.perf_counter()
    client, _ = connect(f"embedded:{folder}", database="bench")
    loaded = time.perf_counter() - began
    began = time.perf_counter()
    await client.journal.compact()
    compacted = time.perf_counter() - began
    documents, size = client.loaded_documents, client.journal.snapshot_bytes
    await client.close()
    return documents, loaded, compacted, size


async def bench(quick: bool, cases: int) -> None:
    samples, seconds = (100, 2.0) if quick else (400, 5.0)
    cases = min(cases, 2000) if quick else cases
    standin = WeChatStandIn({MP_APP_ID: MP_SECRET})
    standin.start()
    folder = Path(tempfile.mkdtemp(prefix="bench-journal-")) / "db"
    durable = wechat_env(standin.base_url) | {"MONGODB_URI": f"embedded:{folder}"}
    memory = wechat_env(standin.base_url) | {"MONGODB_URI": "mongomock://"}
    try:
        print("memory engine (mongomock://): 500 cases, then 4 and 32 clients ...", flush=True)
        rows, mem = await measure_engine("memory ", memory, standin, samples, seconds, None)
        print(f"durable engine (embedded:{folder}): 500 cases, then 4 and 32 clients ...", flush=True)
        more, dur = await measure_engine("durable", durable, standin, samples, seconds, folder)
        rows += more
        rows.append(("durable/memory throughput ratio", f"{dur['ratio'] / mem['ratio']:.2f}", "report", "", "-"))
        rows.append(("journal bytes per case", f"{dur['bytes_per_case']:.0f} B", "report", "", "-"))
        if cases > dur["stored"]:
            print(f"growing the folder from {dur['stored']:.0f} to {cases} cases ...", flush=True)
            await grow(durable, standin, cases - int(dur["stored"]))
        print("start-up on the folder: 3 times after a clean stop, once after a SIGKILL ...", flush=True)
        starts = [await start_up_seconds(durable, kill) for kill in (False, False, False, True)]
        after_kill = await start_up_seconds(durable, False)
        documents, loaded, compacted, size = await compact_in_process(folder)
        clean = sorted(starts[:3])[1]
        rows += [
            ("cases in the folder", f"{cases}", f"{cases}", "", "-"),
            ("start-up, clean stop (median of 3)", f"{clean:.2f} s", "< 5 s", "", verdict(clean < 5)),
            ("start-up after a SIGKILL", f"{after_kill:.2f} s", "< 5 s", "", verdict(after_kill < 5)),
            ("replay of the folder in-process", f"{loaded:.2f} s", "report", f"{documents} documents", "-"),
            ("compaction (snapshot of everything)", f"{compacted:.2f} s", "report", f"{size / 1e6:.1f} MB", "-"),
        ]
        print()
        print_table(rows)
    finally:
        standin.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, 2,000 cases (a smoke test)")
    parser.add_argument("--cases", type=int, default=10_000, help="cases in the folder for the start-up figure")
    args = parser.parse_args()
    return run_bench(bench(args.quick, args.cases))


if __name__ == "__main__":
    sys.exit(main())
