"""Person (P), company (C) and case (A) files, built from what the cases already hold; every view audited.

- P: a person's cases across channels and roles: the cases they own (any channel they came through), and
  every case where their identity number appears, as applicant, respondent or an employer's contact (cases
  keep keyed lookup hashes of those numbers, `id_hashes`), with the identities that reach them.
- C: an employer, found by its unified social credit code, its name or a part of it (the index of employers the
  counters keep, services/stats/counters.py: the names a company that gave a code was filed under find it too;
  several matches are a list to choose from): its cases, outcomes, repeated causes, amounts claimed and agreed,
  its collective-dispute alerts.
- A: one case as an archive (.zip): every version of every document, the evidence, the timeline, every
  audited operation on it, and an index (PDF, through LibreOffice, with the .docx it was made from).
Viewing a file, like revealing a number, is recorded in the audit trail.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from collections import Counter
from typing import Any

import docx

from i18n import text
from platforms.pdf import PdfConverter, PdfUnavailable
from services.accounts import audit
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember, centre_filter, visible_centres
from services.cases import access, workflow
from services.cases.views import case_detail
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import DependencyDown, NotFound, ServiceError, invalid
from services.core.idnumbers import NumberInvalid, check_uscc, normalise_number
from services.directory.employers import normalise_name
from services.stats import counters
from store.blobs import BlobNotFound, BlobStore

MAX_CASES = 500  # a file lists at most this many cases, newest first
MAX_CHOICES = 20  # employers a search lists to choose from (a longer list asks for more of the name)
ROW_FIELDS = {
    "_id": 1,
    "status": 1,
    "channel": 1,
    "kind": 1,
    "centre": 1,
    "created_at": 1,
    "owner_person_id": 1,
    "id_hashes": 1,
    "respondent.name": 1,
    "applicant.name": 1,
    "claim.amount_fen": 1,
    "outcome": 1,
    "clarified.items": 1,
    "employer_key": 1,
    "timeline.status": 1,
    "timeline.at": 1,
}


def _admin(member: StaffMember) -> None:
    if member.role not in (CENTRE_ADMIN, SYSTEM_ADMIN):
        raise ServiceError(403, "forbidden", text("error.forbidden.files"))


def _row(doc: dict[str, Any], role: str = "") -> dict[str, Any]:
    employer = doc.get("respondent" if doc.get("kind") == "worker" else "applicant") or {}
    items = (doc.get("clarified") or {}).get("items") or []
    return {
        "serial": doc["_id"],
        "status": doc["status"],
        "status_label": workflow.status_label(doc["status"]),
        "channel": doc.get("channel", ""),
        "role": role,
        "centre": doc["centre"]["name"],
        "received": shanghai_iso(doc["created_at"]),
        "employer": employer.get("name", ""),
        "cause": items[0].get("cause_level1_label", "") if items else "",
        "claimed_fen": int((doc.get("claim") or {}).get("amount_fen") or 0),
        "agreed_fen": counters.agreed_fen(doc),
    }


def _yuan(fen: int) -> str:
    """An amount as the file shows it: yuan with two decimals ("12000.00")."""
    return f"{fen // 100}.{fen % 100:02d}"


async def _cases(ctx: ServiceContext, member: StaffMember, query: dict[str, Any]) -> list[dict[str, Any]]:
    scoped = query | centre_filter(await visible_centres(ctx, member))
    cursor = ctx.db["cases"].find(scoped, ROW_FIELDS).sort("created_at", -1).limit(MAX_CASES)
    return await cursor.to_list(MAX_CASES)


async def person_file(
    ctx: ServiceContext, member: StaffMember, person_id: str = "", id_number: str = ""
) -> dict[str, Any]:
    """The P file of a person (by their id, or by an identity number typed in); audited."""
    _admin(member)
    hashes: set[str] = set()
    if id_number:
        number = normalise_number(id_number)
        if not 6 <= len(number) <= 30:
            raise invalid("id_number", "invalid", "error.invalid.file_id_number")
        hashes.add(ctx.cipher.lookup_hash(number, "id_number"))
    owned = await _cases(ctx, member, {"owner_person_id": person_id}) if person_id else []
    for doc in owned:
        hashes.update(doc.get("id_hashes") or [])
    linked = await _cases(ctx, member, {"id_hashes": {"$in": sorted(hashes)}}) if hashes else []
    if not person_id and linked:
        owners = {d["owner_person_id"] for d in linked}
        owned = []  # a number typed in: the persons who filed with it are found through their cases
        person_id = next(iter(owners)) if len(owners) == 1 else ""
    rows: dict[str, dict[str, Any]] = {}
    for doc in owned:
        rows[doc["_id"]] = _row(doc, "applicant")
    for doc in linked:
        if doc["_id"] not in rows:
            rows[doc["_id"]] = _row(doc, "applicant" if doc["owner_person_id"] == person_id else "party")
    if not rows:
        raise NotFound("file_not_found", text("error.file_not_found.cases"))
    identities = []
    if person_id:
        fields = {"provider": 1, "created_at": 1}
        found = await ctx.db["identities"].find({"person_id": person_id}, fields).to_list(None)
        identities = [
            {"provider": i.get("provider", i["_id"].split(":", 1)[0]), "since": shanghai_iso(i.get("created_at"))}
            for i in found
        ]
    await audit.record(ctx, member, "file_view", "", file="P", person=person_id, by_number=bool(id_number))
    channels = Counter(r["channel"] for r in rows.values())
    return {
        "person_id": person_id,
        "identities": identities,
        "channels": dict(channels),
        "cases": [
            r | {"claimed": _yuan(r["claimed_fen"]), "agreed": _yuan(r["agreed_fen"])}
            for r in sorted(rows.values(), key=lambda r: r["received"], reverse=True)
        ],
    }


def _choice(doc: dict[str, Any]) -> dict[str, str]:
    return {"key": doc["key"], "name": doc.get("name", ""), "uscc": doc.get("uscc", "")}


async def find_employers(ctx: ServiceContext, query: str) -> list[dict[str, str]]:
    """The employers a search means (at most MAX_CHOICES + 1): the one of a credit code, else those whose name
    holds what was typed, normalised as the keys are ("上海 某某（集团）" finds "上海某某(集团)有限公司"); whole
    names first."""
    term = query.strip()
    try:
        code = check_uscc(term).value
    except NumberInvalid:
        code = ""
    if code:  # its cases carry the key: no need of the index
        return [{"key": f"uscc:{code}", "name": "", "uscc": code}]
    name = normalise_name(term)
    if not name:
        raise invalid("q", "required", "error.required.file_company")
    index, fields = ctx.db[counters.STATS], {"key": 1, "name": 1, "uscc": 1, "name_key": 1}
    whole = await index.find({"name_key": name}, fields).to_list(None)  # the whole name first, however many hold it
    # One document per employer and name: a few more than the choices shown, so that MAX_CHOICES employers remain.
    spec = {"name_key": {"$regex": re.escape(name)}}
    part = await index.find(spec, fields).limit(4 * MAX_CHOICES).to_list(4 * MAX_CHOICES)
    if not whole and not part:  # an index that does not know the name yet (`recount --repair` fills it): its key
        return [{"key": f"name:{name}", "name": term, "uscc": ""}]
    part.sort(key=lambda d: (d.get("name", ""), d["key"]))
    employers: dict[str, dict[str, str]] = {}
    for doc in [*whole, *part]:
        employers.setdefault(doc["key"], _choice(doc))  # an employer filed under several spellings: once
    return list(employers.values())[: MAX_CHOICES + 1]


async def company_file(ctx: ServiceContext, member: StaffMember, query: str = "", key: str = "") -> dict[str, Any]:
    """The C file of an employer: by `key` (chosen from a list), or by what was typed in `query` (a credit code, a
    name or a part of one); several employers matching are a list to choose from (`choices`). Audited."""
    _admin(member)
    if not key:
        matches = await find_employers(ctx, query)
        if len(matches) > 1:
            return {"choices": matches[:MAX_CHOICES], "more": len(matches) > MAX_CHOICES, "query": query.strip()}
        key = matches[0]["key"]
    docs = await _cases(ctx, member, {"employer_key": key})
    if not docs:
        raise NotFound("file_not_found", text("error.file_not_found.cases"))
    causes: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for doc in docs:
        for item in (doc.get("clarified") or {}).get("items") or []:
            causes[item.get("cause_label", "")] += 1
        outcomes[workflow.status_label(doc["status"])] += 1
    rows = [_row(d) for d in docs]
    alerts = await ctx.db["alerts"].find({"employer_key": key}).sort("raised_at", -1).to_list(50)
    await audit.record(ctx, member, "file_view", "", file="C", employer=key)
    return {
        "key": key,
        "uscc": key[5:] if key.startswith("uscc:") else "",
        "name": rows[0]["employer"],
        "cases": [r | {"claimed": _yuan(r["claimed_fen"]), "agreed": _yuan(r["agreed_fen"])} for r in rows],
        "outcomes": dict(outcomes),
        "repeated_causes": [(c, n) for c, n in causes.most_common() if n > 1],
        "claimed": _yuan(sum(r["claimed_fen"] for r in rows)),
        "agreed": _yuan(sum(r["agreed_fen"] for r in rows)),
        "alerts": [
            {
                "id": a["_id"],
                "kind": a["kind"],
                "workers": a.get("workers", 0),
                "state": a.get("state"),
                "raised_at": shanghai_iso(a.get("raised_at")),
            }
            for a in alerts
        ],
    }


# ---------------------------------------------------------------------------------------------
# The A file: one case as an archive.


def _index_docx(doc: dict[str, Any], entries: list[tuple[str, str]], operations: list[dict[str, Any]]) -> bytes:
    paper = docx.Document()
    paper.add_heading(text("file.archive.title", serial=doc["_id"]), level=1)
    view = case_detail(doc)
    paper.add_paragraph(
        text(
            "file.archive.summary",
            status=view["status_label"],
            centre=doc["centre"]["name"],
            received=view["created_at"],
        )
    )
    paper.add_heading(text("file.archive.contents"), level=2)
    for name, what in entries:
        paper.add_paragraph(f"{name}  {what}", style="List Bullet")
    paper.add_heading(text("file.archive.timeline"), level=2)
    for entry in view["timeline"]:
        paper.add_paragraph(f"{entry['at']}  {entry['label']}  {entry.get('note', '')}")
    paper.add_heading(text("file.archive.operations"), level=2)
    for op in operations:
        paper.add_paragraph(f"{shanghai_iso(op['at'])}  {op['who']}  {op['action']}")
    out = io.BytesIO()
    paper.save(out)
    return out.getvalue()


async def _blob(blobs: BlobStore, blob_id: str) -> bytes | None:
    try:
        return b"".join([chunk async for chunk in blobs.open(blob_id)])
    except BlobNotFound:
        return None


async def case_archive(
    ctx: ServiceContext, member: StaffMember, blobs: BlobStore, pdf: PdfConverter, serial: str
) -> tuple[str, str]:
    """The A file as a .zip in a private temporary file: (path, download name). The caller streams and removes it."""
    _admin(member)
    doc = await access.for_staff(ctx, member, serial)
    records = await ctx.db["documents"].find({"serial": serial}).sort("issued_at", 1).to_list(None)
    evidence = await ctx.db["files"].find({"_id": {"$in": doc.get("evidence") or []}}).to_list(None)
    operations = await ctx.db["audit"].find({"serial": serial}).sort("at", 1).to_list(None)
    handle, path = tempfile.mkstemp(prefix="archive-", suffix=".zip")
    os.close(handle)
    entries: list[tuple[str, str]] = []
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for record in records:
                data = await _blob(blobs, record["blob_id"])
                if data is not None:
                    name = f"documents/{record['filename']}"
                    await ctx.run_blocking(archive.writestr, name, data)
                    entries.append((name, f"{record['title']} v{record['version']} SM3 {record['sm3'][:16]}"))
            for number, record in enumerate(evidence, 1):
                data = await _blob(blobs, record["blob_id"])
                if data is not None:
                    name = f"evidence/{number:03d}-{os.path.basename(record['name'])}"
                    await ctx.run_blocking(archive.writestr, name, data)
                    entries.append((name, record.get("content_type", "")))
            view = case_detail(doc)
            archive.writestr("case.json", json.dumps(view, ensure_ascii=False, indent=1, default=str))
            archive.writestr("timeline.json", json.dumps(view["timeline"], ensure_ascii=False, indent=1, default=str))
            archive.writestr(
                "operations.json",
                json.dumps(
                    [{k: v for k, v in op.items() if k != "_id"} for op in operations],
                    ensure_ascii=False,
                    indent=1,
                    default=str,
                ),
            )
            entries += [("case.json", ""), ("timeline.json", ""), ("operations.json", "")]
            index = await ctx.run_blocking(_index_docx, doc, entries, operations)
            archive.writestr("index.docx", index)
            try:
                archive.writestr("index.pdf", await pdf.convert(index))
            except PdfUnavailable as exc:
                raise DependencyDown(exc.reason) from exc
    except BaseException:
        os.unlink(path)
        raise
    await audit.record(ctx, member, "file_view", serial, file="A")
    return path, f"{serial}-archive.zip"
