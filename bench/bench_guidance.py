"""Guidance benches (issue 16): the claim calculator, the library's search, the size of each triage step.

    python bench/bench_guidance.py [--quick] [--entries 5000]

1. The calculator: `python app.py` on the embedded engine; `POST /api/calculator` (the six kinds in turn) against
   `GET /healthz` of the same server: p99 at 4 clients (target < 5 ms) and requests per second at 64 clients in
   three rounds, healthz then calculator, the median round reported (target >= 0.5 x healthz).
2. The library: bench/guidance_server.py with `--entries` entries of realistic length (the shipped cases and laws
   cut and recombined); everyday searches (`GET /api/library?q=...`) at 4 clients beside `/healthz` (target p99
   < 50 ms).
3. The triage: every node of the default tree as a page (answers carried as a worker would have them), its
   HTML gzipped, and with the stylesheets and scripts it loads the first time (target each step < 20 KB).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import re
import subprocess
import sys
import tempfile
import urllib.parse

from common import (
    ROOT,
    Connection,
    Row,
    free_port,
    load,
    print_table,
    request_once,
    run_bench,
    server_env,
    server_process,
    stop,
    verdict,
    wait_ready,
    wait_until_up,
)

ROUNDS = 3
CALCULATIONS = [
    {"kind": "economic_compensation", "monthly_wage": "9800", "start_date": "2019-03-01", "end_date": "2026-02-15"},
    {"kind": "unlawful_termination", "monthly_wage": "8000", "start_date": "2020-06-01", "end_date": "2020-08-10"},
    {"kind": "no_written_contract", "monthly_wage": "5200", "start_date": "2025-01-10", "end_date": "2025-11-30"},
    {"kind": "overtime", "monthly_wage": "8700", "overtime_hours": {"workday": 36, "rest_day": 16, "holiday": 8}},
    {
        "kind": "annual_leave",
        "monthly_wage": "8700",
        "end_date": "2026-06-30",
        "cumulative_service_years": 12,
        "leave_days_taken": 1,
    },
    {"kind": "notice_pay", "monthly_wage": "7300.5"},
]
QUERIES = [
    "加班费",
    "老板不给加班费怎么办",
    "被辞退了能赔多少",
    "没签合同双倍工资",
    "年假没休完",
    "拖欠工资去哪里投诉",
    "试用期被开除",
    "包薪制",
    "十人以上集体讨薪",
    "仲裁时效",
    "工伤了公司不管",
    "经济补偿怎么算",
]
TRIAGE_ANSWERS = {
    "relationship": "yes",
    "employment_status": "left",
    "known_date": "2026-01-05",
    "place": "310115",
    "group": "fewer",
    "claim": "overtime",
    "amount": "20000.00",
}


def calculator_requests():
    bodies = itertools.cycle([json.dumps(b).encode() for b in CALCULATIONS])
    headers = {"Content-Type": "application/json"}
    return lambda: ("POST", "/api/calculator", next(bodies), headers)


def search_requests():
    paths = itertools.cycle([f"/api/library?q={urllib.parse.quote(q)}" for q in QUERIES])
    return lambda: ("GET", next(paths), b"", {})


def healthz():
    return lambda: ("GET", "/healthz", b"", {})


async def bench_calculator(quick: bool) -> list[Row]:
    port = free_port()
    rows: list[Row] = []
    with server_process({"NOTIFICATION_SENDER": "off"}, port) as server:
        await wait_until_up(port, server)
        count, seconds = (1500, 5.0) if quick else (4000, 10.0)
        await load(port, 4, calculator_requests(), 200, 300, 5.0)  # warm up
        base4 = await load(port, 4, healthz(), 200, count, seconds)
        calc4 = await load(port, 4, calculator_requests(), 200, count, seconds)
        rows.append(
            (
                "calculator p50 / p99 at 4 clients",
                f"{calc4.pct(0.5):.2f} / {calc4.pct(0.99):.2f} ms",
                "p99 < 5 ms",
                f"healthz p99 {base4.pct(0.99):.2f} ms",
                verdict(calc4.pct(0.99) < 5),
            )
        )
        rounds = []
        for _ in range(ROUNDS):
            base = await load(port, 64, healthz(), 200, 10**9, 3.0 if quick else 5.0)
            calc = await load(port, 64, calculator_requests(), 200, 10**9, 3.0 if quick else 5.0)
            rounds.append((calc.rps / base.rps, base.rps, calc.rps))
        ratio, base_rps, calc_rps = sorted(rounds)[len(rounds) // 2]
        rows.append(
            (
                "calculator throughput at 64 clients",
                f"{calc_rps:.0f} req/s",
                ">= 0.5 x healthz",
                f"{ratio:.2f} x ({base_rps:.0f} req/s; rounds " + "/".join(f"{r[0]:.2f}" for r in rounds) + ")",
                verdict(ratio >= 0.5),
            )
        )
    return rows


async def bench_library(entries: int, quick: bool) -> list[Row]:
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-guidance-", suffix=".log", delete=False)  # noqa: SIM115
    env = server_env({"BOOTSTRAP_ADMIN": "", "MONGODB_DATABASE": "bench", "NOTIFICATION_SENDER": "off"})
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "guidance_server.py"), "--port", str(port), "--entries", str(entries)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
    )
    try:
        facts = await wait_ready(server, timeout=1800, what="guidance server")
        print(
            f"library: {facts['entries']} entries (average {facts['average_chars']} characters), index of "
            f"{facts['pieces']} pieces built in {facts['index_seconds']} s"
        )
        status, payload = await request_once(port, "GET", "/api/library?q=" + urllib.parse.quote("加班费"))
        if status != 200 or not json.loads(payload)["items"]:
            raise RuntimeError(f"search answered {status} {payload[:200]!r}")
        count, seconds = (400, 10.0) if quick else (1200, 20.0)
        await load(port, 4, search_requests(), 200, 100, 5.0)  # warm up
        base = await load(port, 4, healthz(), 200, count, seconds)
        found = await load(port, 4, search_requests(), 200, count, seconds)
        return [
            (
                "library search p50 / p99 at 4 clients",
                f"{found.pct(0.5):.1f} / {found.pct(0.99):.1f} ms",
                "p99 < 50 ms",
                f"healthz p99 {base.pct(0.99):.2f} ms; {entries} entries",
                verdict(found.pct(0.99) < 50),
            )
        ]
    finally:
        stop(server)
        log.close()


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


async def bench_triage() -> list[Row]:
    import yaml

    tree = yaml.safe_load((ROOT / "data" / "triage_default.yaml").read_text(encoding="utf-8"))
    port = free_port()
    rows: list[Row] = []
    with server_process({"NOTIFICATION_SENDER": "off"}, port) as server:
        await wait_until_up(port, server)
        conn = Connection(port)
        worst_page, worst_all = ("", 0), ("", 0)
        try:
            for node in tree["nodes"]:
                query = urllib.parse.urlencode({f"a_{k}": v for k, v in TRIAGE_ANSWERS.items() if k != node})
                status, body = await conn.request("GET", f"/h5/triage/{node}?{query}")
                if status != 200:
                    raise RuntimeError(f"/h5/triage/{node}: {status}")
                page = len(gzip.compress(body, 6))
                total = page
                for asset in _assets(body.decode()):
                    status, data = await conn.request("GET", asset)
                    total += len(gzip.compress(data, 6)) if status == 200 else 0
                worst_page = max(worst_page, (node, page), key=lambda x: x[1])
                worst_all = max(worst_all, (node, total), key=lambda x: x[1])
        finally:
            conn.close()
    rows.append(
        (
            "largest triage step, HTML gzipped",
            f"{worst_page[1] / 1024:.1f} KB ({worst_page[0]})",
            "< 20 KB",
            f"{len(tree['nodes'])} steps",
            verdict(worst_page[1] < 20 * 1024),
        )
    )
    rows.append(
        (
            "largest triage step with its CSS/JS, first visit",
            f"{worst_all[1] / 1024:.1f} KB ({worst_all[0]})",
            "report",
            "cached after the first page",
            "-",
        )
    )
    return rows


async def main(quick: bool, entries: int) -> None:
    rows = await bench_triage()
    rows += await bench_calculator(quick)
    rows += await bench_library(entries, quick)
    print_table(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--entries", type=int, default=5000)
    args = parser.parse_args()
    sys.exit(run_bench(main(args.quick, args.entries)))
