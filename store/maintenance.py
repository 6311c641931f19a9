"""What `python manage.py store verify | backup | restore | repair` does to an `embedded:<folder>` and its blobs.

Each works on a folder no server holds (the command takes its LOCK), or inside the server that holds it (asked by
manage.py through the administrative endpoint, handlers/admin/): `verify_running` and `backup_running` take a
consistent point of the folder (`Journal.holding`: no compaction meanwhile, every acknowledged write on the disk)
and keep every blob in place while they read (`LocalBlobStore.holding_deletes`).

A backup is a tar stream: `MANIFEST.json` (the point's journals and their lengths, and what the backup holds), the
snapshot, each journal's first bytes up to the point, and `blobs/<id[:2]>/<id>`. A restore puts it into an empty
folder; the server's own start then checks the journals against that manifest.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import tarfile
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.blobs import BLOB_ID, BlobDamaged, LocalBlobStore
from store.embedded import EmbeddedClient
from store.folder import (
    JOURNAL_NAME,
    MANIFEST,
    SNAPSHOT_NAME,
    FolderState,
    Manifest,
    fsync_dir,
    header,
    inspect_folder,
    journal_name,
    snapshot_name,
    write_manifest,
)
from store.journal import FolderPoint, StoreError, move_aside

CHUNK = 1024 * 1024
Documents = Iterable[tuple[str, str, dict[str, Any]]]


@dataclass
class Report:
    """What a check found: problems name a file and what is wrong with it; notes are worth knowing, not wrong."""

    folder: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the snapshot and journals with their bytes
    collections: dict[str, int] = field(default_factory=dict)  # documents per collection
    blobs: int = 0
    blob_bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Report:
        return cls(**{f.name: raw[f.name] for f in dataclasses.fields(cls) if f.name in raw})

    def summary(self) -> str:
        counts = ", ".join(f"{self.collections.get(name, 0)} {name}" for name in _SHOWN)
        return (
            f"{sum(self.collections.values())} documents ({counts}), {self.blobs} stored files "
            f"({self.blob_bytes / 1e6:.1f} MB), in {', '.join(self.files) or 'no journal'}"
        )


_SHOWN = ("cases", "files", "documents", "persons")


# -- checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    where: str  # collection/_id of the document naming the blob
    sha256: str
    sm3: str


def references(documents: Documents) -> dict[str, list[Reference]]:
    """Every blob a document names (any `blob_id` of 32 hex, at any depth) with the plaintext fingerprints
    recorded beside it (`sha256`, `sm3`), by blob id."""
    found: dict[str, list[Reference]] = {}

    def walk(value: Any, where: str) -> None:
        if isinstance(value, dict):
            blob_id = value.get("blob_id")
            if isinstance(blob_id, str) and BLOB_ID.fullmatch(blob_id):
                sha256, sm3 = value.get("sha256"), value.get("sm3")
                found.setdefault(blob_id, []).append(
                    Reference(where, sha256 if isinstance(sha256, str) else "", sm3 if isinstance(sm3, str) else "")
                )
            for item in value.values():
                walk(item, where)
        elif isinstance(value, list):
            for item in value:
                walk(item, where)

    for _, collection, document in documents:
        walk(document, f"{collection}/{document.get('_id')}")
    return found


async def check_blobs(blobs: LocalBlobStore, named: dict[str, list[Reference]], report: Report) -> None:
    """Read every blob whole (each segment authenticated), compare the fingerprints the documents record, and
    find every blob a document names that is not there."""
    present = await asyncio.to_thread(blobs.ids)
    for blob_id in present:
        try:
            check = await blobs.check(blob_id)
        except BlobDamaged as exc:
            report.problems.append(str(exc))
            continue
        report.blobs += 1
        report.blob_bytes += check.stored_bytes
        for ref in named.get(blob_id, []):
            if ref.sha256 and ref.sha256 != check.sha256 or ref.sm3 and ref.sm3 != check.sm3:
                report.problems.append(
                    f"{blobs.path_of(blob_id)}: its contents are not the file {ref.where} records (fingerprint differs)"
                )
    for blob_id in sorted(set(named) - set(present)):
        report.problems.append(f"{blobs.path_of(blob_id)}: is missing; {named[blob_id][0].where} names it")
    unnamed = len(set(present) - set(named))
    if unnamed:
        report.notes.append(f"{unnamed} stored file(s) no document names (left by an upload that was not completed)")


def _folder_part(state: FolderState, report: Report) -> None:
    report.problems += state.describe_problems()
    if state.torn is not None:
        report.notes.append(f"{state.torn_words()}: the next start copies them aside and cuts them off")
    if state.earlier_version:
        report.notes.append("no MANIFEST.json (an earlier version's folder): the next start writes one")
    if state.snapshot:
        report.files.append(f"{snapshot_name(state.snapshot)} ({state.snapshot_bytes} bytes)")
    report.files += [f"{journal_name(s.number)} ({s.complete} bytes)" for s in state.journals]


def _count(documents: Documents, report: Report) -> list[tuple[str, str, dict[str, Any]]]:
    kept = list(documents)
    for _, collection, _ in kept:
        report.collections[collection] = report.collections.get(collection, 0) + 1
    return kept


def replay(records: Iterable[dict[str, Any]]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The documents the records leave, as (database, collection, document): the engine's replay, in dicts."""
    stores: dict[tuple[str, str], dict[Any, dict[str, Any]]] = {}
    for record in records:
        store = stores.setdefault((record["b"], record["c"]), {})
        if "p" in record:
            store[record["p"]["_id"]] = record["p"]
        elif "d" in record:
            store.pop(record["d"], None)
        else:
            store.clear()
    for (database, collection), documents in stores.items():
        for document in documents.values():
            yield database, collection, document


def _read_and_judge(folder: Path, limits: dict[int, int] | None, report: Report) -> dict[str, list[Reference]]:
    """Blocking: the folder read and judged, its documents counted, the blobs they name (with fingerprints)."""
    state = inspect_folder(folder, limits)
    _folder_part(state, report)
    return references(_count(replay(state.records()), report))


async def verify_folder(folder: Path, blobs: LocalBlobStore | None) -> Report:
    """Check a folder no process uses (the caller holds its LOCK): every record's checksum, the journals against
    the manifest, every blob whole and against the fingerprints its documents record. Nothing is changed."""
    report = Report(str(folder))
    named = await asyncio.to_thread(_read_and_judge, folder, None, report)
    if blobs is not None:
        await check_blobs(blobs, named, report)
    return report


async def verify_running(client: EmbeddedClient, blobs: LocalBlobStore | None) -> Report:
    """The same check inside the server that holds the folder, on what is on the disk at one consistent point
    (the documents and blob names as the disk has them, not as memory does)."""
    journal = client.journal
    assert journal is not None
    report = Report(str(journal.folder))
    async with _holding_blobs(blobs), journal.holding() as point:
        named = await asyncio.to_thread(_read_and_judge, point.folder, point.limits(), report)
        if blobs is not None:
            await check_blobs(blobs, named, report)
    return report


@contextlib.asynccontextmanager
async def _holding_blobs(blobs: LocalBlobStore | None) -> AsyncIterator[None]:
    if blobs is None:
        yield
        return
    async with blobs.holding_deletes():
        yield


# -- backing up ------------------------------------------------------------------------------


def _member_header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info.tobuf(tarfile.PAX_FORMAT)


def _padding(size: int) -> bytes:
    return b"\0" * (-size % tarfile.BLOCKSIZE)


def _file_member(path: Path, name: str, length: int) -> Iterator[bytes]:
    yield _member_header(name, length)
    left = length
    with open(path, "rb") as handle:
        while left:
            data = handle.read(min(CHUNK, left))
            if not data:
                raise OSError(f"{path} is shorter than the {length} bytes being copied")
            left -= len(data)
            yield data
    yield _padding(length)


def backup_chunks(point: FolderPoint, blobs: LocalBlobStore | None, blob_ids: list[str]) -> Iterator[bytes]:
    """Blocking, one piece at a time: the tar stream of a backup of `point` and these blobs (see the module)."""
    blob_bytes = sum((blobs.path_of(i).stat().st_size for i in blob_ids), 0) if blobs is not None else 0
    holds = {
        "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "blobs": len(blob_ids),
        "blob_bytes": blob_bytes,
    }
    manifest = dataclasses.replace(point.manifest, state="backup", extra={"backup": holds}).as_json()
    yield _member_header(MANIFEST, len(manifest)) + manifest + _padding(len(manifest))
    for name, length in point.files():
        yield from _file_member(point.folder / name, name, length)
    if blobs is not None:
        for blob_id in blob_ids:
            path = blobs.path_of(blob_id)
            yield from _file_member(path, f"blobs/{blob_id[:2]}/{blob_id}", path.stat().st_size)
    yield b"\0" * (2 * tarfile.BLOCKSIZE)


@contextlib.asynccontextmanager
async def backup_running(client: EmbeddedClient, blobs: LocalBlobStore | None) -> AsyncIterator[Iterator[bytes]]:
    """Inside the server: the folder and the blobs held at a consistent point, and the backup's tar stream (read
    it, a piece at a time in a thread, before leaving the block)."""
    journal = client.journal
    assert journal is not None
    async with _holding_blobs(blobs), journal.holding() as point:
        # Listed once every acknowledged write is on the disk: a blob is whole before any record names it.
        blob_ids = sorted(await asyncio.to_thread(blobs.ids)) if blobs is not None else []
        yield backup_chunks(point, blobs, blob_ids)


def backup_folder_chunks(folder: Path, blobs: LocalBlobStore | None) -> Iterator[bytes]:
    """Blocking: a folder no process uses (the caller holds its LOCK), checked first, as a backup's tar stream.
    StoreError when it is damaged: a backup of a damaged folder would pass the damage on."""
    state = inspect_folder(folder)
    if state.problems:
        raise StoreError(state.refusal())
    if state.manifest is None:
        raise StoreError(f"{folder} has no MANIFEST.json: start the server on it once (it writes one), then back up")
    journals = tuple((s.number, s.complete) for s in state.journals)
    point = FolderPoint(folder, Manifest(state.snapshot, state.snapshot_bytes, journals, "backup"))
    blob_ids = sorted(blobs.ids()) if blobs is not None else []
    return backup_chunks(point, blobs, blob_ids)


# -- restoring -------------------------------------------------------------------------------


def _target(name: str, folder: Path, blob_dir: Path) -> Path:
    parts = name.split("/")
    if name == MANIFEST or SNAPSHOT_NAME.fullmatch(name) or JOURNAL_NAME.fullmatch(name):
        return folder / name
    if len(parts) == 3 and parts[0] == "blobs" and BLOB_ID.fullmatch(parts[2]) and parts[1] == parts[2][:2]:
        return blob_dir / parts[1] / parts[2]
    raise StoreError(f"{name!r} is not a file of a backup (MANIFEST.json, snapshot-, journal-, blobs/)")


_NOT_COPIED = ("blobs/.tmp/", "uploads/", "aside-")  # a live folder given as the source: what is not a backup's


def empty_or_absent(path: Path) -> bool:
    return not path.exists() or path.is_dir() and not any(path.iterdir())


def _copy_into(source: Any, target: Path) -> int:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    size = 0
    try:
        while data := source.read(CHUNK):
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            size += len(data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return size


def unpack(source: Path | Any, folder: Path, blob_dir: Path) -> int:
    """Put a backup (an archive file, an open tar stream, or a backup folder) into `folder`, its blobs into
    `blob_dir`; both must be empty or absent. Returns the files written. Nothing but a backup's files is taken."""
    for target in (folder, blob_dir):
        if not empty_or_absent(target):
            raise StoreError(f"{target} is not empty: a backup goes into an empty folder")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = 0
    if isinstance(source, Path) and source.is_dir():
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            name = path.relative_to(source).as_posix()
            if name == "LOCK" or ".torn-" in name or name.endswith(".tmp") or name.startswith(_NOT_COPIED):
                continue
            with open(path, "rb") as handle:
                _copy_into(handle, _target(name, folder, blob_dir))
            written += 1
    else:
        tar = tarfile.open(source, "r:*") if isinstance(source, Path) else tarfile.open(fileobj=source, mode="r|*")
        with tar:
            for member in tar:
                target = _target(member.name, folder, blob_dir)
                if not member.isfile():
                    raise StoreError(f"{member.name!r} in the backup is not a plain file")
                extracted = tar.extractfile(member)
                assert extracted is not None
                _copy_into(extracted, target)
                written += 1
    if not (folder / MANIFEST).exists():
        raise StoreError(f"{source} holds no MANIFEST.json: not a backup of the embedded database")
    for directory in {folder, blob_dir, *(p.parent for p in blob_dir.glob("??/*"))}:
        if directory.exists():
            fsync_dir(directory)
    return written


# -- repairing -------------------------------------------------------------------------------


def repair(folder: Path) -> list[str]:
    """Make the folder start from what precedes its first damage (the caller holds its LOCK): the damaged journal
    and every later one are moved into `<folder>/aside-<time>/`, the damaged journal's whole batches before the
    damage are copied back under its name, and the manifest names what is left. What the moved journals held past
    the damage is lost to the folder (it stays in the aside folder). A damaged snapshot cannot be repaired."""
    state = inspect_folder(folder)
    if not state.problems:
        return [f"{folder}: nothing to repair"]
    damaged = {p.file for p in state.problems}
    if state.snapshot and snapshot_name(state.snapshot) in damaged:
        raise StoreError(f"{state.refusal()}\nThe snapshot itself is damaged: only a backup can restore the folder.")
    on_disk = {int(m.group(1)) for p in folder.iterdir() if (m := JOURNAL_NAME.fullmatch(p.name))}
    if state.manifest is not None:
        listed = [n for n, _ in state.manifest.journals]
    else:  # missing or unreadable: the journals present in sequence from the snapshot
        listed, n = [], state.snapshot or min(on_disk, default=1)
        while n in on_disk:
            listed.append(n)
            n += 1
    scans = {s.number: s for s in state.journals}
    keep: list[tuple[int, int]] = []
    aside: list[str] = [journal_name(n) for n in sorted(on_disk) if n > (listed[-1] if listed else 0)]
    salvage: tuple[int, int] | None = None
    for i, n in enumerate(listed):
        scan = scans.get(n)
        if n not in on_disk or journal_name(n) in damaged:
            later = [journal_name(m) for m in listed[i:] if m in on_disk]
            aside += later
            if scan is not None and n in on_disk and scan.complete and not scan.problem:
                salvage = (n, scan.complete)
            break
        keep.append((n, scan.complete if scan is not None else 0))
    lines = [f"{folder}: {line}" for line in state.describe_problems()]
    moved = move_aside(folder, sorted(set(aside)), "moved by python manage.py store repair:\n" + "\n".join(lines))
    if salvage is not None:
        number, length = salvage
        with open(moved / journal_name(number), "rb") as handle:
            _copy_into(_Limited(handle, length), folder / journal_name(number))
        keep.append(salvage)
    if not keep and state.snapshot:  # the snapshot alone: its journal starts empty
        (folder / journal_name(state.snapshot)).write_bytes(header(state.snapshot))
        keep.append((state.snapshot, len(header(state.snapshot))))
    if keep:
        write_manifest(folder, Manifest(state.snapshot, state.snapshot_bytes, tuple(keep), "repaired"))
    else:
        (folder / MANIFEST).unlink(missing_ok=True)
    fsync_dir(folder)
    kept = ", ".join(f"{journal_name(n)} ({length} bytes)" for n, length in keep) or "nothing"
    return [
        *lines,
        f"moved {', '.join(sorted(set(aside))) or 'nothing'} into {moved}",
        f"kept {snapshot_name(state.snapshot) + ', ' if state.snapshot else ''}{kept}",
    ]


class _Limited:
    def __init__(self, handle: Any, left: int) -> None:
        self._handle, self._left = handle, left

    def read(self, size: int) -> bytes:
        data: bytes = self._handle.read(min(size, self._left))
        self._left -= len(data)
        return data


__all__ = [
    "Report",
    "backup_folder_chunks",
    "backup_running",
    "check_blobs",
    "empty_or_absent",
    "references",
    "repair",
    "unpack",
    "verify_folder",
    "verify_running",
]
