"""Evidence files: type by content, limits, images re-encoded without EXIF, archives opened safely, storage."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import stat
import unicodedata
import uuid
import weakref
import zipfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from i18n import Msg, msg, text
from platforms import pdf_content
from services.accounts import audit
from services.accounts.staff import StaffMember, centre_filter, visible_centres
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import FieldError, NotFound, ServiceError, ValidationFailed, field_error
from services.core.text import one_line
from settings import EvidenceLimits
from store.blobs import BlobNotFound, BlobStore

FILE_ID = re.compile(r"[0-9a-f]{32}")
PURPOSE = "evidence"
MiB = 1024 * 1024
READ_BLOCK = 256 * 1024
RATIO_FLOOR = MiB  # entries (and archives) smaller than this cannot be bombs; tiny text compresses 100:1 legitimately
HEAVY_AT_ONCE = 2  # checks in flight per process: a decoded image takes 3-4 bytes a pixel (40 MP: ~160 MB)
_heavy_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class FileType:
    kind: str  # image | pdf | word | zip (what the API reports)
    ext: str  # canonical extension of the stored file
    content_type: str

    @property
    def label(self) -> Msg:
        """What the file is, for messages ("JPEG 图片"): the catalogue's `evidence.type.<ext>`."""
        return msg(f"evidence.type.{self.ext}")


JPEG = FileType("image", "jpg", "image/jpeg")
PNG = FileType("image", "png", "image/png")
WEBP = FileType("image", "webp", "image/webp")
PDF = FileType("pdf", "pdf", "application/pdf")
DOCX = FileType("word", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
DOC = FileType("word", "doc", "application/msword")
ZIP = FileType("zip", "zip", "application/zip")
PIL_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
EXTENSION_ALIASES = {"jpeg": "jpg", "jpe": "jpg"}
IMAGE_NAMES = ("jpg", "jpeg", "png", "webp", "heic", "heif", "gif", "bmp")

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")
# Archive formats that may not sit inside an uploaded archive (by content), and their usual names.
ARCHIVE_MAGICS = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",
    b"MSCF",
    b"LZIP",
)
ARCHIVE_NAMES = re.compile(
    r"\.(zip|zipx|rar|7z|gz|tgz|bz2|tbz2?|xz|txz|zst|lz|lzma|z|tar|cab|arj|iso|jar|war|apk|ipa|cpio|rpm|deb)$", re.I
)


def refuse(status: int, code: str, key: str = "", **params: Any) -> ServiceError:
    """A refusal of the uploaded file, in the catalogue's words (`key`, default `error.<code>`)."""
    return ServiceError(status, code, msg(key or f"error.{code}", **params), "file")


def _mb(size: int) -> str:
    return f"{size / MiB:.1f} MB".replace(".0 MB", " MB")


# ---------------------------------------------------------------- type by content


def sniff(path: str, declared_name: str) -> FileType:
    """The file's real type, from its first bytes (and, for zip and OLE2, its structure); never from its name."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_or_docx(path)
    if head.startswith(OLE2_MAGIC):
        if _contains(path, "WordDocument".encode("utf-16-le")):
            if _contains(path, "_VBA_PROJECT".encode("utf-16-le")):  # a .doc carrying macros
                raise refuse(422, "active_content", "error.active_content.word_macro")
            return DOC
        raise refuse(415, "unsupported_type", "error.unsupported_type.old_office")
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        raise refuse(415, "unsupported_type", "error.unsupported_type.heif")
    ext = declared_name.rsplit(".", 1)[-1].lower() if "." in declared_name else ""
    if ext in IMAGE_NAMES:
        raise refuse(415, "unsupported_type", "error.unsupported_type.not_an_image", ext=ext)
    raise refuse(415, "unsupported_type", "error.unsupported_type.evidence")


def _zip_or_docx(path: str) -> FileType:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise refuse(422, "zip_damaged") from exc
    if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
        # A .docm renamed .docx: its macros (vbaProject.bin) run in Word, like any active content.
        if any(n.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for n in names):
            raise refuse(422, "active_content", "error.active_content.word_macro")
        return DOCX
    return ZIP


def _contains(path: str, needle: bytes) -> bool:
    """Whether `needle` occurs in the file, read in blocks (bounded memory)."""
    tail = b""
    with open(path, "rb") as handle:
        while block := handle.read(READ_BLOCK):
            if needle in tail + block:
                return True
            tail = block[-(len(needle) - 1) :]
    return False


def check_not_polyglot(path: str, file_type: FileType) -> None:
    """Refuse a file that is also a zip (or, for a zip, also a PDF): one file, one type.

    Unzip tools find an archive by its end-of-central-directory record near the end of a file,
    wherever it starts, so a JPEG or PDF with a zip appended opens as both. `is_zipfile` looks for
    exactly that record (and its consistency), which random image bytes do not fake.
    """
    if file_type in (ZIP, DOCX):
        with open(path, "rb") as handle:
            if b"%PDF-" in handle.read(1024):  # PDF readers accept the header anywhere in the first KiB
                raise refuse(422, "polyglot", "error.polyglot.zip_pdf")
        return
    if zipfile.is_zipfile(path):
        raise refuse(422, "polyglot", "error.polyglot.zip", file_type=file_type.label)


# ---------------------------------------------------------------- PDFs


def check_pdf(path: str) -> None:
    """Blocking: a PDF is parsed (platforms/pdf_content.py), never scanned for bytes; one that carries JavaScript,
    a launch action, embedded files, rich media or an XFA form is refused (a mediator or a court opens it), and so
    is one that cannot be parsed: nobody can tell what it would do."""
    try:
        found = pdf_content.findings(path)
    except pdf_content.PdfUnreadable as exc:
        raise refuse(422, "pdf_unreadable") from exc
    if found:
        raise refuse(422, "active_content", "error.active_content.pdf", what=msg(f"label.pdf_content.{found[0]}"))


# ---------------------------------------------------------------- images


def reencode_image(src: str, dest: str, file_type: FileType, max_pixels: int) -> str | None:
    """Decode and encode again: EXIF (GPS, device), XMP and anything hidden in or after the image are dropped.

    Orientation is applied to the pixels first, so the photo still shows upright without EXIF. The
    capture time the camera recorded is returned (capture_time), to be kept with the file's record:
    when a photo was taken can be evidence in itself (e.g. of hours worked).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    try:
        with Image.open(src, formats=[PIL_FORMATS[file_type.ext]]) as image:
            width, height = image.size
            # Checked on the header before any pixel is decoded: a pixel flood never reaches memory.
            if width * height > limit:
                raise refuse(
                    422,
                    "image_too_many_pixels",
                    "error.image_too_many_pixels.header",
                    width=width,
                    height=height,
                    limit_wan=limit // 10_000,  # in units of 10,000 pixels (万)
                )
            image.seek(0)  # an animated image keeps its first frame
            image.load()
            icc = image.info.get("icc_profile")
            exif = image.getexif()
            captured = capture_time(exif)
            orientation = exif.get(0x0112, 1)
            clean = ImageOps.exif_transpose(image) if orientation != 1 else image
            clean = _output_mode(clean, file_type)
            if clean.mode == "RGB" and image.mode == "CMYK":
                icc = None  # a CMYK profile does not describe the converted pixels
            clean.info = {}  # no EXIF, XMP, comments or text chunks carried over
            options: dict[str, Any] = {"icc_profile": icc} if icc else {}
            if file_type is JPEG:
                options.update(quality=90)
            elif file_type is WEBP:
                options.update(quality=90)
            clean.save(dest, PIL_FORMATS[file_type.ext], **options)
            return captured
    except ServiceError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow's own guard fires inside Image.open for sizes far beyond the limit (an error, not a warning).
        found = re.search(r"\((\d+) pixels\)", str(exc))
        if found:
            raise refuse(
                422,
                "image_too_many_pixels",
                "error.image_too_many_pixels.counted",
                count_wan=int(found[1]) // 10_000,
                limit_wan=limit // 10_000,
            ) from exc
        raise refuse(
            422, "image_too_many_pixels", "error.image_too_many_pixels.uncounted", limit_wan=limit // 10_000
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise refuse(422, "image_damaged", file_type=file_type.label) from exc


_EXIF_TIME = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"[+-]\d{2}:\d{2}")


def capture_time(exif: Any) -> str | None:
    """When the photo was taken, as the camera recorded it: ISO 8601, with the UTC offset where the
    camera wrote one (EXIF 2.31 OffsetTimeOriginal), else local time as shown on the camera; None if absent
    or not a real time. DateTimeOriginal (0x9003, Exif IFD) first, then the file's DateTime (0x0132)."""
    sub = exif.get_ifd(0x8769) if exif else {}
    for value, offset in ((sub.get(0x9003), sub.get(0x9011)), (exif.get(0x0132) if exif else None, None)):
        found = _EXIF_TIME.fullmatch(str(value or "").strip("\x00 "))
        if not found:
            continue
        try:
            year, month, day, hour, minute, second = (int(part) for part in found.groups())
            moment = datetime(year, month, day, hour, minute, second)
        except ValueError:  # "0000:00:00 00:00:00", as cameras without a clock write
            continue
        zone = str(offset or "").strip("\x00 ")
        return moment.isoformat() + (zone if _EXIF_OFFSET.fullmatch(zone) else "")
    return None


def _output_mode(image: Any, file_type: FileType) -> Any:
    if file_type is JPEG:
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA", "1") or (file_type is PNG and image.mode in ("I;16", "I")):
        return image
    return image.convert("RGBA")


# ---------------------------------------------------------------- archives


@dataclass(frozen=True)
class ZipReport:
    entries: int
    uncompressed: int


def inspect_zip(path: str, limits: EvidenceLimits, office: bool = False) -> ZipReport:
    """Open an archive safely before it is kept; sizes are counted while decompressing, never taken from headers.

    `office` (a .docx) allows archives under word/embeddings/ (embedded spreadsheets are zips themselves).
    """
    archive_size = os.path.getsize(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_entries(infos, limits, office)
            total = 0
            for info in infos:
                if info.is_dir():
                    continue
                total = _read_entry(archive, info, total, limits, office)
    except ServiceError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise refuse(422, "zip_damaged") from exc
    except NotImplementedError as exc:
        raise refuse(422, "zip_unsupported") from exc
    if total > RATIO_FLOOR and total > limits.zip_max_ratio * max(archive_size, 1):
        raise refuse(422, "zip_ratio", "error.zip_ratio.archive", ratio=limits.zip_max_ratio)
    return ZipReport(len(infos), total)


def _check_entries(infos: list[zipfile.ZipInfo], limits: EvidenceLimits, office: bool) -> None:
    if not infos:
        raise refuse(422, "zip_empty")
    if len(infos) > limits.zip_max_entries:
        raise refuse(422, "zip_too_many_entries", count=len(infos), limit=limits.zip_max_entries)
    for info in infos:
        name = info.filename
        parts = re.split(r"[\\/]", name)
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\x00" in name:
            raise refuse(422, "zip_unsafe_path", name=name[:60])
        if stat.S_ISLNK(info.external_attr >> 16):
            raise refuse(422, "zip_link", name=name[:60])
        if info.flag_bits & 0x1:
            raise refuse(422, "zip_encrypted")
        if not office and ARCHIVE_NAMES.search(name) and not info.is_dir():
            raise refuse(422, "zip_nested", name=name[:60])
    # Entries whose data overlap (one block of compressed data read as many files) are a known bomb.
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.header_offset < before.header_offset + 30 + before.compress_size:
            raise refuse(422, "zip_overlap")


def _read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, limits: EvidenceLimits, office: bool
) -> int:
    count = 0
    head = b""
    with archive.open(info) as entry:
        while block := entry.read(READ_BLOCK):
            if len(head) < 512:
                head += block[: 512 - len(head)]
            count += len(block)
            total += len(block)
            if total > limits.zip_max_total_bytes:
                raise refuse(422, "zip_too_large", limit=_mb(limits.zip_max_total_bytes))
            if count > RATIO_FLOOR and count > limits.zip_max_ratio * max(info.compress_size, 1):
                raise refuse(
                    422, "zip_ratio", "error.zip_ratio.entry", name=info.filename[:60], ratio=limits.zip_max_ratio
                )
    nested_allowed = office and info.filename.startswith("word/embeddings/")
    if not nested_allowed and (head.startswith(ARCHIVE_MAGICS) or head[257:262] == b"ustar"):
        raise refuse(422, "zip_nested", name=info.filename[:60])
    return total


# ---------------------------------------------------------------- the whole check


@dataclass(frozen=True)
class PreparedFile:
    path: str  # what will be stored: the upload itself, or its re-encoded copy
    file_type: FileType
    size: int
    sha256: str
    captured_at: str | None = None  # a photo's capture time from its EXIF (which the stored copy no longer has)


def prepare_evidence(path: str, declared_name: str, limits: EvidenceLimits) -> PreparedFile:
    """Blocking: decide the type, refuse what is unsafe, re-encode images. Nothing is stored here."""
    file_type = sniff(path, declared_name)
    check_not_polyglot(path, file_type)
    final, captured = path, None
    if file_type.kind == "image":
        final = path + ".clean"
        captured = reencode_image(path, final, file_type, limits.max_image_pixels)
    elif file_type in (ZIP, DOCX):
        inspect_zip(path, limits, office=file_type is DOCX)
    elif file_type is PDF:
        check_pdf(path)
    size = os.path.getsize(final)
    if size > limits.max_file_bytes:  # a re-encoded image can grow a little
        raise refuse(
            413, "file_too_large", "error.file_too_large.evidence", size=_mb(size), limit=_mb(limits.max_file_bytes)
        )
    return PreparedFile(final, file_type, size, _sha256(final), captured)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def clean_name(declared: str, file_type: FileType) -> str:
    """A display name safe in headers and file systems, with the extension of the real type."""
    name = unicodedata.normalize("NFC", declared or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*;').strip(" .")
    stem, _, ext = name.rpartition(".") if "." in name else (name, "", "")
    ext = EXTENSION_ALIASES.get(ext.lower(), ext.lower())
    stem = (stem.strip(" .") or text("evidence.default_name"))[:80]
    return f"{stem}.{ext if ext == file_type.ext else file_type.ext}"


def _heavy_slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _heavy_slots:
        _heavy_slots[loop] = asyncio.Semaphore(HEAVY_AT_ONCE)
    return _heavy_slots[loop]


async def pending_evidence_bytes(ctx: ServiceContext, person_id: str) -> int:
    """What the person has uploaded and not yet attached to a case (two queries)."""
    cases = await ctx.db["cases"].find({"owner_person_id": person_id}, {"evidence": 1}).to_list(None)
    attached = {file_id for case in cases for file_id in case.get("evidence", [])}
    files = await ctx.db["files"].find({"owner_person_id": person_id, "purpose": PURPOSE}, {"size": 1}).to_list(None)
    return sum(int(f.get("size", 0)) for f in files if f["_id"] not in attached)


async def store_upload(
    ctx: ServiceContext, blobs: BlobStore, person_id: str, path_to_temp_file: str, declared_name: str
) -> dict[str, Any]:
    """Check one received file, keep it encrypted and record it; returns {id, name, kind, size}.

    The caller owns `path_to_temp_file` (and deletes it); a re-encoded copy made here is deleted here.
    Anything refused raises a ServiceError naming the problem, and nothing is stored.
    """
    limits = ctx.settings.evidence
    size = os.path.getsize(path_to_temp_file)
    if size > limits.max_file_bytes:
        raise refuse(
            413, "file_too_large", "error.file_too_large.evidence", size=_mb(size), limit=_mb(limits.max_file_bytes)
        )
    if size == 0:
        raise refuse(400, "file_empty", "error.file_empty.evidence")
    prepared: PreparedFile | None = None
    try:
        async with _heavy_slot():  # waiting here keeps the thread pool free for other blocking work
            prepared = await ctx.run_blocking(prepare_evidence, path_to_temp_file, declared_name, limits)
        pending = await pending_evidence_bytes(ctx, person_id)
        if pending + prepared.size > limits.max_case_bytes:
            raise refuse(
                422,
                "evidence_total_too_large",
                "error.evidence_total_too_large.upload",
                limit=_mb(limits.max_case_bytes),
                pending=_mb(pending),
            )
        blob_id = await blobs.put(prepared.path)
        record = {
            "_id": uuid.uuid4().hex,
            "purpose": PURPOSE,
            "owner_person_id": person_id,
            "name": clean_name(declared_name, prepared.file_type),
            "kind": prepared.file_type.kind,
            "content_type": prepared.file_type.content_type,
            "size": prepared.size,
            "sha256": prepared.sha256,
            "blob_id": blob_id,
            "created_at": ctx.clock(),
        }
        if prepared.captured_at:
            record["captured_at"] = prepared.captured_at
        try:
            await ctx.db["files"].insert_one(record)
        except BaseException:
            await blobs.delete(blob_id)  # no blob without its record
            raise
    finally:
        if prepared is not None and prepared.path != path_to_temp_file:
            os.unlink(prepared.path)
        elif os.path.exists(path_to_temp_file + ".clean"):  # an image refused half-way through encoding
            os.unlink(path_to_temp_file + ".clean")
    return file_view(record)


def file_view(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["_id"],
        "name": record["name"],
        "kind": record["kind"],
        "size": record["size"],
        "created_at": shanghai_iso(record.get("created_at")),
        "captured_at": record.get("captured_at"),  # a photo's EXIF capture time, as the camera recorded it
        "source": record.get("source", ""),
        "proves": record.get("proves", ""),
    }


# ---------------------------------------------------------------- where it came from, what it proves

# 调解仲裁法 art. 28 (三): an application states its evidence and where each piece came from; what it is to prove is
# asked beside it. Both are optional when uploading, and the mediator may correct them.
NOTE_FIELDS = {"source": 100, "proves": 200}


def evidence_note(values: Mapping[str, Any]) -> dict[str, str]:
    """`source` and `proves` as given (one line each, capped); a field not given is left as it is; 422 naming it (a
    null is no text)."""
    note: dict[str, str] = {}
    errors: list[FieldError] = []
    for name, limit in NOTE_FIELDS.items():
        if name not in values:
            continue
        value = values[name]
        if not isinstance(value, str):
            errors.append(field_error(name, "wrong_type", f"error.wrong_type.evidence_{name}"))
            continue
        if len(value) > limit:  # as sent, before cleaning: what the schema's maxLength says
            errors.append(field_error(name, "too_long", f"error.too_long.evidence_{name}", limit=limit))
        note[name] = one_line(value).strip()
    if errors:
        raise ValidationFailed(errors)
    return note


async def note_own_file(ctx: ServiceContext, person_id: str, file_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The uploader says where their file came from and what it proves; another's file is not found."""
    note = evidence_note(values)
    query = {"_id": file_id, "owner_person_id": person_id, "purpose": PURPOSE}
    record = (
        await ctx.db["files"].find_one_and_update(query, {"$set": note}, return_document=ReturnDocument.AFTER)
        if FILE_ID.fullmatch(file_id or "")
        else None
    )
    if record is None:
        raise NotFound("file_not_found")
    return file_view(record)


async def note_own_files(ctx: ServiceContext, person_id: str, notes: Mapping[str, Mapping[str, Any]]) -> None:
    """The evidence page's notes, file by file (the person's own files only; others are skipped)."""
    for file_id, values in notes.items():
        note = evidence_note(values)
        if note and FILE_ID.fullmatch(file_id):
            await ctx.db["files"].update_one({"_id": file_id, "owner_person_id": person_id}, {"$set": note})


async def note_for_staff(
    ctx: ServiceContext, member: StaffMember, serial: str, file_id: str, values: Mapping[str, Any]
) -> None:
    """The mediator corrects where a piece of a case's evidence came from and what it proves (in the audit trail)."""
    note = evidence_note(values)
    scope: dict[str, Any] = {"_id": serial, "$or": [{"evidence": file_id}, {"respondent_evidence": file_id}]}
    scope |= centre_filter(await visible_centres(ctx, member))
    if not FILE_ID.fullmatch(file_id or "") or await ctx.db["cases"].find_one(scope, {"_id": 1}) is None:
        raise NotFound("file_not_found")
    await ctx.db["files"].update_one({"_id": file_id}, {"$set": note | {"noted_by": member.login}})
    await audit.record(ctx, member, "evidence_note", serial, file_id=file_id)


async def describe(ctx: ServiceContext, person_id: str, file_ids: list[str]) -> list[dict[str, Any]]:
    """The person's own files among `file_ids`, in that order, as lists show them (name, kind, size)."""
    if not file_ids:
        return []
    found = await ctx.db["files"].find({"_id": {"$in": list(file_ids)}, "owner_person_id": person_id}).to_list(None)
    by_id = {record["_id"]: record for record in found}
    return [file_view(by_id[i]) for i in file_ids if i in by_id]


async def discard(ctx: ServiceContext, blobs: BlobStore, person_id: str, file_id: str) -> bool:
    """Remove a file the person uploaded and took back before submitting: gone for good, and no longer counted
    against what they may upload. A file a case lists stays (it is that case's evidence)."""
    if not FILE_ID.fullmatch(file_id or ""):
        return False
    listed = await ctx.db["cases"].find_one(
        {"$or": [{"evidence": file_id}, {"respondent_evidence": file_id}]}, {"_id": 1}
    )
    if listed is not None:
        return False
    record = await ctx.db["files"].find_one({"_id": file_id, "owner_person_id": person_id, "purpose": PURPOSE})
    if record is None:
        return False
    await ctx.db["files"].delete_one({"_id": file_id, "owner_person_id": person_id})
    await blobs.delete(record["blob_id"])
    return True


# ---------------------------------------------------------------- reading back


@dataclass(frozen=True)
class Reader:
    """Who asks to read a file: a person (a case's party) or a staff member."""

    person_id: str = ""
    member: StaffMember | None = None

    @classmethod
    def person(cls, person_id: str) -> Reader:
        return cls(person_id=person_id)

    @classmethod
    def staff(cls, member: StaffMember) -> Reader:
        return cls(member=member)


async def _access(ctx: ServiceContext, reader: Reader, record: dict[str, Any]) -> str | None:
    """The one rule of who may download a stored file, and why: "owner" for its owner, a case's serial
    for staff of the centre of a case that lists it as evidence, the applicant's or the respondent's (every centre:
    system administrators;
    one query on cases); None for anyone else."""
    if reader.person_id:
        return "owner" if record.get("owner_person_id") == reader.person_id else None
    if reader.member is None:
        return None
    scope: dict[str, Any] = {"$or": [{"evidence": record["_id"]}, {"respondent_evidence": record["_id"]}]}
    scope |= centre_filter(await visible_centres(ctx, reader.member))
    case = await ctx.db["cases"].find_one(scope, {"_id": 1})
    return case["_id"] if case else None


@dataclass
class Download:
    name: str
    content_type: str
    size: int
    sha256: str
    chunks: AsyncIterator[bytes]  # the first chunk is already read, so a missing blob fails before any header


async def open_file(ctx: ServiceContext, blobs: BlobStore, reader: Reader, file_id: str) -> Download:
    """A file the reader may see, ready to stream; anyone else's file is simply not found."""
    record = await ctx.db["files"].find_one({"_id": file_id}) if FILE_ID.fullmatch(file_id or "") else None
    why = await _access(ctx, reader, record) if record is not None else None
    if record is None or why is None:
        raise NotFound("file_not_found")
    chunks = aiter(blobs.open(record["blob_id"]))
    try:
        first = await anext(chunks, b"")
    except BlobNotFound as exc:
        raise NotFound("file_gone") from exc
    if reader.member is not None:  # a party's evidence (ID photos among it): recorded like a reveal
        await audit.record(ctx, reader.member, "evidence_download", why, file_id=record["_id"])
    return Download(
        record["name"], record["content_type"], int(record["size"]), record.get("sha256", ""), _prepend(first, chunks)
    )


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for chunk in rest:
        yield chunk
