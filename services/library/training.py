"""Training material for mediators: documents and links an administrator puts up for their centre (and the centres
below it), and who opened what and when, so an administrator sees who has read each one.

A file is kept encrypted in the blob store; opening a material (the file or the link) records the reader once per
material, with the first and last time and how often.
"""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

from services.accounts import rosters
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember, visible_centres
from services.core.context import ServiceContext
from services.core.errors import FieldError, Forbidden, NotFound, ValidationFailed, field_error
from services.directory import centres
from store.blobs import BlobStore

MATERIALS = "training_materials"
READS = "training_reads"
MAX_TITLE, MAX_DESCRIPTION, MAX_URL = 200, 2000, 500
MAX_FILE_BYTES = 20 * 1024 * 1024
FILE_TYPES = {"pdf": b"%PDF", "docx": b"PK\x03\x04", "pptx": b"PK\x03\x04", "xlsx": b"PK\x03\x04"}  # videos: a link
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def may_publish(member: StaffMember) -> bool:
    return member.role in (CENTRE_ADMIN, SYSTEM_ADMIN)


async def _visible(ctx: ServiceContext, member: StaffMember) -> dict[str, Any]:
    """Materials of the member's centre and of every centre above it (a system administrator's: all)."""
    if member.role == SYSTEM_ADMIN:
        return {}
    known = await centres.directory(ctx)
    chain = [member.centre_id, *[c.id for c in known.ancestors(member.centre_id)]]
    return {"centre": {"$in": chain}}


async def materials(ctx: ServiceContext, member: StaffMember) -> list[dict[str, Any]]:
    """What the member may read, newest first, each with whether they have read it and (for administrators) who did."""
    docs = await ctx.db[MATERIALS].find(await _visible(ctx, member)).to_list(None)
    docs.sort(key=lambda d: d["created_at"], reverse=True)
    ids = [d["_id"] for d in docs]
    reads = await ctx.db[READS].find({"material": {"$in": ids}}).to_list(None) if ids else []
    seen = await visible_centres(ctx, member)
    out = []
    for doc in docs:
        readers = [r for r in reads if r["material"] == doc["_id"] and (seen is None or r.get("centre") in seen)]
        out.append(
            {
                "id": doc["_id"],
                "title": doc["title"],
                "description": doc.get("description", ""),
                "kind": doc["kind"],
                "url": doc.get("url", ""),
                "filename": doc.get("filename", ""),
                "centre": doc["centre"],
                "created_at": doc["created_at"],
                "created_by": doc["created_by"],
                "read_by_me": any(r["login"] == member.login for r in readers),
                "readers": sorted(
                    (
                        {
                            "login": r["login"],
                            "name": r.get("name", ""),
                            "first_at": r["first_at"],
                            "last_at": r["last_at"],
                            "count": r["count"],
                        }
                        for r in readers
                    ),
                    key=lambda r: r["first_at"],
                )
                if may_publish(member)
                else [],
            }
        )
    return out


def _check(title: str, description: str, url: str, filename: str, data: bytes | None) -> list[FieldError]:
    errors = []
    if not title.strip():
        errors.append(field_error("title", "required", "error.required.training_title"))
    elif len(title) > MAX_TITLE:
        errors.append(field_error("title", "too_long", "error.too_long.training_title", limit=MAX_TITLE))
    if len(description) > MAX_DESCRIPTION:
        errors.append(
            field_error("description", "too_long", "error.too_long.training_description", limit=MAX_DESCRIPTION)
        )
    if bool(url) == bool(data):
        errors.append(field_error("url", "required", "error.required.training_source"))
    if url and (len(url) > MAX_URL or not re.fullmatch(r"https?://[^\s]+", url)):
        errors.append(field_error("url", "invalid", "error.invalid.training_url"))
    if data is not None:
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        magic = FILE_TYPES.get(extension)
        if magic is None or not data.startswith(magic) or len(data) > MAX_FILE_BYTES:
            errors.append(field_error("file", "invalid", "error.invalid.training_file", limit=MAX_FILE_BYTES >> 20))
    return errors


async def publish(
    ctx: ServiceContext,
    blobs: BlobStore,
    member: StaffMember,
    title: str,
    description: str = "",
    url: str = "",
    filename: str = "",
    data: bytes | None = None,
) -> str:
    """A link or a file for the member's centre and those below (administrators only)."""
    if not may_publish(member):
        raise Forbidden("training_forbidden")
    title, description, url = " ".join(title.split()), description.strip(), url.strip()
    errors = _check(title, description, url, filename, data or None)
    if errors:
        raise ValidationFailed(errors)
    doc: dict[str, Any] = {
        "_id": uuid.uuid4().hex,
        "title": title,
        "description": description,
        "centre": member.centre_id,
        "created_by": member.login,
        "created_at": ctx.clock(),
    }
    if url:
        doc |= {"kind": "link", "url": url}
    else:
        assert data is not None
        doc |= {
            "kind": "file",
            "filename": filename[-100:],
            "blob_id": await blobs.put(io.BytesIO(data)),
            "size": len(data),
        }
    await ctx.db[MATERIALS].insert_one(doc)
    return doc["_id"]


async def _material(ctx: ServiceContext, member: StaffMember, material_id: str) -> dict[str, Any]:
    doc = await ctx.db[MATERIALS].find_one({"_id": material_id, **await _visible(ctx, member)})
    if doc is None:
        raise NotFound("training_not_found")
    return doc


async def open_material(
    ctx: ServiceContext, blobs: BlobStore, member: StaffMember, material_id: str
) -> tuple[str, bytes, str, str]:
    """Opening records the reading; returns (link, file bytes, filename, content type), one of link or bytes set."""
    doc = await _material(ctx, member, material_id)
    now = ctx.clock()
    await ctx.db[READS].update_one(
        {"_id": f"{material_id}:{member.login}"},
        {
            "$setOnInsert": {"material": material_id, "login": member.login, "first_at": now},
            "$set": {"name": member.name, "centre": member.centre_id, "last_at": now},
            "$inc": {"count": 1},
        },
        upsert=True,
    )
    if doc["kind"] == "link":
        return doc["url"], b"", "", ""
    extension = doc["filename"].rsplit(".", 1)[-1].lower()
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    return "", await blobs.read(doc["blob_id"]), doc["filename"], content_type


async def withdraw(ctx: ServiceContext, member: StaffMember, material_id: str) -> None:
    doc = await _material(ctx, member, material_id)
    if not rosters.administers_centre(await centres.directory(ctx), member, doc["centre"]):
        raise Forbidden("training_forbidden")
    await ctx.db[MATERIALS].delete_one({"_id": material_id})
