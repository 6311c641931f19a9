"""Cases a court or an arbitration institute delegates to us (`POST /api/docking/delegations`), and our answer
(docs/contracts.md#the-partner-calls-us-apidocking).

A delegation becomes a case in status `delegated` (docs/domain.md), routed to the centre serving its region
(services/intake/routing.py's rule, by region code), with the parties sealed like any party's, the dispute, the
documents checked like evidence, and `docking` (below). The partner's case number is the natural key (collection
`delegations`, `_id` = partner|number, holding the serial before the case is written): the same number and body
again is the same case (200), another body a 409. The centre answers within the partner's period, in working days
(holidays, adjusted days and unannounced years counted as services/core/deadlines.py counts): its administrator
accepts, assigning a mediator the court confirmed on its special-invite roster (services/court/roster.py), or
declines with a reason of 法释〔2021〕23号 art. 12; silence past the day is flagged and reported to the partner as not
confirmed in time. Accepting invites both parties, the court named (services/cases/respondent.py).

`docking` on the case: partner_id, partner_kind, partner_name, court_code, partner_case_no, type, delegated_at,
received_at, answer_due (YYYY-MM-DD), answer_due_provisional, answer {decision, reason_code, reason, at, by, late},
overdue_reported_at, accepted_at, mediation_days, extension_cap_days, mediation_due, mediation_due_provisional,
extensions, extension_request, paused_since, paused_days, pauses, documents (file ids), contact, video_link,
arbitrated (the dispute was arbitrated: true, false, or None when the delegation does not say), cause,
closed_reported_at, filed_at.
"""

from __future__ import annotations

import asyncio
import binascii
import hashlib
import json
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from i18n import msg
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember
from services.cases import access, moves, respondent, workflow
from services.cases.outbox import PARTIES_PROJECTION, party_notices
from services.cases.queue import mediators_of
from services.cases.record import Case, Docking, delegated, new_case
from services.core.amounts import fen, optional_amount
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.deadlines import calendar_days_deadline, working_days_deadline
from services.core.errors import Conflict, FieldError, Forbidden, NotFound, ServiceError, ValidationFailed, field_error
from services.core.idnumbers import ID_TYPES, NumberInvalid, check_id_number, check_uscc
from services.core.phones import parse_phone
from services.core.text import one_line
from services.core.work_calendar import load_work_calendar
from services.court import events, roster
from services.court.partners import partner_time
from services.directory import centres
from services.intake import evidence
from services.intake.submission import next_serial
from services.intake.validation import region_problem
from settings import Partner
from store.blobs import BlobStore

log = logging.getLogger(__name__)
DELEGATIONS = "delegations"
CHANNEL = "docking"
TYPES = {"court": ("pre_filing", "post_filing"), "arbitration": ("arbitration",)}  # 委派, 委托; 仲裁委派调解
PARTY_ROLES = ("applicant", "respondent")
PARTY_KINDS = ("person", "organisation")
# Why a centre does not take a delegated case (法释〔2021〕23号 art. 12: answered within the period, declining with
# written reasons): outside what the centre mediates, a mediator who must withdraw (回避), unable for objective
# reasons (no mediator free, the parties out of reach of the centre), another reason the centre writes.
DECLINE_REASONS = ("outside_scope", "conflict_of_interest", "unable", "other")
MAX_CASE_NO, MAX_NAME, MAX_ADDRESS, MAX_TEXT, MAX_CAUSE, MAX_REASON = 100, 100, 200, 5000, 100, 1000
MAX_DOCUMENTS = 20
MAX_PARTIES = 10  # an applicant and a respondent; room for co-parties a later version may name
PURPOSE = "delegation"  # files records of documents a partner sent
_URL = re.compile(r"^https://[^\s]{3,500}$")


# ---------------------------------------------------------------------------------------------
# Reading a delegation


@dataclass
class Delegation:
    """A delegation checked: the case's parts in our shapes, and the documents, decoded, waiting to be stored."""

    partner_case_no: str
    type: str
    delegated_at: datetime
    region_code: str
    kind: str  # worker or employer: who applies
    applicant: dict[str, Any]
    respondent: dict[str, Any]
    claim: dict[str, Any]
    cause: str
    contact: dict[str, str]
    video_link: str
    arbitrated: bool | None
    routed: centres.Routed
    review_flags: list[str] = field(default_factory=list)
    documents: list[tuple[str, Any]] = field(default_factory=list)  # (declared name, evidence.PreparedFile)
    temporary: list[str] = field(default_factory=list)  # the checked documents' files, removed once stored


def fingerprint(body: Any) -> str:
    """The body's identity, whatever the order of its keys: the same delegation sent again has the same one. Each
    document's content counts by its hash (serialising hundreds of kilobytes of base64 again would cost more)."""
    if isinstance(body, Mapping) and isinstance(body.get("documents"), list):
        body = dict(
            body,
            documents=[
                dict(d, content_base64=hashlib.sha256(d["content_base64"].encode("utf-8", "surrogatepass")).hexdigest())
                if isinstance(d, Mapping) and isinstance(d.get("content_base64"), str)
                else d
                for d in body["documents"]
            ],
        )
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))  # ASCII: any text, a stray surrogate too
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Errors:
    def __init__(self) -> None:
        self.found: list[FieldError] = []

    def add(self, path: str, code: str, key: str = "", **params: Any) -> None:
        self.found.append(field_error(path, code, key, **params))

    def text(
        self, body: Mapping[str, Any], path: str, name: str, limit: int, required: bool = True, lines: bool = False
    ) -> str:
        value = body.get(name)
        where = f"{path}.{name}" if path else name
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(where, "required", "error.required.docking_field", name=where)
            return ""
        if not isinstance(value, str):
            self.add(where, "wrong_type", "error.wrong_type.docking_text", name=where)
            return ""
        value = value.strip() if lines else one_line(value).strip()
        if len(value) > limit:
            self.add(where, "too_long", "error.too_long.docking_field", name=where, limit=limit)
        return value[:limit]


def _number_error(errors: _Errors, path: str, exc: NumberInvalid) -> None:
    errors.found.append(FieldError(path, exc.code, exc.text))


def _party(errors: _Errors, raw: Any, i: int, today: date, flags: list[str]) -> tuple[str, str, dict[str, Any]]:
    """(role, kind, party in our shape) of parties[i]; problems recorded."""
    path = f"parties[{i}]"
    if not isinstance(raw, Mapping):
        errors.add(path, "wrong_type", "error.wrong_type.docking_party", name=path)
        return "", "", {}
    role, kind = raw.get("role"), raw.get("kind")
    if role not in PARTY_ROLES:
        errors.add(f"{path}.role", "not_allowed", "error.not_allowed.docking_role")
        role = ""  # an unknown role names no party: the pair below is then incomplete, never a KeyError
    if kind not in PARTY_KINDS:
        errors.add(f"{path}.kind", "not_allowed", "error.not_allowed.docking_party_kind")
    party: dict[str, Any] = {"name": errors.text(raw, path, "name", MAX_NAME)}
    address = errors.text(raw, path, "address", MAX_ADDRESS, required=False)
    phone_text = errors.text(raw, path, "phone", 40)
    phone = ""
    if phone_text:
        try:
            phone = parse_phone(phone_text).e164
        except NumberInvalid as exc:
            _number_error(errors, f"{path}.phone", exc)
    if kind == "person":
        id_type = raw.get("id_type") or "resident_id"
        if id_type not in ID_TYPES:
            errors.add(f"{path}.id_type", "not_allowed", "error.not_allowed.id_type")
        number = errors.text(raw, path, "id_number", 40)
        if number and id_type in ID_TYPES:
            try:
                checked = check_id_number(id_type, number, today=today)
                party |= {"id_type": id_type, "id_number": checked.value}
                if checked.birth_date:
                    party["birth_date"] = checked.birth_date.isoformat()
                if checked.gender:
                    party["gender"] = checked.gender
            except NumberInvalid as exc:
                _number_error(errors, f"{path}.id_number", exc)
        party |= {
            "phone": phone,
            "address": address,
            "mailing_address": errors.text(raw, path, "service_address", MAX_ADDRESS, required=False) or address,
        }
        occupation = errors.text(raw, path, "occupation", MAX_NAME, required=False)  # 调解仲裁法 art. 28 (一)
        if occupation:
            party["job_title"] = occupation
    elif kind == "organisation":
        uscc = errors.text(raw, path, "uscc", 40, required=False)
        if uscc:
            try:
                code = check_uscc(uscc)
                party["uscc"] = code.value
                if not code.check_ok:  # some real codes fail their check character: flagged, not refused
                    flags.append(msg("review.uscc_check", name=f"{path}.uscc").text())
            except NumberInvalid as exc:
                _number_error(errors, f"{path}.uscc", exc)
        representative = errors.text(raw, path, "legal_representative_name", MAX_NAME)
        title = errors.text(raw, path, "legal_representative_title", MAX_NAME, required=False)  # 职务, art. 28 (一)
        if title:
            party["legal_representative_title"] = title
        party |= {
            "legal_representative_name": representative,
            "contact_name": representative,
            "contact_phone": phone,
            "address_text": address,
        }
    return str(role or ""), str(kind or ""), party


def _amount(errors: _Errors, value: Any) -> str:
    """The amount in dispute to the cent; none given is 0.00 (a dispute over no money)."""
    try:
        amount = optional_amount(value, "delegated_claim", path="dispute.amount")
    except ValidationFailed as exc:
        errors.found.extend(exc.errors)
        return "0.00"
    return f"{amount or 0:.2f}"


def _documents(errors: _Errors, raw: Any, limit_bytes: int) -> list[tuple[int, str, bytes]]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_DOCUMENTS:
        errors.add("documents", "invalid", "error.invalid.docking_documents", limit=MAX_DOCUMENTS)
        return []
    out = []
    for i, item in enumerate(raw):
        path = f"documents[{i}]"
        if not isinstance(item, Mapping):
            errors.add(path, "wrong_type", "error.wrong_type.docking_document", name=path)
            continue
        name = errors.text(item, path, "name", MAX_NAME)
        content = item.get("content_base64")
        if not isinstance(content, str) or not content:
            where = f"{path}.content_base64"
            errors.add(where, "required", "error.required.docking_field", name=where)
            continue
        if len(content) > limit_bytes * 4 // 3 + 8:
            errors.add(
                f"{path}.content_base64",
                "file_too_large",
                "error.file_too_large.docking",
                limit=limit_bytes // (1024 * 1024),
            )
            continue
        try:  # strict in C: no character outside the alphabet, padding where it belongs (faster than validate=True)
            data = binascii.a2b_base64(content, strict_mode=True)
        except (binascii.Error, ValueError):
            errors.add(f"{path}.content_base64", "invalid", "error.invalid.docking_base64")
            continue
        if not data:
            errors.add(f"{path}.content_base64", "file_empty", "error.file_empty.evidence")
            continue
        out.append((i, name or f"document-{i + 1}", data))
    return out


async def parse(ctx: ServiceContext, partner: Partner, body: Any) -> Delegation:
    """Every field checked, every problem listed at once (422); the region routed, documents not yet checked."""
    if not isinstance(body, Mapping):
        raise ValidationFailed([field_error("", "wrong_type", "error.wrong_type.docking_body")])
    errors = _Errors()
    now = ctx.clock()
    today = now.astimezone(SHANGHAI).date()
    case_no = errors.text(body, "", "partner_case_no", MAX_CASE_NO)
    kind_of = body.get("type")
    if kind_of not in TYPES[partner.kind]:
        errors.add("type", "not_allowed", "error.not_allowed.docking_type", allowed="、".join(TYPES[partner.kind]))
    delegated_at = now
    given_at = body.get("delegated_at")
    if given_at not in (None, ""):
        try:
            delegated_at = partner_time(given_at, now)
        except ValueError:
            errors.add("delegated_at", "invalid", "error.invalid.docking_time")
            delegated_at = now
    region_code = str(body.get("region_code") or "").strip()
    routed = None
    problem = region_problem(region_code) if region_code else "required"
    if problem == "required":
        errors.add("region_code", "required", "error.required.docking_field", name="region_code")
    elif problem == "unknown_region":
        errors.add("region_code", "unknown_region", "error.unknown_region", given=region_code[:20])
    else:  # a province or a city is as good as its own centre: the delegation names where it is
        routed = (await centres.directory(ctx)).route(region_code, "employer_location")
        if routed is None:
            errors.add("region_code", "not_served", "error.not_served.region_code", region=region_code)
    flags: list[str] = []
    parties = body.get("parties")
    roles: dict[str, tuple[str, dict[str, Any]]] = {}
    if not isinstance(parties, list) or not parties:
        errors.add("parties", "required", "error.required.docking_parties")
    elif len(parties) > MAX_PARTIES:  # refused before reading them: a list of thousands must not hold the loop
        errors.add("parties", "too_many", "error.too_many.docking_parties", limit=MAX_PARTIES)
    else:
        for i, raw in enumerate(parties):
            role, kind, party = _party(errors, raw, i, today, flags)
            if role in roles:
                errors.add(f"parties[{i}].role", "duplicate", "error.duplicate.docking_role")
            elif role:
                roles[role] = (kind, party | {"_index": i})
        for role in PARTY_ROLES:
            if role not in roles and not any(
                e.field.startswith("parties[") and e.field.endswith(".role") for e in errors.found
            ):
                errors.add("parties", "required", "error.required.docking_party", role=msg(f"label.party.{role}"))
    case_kind = ""
    if len(roles) == 2:
        kinds = (roles["applicant"][0], roles["respondent"][0])
        case_kind = {("person", "organisation"): "worker", ("organisation", "person"): "employer"}.get(kinds, "")
        if not case_kind and all(kinds):
            where = f"parties[{roles['respondent'][1]['_index']}].kind"
            errors.add(where, "not_allowed", "error.not_allowed.docking_party_pair")
    dispute = body.get("dispute")
    if not isinstance(dispute, Mapping):
        errors.add("dispute", "required", "error.required.docking_field", name="dispute")
        dispute = {}
    cause = errors.text(dispute, "dispute", "cause", MAX_CAUSE, required=False)
    facts = errors.text(dispute, "dispute", "summary", MAX_TEXT, lines=True)
    requests = errors.text(dispute, "dispute", "claims", MAX_TEXT, lines=True)
    amount = _amount(errors, dispute.get("amount"))
    # Whether the dispute was arbitrated: optional. Only `false` lets a failed mediation name arbitration (a labour
    # dispute goes to arbitration before a court, 调解仲裁法 art. 5); absent, the case simply returns to the court.
    arbitrated = dispute.get("arbitrated")
    if arbitrated is not None and not isinstance(arbitrated, bool):
        errors.add("dispute.arbitrated", "wrong_type", "error.wrong_type.docking_arbitrated")
        arbitrated = None
    if body.get("consent_to_mediation") is not True:  # 法释〔2021〕23号 art. 4: online mediation with consent
        errors.add("consent_to_mediation", "required", "error.required.docking_consent")
    contact_raw = body.get("contact")
    if not isinstance(contact_raw, Mapping):
        contact_raw = {}
    contact = {"name": errors.text(contact_raw, "contact", "name", MAX_NAME, required=False), "phone": ""}
    contact_phone = errors.text(contact_raw, "contact", "phone", 40, required=False)
    if contact_phone:  # the court's clerk, reached by the mediator: any number a phone can dial, kept in E.164
        try:
            contact["phone"] = parse_phone(contact_phone).e164
        except NumberInvalid as exc:
            _number_error(errors, "contact.phone", exc)
    video = body.get("video_room_url") or ""
    if video and (not isinstance(video, str) or not _URL.match(video.strip())):
        errors.add("video_room_url", "invalid", "error.invalid.online_link")
    documents = _documents(errors, body.get("documents"), ctx.settings.evidence.max_file_bytes)
    if sum(len(d) for _, _, d in documents) > ctx.settings.evidence.max_case_bytes:
        errors.add(
            "documents",
            "evidence_total_too_large",
            "error.too_large.docking_documents",
            limit=ctx.settings.evidence.max_case_bytes // (1024 * 1024),
        )
    temporary: list[str] = []
    prepared: list[tuple[str, Any]] = []
    if documents:  # checked like evidence now (off the event loop), so their problems are listed with the others
        prepared, refused, temporary = await ctx.run_blocking(
            _check_documents, documents, ctx.settings.upload_tmp_dir or None, ctx.settings.evidence
        )
        errors.found += refused
    if errors.found:
        if temporary:
            await ctx.run_blocking(_remove, temporary)
        raise ValidationFailed(errors.found)
    assert routed is not None
    applicant, respondent_party = (dict(roles[r][1]) for r in PARTY_ROLES)
    for party in (applicant, respondent_party):
        party.pop("_index", None)
        text = party.pop("address_text", None)
        if text is not None:  # an organisation's domicile: where the delegation is, with the street as given
            party["address"] = {"region_code": region_code, "region_name": "", "detail": text}
    return Delegation(
        partner_case_no=case_no,
        type=str(kind_of),
        delegated_at=delegated_at,
        region_code=region_code,
        kind=case_kind,
        applicant=applicant,
        respondent=respondent_party,
        claim={
            "amount": amount,
            "amount_fen": fen(amount),
            "venue": "employer_location",
            "requests": requests,
            "facts": facts,
            "cause": cause,
        },
        cause=cause,
        contact=contact,
        video_link=str(video).strip(),
        arbitrated=arbitrated,
        routed=routed,
        review_flags=flags,
        documents=prepared,
        temporary=temporary,
    )


# ---------------------------------------------------------------------------------------------
# Documents: checked like evidence, stored encrypted


def _check_documents(
    documents: list[tuple[int, str, bytes]], folder: str | None, limits: Any
) -> tuple[list, list, list[str]]:
    """Blocking: each document written to a private file and checked like evidence (type by content, no active
    content, safe archives, images re-encoded): (name, prepared file) of those that pass, a field error for each
    that does not (naming it), and every file written (to remove once stored). The files are named `upload-*` in
    the uploads folder, which a restart cleans of what a crash left."""
    prepared, refused, written = [], [], []
    for i, name, data in documents:
        handle, path = tempfile.mkstemp(prefix="upload-docking-", dir=folder)
        written.append(path)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        try:
            file = evidence.prepare_evidence(path, name, limits)
            prepared.append((name, file))
            if file.path != path:
                written.append(file.path)
        except ServiceError as exc:
            refused.append(FieldError(f"documents[{i}].content_base64", exc.code, exc.text))
            if os.path.exists(path + ".clean"):
                written.append(path + ".clean")
    return prepared, refused, written


def _remove(paths: list[str]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


async def _store_documents(ctx: ServiceContext, blobs: BlobStore, serial: str, partner: Partner, d: Delegation) -> list:
    """The checked documents kept encrypted, each a `files` record of the case; their ids. Their files go."""
    ids: list[str] = []
    try:
        now = ctx.clock()
        for name, file in d.documents:
            blob_id = await blobs.put(file.path)
            record = {
                "_id": uuid.uuid4().hex,
                "purpose": PURPOSE,
                "owner_person_id": None,
                "serial": serial,
                "partner_id": partner.id,
                "name": evidence.clean_name(name, file.file_type),
                "kind": file.file_type.kind,
                "content_type": file.file_type.content_type,
                "size": file.size,
                "sha256": file.sha256,
                "blob_id": blob_id,
                "created_at": now,
            }
            await ctx.db["files"].insert_one(record)
            ids.append(record["_id"])
    finally:
        if d.temporary:
            await ctx.run_blocking(_remove, d.temporary)
            d.temporary = []
    return ids


# ---------------------------------------------------------------------------------------------
# The partner's calls


async def _record(ctx: ServiceContext, partner: Partner, case_no: str) -> dict[str, Any] | None:
    return await ctx.db[DELEGATIONS].find_one({"_id": f"{partner.id}|{case_no}"})


async def _same_or_conflict(ctx: ServiceContext, record: dict[str, Any], print_: str) -> dict[str, Any] | None:
    """The case of an earlier identical delegation (None: it was not written yet); 409 for another body."""
    if record["fingerprint"] != print_:
        raise Conflict("delegation_differs", field="partner_case_no")
    return await ctx.db["cases"].find_one({"_id": record["serial"]})


async def create(ctx: ServiceContext, blobs: BlobStore, partner: Partner, body: Any) -> tuple[dict[str, Any], bool]:
    """A delegation received: (what the partner is answered, created now). The same number and body again is the
    same case; another body under the same number a 409; nothing is kept of a body with field errors.

    The number is reserved first (`delegations`, with the serial): a copy arriving while the first is at work waits
    for its case instead of doing the work again, and a retry after a crash between the two finishes the same case.
    """
    print_ = fingerprint(body)
    case_no = case_number(body.get("partner_case_no")) if isinstance(body, Mapping) else ""
    if not case_no:
        await parse(ctx, partner, body)  # the field errors, every one
    record_id = f"{partner.id}|{case_no}"
    record = await _record(ctx, partner, case_no)
    reserved = False
    if record is None:
        now = ctx.clock()
        record = {
            "_id": record_id,
            "partner_id": partner.id,
            "partner_case_no": case_no,
            "fingerprint": print_,
            "serial": await next_serial(ctx, now),
            "created_at": now,
        }
        try:
            await ctx.db[DELEGATIONS].insert_one(record)
            reserved = True
        except DuplicateKeyError:  # the same number arrived a moment ago
            record = await _record(ctx, partner, case_no)
            assert record is not None
    if not reserved:
        doc = await _same_or_conflict(ctx, record, print_)
        if doc is None:
            doc = await _wait_for_case(ctx, record)
        if doc is not None:
            return receipt(doc), False
        # The first copy stopped before writing its case (a crash, or far too slow): this one finishes it.
    try:
        delegation = await parse(ctx, partner, body)
    except ValidationFailed:
        if reserved:  # nothing kept: a corrected body may come under the same number
            await ctx.db[DELEGATIONS].delete_one({"_id": record_id, "fingerprint": print_})
        raise
    try:
        return await _write(ctx, blobs, partner, delegation, record["serial"])
    except Exception:
        await _undo_unwritten(ctx, blobs, record["serial"], record_id if reserved else "")
        raise
    finally:
        if delegation.temporary:  # checked documents not stored: their copies go
            await ctx.run_blocking(_remove, delegation.temporary)


def case_number(raw: Any) -> str:
    """A partner's case number as we keep it and look it up: one line, trimmed, at most MAX_CASE_NO characters
    (so the number a POST kept is the number GET and withdraw find)."""
    return one_line(str(raw or "")).strip()[:MAX_CASE_NO]


async def _undo_unwritten(ctx: ServiceContext, blobs: BlobStore, serial: str, record_id: str) -> None:
    """After a fault while writing (the store, a bug): if the case is surely not written, its stored documents go
    and the number is let go, so that the partner's retry, with this body or a corrected one, starts afresh.
    Where even that read fails nothing is removed: a document without a case is better than a case without one."""
    try:
        if await ctx.db["cases"].find_one({"_id": serial}, {"_id": 1}) is not None:
            return
        for record in await ctx.db["files"].find({"serial": serial, "purpose": PURPOSE}, {"blob_id": 1}).to_list(None):
            await ctx.db["files"].delete_one({"_id": record["_id"]})
            await blobs.delete(record["blob_id"])
        if record_id:
            await ctx.db[DELEGATIONS].delete_one({"_id": record_id})
    except Exception:  # the fault persists: the retry's wait (above) finishes the case under the number
        log.warning("delegation %s: not cleaned up after a failed write", serial, exc_info=True)


TWIN_WAIT_SECONDS = 10.0  # how long a copy waits for the first to write the case before writing it itself


async def _wait_for_case(ctx: ServiceContext, record: dict[str, Any]) -> dict[str, Any] | None:
    """The case an identical delegation in flight is writing, once written (None: it did not come in time, or the
    first copy was refused and let the number go)."""
    waited = 0.0
    while waited < TWIN_WAIT_SECONDS:
        await asyncio.sleep(0.02)
        waited += 0.02
        doc = await ctx.db["cases"].find_one(
            {"_id": record["serial"]}, {"status": 1, "docking.answer_due": 1, "centre": 1}
        )
        if doc is not None:
            return doc
        if await ctx.db[DELEGATIONS].find_one({"_id": record["_id"]}, {"_id": 1}) is None:
            return None
    return None


async def _write(
    ctx: ServiceContext, blobs: BlobStore, partner: Partner, delegation: Delegation, serial: str
) -> tuple[dict[str, Any], bool]:
    """The documents, then the case, under the serial the number holds."""
    now = ctx.clock()
    file_ids = await _store_documents(ctx, blobs, serial, partner, delegation)
    doc = await _new_case(ctx, partner, delegation, serial, file_ids, now)
    try:
        await moves.create(ctx, doc)
    except DuplicateKeyError:  # a copy that had waited too long wrote it too: its documents stand, ours go
        for file_id in file_ids:
            record = await ctx.db["files"].find_one({"_id": file_id}, {"blob_id": 1})
            if record:
                await ctx.db["files"].delete_one({"_id": file_id})
                await blobs.delete(record["blob_id"])
        doc = await ctx.db["cases"].find_one({"_id": serial})
        assert doc is not None
        return receipt(doc), False
    return receipt(doc), True


async def _new_case(
    ctx: ServiceContext, partner: Partner, d: Delegation, serial: str, file_ids: list[str], now: datetime
) -> Case:
    centre = d.routed.centre
    calendar = (await load_work_calendar(ctx)).for_centre(centre.id)
    due = working_days_deadline(now, partner.answer_working_days, calendar)
    docking: Docking = {
        "partner_id": partner.id,
        "partner_kind": partner.kind,
        "partner_name": partner.name,
        "court_code": partner.court_code,
        "partner_case_no": d.partner_case_no,
        "type": d.type,
        "delegated_at": d.delegated_at,
        "received_at": now,
        "answer_due": due.due.isoformat(),
        "answer_due_provisional": due.provisional,
        "answer": None,
        "overdue_reported_at": None,
        "accepted_at": None,
        "mediation_days": partner.mediation_days,
        "extension_cap_days": partner.extension_cap_days,
        "mediation_due": None,
        "mediation_due_provisional": False,
        "extensions": [],
        "extension_request": None,
        "paused_since": None,
        "paused_days": 0,
        "pauses": [],
        "documents": file_ids,
        "contact": _sealed_contact(ctx, d.contact),
        "video_link": d.video_link,
        "arbitrated": d.arbitrated,
        "cause": d.cause,
        "closed_reported_at": None,
        "filed_at": None,
    }
    application = {
        "kind": d.kind,
        "applicant": d.applicant,
        "respondent": d.respondent,
        "claim": d.claim,
        "evidence": file_ids,
        "review_flags": d.review_flags,
    }
    return new_case(
        ctx,
        serial,
        "delegate",
        ("partner", partner.id),
        CHANNEL,
        now,
        application,
        owner_person_id=None,  # the applicant owns it once they prove the invitation (respondent.applicant_invitation)
        consent_version=f"docking:{partner.id}",
        place=d.routed.as_case_fields(),
        docking=docking,
        note=f"{partner.name} {d.partner_case_no}",
    )


CONTACT_PHONE = "docking.contact.phone"  # the sealed field's name (authenticated: the value cannot be moved)


def _sealed_contact(ctx: ServiceContext, contact: Mapping[str, str]) -> dict[str, Any]:
    """The partner's contact as kept: the phone field-encrypted like every phone we keep."""
    phone = contact.get("phone") or ""
    return {"name": contact.get("name", ""), "phone": ctx.cipher.encrypt(phone, CONTACT_PHONE) if phone else None}


def contact_view(ctx: ServiceContext, docking: Mapping[str, Any]) -> dict[str, str]:
    """The partner's contact on the back office's case page. The phone is shown whole: it is the court clerk's work
    line, which the mediator must be able to call; the page is the centre staff's own (checked by its handler)."""
    contact = docking.get("contact") or {}
    sealed = contact.get("phone")
    phone = ctx.cipher.decrypt(sealed, CONTACT_PHONE) if isinstance(sealed, Mapping) else str(sealed or "")
    return {"name": str(contact.get("name") or ""), "phone": phone}


def receipt(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What `POST /api/docking/delegations` answers."""
    return {
        "serial": doc["_id"],
        "status": doc["status"],
        "answer_due": doc["docking"]["answer_due"],
        "centre": {"id": doc["centre"]["id"], "name": doc["centre"]["name"]},
    }


async def _partner_case(ctx: ServiceContext, partner: Partner, case_no: str) -> dict[str, Any]:
    record = await _record(ctx, partner, case_number(case_no))
    doc = await ctx.db["cases"].find_one({"_id": record["serial"]}) if record else None
    if doc is None or (doc.get("docking") or {}).get("partner_id") != partner.id:
        raise NotFound("delegation_not_found")
    return doc


def partner_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A delegated case as its partner reads it (`GET /api/docking/delegations/{no}`): status, answer, the period,
    extensions, the outcome; no party's number."""
    docking = doc["docking"]
    answer = docking.get("answer") or {}
    outcome = doc.get("outcome") or {}
    shown_outcome: dict[str, Any] | None = None
    if outcome.get("kind") == "settled":
        agreement = outcome.get("agreement") or {}
        shown_outcome = {
            "kind": "settled",
            "effective_at": shanghai_iso(agreement.get("effective_at")),
            "agreement": {
                "terms": [
                    {k: t.get(k) for k in ("text", "amount", "due_date", "method")}
                    for t in agreement.get("terms") or []
                ],
                "waivers": agreement.get("waivers", ""),
            },
        }
    elif outcome.get("kind") == "failed":
        shown_outcome = {
            "kind": "failed",
            "closure_reason": outcome.get("closure_reason", ""),
            "closed_at": shanghai_iso(outcome.get("at")),
            "report": outcome.get("report"),
            "materials_returned": bool(outcome.get("materials_returned")),
        }
    elif outcome.get("kind") == "returned":
        shown_outcome = {"kind": "returned", "closed_at": shanghai_iso(outcome.get("at"))}
    elif doc["status"] == workflow.WITHDRAWN:
        shown_outcome = {"kind": "withdrawn"}
    return {
        "partner_case_no": docking["partner_case_no"],
        "serial": doc["_id"],
        "status": doc["status"],
        "status_label": workflow.status_label(doc["status"]),
        "centre": {"id": doc["centre"]["id"], "name": doc["centre"]["name"]},
        "answer_due": docking["answer_due"],
        "answer_due_provisional": docking.get("answer_due_provisional", False),
        "answer": {
            "decision": answer.get("decision"),
            "reason_code": answer.get("reason_code", ""),
            "reason": answer.get("reason", ""),
            "at": shanghai_iso(answer.get("at")),
            "late": bool(answer.get("late")),
        }
        if answer
        else None,
        "not_confirmed_in_time": bool(docking.get("overdue_reported_at")),
        "mediator": (doc.get("mediator") or {}).get("name"),
        "accepted_at": shanghai_iso(docking.get("accepted_at")),
        "mediation_due": docking.get("mediation_due"),
        "paused": bool(docking.get("paused_since")),
        "extensions": [
            {
                "days": e["days"],
                "until": e["until"],
                "at": shanghai_iso(e["at"]),
                "consents": sorted(e.get("consents") or {}),
            }
            for e in docking.get("extensions") or []
        ],
        "outcome": shown_outcome,
        "filed_at": shanghai_iso(docking.get("filed_at")),
    }


async def state(ctx: ServiceContext, partner: Partner, case_no: str) -> dict[str, Any]:
    return partner_view(await _partner_case(ctx, partner, case_no))


async def withdraw(ctx: ServiceContext, partner: Partner, case_no: str, body: Any) -> dict[str, Any]:
    """The partner takes its case back (any open status): the `withdraw` move, the invited parties told."""
    reason = body.get("reason") if isinstance(body, Mapping) else None
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise ValidationFailed([field_error("reason", "invalid", "error.invalid.docking_reason", limit=MAX_REASON)])
    doc = await _partner_case(ctx, partner, case_no)
    if doc["status"] == workflow.WITHDRAWN:
        return partner_view(doc)  # asked again: the same answer
    now = ctx.clock()
    notices = party_notices(doc, "withdraw", now, [("serial", doc["_id"]), ("status", msg("notice.value.withdrawn"))])
    note = msg("event.note.partner_withdrew", partner=partner.name, reason=(reason or "").strip() or "—").text()
    updated = await moves.apply_move(
        ctx,
        doc["_id"],
        "withdraw",
        ("partner", partner.id),
        CHANNEL,
        case=doc,  # the partner's own withdrawal: nothing to tell it (services/court/events.py)
        when={"docking.partner_id": partner.id},
        notify=notices or None,
        note=note,
    )
    return partner_view(updated)


# ---------------------------------------------------------------------------------------------
# The centre's answer


def _answering(member: StaffMember) -> None:
    """A centre's administrator answers a delegation (a system administrator for any centre)."""
    if member.role not in (CENTRE_ADMIN, SYSTEM_ADMIN):
        raise Forbidden("delegation_admin_only")


async def offered_mediators(ctx: ServiceContext, partner_id: str, centre_id: str) -> list[StaffMember]:
    """The centre's mediators the partner confirmed on its special-invite roster: the only ones offered."""
    confirmed = await roster.confirmed_mediators(ctx, partner_id, centre_id)
    return [m for m in await mediators_of(ctx, centre_id) if m.login in confirmed]


async def _delegated_case(ctx: ServiceContext, member: StaffMember, serial: str) -> dict[str, Any]:
    doc = await access.for_staff(
        ctx,
        member,
        serial,
        PARTIES_PROJECTION | {"status": 1, "docking": 1, "applicant.name": 1, "respondent.name": 1, "centre": 1},
    )
    if not delegated(doc):
        raise NotFound("delegation_not_found")
    return doc


async def accept(ctx: ServiceContext, member: StaffMember, serial: str, mediator_login: str) -> Case:
    """Accept the delegation with a mediator of the court's roster: the period starts, both parties are invited
    (the court named), the partner is answered, in one write."""
    _answering(member)
    doc = await _delegated_case(ctx, member, serial)
    docking = doc["docking"]
    if doc["status"] != workflow.DELEGATED:
        raise Conflict(
            "move_not_allowed",
            field="status",
            current=workflow.status_label(doc["status"]),
            move=workflow.MOVES["accept_delegation"].label(),
        )
    offered = await offered_mediators(ctx, docking["partner_id"], doc["centre"]["id"])
    mediator = next((m for m in offered if m.login == (mediator_login or "").strip()), None)
    if mediator is None:
        raise ValidationFailed(
            [field_error("mediator", "not_on_roster", "error.not_on_roster.mediator", partner=docking["partner_name"])]
        )
    now = ctx.clock()
    calendar = await load_work_calendar(ctx)
    period = calendar_days_deadline(now, docking["mediation_days"], calendar.for_centre(doc["centre"]["id"]))
    late = now.astimezone(SHANGHAI).date().isoformat() > docking["answer_due"]
    answer = {"decision": "accepted", "at": now, "by": member.login, "late": late}
    set_fields: dict[str, Any] = {
        "mediator": {"login": mediator.login, "name": mediator.name},
        "docking.answer": answer,
        "docking.accepted_at": now,
        "docking.mediation_due": period.due.isoformat(),
        "docking.mediation_due_provisional": period.provisional,
    }
    court = docking["partner_name"]
    invited, notices = await respondent.invitation(ctx, doc, now, calendar, court=court)
    set_fields |= invited
    invited_applicant, applicant_notices = respondent.applicant_invitation(doc, now, ctx, court)
    set_fields |= invited_applicant
    notices = applicant_notices + notices
    notices.append(
        events.event_notice(
            doc,
            "answered",
            now,
            answer="accepted",
            mediator=mediator.name,
            mediation_due=period.due.isoformat(),
            late=late,
        )
    )
    return await moves.apply_move(
        ctx,
        serial,
        "accept_delegation",
        ("staff", member.login),
        "backoffice",
        when={"docking.answer": None},
        set_fields=set_fields,
        notify=notices,
        note=mediator.name,
        data={"mediator": mediator.login},
    )


async def decline(ctx: ServiceContext, member: StaffMember, serial: str, reason_code: str, reason: str) -> Case:
    """Decline the delegation with a reason of art. 12 (written out; required for "other"): the case is returned."""
    _answering(member)
    errors = []
    code = (reason_code or "").strip()
    if code not in DECLINE_REASONS:
        errors.append(field_error("reason_code", "not_allowed", "error.not_allowed.decline_reason"))
    text = (reason or "").strip()
    if code == "other" and not text:
        errors.append(field_error("reason", "required", "error.required.decline_reason_text"))
    if len(text) > MAX_REASON:
        errors.append(
            field_error("reason", "too_long", "error.too_long.docking_field", name="reason", limit=MAX_REASON)
        )
    if errors:
        raise ValidationFailed(errors)
    doc = await _delegated_case(ctx, member, serial)
    now = ctx.clock()
    docking = doc["docking"]
    late = now.astimezone(SHANGHAI).date().isoformat() > docking["answer_due"]
    words = msg(f"label.decline_reason.{code}").text()
    answer = {
        "decision": "declined",
        "reason_code": code,
        "reason": text or words,
        "at": now,
        "by": member.login,
        "late": late,
    }
    notice = events.event_notice(
        doc, "answered", now, answer="declined", reason_code=code, reason=answer["reason"], late=late
    )
    return await moves.apply_move(
        ctx,
        serial,
        "decline_delegation",
        ("staff", member.login),
        "backoffice",
        case=doc,
        when={"docking.answer": None},
        set_fields={
            "docking.answer": answer,
            "outcome": {"kind": "returned", "at": now, "reason_code": code, "reason": answer["reason"]},
        },
        notify=[notice],
        note=f"{words}{'：' + text if text and text != words else ''}",
    )


async def report_overdue(ctx: ServiceContext, limit: int = 200) -> int:
    """One pass: each delegation not answered by its due day is flagged, once, and the partner told it was not
    confirmed in time (the centre may still answer: a late answer says so)."""
    now = ctx.clock()
    today = now.astimezone(SHANGHAI).date().isoformat()
    query = {
        "status": workflow.DELEGATED,
        "docking.answer": None,
        "docking.overdue_reported_at": None,
        "docking.answer_due": {"$lt": today},
    }
    docs = await ctx.db["cases"].find(query, {"docking": 1, "status": 1}).limit(limit).to_list(limit)
    told = 0
    for doc in docs:
        notice = events.event_notice(
            doc, "answered", now, answer="not_confirmed_in_time", answer_due=doc["docking"]["answer_due"]
        )
        updated = await moves.record_event(
            ctx,
            doc["_id"],
            "delegation_overdue",
            ("system", "deadline"),
            "system",
            workflow.DELEGATED,
            when={"status": workflow.DELEGATED, "docking.answer": None, "docking.overdue_reported_at": None},
            set_fields={"docking.overdue_reported_at": now},
            notify=[notice],
            projection={"_id": 1},
            note=msg("event.note.delegation_overdue", due=doc["docking"]["answer_due"]).text(),
        )
        told += updated is not None
    return told
