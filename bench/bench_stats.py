"""Statistics bench (issue 15): the page, the .xlsx export, the counters' upkeep and the recount, at 100,000 cases.

    python bench/bench_stats.py [--cases 100000] [--quick]

Starts bench/stats_server.py as a subprocess (embedded engine), which seeds the cases through the services
and reports the commands a move takes and the recount's time; then, over HTTP, as a system administrator:
GET /office/stats (the whole year, every table) at 1 client beside GET /healthz (the baseline, same
server); the year's .xlsx (every figure and one row per case) while one client probes /healthz, the
server's RSS sampled every 20 ms from /proc; the company file (issue 25) at 1 client, looked up in turn by a
credit code, a whole name, part of a name and a part many names share (a list to choose from). Targets: page p99
< 100 ms; export >= 5,000 rows/s with RSS growth < 200 MB; <= 1 extra command per move; /healthz p99 < 50 ms
during the export; company file p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import common
from common import (
    ROOT,
    Connection,
    Run,
    fixed,
    free_port,
    load,
    print_table,
    run_bench,
    server_env,
    stop,
    verdict,
    wait_ready,
)

ADMIN, ADMIN_PASSWORD = "bench.admin", "Bench-Admin-2026!"
common.REQUEST_TIMEOUT = 600.0  # the year's export at 100,000 cases is one long request


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def office_cookie(port: int) -> str:
    conn = Connection(port)
    try:
        xsrf = (await conn.send("GET", "/office/login")).cookies["_xsrf"]
        form = urllib.parse.urlencode({"login": ADMIN, "password": ADMIN_PASSWORD, "_xsrf": xsrf}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"_xsrf={xsrf}"}
        signed_in = await conn.send("POST", "/office/login", form, headers)
        return f"_xsrf={xsrf}; office_session={signed_in.cookies['office_session']}"
    finally:
        conn.close()


async def export_while_probing(
    port: int, pid: int, cookie: str, query: str
) -> tuple[float, int, Run, float, float, bytes]:
    """(seconds, bytes, healthz run during it, RSS before, RSS peak, the file) of one .xlsx export."""
    before = rss_mb(pid)
    peak = [before]
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            await asyncio.sleep(0.02)

    probe_latencies: list[float] = []

    async def probe() -> None:
        conn = Connection(port)
        try:
            while not done.is_set():
                began = time.perf_counter()
                status, _ = await conn.request("GET", "/healthz")
                probe_latencies.append(time.perf_counter() - began)
                assert status == 200
                await asyncio.sleep(0.01)
        finally:
            conn.close()

    tasks = [asyncio.create_task(sample()), asyncio.create_task(probe())]
    conn = Connection(port)
    began = time.perf_counter()
    try:
        response = await conn.send("GET", f"/office/stats/export.xlsx?{query}", headers={"Cookie": cookie})
    finally:
        conn.close()
    seconds = time.perf_counter() - began
    done.set()
    await asyncio.gather(*tasks)
    if response.status != 200:
        raise RuntimeError(f"export: HTTP {response.status} {response.body[:200]!r}")
    return seconds, len(response.body), Run(probe_latencies, seconds), before, peak[0], response.body


def case_rows(xlsx: bytes) -> int:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx), read_only=True)
    return sum(1 for _ in book["案件明细"].iter_rows()) - 1


async def bench(cases: int, quick: bool) -> None:
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-stats-", suffix=".log", delete=False)  # noqa: SIM115
    env = server_env({"BOOTSTRAP_ADMIN": "", "MONGODB_DATABASE": "bench", "NOTIFICATION_SENDER": "off"})
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "stats_server.py"), "--port", str(port), "--cases", str(cases)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
    )
    try:
        began = time.perf_counter()
        facts = await wait_ready(server, timeout=7200, what="stats server")
        print(
            f"seeded {cases} cases through the services in {facts['seed_seconds']} s "
            f"(ready after {time.perf_counter() - began:.0f} s)"
        )
        cookie = await office_cookie(port)
        today = datetime.now(UTC)
        first = (today - timedelta(days=365)).strftime("%Y-%m")
        query = urllib.parse.urlencode({"from": first, "to": today.strftime("%Y-%m")})
        count = 100 if quick else 400
        healthz = await load(port, 1, fixed("GET", "/healthz"), 200, count, 60)
        page = await load(port, 1, fixed("GET", f"/office/stats?{query}", {"Cookie": cookie}), 200, count, 120)
        print(f"stats page: p50 {page.pct(0.5):.1f} ms, p99 {page.pct(0.99):.1f} ms", flush=True)
        # The company file by code, by whole name, by part of a name, and by a part a thousand names share.
        names = [q for e in facts["employers"] for q in (e["uscc"], e["name"], e["name"][2:-4])] + ["某某1"]
        queries = itertools.cycle(urllib.parse.urlencode({"q": q}) for q in names)
        company = await load(
            port, 1, lambda: ("GET", f"/office/files?{next(queries)}", b"", {"Cookie": cookie}), 200, count, 120
        )
        print(f"company file: p50 {company.pct(0.5):.1f} ms, p99 {company.pct(0.99):.1f} ms; exporting", flush=True)
        seconds, size, probe, rss_before, rss_peak, body = await export_while_probing(port, server.pid, cookie, query)
        rows_out = case_rows(body)
        rate = rows_out / seconds
        rows = [
            ("cases seeded (through the services)", f"{cases}", "100000", "", ""),
            ("stats documents (counters)", f"{facts['stats_documents']}", "", "", ""),
            ("GET /healthz p99, idle (1 client)", f"{healthz.pct(0.99):.1f} ms", "", "baseline", ""),
            (
                "GET /office/stats p50 (1 client)",
                f"{page.pct(0.5):.1f} ms",
                "",
                f"{page.pct(0.5) / healthz.pct(0.5):.0f}x",
                "",
            ),
            (
                "GET /office/stats p99 (1 client)",
                f"{page.pct(0.99):.1f} ms",
                "< 100 ms",
                f"{page.pct(0.99) / healthz.pct(0.99):.0f}x",
                verdict(page.pct(0.99) < 100),
            ),
            ("employers in the company file's index", f"{facts['employers_indexed']}", "", "", ""),
            (
                "GET /office/files?q= p99 (code, name, part, a list; 1 client)",
                f"{company.pct(0.99):.1f} ms",
                "< 100 ms",
                f"{company.pct(0.99) / healthz.pct(0.99):.0f}x",
                verdict(company.pct(0.99) < 100),
            ),
            (".xlsx export: case rows", f"{rows_out}", "", "", ""),
            (".xlsx export: time, size", f"{seconds:.1f} s, {size / 1e6:.1f} MB", "", "", ""),
            (".xlsx export: rows per second", f"{rate:.0f}", ">= 5000", "", verdict(rate >= 5000)),
            (
                ".xlsx export: server RSS growth",
                f"{rss_peak - rss_before:.0f} MB (from {rss_before:.0f})",
                "< 200 MB",
                "",
                verdict(rss_peak - rss_before < 200),
            ),
            (
                "GET /healthz p99 during the export",
                f"{probe.pct(0.99):.1f} ms ({len(probe.latencies)} probes)",
                "< 50 ms",
                f"{probe.pct(0.99) / healthz.pct(0.99):.0f}x",
                verdict(probe.pct(0.99) < 50),
            ),
            (
                "extra commands per move (counters)",
                f"{facts['max_extra_commands']} (of {facts['moves_sampled']} moves)",
                "<= 1",
                "",
                verdict(facts["max_extra_commands"] <= 1),
            ),
            (
                "recount from the cases",
                f"{facts['recount_seconds']} s, {facts['recount_cases']} cases",
                "report",
                "",
                "-",
            ),
            (
                "recount agrees with the counters",
                f"{facts['recount_differing']} buckets differ",
                "0",
                "",
                verdict(facts["recount_differing"] == 0),
            ),
        ]
        print_table(rows)
    finally:
        stop(server)
        log.close()
        print(f"server log: {log.name}", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20,000 cases, fewer page loads")
    args = parser.parse_args()
    sys.exit(run_bench(bench(20_000 if args.quick and args.cases == 100_000 else args.cases, args.quick)))
