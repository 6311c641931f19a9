"""The retention schedule (config.yaml `retention:`, settings.RETENTION_DEFAULTS; docs/privacy.md#retention): what
is held of each kind of record, by age, what has outlived its period, and the daily job that removes it.

PIPL art. 19: personal data is kept no longer than its purpose needs, unless a law sets a period; art. 47(1)(2):
once the period is over it is deleted, or anonymised (art. 73(4): no longer able to identify anyone). Each kind
below has its clock (the moment its period starts) and its end:
- a closed case file (`case_files`, `case_files_award`): anonymised through the case writer
  (services/cases/moves.py `anonymise_closed`: what the statistics count stays, nothing that reaches a person),
  its evidence and documents deleted, records and blobs;
- a draft never submitted, an upload never attached, a sign-in ticket or request key, an SMS code, an audit entry:
  deleted;
- a delivered message's words (`notification_bodies`) and a delivered event's facts to a court or institute
  (`docking_payloads`): emptied, through the sender's own write (moves.write_outbox); the delivery itself stays in
  the case's service record;
- a backup archive in `retention.backup_folder` (`backups`): deleted; until then it keeps what was purged after it
  was taken (docs/privacy.md says so).

The job works in batches of `retention.batch` records with a pause between two, so requests are served meanwhile;
each record's end is one conditional write, so a run cut short leaves each record whole or ended, and the next run
finishes (an anonymised case keeps the ids of its files until they are deleted). It records what it did in the
audit log: counts by kind, never the data. On the durable embedded engine the old values stay in the journal and
snapshot files until a compaction: the job compacts after a run that removed anything (store.compact_now), and
the report says whether the files still hold what the last run removed (store.generations).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from services.cases import moves, workflow
from services.core.background import Periodic
from services.core.context import ServiceContext, shanghai_iso
from store import compact_now, defer_durability, durability_barrier, generations, matching_ids
from store.blobs import BlobStore

log = logging.getLogger("mediation.retention")

ACTION = "retention_run"  # the audit entry of a run
AGES = ((30, "under_30_days"), (365, "under_1_year"), (5 * 365, "under_5_years"), (None, "5_years_or_more"))
DELIVERED = ["failed", "sent"]
CLOSED = sorted(workflow.CLOSED)
CHECK_SECONDS = 3600  # how often the job looks whether a run is due
YIELD_EVERY = 20  # records deleted between two turns of the event loop


@dataclass(frozen=True)
class Kind:
    """One kind of record: where it lives, the field its clock reads, and what it is (for the report)."""

    name: str
    collection: str
    clock: str
    what: str
    basis: str


# `basis`: the text and article, by the ids of services/core/laws.py where it has one (arbitration_rules:
# 劳动人事争议仲裁办案规则 2017; pipl: 个人信息保护法; cybersecurity_law: 网络安全法).
KINDS: tuple[Kind, ...] = (
    Kind(
        "case_files",
        "cases",
        "outcome.at",
        "closed case files, their evidence and documents",
        "arbitration_rules art. 24",
    ),
    Kind("case_files_award", "cases", "outcome.at", "case files closed by award", "arbitration_rules art. 24"),
    Kind("drafts", "drafts", "updated_at", "drafts never submitted", "pipl art. 19"),
    Kind("uploads", "files", "created_at", "uploads never attached to an application", "pipl art. 19"),
    Kind("sessions", "card_tickets", "expires_at", "sign-in tickets (and request keys) past expiry", "pipl art. 19"),
    Kind("one_time_codes", "sms_codes", "expires_at", "one-time SMS codes past expiry", "pipl art. 19"),
    Kind("audit", "audit", "at", "the audit log", "cybersecurity_law art. 21(3)"),
    Kind("notification_bodies", "cases", "notifications.created_at", "words of delivered messages", "pipl art. 19"),
    Kind("docking_payloads", "cases", "notifications.created_at", "facts of delivered partner events", "pipl art. 19"),
    Kind("backups", "", "mtime", "backup archives in retention.backup_folder", "pipl art. 19"),
)
BY_NAME = {kind.name: kind for kind in KINDS}
UPLOAD_PURPOSES = ["evidence"]  # services/intake/evidence.py PURPOSE: what a party uploaded for an application


def cutoff(ctx: ServiceContext, kind: str, now: datetime) -> datetime:
    return now - timedelta(days=ctx.settings.retention.days[kind])


def _held(kind: str) -> dict[str, Any]:
    """Every record of the kind still held (before its clock is read)."""
    if kind == "case_files":
        return {"status": {"$in": CLOSED}, "anonymised": {"$exists": False}, "outcome.kind": {"$ne": "award"}}
    if kind == "case_files_award":
        return {"status": {"$in": CLOSED}, "anonymised": {"$exists": False}, "outcome.kind": "award"}
    if kind == "uploads":
        return {"purpose": {"$in": UPLOAD_PURPOSES}}
    return {}


def _expired(kind: str, before: datetime) -> dict[str, Any]:
    """The kind's records whose period ended before now (their clock before `before`)."""
    if kind in ("notification_bodies", "docking_payloads"):
        return {"notifications": {"$elemMatch": _message(kind, before)}}
    return _held(kind) | {BY_NAME[kind].clock: {"$lt": before}}


def _message(kind: str, before: datetime) -> dict[str, Any]:
    """A delivered message (or partner event) older than `before` whose words (facts) are still kept."""
    if kind == "docking_payloads":
        return {"state": {"$in": DELIVERED}, "created_at": {"$lt": before}, "event": {"$exists": True, "$nin": [{}]}}
    return {"state": {"$in": DELIVERED}, "created_at": {"$lt": before}, "lines": {"$exists": True, "$nin": [{}]}}


# -- the report -----------------------------------------------------------------------------------


async def report(ctx: ServiceContext, client: Any = None) -> dict[str, Any]:
    """What is held, by kind and age, and what the next run would remove; where the last run stands."""
    now = ctx.clock()
    kinds: list[dict[str, Any]] = []
    for kind in KINDS:
        days = ctx.settings.retention.days[kind.name]
        row: dict[str, Any] = {"kind": kind.name, "what": kind.what, "days": days, "basis": kind.basis}
        if kind.name == "backups":
            held = await ctx.run_blocking(_backups, ctx.settings.retention.backup_folder)
            row["held"] = len(held)
            row["by_age"] = _ages([at for _, at in held], now)
            row["due"] = sum(1 for _, at in held if at < cutoff(ctx, "backups", now))
        elif kind.name in ("notification_bodies", "docking_payloads"):
            row["held"] = await _count(ctx.db["cases"], _expired(kind.name, now + timedelta(days=36500)))
            row["by_age"] = {}
            row["due"] = await _count(ctx.db["cases"], _expired(kind.name, cutoff(ctx, kind.name, now)))
            row["unit"] = "cases"
        else:
            collection = ctx.db[kind.collection]
            row["held"] = await _count(collection, _held(kind.name))
            row["by_age"] = await _ages_in(collection, kind, now)
            row["due"] = await _count(collection, _expired(kind.name, cutoff(ctx, kind.name, now)))
            if kind.name == "uploads":
                row["note"] = "those still attached to a case or a draft are kept: fewer may go"
        kinds.append(row)
    pending = await _count(ctx.db["cases"], {"anonymised.pending": True})
    last = await ctx.db["audit"].find({"action": ACTION}).sort("at", -1).limit(1).to_list(1)
    out: dict[str, Any] = {"at": shanghai_iso(now), "kinds": kinds, "files_pending": pending}
    out["last_run"] = {k: v for k, v in last[0].items() if k != "_id"} if last else None
    if out["last_run"]:
        out["last_run"]["at"] = shanghai_iso(last[0]["at"])
    stand = generations(client) if client is not None else None
    if stand is not None and last:
        # What the last run removed is gone from the folder's files once no journal of its time is left.
        out["files_hold_purged"] = stand.oldest <= int(last[0].get("generation", -1))
    return out


async def _count(collection: Any, query: dict[str, Any]) -> int:
    """A count that lets requests run meanwhile on the embedded engine (store.matching_ids)."""
    return len(await matching_ids(collection, query))


async def _ages_in(collection: Any, kind: Kind, now: datetime) -> dict[str, int]:
    ages, lower = {}, now + timedelta(days=36500)
    for days, label in AGES:
        upper = lower
        lower = now - timedelta(days=days) if days is not None else datetime(1970, 1, 1, tzinfo=UTC)
        ages[label] = await _count(collection, _held(kind.name) | {kind.clock: {"$gte": lower, "$lt": upper}})
    return ages


def _ages(times: list[datetime], now: datetime) -> dict[str, int]:
    ages: dict[str, int] = {}
    for days, label in AGES:
        ages[label] = sum(1 for at in times if days is None or now - at < timedelta(days=days))
        times = [at for at in times if not (days is None or now - at < timedelta(days=days))]
    return ages


def _backups(folder: str) -> list[tuple[Path, datetime]]:
    """The backups in the folder (.tar files and folders with a MANIFEST.json) and their times."""
    if not folder or not os.path.isdir(folder):
        return []
    found = []
    for path in Path(folder).iterdir():
        if path.name.endswith(".tar") and path.is_file() or (path / "MANIFEST.json").is_file():
            found.append((path, datetime.fromtimestamp(path.stat().st_mtime, UTC)))
    return found


# -- the run ----------------------------------------------------------------------------------------


class Run:
    """One run of the schedule: every kind, in batches; what it removed, by kind."""

    def __init__(self, ctx: ServiceContext, blobs: BlobStore | None, client: Any = None) -> None:
        self.ctx, self.blobs, self.client = ctx, blobs, client
        self.settings = ctx.settings.retention
        self.counts: dict[str, int] = {kind.name: 0 for kind in KINDS}
        self.now = ctx.clock()

    async def pause(self) -> None:
        """Between two batches: the batch on the disk (its writes were deferred), then requests' turn."""
        barrier = durability_barrier(self.client) if self.client is not None else None
        if barrier is not None:
            await barrier
        await asyncio.sleep(self.settings.pause_seconds)

    async def all(self) -> dict[str, int]:
        await self.finish_files()
        for kind in ("case_files", "case_files_award"):
            await self.case_files(kind)
        await self.delete("drafts")
        await self.uploads()
        await self.delete("sessions")
        await self.idempotency_keys()
        await self.delete("one_time_codes")
        await self.delete("audit")
        await self.messages("notification_bodies")
        await self.messages("docking_payloads")
        self.counts["backups"] = await self.ctx.run_blocking(self.remove_backups)
        return self.counts

    def batches(self, ids: list[Any]) -> list[list[Any]]:
        size = self.settings.batch
        return [ids[i : i + size] for i in range(0, len(ids), size)]

    async def case_files(self, kind: str) -> None:
        """Each expired case read by its id and anonymised by one conditional write, then its files removed."""
        cases = self.ctx.db["cases"]
        for batch in self.batches(await matching_ids(cases, _expired(kind, cutoff(self.ctx, kind, self.now)))):
            for serial in batch:
                case = await cases.find_one({"_id": serial})
                if case is not None and await moves.anonymise_closed(self.ctx, case, self.now):
                    await self.remove_files(serial, moves.file_ids(case), moves.blob_ids(case))
                    self.counts[kind] += 1
                await asyncio.sleep(0)  # a case at a time: requests run between two
            await self.pause()

    async def finish_files(self) -> None:
        """The files of cases anonymised by a run that stopped before deleting them."""
        cases = self.ctx.db["cases"]
        for batch in self.batches(await matching_ids(cases, {"anonymised.pending": True})):
            for serial in batch:
                case = await cases.find_one({"_id": serial}, {"anonymised": 1})
                if case is not None:
                    marked = case["anonymised"]
                    await self.remove_files(serial, marked.get("files") or [], marked.get("blobs") or [])
            await self.pause()

    async def remove_files(self, serial: str, file_ids: list[str], blob_ids: list[str]) -> None:
        """An anonymised case's stored files, documents and its own blobs (signatures), then its mark removed: a run
        stopped on the way leaves the mark, and the next run comes back here (`finish_files`)."""
        files = await self.ctx.db["files"].find({"_id": {"$in": file_ids}}).to_list(None)
        documents = await self.ctx.db["documents"].find({"serial": serial}).to_list(None)
        blobs = set(blob_ids)
        for record in files + documents:
            blobs |= {b for b in (record.get("blob_id"), (record.get("pdf") or {}).get("blob_id")) if b}
        for blob_id in sorted(blobs):
            if self.blobs is not None:
                await self.blobs.delete(blob_id)
        await self.ctx.db["files"].delete_many({"_id": {"$in": file_ids}})
        await self.ctx.db["documents"].delete_many({"serial": serial})
        await moves.anonymise_closed(self.ctx, {"_id": serial}, self.now, files_removed=True)

    async def delete(self, kind: str) -> None:
        collection = self.ctx.db[BY_NAME[kind].collection]
        self.counts[kind] += await self._delete(collection, _expired(kind, cutoff(self.ctx, kind, self.now)))

    async def _delete(self, collection: Any, query: dict[str, Any]) -> int:
        """Delete what `query` matches: found once, then one by id (each still checked against `query`, so a record
        changed since is kept), in batches, requests running between two records now and then."""
        deleted = 0
        for batch in self.batches(await matching_ids(collection, query)):
            for n, record_id in enumerate(batch):
                done = await collection.delete_one({"_id": record_id} | query)
                deleted += done.deleted_count
                if n % YIELD_EVERY == YIELD_EVERY - 1:
                    await asyncio.sleep(0)
            await self.pause()
        return deleted

    async def idempotency_keys(self) -> None:
        """Request keys (store/indexes.py: a day) go with the sessions' schedule, counted with them."""
        query = {"created_at": {"$lt": cutoff(self.ctx, "sessions", self.now) - timedelta(days=1)}}
        self.counts["sessions"] += await self._delete(self.ctx.db["idempotency"], query)

    async def uploads(self) -> None:
        """Uploads past their period that no case and no draft lists."""
        files = self.ctx.db["files"]
        query = _expired("uploads", cutoff(self.ctx, "uploads", self.now))
        expired = await matching_ids(files, query)
        if not expired:
            return
        listed = await self._listed()
        for batch in self.batches([i for i in expired if i not in listed]):
            records = await files.find({"_id": {"$in": batch}}, {"blob_id": 1}).to_list(None)
            for record in records:
                if self.blobs is not None and record.get("blob_id"):
                    await self.blobs.delete(record["blob_id"])
            for record_id in batch:
                done = await files.delete_one({"_id": record_id} | query)
                self.counts["uploads"] += done.deleted_count
                await asyncio.sleep(0)
            await self.pause()

    async def _listed(self) -> set[str]:
        """Every file id a case or a draft lists (the cases and drafts that list any, read by id in batches)."""
        found: set[str] = set()
        fields = ("evidence", "respondent_evidence", "evidence_added", "docking.documents")
        cases = self.ctx.db["cases"]
        with_files = await matching_ids(cases, {"$or": [{f"{f}.0": {"$exists": True}} for f in fields]})
        for batch in self.batches(with_files):
            async for case in cases.find({"_id": {"$in": batch}}, dict.fromkeys(fields, 1)):
                found.update(moves.file_ids(case))
            await self.pause()
        drafts = self.ctx.db["drafts"]
        for batch in self.batches(await matching_ids(drafts, {"data.evidence.0": {"$exists": True}})):
            async for draft in drafts.find({"_id": {"$in": batch}}, {"data.evidence": 1}):
                found.update(str(i) for i in (draft.get("data") or {}).get("evidence") or [])
            await self.pause()
        return found

    async def messages(self, kind: str) -> None:
        """Empty the words (or a partner event's facts) of delivered messages past their period, through the
        sender's own conditional write; a case the sender changed meanwhile is left to the next run."""
        before = cutoff(self.ctx, kind, self.now)
        cases = self.ctx.db["cases"]
        field = "event" if kind == "docking_payloads" else "lines"
        for batch in self.batches(await matching_ids(cases, _expired(kind, before))):
            for serial in batch:
                case = await cases.find_one({"_id": serial}, {"notifications": 1, "outbox_rev": 1})
                notes = (case or {}).get("notifications") or []
                due = [i for i, n in enumerate(notes) if _matches(n, kind, before)]
                if case is None or not due:
                    continue
                fields: dict[str, Any] = {f"notifications.{i}.{field}": {} for i in due}
                fields["outbox_rev"] = (case.get("outbox_rev") or 0) + 1
                version = {"outbox_rev": case.get("outbox_rev"), "notifications": {"$size": len(notes)}}
                if await moves.write_outbox(self.ctx, serial, version, {"$set": fields}):
                    self.counts[kind] += len(due)
                await asyncio.sleep(0)
            await self.pause()

    def remove_backups(self) -> int:
        before = cutoff(self.ctx, "backups", self.now)
        removed = 0
        for path, at in _backups(self.settings.backup_folder):
            if at < before:
                shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
                removed += 1
        return removed


def _matches(notification: Mapping[str, Any], kind: str, before: datetime) -> bool:
    field = "event" if kind == "docking_payloads" else "lines"
    return (
        notification.get("state") in DELIVERED
        and notification.get("created_at", before) < before
        and bool(notification.get(field))
    )


async def run(ctx: ServiceContext, blobs: BlobStore | None, client: Any = None) -> dict[str, int]:
    """One run of the schedule: removes what has expired, compacts the embedded engine's files when anything went,
    and records the counts in the audit log (action `retention_run`, by `system`)."""
    began = ctx.clock()
    defer_durability()  # each batch waits for the disk once, at its end (Run.pause), not at each write
    counts = await Run(ctx, blobs, client).all()
    barrier = durability_barrier(client) if client is not None else None
    if barrier is not None:
        await barrier
    removed = sum(counts.values())
    stand = generations(client) if client is not None else None
    if removed and stand is not None:
        await compact_now(client)  # the old values leave the journal and snapshot files (store/journal.py)
    entry: dict[str, Any] = {
        "_id": uuid.uuid4().hex,
        "at": ctx.clock(),
        "who": "system",
        "role": "system",
        "action": ACTION,
        "serial": "",
        "counts": counts,
        "seconds": round((ctx.clock() - began).total_seconds(), 3),
    }
    if stand is not None:
        entry["generation"] = stand.current
    await ctx.db["audit"].insert_one(entry)
    barrier = durability_barrier(client) if client is not None else None
    if barrier is not None:
        await barrier
    return counts


class RetentionJob(Periodic):
    """The daily run (retention.interval_hours), whichever process comes first: it checks every hour whether the
    last run recorded in the audit log is that old. Not at start: the first check is an hour after it (a server
    that is starting has other work, and a restart never brings a run forward)."""

    def __init__(self, ctx: ServiceContext, blobs: BlobStore | None, client: Any = None) -> None:
        super().__init__("retention", CHECK_SECONDS, log)
        self.ctx, self.blobs, self.client = ctx, blobs, client
        self.not_before = time.monotonic() + CHECK_SECONDS

    async def run_pass(self) -> dict[str, int]:
        if time.monotonic() < self.not_before:
            return {}
        last = await self.ctx.db["audit"].find({"action": ACTION}, {"at": 1}).sort("at", -1).limit(1).to_list(1)
        interval = timedelta(hours=self.ctx.settings.retention.interval_hours)
        if last and self.ctx.clock() - last[0]["at"] < interval:
            return {}
        return await run(self.ctx, self.blobs, self.client)
