"""The durable embedded engine's folder: replay, group commit, compaction, damage, the lock, a failing disk."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from pymongo import ReturnDocument, UpdateOne

from handlers.base import database_down
from store import StoreError, connect
from store import journal as journal_module
from store.journal import JournalFailed


def _open(folder: Path) -> tuple[Any, Any]:
    return connect(f"embedded:{folder}", database="t")


async def _dump(db: Any, *names: str) -> dict[str, list[dict]]:
    return {name: sorted(await db[name].find({}).to_list(None), key=lambda d: str(d["_id"])) for name in names}


@pytest.mark.gen_test
async def test_every_kind_of_write_is_there_after_a_reopen(tmp_path):
    client, db = _open(tmp_path)
    cases, counters = db["cases"], db["counters"]
    await cases.insert_one({"_id": "a", "status": "submitted", "timeline": [{"n": 1}], "items": [{"k": 1}, {"k": 2}]})
    await cases.insert_one({"_id": "b", "status": "submitted"})
    await db["files"].insert_one({"owner": "p1"})  # an ObjectId made by the engine
    await cases.update_one({"_id": "a"}, {"$set": {"status": "accepted"}, "$push": {"timeline": {"n": 2}}})
    await cases.update_one({"_id": "a", "items.k": 2}, {"$set": {"items.$.k": 20}})  # positional
    await cases.update_one({"status": "submitted"}, {"$set": {"status": "withdrawn"}})  # found by a field
    await cases.update_one({"_id": "c"}, {"$setOnInsert": {"status": "new"}}, upsert=True)
    for _ in range(3):
        await counters.find_one_and_update(
            {"_id": "s"}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )
    await cases.insert_one({"_id": "d"})
    await cases.delete_one({"_id": "d"})
    await db["tmp"].insert_one({"_id": 1})
    await db["tmp"].drop()
    await db["drafts"].insert_one({"_id": "x", "v": 1})
    await db["drafts"].insert_one({"_id": "y", "v": 1})
    await db["drafts"].delete_many({"v": 1})
    await db["stats"].insert_one({"_id": "k", "f": {"n": 1}})
    await db["stats"].bulk_write(
        [  # the statistics counters' one command: an increment and an upsert
            UpdateOne({"_id": "k"}, {"$inc": {"f.n": 2}}, upsert=True),
            UpdateOne({"_id": "m"}, {"$inc": {"f.n": 5}, "$setOnInsert": {"dim": "all"}}, upsert=True),
            UpdateOne({"_id": "k"}, {"$inc": {"f.n": 0}}),  # changes nothing
        ],
        ordered=False,
    )
    before = await _dump(db, "cases", "counters", "files", "tmp", "drafts", "stats")
    await client.close()

    client, db = _open(tmp_path)
    after = await _dump(db, "cases", "counters", "files", "tmp", "drafts", "stats")
    await client.close()
    assert after == before
    assert after["counters"] == [{"_id": "s", "seq": 3}] and after["tmp"] == [] and after["drafts"] == []
    assert after["stats"] == [{"_id": "k", "f": {"n": 3}}, {"_id": "m", "f": {"n": 5}, "dim": "all"}]
    assert [c["status"] for c in after["cases"]] == ["accepted", "withdrawn", "new"]
    assert after["cases"][0]["items"] == [{"k": 1}, {"k": 20}]


@pytest.mark.gen_test
async def test_a_write_that_changes_nothing_journals_nothing(tmp_path):
    client, db = _open(tmp_path)
    await db["cases"].insert_one({"_id": "a", "status": "accepted"})
    size = client.journal.journal_bytes
    await db["cases"].update_one({"_id": "a", "status": "submitted"}, {"$set": {"status": "x"}})  # no match
    await db["cases"].update_one({"_id": "a"}, {"$set": {"status": "accepted"}})  # the same value
    assert await db["cases"].find_one_and_update({"_id": "zz"}, {"$set": {"v": 1}}) is None
    await db["cases"].delete_one({"_id": "zz"})
    assert client.journal.journal_bytes == size
    await client.close()


@pytest.mark.gen_test
async def test_concurrent_writes_share_a_sync(tmp_path, monkeypatch):
    syncs = []
    real = os.fdatasync
    monkeypatch.setattr(journal_module.os, "fdatasync", lambda fd: (syncs.append(fd), real(fd)))
    client, db = _open(tmp_path)
    await asyncio.gather(*(db["cases"].insert_one({"_id": f"c{i}"}) for i in range(50)))
    await client.close()
    assert 1 <= len(syncs) < 25  # grouped: one sync serves the writes that gathered while the previous ran


@pytest.mark.gen_test
async def test_a_read_waits_for_writes_still_on_their_way(tmp_path, monkeypatch):
    gate = threading.Event()
    real = journal_module.Journal._write

    def slow_write(fd: int, data: bytes) -> None:
        gate.wait(5)
        real(fd, data)

    client, db = _open(tmp_path)
    monkeypatch.setattr(journal_module.Journal, "_write", staticmethod(slow_write))
    write = asyncio.ensure_future(db["cases"].insert_one({"_id": "a"}))
    await asyncio.sleep(0.05)
    read = asyncio.ensure_future(db["cases"].find_one({"_id": "a"}))
    await asyncio.sleep(0.1)
    assert not write.done() and not read.done()  # neither is answered before the disk has it
    gate.set()
    assert (await read) == {"_id": "a"}
    await write
    await client.close()


@pytest.mark.gen_test(timeout=30)
async def test_compaction_while_writes_go_on(tmp_path, monkeypatch):
    monkeypatch.setattr(journal_module, "SNAPSHOT_CHUNK", 7)  # many yields: writes land mid-snapshot
    client, db = _open(tmp_path)
    for i in range(300):
        await db["cases"].insert_one({"_id": f"c{i:03}", "n": 0, "pad": "x" * 100})

    async def writes() -> None:
        for i in range(300):
            await db["cases"].update_one({"_id": f"c{i:03}"}, {"$inc": {"n": 1}})
            if i % 3 == 0:
                await db["cases"].delete_one({"_id": f"c{(i + 150) % 300:03}"})
            await db["late"].insert_one({"_id": i})

    await asyncio.gather(client.journal.compact(), writes())
    before = await _dump(db, "cases", "late")
    await client.close()
    names = sorted(os.listdir(tmp_path))
    assert [n for n in names if n.startswith("snapshot-")] == ["snapshot-00000002.bson"]
    assert [n for n in names if n.startswith("journal-")] == ["journal-00000002.log"]

    client, db = _open(tmp_path)
    assert await _dump(db, "cases", "late") == before
    assert client.loaded_documents == len(before["cases"]) + 300
    await client.close()


@pytest.mark.gen_test
async def test_compaction_starts_by_itself_once_the_journal_outgrows_the_snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(journal_module, "COMPACT_FLOOR_BYTES", 20_000)
    client, db = _open(tmp_path)
    for i in range(100):
        await db["cases"].update_one({"_id": "a"}, {"$set": {"n": i, "pad": "y" * 500}}, upsert=True)
    for _ in range(50):
        if client.journal.compactions:
            break
        await asyncio.sleep(0.02)
    assert client.journal.compactions and client.journal.journal_bytes < 20_000
    await client.close()
    client, db = _open(tmp_path)
    assert (await db["cases"].find_one({"_id": "a"}))["n"] == 99
    await client.close()


@pytest.mark.gen_test
async def test_a_torn_last_record_is_cut_off_and_the_rest_kept(tmp_path):
    client, db = _open(tmp_path)
    await db["cases"].insert_one({"_id": "a"})
    await client.close()
    journal = next(tmp_path.glob("journal-*.log"))
    whole = journal.stat().st_size
    with open(journal, "ab") as handle:
        handle.write(b"\x40\x00\x00\x00\x02b\x00")  # the start of a record the crash cut short
    client, db = _open(tmp_path)
    assert await db["cases"].find_one({"_id": "a"}) == {"_id": "a"}
    await client.close()
    assert journal.stat().st_size == whole


@pytest.mark.gen_test
async def test_damage_before_the_last_journal_refuses_to_start(tmp_path):
    client, db = _open(tmp_path)
    await db["cases"].insert_one({"_id": "a", "v": "x" * 50})
    await client.close()
    client, db = _open(tmp_path)  # a second journal
    await db["cases"].insert_one({"_id": "b"})
    await client.close()
    first = sorted(tmp_path.glob("journal-*.log"))[0]
    whole = first.read_bytes()
    data = bytearray(whole)
    data[60] ^= 0xFF
    first.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged"):
        _open(tmp_path)
    assert first.read_bytes() == bytes(data)  # the evidence is left as found
    first.write_bytes(whole)  # the refusal released the folder: once mended, it opens
    client, db = _open(tmp_path)
    assert await db["cases"].find_one({"_id": "b"}) == {"_id": "b"}
    await client.close()


@pytest.mark.gen_test
async def test_one_folder_one_process(tmp_path):
    client, _ = _open(tmp_path)
    with pytest.raises(StoreError, match=f"pid {os.getpid()}"):
        _open(tmp_path)
    await client.close()
    client, _ = _open(tmp_path)  # released on close
    await client.close()


@pytest.mark.gen_test
async def test_a_failing_disk_is_a_database_that_is_down(tmp_path, monkeypatch):
    client, db = _open(tmp_path)
    await db["cases"].insert_one({"_id": "a"})

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module.os, "fdatasync", full)
    with pytest.raises(JournalFailed) as refused:
        await db["cases"].insert_one({"_id": "b"})
    assert database_down(refused.value)  # mapped to 503 like a MongoDB that does not answer
    with pytest.raises(JournalFailed):
        await db["cases"].find_one({"_id": "a"})  # nothing is served from a memory the disk no longer matches
    with pytest.raises(JournalFailed):
        await db.command("ping")  # /readyz: 503
    monkeypatch.undo()
    await client.close()
    client, db = _open(tmp_path)
    assert await db["cases"].find({}).to_list(None) in ([{"_id": "a"}], [{"_id": "a"}, {"_id": "b"}])
    await client.close()


@pytest.mark.gen_test
async def test_an_update_bson_refuses_changes_nothing(tmp_path):
    client, db = _open(tmp_path)
    await db["cases"].insert_one({"_id": "a", "timeline": []})
    with pytest.raises(Exception, match="surrogate|encode"):
        await db["cases"].update_one({"_id": "a"}, {"$push": {"timeline": "\ud800"}})
    assert await db["cases"].find_one({"_id": "a"}) == {"_id": "a", "timeline": []}
    await client.close()


@pytest.mark.gen_test
async def test_a_request_defers_its_writes_and_waits_once_before_answering(tmp_path):
    from store import defer_durability, durability_barrier

    client, db = _open(tmp_path)

    async def request() -> bool:
        defer_durability()  # as ServiceHandler.prepare does
        await db["counters"].find_one_and_update(
            {"_id": "s"}, {"$inc": {"n": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        await db["cases"].insert_one({"_id": "a"})
        on_the_way = not client.journal.settled  # neither write waited for the disk
        barrier = durability_barrier(client)
        assert barrier is not None
        await barrier  # ServiceHandler.finish: the answer goes out after this
        defer_durability(False)
        await db["cases"].insert_one({"_id": "followup"})  # after the answer: waits itself
        return on_the_way and client.journal.settled

    assert await asyncio.ensure_future(request())
    assert durability_barrier(client) is None  # nothing left on its way
    await client.close()


@pytest.mark.gen_test
async def test_generations_tell_when_an_overwritten_value_has_left_the_files(tmp_path):
    from store import compact_now, generations

    client, db = _open(tmp_path)
    await db["cases"].insert_one({"_id": "a", "name": "张三"})
    await db["cases"].update_one({"_id": "a"}, {"$set": {"name": "[purged]"}})
    purged_at = generations(client)
    assert purged_at is not None and purged_at.oldest <= purged_at.current
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(("journal-", "snapshot-")))
    assert "张三".encode() in on_disk  # the old after-image is still in the journal
    assert await compact_now(client)
    after = generations(client)
    assert after is not None and after.oldest > purged_at.current
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(("journal-", "snapshot-")))
    assert "张三".encode() not in on_disk and b"[purged]" in on_disk
    await client.close()
    memory, _ = connect("mongomock://", database="t")
    assert generations(memory) is None and not await compact_now(memory)
