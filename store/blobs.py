"""Encrypted blob store: SM4-GCM per-file keys wrapped by the data key; GridFS or a local folder."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
import struct
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar, TypeVarTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from store.guard import GuardedDatabase, engine_of

# Blob layout (version 1), the same on both backends:
#   header  MAGIC(4) | format(1) | segment size(4) | key version(4) | wrap nonce(12) | wrapped key(16) + tag(16)
#   then    segment 0 | segment 1 | ... each = ciphertext (segment size, the last one shorter) + GCM tag(16)
# Each segment is authenticated on its own (nonce = index, final flag) so downloads stream without
# releasing unauthenticated bytes, and a truncated, reordered or extended blob fails (STREAM construction).
MAGIC = b"MDB1"
FORMAT = 1
_HEADER = struct.Struct(">4sBII12s32s")
HEADER_BYTES = _HEADER.size
TAG_BYTES = 16
DEFAULT_SEGMENT = 64 * 1024
BATCH_SEGMENTS = 16  # work handed to a thread at a time: 1 MiB with the default segment size
BLOB_ID = re.compile(r"[0-9a-f]{32}")
_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")  # the arguments of a function run in the thread pool


class BlobError(Exception):
    """A blob that is missing, not ours, or does not authenticate."""


class BlobNotFound(BlobError):
    pass


class BlobDamaged(BlobError):
    """A blob whose bytes are not the ones written: cut short, changed, or not in our format. Every segment is
    authenticated (its GCM tag, under a key bound to the blob's id: the blob's fingerprint) before any of its
    bytes is released, so a damaged blob is this error, never wrong bytes."""


@dataclass(frozen=True)
class BlobKeys:
    """The data keys (version -> 16-byte SM4 key) and the version new blobs are wrapped with."""

    keys: dict[int, bytes]
    current_version: int

    def wrap(self, file_key: bytes, blob_id: str) -> tuple[int, bytes, bytes]:
        nonce = os.urandom(12)
        enc = Cipher(algorithms.SM4(self.keys[self.current_version]), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(_wrap_aad(blob_id))  # a wrapped key cannot be moved to another blob
        return self.current_version, nonce, enc.update(file_key) + enc.finalize() + enc.tag

    def unwrap(self, version: int, nonce: bytes, wrapped: bytes, blob_id: str) -> bytes:
        key = self.keys.get(version)
        if key is None:
            raise BlobError(f"no data key of version {version} for blob {blob_id}")
        dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, wrapped[16:])).decryptor()
        dec.authenticate_additional_data(_wrap_aad(blob_id))
        try:
            return dec.update(wrapped[:16]) + dec.finalize()
        except InvalidTag as exc:
            raise BlobDamaged(
                f"the key of blob {blob_id} does not authenticate (its header is damaged, or DATA_KEY's version "
                f"{version} is not the key it was written with)"
            ) from exc


def _wrap_aad(blob_id: str) -> bytes:
    return b"blob-key:" + blob_id.encode()


def _segment_aad(segment_size: int) -> bytes:
    return MAGIC + bytes([FORMAT]) + segment_size.to_bytes(4, "big")


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def _new_header(keys: BlobKeys, blob_id: str, segment_size: int) -> tuple[bytes, bytes]:
    """(header bytes, the fresh per-file key)."""
    file_key = secrets.token_bytes(16)
    version, nonce, wrapped = keys.wrap(file_key, blob_id)
    return _HEADER.pack(MAGIC, FORMAT, segment_size, version, nonce, wrapped), file_key


def _key_version(header: bytes) -> int:
    version: int = _HEADER.unpack(header)[3]
    return version


def _parse_header(header: bytes, keys: BlobKeys, blob_id: str) -> tuple[int, int, bytes]:
    """(segment size, key version, file key)."""
    if len(header) != HEADER_BYTES:
        raise BlobDamaged(f"blob {blob_id} is truncated")
    magic, fmt, segment_size, version, nonce, wrapped = _HEADER.unpack(header)
    if magic != MAGIC or fmt != FORMAT or not 0 < segment_size <= 16 * 1024 * 1024:
        raise BlobDamaged(f"blob {blob_id} is not in a format this store reads")
    return segment_size, version, keys.unwrap(version, nonce, wrapped, blob_id)


class _Sealer:
    """Encrypts a plaintext stream segment by segment; the caller says which segment is the last."""

    def __init__(self, file_key: bytes, segment_size: int) -> None:
        self._key = algorithms.SM4(file_key)
        self._aad = _segment_aad(segment_size)
        self._index = 0

    def seal(self, plaintext: bytes, final: bool) -> bytes:
        enc = Cipher(self._key, modes.GCM(_nonce(self._index, final))).encryptor()
        enc.authenticate_additional_data(self._aad)
        self._index += 1
        return enc.update(plaintext) + enc.finalize() + enc.tag


class _Opener:
    """Decrypts segment records in order; the total length tells which record is the last."""

    def __init__(self, file_key: bytes, segment_size: int, body_length: int, blob_id: str) -> None:
        record = segment_size + TAG_BYTES
        self.record = record
        self.count = max(1, -(-body_length // record))
        if body_length < TAG_BYTES or (body_length % record and body_length % record < TAG_BYTES):
            raise BlobDamaged(f"blob {blob_id} is truncated")
        self._key = algorithms.SM4(file_key)
        self._aad = _segment_aad(segment_size)
        self._index = 0
        self._blob_id = blob_id

    def open(self, record: bytes) -> bytes:
        final = self._index == self.count - 1
        dec = Cipher(self._key, modes.GCM(_nonce(self._index, final), record[-TAG_BYTES:])).decryptor()
        dec.authenticate_additional_data(self._aad)
        try:
            plain = dec.update(record[:-TAG_BYTES]) + dec.finalize()
        except InvalidTag as exc:
            raise BlobDamaged(f"blob {self._blob_id} does not authenticate (segment {self._index})") from exc
        self._index += 1
        return plain

    @property
    def done(self) -> bool:
        return self._index >= self.count


def _read_segments(
    source: IO[bytes], sealer: _Sealer, segment_size: int, pending: bytes | None, count: int
) -> tuple[bytes, bytes | None]:
    """Up to `count` sealed segments from `source`; one segment is read ahead to know which is final."""
    out = bytearray()
    if pending is None:
        pending = source.read(segment_size)
    for _ in range(count):
        following = source.read(segment_size)
        final = not following
        out += sealer.seal(pending, final)
        if final:
            return bytes(out), None
        pending = following
    return bytes(out), pending


def _open_records(opener: _Opener, records: list[bytes]) -> bytes:
    return b"".join(opener.open(record) for record in records)


@dataclass(frozen=True)
class BlobCheck:
    """A blob read whole and authenticated: its stored bytes, its plaintext's size and fingerprints."""

    blob_id: str
    stored_bytes: int
    size: int
    sha256: str
    sm3: str


class BlobStore(ABC):
    """put (a path or a binary file, read in segments) -> blob id; open (decrypted chunks); read; delete."""

    def __init__(self, keys: BlobKeys, executor: Executor | None = None, segment_size: int = DEFAULT_SEGMENT) -> None:
        self.keys = keys
        self._executor = executor
        self.segment_size = segment_size

    async def _run(self, func: Callable[[*_Args], _T], *args: *_Args) -> _T:
        # Encryption and file I/O run in the thread pool so the event loop stays responsive.
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    @staticmethod
    def check_id(blob_id: str) -> str:
        if not isinstance(blob_id, str) or not BLOB_ID.fullmatch(blob_id):
            raise BlobNotFound(f"not a blob id: {blob_id!r}")
        return blob_id

    @abstractmethod
    async def put(self, source: str | os.PathLike[str] | BinaryIO) -> str:
        """Encrypt `source` into a new blob and return its id; nothing is left behind on failure."""

    @abstractmethod
    def open(self, blob_id: str) -> AsyncIterator[bytes]:
        """The plaintext in chunks (about 1 MiB), each authenticated before it is yielded."""

    @abstractmethod
    async def delete(self, blob_id: str) -> None:
        """Remove the blob; a missing blob is not an error."""

    @abstractmethod
    async def key_version(self, blob_id: str) -> int:
        """The data-key version the blob's key is wrapped with."""

    @abstractmethod
    async def rewrap(self, blob_id: str) -> bool:
        """Re-wrap the blob's key under the current data key (rotation); True if it changed."""

    async def read(self, blob_id: str, max_bytes: int = 64 * 1024 * 1024) -> bytes:
        """The whole plaintext, for small blobs (generated documents); larger ones should be streamed."""
        out = bytearray()
        async for chunk in self.open(blob_id):
            out += chunk
            if len(out) > max_bytes:
                raise BlobError(f"blob {blob_id} is larger than {max_bytes} bytes; stream it with open()")
        return bytes(out)


def _open_source(source: str | os.PathLike[str] | BinaryIO) -> tuple[IO[bytes], bool]:
    if isinstance(source, str | os.PathLike):
        return open(source, "rb"), True  # noqa: SIM115 - closed by the caller
    return source, False


class LocalBlobStore(BlobStore):
    """A private folder (0700): `<root>/<id[:2]>/<id>`, files 0600, each written to a temp file and renamed."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        keys: BlobKeys,
        executor: Executor | None = None,
        segment_size: int = DEFAULT_SEGMENT,
        create: bool = True,
    ) -> None:
        super().__init__(keys, executor, segment_size)
        self.root = Path(root)
        self._tmp = self.root / ".tmp"
        if create:  # a store that only checks a folder (a backup's) leaves it as it is
            self._private_dir(self.root)
            self._private_dir(self._tmp)
        self._holds = 0  # backups copying the folder: deletions wait until they are done
        self._held: list[str] = []

    @staticmethod
    def _private_dir(path: Path) -> None:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask, and the folder may be older

    def remove_partial(self) -> int:
        """Remove blobs an earlier process was still writing when it stopped (never referenced: a blob
        is named only once it is whole and fsync'd); only while this process alone uses the folder."""
        removed = 0
        for part in self._tmp.glob("*.part"):
            part.unlink(missing_ok=True)
            removed += 1
        return removed

    def path_of(self, blob_id: str) -> Path:
        blob_id = self.check_id(blob_id)
        return self.root / blob_id[:2] / blob_id

    async def put(self, source: str | os.PathLike[str] | BinaryIO) -> str:
        return await self._run(self._put_sync, source)

    def _put_sync(self, source: str | os.PathLike[str] | BinaryIO) -> str:
        blob_id = self.new_id()
        final = self.path_of(blob_id)
        self._private_dir(final.parent)
        tmp = self._tmp / f"{blob_id}.{secrets.token_hex(4)}.part"
        src, close_src = _open_source(source)
        try:
            header, file_key = _new_header(self.keys, blob_id, self.segment_size)
            sealer = _Sealer(file_key, self.segment_size)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(header)
                pending: bytes | None = None
                while True:
                    sealed, pending = _read_segments(src, sealer, self.segment_size, pending, BATCH_SEGMENTS)
                    out.write(sealed)
                    if pending is None:
                        break
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)  # atomic: a reader sees the whole blob or none
            _fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        finally:
            if close_src:
                src.close()
        return blob_id

    async def open(self, blob_id: str) -> AsyncIterator[bytes]:
        path = self.path_of(blob_id)
        try:
            handle = await self._run(open, path, "rb")
        except FileNotFoundError as exc:
            raise BlobNotFound(f"no blob {blob_id}") from exc
        try:
            opener = await self._run(self._start_read, handle, blob_id)
            while not opener.done:
                chunk = await self._run(self._read_batch, handle, opener)
                yield chunk
        except BlobDamaged as exc:
            raise BlobDamaged(f"{path}: {exc}; restore it from a backup (docs/operations.md#recovery)") from exc
        finally:
            handle.close()

    def ids(self) -> list[str]:
        """Every blob in the folder (its id), in no order."""
        return [p.name for p in self.root.glob("??/*") if BLOB_ID.fullmatch(p.name) and p.parent.name == p.name[:2]]

    async def check(self, blob_id: str) -> BlobCheck:
        """Read the whole blob, authenticating every segment: its plaintext's size and fingerprints (BlobDamaged,
        naming the file, when a segment does not authenticate; BlobNotFound when it is not there)."""
        return await self._run(self._check_sync, blob_id)

    def _check_sync(self, blob_id: str) -> BlobCheck:
        path = self.path_of(blob_id)
        sha256, sm3, size = hashlib.sha256(), hashes.Hash(hashes.SM3()), 0
        try:
            with open(path, "rb") as handle:
                opener = self._start_read(handle, blob_id)
                while not opener.done:
                    chunk = self._read_batch(handle, opener)
                    sha256.update(chunk)
                    sm3.update(chunk)
                    size += len(chunk)
        except FileNotFoundError as exc:
            raise BlobNotFound(f"no blob {blob_id} ({path})") from exc
        except BlobDamaged as exc:
            raise BlobDamaged(f"{path}: {exc}") from exc
        return BlobCheck(blob_id, path.stat().st_size, size, sha256.hexdigest(), sm3.finalize().hex())

    @contextlib.asynccontextmanager
    async def holding_deletes(self) -> AsyncIterator[None]:
        """While a backup copies the folder, a deleted blob stays until it is done (then goes)."""
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1
            if not self._holds and self._held:
                held, self._held = self._held, []
                for blob_id in held:
                    await self.delete(blob_id)

    def _start_read(self, handle: IO[bytes], blob_id: str) -> _Opener:
        body_length = os.fstat(handle.fileno()).st_size - HEADER_BYTES
        segment_size, _, file_key = _parse_header(handle.read(HEADER_BYTES), self.keys, blob_id)
        return _Opener(file_key, segment_size, body_length, blob_id)

    @staticmethod
    def _read_batch(handle: IO[bytes], opener: _Opener) -> bytes:
        out = bytearray()
        for _ in range(BATCH_SEGMENTS):
            if opener.done:
                break
            out += opener.open(handle.read(opener.record))
        return bytes(out)

    async def delete(self, blob_id: str) -> None:
        path = self.path_of(blob_id)
        if self._holds:
            self._held.append(blob_id)
            return
        await self._run(lambda: path.unlink(missing_ok=True))

    async def key_version(self, blob_id: str) -> int:
        return _key_version(await self._run(self._header_of, blob_id))

    def _header_of(self, blob_id: str) -> bytes:
        try:
            with open(self.path_of(blob_id), "rb") as handle:
                return handle.read(HEADER_BYTES)
        except FileNotFoundError as exc:
            raise BlobNotFound(f"no blob {blob_id}") from exc

    async def rewrap(self, blob_id: str) -> bool:
        return await self._run(self._rewrap_sync, blob_id)

    def _rewrap_sync(self, blob_id: str) -> bool:
        header = self._header_of(blob_id)
        new_header = _rewrapped_header(header, self.keys, blob_id)
        if new_header is None:
            return False
        path = self.path_of(blob_id)
        tmp = self._tmp / f"{blob_id}.{secrets.token_hex(4)}.part"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
                src.seek(HEADER_BYTES)
                out.write(new_header)
                while block := src.read(1024 * 1024):
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return True


def _rewrapped_header(header: bytes, keys: BlobKeys, blob_id: str) -> bytes | None:
    segment_size, version, file_key = _parse_header(header, keys, blob_id)
    if version == keys.current_version:
        return None
    new_version, nonce, wrapped = keys.wrap(file_key, blob_id)
    return _HEADER.pack(MAGIC, FORMAT, segment_size, new_version, nonce, wrapped)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class GridFSBlobStore(BlobStore):
    """GridFS on a real MongoDB (bucket `blobs`): the same sealed bytes, the blob id as the GridFS `_id`.

    Written against PyMongo's documented `gridfs.AsyncGridFSBucket` API; untested here (no MongoDB).
    GridFS writes the files document only when the upload stream closes, so a blob is visible whole
    or not at all; a failed upload is aborted, which deletes the chunks already written.
    """

    BUCKET = "blobs"

    def __init__(
        self, db: Any, keys: BlobKeys, executor: Executor | None = None, segment_size: int = DEFAULT_SEGMENT
    ) -> None:
        from gridfs import AsyncGridFSBucket  # only a real MongoDB needs it

        super().__init__(keys, executor, segment_size)
        self._db = db
        self._bucket = AsyncGridFSBucket(db, bucket_name=self.BUCKET)

    async def put(self, source: str | os.PathLike[str] | BinaryIO) -> str:
        blob_id = self.new_id()
        src, close_src = await self._run(_open_source, source)
        grid_in = self._bucket.open_upload_stream_with_id(blob_id, blob_id, metadata={"format": FORMAT})
        try:
            header, file_key = _new_header(self.keys, blob_id, self.segment_size)
            await grid_in.write(header)
            sealer = _Sealer(file_key, self.segment_size)
            pending: bytes | None = None
            while True:
                sealed, pending = await self._run(
                    _read_segments, src, sealer, self.segment_size, pending, BATCH_SEGMENTS
                )
                await grid_in.write(sealed)
                if pending is None:
                    break
            await grid_in.close()
        except BaseException:
            with contextlib.suppress(Exception):  # a failing abort must not hide why the upload failed
                await grid_in.abort()
            raise
        finally:
            if close_src:
                await self._run(src.close)
        return blob_id

    async def open(self, blob_id: str) -> AsyncIterator[bytes]:
        from gridfs.errors import NoFile

        try:
            grid_out = await self._bucket.open_download_stream(self.check_id(blob_id))
        except NoFile as exc:
            raise BlobNotFound(f"no blob {blob_id}") from exc
        try:
            body_length = int(grid_out.length) - HEADER_BYTES
            segment_size, _, file_key = _parse_header(await grid_out.read(HEADER_BYTES), self.keys, blob_id)
            opener = _Opener(file_key, segment_size, body_length, blob_id)
            fetched = 0
            while fetched < opener.count:
                records = []
                for _ in range(min(BATCH_SEGMENTS, opener.count - fetched)):
                    records.append(await grid_out.read(opener.record))
                fetched += len(records)
                yield await self._run(_open_records, opener, records)
        finally:
            await grid_out.close()

    async def delete(self, blob_id: str) -> None:
        from gridfs.errors import NoFile

        try:
            await self._bucket.delete(self.check_id(blob_id))
        except NoFile:
            pass

    async def key_version(self, blob_id: str) -> int:
        return _key_version(await self._first_chunk(blob_id))

    async def _first_chunk(self, blob_id: str) -> bytes:
        chunk = await self._db[f"{self.BUCKET}.chunks"].find_one({"files_id": self.check_id(blob_id), "n": 0})
        if chunk is None:
            raise BlobNotFound(f"no blob {blob_id}")
        return bytes(chunk["data"])

    async def rewrap(self, blob_id: str) -> bool:
        # The header sits at the start of chunk 0 (GridFS chunks are 255 KiB, the header 57 bytes):
        # rotation rewrites those bytes in place, conditional on the chunk being unchanged.
        data = await self._first_chunk(blob_id)
        new_header = _rewrapped_header(data[:HEADER_BYTES], self.keys, blob_id)
        if new_header is None:
            return False
        from bson import Binary

        await self._db[f"{self.BUCKET}.chunks"].update_one(
            {"files_id": blob_id, "n": 0, "data": Binary(data)},
            {"$set": {"data": Binary(new_header + data[HEADER_BYTES:])}},
        )
        return True


def open_blob_store(
    *, embedded: bool, db: Any, folder: str, keys: dict[int, bytes], current_version: int, executor: Executor | None
) -> BlobStore:
    """The blob store for the engine in use: GridFS next to a real MongoDB, a local folder for the embedded one."""
    blob_keys = BlobKeys(dict(keys), current_version)
    if embedded:
        return LocalBlobStore(folder, blob_keys, executor)
    return GridFSBlobStore(engine_of(db) if isinstance(db, GuardedDatabase) else db, blob_keys, executor)
