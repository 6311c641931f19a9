"""A centre's own document templates: its mediators download the one in use (the centre's, or the shipped default)
and its administrators replace it with a .docx of their own, which is checked (every placeholder known, a sample
rendered) before it is used.

The replacements are kept encrypted in the blob store with a record per centre and kind (`centre_templates`);
each process puts a centre's current set in a folder of its own (a new folder per change, so the rendering
workers, which keep compiled templates per folder, never use an old one) and points the renderers there,
checking for changes at most every CHECK_SECONDS when a document is made.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymongo import ReturnDocument

from docgen import KINDS, DocgenError
from docgen.templates import load_template, template_path
from i18n import DEFAULT_LOCALE, Words
from services.accounts import rosters
from services.accounts.staff import StaffMember, sees_centre
from services.core.context import ServiceContext
from services.core.errors import Forbidden, NotFound, ValidationFailed, field_error
from services.directory import centres
from store.blobs import BlobStore

TEMPLATES = "centre_templates"
CHECK_SECONDS = 5.0
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
DOCX_MAGIC = b"PK\x03\x04"
WORDS = Words(DEFAULT_LOCALE)


Stamp = tuple[tuple[str, int], ...]  # the kinds a centre replaced, each with its version


@dataclass
class _Folders:
    """This process's folders of the centres' own templates, under one temporary root: when each centre was last
    checked and its folder then (`checked`), and the folder made for its replaced kinds (`made`)."""

    root: Path
    checked: dict[str, tuple[float, str]] = field(default_factory=dict)
    made: dict[str, tuple[Stamp, str]] = field(default_factory=dict)


def _cache(ctx: ServiceContext) -> _Folders:
    cache = ctx.caches.get(TEMPLATES)
    if not isinstance(cache, _Folders):
        cache = ctx.caches[TEMPLATES] = _Folders(Path(tempfile.mkdtemp(prefix="centre-templates-")))
    return cache


async def _may_see(ctx: ServiceContext, member: StaffMember, centre_id: str) -> None:
    if not await sees_centre(ctx, member, centre_id):
        raise NotFound("centre_not_found")


async def _may_replace(ctx: ServiceContext, member: StaffMember, centre_id: str) -> None:
    if not rosters.administers_centre(await centres.directory(ctx), member, centre_id):
        raise Forbidden("templates_forbidden")


async def listing(ctx: ServiceContext, member: StaffMember, centre_id: str) -> list[dict[str, Any]]:
    """Each kind of document with whose template is in use: the centre's own (version, when, by whom) or the default."""
    await _may_see(ctx, member, centre_id)
    own = {d["kind"]: d for d in await ctx.db[TEMPLATES].find({"centre": centre_id}).to_list(None)}
    out = []
    for kind in KINDS:
        doc = own.get(kind)
        out.append(
            {
                "kind": kind,
                "title": WORDS.title(kind),
                "own": bool(doc),
                "version": doc["version"] if doc else 0,
                "updated_at": doc["updated_at"] if doc else None,
                "updated_by": doc["updated_by"] if doc else "",
            }
        )
    return out


async def download(ctx: ServiceContext, blobs: BlobStore, member: StaffMember, centre_id: str, kind: str) -> bytes:
    """The template in use for the centre: its replacement, its configured folder's, or the shipped default."""
    await _may_see(ctx, member, centre_id)
    if kind not in KINDS:
        raise NotFound("template_kind_unknown")
    doc = await ctx.db[TEMPLATES].find_one({"_id": f"{centre_id}:{kind}"})
    if doc is not None:
        return await blobs.read(doc["blob_id"])
    centre = (await centres.directory(ctx)).get(centre_id)
    return template_path(kind, centre.templates_dir or None if centre else None).read_bytes()


def _check(kind: str, data: bytes) -> None:
    """The upload is a .docx whose placeholders docgen knows and which renders a sample case (TemplateProblem)."""
    if len(data) > MAX_TEMPLATE_BYTES or not data.startswith(DOCX_MAGIC):
        raise ValidationFailed([field_error("file", "invalid", "error.invalid.template_file")])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{kind}.docx"
        path.write_bytes(data)
        try:
            load_template(path, kind, WORDS)
        except DocgenError as exc:
            reason = {DEFAULT_LOCALE: exc.message, "en": exc.message_en}
            raise ValidationFailed(
                [field_error("file", "bad_template", "error.bad_template.upload", reason=reason)]
            ) from None


async def replace(
    ctx: ServiceContext, blobs: BlobStore, member: StaffMember, centre_id: str, kind: str, data: bytes
) -> int:
    """A centre administrator's own template for `kind` (checked first); returns its version."""
    await _may_replace(ctx, member, centre_id)
    if kind not in KINDS:
        raise NotFound("template_kind_unknown")
    await ctx.run_blocking(_check, kind, data)
    blob_id = await blobs.put(io.BytesIO(data))
    doc = await ctx.db[TEMPLATES].find_one_and_update(
        {"_id": f"{centre_id}:{kind}"},
        {
            "$set": {
                "centre": centre_id,
                "kind": kind,
                "blob_id": blob_id,
                "size": len(data),
                "updated_by": member.login,
                "updated_at": ctx.clock(),
            },
            "$inc": {"version": 1},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    _cache(ctx).checked.pop(centre_id, None)
    return int(doc["version"]) if doc else 1


async def restore_default(ctx: ServiceContext, member: StaffMember, centre_id: str, kind: str) -> None:
    await _may_replace(ctx, member, centre_id)
    await ctx.db[TEMPLATES].delete_one({"_id": f"{centre_id}:{kind}"})
    _cache(ctx).checked.pop(centre_id, None)


async def current_folder(ctx: ServiceContext, blobs: BlobStore, centre_id: str, configured: str) -> str:
    """The folder of templates a centre's documents are made from now (its configured one when it replaced none)."""
    cache = _cache(ctx)
    checked = cache.checked.get(centre_id)
    if checked is not None and time.monotonic() - checked[0] < CHECK_SECONDS:
        return checked[1]
    docs = await ctx.db[TEMPLATES].find({"centre": centre_id}).to_list(None)
    stamp: Stamp = tuple(sorted((d["kind"], int(d["version"])) for d in docs))
    folder = configured
    if docs:
        known = cache.made.get(centre_id)
        if known and known[0] == stamp:
            folder = known[1]
        else:
            target = cache.root / f"{centre_id}-{'-'.join(f'{k}{v}' for k, v in stamp)}"
            target.mkdir(parents=True, exist_ok=True)
            for kind in KINDS:  # the centre's configured templates where it replaced none
                own = Path(configured) / f"{kind}.docx" if configured else None
                if own is not None and own.is_file():
                    shutil.copyfile(own, target / f"{kind}.docx")
            for doc in docs:
                (target / f"{doc['kind']}.docx").write_bytes(await blobs.read(doc["blob_id"]))
            folder = str(target)
            cache.made[centre_id] = (stamp, folder)
    cache.checked[centre_id] = (time.monotonic(), folder)
    return folder
