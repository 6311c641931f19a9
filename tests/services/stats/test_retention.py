"""The retention schedule (services/stats/retention.py): every kind at the edge of its period, closed case files
anonymised with the figures unchanged, a run cut short finished by the next, the report, the audit entry."""

from __future__ import annotations

import dataclasses
import io
import os
import uuid
from datetime import timedelta
from typing import Any

import pytest

from services.cases import moves, queue
from services.cases.views import phone_last4_matches
from services.core.errors import NotFound
from services.stats import counters, retention
from store.blobs import BlobKeys, LocalBlobStore
from tests.support.cases import Clock, new_case
from tests.support.stats import ROOT, seeded_history
from tests.support.store import cases_for_setup, engine

SECOND = timedelta(seconds=1)


def _blobs(ctx: Any, tmp_path: Any) -> LocalBlobStore:
    # seeded_history's blobs (tests/support/stats.py): the seal and the signed agreement's documents
    return LocalBlobStore(tmp_path / "blobs", BlobKeys(ctx.settings.data_keys, ctx.settings.current_key_version))


def _days(ctx: Any, kind: str) -> timedelta:
    return timedelta(days=ctx.settings.retention.days[kind])


async def _put(ctx: Any, collection: str, **fields: Any) -> str:
    record_id = uuid.uuid4().hex
    await engine(ctx)[collection].insert_one({"_id": record_id, **fields})
    return record_id


async def _gone(ctx: Any, collection: str, record_id: str) -> bool:
    return await engine(ctx)[collection].find_one({"_id": record_id}) is None


@pytest.mark.gen_test(timeout=60)
async def test_closed_case_files_are_anonymised_at_their_edge_and_the_figures_stay(ctx: Any, tmp_path: Any) -> None:
    serials = await seeded_history(ctx, tmp_path)
    blobs = _blobs(ctx, tmp_path)
    settled = await ctx.db["cases"].find_one({"_id": serials["settled"]})
    signatures = [s["blob_id"] for s in settled["agreement"]["signatures"]]
    assert len(signatures) == 3 and settled["status"] == "settled"
    assert all(blobs.path_of(b).exists() for b in signatures)
    clock: Clock = ctx.clock
    # One second before the settled case's period ends: nothing of it goes.
    clock.now = settled["outcome"]["at"] + _days(ctx, "case_files") - SECOND
    due = {row["kind"]: row["due"] for row in (await retention.report(ctx))["kinds"]}
    assert due["case_files"] == 1  # the declined one, ended the first day, is already past its edge
    counts = await retention.run(ctx, blobs)
    assert counts["case_files"] == 1
    assert (await ctx.db["cases"].find_one({"_id": serials["settled"]}))["applicant"] == settled["applicant"]
    declined = await ctx.db["cases"].find_one({"_id": serials["pudong"]})
    assert "id_hashes" not in declined and declined["applicant"] == {} and declined["anonymised"]["files"] == []
    clock.advance(seconds=2)  # past it
    counts = await retention.run(ctx, blobs)
    assert counts["case_files"] == 1
    kept = await ctx.db["cases"].find_one({"_id": serials["settled"]})
    for name in ("id_hashes", "owner_person_id", "respondent_access", "notifications", "service", "documents"):
        assert name not in kept, name
    assert "id_number" not in str(kept) and settled["applicant"]["name"] not in str(kept)
    assert await ctx.db["documents"].count_documents({"serial": serials["settled"]}) == 0
    assert not any(blobs.path_of(b).exists() for b in signatures)
    # An open case (the February one) and one failed in February (5 years from February) are whole.
    assert "anonymised" not in await ctx.db["cases"].find_one({"_id": serials["february"]})
    assert "anonymised" not in await ctx.db["cases"].find_one({"_id": serials["open"]})
    # The statistics count the anonymised cases as before.
    assert (await counters.recount(ctx))["differing"] == []
    # No one reads an anonymised case: it is in no queue, its page is not found, no phone matches it.
    listed = {row["serial"] for row in (await queue.queue(ctx, ROOT, queue.parse_filter({})))["items"]}
    assert listed == {serials["open"], serials["february"]}
    with pytest.raises(NotFound):
        await queue.staff_case(ctx, ROOT, serials["settled"])
    assert not phone_last4_matches(ctx, kept, "4321")
    # Each run is in the audit log: counts by kind, never the data.
    runs = await ctx.db["audit"].find({"action": "retention_run"}).sort("at", 1).to_list(None)
    assert [r["counts"]["case_files"] for r in runs] == [1, 1]
    assert serials["settled"] not in str(runs) and settled["applicant"]["name"] not in str(runs)


@pytest.mark.gen_test(timeout=60)
async def test_every_kind_goes_after_its_edge_and_not_before(ctx: Any, tmp_path: Any) -> None:
    clock = Clock.on(ctx)
    blobs = _blobs(ctx, tmp_path)
    now = clock.now

    def edge(kind: str) -> tuple[Any, Any]:
        """The clock of a record just past its period, and of one just within it."""
        return now - _days(ctx, kind) - SECOND, now - _days(ctx, kind) + SECOND

    made: dict[str, tuple[str, str]] = {}
    for kind, collection, field in (
        ("drafts", "drafts", "updated_at"),
        ("sessions", "card_tickets", "expires_at"),
        ("one_time_codes", "sms_codes", "expires_at"),
        ("audit", "audit", "at"),
    ):
        old, young = edge(kind)
        made[kind] = (await _put(ctx, collection, **{field: old}), await _put(ctx, collection, **{field: young}))
    # Uploads: two past the edge, one of them attached to a case; one within.
    old, young = edge("uploads")
    uploads = []
    for at in (old, old, young):
        blob_id = await blobs.put(io.BytesIO(b"%PDF-1.4 evidence"))
        record = {"purpose": "evidence", "owner_person_id": "p", "created_at": at, "blob_id": blob_id}
        uploads.append(await _put(ctx, "files", **record))
    serial, _ = await new_case(ctx)
    await cases_for_setup(ctx).update_one({"_id": serial}, {"$set": {"evidence": [uploads[1]]}})
    # A delivered message and a delivered event to a partner, one past the edge of each and one within.
    old, young = edge("notification_bodies")
    message = {"state": "sent", "kind": "k", "title": "t", "to": {}, "link": "", "attempts": 1}
    notes = [
        message | {"id": "n-old", "created_at": old, "lines": {"zh": "张三的工资"}},
        message | {"id": "n-young", "created_at": young, "lines": {"zh": "李四"}},
        message | {"id": "n-pending", "created_at": old, "lines": {"zh": "王五"}, "state": "pending"},
        message | {"id": "e-old", "created_at": old, "lines": {}, "event": {"serial": serial, "party": "张三"}},
    ]
    await cases_for_setup(ctx).update_one({"_id": serial}, {"$set": {"notifications": notes}})

    report = await retention.report(ctx)
    due = {row["kind"]: row["due"] for row in report["kinds"]}
    assert due | {"uploads": 1} == due | {
        "drafts": 1,
        "sessions": 1,
        "one_time_codes": 1,
        "audit": 1,
        "notification_bodies": 1,
        "docking_payloads": 1,
        "uploads": 1,  # the report counts both; only the unattached one goes
        "case_files": 0,
    }
    counts = await retention.run(ctx, blobs)
    for kind, (gone, kept) in made.items():
        collection = retention.BY_NAME[kind].collection
        assert await _gone(ctx, collection, gone), kind
        assert not await _gone(ctx, collection, kept), kind
    assert [await _gone(ctx, "files", u) for u in uploads] == [True, False, False]
    assert counts["uploads"] == 1
    case = await ctx.db["cases"].find_one({"_id": serial})
    lines = {n["id"]: (n["lines"], n.get("event")) for n in case["notifications"]}
    assert lines == {
        "n-old": ({}, None),
        "n-young": ({"zh": "李四"}, None),
        "n-pending": ({"zh": "王五"}, None),
        "e-old": ({}, {}),
    }
    assert counts["notification_bodies"] == 1 and counts["docking_payloads"] == 1
    # Nothing is due any more.
    assert all(row["due"] == 0 for row in (await retention.report(ctx))["kinds"] if row["kind"] != "uploads")


@pytest.mark.gen_test(timeout=60)
async def test_backups_expire_on_their_own_schedule(ctx: Any, tmp_path: Any) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    ctx.settings = dataclasses.replace(
        ctx.settings, retention=dataclasses.replace(ctx.settings.retention, backup_folder=str(folder))
    )
    clock = Clock.on(ctx)
    old, young = folder / "old.tar", folder / "young.tar"
    for path, age in ((old, _days(ctx, "backups") + SECOND), (young, _days(ctx, "backups") - timedelta(minutes=1))):
        path.write_bytes(b"tar")
        at = (clock.now - age).timestamp()
        os.utime(path, (at, at))
    row = next(r for r in (await retention.report(ctx))["kinds"] if r["kind"] == "backups")
    assert (row["held"], row["due"]) == (2, 1)
    assert (await retention.run(ctx, None))["backups"] == 1
    assert not old.exists() and young.exists()


@pytest.mark.gen_test(timeout=60)
async def test_a_run_cut_short_leaves_each_case_whole_or_anonymised_and_the_next_finishes(
    ctx: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    serials = await seeded_history(ctx, tmp_path)
    blobs = _blobs(ctx, tmp_path)
    ctx.clock.advance(days=11 * 365)  # every closed case is past its edge
    before = {s: await ctx.db["cases"].find_one({"_id": s}) for s in serials.values()}
    cut = {"calls": 0}
    real = retention.Run.remove_files

    async def stops_on_the_second(self: Any, serial: str, file_ids: list[str], blob_ids: list[str]) -> None:
        cut["calls"] += 1
        if cut["calls"] == 2:
            raise ConnectionError("the process stops here")
        await real(self, serial, file_ids, blob_ids)

    monkeypatch.setattr(retention.Run, "remove_files", stops_on_the_second)
    with pytest.raises(ConnectionError):
        await retention.run(ctx, blobs)
    states = []
    for serial, case in before.items():
        now = await ctx.db["cases"].find_one({"_id": serial})
        assert now == case or now == moves.anonymised(case, now.get("anonymised", {}).get("at")) | {
            "anonymised": now["anonymised"]
        }, serial
        states.append("anonymised" in now)
    assert states.count(True) == 2  # the first whole, the second anonymised with its files still listed
    report = await retention.report(ctx)
    assert report["files_pending"] == 1
    monkeypatch.setattr(retention.Run, "remove_files", real)
    await retention.run(ctx, blobs)
    closed = [s for s, c in before.items() if c["status"] in ("settled", "failed", "rejected")]
    for serial in closed:
        case = await ctx.db["cases"].find_one({"_id": serial})
        assert case["anonymised"]["pending"] is False and "applicant" in case and "id_hashes" not in case
        assert await ctx.db["documents"].count_documents({"serial": serial}) == 0
    assert (await retention.report(ctx))["files_pending"] == 0
    assert (await counters.recount(ctx))["differing"] == []


def _folder_bytes(folder: Any) -> bytes:
    """Every file of the embedded engine's folder (journals, snapshots, the manifest), blobs aside."""
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def _traces(case: dict[str, Any]) -> list[bytes]:
    """What identifies the parties in the stored case: the ciphertexts of its sealed numbers (ID numbers, phones;
    each sealed with its own nonce, so found nowhere else). The lookup hashes are not: the seeded cases share
    one sample ID number, and a case still open keeps it."""
    traces = []
    for party in ("applicant", "respondent"):
        for value in case[party].values():
            if isinstance(value, dict) and "ct" in value:
                cipher = value["ct"]
                traces.append(cipher if isinstance(cipher, bytes) else str(cipher).encode())
    assert len(traces) >= 2
    return traces


@pytest.mark.gen_test(timeout=120)
async def test_on_the_embedded_engine_a_purged_id_number_leaves_the_folder_s_bytes(
    service_settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import service_context
    from services.directory import centres
    from store.indexes import ensure_indexes

    folder = tmp_path / "db"
    durable = dataclasses.replace(service_settings, mongodb_uri=f"embedded:{folder}")
    client, ctx = service_context(durable)
    try:
        await ensure_indexes(ctx.db)
        await centres.seed(ctx)
        serials = await seeded_history(ctx, tmp_path)
        declined = await ctx.db["cases"].find_one({"_id": serials["pudong"]})
        traces = _traces(declined)
        await client.settle()
        assert all(trace in _folder_bytes(folder) for trace in traces)  # the test can see them
        clock = Clock.on(ctx)  # from where seeded_history left it
        clock.advance(days=6 * 365)
        # Anonymised in memory, but the journal still holds the case as it was: not done until compacted.
        compactions: list[Any] = []
        monkeypatch.setattr(retention, "compact_now", lambda c: _record(compactions, c))
        counts = await retention.run(ctx, _blobs(ctx, tmp_path), client)
        await client.settle()
        assert counts["case_files"] == 3 and compactions == [client]
        assert any(trace in _folder_bytes(folder) for trace in traces)
        assert (await retention.report(ctx, client))["files_hold_purged"] is True
        monkeypatch.undo()
        # The job's own run compacts: the next one does (nothing new to remove, so we compact as it would).
        from store import compact_now

        await compact_now(client)
        assert not any(trace in _folder_bytes(folder) for trace in traces)
        assert (await retention.report(ctx, client))["files_hold_purged"] is False
    finally:
        ctx.stop_executor()
        await client.close()
    # Read back from the files alone: the case is anonymised, its figures kept.
    client, ctx = service_context(durable)
    try:
        case = await ctx.db["cases"].find_one({"_id": serials["pudong"]})
        assert "id_hashes" not in case and case["anonymised"]["pending"] is False
        assert not any(trace in _folder_bytes(folder) for trace in traces)
    finally:
        ctx.stop_executor()
        await client.close()


async def _record(calls: list[Any], client: Any) -> bool:
    calls.append(client)
    return True


@pytest.mark.gen_test(timeout=60)
async def test_the_daily_job_runs_when_the_last_run_is_a_day_old_and_never_at_start(ctx: Any) -> None:
    clock = Clock.on(ctx)
    await _put(ctx, "sms_codes", expires_at=clock.now - timedelta(days=2))
    job = retention.RetentionJob(ctx, None)
    assert await job.run_pass() == {}  # at start: not before its first hourly check
    job.not_before = 0
    assert (await job.run_pass())["one_time_codes"] == 1
    await _put(ctx, "sms_codes", expires_at=clock.now - timedelta(days=2))
    clock.advance(hours=23)
    assert await job.run_pass() == {}  # the last run is not a day old
    clock.advance(hours=1, seconds=1)
    assert (await job.run_pass())["one_time_codes"] == 1
    assert await ctx.db["audit"].count_documents({"action": "retention_run"}) == 2
