"""Nothing acknowledged is lost: the server on `embedded:<folder>` killed (SIGKILL) in a burst, then restarted."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPResponse

from tests.support import pdfs
from tests.support.app import MP_APP_ID, server_environ
from tests.support.samples import worker_body
from tests.support.server_process import ServerProcess

WORKERS = 24  # concurrent clients in the burst, each its own person
KILL_AFTER_ACKS = 60  # acknowledged submissions and uploads before the kill (the burst goes on meanwhile)


def _pdf(seed: int) -> bytes:
    """A small file the evidence check keeps byte for byte (a PDF that parses is stored as sent), each different."""
    filler = f"(crash test {seed} {os.urandom(2048).hex()})".encode()
    return pdfs.raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", pdfs.PAGES, b"<< " + pdfs.PAGE + b" >>", filler])


class Client:
    def __init__(self, http: AsyncHTTPClient, base: str) -> None:
        self.http, self.base = http, base

    async def call(
        self,
        method: str,
        path: str,
        token: str = "",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> HTTPResponse:
        all_headers = {"Content-Type": "application/json"} | (headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return await self.http.fetch(
            self.base + path,
            method=method,
            body=body,
            headers=all_headers,
            raise_error=False,
            request_timeout=timeout,
            allow_nonstandard_methods=True,
        )


async def _sign_in(client: Client, wechat: Any, openid: str) -> str:
    code = wechat.state.issue_code(openid)
    response = await client.call("POST", "/api/mp/session", body=json.dumps({"code": code}).encode())
    assert response.code == 200, response.body
    return json.loads(response.body)["token"]


@pytest.mark.gen_test(timeout=180)
async def test_sigkill_mid_burst_loses_nothing_acknowledged(wechat, tmp_path):
    folder = tmp_path / "db"
    env = server_environ(
        wechat.base_url, str(folder / "blobs"), MONGODB_URI=f"embedded:{folder}", WECHAT_MP_APP_ID=MP_APP_ID
    )
    env.pop("MONGODB_DATABASE")
    log = tmp_path / "server.log"
    server = ServerProcess(env, log).start()
    http = AsyncHTTPClient(force_instance=True, max_clients=WORKERS + 4)
    client = Client(http, server.base_url)
    tokens = [await _sign_in(client, wechat, f"crash-{i}") for i in range(WORKERS)]

    uploads: dict[str, tuple[int, bytes]] = {}  # acknowledged file id -> (worker, bytes)
    submissions: list[dict[str, Any]] = []  # every attempt: worker, key, body, serial once acknowledged
    acks = 0
    killed = asyncio.Event()

    async def worker(n: int) -> None:
        nonlocal acks
        token, seq = tokens[n], 0
        while not killed.is_set():
            seq += 1
            data = _pdf(n * 10_000 + seq)
            try:
                sent = await client.call(
                    "POST",
                    "/api/mp/files",
                    token,
                    data,
                    {"Content-Type": "application/pdf", "X-File-Name": f"p{seq}.pdf"},
                )
            except (HTTPClientError, OSError):
                return
            if sent.code != 201:
                return  # the kill (599) or a refusal the assertions below will not count
            file_id = json.loads(sent.body)["id"]
            uploads[file_id] = (n, data)
            acks += 1
            body = worker_body() | {"evidence": [file_id]}
            attempt = {"worker": n, "key": f"crash-{n}-{seq}-{uuid.uuid4().hex[:8]}", "body": body, "serial": None}
            submissions.append(attempt)
            try:
                made = await client.call(
                    "POST",
                    "/api/mp/applications",
                    token,
                    json.dumps(body, ensure_ascii=False).encode(),
                    {"Idempotency-Key": attempt["key"]},
                )
            except (HTTPClientError, OSError):
                return
            if made.code != 201:
                return
            attempt["serial"] = json.loads(made.body)["serial"]
            acks += 1

    async def killer() -> None:
        while acks < KILL_AFTER_ACKS:
            await asyncio.sleep(0.005)
        server.kill()  # SIGKILL while the other workers' requests are in flight
        killed.set()

    await asyncio.gather(killer(), *(worker(n) for n in range(WORKERS)))
    acknowledged = [s for s in submissions if s["serial"]]
    assert len(acknowledged) >= KILL_AFTER_ACKS // 3 and uploads

    server = ServerProcess(env, log, port=server.port).start()
    try:
        # Every acknowledged file comes back byte for byte, to its owner.
        for file_id, (n, data) in uploads.items():
            got = await client.call("GET", f"/api/mp/files/{file_id}", tokens[n])
            assert got.code == 200 and got.body == data, file_id
        # Every acknowledged case is there, with its evidence.
        for attempt in acknowledged:
            got = await client.call("GET", f"/api/mp/applications/{attempt['serial']}", tokens[attempt["worker"]])
            assert got.code == 200, (attempt["serial"], got.body)
        # A retried Idempotency-Key answers its original case; one cut off by the kill gets one case too.
        for attempt in submissions:
            again = await client.call(
                "POST",
                "/api/mp/applications",
                tokens[attempt["worker"]],
                json.dumps(attempt["body"], ensure_ascii=False).encode(),
                {"Idempotency-Key": attempt["key"]},
            )
            assert again.code in (200, 201), again.body
            serial = json.loads(again.body)["serial"]
            if attempt["serial"]:
                assert serial == attempt["serial"]
            attempt["serial"] = serial
        # New submissions after the restart: no serial given twice, to anyone.
        for n in range(3):
            made = await client.call(
                "POST",
                "/api/mp/applications",
                tokens[n],
                json.dumps(worker_body() | {"evidence": []}, ensure_ascii=False).encode(),
                {"Idempotency-Key": f"after-{n}-{uuid.uuid4().hex}"},
            )
            assert made.code == 201
        listed: list[str] = []
        for token in tokens:
            got = await client.call("GET", "/api/mp/applications", token)
            listed += [item["serial"] for item in json.loads(got.body)["items"]]
        assert len(listed) == len(set(listed)), "a serial was given twice"
        assert {a["serial"] for a in submissions} <= set(listed)
        assert len(listed) == len(submissions) + 3  # each attempt cut off by the kill made one case at most
        ready = await client.call("GET", "/readyz")
        assert json.loads(ready.body) == {"status": "ready", "engine": "embedded", "durable": True}
    finally:
        server.stop()
        http.close()
    assert "Traceback" not in log.read_text(errors="replace")


def test_second_process_on_the_same_folder_refuses_to_start(tmp_path: Path, wechat: Any) -> None:
    folder = tmp_path / "db"
    env = server_environ(wechat.base_url, str(folder / "blobs"), MONGODB_URI=f"embedded:{folder}")
    env.pop("UPLOAD_TMP_DIR", None)
    # What a crash left half-written: an upload being received, a blob being encrypted.
    (folder / "uploads" / "upload-k1ll3d").mkdir(parents=True)
    (folder / "uploads" / "upload-k1ll3d" / "body").write_bytes(b"half a photo")
    (folder / "blobs" / ".tmp").mkdir(parents=True)
    (folder / "blobs" / ".tmp" / "0123.part").write_bytes(b"half a blob")
    first = ServerProcess(env, tmp_path / "first.log").start()
    assert not (folder / "uploads" / "upload-k1ll3d").exists()
    assert not list((folder / "blobs" / ".tmp").iterdir())
    assert "removed 2 unfinished upload or blob file(s)" in first.log()
    assert first.process is not None
    try:
        second = ServerProcess(env, tmp_path / "second.log").start(wait=False)
        assert second.wait(30) == 2
        assert f"another process (pid {first.process.pid}) is using the embedded database in {folder}" in second.log()
    finally:
        first.stop()
    assert first.process.returncode == 0  # SIGTERM: a clean stop
