"""Signing the agreement: the draft, each party's drawn signature, the mediator's, the seal; effective at the last.

The interface later issues build on:
- `draft(ctx, member, serial, form, rows)`: the mediator's draft (terms each with a due date, amounts,
  manner, copies: at least three); the case moves to `signing` with `agreement = {version, terms,
  waivers, copies, drafted_at, drafted_by, signatures: []}`.
- `revise(...)`: back to `mediating`; the signatures so far are void (kept in `agreement_voided`), and
  the next draft has a new version, so a signature of the old one is refused.
- `sign(ctx, blobs, signer, serial, body, channel)`: `{version, image}` (a PNG data URL drawn with
  signature_pad); the image is stored encrypted (store/blobs.py) and the signature records the signed-in
  identity, the identity proof it rests on and the time: `{role, by, name, identity, proof, channel, at, blob_id,
  sm3, version}`. The last of the required roles (applicant, respondent, mediator) moves the case to `settled`,
  and its time is the agreement's effective time (`outcome.agreement.effective_at`), never a click.
- An organisation party signs through a named natural person (民法典 arts. 61, 162; 调解仲裁法 art. 14): `capacity`
  `legal_representative` (the one the case names) or `agent`, whose written authorisation (授权委托书, 民法典
  art. 165) the mediator saw and recorded first (`record_authority`: `authorities.<role>`). The signature then
  keeps `signatory`, `capacity` and, for an agent, the `authority` it rested on; the organisation's seal image
  (`seal`, optional) is stored beside that person's signature, never in its place.
- `refuse(...)`: a party refuses to sign; the case ends as `failed`, closure reason `refused_to_sign`.
- The centre's seal: `upload_seal` (its administrator), `seal_png`; `images(...)` gives docgen the PNGs.
Each read of the case plus one conditional write: a signature is two database commands (three when two
last signatures race, or when the signer proved no invitation and their person is read for the identity proof).
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from PIL import Image, UnidentifiedImageError

from docgen import sm3_hex
from i18n import msg
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember
from services.cases import access, ends, moves, workflow
from services.cases.clarification import MAX_ITEM_TEXT, check_amount
from services.cases.outbox import (
    PARTIES_PROJECTION,
    Line,
    applicant_phone_field,
    party_notices,
    respondent_phone_field,
)
from services.cases.record import Case, organisation_role
from services.cases.views import agreement_view
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.dates import read_date
from services.core.deadlines import calendar_days_deadline
from services.core.errors import Conflict, FieldError, Forbidden, NotFound, ServiceError, ValidationFailed, field_error
from services.core.numbers import read_whole
from services.core.personal_data import masked_party
from services.core.text import one_line
from services.core.work_calendar import load_work_calendar
from services.directory import centres
from store.blobs import BlobStore

ROLES = workflow.SIGNERS
MIN_COPIES = 3  # each party and the centre keep one
MAX_COPIES = 10
MAX_TERMS = 20
MAX_WAIVERS = 1000
CONFIRMATION_DAYS = 30  # 民事诉讼法 art. 205: judicial confirmation within 30 days of the agreement's effect
MAX_WITHOUT_SESSION = 500
# A drawn signature is a few tens of kilobytes; as base64 in a data URL it must fit a JSON body (256 KiB).
MAX_SIGNATURE_BYTES = 180 * 1024
PNG_DATA_URL = "data:image/png;base64,"
MAX_SIGNATURE_URL = len(PNG_DATA_URL) + MAX_SIGNATURE_BYTES * 4 // 3 + 4  # the longest `image` accepted
MAX_SIGNATURE_SIDE = 3000
MAX_SEAL_BYTES = 1024 * 1024
MAX_SEAL_SIDE = 2000
# 劳动争议调解仲裁法 art. 16: a payment order for pay, work-injury medical costs, economic compensation, damages.
CATEGORIES = ("wages", "injury_medical", "compensation", "damages", "other")
PAYMENT_ORDER_CATEGORIES = frozenset({"wages", "injury_medical", "compensation", "damages"})
SEALS = "centre_seals"  # _id = centre id: {blob_id, sm3, uploaded_at, uploaded_by}
CHANNEL = "backoffice"
# Who signs for an organisation: its legal representative (民法典 art. 61) or an agent it authorised in writing
# (arts. 162, 165). Either way a named natural person; the seal only goes beside their signature.
CAPACITIES = ("legal_representative", "agent")
MAX_AGENT_NAME = 50
AUTHORITY_FIELDS = ("agent_name", "file_id", "recorded_at", "recorded_by", "recorded_by_name")
# What the signed agreement keeps of each signature.
SIGNED_FIELDS = (
    "role",
    "by",
    "name",
    "identity",
    "proof",
    "at",
    "blob_id",
    "sm3",
    "signatory",
    "capacity",
    "authority",
    "seal_blob_id",
    "seal_sm3",
)


@dataclass(frozen=True)
class Signer:
    """Who signs: a party (their person id) or the mediator (their login), and how they are signed in."""

    role: str  # mediator; for a party the role of the route they came through, or "": whichever party they are
    id: str
    identity: str  # the signed-in identity the front saw: "h5:<person>", "mp:<person>", "office:<login>"
    member: StaffMember | None = None  # the mediator's account


# ---------------------------------------------------------------- the draft


def check_draft(
    form: Mapping[str, str], rows: list[dict[str, str]], today: date, session_held: bool = True
) -> dict[str, Any]:
    """The terms as numbered items (text, amount, due date, manner, category), what is waived, the copies.

    Every term has a due date (its performance is followed from the day after); at least three copies. An
    agreement is reached in a session; without one held (`session_held`), the mediator says how it was reached
    (`without_session`: by telephone, the parties came in together...), which the timeline keeps.
    """
    errors: list[FieldError] = []
    without_session = (form.get("without_session") or "").strip()
    if not session_held and not without_session:
        errors.append(field_error("without_session", "required", "error.required.without_session"))
    elif len(without_session) > MAX_WITHOUT_SESSION:
        errors.append(
            field_error("without_session", "too_long", "error.too_long.without_session", limit=MAX_WITHOUT_SESSION)
        )
    terms = []
    # A row is given when anything but its category (a list with a default) was filled in.
    filled = [r for r in rows if any((r.get(k) or "").strip() for k in ("text", "amount", "due_date", "method"))]
    for i, row in enumerate(filled[:MAX_TERMS]):
        where = f"terms[{i}]"
        text = (row.get("text") or "").strip()
        if not text:
            errors.append(field_error(f"{where}.text", "required", "error.required.term_text", number=i + 1))
        elif len(text) > MAX_ITEM_TEXT:
            errors.append(
                field_error(f"{where}.text", "too_long", "error.too_long.term_text", number=i + 1, limit=MAX_ITEM_TEXT)
            )
        due = (row.get("due_date") or "").strip()
        if not due:
            errors.append(field_error(f"{where}.due_date", "required", "error.required.term_due", number=i + 1))
        else:
            day = read_date(due)
            if day is None or day < today:
                errors.append(field_error(f"{where}.due_date", "invalid", "error.invalid.term_due_date", number=i + 1))
            else:
                due = day.isoformat()
        category = (row.get("category") or "other").strip()
        if category not in CATEGORIES:
            errors.append(
                field_error(f"{where}.category", "not_allowed", "error.not_allowed.term_category", number=i + 1)
            )
        amount = check_amount(row.get("amount", ""), f"{where}.amount", errors, "agreement_term")
        method = (row.get("method") or "").strip()[:100]
        terms.append({"text": text, "amount": amount, "due_date": due, "method": method, "category": category})
    if len(filled) > MAX_TERMS:
        errors.append(field_error("terms", "too_many", "error.too_many.terms", limit=MAX_TERMS))
    if not terms:
        errors.append(field_error("terms", "required", "error.required.terms"))
    copies = read_whole(form.get("copies") or MIN_COPIES) or 0
    if not MIN_COPIES <= copies <= MAX_COPIES:
        errors.append(field_error("copies", "invalid", "error.invalid.copies", low=MIN_COPIES, high=MAX_COPIES))
    waivers = (form.get("waivers") or "").strip()
    if len(waivers) > MAX_WAIVERS:
        errors.append(field_error("waivers", "too_long", "error.too_long.waivers", limit=MAX_WAIVERS))
    if errors:
        raise ValidationFailed(errors)
    return {"terms": terms, "waivers": waivers, "copies": copies} | (
        {"without_session": without_session} if without_session and not session_held else {}
    )


async def draft(
    ctx: ServiceContext, member: StaffMember, serial: str, form: Mapping[str, str], rows: list[dict[str, str]]
) -> Case:
    """The mediator's draft: the case moves to `signing` and both parties are asked to sign on their phones."""
    doc = await access.for_staff(ctx, member, serial, PARTIES_PROJECTION | {"agreement": 1, "status": 1})
    now = ctx.clock()
    checked = check_draft(form, rows, now.astimezone(SHANGHAI).date(), session_held=doc["status"] == workflow.MEDIATING)
    if await ctx.db[SEALS].find_one({"_id": doc["centre"]["id"]}, {"_id": 1}) is None:
        raise Conflict("seal_missing", field="seal")  # the agreement takes effect under the centre's seal
    previous = (doc.get("agreement") or {}).get("version")
    version = int(previous or 0) + 1
    agreement = checked | {"version": version, "drafted_at": now, "drafted_by": member.login, "signatures": []}
    lines: list[Line] = [("serial", serial), ("next_step", msg("notice.value.please_sign"))]
    notices = party_notices(doc, "draft_agreement", now, lines, page="/agreement")  # each party signs there
    # Conditional on the version read: two drafts at once cannot both become version N.
    return await moves.apply_move(
        ctx,
        serial,
        "draft_agreement",
        ("staff", member.login),
        CHANNEL,
        when={"agreement.version": previous},
        set_fields={"agreement": agreement},
        notify=notices,
        note=msg("event.note.version", version=version).text()
        + (f"（{checked['without_session']}）" if checked.get("without_session") else ""),
    )


async def revise(ctx: ServiceContext, member: StaffMember, serial: str) -> Case:
    """Back to mediating to change the draft: every signature so far is void (kept, marked void)."""
    doc = await access.for_staff(ctx, member, serial, PARTIES_PROJECTION | {"agreement": 1})
    now = ctx.clock()
    agreement = doc.get("agreement") or {}
    voided = {"version": agreement.get("version"), "voided_at": now, "signatures": agreement.get("signatures", [])}
    notices = party_notices(doc, "revise_agreement", now, [("serial", serial), ("status", msg("notice.value.revised"))])
    return await moves.apply_move(
        ctx,
        serial,
        "revise_agreement",
        ("staff", member.login),
        CHANNEL,
        when={"agreement.version": agreement.get("version")},
        set_fields={"agreement.signatures": []},
        push_fields={"agreement_voided": voided},
        notify=notices,
    )


# ---------------------------------------------------------------- signatures


def signature_png(image: Any, field: str = "image") -> bytes:
    """A drawn signature: a PNG data URL (or its base64), a real PNG of sensible size, re-encoded without
    anything but its pixels; 422 naming the field otherwise."""
    if not isinstance(image, str) or not image:
        raise ValidationFailed([field_error(field, "required", "error.required.signature")])
    payload = image.split(",", 1)[1] if image.startswith("data:") else image
    if image.startswith("data:") and not image.startswith(PNG_DATA_URL):
        raise ValidationFailed([field_error(field, "not_png", "error.not_png.signature")])
    if len(payload) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        kb = MAX_SIGNATURE_BYTES // 1024
        raise ValidationFailed([field_error(field, "too_large", "error.too_large.signature", kb=kb)])
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed([field_error(field, "not_png", "error.not_png.signature")]) from None
    return _reencoded(raw, field, "signature", MAX_SIGNATURE_SIDE, ("PNG",))


def _reencoded(raw: bytes, field: str, what: str, max_side: int, formats: tuple[str, ...]) -> bytes:
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format not in formats:
                raise ValidationFailed([field_error(field, "not_png", f"error.not_png.{what}")])
            width, height = image.size
            if not (20 <= width <= max_side and 20 <= height <= max_side):
                raise ValidationFailed([field_error(field, "bad_size", f"error.bad_size.{what}", side=max_side)])
            image.load()
            out = io.BytesIO()
            image.convert("RGBA").save(out, "PNG")  # pixels only: no text chunks, no profile
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationFailed([field_error(field, "not_png", f"error.not_png.{what}")]) from None


def _version(value: Any) -> int:
    version = read_whole(value)
    if version is None or version < 1:
        raise ValidationFailed([field_error("version", "invalid", "error.invalid.agreement_version")])
    return version


async def _case_for(ctx: ServiceContext, signer: Signer, serial: str) -> tuple[dict[str, Any], Signer]:
    """The case, read once and authorised, and the signer with their role in it."""
    fields = PARTIES_PROJECTION | {
        "status": 1,
        "agreement": 1,
        "applicant": 1,  # the names, the legal representative, the phones the identity proof names (masked)
        "respondent": 1,
        "authorities": 1,
        "mediator": 1,
        "centre": 1,
        "created_at": 1,  # a refusal ends the case: its limitation is told (services/cases/ends.py)
        "claim": 1,
    }
    if signer.role == "mediator":
        assert signer.member is not None
        return await access.for_staff(ctx, signer.member, serial, fields), signer
    doc, role = await access.for_party(ctx, signer.id, serial, fields, signer.role or None)
    return doc, replace(signer, role=role)


def _check_signable(doc: Mapping[str, Any], signer: Signer, version: int) -> dict[str, Any]:
    agreement = doc.get("agreement") or {}
    if doc["status"] != workflow.SIGNING:
        raise Conflict("not_signing", field="version", current=workflow.status_label(doc["status"]))
    if agreement.get("version") != version:
        raise Conflict("agreement_revised", field="version")  # a signature of a draft since revised
    if any(s["role"] == signer.role for s in agreement.get("signatures", [])):
        raise Conflict("already_signed", field="image")
    if signer.role == "mediator" and (doc.get("mediator") or {}).get("login") not in (None, signer.id):
        raise Forbidden("not_the_mediator")
    return agreement


def _name(doc: Mapping[str, Any], signer: Signer) -> str:
    if signer.role == "mediator":
        return signer.member.name if signer.member else signer.id
    return str((doc.get(signer.role) or {}).get("name") or "")


def _on_behalf(doc: Mapping[str, Any], signer: Signer, body: Mapping[str, Any]) -> dict[str, Any]:
    """For the organisation party, the natural person who signs for it and in what capacity (民法典 arts. 61, 162):
    its legal representative as the case names them, or the agent whose authorisation the mediator recorded
    (art. 165). {} for a worker or the mediator. 422 without a capacity, 409 when the case cannot back it."""
    if signer.role != organisation_role(doc["kind"]):
        return {}
    capacity = body.get("capacity")
    if capacity not in CAPACITIES:
        raise ValidationFailed([field_error("capacity", "required", "error.required.signing_capacity")])
    party = doc.get(signer.role) or {}
    if capacity == "legal_representative":
        representative = one_line(str(party.get("legal_representative_name") or "")).strip()
        if not representative:
            raise Conflict("legal_representative_unknown", field="capacity")
        return {"signatory": representative, "capacity": capacity}
    authority = (doc.get("authorities") or {}).get(signer.role)
    if not authority:
        raise Conflict("authority_not_recorded", field="capacity")  # the mediator sees the 授权委托书 first
    return {
        "signatory": authority["agent_name"],
        "capacity": capacity,
        "authority": {k: authority[k] for k in AUTHORITY_FIELDS if k in authority},
    }


async def _proof(ctx: ServiceContext, doc: Mapping[str, Any], signer: Signer) -> dict[str, Any]:
    """The identity proof the signer's sign-in rests on: the one-time code sent to the party's phone (masked) or
    the social security card with which they proved the invitation; else the card-verified person, or the WeChat
    sign-in of the front they used; the mediator's staff account."""
    if signer.role == "mediator":
        return {"method": "staff"}
    invited = doc.get(f"{signer.role}_access") or {}
    if invited.get("person_id") == signer.id and invited.get("claimed_by"):
        if invited["claimed_by"] == "card":
            return {"method": "card"}
        field = (
            respondent_phone_field(doc["kind"]) if signer.role == "respondent" else applicant_phone_field(doc["kind"])
        )
        return {"method": "sms", "phone": str(masked_party(doc.get(signer.role) or {}).get(field) or "")}
    person = await ctx.db["persons"].find_one({"_id": signer.id}, {"verified": 1})
    if person and person.get("verified"):
        return {"method": "card"}
    return {"method": "wechat_mp" if signer.identity.startswith("mp:") else "wechat_h5"}


async def sign(
    ctx: ServiceContext, blobs: BlobStore, signer: Signer, serial: str, body: Mapping[str, Any], channel: str
) -> dict[str, Any]:
    """One signature on the current draft; the last required one settles the case. Returns the agreement view."""
    version = _version(body.get("version"))
    doc, signer = await _case_for(ctx, signer, serial)  # whose case, and whether it is theirs to sign now, first
    agreement = _check_signable(doc, signer, version)
    png = await ctx.run_blocking(signature_png, body.get("image"))  # decoding an image: off the event loop
    on_behalf = _on_behalf(doc, signer, body)
    seal = await ctx.run_blocking(signature_png, body["seal"], "seal") if on_behalf and body.get("seal") else None
    proof = await _proof(ctx, doc, signer)
    blob_id = await blobs.put(io.BytesIO(png))  # encrypted at rest; referenced only once the write succeeds
    now = ctx.clock()
    signature = {
        "role": signer.role,
        "by": signer.id,
        "name": _name(doc, signer),
        "identity": signer.identity,
        "proof": proof,
        "channel": channel,
        "at": now,
        "blob_id": blob_id,
        "sm3": sm3_hex(png),
        "version": version,
        **on_behalf,
    }
    if seal is not None:  # the organisation's seal, beside the signature of the person who signed for it
        signature |= {"seal_blob_id": await blobs.put(io.BytesIO(seal)), "seal_sm3": sm3_hex(seal)}
    others = [r for r in ROLES if r != signer.role]
    signed = {s["role"] for s in agreement.get("signatures", [])}
    actor = (signer.role if signer.role != "mediator" else "staff", signer.id)
    note = msg("event.note.signed_as", role=msg(f"label.signer.{signer.role}")).text()
    if set(others) <= signed:  # the last one: the agreement takes effect now
        # Two conditions on one path, each in its own clause: mongomock ignores a second operator beside $all.
        both = {
            "$and": [
                {"agreement.signatures.role": {"$all": others}},
                {"agreement.signatures.role": {"$nin": [signer.role]}},
            ]
        }
        return await _settle(
            ctx, doc, agreement, [*agreement.get("signatures", []), signature], actor, channel, note, when=both
        )
    updated = await moves.record_event(
        ctx,
        serial,
        "sign",
        actor,
        channel,
        workflow.SIGNING,
        when={
            "status": workflow.SIGNING,
            "agreement.version": version,
            "agreement.signatures.role": {"$ne": signer.role},
        },
        push_fields={"agreement.signatures": signature},
        note=note,
        projection={"agreement": 1, **PARTIES_PROJECTION, "status": 1, "centre": 1},
    )
    if updated is None:
        await blobs.delete(blob_id)
        if signature.get("seal_blob_id"):
            await blobs.delete(signature["seal_blob_id"])
        raise Conflict("agreement_revised", field="version")
    after = updated["agreement"]
    if set(ROLES) <= {s["role"] for s in after["signatures"]}:  # another last signature raced ours
        return await _settle(
            ctx,
            updated | {"_id": serial},
            after,
            after["signatures"],
            actor,
            channel,
            note,
            when={"agreement.signatures.role": {"$all": list(ROLES)}},
            push=False,
        )
    return agreement_view(after, updated["status"])


async def _settle(
    ctx: ServiceContext,
    doc: Mapping[str, Any],
    agreement: Mapping[str, Any],
    signatures: Sequence[Mapping[str, Any]],
    actor: moves.Actor,
    channel: str,
    note: str,
    when: dict[str, Any],
    push: bool = True,
) -> dict[str, Any]:
    """The move to `settled`: effective at the last signature's time, each term's performance to follow."""
    effective_at = max(s["at"] for s in signatures)
    final = {k: agreement[k] for k in ("version", "terms", "waivers", "copies")} | {
        "signatures": [{k: s[k] for k in SIGNED_FIELDS if k in s} for s in signatures],
        "effective_at": effective_at,
        "effective_date": effective_at.astimezone(SHANGHAI).date().isoformat(),
    }
    terms_text = "；".join(t["text"] for t in agreement["terms"])
    performance = [
        {"term": i, "due_date": t["due_date"], "state": "pending", "asked_at": None, "reports": []}
        for i, t in enumerate(agreement["terms"])
    ]
    # The next right of a settled case and its last day: a joint judicial confirmation within 30 days of the
    # agreement's effect (民事诉讼法 art. 205; the routes, services/cases/performance.py).
    calendar = (await load_work_calendar(ctx)).for_centre(doc["centre"]["id"])
    window = calendar_days_deadline(effective_at, CONFIRMATION_DAYS, calendar)
    lines = [
        ("serial", doc["_id"]),
        ("result", msg("notice.value.agreement_reached")),
        ("next_step", msg("notice.value.confirm_by", date=window.due.isoformat())),
    ]
    notices = party_notices(doc, "settle", effective_at, lines)  # a delegating court's too (services/court/events.py)
    updated = await moves.apply_move(
        ctx,
        doc["_id"],
        "settle",
        actor,
        channel,
        case=doc,
        when={"agreement.version": agreement["version"], **when},
        set_fields={
            "outcome": {"kind": "settled", "at": effective_at, "agreement": final, "terms_text": terms_text},
            "performance": performance,
        },
        push_fields={"agreement.signatures": signatures[-1]} if push else None,
        notify=notices,
        note=note,
    )
    return agreement_view(updated["agreement"], updated["status"], updated.get("outcome"))


async def refuse(ctx: ServiceContext, signer: Signer, serial: str, body: Mapping[str, Any], channel: str) -> Case:
    """A party refuses to sign: the mediation ends without agreement (法释〔2021〕23号 art. 25 (7))."""
    version = _version(body.get("version"))
    reason = body.get("reason") or ""
    if not isinstance(reason, str) or len(reason.strip()) > MAX_WAIVERS:
        raise ValidationFailed([field_error("reason", "too_long", "error.too_long.refusal", limit=MAX_WAIVERS)])
    doc, signer = await _case_for(ctx, signer, serial)
    _check_signable(doc, signer, version)
    now = ctx.clock()
    words = msg(f"label.signer.{signer.role}")
    note = msg("event.note.refused_sign", role=words, reason=f"：{reason.strip()}" if reason.strip() else "").text()
    outcome = {"kind": "failed", "at": now, "closure_reason": "refused_to_sign", "reason": note}
    lines: list[Line] = [("serial", serial), ("reason", msg("label.closure_reason.refused_to_sign"))]
    # Each party told with their own next right, the end's papers owed (services/cases/ends.py).
    notices = ends.end_notices(doc, "fail", now, await load_work_calendar(ctx), lines, outcome)
    actor = (signer.role if signer.role != "mediator" else "staff", signer.id)
    return await moves.apply_move(
        ctx,
        serial,
        "fail",
        actor,
        channel,
        case=doc,  # without the art. 21 report: a delegating court awaits the mediator's (services/court/ends.py)
        when={"agreement.version": version},
        set_fields=ends.end_fields(doc, "failed", outcome),
        notify=notices,
        note=note,
    )


# ---------------------------------------------------------------- an agent's authority


async def record_authority(ctx: ServiceContext, member: StaffMember, serial: str, form: Mapping[str, str]) -> Case:
    """The mediator saw the written authorisation (授权委托书) of the agent who will sign for the organisation party
    and records it: the agent's name and the file among that party's evidence (民法典 art. 165: it names the agent,
    the matters, the powers and the term, signed or sealed by the organisation). Until then the agent cannot sign
    for it; a later record replaces the earlier one."""
    fields = {"kind": 1, "status": 1, "evidence": 1, "respondent_evidence": 1}
    doc = await access.for_staff(ctx, member, serial, fields)
    role = organisation_role(doc["kind"])
    name = one_line(form.get("agent_name") or "").strip()
    file_id = (form.get("file_id") or "").strip().lower()
    errors: list[FieldError] = []
    if not name:
        errors.append(field_error("agent_name", "required", "error.required.agent_name"))
    elif len(name) > MAX_AGENT_NAME:
        errors.append(field_error("agent_name", "too_long", "error.too_long.agent_name", limit=MAX_AGENT_NAME))
    files = doc.get("evidence" if role == "applicant" else "respondent_evidence") or []
    if file_id not in files:
        errors.append(field_error("file_id", "not_allowed", "error.not_allowed.authority_file"))
    if errors:
        raise ValidationFailed(errors)
    now = ctx.clock()
    record = {
        "agent_name": name,
        "file_id": file_id,
        "recorded_at": now,
        "recorded_by": member.login,
        "recorded_by_name": member.name,
    }
    updated = await moves.record_event(
        ctx,
        serial,
        "authority_recorded",
        ("staff", member.login),
        CHANNEL,
        doc["status"],
        set_fields={f"authorities.{role}": record},
        note=msg("event.note.authority", agent=name).text(),
        projection={"authorities": 1},
    )
    if updated is None:
        raise NotFound("case_not_found")
    return updated


# ---------------------------------------------------------------- views and images


async def images(ctx: ServiceContext, blobs: BlobStore, doc: Mapping[str, Any]) -> dict[str, bytes]:
    """The PNGs docgen places: each signature of the signed agreement, and the centre's seal."""
    out: dict[str, bytes] = {}
    agreement = ((doc.get("outcome") or {}).get("agreement")) or {}
    for signature in agreement.get("signatures") or []:
        out[f"sig_{signature['role']}"] = await blobs.read(signature["blob_id"])
        if signature.get("seal_blob_id"):  # an organisation's seal, beside its signatory's signature
            out[f"seal_{signature['role']}"] = await blobs.read(signature["seal_blob_id"])
    seal = await seal_png(ctx, blobs, doc["centre"]["id"])
    if seal:
        out["seal"] = seal
    return out


# ---------------------------------------------------------------- the seal


def seal_too_large() -> ServiceError:
    """A seal image over MAX_SEAL_BYTES (its page shows these words for a body too large to read as well)."""
    return ServiceError(413, "too_large", msg("error.too_large.seal", kb=MAX_SEAL_BYTES // 1024), "seal")


async def upload_seal(
    ctx: ServiceContext, blobs: BlobStore, member: StaffMember, centre_id: str, data: bytes
) -> dict[str, Any]:
    """The centre's seal image, uploaded by its administrator (a system administrator for any centre)."""
    own = member.role == SYSTEM_ADMIN or (member.role == CENTRE_ADMIN and member.centre_id == centre_id)
    if not own:
        raise Forbidden("seal_not_yours")
    if centre_id not in await centres.directory(ctx):
        raise NotFound("unknown_centre", centre=centre_id)
    if not data:
        raise ValidationFailed([field_error("seal", "required", "error.required.seal")])
    if len(data) > MAX_SEAL_BYTES:
        raise seal_too_large()
    png = await ctx.run_blocking(_reencoded, data, "seal", "seal", MAX_SEAL_SIDE, ("PNG", "JPEG"))
    blob_id = await blobs.put(io.BytesIO(png))
    now = ctx.clock()
    record = {"blob_id": blob_id, "sm3": sm3_hex(png), "uploaded_at": now, "uploaded_by": member.login}
    await ctx.db[SEALS].update_one({"_id": centre_id}, {"$set": record}, upsert=True)
    return {"centre": centre_id, "sm3": record["sm3"], "uploaded_at": shanghai_iso(now)}


async def seal_png(ctx: ServiceContext, blobs: BlobStore, centre_id: str) -> bytes | None:
    record = await ctx.db[SEALS].find_one({"_id": centre_id})
    return await blobs.read(record["blob_id"]) if record else None


async def seal_info(ctx: ServiceContext, centre_id: str) -> dict[str, Any] | None:
    record = await ctx.db[SEALS].find_one({"_id": centre_id})
    if record is None:
        return None
    return {"sm3": record["sm3"], "uploaded_at": shanghai_iso(record["uploaded_at"]), "by": record["uploaded_by"]}


def effective_date(doc: Mapping[str, Any]) -> date | None:
    """The day the agreement took effect, in Shanghai (None before)."""
    agreement = (doc.get("outcome") or {}).get("agreement") or {}
    at = agreement.get("effective_at")
    return at.astimezone(SHANGHAI).date() if isinstance(at, datetime) else None
