"""`python manage.py retention report|run`: on a stopped folder the command opens it itself; while a server holds
it, the server answers through its administrative endpoint (the store commands' mechanism, manage.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store import connect
from tests.support.app import server_environ
from tests.support.commands import manage
from tests.support.server_process import ServerProcess

TOKEN = "retention-admin-token-0123456789ab"


@pytest.mark.gen_test(timeout=180)
async def test_the_report_and_a_run_on_a_stopped_folder_then_through_the_running_server(tmp_path):
    folder = tmp_path / "db"
    env = server_environ("http://127.0.0.1:9/", str(folder / "blobs"), MONGODB_URI=f"embedded:{folder}")
    env.pop("MONGODB_DATABASE")
    now = datetime.now(UTC)
    client, db = connect(f"embedded:{folder}")
    await db["sms_codes"].insert_one({"_id": "old", "expires_at": now - timedelta(days=3), "hash": "c0de-expired-93"})
    await db["sms_codes"].insert_one({"_id": "new", "expires_at": now})
    await db["audit"].insert_one({"_id": "a1", "at": now - timedelta(days=400), "action": "reveal"})
    await client.close()

    status, out = await manage(env, "retention", "report")
    assert status == 0 and "(the store opened here)" in out, out
    row = next(line.split() for line in out.splitlines() if line.strip().startswith("one_time_codes"))
    assert row[1:4] == ["1", "2", "1"], out  # kept 1 day past expiry; 2 held, 1 due
    assert "case_files" in out and "arbitration_rules art. 24" in out and "last run: none yet" in out

    # A backup taken now still holds the expired code; restored, the schedule runs before anything serves it.
    status, out = await manage(env, "store", "backup", str(tmp_path / "copy"))
    assert status == 0 and b"c0de-expired-93" in b"".join(p.read_bytes() for p in (tmp_path / "copy").glob("j*"))
    restored = tmp_path / "restored"
    status, out = await manage(env, "store", "restore", str(tmp_path / "copy"), "--into", str(restored))
    assert status == 0 and "retention run after the restore: 1 record(s)" in out, out
    assert not any(b"c0de-expired-93" in p.read_bytes() for p in restored.iterdir() if p.is_file())

    status, out = await manage(env, "retention", "run")
    assert status == 0 and "1 record(s) removed" in out and "one_time_codes: 1" in out, out

    env |= {"ADMIN_TOKEN": TOKEN}
    server = ServerProcess(env, tmp_path / "server.log").start()
    try:
        status, out = await manage(env, "retention", "report")
        assert status == 0 and "(by the server, pid" in out, out
        row = next(line.split() for line in out.splitlines() if line.strip().startswith("one_time_codes"))
        assert row[2:4] == ["1", "0"], out
        assert "last run:" in out and "none yet" not in out, out
        status, out = await manage(env, "retention", "run")
        assert status == 0 and "(by the server, pid" in out, out
    finally:
        server.stop()
    assert "Traceback" not in (tmp_path / "server.log").read_text()
