"""Damage at rest is refused, naming the file; only a write a stop cut short is cut, and kept aside.

Each scenario works on a cleanly stopped folder of three journals (three processes, one after the other), as an
attacking review of the store did: bytes changed in the middle of the last journal, the last journal emptied or
deleted, a middle journal deleted, a blob's bytes changed. The folder is left as found by every refusal.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from store import StoreError, connect
from store.blobs import BlobDamaged, BlobKeys, LocalBlobStore
from store.folder import MANIFEST, header, inspect_folder, journal_name
from store.maintenance import references, repair, verify_folder

KEYS = BlobKeys({1: bytes(range(16))}, 1)


def _open(folder: Path) -> tuple[Any, Any]:
    return connect(f"embedded:{folder}", database="t")


async def _three_runs(folder: Path) -> dict[str, Any]:
    """A folder written by three processes in turn, each stopped cleanly: journals 1, 2 and 3."""
    expected: dict[str, Any] = {}
    for run in range(3):
        client, db = _open(folder)
        for i in range(20):
            doc_id = f"r{run}-{i}"
            doc = {"_id": doc_id, "run": run, "pad": "x" * 200}
            await db["cases"].insert_one(doc)
            expected[doc_id] = doc
        await client.close()
    return expected


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != "LOCK"}


def _refused(folder: Path, name: str) -> str:
    before = _files(folder)
    with pytest.raises(StoreError) as refused:
        _open(folder)
    message = str(refused.value)
    assert f"{folder / name}:" in message, message  # the file, by its path
    assert "store restore" in message and "store repair" in message  # and what to do
    assert _files(folder) == before  # nothing cut, rewritten or removed
    return message


@pytest.mark.gen_test
async def test_bytes_changed_in_the_middle_of_the_last_journal_are_refused(tmp_path):
    await _three_runs(tmp_path)
    last = tmp_path / journal_name(3)
    data = bytearray(last.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = b"\xde\xad\xbe\xef" * 2
    last.write_bytes(bytes(data))
    message = _refused(tmp_path, journal_name(3))
    assert "before the" in message and "MANIFEST.json records as synced" in message


@pytest.mark.gen_test
async def test_the_last_journal_emptied_is_refused(tmp_path):
    await _three_runs(tmp_path)
    (tmp_path / journal_name(3)).write_bytes(b"")
    assert "shorter than the" in _refused(tmp_path, journal_name(3))


@pytest.mark.gen_test
async def test_the_last_journal_deleted_is_refused(tmp_path):
    await _three_runs(tmp_path)
    (tmp_path / journal_name(3)).unlink()
    assert "is missing" in _refused(tmp_path, journal_name(3))


@pytest.mark.gen_test
async def test_a_middle_journal_deleted_is_refused(tmp_path):
    await _three_runs(tmp_path)
    (tmp_path / journal_name(2)).unlink()
    assert "is missing" in _refused(tmp_path, journal_name(2))


@pytest.mark.gen_test
async def test_a_journal_cut_short_the_manifest_deleted_or_a_header_swapped_are_refused(tmp_path):
    await _three_runs(tmp_path)
    whole = _files(tmp_path)
    second = tmp_path / journal_name(2)
    second.write_bytes(whole[journal_name(2)][:-50])  # an earlier journal half-truncated
    assert "shorter than the" in _refused(tmp_path, journal_name(2))
    second.write_bytes(whole[journal_name(2)])
    (tmp_path / MANIFEST).unlink()  # the record of what the folder holds
    assert "was written by this version" in _refused(tmp_path, MANIFEST)
    (tmp_path / MANIFEST).write_bytes(whole[MANIFEST])
    second.write_bytes(header(7) + whole[journal_name(2)][len(header(2)) :])  # another journal's bytes
    assert "names journal 7" in _refused(tmp_path, journal_name(2))


@pytest.mark.gen_test
async def test_a_torn_tail_past_the_last_recorded_sync_is_copied_aside_cut_and_said(tmp_path, caplog):
    expected = await _three_runs(tmp_path)
    last = tmp_path / journal_name(3)
    whole = last.read_bytes()
    torn = b"\x40\x00\x00\x00\x02b\x00half a record"  # what a write cut short by the stop leaves
    last.write_bytes(whole + torn)
    with caplog.at_level(logging.WARNING, logger="mediation.store"):
        client, db = _open(tmp_path)
    assert {d["_id"] for d in await db["cases"].find({}).to_list(None)} == set(expected)
    await client.close()
    assert last.read_bytes() == whole  # cut back to the last complete batch
    [aside] = tmp_path.glob(f"{journal_name(3)}.torn-*")
    assert aside.read_bytes() == torn  # the evidence kept
    [line] = [r.getMessage() for r in caplog.records if "torn" in r.getMessage() or "cut short" in r.getMessage()]
    assert f"ends in {len(torn)} bytes past its last complete batch" in line and aside.name in line
    assert "never acknowledged" not in line  # it says what it knows: where the last recorded sync is


@pytest.mark.gen_test
async def test_after_a_crash_a_torn_batch_is_cut_but_damage_before_a_complete_batch_is_refused(tmp_path):
    client, db = _open(tmp_path)
    for i in range(30):
        await db["cases"].insert_one({"_id": f"c{i}", "pad": "y" * 100})
    client.journal.release()  # the process dies: no clean stop, MANIFEST.json still says "open"
    current = tmp_path / journal_name(1)
    written = current.read_bytes()
    assert json.loads((tmp_path / MANIFEST).read_bytes())["journals"] == [[1, len(header(1))]]
    current.write_bytes(written + written[len(header(1)) : len(header(1)) + 90])  # a batch cut short
    client, db = _open(tmp_path)
    assert await db["cases"].count_documents({}) == 30
    await client.close()
    # A changed byte followed by complete batches is damage, even where the manifest had not yet recorded a sync.
    client, db = _open(tmp_path)
    for i in range(30, 40):
        await db["cases"].insert_one({"_id": f"c{i}"})
    client.journal.release()
    third = tmp_path / journal_name(3)  # journal 2 was the second process's, stopped cleanly with nothing in it
    data = bytearray(third.read_bytes())
    data[len(header(3)) + 30] ^= 0x55
    third.write_bytes(bytes(data))
    assert "a complete batch follows" in _refused(tmp_path, journal_name(3))


@pytest.mark.gen_test
async def test_an_earlier_versions_folder_is_read_as_found_and_gets_its_manifest(tmp_path):
    from store.journal import record_put

    (tmp_path / journal_name(1)).write_bytes(b"".join(record_put("t", "cases", {"_id": i}) for i in range(5)))
    client, db = _open(tmp_path)
    assert await db["cases"].count_documents({}) == 5
    await client.close()
    manifest = json.loads((tmp_path / MANIFEST).read_bytes())
    assert manifest["state"] == "closed" and [n for n, _ in manifest["journals"]] == [1, 2]
    (tmp_path / journal_name(1)).write_bytes(b"")  # from now on its length is known
    _refused(tmp_path, journal_name(1))


@pytest.mark.gen_test
async def test_a_blob_whose_bytes_changed_is_a_clear_error_naming_it_never_wrong_bytes(tmp_path):
    blobs = LocalBlobStore(tmp_path / "blobs", KEYS)
    data = bytes(range(256)) * 1000  # 256 KB: four segments
    blob_id = await blobs.put(io.BytesIO(data))
    assert await blobs.read(blob_id) == data
    path = blobs.path_of(blob_id)
    damaged = bytearray(path.read_bytes())
    damaged[-100] ^= 0x01  # one bit, in the last segment
    path.write_bytes(bytes(damaged))
    released = bytearray()
    with pytest.raises(BlobDamaged, match=str(path)):
        async for chunk in blobs.open(blob_id):
            released += chunk
    assert data.startswith(bytes(released)) and len(released) < len(data)  # only authenticated bytes came out
    with pytest.raises(BlobDamaged, match=str(path)):
        await blobs.check(blob_id)


@pytest.mark.gen_test
async def test_verify_names_each_problem_and_changes_nothing(tmp_path):
    folder = tmp_path / "db"
    await _three_runs(folder)
    blobs = LocalBlobStore(folder / "blobs", KEYS)
    good = await blobs.put(io.BytesIO(b"a" * 5000))
    bad = await blobs.put(io.BytesIO(b"b" * 5000))
    client, db = _open(folder)
    check = await blobs.check(good)
    await db["files"].insert_one({"_id": "f1", "blob_id": good, "sha256": check.sha256})
    await db["files"].insert_one({"_id": "f2", "blob_id": bad})
    await client.close()
    assert (await verify_folder(folder, blobs)).problems == []
    client, db = _open(folder)
    await db["files"].insert_one({"_id": "f3", "blob_id": "f" * 32})  # names a blob that is not there
    await client.close()
    path = blobs.path_of(bad)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    (folder / journal_name(2)).unlink()
    before = _files(folder)
    report = await verify_folder(folder, blobs)
    assert _files(folder) == before
    assert any(str(folder / journal_name(2)) in p and "is missing" in p for p in report.problems)
    assert any(str(path) in p and "does not authenticate" in p for p in report.problems)
    assert any(str(blobs.path_of("f" * 32)) in p and "files/f3 names it" in p for p in report.problems)
    assert len(report.problems) == 3, report.problems


@pytest.mark.gen_test
async def test_repair_moves_the_damage_aside_and_starts_from_what_precedes_it(tmp_path):
    expected = await _three_runs(tmp_path)
    second = tmp_path / journal_name(2)
    data = bytearray(second.read_bytes())
    data[len(data) // 2] ^= 0xFF
    second.write_bytes(bytes(data))
    _refused(tmp_path, journal_name(2))
    lines = repair(tmp_path)
    assert any(journal_name(2) in line and journal_name(3) in line and "aside-" in line for line in lines)
    [aside] = tmp_path.glob("aside-*")
    assert (aside / journal_name(2)).read_bytes() == bytes(data)  # moved, not rewritten
    assert inspect_folder(tmp_path).problems == []
    client, db = _open(tmp_path)
    kept = {d["_id"] for d in await db["cases"].find({}).to_list(None)}
    await client.close()
    first_run = {k for k in expected if k.startswith("r0-")}
    assert first_run <= kept < set(expected)  # the first process's writes, and the second's before the damage


def test_references_find_every_blob_a_document_names():
    documents = [
        ("t", "files", {"_id": "f1", "blob_id": "a" * 32, "sha256": "s"}),
        ("t", "cases", {"_id": "c1", "agreement": {"signatures": [{"blob_id": "b" * 32, "sm3": "m"}]}}),
        ("t", "cases", {"_id": "c2", "blob_id": "not a blob id"}),
    ]
    found = references(documents)
    assert sorted(found) == ["a" * 32, "b" * 32]
    assert found["b" * 32][0].where == "cases/c1" and found["b" * 32][0].sm3 == "m"
