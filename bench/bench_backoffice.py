"""Back-office bench: the queue page with 2,000 and 5,000 cases on the embedded engine, against /healthz.

    python bench/bench_backoffice.py [--quick]

Starts the server as a subprocess (mongomock://) with a WeChat stand-in served by this process,
seeds cases through the mini-program API, signs a system administrator in (BOOTSTRAP_ADMIN) and
loads GET /office/ (page 1 of the queue: filters, count, deadlines) at 1 and 4 clients, beside
GET /healthz of the same server (a no-op handler) as the baseline in the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import urllib.parse
import uuid
from collections.abc import Callable

from common import (
    Connection,
    Request,
    Row,
    Run,
    failure,
    fixed,
    free_port,
    load,
    print_table,
    run_bench,
    server_process,
    verdict,
    wait_until_up,
)

from standins.wechat import WeChatStandIn
from tests.support.samples import worker_body

MP_APP_ID, MP_SECRET = "wx-bench-mini-program", "bench-mp-secret"
ADMIN, ADMIN_PASSWORD = "bench.admin", "Bench-Admin-2026!"
BODY = json.dumps(worker_body() | {"evidence": []}, ensure_ascii=False).encode()


async def mp_tokens(port: int, standin: WeChatStandIn, users: int) -> list[str]:
    conn = Connection(port)
    tokens = []
    try:
        for i in range(users):
            body = json.dumps({"code": standin.state.issue_code(f"bench-openid-{i}")}).encode()
            status, payload = await conn.request("POST", "/api/mp/session", body, {"Content-Type": "application/json"})
            if status != 200:
                raise failure("sign-in", status, payload)
            tokens.append(json.loads(payload)["token"])
    finally:
        conn.close()
    return tokens


def submissions(tokens: list[str]) -> Callable[[], Request]:
    turn = itertools.count()

    def make() -> Request:
        token = tokens[next(turn) % len(tokens)]
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"bench-{uuid.uuid4().hex}",
        }
        return "POST", "/api/mp/applications", BODY, headers

    return make


async def office_cookie(port: int) -> str:
    """Sign the administrator in like a browser: the XSRF cookie, then the form."""
    conn = Connection(port)
    try:
        xsrf = (await conn.send("GET", "/office/login")).cookies["_xsrf"]
        form = urllib.parse.urlencode({"login": ADMIN, "password": ADMIN_PASSWORD, "_xsrf": xsrf}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"_xsrf={xsrf}"}
        signed_in = await conn.send("POST", "/office/login", form, headers)
        if signed_in.status != 302:
            raise failure("office sign-in", signed_in.status, signed_in.body)
        return f"_xsrf={xsrf}; office_session={signed_in.cookies['office_session']}"
    finally:
        conn.close()


async def measure(port: int, cookie: str, cases: int, quick: bool) -> list[Row]:
    rows: list[Row] = []
    count = 60 if quick else 300
    for clients in (1, 4):
        health = await load(port, clients, fixed("GET", "/healthz"), 200, count, 30)
        queue: Run = await load(port, clients, fixed("GET", "/office/", {"Cookie": cookie}), 200, count, 60)
        for q, tag in ((0.5, "p50"), (0.99, "p99")):
            gated = clients == 1 and cases == 2000 and tag == "p99"
            value = queue.pct(q)
            rows.append(
                (
                    f"{cases} cases, {clients} cl: queue {tag}",
                    f"{value:.1f} ms",
                    "< 100 ms" if gated else "report",
                    f"{value / health.pct(q):.1f}x",
                    verdict(value < 100 if gated else None),
                )
            )
        rows.append(
            (f"{cases} cases, {clients} cl: healthz p99", f"{health.pct(0.99):.1f} ms", "baseline", "1.0x", "-")
        )
    return rows


async def bench(quick: bool) -> None:
    standin = WeChatStandIn({MP_APP_ID: MP_SECRET})
    standin.start()
    port = free_port()
    env = {
        "WECHAT_API_BASE": standin.base_url,
        "WECHAT_MP_APP_ID": MP_APP_ID,
        "WECHAT_MP_APP_SECRET": MP_SECRET,
        "BOOTSTRAP_ADMIN": f"{ADMIN}:{ADMIN_PASSWORD}",
        "MONGODB_DATABASE": "bench",
    }
    with server_process(env, port) as server:
        await wait_until_up(port, server)
        tokens = await mp_tokens(port, standin, 50)
        cookie = await office_cookie(port)
        rows = []
        stored = 0
        for target in (2000, 5000):
            print(f"seeding to {target} cases ...", file=sys.stderr)
            await load(port, 8, submissions(tokens), 201, target - stored, 600)
            stored = target
            rows += await measure(port, cookie, target, quick)
    standin.stop()
    print_table(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests per figure")
    return run_bench(bench(parser.parse_args().quick))


if __name__ == "__main__":
    sys.exit(main())
