"""Intake bench: submit and "我的申请" against the real server on the embedded engine, in one run.

    python bench/bench_intake.py [--quick]

Starts `python app.py --port N` (MONGODB_URI=mongomock://) with WeChat pointed at a stand-in that
this process serves on 127.0.0.1, signs users in through POST /api/mp/session, seeds cases through
the API and measures at 4 and 32 concurrent clients against GET /healthz of the same server (a
no-op handler: no database) as the baseline. Database commands per request are counted in-process
(make_app with a CommandCounter), since the server subprocess's counter is not reachable.
Exit code 0 on a MISS too (this is a measurement); non-zero only when the bench itself breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import close, make_app, start  # noqa: E402
from settings import load_settings  # noqa: E402
from standins.wechat import WeChatStandIn  # noqa: E402
from store import CommandCounter  # noqa: E402
from tests.samples import employer_body, worker_body  # noqa: E402

MP_APP_ID, MP_SECRET = "wx-bench-mini-program", "bench-mp-secret"
BODIES = [json.dumps(b | {"evidence": []}, ensure_ascii=False).encode() for b in (worker_body(), employer_body())]
LIST_USER_CASES = 5  # a realistic "我的申请" page
BULK_USERS = 20
REQUEST_TIMEOUT = 30.0  # seconds; a request slower than this means the bench (or the server) broke

Request = tuple[str, str, bytes, dict[str, str]]  # method, path, body, headers


def failure(what: str, status: int, payload: bytes) -> RuntimeError:
    return RuntimeError(f"{what}: HTTP {status} {payload[:300].decode(errors='replace')}")


def server_env(wechat_base: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "APP_ENV": "development",
        "MONGODB_URI": "mongomock://",
        "MONGODB_DATABASE": "bench",
        "WECHAT_API_BASE": wechat_base,
        "WECHAT_MP_APP_ID": MP_APP_ID,
        "WECHAT_MP_APP_SECRET": MP_SECRET,
    }


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by process `pid` (Linux /proc); None where that is not available."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1: far cheaper per request than AsyncHTTPClient,
    which opens a new connection each time and caps itself at 10 in flight."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            if self.streams is None:
                self.streams = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = self.streams
            lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
            lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
            payload = await reader.readexactly(int(fields.get("content-length", "0")))
        return int(head[0].split()[1]), payload

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


@dataclass
class Run:
    latencies: list[float]  # seconds
    elapsed: float

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return 1000.0 * ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed


async def load(port: int, clients: int, make: Callable[[], Request], expect: int, count: int, seconds: float) -> Run:
    """`clients` workers, each on its own connection, issue requests until `count` or `seconds` is reached."""
    issued = itertools.count()
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        conn = Connection(port)
        try:
            while next(issued) < count and time.perf_counter() < deadline:
                method, path, body, headers = make()
                began = time.perf_counter()
                status, payload = await conn.request(method, path, body, headers)
                latencies.append(time.perf_counter() - began)
                if status != expect:
                    raise failure(f"{method} {path}", status, payload)
        finally:
            conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return Run(latencies, time.perf_counter() - began)


def auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"} | extra


def submit_as(tokens: list[str]) -> Callable[[], Request]:
    turn = itertools.count()

    def make() -> Request:
        i = next(turn)
        headers = auth(tokens[i % len(tokens)], **{"Idempotency-Key": f"bench-{uuid.uuid4().hex}"})
        return "POST", "/api/mp/applications", BODIES[i % len(BODIES)], headers

    return make


def fixed(method: str, path: str, headers: dict[str, str] | None = None) -> Callable[[], Request]:
    return lambda: (method, path, b"", headers or {})


async def sign_in(port: int, standin: WeChatStandIn, openid: str) -> str:
    conn = Connection(port)
    try:
        body = json.dumps({"code": standin.state.issue_code(openid)}).encode()
        status, payload = await conn.request("POST", "/api/mp/session", body, {"Content-Type": "application/json"})
    finally:
        conn.close()
    if status != 200:
        raise failure("sign-in", status, payload)
    return json.loads(payload)["token"]


async def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with code {server.returncode}")
        conn = Connection(port)
        try:
            if (await conn.request("GET", "/healthz"))[0] == 200:
                return
        except OSError:
            await asyncio.sleep(0.1)
        finally:
            conn.close()
    raise RuntimeError("server did not answer /healthz in time")


async def count_commands(standin: WeChatStandIn, repeats: int = 5) -> dict[str, list[int]]:
    """Commands per request, read off the CommandCounter of an app served in this process."""
    settings = load_settings(ROOT / "config.yaml", environ=server_env(standin.base_url))
    counter = CommandCounter()
    app = make_app(settings, counter)
    await start(app)
    port = free_port()
    server = app.listen(port, address="127.0.0.1")
    conn = Connection(port)
    counts: dict[str, list[int]] = {"submit": [], "list": [], "detail": []}
    try:
        token = await sign_in(port, standin, "bench-openid-commands")
        make_submit = submit_as([token])
        serial = ""
        for _ in range(repeats):
            for name in counts:
                before = counter.count
                path = "/api/mp/applications" + (f"/{serial}" if name == "detail" else "")
                request = make_submit() if name == "submit" else ("GET", path, b"", auth(token))
                status, payload = await conn.request(*request)
                counts[name].append(counter.count - before)
                if status != (201 if name == "submit" else 200):
                    raise failure(name, status, payload)
                serial = json.loads(payload)["serial"] if name == "submit" else serial
    finally:
        conn.close()
        server.stop()
        await close(app)
    return counts


Row = tuple[str, str, str, str, str]  # figure, value, target, ratio, verdict


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else "PASS" if ok else "MISS"


def latency_rows(label: str, submit: Run, listing: Run, health: Run, targeted: bool) -> list[Row]:
    rows: list[Row] = []
    for name, run, limit in (("submit", submit, 25.0), ("list", listing, 15.0), ("healthz", health, None)):
        for q, tag in ((0.5, "p50"), (0.99, "p99")):
            value, base = run.pct(q), health.pct(q)
            gated = targeted and limit is not None and tag == "p99"
            target = f"< {limit:.0f} ms" if gated else "baseline" if name == "healthz" else "report"
            ratio = f"{value / base:.1f}x" if name != "healthz" else "1.0x"
            rows.append(
                (f"{label} {name} {tag}", f"{value:.1f} ms", target, ratio, verdict(value < limit if gated else None))
            )
    return rows


def print_table(rows: list[Row]) -> None:
    header: Row = ("figure", "value", "target", "vs baseline", "result")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def cpu_share(before: float | None, after: float | None, elapsed: float) -> str:
    return "n/a" if before is None or after is None else f"{(after - before) / elapsed:.0%}"


@dataclass
class Bench:
    """The server under test, its users and how many cases it holds."""

    port: int
    server: subprocess.Popen[bytes]
    list_token: str  # the user whose "我的申请" is listed: LIST_USER_CASES cases
    bulk: list[str]  # everyone else: they submit
    stored: int = 0

    async def submit(self, clients: int, count: int, seconds: float) -> Run:
        run = await load(self.port, clients, submit_as(self.bulk), 201, count, seconds)
        self.stored += len(run.latencies)
        return run

    async def at_4_clients(self, size: int, samples: int, submits: int) -> list[Row]:
        if size > self.stored:
            began = time.perf_counter()
            seeded = await self.submit(4, size - self.stored, 120)
            print(f"  seeded {len(seeded.latencies)} cases in {time.perf_counter() - began:.1f} s", flush=True)
        stored = self.stored
        print(f"measuring at 4 clients with {stored} cases stored (submits add {submits}) ...", flush=True)
        list_me = fixed("GET", "/api/mp/applications", auth(self.list_token))
        await load(self.port, 4, list_me, 200, 40, 10)  # warm-up
        listing = await load(self.port, 4, list_me, 200, samples, 30)
        health = await load(self.port, 4, fixed("GET", "/healthz"), 200, samples, 30)
        submit = await self.submit(4, submits, 60)
        return latency_rows(f"4 cl, {stored} cases:", submit, listing, health, targeted=size == 500)

    async def at_32_clients(self, seconds: float) -> list[Row]:
        print(f"measuring at 32 clients for {seconds:.0f} s each, from {self.stored} cases ...", flush=True)
        cpu0 = cpu_seconds(self.server.pid)
        health = await load(self.port, 32, fixed("GET", "/healthz"), 200, 100_000, seconds)
        cpu1 = cpu_seconds(self.server.pid)
        submit = await self.submit(32, 100_000, seconds)
        cpu2 = cpu_seconds(self.server.pid)
        ratio = submit.rps / health.rps
        busy = f"{cpu_share(cpu0, cpu1, health.elapsed)} / {cpu_share(cpu1, cpu2, submit.elapsed)}"
        return [
            ("32 cl: healthz rps", f"{health.rps:.0f} /s", "baseline", "1.00x", "-"),
            ("32 cl: submit rps", f"{submit.rps:.0f} /s", ">= 0.25x", f"{ratio:.2f}x", verdict(ratio >= 0.25)),
            (
                "32 cl: submit p99",
                f"{submit.pct(0.99):.1f} ms",
                "report",
                f"{submit.pct(0.99) / health.pct(0.99):.1f}x",
                "-",
            ),
            ("32 cl: server CPU healthz/submit", busy, "report", "", "-"),  # bound by the server, not the bench?
        ]


async def bench(quick: bool) -> None:
    # Submits grow the store, so fewer of them than reads (p99 of 300 is the 3rd-slowest).
    samples, submits, seconds = (100, 100, 2.0) if quick else (1000, 300, 5.0)
    standin = WeChatStandIn({MP_APP_ID: MP_SECRET})
    standin.start()
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)
    server = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=server_env(standin.base_url),
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        await wait_until_up(port, server)
        list_token = await sign_in(port, standin, "bench-openid-list")
        bulk = [await sign_in(port, standin, f"bench-openid-{i}") for i in range(BULK_USERS)]
        run = Bench(port, server, list_token, bulk)
        await load(port, 1, submit_as([list_token]), 201, LIST_USER_CASES, 60)
        run.stored = LIST_USER_CASES
        rows = await run.at_4_clients(500, samples, submits)
        rows += await run.at_32_clients(seconds)
        rows += await run.at_4_clients(2000, samples, submits)
        print("counting database commands in-process ...", flush=True)
        counts = await count_commands(standin)
        for name, target, ok in (
            ("submit", "<= 3", max(counts["submit"]) <= 3),
            ("list", "= 1", set(counts["list"]) == {1}),
            ("detail", "= 1", set(counts["detail"]) == {1}),
        ):
            rows.append((f"commands per {name}", "/".join(map(str, counts[name])), target, "", verdict(ok)))
        print(f"\ncases stored at the end: {run.stored}\n")
        print_table(rows)
    except BaseException:
        print(f"server log kept: {log.name}", file=sys.stderr)
        raise
    else:
        os.unlink(log.name)
    finally:
        server.kill()
        server.wait(timeout=10)
        log.close()
        standin.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and shorter runs (for a smoke test)")
    args = parser.parse_args()
    try:
        asyncio.run(bench(args.quick))
    except Exception as exc:  # the bench itself broke: say why and fail
        print(f"bench failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
