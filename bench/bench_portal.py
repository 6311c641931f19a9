"""Portal bench: card login tickets (with their QR image), the ticket poll, and password sign-ins, in one run.

    python bench/bench_portal.py [--quick]

Serves the card platform stand-in in this process and starts the real server as a subprocess,
`python app.py --port N`, on the embedded engine (MONGODB_URI=mongomock://), with
CARD_PLATFORM_BASE pointing at the stand-in. Baseline: GET /healthz of the same server (a no-op
handler). Measures: POST /portal/card/tickets (a ticket and its QR PNG) and GET
/portal/card/tickets/{id} (the poll, each client polling its own pending ticket with its binding
cookie) at 4 and 64 concurrent clients; then 20 concurrent password sign-ins (argon2id with the
production parameters, off the event loop) while one client probes /healthz. Accounts are
registered through the pages, each SMS code read from the server's log (the SMS stand-in logs it).
Exit code 0 on a MISS too (a measurement); non-zero only when the bench itself breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import Run, cpu_seconds, free_port, server_env, stop, wait_until_up  # noqa: E402

from settings import DEV_CARD_CHANNEL_KEY, DEV_CARD_PUBLIC_KEY, CardPlatformSettings  # noqa: E402
from standins.card_platform import CardPlatformStandIn, Channel  # noqa: E402
from tests.support.samples import make_resident_id  # noqa: E402

REQUEST_TIMEOUT = 30.0
PASSWORD = "Bench-Portal-2026"
SIGN_INS = 20


class Client:
    """One keep-alive HTTP/1.1 connection that keeps cookies, like one browser."""

    def __init__(self, port: int, address: str = "") -> None:
        self.port = port
        self.address = address  # this browser's own address, told through the (trusted) proxy header
        self.cookies: dict[str, str] = {}
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            if self.streams is None:
                self.streams = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = self.streams
            lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
            if self.cookies:
                lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
            if self.address:
                lines.append(f"X-Real-IP: {self.address}")
            lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "set-cookie":
                    cookie_name, _, rest = value.strip().partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if cookie_value and "expires=Thu, 01 Jan 1970" not in value:
                        self.cookies[cookie_name] = cookie_value
                    else:
                        self.cookies.pop(cookie_name, None)
            payload = await reader.readexactly(length)
        return int(head[0].split()[1]), payload

    async def xsrf(self) -> dict[str, str]:
        if "_xsrf" not in self.cookies:
            await self.request("GET", "/portal/login")
        return {"X-XSRFToken": self.cookies["_xsrf"]}

    async def form(self, path: str, fields: dict[str, str]) -> tuple[int, bytes]:
        headers = await self.xsrf() | {"Content-Type": "application/x-www-form-urlencoded"}
        return await self.request("POST", path, urlencode(fields | {"_xsrf": self.cookies["_xsrf"]}).encode(), headers)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


Request = tuple[str, str, bytes, dict[str, str]]


async def run_clients(
    port: int,
    clients: int,
    prepare: Callable[[Client], Awaitable[Any]],
    make: Callable[[Any], Request],
    expect: int,
    count: int,
    seconds: float,
) -> Run:
    """`clients` browsers, each prepared once (not timed), then issuing requests until `count` or `seconds`."""
    issued = itertools.count()
    latencies: list[float] = []
    ready = [await _prepared(port, prepare) for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    async def worker(client: Client, state: Any) -> None:
        try:
            while next(issued) < count and time.perf_counter() < deadline:
                method, path, body, headers = make(state)
                began = time.perf_counter()
                status, payload = await client.request(method, path, body, headers)
                latencies.append(time.perf_counter() - began)
                if status != expect:
                    raise RuntimeError(f"{method} {path}: HTTP {status} {payload[:300]!r}")
        finally:
            client.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(client, state) for client, state in ready))
    return Run(latencies, time.perf_counter() - began)


async def _prepared(port: int, prepare: Callable[[Client], Awaitable[Any]]) -> tuple[Client, Any]:
    client = Client(port)
    return client, await prepare(client)


async def nothing(client: Client) -> None:
    return None


async def xsrf_only(client: Client) -> dict[str, str]:
    return await client.xsrf()


async def own_ticket(client: Client) -> str:
    status, payload = await client.request("POST", "/portal/card/tickets", b"", await client.xsrf())
    if status != 201:
        raise RuntimeError(f"ticket: HTTP {status} {payload[:200]!r}")
    return json.loads(payload)["poll"]


def healthz(_: Any) -> Request:
    return "GET", "/healthz", b"", {}


def create_ticket(headers: dict[str, str]) -> Request:
    return "POST", "/portal/card/tickets", b"", headers


def poll(path: str) -> Request:
    return "GET", path, b"", {}


def person_address(i: int) -> str:
    """Each person signs in from a device of their own (the server limits sign-ins per address)."""
    return f"10.0.{i // 250}.{i % 250 + 1}"


async def register_accounts(port: int, log_path: Path, n: int) -> list[str]:
    """n accounts through the registration page; each SMS code read from the server's log."""
    mobiles = []
    for i in range(n):
        client, mobile = Client(port, person_address(i)), f"135{i:08d}"
        try:
            headers = await client.xsrf() | {"Content-Type": "application/json"}
            body = json.dumps({"mobile": mobile, "purpose": "register"}).encode()
            status, payload = await client.request("POST", "/portal/sms", body, headers)
            if status != 200:
                raise RuntimeError(f"sms: HTTP {status} {payload[:200]!r}")
            code = await _logged_code(log_path, mobile)
            fields = {
                "name": f"测试{i}",
                "id_type": "resident_id",
                "mobile": mobile,
                "sms_code": code,
                "id_number": make_resident_id("310115", "19900101", f"{i:03d}"),
                "password": PASSWORD,
                "password_confirm": PASSWORD,
            }
            status, payload = await client.form("/portal/register", fields)
            if status != 302:
                raise RuntimeError(f"register: HTTP {status} {payload[:300]!r}")
        finally:
            client.close()
        mobiles.append(mobile)
    return mobiles


async def _logged_code(log_path: Path, mobile: str) -> str:
    masked = mobile[:3] + "****" + mobile[-4:]
    pattern = re.compile(rf"register code for {re.escape(masked)} is (\d{{6}})")
    for _ in range(100):
        found = pattern.findall(log_path.read_text(errors="replace"))
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise RuntimeError(f"no SMS code for {masked} in the server's log")


async def sign_ins_with_probe(port: int, mobiles: list[str], rounds: int) -> tuple[Run, Run]:
    """All accounts sign in at once, `rounds` times, while one client probes /healthz back to back."""
    clients = [Client(port, person_address(i)) for i in range(len(mobiles))]
    for client in clients:
        await client.xsrf()
    signing = asyncio.Event()
    probes: list[float] = []

    async def probe() -> None:
        conn = Client(port)
        try:
            while not signing.is_set():
                began = time.perf_counter()
                await conn.request("GET", "/healthz")
                probes.append(time.perf_counter() - began)
                await asyncio.sleep(0.005)
        finally:
            conn.close()

    async def sign_in(client: Client, mobile: str) -> float:
        began = time.perf_counter()
        status, payload = await client.form("/portal/login", {"login": mobile, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"sign-in: HTTP {status} {payload[:200]!r}")
        return time.perf_counter() - began

    prober = asyncio.create_task(probe())
    began, latencies = time.perf_counter(), []
    for _ in range(rounds):
        latencies += await asyncio.gather(*(sign_in(c, m) for c, m in zip(clients, mobiles, strict=True)))
    elapsed = time.perf_counter() - began
    signing.set()
    await prober
    for client in clients:
        client.close()
    return Run(latencies, elapsed), Run(probes, elapsed)


def ms(run: Run, q: float) -> str:
    return f"{run.pct(q):7.2f}"


async def bench(quick: bool) -> None:
    port = free_port()
    card = CardPlatformSettings()
    channel = Channel(
        f"http://127.0.0.1:{port}/portal/card/notify", bytes.fromhex(DEV_CARD_CHANNEL_KEY), DEV_CARD_PUBLIC_KEY
    )
    standin = CardPlatformStandIn({card.channel_id: channel})
    standin.start()
    log_file = tempfile.NamedTemporaryFile(prefix="bench_portal_", suffix=".log", delete=False)  # noqa: SIM115
    env = server_env(
        {  # the per-address limits lifted, as for every bench: one machine plays every client
            "MONGODB_DATABASE": "bench",
            "CARD_PLATFORM_BASE": standin.base_url,
            "NOTIFICATION_SENDER": "off",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "BEHIND_PROXY": "true",  # as behind our load balancer: each person's address from X-Real-IP
        }
    )
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    small, seconds = (200, 2.0) if quick else (1000, 5.0)
    try:
        await wait_until_up(port, server)
        rows: list[tuple[str, str]] = []
        print(f"server pid {server.pid}, embedded engine; card platform stand-in {standin.base_url}")
        print("\n== 4 concurrent clients (ms at the client) ==")
        h4 = await run_clients(port, 4, nothing, healthz, 200, small, seconds)
        t4 = await run_clients(port, 4, xsrf_only, create_ticket, 201, small // 4, seconds)
        p4 = await run_clients(port, 4, own_ticket, poll, 200, small, seconds)
        for label, run in (("healthz", h4), ("ticket + QR", t4), ("poll", p4)):
            print(f"{label:12s} p50 {ms(run, 0.5)}  p99 {ms(run, 0.99)}  {run.rps:8.0f}/s  (n={len(run.latencies)})")
        rows.append(("poll p99 at 4 clients < 10 ms", "OK" if p4.pct(0.99) < 10 else "MISS"))
        print("\n== 64 concurrent clients (fixed time) ==")
        cpu0 = cpu_seconds(server.pid)
        h64 = await run_clients(port, 64, nothing, healthz, 200, 10**9, seconds)
        cpu1 = cpu_seconds(server.pid)
        p64 = await run_clients(port, 64, own_ticket, poll, 200, 10**9, seconds)
        t64 = await run_clients(port, 64, xsrf_only, create_ticket, 201, 10**9, seconds)
        for label, run in (("healthz", h64), ("poll", p64), ("ticket + QR", t64)):
            print(f"{label:12s} p50 {ms(run, 0.5)}  p99 {ms(run, 0.99)}  {run.rps:8.0f}/s")
        if cpu0 is not None and cpu1 is not None:
            print(f"server CPU during healthz: {100 * (cpu1 - cpu0) / h64.elapsed:.0f}% of one core")
        ratio = p64.rps / h64.rps
        print(
            f"poll / healthz throughput: {ratio:.2f}; QR images per second: {t64.rps:.0f} (64 clients), "
            f"{t4.rps:.0f} (4 clients)"
        )
        rows.append(("poll throughput at 64 >= 0.5 x healthz", "OK" if ratio >= 0.5 else "MISS"))
        print(f"\n== {SIGN_INS} concurrent password sign-ins (argon2id, production parameters) ==")
        mobiles = await register_accounts(port, Path(log_file.name), SIGN_INS)
        signins, probes = await sign_ins_with_probe(port, mobiles, 1 if quick else 3)
        print(f"sign-in      p50 {ms(signins, 0.5)}  p99 {ms(signins, 0.99)}  {signins.rps:8.1f}/s")
        print(
            f"healthz meanwhile p50 {ms(probes, 0.5)}  p99 {ms(probes, 0.99)}  max {1000 * max(probes.latencies):.2f}"
            f"  (n={len(probes.latencies)})"
        )
        rows.append(("healthz p99 during 20 sign-ins < 50 ms", "OK" if probes.pct(0.99) < 50 else "MISS"))
        print("\n== targets ==")
        for label, verdict in rows:
            print(f"{verdict:5s} {label}")
    finally:
        stop(server)
        standin.stop()
        log_file.close()
        os.unlink(log_file.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, shorter runs")
    asyncio.run(bench(parser.parse_args().quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
