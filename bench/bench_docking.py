"""Court docking (issue 14): a burst of signed delegations with a 200 KB PDF each, every one sent twice, and the
delivery of our events to the partner while it answers; `GET /healthz` of the same server is the baseline.

1. Serves a court-platform stand-in (standins/court_platform.py) in the bench process and starts `python app.py`
   with DOCKING_PARTNERS_FILE pointing the court's callbacks at it (memory engine, blobs in a temp folder).
2. Baseline: `GET /healthz` requests per second at the burst's concurrency.
3. The burst: N delegations (default 1,000), each a fresh case number, the sample parties and a 200 KB PDF, signed
   as docs/contracts.md#signing-both-directions says (HMAC-SM3; SM3 of each body computed before the clock starts,
   the HMAC per request); each body is sent TWICE, the copies racing on different connections. Accepted per
   second = cases created / elapsed.
   Checked after: every delegation has exactly one case (the same serial in both answers, one 201 and one 200),
   and `GET /api/docking/delegations/{no}` finds each: 0 lost, 0 doubled.
4. Events: a system administrator (BOOTSTRAP_ADMIN) returns M of those delegations (the art. 12 decline in the back
   office, 4 at a time); each move writes its `answered` event into the case's outbox and the background sender
   delivers it to the stand-in, which checks its signature. Delay = arrival at the stand-in minus the moment the
   move's request was sent (so it includes the move itself). p50 / p99, every event once.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import secrets
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from urllib.parse import quote

import yaml
from common import (
    Connection,
    Run,
    cpu_seconds,
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

from platforms.court import (
    NONCE_HEADER,
    PARTNER_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_of_digest,
    sm3_hex,
)
from settings import dev_docking_key
from standins.court_platform import CourtPlatformStandIn, sample_delegation

COURT, SELF_ID = "bench-court", "sh-labour-mediation"
ADMIN, ADMIN_PASSWORD = "bench.admin", "Bench-Passw0rd-2026"
PDF_BYTES = 200 * 1024
CLIENTS = 16


def pdf(size: int, salt: int) -> bytes:
    """A real one-page PDF of about `size` bytes (a different comment per delegation)."""
    head = (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
    )
    # A cross-reference table and startxref: a PDF that does not parse is refused (services/intake/evidence.py).
    offsets = [head.index(b"%d 0 obj" % n) for n in (1, 2, 3)]
    padding = b"%" + (b"%08d" % salt) * max(0, (size - len(head) - 200) // 8) + b"\n"
    xref = len(head) + len(padding)
    table = b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % at for at in offsets)
    tail = b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return head + padding + table + tail


class Signer:
    """Signs requests as the court does; a body's SM3 is computed once, ahead of the measured run."""

    def __init__(self) -> None:
        self.key = dev_docking_key(COURT)

    def headers(self, method: str, path: str, body_sm3: str) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        # docs/contracts.md#signing-both-directions: HMAC-SM3 over METHOD, PATH_AND_QUERY, TIMESTAMP, NONCE and
        # hex(SM3(body)).
        mac = signature_of_digest(self.key, method, path, timestamp, nonce, body_sm3)
        return {
            PARTNER_HEADER: COURT,
            TIMESTAMP_HEADER: timestamp,
            NONCE_HEADER: nonce,
            SIGNATURE_HEADER: mac,
            "Content-Type": "application/json; charset=utf-8",
        }


def bodies(count: int) -> list[tuple[str, bytes, str]]:
    """(case number, body bytes, SM3 of the body) of `count` delegations, each with its own 200 KB PDF."""
    out = []
    stamp = int(time.time()) % 100000
    for i in range(count):
        body = sample_delegation(f"(2026)沪0115民诉前调{stamp}-{i}号", "支付拖欠工资", "12000.00")
        body["documents"] = [
            {
                "name": "起诉状.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(pdf(PDF_BYTES, i)).decode(),
            }
        ]
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        out.append((body["partner_case_no"], data, sm3_hex(data)))
    return out


async def burst(
    port: int, signer: Signer, items: list[tuple[str, bytes, str]], twins: bool = False
) -> tuple[float, dict, int]:
    """Every body once (`twins`: twice, the copies on different connections at once): (elapsed, answers by number,
    requests)."""
    queue: asyncio.Queue[tuple[str, bytes, str]] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
        if twins:
            queue.put_nowait(item)  # its twin, right behind it: another worker takes it at once
    answers: dict[str, list[tuple[int, str]]] = {}

    async def worker() -> None:
        conn = Connection(port)
        try:
            while not queue.empty():
                number, data, digest = queue.get_nowait()
                status, payload = await conn.request(
                    "POST", "/api/docking/delegations", data, signer.headers("POST", "/api/docking/delegations", digest)
                )
                if status not in (200, 201):
                    raise failure("delegation", status, payload)
                answers.setdefault(number, []).append((status, json.loads(payload)["serial"]))
        finally:
            conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    return time.perf_counter() - began, answers, (2 if twins else 1) * len(items)


async def office_cookie(port: int) -> tuple[str, str]:
    conn = Connection(port)
    try:
        xsrf = (await conn.send("GET", "/office/login")).cookies["_xsrf"]
        form = urllib.parse.urlencode({"login": ADMIN, "password": ADMIN_PASSWORD, "_xsrf": xsrf}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"_xsrf={xsrf}"}
        signed_in = await conn.send("POST", "/office/login", form, headers)
        if signed_in.status != 302:
            raise failure("office sign-in", signed_in.status, signed_in.body)
        return f"_xsrf={xsrf}; office_session={signed_in.cookies['office_session']}", xsrf
    finally:
        conn.close()


async def moves(port: int, serials: list[str], cookie: str, xsrf: str) -> dict[str, float]:
    """Return each case (decline, reason `unable`) from the back office, 4 at a time: when each request was sent."""
    sent: dict[str, float] = {}
    todo = list(serials)
    form = urllib.parse.urlencode({"reason_code": "unable", "reason": "", "_xsrf": xsrf}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}

    async def worker() -> None:
        conn = Connection(port)
        try:
            while todo:
                serial = todo.pop()
                sent[serial] = time.time()
                status, payload = await conn.request("POST", f"/office/cases/{serial}/docking/decline", form, headers)
                if status != 302:
                    raise failure("decline", status, payload)
                await asyncio.sleep(0.02)  # a steady flow of moves, as a centre makes them
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(4)))
    return sent


async def check_each(port: int, signer: Signer, items: list[tuple[str, bytes, str]], answers: dict) -> int:
    """How many delegations `GET /api/docking/delegations/{no}` does not find under the serial they were answered."""
    lost = 0
    conn = Connection(port)
    try:
        for number, _, _ in items:
            path = f"/api/docking/delegations/{quote(number, safe='')}"
            status, payload = await conn.request("GET", path, b"", signer.headers("GET", path, sm3_hex(b"")))
            lost += status != 200 or json.loads(payload)["serial"] != answers[number][0][1]
    finally:
        conn.close()
    return lost


def doubled(answers: dict, twins: bool) -> int:
    """Delegations with more than one serial, or answered other than one 201 then 200s."""
    wanted = [200, 201] if twins else [201]
    return sum(
        1 for pair in answers.values() if len({s for _, s in pair}) != 1 or sorted(st for st, _ in pair) != wanted
    )


async def bench(count: int, events: int, racing: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-docking-"))
    port = free_port()
    court = CourtPlatformStandIn(COURT, dev_docking_key(COURT), SELF_ID, f"http://127.0.0.1:{port}")
    court.start()
    partners = folder / "partners.yaml"
    partners.write_text(
        yaml.safe_dump(
            [{"id": COURT, "kind": "court", "name": "上海市浦东新区人民法院", "callback_base": court.callback_base}],
            allow_unicode=True,
        )
    )
    env = {
        "DOCKING_PARTNERS_FILE": str(partners),
        "BLOB_DIR": str(folder / "blobs"),
        "MONGODB_DATABASE": "bench",
        "UPLOAD_TMP_DIR": str(folder),
        "BOOTSTRAP_ADMIN": f"{ADMIN}:{ADMIN_PASSWORD}",
    }
    print(f"preparing {count + racing + 1} delegations of {PDF_BYTES // 1024} KB PDFs ...", file=sys.stderr)
    items = bodies(count + racing + 1)
    warm, items, race = items[0], items[1 : count + 1], items[count + 1 :]
    signer = Signer()
    with server_process(env, port) as server:
        await wait_until_up(port, server)
        await burst(port, signer, [warm])  # the region table and the templates, read once per process
        health: Run = await load(port, CLIENTS, fixed("GET", "/healthz"), 200, 3000, 20)
        began_cpu = cpu_seconds(server.pid)
        print(f"burst: {count} delegations, {CLIENTS} connections ...", file=sys.stderr)
        elapsed, answers, _ = await burst(port, signer, items)
        cpu = (cpu_seconds(server.pid) or 0.0) - (began_cpu or 0.0)
        print("the same again (each sent twice) ...", file=sys.stderr)
        again_elapsed, again, _ = await burst(port, signer, items)
        for number, pair in again.items():
            answers[number] += pair
        print(f"{racing} more, each twice at once ...", file=sys.stderr)
        race_elapsed, race_answers, _ = await burst(port, signer, race, twins=True)
        lost = await check_each(port, signer, items, answers) + await check_each(port, signer, race, race_answers)
        twice = doubled(answers, True) + doubled(race_answers, True)
        serials = {s for pair in [*answers.values(), *race_answers.values()] for _, s in pair}
        print(f"moves: returning {events} delegations from the back office ...", file=sys.stderr)
        cookie, xsrf = await office_cookie(port)
        chosen = [answers[number][0][1] for number, _, _ in items[:events]]
        sent = await moves(port, chosen, cookie, xsrf)
        deadline = time.time() + 120
        while len(court.state.events) < events and time.time() < deadline:
            await asyncio.sleep(0.05)
        arrived = {r.body["serial"]: r.at for r in court.state.events.values()}
        delays = sorted(arrived[s] - sent[s] for s in sent if s in arrived)
        p = Run(delays, 1.0)
    court.stop()
    accepted = count / elapsed
    rows = [
        ("healthz at 16 connections", f"{health.rps:.0f} req/s", "baseline", "1.00x", "-"),
        (
            f"delegations accepted ({count} x 200 KB PDF, 16 conn.)",
            f"{accepted:.0f} /s",
            ">= 100 /s",
            f"{accepted / health.rps:.3f}x",
            verdict(accepted >= 100),
        ),
        ("server CPU per delegation (burst)", f"{1000 * cpu / count:.1f} ms", "report", "-", "-"),
        (
            "each sent again (answered 200, same case)",
            f"{count / again_elapsed:.0f} /s",
            "report",
            f"{count / again_elapsed / health.rps:.3f}x",
            "-",
        ),
        (
            f"{racing} sent twice at once (one case each)",
            f"{racing / race_elapsed:.0f} /s",
            "report",
            f"{racing / race_elapsed / health.rps:.3f}x",
            "-",
        ),
        ("cases created", str(len(serials)), str(count + racing), "-", verdict(len(serials) == count + racing)),
        ("lost (GET finds each, same serial)", str(lost), "0", "-", verdict(lost == 0)),
        ("doubled (a second case, or not one 201 + 200s)", str(twice), "0", "-", verdict(twice == 0)),
        (f"events delivered ({events} answered)", str(len(arrived)), str(events), "-", verdict(len(arrived) == events)),
        ("event delay p50 (move sent -> partner has it)", f"{p.pct(0.5):.0f} ms", "report", "-", "-"),
        ("event delay p99", f"{p.pct(0.99):.0f} ms", "< 5000 ms", "-", verdict(p.pct(0.99) < 5000)),
        (
            "events received twice / refused signatures",
            f"{court.state.repeats} / {court.state.refused}",
            "0 / 0",
            "-",
            verdict(court.state.repeats == 0 and court.state.refused == 0),
        ),
    ]
    print_table(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegations", type=int, default=1000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--racing", type=int, default=200, help="more delegations, each sent twice at once")
    parser.add_argument("--quick", action="store_true", help="200 delegations, 50 racing, 100 events")
    args = parser.parse_args()
    count, events, racing = (200, 100, 50) if args.quick else (args.delegations, args.events, args.racing)
    return run_bench(bench(count, min(events, count), racing))


if __name__ == "__main__":
    sys.exit(main())
