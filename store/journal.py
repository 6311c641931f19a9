"""The durable embedded engine's folder: a journal of after-images fsync'd in groups, snapshots, one process.

The files and the rules they are read by are in store/folder.py (`MANIFEST.json`, `snapshot-<n>.bson`,
`journal-<n>.log`, `LOCK`). Writing whole documents rather than operations makes replay trivial and exact (no
update operator, clock or generated id is evaluated twice) and makes records idempotent, which is what lets a
snapshot be taken while writes go on.

Durability: a write is applied in memory, appended here, and its caller waits until the batch holding it has been
written and fdatasync'd, its sync marker last. While one batch is on its way to the disk the next one gathers
every write that arrives (group commit), so under load one sync serves many writes. Only one thread writes the
folder (FIFO: batches, manifests, a compaction's installation), so the file holds records in the order they were
made and a crash leaves a prefix of the history: a counter is never behind a case that used its value.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bson
from prometheus_client import Counter, Histogram
from pymongo.errors import ConnectionFailure

from store.folder import (
    JOURNAL_NAME,
    MANIFEST,
    MARKER_BYTES,
    SNAPSHOT_NAME,
    FolderState,
    Manifest,
    fsync_dir,
    header,
    inspect_folder,
    journal_name,
    marker,
    snapshot_name,
    write_manifest,
)
from store.folder import frame as _frame

log = logging.getLogger("mediation.store")

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


def record_put(database: str, collection: str, document: Mapping[str, Any]) -> bytes:
    return _frame(bson.encode({"b": database, "c": collection, "p": document}))


def record_delete(database: str, collection: str, doc_id: Any) -> bytes:
    return _frame(bson.encode({"b": database, "c": collection, "d": doc_id}))


def record_drop(database: str, collection: str) -> bytes:
    return _frame(bson.encode({"b": database, "c": collection, "x": 1}))


@dataclass
class Loaded:
    """What `Journal.open` found: the records to apply, in order, and figures for the log."""

    records: Iterator[dict[str, Any]]
    snapshot_bytes: int
    journal_bytes: int


@dataclass(frozen=True)
class FolderPoint:
    """A consistent point of the folder while it is held (`Journal.holding`): every write acknowledged before it
    is in these files' first bytes, which no longer change (a copy of them is a backup)."""

    folder: Path
    manifest: Manifest

    def files(self) -> list[tuple[str, int]]:
        """(name, bytes to copy) of the snapshot and every journal."""
        out = [(snapshot_name(self.manifest.snapshot), self.manifest.snapshot_bytes)] if self.manifest.snapshot else []
        return out + [(journal_name(n), length) for n, length in self.manifest.journals]

    def limits(self) -> dict[int, int]:
        return dict(self.manifest.journals)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_lock_holder(folder: str | os.PathLike[str]) -> dict[str, str] | None:
    """Who holds the folder's LOCK: {"pid", and "admin" once its server announced its administrative address},
    or None when nobody does (then nothing is taken: a caller that means to use the folder opens it)."""
    path = Path(folder) / "LOCK"
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _lock_contents(os.pread(fd, 4096, 0))
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _lock_contents(raw: bytes) -> dict[str, str]:
    lines = raw.decode(errors="replace").splitlines()
    holder = {"pid": lines[0].strip() if lines else "?"}
    for line in lines[1:]:
        key, _, value = line.partition("=")
        if key.strip() and value.strip():
            holder[key.strip()] = value.strip()
    return holder


class Journal:
    """The folder of one durable embedded engine, locked for this process while it is open."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock_fd = self._lock()
        self._number = 0  # the journal being written
        self._fd = -1
        self._offset = 0  # bytes of the current journal, those still on their way included
        self._snapshot = 0  # the snapshot the journals start from (0: none)
        self._synced: dict[int, int] = {}  # journal number -> bytes known on the disk (whole batches)
        self._pending: list[bytes] = []
        self._appended = 0  # records appended (a sequence number)
        self._durable = 0  # records known to be on the disk
        self._in_flight = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        self._broken: BaseException | None = None  # set in the writer's thread: nothing more is written
        self.failed: BaseException | None = None
        self.snapshot_bytes = 0
        self.journal_bytes = 0  # every journal since the snapshot
        self._compacting: asyncio.Task[None] | None = None
        self._holds = 0  # backups and checks reading the folder: no compaction meanwhile
        # What a snapshot holds, given by the engine: (database, collection, its ids now, id -> document).
        self.source: Callable[[], Iterable[Source]] | None = None
        self.compactions: list[float] = []  # seconds each compaction of this process took (bench, logs)
        self.found: FolderState | None = None  # what `open` read (the start's log line)
        self.closed = False

    # -- opening -----------------------------------------------------------------------------

    def _lock(self) -> int:
        path = self.folder / "LOCK"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_contents(os.pread(fd, 4096, 0))["pid"] or "?"
            os.close(fd)
            raise StoreError(
                f"another process (pid {holder}) is using the embedded database in {self.folder}: "
                "one folder serves one process (stop it, or give this one another folder)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return fd

    def announce(self, **facts: str) -> None:
        """Write `key=value` lines into LOCK under the pid (the server's administrative address, for manage.py)."""
        text = f"{os.getpid()}\n" + "".join(f"{k}={v}\n" for k, v in facts.items())
        os.ftruncate(self._lock_fd, 0)
        os.pwrite(self._lock_fd, text.encode(), 0)

    def open(self) -> Loaded:
        """Read and check the folder (store/folder.py), then start a new journal for this process.

        Damage refuses the start (StoreError naming each file). A tail of the last journal past its last
        recorded sync, a write a stop cut short, is copied to `<journal>.torn-<time>` and cut off.
        """
        state = inspect_folder(self.folder)
        if state.problems:
            raise StoreError(state.refusal())
        self.found = state
        for leftover in self.folder.glob("*.tmp"):  # an unfinished snapshot or manifest: never named
            leftover.unlink()
        for name in state.leftovers:
            log.info("embedded engine: removed %s, which MANIFEST.json no longer names", name)
            (self.folder / name).unlink()
        if state.earlier_version:
            log.warning(
                "embedded engine: %s has no MANIFEST.json (written by an earlier version): its journals are read "
                "as found; from now on the folder records which journals it holds and how far each was synced",
                self.folder,
            )
        if state.torn is not None:
            words = state.torn_words()
            aside = self._cut(state)
            log.warning("embedded engine: %s; copied to %s and cut off", words, aside.name)
        for scan in state.journals:
            if scan.complete > state.recorded(scan.number):  # written by a process that stopped without a word
                with open(self.folder / journal_name(scan.number), "rb") as handle:
                    os.fsync(handle.fileno())
            self._synced[scan.number] = scan.complete
        self._snapshot = state.snapshot
        self.snapshot_bytes = state.snapshot_bytes
        self.journal_bytes = sum(self._synced.values())
        self._number = max([state.snapshot, *self._synced]) + 1
        self._fd = self._create_journal(self._number)
        write_manifest(self.folder, self._manifest())
        return Loaded(state.records(), self.snapshot_bytes, self.journal_bytes)

    def _cut(self, state: FolderState) -> Path:
        """Copy the torn tail aside, then cut it off (fsync'd both)."""
        scan = state.torn
        assert scan is not None
        path = self.folder / journal_name(scan.number)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        aside = path.with_name(f"{path.name}.torn-{stamp}")
        n = 1
        while aside.exists():
            aside, n = path.with_name(f"{path.name}.torn-{stamp}-{n}"), n + 1
        with open(path, "r+b") as handle:
            handle.seek(scan.complete)
            tail = handle.read()
            fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                _write_all(fd, tail)
                os.fsync(fd)
            finally:
                os.close(fd)
            fsync_dir(self.folder)
            handle.truncate(scan.complete)
            os.fsync(handle.fileno())
        scan.size = scan.complete
        return aside

    def _manifest(self, state: str = "open", snapshot: int | None = None, snapshot_bytes: int = 0) -> Manifest:
        """The manifest of what is on the disk now (`snapshot`: as it will be once that snapshot is installed)."""
        base = self._snapshot if snapshot is None else snapshot
        size = self.snapshot_bytes if snapshot is None else snapshot_bytes
        journals = tuple((n, length) for n, length in sorted(self._synced.items()) if n >= base)
        return Manifest(base, size, journals, state)

    def _create_journal(self, number: int) -> int:
        """A new journal holding its header, on the disk before any manifest names it."""
        path = self.folder / journal_name(number)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        first = header(number)
        _write_all(fd, first)
        os.fdatasync(fd)
        fsync_dir(self.folder)
        self._offset = len(first)
        self._synced[number] = len(first)
        return fd

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

    def _take(self) -> tuple[bytes, int, int, int]:
        """The gathered records as one batch closed by its sync marker: (bytes, last seq, journal, its end)."""
        records = b"".join(self._pending)
        start = self._offset
        data = records + marker(start + len(records), start)
        self._offset += len(data)
        self.journal_bytes += MARKER_BYTES
        self._pending.clear()
        return data, self._appended, self._number, self._offset

    def _submit(self, fd: int, batch: tuple[bytes, int, int, int]) -> None:
        data, upto, number, end = batch
        self._in_flight += 1
        future = asyncio.get_running_loop().run_in_executor(self._writer, self._write_batch, fd, data)
        future.add_done_callback(lambda done: self._written(done, upto, number, end))

    def _write_batch(self, fd: int, data: bytes) -> None:
        if self._broken is not None:  # an earlier write of the folder failed: nothing after it goes out
            raise self._broken
        try:
            self._write(fd, data)
        except BaseException as exc:
            self._broken = exc
            raise

    @staticmethod
    def _write(fd: int, data: bytes) -> None:
        began = time.perf_counter()
        _write_all(fd, data)
        os.fdatasync(fd)
        SYNC_SECONDS.observe(time.perf_counter() - began)
        SYNCED_BYTES.inc(len(data))

    def _in_order(self, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Run `func` in the writer's thread after every batch submitted so far; a failure fails the journal."""

        def job() -> Any:
            if self._broken is not None:
                raise self._broken
            try:
                return func(*args)
            except BaseException as exc:
                self._broken = exc
                raise

        future = asyncio.get_running_loop().run_in_executor(self._writer, job)
        future.add_done_callback(self._fail_on_error)
        return future

    def _fail_on_error(self, done: asyncio.Future[Any]) -> None:
        error = None if done.cancelled() else done.exception()
        if error is not None:
            self._fail(error)

    def _fail(self, error: BaseException) -> None:
        if self.failed is None:
            log.error("embedded engine: writing the journal failed: %s", error)
        self.failed = self.failed or error
        waiting, self._waiters = self._waiters, []
        for _, waiter in waiting:
            if not waiter.done():
                waiter.set_exception(JournalFailed(f"embedded engine: the journal failed ({error})"))

    def _written(self, done: asyncio.Future[None], upto: int, number: int, end: int) -> None:
        self._in_flight -= 1
        error = done.exception()
        if error is not None:
            self._fail(error)
            return
        self._durable = max(self._durable, upto)
        if number in self._synced:
            self._synced[number] = max(self._synced[number], end)
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

    # -- generations (what a purge needs to know) ---------------------------------------------

    @property
    def generation(self) -> int:
        """The journal a write made now goes to: its number only grows (a start, a compaction)."""
        return self._number

    @property
    def oldest_generation(self) -> int:
        """The oldest journal whose contents are still in the folder's files: the snapshot's number, or the
        first journal. What was overwritten or deleted while `generation` was g is gone from every file of the
        folder once this exceeds g (a backup taken before keeps it)."""
        return self._snapshot or min(self._synced, default=self._number)

    # -- compaction --------------------------------------------------------------------------

    def needs_compaction(self) -> bool:
        return self.journal_bytes > max(COMPACT_FLOOR_BYTES, self.snapshot_bytes)

    def _maybe_compact(self) -> None:
        if (
            self._compacting is None
            and not self._holds
            and self.source is not None
            and self.needs_compaction()
            and not self.closed
        ):
            self._compacting = asyncio.get_running_loop().create_task(self.compact())

    async def compact(self) -> None:
        """Write every document into a new snapshot while writes go on, then drop what it replaces.

        Journal n+1 starts first; the documents are then encoded a chunk at a time between the
        event loop's other work, so the snapshot is "fuzzy": a document written meanwhile may be
        in it at its new value. Journal n+1 holds the after-image of every such write, and records
        are idempotent, so snapshot + journal n+1 replays to the right state. The snapshot is put
        in place only once journal n+1 is durable up to its end (a write it shows is on the disk),
        and the manifest names it before what it replaces is removed.
        """
        began = time.perf_counter()
        try:
            number = self._rotate()
            tmp = self.folder / f"{snapshot_name(number)}.tmp"
            out = await asyncio.to_thread(os.open, tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            count, size = 0, 0
            try:
                chunk = [_frame(bson.encode({"snapshot": 1, "journal": number}))]
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
            await self._in_order(self._install, tmp, number, self._manifest(snapshot=number, snapshot_bytes=size))
            self._snapshot = number
            self._synced = {n: length for n, length in self._synced.items() if n >= number}
            self.snapshot_bytes = size
            self.journal_bytes = sum(len(p) for p in self._pending) + self._offset
            seconds = time.perf_counter() - began
            self.compactions.append(seconds)
            COMPACTIONS.inc()
            log.info(
                "embedded engine: compacted %d documents into %s (%d bytes) in %.2f s",
                count,
                snapshot_name(number),
                size,
                seconds,
            )
        finally:
            self._compacting = None

    def _rotate(self) -> int:
        """Start journal n+1 now; what gathered for journal n still goes there, first (one FIFO writer), and the
        manifest names journal n+1 before any batch goes to it."""
        old_fd, pending = self._fd, self._take() if self._pending else None
        self._number += 1
        self._fd = self._create_journal(self._number)
        if pending is not None:
            self._submit(old_fd, pending)
        self._in_order(write_manifest, self.folder, self._manifest())
        self._writer.submit(os.close, old_fd)
        return self._number

    def _install(self, tmp: Path, number: int, manifest: Manifest) -> None:
        os.replace(tmp, self.folder / snapshot_name(number))
        fsync_dir(self.folder)
        write_manifest(self.folder, manifest)
        for path in self.folder.iterdir():
            match = SNAPSHOT_NAME.fullmatch(path.name) or JOURNAL_NAME.fullmatch(path.name)
            if match and int(match.group(1)) < number:
                path.unlink()

    async def compact_now(self) -> None:
        """Compact at once (after the one running, if any): what was overwritten or deleted before now leaves
        the folder's files (see `oldest_generation`)."""
        while self._compacting is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._compacting)
        if self.source is None or self.closed:
            return
        self._compacting = asyncio.get_running_loop().create_task(self.compact())
        await asyncio.shield(self._compacting)

    # -- reading the folder while it is used --------------------------------------------------

    @contextlib.asynccontextmanager
    async def holding(self) -> AsyncIterator[FolderPoint]:
        """Keep the folder's files as they are (no compaction starts; one running is waited for) and give the
        consistent point reached once everything written so far is on the disk."""
        while self._compacting is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._compacting)
        self._holds += 1
        try:
            await self.durable()
            yield FolderPoint(self.folder, self._manifest("backup"))
        finally:
            self._holds -= 1
            if not self._holds and not self.closed and self.failed is None:
                self._maybe_compact()

    # -- closing -----------------------------------------------------------------------------

    async def close(self) -> None:
        """Finish what is on its way, record the journals' lengths, then release the folder."""
        if self.closed:
            return
        self.closed = True
        if self._compacting is not None:
            with contextlib.suppress(Exception):
                await self._compacting
        if self.failed is None:
            with contextlib.suppress(JournalFailed):
                await self.durable()
        if self.failed is None:
            with contextlib.suppress(Exception):  # a failure is logged and failed: the start reads the markers
                await self._in_order(write_manifest, self.folder, self._manifest("closed"))
        self._writer.shutdown(wait=True)
        os.close(self._fd)
        self.release()

    def release(self) -> None:
        if self._lock_fd >= 0:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = -1


class FolderLock:
    """The folder's LOCK taken by a command that reads the folder itself (no server holds it): refuses like
    `Journal` when a process holds it, and keeps a server from starting on the folder meanwhile."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._fd = -1

    def __enter__(self) -> FolderLock:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.folder / "LOCK", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_contents(os.pread(fd, 4096, 0))["pid"] or "?"
            os.close(fd)
            raise StoreError(
                f"another process (pid {holder}) is using the embedded database in {self.folder}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


def move_aside(folder: Path, names: Iterable[str], reason: str) -> Path:
    """Move files of the folder into `<folder>/aside-<time>/` (a repair the operator asked for), with a note."""
    aside = folder / time.strftime("aside-%Y%m%dT%H%M%SZ", time.gmtime())
    aside.mkdir(mode=0o700)
    for name in names:
        if (folder / name).exists():
            shutil.move(str(folder / name), str(aside / name))
    (aside / "WHY.txt").write_text(reason + "\n", encoding="utf-8")
    fsync_dir(folder)
    return aside


__all__ = ["MANIFEST", "FolderLock", "FolderPoint", "Journal", "JournalFailed", "StoreError", "read_lock_holder"]
