"""What an `embedded:<folder>` holds and how it is read back: the file formats, the manifest, the damage rules.

    MANIFEST.json                 which snapshot and journals make the folder, and how far each is known synced
    snapshot-<n>.bson             every document as it was while journal n began
    journal-<n>.log               a header naming n, then batches: the records one write to the disk carried,
                                  each batch closed by a sync marker
    journal-<n>.log.torn-<time>   bytes cut off a journal's end at a start, kept for the operator
    LOCK                          the one process using the folder (store/journal.py)

A frame is one BSON document followed by the CRC-32 of its bytes. A journal's first frame is its header
`{journal: n, format: 2}`; a record is `{b, c, p: document}`, `{b, c, d: _id}` or `{b, c, x: 1}`; a batch ends
with the marker `{~sync: its own offset, from: where the batch began}`. The marker is written with its batch, in
one write followed by one fdatasync, and a write is acknowledged only after that: a batch without its marker was
never acknowledged. `MANIFEST.json` is replaced atomically (a temporary file, fsync, rename, fsync of the folder)
when a process starts, when a compaction starts and ends, and when a process stops cleanly; it lists every journal
with the bytes known synced (at a clean stop: all of them).

Read at start (store/journal.py `Journal.open`) and by `python manage.py store verify`, the folder is refused,
naming the file, when: the manifest is missing beside journals of this format, or names a snapshot or a journal
that is not there; a journal is shorter than the bytes the manifest records; a record does not check before those
bytes, or before a complete batch that follows it, or in any journal but the last; a header names another journal;
the snapshot is not whole. The one thing that is not damage is a tail of the last journal past its last complete
batch and past what the manifest records: a write a stop cut short. That tail may be cut, after its bytes are
copied to `<journal>.torn-<time>`. Nothing the manifest or a marker shows synced is ever cut or rewritten.

A folder of an earlier version (journals without headers, no manifest) is read as that version read it and gets
its manifest at its first start.
"""

from __future__ import annotations

import json
import os
import re
import struct
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bson
from bson.int64 import Int64

_CRC = struct.Struct("<I")
_LENGTH = struct.Struct("<i")
SNAPSHOT_NAME = re.compile(r"snapshot-(\d{8})\.bson")
JOURNAL_NAME = re.compile(r"journal-(\d{8})\.log")
MANIFEST = "MANIFEST.json"
FORMAT = 2
MARK_KEY = "~sync"
_MARK = b"\x12" + MARK_KEY.encode() + b"\x00"  # the marker's first element (an int64), found after damage
# What a refusal tells the operator to do (docs/operations.md#recovery).
RESTORE_HELP = (
    "restore the last backup into an empty folder (python manage.py store restore <backup> --into <empty folder>; "
    "docs/operations.md#recovery), or start from what precedes the damage with python manage.py store repair "
    "(it moves the damaged files aside; what they hold past the damage is lost)"
)


def frame(encoded: bytes) -> bytes:
    return encoded + _CRC.pack(zlib.crc32(encoded))


def header(number: int) -> bytes:
    """The first frame of journal `number`."""
    return frame(bson.encode({"journal": Int64(number), "format": FORMAT}))


def marker(at: int, start: int) -> bytes:
    """The frame that closes a batch which began at byte `start`, itself written at byte `at`."""
    return frame(bson.encode({MARK_KEY: Int64(at), "from": Int64(start)}))


MARKER_BYTES = len(marker(0, 0))


def read_frame(data: bytes, at: int) -> tuple[dict[str, Any] | None, int]:
    """The document of the frame at `at` and where the next begins; (None, at) unless it is whole and checks."""
    size = len(data)
    if at + 4 > size:
        return None, at
    (length,) = _LENGTH.unpack_from(data, at)
    end = at + length
    if length < 5 or end + 4 > size:
        return None, at
    body = data[at:end]
    if _CRC.unpack_from(data, end)[0] != zlib.crc32(body):
        return None, at
    try:
        return bson.decode(body), end + 4
    except (bson.errors.InvalidBSON, ValueError, OverflowError):
        return None, at


def journal_name(number: int) -> str:
    return f"journal-{number:08d}.log"


def snapshot_name(number: int) -> str:
    return f"snapshot-{number:08d}.bson"


# -- one journal --------------------------------------------------------------------------------


@dataclass
class JournalScan:
    """One journal as read: its records and where it stops being whole."""

    number: int
    size: int
    versioned: bool  # it starts with its header (this format); False: an earlier version's, or empty
    records: list[dict[str, Any]]  # of its complete batches (an earlier version's: every whole record)
    complete: int  # bytes that are whole: the header and the complete batches
    stop: int  # where reading stopped: the first frame that does not check, or the end
    later: int | None = None  # a complete batch's marker found past `stop`: damage, not a write cut short
    problem: str = ""  # a header that names another journal or format

    @property
    def tail(self) -> int:
        """Bytes past the last complete batch."""
        return self.size - self.complete


def scan_journal(data: bytes, number: int) -> JournalScan:
    size = len(data)
    first, at = read_frame(data, 0)
    versioned = first is not None and "journal" in first
    problem = ""
    if first is not None and versioned and (first.get("journal") != number or first.get("format") != FORMAT):
        problem = f"its header names journal {first.get('journal')} in format {first.get('format')}, not {number}"
    if not versioned:
        at = 0
    complete = at
    records: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    while at < size:
        document, end = read_frame(data, at)
        if document is None:
            break
        if not versioned:
            records.append(document)
            complete = end
        elif MARK_KEY in document:
            if document[MARK_KEY] != at or document.get("from") != complete:
                break  # a marker that is not where it says: the bytes before it are not its batch
            records += batch
            batch = []
            complete = end
        else:
            batch.append(document)
        at = end
    scan = JournalScan(number, size, versioned, records, complete, at, problem=problem)
    if versioned and at < size:
        scan.later = find_marker(data, at + 1)
    return scan


def find_marker(data: bytes, start: int) -> int | None:
    """The offset of the first whole, checking sync marker at or after `start` that says it is where it is."""
    found = data.find(_MARK, start + 4)
    while found != -1:
        at = found - 4
        document, _ = read_frame(data, at)
        if document is not None and document.get(MARK_KEY) == at:
            return at
        found = data.find(_MARK, found + 1)
    return None


def read_snapshot(data: bytes, number: int) -> list[dict[str, Any]] | None:
    """The documents of whole snapshot `number` (its first frame opens it naming the number, its last counts
    what is between), else None."""
    records, at = [], 0
    while at < len(data):
        document, at_next = read_frame(data, at)
        if document is None:
            return None
        records.append(document)
        at = at_next
    if not records or records[0].get("snapshot") != 1 or records[-1].get("end") != len(records) - 2:
        return None
    if records[0].get("journal") != number:
        return None
    return records[1:-1]


# -- the manifest ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """Which snapshot (0: none) and journals make the folder, and the bytes of each known synced."""

    snapshot: int
    snapshot_bytes: int
    journals: tuple[tuple[int, int], ...]  # (number, bytes synced), consecutive numbers
    state: str = "open"  # "open" while a process uses the folder, "closed" after a clean stop, "backup"
    extra: dict[str, Any] = field(default_factory=dict)  # what a backup says it holds

    def as_json(self) -> bytes:
        content = {
            "format": FORMAT,
            "snapshot": self.snapshot,
            "snapshot_bytes": self.snapshot_bytes,
            "journals": [list(j) for j in self.journals],
            "state": self.state,
            "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **self.extra,
        }
        return json.dumps(content, indent=1).encode()

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        content = json.loads(raw)
        journals = tuple((int(n), int(length)) for n, length in content["journals"])
        if content.get("format") != FORMAT or not journals:
            raise ValueError("not a manifest of this format")
        extra = {k: v for k, v in content.items() if k not in _MANIFEST_KEYS}
        return cls(int(content["snapshot"]), int(content["snapshot_bytes"]), journals, str(content["state"]), extra)


_MANIFEST_KEYS = {"format", "snapshot", "snapshot_bytes", "journals", "state", "written_at"}


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically: a reader (or a crash) sees the old file or the new, whole."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_manifest(folder: Path, manifest: Manifest) -> None:
    write_durably(folder / MANIFEST, manifest.as_json())


# -- the whole folder --------------------------------------------------------------------------


@dataclass
class Finding:
    file: str  # a name in the folder
    what: str


@dataclass
class FolderState:
    """The folder as read: what it is made of, what is wrong with it, what may be cut or removed."""

    folder: Path
    manifest: Manifest | None = None
    snapshot: int = 0
    snapshot_bytes: int = 0
    snapshot_records: list[dict[str, Any]] = field(default_factory=list)
    journals: list[JournalScan] = field(default_factory=list)  # in order
    problems: list[Finding] = field(default_factory=list)  # any of them refuses the start
    torn: JournalScan | None = None  # the last journal's tail past its last recorded sync: a write cut short
    leftovers: list[str] = field(default_factory=list)  # files no part of the state (an interrupted compaction's)
    earlier_version: bool = False  # no manifest, journals without headers: read as the earlier version did

    def records(self) -> Iterator[dict[str, Any]]:
        yield from self.snapshot_records
        for scan in self.journals:
            yield from scan.records

    def describe_problems(self) -> list[str]:
        return [f"{self.folder / p.file}: {p.what}" for p in self.problems]

    def refusal(self) -> str:
        lines = "\n".join(f"  - {line}" for line in self.describe_problems())
        return (
            f"the embedded database in {self.folder} is damaged; nothing was changed:\n{lines}\n"
            f"What to do: {RESTORE_HELP}."
        )

    def torn_words(self) -> str:
        """What the log says of a torn tail: what the engine knows, no more."""
        scan = self.torn
        assert scan is not None
        if not scan.versioned:
            return (
                f"{journal_name(scan.number)} (written by an earlier version, which recorded no syncs) ends in "
                f"{scan.tail} bytes that are not a whole record, from byte {scan.complete}"
            )
        return (
            f"{journal_name(scan.number)} ends in {scan.tail} bytes past its last complete batch (byte "
            f"{scan.complete}) and past the {self.recorded(scan.number)} bytes MANIFEST.json records as synced; "
            f"the first record there that does not check starts at byte {scan.stop}: a write cut short by the "
            "stop (a write is acknowledged only once its whole batch is on the disk)"
        )

    def recorded(self, number: int) -> int:
        if self.manifest is None:
            return 0
        return dict(self.manifest.journals).get(number, 0)


def _numbers(names: Iterable[str], pattern: re.Pattern[str]) -> list[int]:
    return sorted(int(m.group(1)) for name in names if (m := pattern.fullmatch(name)))


def _read(path: Path, limit: int | None) -> bytes:
    with open(path, "rb") as handle:
        return handle.read() if limit is None else handle.read(limit)


def inspect_folder(folder: Path, limits: dict[int, int] | None = None) -> FolderState:
    """Read the folder and judge it (nothing is changed). `limits`: read only so many bytes of these journals
    (a running server's: what is synced; bytes after it may be a batch on its way)."""
    limits = limits or {}
    state = FolderState(folder)
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    snapshots, journals = _numbers(names, SNAPSHOT_NAME), _numbers(names, JOURNAL_NAME)
    manifest_path = folder / MANIFEST
    if manifest_path.exists():
        try:
            state.manifest = Manifest.parse(manifest_path.read_bytes())
        except (ValueError, KeyError, TypeError) as exc:
            state.problems.append(Finding(MANIFEST, f"cannot be read ({exc})"))
            return state
    if state.manifest is None:
        if not snapshots and not journals:
            return state  # a new folder
        ours = [n for n in journals if _headed(folder, n)]
        if ours:
            state.problems.append(
                Finding(
                    MANIFEST,
                    f"is missing, but {journal_name(ours[0])} was written by this version, which records every "
                    "journal there",
                )
            )
            return state
        state.earlier_version = True
        base = snapshots[-1] if snapshots else 0
        used = [n for n in journals if n >= base]
        state.leftovers = [snapshot_name(n) for n in snapshots if n < base] + [
            journal_name(n) for n in journals if n < base
        ]
        recorded: dict[int, int] = {}
    else:
        manifest = state.manifest
        base = manifest.snapshot
        used = [n for n, _ in manifest.journals]
        recorded = dict(manifest.journals)
        if used != list(range(used[0], used[0] + len(used))) or (base and used[0] != base):
            state.problems.append(Finding(MANIFEST, f"lists journals {used} after snapshot {base}: not a sequence"))
            return state
        if base and base not in snapshots:
            state.problems.append(
                Finding(snapshot_name(base), "is missing: MANIFEST.json names it as where the journals start")
            )
        for n, length in manifest.journals:
            if n not in journals:
                state.problems.append(
                    Finding(journal_name(n), f"is missing: MANIFEST.json lists it with {length} bytes synced")
                )
        state.leftovers = [snapshot_name(n) for n in snapshots if n != base]  # older, or an interrupted compaction's
        state.leftovers += [journal_name(n) for n in journals if n < used[0]]
        for n in (n for n in journals if n > used[-1]):
            # Made by a start or a compaction that stopped before the manifest named it: only its header, if that.
            if (folder / journal_name(n)).stat().st_size <= len(header(n)):
                state.leftovers.append(journal_name(n))
            else:
                state.problems.append(Finding(journal_name(n), "holds records but MANIFEST.json does not list it"))
    state.snapshot = base
    if base and base in snapshots:
        data = (folder / snapshot_name(base)).read_bytes()
        documents = read_snapshot(data, base)
        state.snapshot_bytes = len(data)
        if documents is None:
            state.problems.append(Finding(snapshot_name(base), "is not a whole snapshot (a record does not check)"))
        elif state.manifest is not None and len(data) != state.manifest.snapshot_bytes:
            state.problems.append(
                Finding(snapshot_name(base), f"is {len(data)} bytes, not the {state.manifest.snapshot_bytes} recorded")
            )
        else:
            state.snapshot_records = documents
    present = [n for n in used if n in journals]
    for n in present:
        scan = scan_journal(_read(folder / journal_name(n), limits.get(n)), n)
        state.journals.append(scan)
        _judge(state, scan, recorded.get(n, 0), last=n == used[-1])
    return state


def _headed(folder: Path, number: int) -> bool:
    document, _ = read_frame(_read(folder / journal_name(number), 4096), 0)
    return document is not None and "journal" in document


def _judge(state: FolderState, scan: JournalScan, recorded: int, last: bool) -> None:
    name = journal_name(scan.number)
    if scan.problem:
        state.problems.append(Finding(name, scan.problem))
    elif scan.size < recorded:
        state.problems.append(
            Finding(
                name,
                f"is {scan.size} bytes long, shorter than the {recorded} bytes MANIFEST.json records as synced "
                "(it was cut or emptied)",
            )
        )
    elif scan.tail == 0:
        return
    elif scan.complete < recorded:
        state.problems.append(
            Finding(
                name,
                f"a record does not check at byte {scan.stop}, before the {recorded} bytes MANIFEST.json records "
                "as synced",
            )
        )
    elif scan.later is not None:
        state.problems.append(
            Finding(
                name,
                f"a record does not check at byte {scan.stop}, and a complete batch follows at byte {scan.later}: "
                "damage, not a write cut short",
            )
        )
    elif not last:
        state.problems.append(
            Finding(name, f"a record does not check at byte {scan.stop}, and later journals follow it")
        )
    else:
        state.torn = scan
