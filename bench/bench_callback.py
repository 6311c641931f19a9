"""Callback bench: unique signed text messages, plain and AES, against GET /healthz of the same server.

    python bench/bench_callback.py [--quick]

For each mode (plain, then safe mode with a fresh EncodingAESKey) it starts `python app.py --port N`
on the embedded engine (MONGODB_URI=mongomock://), then measures in the same run: GET /healthz (a
no-op handler, the baseline) and POST /wechat/callback with unique, signed (and in safe mode
encrypted) text messages "进度" from 64 senders, at 64 concurrent connections (throughput, target
>= 0.5x the baseline) and at 4 (p99 latency, target < 10 ms). Messages are built by
tests/wechat_sender.py (independent of our code); a sample of replies is decrypted and checked.
Exit code 0 on a MISS too (this is a measurement); non-zero only when the bench itself breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.wechat_sender import WeChatSender, new_aes_key, text_xml  # noqa: E402

APP_ID, TOKEN = "wx-bench-official-account", "bench-callback-token"
SENDERS = 64
Request = tuple[str, str, bytes]  # method, path, body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(aes_key: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "APP_ENV": "development",
        "MONGODB_URI": "mongomock://",
        "MONGODB_DATABASE": "bench",
        "WECHAT_API_BASE": f"http://127.0.0.1:{free_port()}/",  # nothing listens: a text reply needs no WeChat
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_AES_KEY": aes_key,
    }


class Connection:
    """One keep-alive HTTP/1.1 connection (far cheaper per request than AsyncHTTPClient)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
        if body:
            head += "Content-Type: text/xml\r\n"
        writer.write((head + "\r\n").encode() + body)
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        payload = await reader.readexactly(int(fields.get("content-length", "0")))
        return int(lines[0].split()[1]), payload

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


@dataclass
class Run:
    latencies: list[float]
    elapsed: float

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return 1000.0 * ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed


async def load(port: int, clients: int, make: Callable[[], Request], count: int, seconds: float) -> Run:
    """`clients` workers on their own connections, until `count` requests or `seconds` have passed."""
    issued = itertools.count()
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        conn = Connection(port)
        try:
            while next(issued) < count and time.perf_counter() < deadline:
                method, path, body = make()  # built outside the timing: the sender's work is not ours
                began = time.perf_counter()
                status, payload = await conn.request(method, path, body)
                latencies.append(time.perf_counter() - began)
                if status != 200:
                    raise RuntimeError(f"{method} {path}: HTTP {status} {payload[:300]!r}")
        finally:
            conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return Run(latencies, time.perf_counter() - began)


def messages(sender: WeChatSender) -> Callable[[], Request]:
    serial = itertools.count(int(time.time()) * 1000)

    def make() -> Request:
        msg_id = next(serial)
        path, body = sender.post(text_xml(f"o-bench-{msg_id % SENDERS}", "进度", msg_id=msg_id))
        return "POST", path, body

    return make


def healthz() -> Request:
    return "GET", "/healthz", b""


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


async def check_replies(port: int, sender: WeChatSender) -> None:
    """The bench measures real answers: a few replies decrypted (safe mode) and read."""
    conn = Connection(port)
    try:
        for _ in range(3):
            status, payload = await conn.request(*messages(sender)())
            fields = sender.read_reply(payload)
            if status != 200 or "还没有" not in fields.get("Content", ""):
                raise RuntimeError(f"unexpected reply {status} {payload[:200]!r}")
    finally:
        conn.close()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


async def bench_mode(mode: str, quick: bool) -> list[tuple[str, str, str, str, str]]:
    aes_key = new_aes_key() if mode == "aes" else ""
    sender = WeChatSender(TOKEN, APP_ID, aes_key)
    seconds, samples = (1.5, 400) if quick else (4.0, 2000)
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix=f"bench-callback-{mode}-", suffix=".log", delete=False)
    server = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=server_env(aes_key),
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        await wait_until_up(port, server)
        await check_replies(port, sender)
        await load(port, SENDERS, messages(sender), 2 * SENDERS, 10)  # warm-up: identities of the 64 senders
        base64 = await load(port, 64, healthz, 10**9, seconds)
        msg64 = await load(port, 64, messages(sender), 10**9, seconds)
        base4 = await load(port, 4, healthz, samples, seconds)
        msg4 = await load(port, 4, messages(sender), samples, seconds)
    except BaseException:
        print(f"server log kept: {log.name}", file=sys.stderr)
        raise
    else:
        os.unlink(log.name)
    finally:
        server.kill()
        server.wait(timeout=10)
        log.close()
    ratio = msg64.rps / base64.rps
    p99 = msg4.pct(0.99)
    return [
        (f"{mode}: 64 cl healthz", f"{base64.rps:.0f} /s", "baseline", "1.00x", "-"),
        (f"{mode}: 64 cl callback", f"{msg64.rps:.0f} /s", ">= 0.5x", f"{ratio:.2f}x", verdict(ratio >= 0.5)),
        (f"{mode}: 4 cl healthz p99", f"{base4.pct(0.99):.2f} ms", "report", "", "-"),
        (f"{mode}: 4 cl callback p50", f"{msg4.pct(0.5):.2f} ms", "report", "", "-"),
        (f"{mode}: 4 cl callback p99", f"{p99:.2f} ms", "< 10 ms", f"n={len(msg4.latencies)}", verdict(p99 < 10)),
    ]


def print_table(rows: list[tuple[str, str, str, str, str]]) -> None:
    header = ("measure", "value", "target", "ratio", "result")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


async def bench(quick: bool) -> None:
    rows = []
    for mode in ("plain", "aes"):
        print(f"measuring {mode} mode ...", flush=True)
        rows += await bench_mode(mode, quick)
    print()
    print_table(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (a smoke test)")
    args = parser.parse_args()
    try:
        asyncio.run(bench(args.quick))
    except Exception as exc:  # the bench itself broke: say why and fail
        print(f"bench failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
