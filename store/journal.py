"""The durable embedded engine's folder: a journal of after-images fsync'd in groups, snapshots, one process.

Layout of `embedded:<folder>`:

    LOCK                 held (flock) by the one process using the folder; holds its pid
    snapshot-<n>.bson    every document as it was while journal n began (see `compact`)
    journal-<n>.log      the writes since, as after-images, in the order they were made

A record is one BSON document followed by the CRC-32 of its bytes: `{b, c, p: document}` (the
document as it now is), `{b, c, d: _id}` (deleted) or `{b, c, x: 1}` (collection dropped), where
`b` and `c` name the database and the collection. Writing whole documents rather than operations
makes replay trivial and exact (no update operator, clock or generated id is evaluated twice) and
makes records idempotent, which is what lets a snapshot be taken while writes go on.

Durability: a write is applied in memory, appended here, and its caller waits until the batch
holding it has been written and fdatasync'd. While one batch is on its way to the disk the next
one gathers every write that arrives (group commit), so under load one sync serves many writes.
Only one thread writes the journal (FIFO), so the file holds records in the order they were made
and a crash leaves a prefix of the history: a counter is never behind a case that used its value.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import re
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bson
from prometheus_client import Counter, Histogram
from pymongo.errors import ConnectionFailure

log = logging.getLogger("mediation.store")

_CRC = struct.Struct("<I")
_LENGTH = struct.Struct("<i")
_SNAPSHOT = re.compile(r"snapshot-(\d{8})\.bson")
_JOURNAL = re.compile(r"journal-(\d{8})\.log")
# Compact once the journals since the snapshot outgrow it (and this floor): replay at start then
# reads at most about twice the live data.
COMPACT_FLOOR_BYTES = 16 * 1024 * 1024
SNAPSHOT_CHUNK = 500  # documents encoded between two yields to the event loop while compacting


Source = tuple[str, str, Callable[[], list[Any]], Callable[[Any], Any]]

# Watched at /metrics (handlers/metrics.py); the journal's and snapshot's sizes are read there from the Journal.
SYNC_SECONDS = Histogram(
    "mediation_journal_sync_seconds",
    "One batch of the durable embedded engine's journal written and fdatasync'd (what an acknowledgement waits for)",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
SYNCED_BYTES = Counter("mediation_journal_synced_bytes_total", "Bytes of journal records written and fdatasync'd")
COMPACTIONS = Counter("mediation_journal_compactions_total", "Snapshots written to replace the journals before them")


class StoreError(Exception):
    """The store cannot be opened as configured; the server refuses to start with this message."""


class JournalFailed(ConnectionFailure):
    """The journal could not be written: every later command fails as if the database were down (503)."""


def record_put(database: str, collection: str, document: dict[str, Any]) -> bytes:
    return _frame(bson.encode({"b": database, "c": collection, "p": document}))


def record_delete(database: str, collection: str, doc_id: Any) -> bytes:
    return _frame(bson.encode({"b": database, "c": collection, "d": doc_id}))


def record_drop(database: str, collection: str) -> bytes:
    return _frame(bson.encode({"b": database, "c": collection, "x": 1}))


def _frame(encoded: bytes) -> bytes:
    return encoded + _CRC.pack(zlib.crc32(encoded))


def read_records(data: bytes | memoryview) -> tuple[list[dict[str, Any]], int]:
    """The whole records at the start of `data` and the length they cover (a torn or damaged tail stops it)."""
    records, at, size = [], 0, len(data)
    while at + 4 <= size:
        (length,) = _LENGTH.unpack_from(data, at)
        end = at + length
        if length < 5 or end + 4 > size:
            break
        body = bytes(data[at:end])
        if _CRC.unpack_from(data, end)[0] != zlib.crc32(body):
            break
        try:
            records.append(bson.decode(body))
        except bson.errors.InvalidBSON:
            break
        at = end + 4
    return records, at


@dataclass
class Loaded:
    """What `Journal.open` found: the records to apply, in order, and figures for the log."""

    records: Iterator[dict[str, Any]]
    snapshot_bytes: int
    journal_bytes: int


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The folder of one durable embedded engine, locked for this process while it is open."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock_fd = self._lock()
        self._number = 0
        self._fd = -1
        self._pending: list[bytes] = []
        self._appended = 0  # records appended (a sequence number)
        self._durable = 0  # records known to be on the disk
        self._in_flight = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        self.failed: BaseException | None = None
        self.snapshot_bytes = 0
        self.journal_bytes = 0  # every journal since the snapshot
        self._compacting: asyncio.Task[None] | None = None
        # What a snapshot holds, given by the engine: (database, collection, its ids now, id -> document).
        self.source: Callable[[], Iterable[Source]] | None = None
        self.compactions: list[float] = []  # seconds each compaction of this process took (bench, logs)
        self.closed = False

    # -- opening -----------------------------------------------------------------------------

    def _lock(self) -> int:
        path = self.folder / "LOCK"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise StoreError(
                f"another process (pid {holder}) is using the embedded database in {self.folder}: "
                "one folder serves one process (stop it, or give this one another folder)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return fd

    def open(self) -> Loaded:
        """Find the newest whole snapshot and the journals after it; start a new journal for this process.

        A torn last record (the process died while writing it, so it was never acknowledged) is cut
        off; damage anywhere before the last record of the last journal refuses to start.
        """
        for leftover in self.folder.glob("*.tmp"):
            leftover.unlink()
        snapshots = sorted(int(m.group(1)) for p in self.folder.iterdir() if (m := _SNAPSHOT.fullmatch(p.name)))
        journals = sorted(int(m.group(1)) for p in self.folder.iterdir() if (m := _JOURNAL.fullmatch(p.name)))
        base = snapshots[-1] if snapshots else 0
        snapshot_records: list[dict[str, Any]] = []
        if snapshots:
            snapshot_records, self.snapshot_bytes = self._read_snapshot(base)
        replay: list[list[dict[str, Any]]] = []
        later = [n for n in journals if n >= base]
        for n in later:
            path = self._journal_path(n)
            data = path.read_bytes()
            records, good = read_records(data)
            if good < len(data):
                if n != later[-1]:
                    raise StoreError(f"{path} is damaged at byte {good} and later journals exist: restore the folder")
                log.warning(
                    "embedded engine: %s ends in a torn record (%d bytes) never acknowledged: cut off",
                    path.name,
                    len(data) - good,
                )
                with open(path, "r+b") as handle:
                    handle.truncate(good)
                    os.fsync(handle.fileno())
            replay.append(records)
            self.journal_bytes += good
        self._remove_before(base)
        self._number = max([base, *journals]) + 1
        self._fd = self._create_journal(self._number)
        return Loaded(_chain(snapshot_records, replay), self.snapshot_bytes, self.journal_bytes)

    def _read_snapshot(self, number: int) -> tuple[list[dict[str, Any]], int]:
        path = self._snapshot_path(number)
        data = path.read_bytes()
        records, good = read_records(data)
        if not records or records[0].get("snapshot") != 1 or records[-1].get("end") != len(records) - 2:
            raise StoreError(f"{path} is not a whole snapshot: restore the folder")
        return records[1:-1], good

    def _snapshot_path(self, number: int) -> Path:
        return self.folder / f"snapshot-{number:08d}.bson"

    def _journal_path(self, number: int) -> Path:
        return self.folder / f"journal-{number:08d}.log"

    def _create_journal(self, number: int) -> int:
        fd = os.open(self._journal_path(number), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        _fsync_dir(self.folder)
        return fd

    def _remove_before(self, number: int) -> None:
        for path in self.folder.iterdir():
            match = _SNAPSHOT.fullmatch(path.name) or _JOURNAL.fullmatch(path.name)
            if match and int(match.group(1)) < number:
                path.unlink()

    # -- writing -----------------------------------------------------------------------------

    def append(self, record: bytes) -> int:
        """Queue one record for the disk; returns its sequence number (wait for it with `durable`)."""
        if self.failed is not None:
            raise JournalFailed(f"embedded engine: the journal failed earlier ({self.failed})")
        self._pending.append(record)
        self._appended += 1
        self.journal_bytes += len(record)
        return self._appended

    @property
    def settled(self) -> bool:
        """Nothing appended is still on its way to the disk."""
        return self._durable >= self._appended

    async def durable(self, seq: int | None = None) -> None:
        """Return once record `seq` (default: every record appended so far) is on the disk."""
        seq = self._appended if seq is None else seq
        if self._durable >= seq:
            return
        if self.failed is not None:
            raise JournalFailed(f"embedded engine: the journal failed ({self.failed})")
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append((seq, waiter))
        self._kick()
        await waiter

    def _kick(self) -> None:
        """Send what has gathered to the disk, unless a batch is already on its way (it will gather more)."""
        if self._in_flight or not self._pending:
            return
        self._submit(self._fd, self._take())

    def _take(self) -> tuple[bytes, int]:
        data, upto = b"".join(self._pending), self._appended
        self._pending.clear()
        return data, upto

    def _submit(self, fd: int, batch: tuple[bytes, int]) -> None:
        data, upto = batch
        self._in_flight += 1
        future = asyncio.get_running_loop().run_in_executor(self._writer, self._write, fd, data)
        future.add_done_callback(lambda done: self._written(done, upto))

    @staticmethod
    def _write(fd: int, data: bytes) -> None:
        began = time.perf_counter()
        _write_all(fd, data)
        os.fdatasync(fd)
        SYNC_SECONDS.observe(time.perf_counter() - began)
        SYNCED_BYTES.inc(len(data))

    def _written(self, done: asyncio.Future[None], upto: int) -> None:
        self._in_flight -= 1
        error = done.exception()
        if error is not None:
            log.error("embedded engine: writing the journal failed: %s", error)
            self.failed = error
            waiting, self._waiters = self._waiters, []
            for _, waiter in waiting:
                if not waiter.done():
                    waiter.set_exception(JournalFailed(f"embedded engine: the journal failed ({error})"))
            return
        self._durable = max(self._durable, upto)
        still = []
        for seq, waiter in self._waiters:
            if seq <= self._durable:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                still.append((seq, waiter))
        self._waiters = still
        self._kick()
        self._maybe_compact()

    # -- compaction --------------------------------------------------------------------------

    def needs_compaction(self) -> bool:
        return self.journal_bytes > max(COMPACT_FLOOR_BYTES, self.snapshot_bytes)

    def _maybe_compact(self) -> None:
        if self._compacting is None and self.source is not None and self.needs_compaction() and not self.closed:
            self._compacting = asyncio.get_running_loop().create_task(self.compact())

    async def compact(self) -> None:
        """Write every document into a new snapshot while writes go on, then drop what it replaces.

        Journal n+1 starts first; the documents are then encoded a chunk at a time between the
        event loop's other work, so the snapshot is "fuzzy": a document written meanwhile may be
        in it at its new value. Journal n+1 holds the after-image of every such write, and records
        are idempotent, so snapshot + journal n+1 replays to the right state. The snapshot is put
        in place only once journal n+1 is durable up to its end (a write it shows is on the disk).
        """
        began = time.perf_counter()
        try:
            number = self._rotate()
            tmp = self.folder / f"snapshot-{number:08d}.bson.tmp"
            out = await asyncio.to_thread(os.open, tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            count, size = 0, 0
            try:
                header = _frame(bson.encode({"snapshot": 1, "journal": number}))
                chunk = [header]
                assert self.source is not None
                for database, collection, ids, get in self.source():
                    for doc_id in ids():
                        document = get(doc_id)
                        if document is None:  # deleted since: its record is in journal n+1
                            continue
                        chunk.append(record_put(database, collection, document))
                        count += 1
                        if len(chunk) >= SNAPSHOT_CHUNK:
                            data = b"".join(chunk)
                            size += len(data)
                            chunk = []
                            await asyncio.to_thread(_write_all, out, data)
                chunk.append(_frame(bson.encode({"end": count})))
                data = b"".join(chunk)
                size += len(data)
                await asyncio.to_thread(_write_all, out, data)
                await asyncio.to_thread(os.fsync, out)
            finally:
                os.close(out)
            await self.durable()  # every write the snapshot may show is in journal n+1 on the disk
            await asyncio.to_thread(self._install, tmp, number)
            self.snapshot_bytes = size
            self.journal_bytes = sum(len(p) for p in self._pending) + self._current_journal_size()
            seconds = time.perf_counter() - began
            self.compactions.append(seconds)
            COMPACTIONS.inc()
            log.info(
                "embedded engine: compacted %d documents into %s (%d bytes) in %.2f s",
                count,
                f"snapshot-{number:08d}.bson",
                size,
                seconds,
            )
        finally:
            self._compacting = None

    def _rotate(self) -> int:
        """Start journal n+1 now; what gathered for journal n still goes there, first (one FIFO writer)."""
        old_fd, pending = self._fd, self._take() if self._pending else None
        self._number += 1
        self._fd = self._create_journal(self._number)
        if pending is not None:
            self._submit(old_fd, pending)
        self._writer.submit(os.close, old_fd)
        return self._number

    def _current_journal_size(self) -> int:
        try:
            return os.fstat(self._fd).st_size
        except OSError:
            return 0

    def _install(self, tmp: Path, number: int) -> None:
        os.replace(tmp, self._snapshot_path(number))
        _fsync_dir(self.folder)
        self._remove_before(number)

    # -- closing -----------------------------------------------------------------------------

    async def close(self) -> None:
        """Finish what is on its way, then release the folder (a later process may open it)."""
        if self.closed:
            return
        self.closed = True
        if self._compacting is not None:
            with contextlib.suppress(Exception):
                await self._compacting
        if self.failed is None:
            with contextlib.suppress(JournalFailed):
                await self.durable()
        self._writer.shutdown(wait=True)
        os.close(self._fd)
        self.release()

    def release(self) -> None:
        if self._lock_fd >= 0:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = -1


def _chain(first: list[dict[str, Any]], rest: list[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    yield from first
    for records in rest:
        yield from records
