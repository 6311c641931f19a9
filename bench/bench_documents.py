"""Documents bench: /healthz stays responsive while the server generates a burst of 100 documents.

    python bench/bench_documents.py [--quick]

Starts the server as a subprocess (mongomock://), submits one case through the mini-program API,
signs an administrator in and posts 100 "一键生成" requests (8 at a time) while a probe measures
GET /healthz; the baseline is /healthz on the idle server in the same run. Rendering runs in the
server's worker processes at a lower priority, so the event loop keeps answering. (Per-kind render speed against a bare
docxtpl render is bench/bench_docgen.py.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import urllib.parse

from bench_backoffice import ADMIN, ADMIN_PASSWORD, BODY, MP_APP_ID, MP_SECRET, mp_tokens, office_cookie
from common import (
    Connection,
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


async def probe(port: int, stop: asyncio.Event) -> Run:
    conn = Connection(port)
    latencies = []
    began = time.perf_counter()
    try:
        while not stop.is_set():
            start = time.perf_counter()
            status, _ = await conn.request("GET", "/healthz")
            latencies.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"healthz answered {status}")
            await asyncio.sleep(0.01)
    finally:
        conn.close()
    return Run(latencies, time.perf_counter() - began)


async def bench(quick: bool) -> None:
    documents = 30 if quick else 100
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
        [token] = await mp_tokens(port, standin, 1)
        conn = Connection(port)
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": "bench-doc-1",
        }
        status, payload = await conn.request("POST", "/api/mp/applications", BODY, headers)
        conn.close()
        if status != 201:
            raise failure("submit", status, payload)
        serial = json.loads(payload)["serial"]
        cookie = await office_cookie(port)
        xsrf = cookie.split(";")[0].split("=", 1)[1]
        form = urllib.parse.urlencode({"kind": "application", "_xsrf": xsrf}).encode()
        generate = (
            "POST",
            f"/office/cases/{serial}/document",
            form,
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        idle = await load(port, 1, fixed("GET", "/healthz"), 200, 200, 20)
        stop = asyncio.Event()
        probing = asyncio.create_task(probe(port, stop))
        burst = await load(port, 8, lambda: generate, 302, documents, 300)
        stop.set()
        during = await probing
    standin.stop()
    p99 = during.pct(0.99)
    print_table(
        [
            (
                f"healthz p99 during {documents} documents",
                f"{p99:.1f} ms",
                "< 50 ms",
                f"{p99 / idle.pct(0.99):.1f}x",
                verdict(p99 < 50),
            ),
            ("healthz p99 idle", f"{idle.pct(0.99):.1f} ms", "baseline", "1.0x", "-"),
            ("documents per second (8 at a time)", f"{burst.rps:.1f} /s", "report", "-", "-"),
            ("generate request p50", f"{burst.pct(0.5):.0f} ms", "report", "-", "-"),
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 documents instead of 100")
    return run_bench(bench(parser.parse_args().quick))


if __name__ == "__main__":
    sys.exit(main())
