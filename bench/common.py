"""What every bench shares: the server as a subprocess, keep-alive HTTP on 127.0.0.1, load, percentiles, tables."""

from __future__ import annotations

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
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, AnyStr

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REQUEST_TIMEOUT = 30.0  # seconds; slower than this means the bench (or the server) broke
CHUNK = 256 * 1024  # a request goes out in writes of this size, as a phone's upload would
Request = tuple[str, str, bytes, dict[str, str]]  # method, path, body, headers
Row = tuple[str, ...]


def failure(what: str, status: int, payload: bytes) -> RuntimeError:
    return RuntimeError(f"{what}: HTTP {status} {payload[:300].decode(errors='replace')}")


def server_env(extra: dict[str, str]) -> dict[str, str]:
    """The server's environment: development settings on the embedded engine, plus `extra`."""
    base = {
        "PATH": os.environ.get("PATH", ""),
        "APP_ENV": "development",
        "MONGODB_URI": "mongomock://",
        # One address (127.0.0.1) plays every client: the per-address limits would measure themselves.
        "RATE_LIMIT_MP_SESSIONS": "1000000",
        "RATE_LIMIT_CARD_TICKETS": "1000000",
    }
    return base | extra


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by process `pid` (Linux /proc); None where that is not available."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Response:
    status: int
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1: far cheaper per request than AsyncHTTPClient."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Response:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            if self.streams is None:
                self.streams = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = self.streams
            lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
            lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
            message = memoryview(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            for at in range(0, len(message), CHUNK):
                writer.write(message[at : at + CHUNK])
                await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            fields: dict[str, str] = {}
            cookies: dict[str, str] = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "set-cookie":
                    cookie_name, _, rest = value.strip().partition("=")
                    cookies[cookie_name] = rest.split(";", 1)[0].strip('"')
                elif name:
                    fields[name.strip().lower()] = value.strip()
            payload = await reader.readexactly(int(fields.get("content-length", "0")))
        return Response(int(head[0].split()[1]), payload, cookies)

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        response = await self.send(method, path, body, headers)
        return response.status, response.body

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


async def request_once(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One request on a connection of its own."""
    conn = Connection(port)
    try:
        return await conn.request(method, path, body, headers)
    finally:
        conn.close()


async def mp_sign_in(port: int, standin: Any, openid: str) -> str:
    """A mini-program user's token: a login code from the WeChat stand-in, then POST /api/mp/session."""
    body = json.dumps({"code": standin.state.issue_code(openid)}).encode()
    status, payload = await request_once(port, "POST", "/api/mp/session", body, {"Content-Type": "application/json"})
    if status != 200:
        raise failure("sign-in", status, payload)
    return json.loads(payload)["token"]


@dataclass
class Run:
    latencies: list[float]  # seconds
    elapsed: float

    def pct(self, q: float) -> float:
        """The q-quantile in milliseconds."""
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


def fixed(method: str, path: str, headers: dict[str, str] | None = None) -> Callable[[], Request]:
    return lambda: (method, path, b"", headers or {})


async def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with code {server.returncode}")
        try:
            if (await request_once(port, "GET", "/healthz"))[0] == 200:
                return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not answer /healthz in time")


def piped(stream: IO[AnyStr] | None) -> IO[AnyStr]:
    """One of a subprocess's streams that was opened with PIPE (Popen types each as possibly None)."""
    if stream is None:
        raise RuntimeError("the subprocess was started without a pipe there")
    return stream


async def wait_ready(server: subprocess.Popen[bytes], timeout: float, what: str) -> dict[str, Any]:
    """The facts a bench's own server prints on its line `READY {json}` once it listens (stats, guidance)."""
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = await loop.run_in_executor(None, piped(server.stdout).readline)
        if not line:
            raise RuntimeError(f"{what} exited ({server.poll()})")
        if line.startswith(b"READY "):
            return json.loads(line[6:])
    raise RuntimeError(f"{what} not ready in time")


def stop(server: subprocess.Popen[bytes]) -> None:
    """Ask a server process to stop; kill it if it has not in 10 s."""
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


@contextmanager
def server_process(env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`python app.py --port N` with server_env(env); stopped at the end; its log kept (and named) only on failure."""
    log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--port", str(port)],
        cwd=ROOT,
        env=server_env(env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    ok = False
    try:
        yield server
        ok = True
    finally:
        stop(server)
        log.close()
        if ok:
            os.unlink(log.name)
        else:
            print(f"server log kept: {log.name}", file=sys.stderr)


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else "PASS" if ok else "MISS"


def print_table(rows: Sequence[Row], header: Row = ("figure", "value", "target", "vs baseline", "result")) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def run_bench(bench: Coroutine[Any, Any, object]) -> int:
    """Run `bench`; exit code 0 (a MISS too: it is a measurement), 1 when the bench itself broke, saying why."""
    try:
        asyncio.run(bench)
    except Exception as exc:
        print(f"bench failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0
