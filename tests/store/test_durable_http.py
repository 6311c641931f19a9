"""The server on the durable engine: /readyz names it, and a disk that fails turns answers into 503s."""

from __future__ import annotations

import os

import pytest

from store import journal as journal_module
from tests.support import pdfs
from tests.support.app import body_of, sign_in
from tests.support.samples import worker_body


@pytest.fixture
def env_overrides(tmp_path):
    return {"MONGODB_URI": f"embedded:{tmp_path / 'db'}"}


@pytest.mark.gen_test
async def test_readyz_names_the_durable_engine_and_a_failing_disk_is_a_503(api, wechat, monkeypatch):
    ready = await api.call("GET", "/readyz")
    assert body_of(ready) == {"status": "ready", "engine": "embedded", "durable": True}
    token = await sign_in(api, wechat)
    body = worker_body() | {"evidence": []}
    made = await api.call("POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "disk-0001"})
    assert made.code == 201

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    real = os.fdatasync
    monkeypatch.setattr(journal_module.os, "fdatasync", full)
    again = {"Idempotency-Key": "disk-0002"}
    refused = await api.call("POST", "/api/mp/applications", body, token=token, headers=again)
    assert refused.code == 503 and body_of(refused)["error"]["code"] == "database_unavailable"
    monkeypatch.setattr(journal_module.os, "fdatasync", real)  # the disk is back, the process stays down
    assert (await api.call("GET", "/readyz")).code == 503  # and stays down: memory may no longer match the disk
    assert (await api.call("GET", "/api/mp/applications", token=token)).code == 503


@pytest.mark.gen_test
async def test_a_damaged_stored_file_is_a_clear_error_naming_it_never_its_bytes(app, api, wechat, caplog):
    token = await sign_in(api, wechat)
    pdf = pdfs.plain(line="a payslip")
    sent = await api.call(
        "POST",
        "/api/mp/files",
        token=token,
        raw=pdf,
        headers={"Content-Type": "application/pdf", "X-File-Name": "a.pdf"},
    )
    assert sent.code == 201, sent.body
    file_id = body_of(sent)["id"]
    assert (await api.call("GET", f"/api/mp/files/{file_id}", token=token)).body == pdf
    record = await app.settings["services"].ctx.db["files"].find_one({"_id": file_id})
    path = app.settings["services"].blobs.path_of(record["blob_id"])
    path.write_bytes(path.read_bytes()[:-20] + bytes(20))  # its last bytes changed on the disk
    got = await api.call("GET", f"/api/mp/files/{file_id}", token=token)
    assert got.code == 500 and body_of(got)["error"]["code"] == "file_damaged" and b"payslip" not in got.body
    [line] = [r.getMessage() for r in caplog.records if "stored file damaged" in r.getMessage()]
    assert str(path) in line and "does not authenticate" in line
    assert not [r for r in caplog.records if r.exc_info]  # named, without a traceback
