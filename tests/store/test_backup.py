"""The recovery drill of docs/operations.md: a backup taken while the server is under load, the live folder
damaged, the server refusing it, the backup restored into an empty folder, every acknowledged case and file back."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from store.folder import MANIFEST
from tests.support import pdfs
from tests.support.app import MP_APP_ID, OA_APP_ID, server_environ
from tests.support.commands import manage
from tests.support.samples import worker_body
from tests.support.server_process import ServerProcess

WORKERS = 8
TOKEN = "drill-admin-token-0123456789abcdef"


def _pdf(seed: int) -> bytes:
    return pdfs.plain(padding=1024, line=f"drill {seed} {os.urandom(16).hex()}")


class Load:
    """Clients uploading a file and submitting a case with it, each acknowledgement timed."""

    def __init__(self, http: AsyncHTTPClient, base: str, tokens: list[str]) -> None:
        self.http, self.base, self.tokens = http, base, tokens
        self.files: dict[str, tuple[int, bytes, float]] = {}  # file id -> (worker, bytes, acknowledged at)
        self.cases: list[tuple[int, str, float]] = []  # (worker, serial, acknowledged at)
        self.stop = asyncio.Event()

    async def call(self, method: str, path: str, token: str, body: bytes | None, **headers: str) -> Any:
        sent = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"} | headers
        return await self.http.fetch(
            self.base + path, method=method, body=body, headers=sent, raise_error=False, request_timeout=60
        )

    async def worker(self, n: int) -> None:
        seq = 0
        while not self.stop.is_set():
            seq += 1
            data = _pdf(n * 10_000 + seq)
            try:
                sent = await self.call(
                    "POST", "/api/mp/files", self.tokens[n], data, **{"Content-Type": "application/pdf"}
                )
                assert sent.code == 201, sent.body
                file_id = json.loads(sent.body)["id"]
                self.files[file_id] = (n, data, time.monotonic())
                body = json.dumps(worker_body() | {"evidence": [file_id]}, ensure_ascii=False).encode()
                made = await self.call(
                    "POST", "/api/mp/applications", self.tokens[n], body, **{"Idempotency-Key": uuid.uuid4().hex}
                )
                assert made.code == 201, made.body
                self.cases.append((n, json.loads(made.body)["serial"], time.monotonic()))
            except HTTPClientError:
                return


async def _sign_in(http: AsyncHTTPClient, base: str, wechat: Any, openid: str) -> str:
    code = wechat.state.issue_code(openid)
    response = await http.fetch(
        base + "/api/mp/session",
        method="POST",
        body=json.dumps({"code": code}),
        headers={"Content-Type": "application/json"},
    )
    return json.loads(response.body)["token"]


@pytest.mark.gen_test(timeout=300)
async def test_backup_under_load_then_damage_then_restore_finds_every_acknowledged_case_and_file(wechat, tmp_path):
    folder = tmp_path / "db"
    env = server_environ(
        wechat.base_url,
        str(folder / "blobs"),
        MONGODB_URI=f"embedded:{folder}",
        WECHAT_MP_APP_ID=MP_APP_ID,
        ADMIN_TOKEN=TOKEN,
        PUBLIC_BASE_URL="https://m.example.cn",
    )
    env.pop("MONGODB_DATABASE")
    env.pop("BLOB_DIR")  # beside the folder: <folder>/blobs
    server = ServerProcess(env, tmp_path / "server.log").start()
    http = AsyncHTTPClient(force_instance=True, max_clients=WORKERS + 4)
    try:
        tokens = [await _sign_in(http, server.base_url, wechat, f"drill-{i}") for i in range(WORKERS)]
        load = Load(http, server.base_url, tokens)
        workers = [asyncio.ensure_future(load.worker(n)) for n in range(WORKERS)]
        while len(load.cases) < 20:
            await asyncio.sleep(0.05)
        began = time.monotonic()  # everything acknowledged before this must be in the backup
        status, out = await manage(env, "store", "backup", str(tmp_path / "backup.tar"))
        assert status == 0, out
        assert "taken by the server" in out and "while it runs" in out and "stored files" in out
        while len(load.cases) < 40:  # the load goes on after the backup
            await asyncio.sleep(0.05)
        # The same endpoint serves the other commands that need the running server: the menu, the check.
        status, out = await manage(env, "menu", "publish")
        assert status == 0, out
        assert wechat.state.menus[OA_APP_ID]["button"][0]["url"] == "https://m.example.cn/h5/apply"
        status, out = await manage(env, "store", "verify")
        assert status == 0 and "checked (by the server" in out, out
        load.stop.set()
        await asyncio.gather(*workers)
    finally:
        server.stop()
    before = {serial for _, serial, at in load.cases if at < began}
    files_before = {file_id: (n, data) for file_id, (n, data, at) in load.files.items() if at < began}
    assert len(before) >= 20 and len(load.cases) >= 40

    # The live folder damaged at rest: bytes changed in the middle of its journal, a stored file changed.
    [journal] = sorted(folder.glob("journal-*.log"))[-1:]
    data = bytearray(journal.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 8] = b"\x00" * 8
    journal.write_bytes(bytes(data))
    blob = next(p for p in (folder / "blobs").glob("??/*"))
    blob.write_bytes(blob.read_bytes()[:-3] + b"xyz")
    refused = ServerProcess(env, tmp_path / "refused.log").start(wait=False)
    assert refused.wait(60) == 2
    assert f"refusing to start: the embedded database in {folder} is damaged" in refused.log()
    assert str(journal) in refused.log()
    status, out = await manage(env, "store", "verify")
    assert status == 1 and str(journal) in out and str(blob) in out, out

    # Restored into an empty folder, checked, opened; the server on it has everything acknowledged before.
    restored = tmp_path / "restored"
    status, out = await manage(env, "store", "restore", str(tmp_path / "backup.tar"), "--into", str(restored))
    assert status == 0, out
    assert json.loads((restored / MANIFEST).read_bytes())["state"] == "closed"
    env_restored = env | {"MONGODB_URI": f"embedded:{restored}"}
    server = ServerProcess(env_restored, tmp_path / "restored.log").start()
    load = Load(http, server.base_url, tokens)
    try:
        for file_id, (n, data) in files_before.items():
            got = await load.call("GET", f"/api/mp/files/{file_id}", tokens[n], None)
            assert got.code == 200 and got.body == data, file_id
        listed: set[str] = set()
        for token in tokens:
            got = await load.call("GET", "/api/mp/applications", token, None)
            listed |= {item["serial"] for item in json.loads(got.body)["items"]}
        assert before <= listed
    finally:
        server.stop()
        http.close()
    assert "Traceback" not in (tmp_path / "restored.log").read_text()


@pytest.mark.gen_test(timeout=180)
async def test_the_store_commands_on_a_stopped_folder(tmp_path):
    import io

    from settings import parse_data_keys
    from store import connect
    from store.blobs import BlobKeys, LocalBlobStore
    from tests.support.app import TEST_DATA_KEY

    folder = tmp_path / "db"
    env = server_environ("http://127.0.0.1:9/", str(folder / "blobs"), MONGODB_URI=f"embedded:{folder}")
    env.pop("MONGODB_DATABASE")
    blobs = LocalBlobStore(folder / "blobs", BlobKeys(*parse_data_keys(TEST_DATA_KEY)))
    client, db = connect(f"embedded:{folder}")
    blob_id = await blobs.put(io.BytesIO(b"evidence " * 1000))
    await db["files"].insert_one({"_id": "f1", "blob_id": blob_id, "sha256": (await blobs.check(blob_id)).sha256})
    await db["cases"].insert_one({"_id": "c1"})
    await client.close()

    status, out = await manage(env, "store", "backup", str(tmp_path / "copy"))
    assert status == 0 and "from the stopped folder" in out and "1 stored files" in out, out
    status, out = await manage(env, "store", "verify", "--folder", str(tmp_path / "copy"))
    assert status == 0 and "2 documents (1 cases, 1 files" in out, out
    status, out = await manage(env, "store", "restore", str(tmp_path / "copy"), "--into", str(folder))
    assert status == 2 and "is not empty" in out, out  # never over a folder that holds something

    client, db = connect(f"embedded:{folder}")  # a second process's journal, then damage in the first
    await db["cases"].insert_one({"_id": "c2"})
    await client.close()
    first = folder / "journal-00000001.log"
    data = bytearray(first.read_bytes())
    data[len(data) // 2] ^= 0xFF
    first.write_bytes(bytes(data))
    status, out = await manage(env, "store", "verify")
    assert status == 1 and f"{first}:" in out and "PROBLEM" in out, out
    status, out = await manage(env, "store", "repair")
    assert status == 1 and "store repair --yes moves" in out and first.read_bytes() == bytes(data), out
    status, out = await manage(env, "store", "repair", "--yes")
    assert status == 0 and "moved journal-00000001.log, journal-00000002.log" in out, out
    status, out = await manage(env, "store", "verify")
    assert status == 0, out
