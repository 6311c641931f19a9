"""The special-invite roster (特邀调解名册): centres and mediators proposed to a partner court, and its decisions.

An administrator proposes a centre or one of its mediators to a partner (`propose`); the entry waits in `roster`
(state `queued`) until the background pass sends it (`send_due`: `POST {callback_base}roster {"entries": [...]}`,
retried with back-off while the partner is down, `refused` with its words if it answers 4xx). The partner's
decision comes back (`decide`, `POST /api/docking/roster/{entry_id}/decision`): confirmed, rejected or removed.
Only mediators the partner confirmed are offered for its delegations (services/court/delegations.py). Each centre's
refusals of a partner's delegations are counted beside its entries (the court weighs repeated refusals without
good reason when it keeps its roster: 特邀调解规定 art. 29).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument

from i18n import msg
from platforms.court import CourtClient, PartnerUnavailable
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember, sees_centre, visible_centres
from services.cases import workflow
from services.cases.queue import mediators_of
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed, field_error
from services.court.partners import partner_time
from services.directory import centres
from services.directory.regions import regions
from settings import Partner

ROSTER = "roster"
SUBJECTS = ("centre", "mediator")
DECISIONS = ("confirmed", "rejected", "removed")
OPEN = ("queued", "sent", "confirmed")  # an entry in one of these blocks proposing the same subject again
MAX_TEXT, MAX_TYPES, MAX_REASON = 500, 10, 1000
DEFAULT_DISPUTE_TYPES = ("roster.dispute.labour", "roster.dispute.personnel")  # catalogue keys
BATCH = 50
BACKOFF_CAP = timedelta(minutes=10)
ENTRY_ID = re.compile(r"^[0-9a-f]{32}$")


def _admin(member: StaffMember) -> None:
    if member.role not in (CENTRE_ADMIN, SYSTEM_ADMIN):
        raise Forbidden("roster_admin_only")


def _text(form: Mapping[str, Any], name: str, errors: list[FieldError], limit: int = MAX_TEXT) -> str:
    value = form.get(name)
    given = value.strip() if isinstance(value, str) else ""
    if len(given) > limit:
        errors.append(field_error(name, "too_long", "error.too_long.docking_field", name=name, limit=limit))
    return given[:limit]


async def _performance(ctx: ServiceContext, centre_id: str, login: str = "") -> dict[str, Any]:
    """What the court reads of a candidate's record: cases closed and settled (two counts)."""
    scope: dict[str, Any] = {"centre.id": centre_id} | ({"mediator.login": login} if login else {})
    closed = await ctx.db["cases"].count_documents(scope | {"status": {"$in": sorted(workflow.CLOSED)}})
    settled = await ctx.db["cases"].count_documents(scope | {"status": workflow.SETTLED})
    return {
        "cases_closed": closed,
        "cases_settled": settled,
        "success_rate": f"{settled / closed:.2f}" if closed else "",
    }


async def propose(ctx: ServiceContext, member: StaffMember, form: Mapping[str, Any]) -> dict[str, Any]:
    """An entry for a partner's roster: a centre the member administers, or one of its mediators."""
    _admin(member)
    errors: list[FieldError] = []
    partner = ctx.settings.docking.partner(str(form.get("partner_id") or ""))
    if partner is None:
        errors.append(field_error("partner_id", "unknown", "error.unknown.partner"))
    subject = str(form.get("subject") or "")
    if subject not in SUBJECTS:
        errors.append(field_error("subject", "not_allowed", "error.not_allowed.roster_subject"))
    centre_id = str(form.get("centre_id") or member.centre_id)
    known = await centres.directory(ctx)
    centre = known.get(centre_id)
    if centre is None or not await sees_centre(ctx, member, centre_id):
        errors.append(field_error("centre_id", "not_allowed", "error.not_allowed.centre"))
    login = str(form.get("login") or "").strip()
    mediator = None
    if subject == "mediator" and centre is not None:
        mediator = next((m for m in await mediators_of(ctx, centre_id) if m.login == login), None)
        if mediator is None:
            errors.append(field_error("login", "unknown", "error.unknown.mediator"))
    raw_types = form.get("dispute_types")
    types = raw_types if isinstance(raw_types, list) else re.split(r"[\n,，、;；]+", str(raw_types or ""))
    dispute_types = [t.strip()[:50] for t in types if isinstance(t, str) and t.strip()][:MAX_TYPES]
    expertise, fees, training = (_text(form, name, errors) for name in ("expertise", "fees", "training"))
    if errors:
        raise ValidationFailed(errors)
    assert partner is not None and centre is not None
    if await ctx.db[ROSTER].find_one(
        {
            "partner_id": partner.id,
            "centre_id": centre_id,
            "subject": subject,
            "login": login if mediator else "",
            "state": {"$in": list(OPEN)},
        }
    ):
        raise Conflict("roster_already_proposed", field="subject")
    now = ctx.clock()
    names = regions()
    entry = {
        "_id": uuid.uuid4().hex,
        "partner_id": partner.id,
        "subject": subject,
        "centre_id": centre_id,
        "login": login if mediator else "",
        "fields": {
            "name": mediator.name if mediator else centre.name,
            "type": "mediator" if mediator else "organisation",
            "level": centre.level,
            "centre": {"id": centre.id, "name": centre.name},
            "region": [{"code": c, "name": names.full_name(c) or c} for c in centre.region_codes],
            "inviting_court": partner.name,
            "dispute_types": dispute_types or [msg(k).text() for k in DEFAULT_DISPUTE_TYPES],
            "expertise": expertise,
            "fees": fees or msg("roster.fees_free").text(),
            "training": training,
            "performance": await _performance(ctx, centre_id, login if mediator else ""),
            "address": centre.address,
            "phone": centre.phone,
        },
        "state": "queued",
        "proposed_at": now,
        "proposed_by": member.login,
        "attempts": 0,
        "next_attempt_at": now,
        "sent_at": None,
        "last_error": None,
        "decision": None,
        "history": [],
    }
    await ctx.db[ROSTER].insert_one(entry)
    return view(entry)


def view(entry: Mapping[str, Any]) -> dict[str, Any]:
    decision = entry.get("decision") or {}
    return {
        "entry_id": entry["_id"],
        "partner_id": entry["partner_id"],
        "subject": entry["subject"],
        "centre_id": entry["centre_id"],
        "login": entry.get("login", ""),
        "name": entry["fields"]["name"],
        "state": entry["state"],
        "state_label": msg(f"roster.state.{entry['state']}").text(),
        "proposed_at": shanghai_iso(entry["proposed_at"]),
        "sent_at": shanghai_iso(entry.get("sent_at")),
        "last_error": entry.get("last_error") or "",
        "decided_at": decision.get("decided_at", ""),
        "reason": decision.get("reason", ""),
        "fields": entry["fields"],
    }


def payload(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One entry as the partner receives it (docs/contracts.md#we-call-the-partner: name, type, region, inviting
    court, dispute types, expertise, fees, training; and the record so far)."""
    return {"entry_id": entry["_id"], **entry["fields"]}


async def send_due(ctx: ServiceContext, client: CourtClient) -> int:
    """One pass: every partner's queued entries sent in one request each; returns how many were sent."""
    now = ctx.clock()
    due = await ctx.db[ROSTER].find({"state": "queued", "next_attempt_at": {"$lte": now}}).limit(BATCH).to_list(BATCH)
    by_partner: dict[str, list[dict[str, Any]]] = {}
    for entry in due:
        by_partner.setdefault(entry["partner_id"], []).append(entry)
    sent = 0
    for partner_id, entries in by_partner.items():
        partner = ctx.settings.docking.partner(partner_id)
        if partner is None:
            continue
        sent += await _send(ctx, client, partner, entries)
    return sent


async def _send(ctx: ServiceContext, client: CourtClient, partner: Partner, entries: list[dict[str, Any]]) -> int:
    ids = [e["_id"] for e in entries]
    try:
        answer = await client.post(
            partner.callback_base + "roster", partner.key, {"entries": [payload(e) for e in entries]}
        )
    except PartnerUnavailable as exc:
        for entry in entries:  # each waits longer the more often it was tried
            wait = min(BACKOFF_CAP, timedelta(seconds=2 ** min(int(entry.get("attempts") or 0) + 1, 12)))
            await ctx.db[ROSTER].update_one(
                {"_id": entry["_id"], "state": "queued"},
                {"$set": {"next_attempt_at": ctx.clock() + wait, "last_error": str(exc)}, "$inc": {"attempts": 1}},
            )
        return 0
    now = ctx.clock()
    change = (
        {"state": "sent", "sent_at": now, "last_error": None}
        if answer.ok
        else {"state": "refused", "last_error": answer.problem()}
    )
    for entry_id in ids:
        await ctx.db[ROSTER].update_one({"_id": entry_id, "state": "queued"}, {"$set": change, "$inc": {"attempts": 1}})
    return len(ids) if answer.ok else 0


async def decide(ctx: ServiceContext, partner: Partner, entry_id: str, body: Any) -> dict[str, Any]:
    """The partner's decision on one of our entries; the same decision again answers the same (idempotent)."""
    if not ENTRY_ID.match(entry_id or ""):
        raise NotFound("roster_entry_not_found")
    errors: list[FieldError] = []
    body = body if isinstance(body, Mapping) else {}
    decision = body.get("decision")
    if decision not in DECISIONS:
        errors.append(field_error("decision", "not_allowed", "error.not_allowed.roster_decision"))
    decided_at = _time(body.get("decided_at"), "decided_at", errors, ctx.clock())
    reason = body.get("reason") or ""
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        errors.append(field_error("reason", "invalid", "error.invalid.docking_reason", limit=MAX_REASON))
    if errors:
        raise ValidationFailed(errors)
    entry = await ctx.db[ROSTER].find_one({"_id": entry_id, "partner_id": partner.id})
    if entry is None:
        raise NotFound("roster_entry_not_found")
    current = entry["state"]
    if current == decision:
        return view(entry)
    allowed = {
        "confirmed": ("queued", "sent", "refused"),
        "rejected": ("queued", "sent", "refused"),
        "removed": ("confirmed",),
    }[decision]
    if current not in allowed:
        raise Conflict("roster_decision_not_allowed", field="decision", current=msg(f"roster.state.{current}"))
    record = {"decision": decision, "decided_at": decided_at, "reason": reason.strip(), "received_at": ctx.clock()}
    change = {"$set": {"state": decision, "decision": record}, "$push": {"history": record}}
    updated = await ctx.db[ROSTER].find_one_and_update(
        {"_id": entry_id, "state": current}, change, return_document=ReturnDocument.AFTER
    )
    if updated is None:
        raise Conflict("roster_decision_not_allowed", field="decision", current=msg(f"roster.state.{current}"))
    return view(updated)


def _time(value: Any, name: str, errors: list[FieldError], now: datetime) -> str:
    if value in (None, ""):
        return ""
    try:
        moment = partner_time(value, now)
    except ValueError:
        errors.append(field_error(name, "invalid", "error.invalid.docking_time"))
        return ""
    return shanghai_iso(moment) or ""


async def on_roster(ctx: ServiceContext, partner_id: str, centre_id: str, login: str) -> bool:
    """Whether the partner confirmed this mediator of the centre on its special-invite roster (one read)."""
    entry = await ctx.db[ROSTER].find_one(
        {"partner_id": partner_id, "centre_id": centre_id, "subject": "mediator", "login": login, "state": "confirmed"},
        {"_id": 1},
    )
    return entry is not None


async def confirmed_mediators(ctx: ServiceContext, partner_id: str, centre_id: str) -> set[str]:
    cursor = ctx.db[ROSTER].find(
        {"partner_id": partner_id, "centre_id": centre_id, "subject": "mediator", "state": "confirmed"}, {"login": 1}
    )
    return {e["login"] for e in await cursor.to_list(None)}


async def listing(ctx: ServiceContext, member: StaffMember) -> dict[str, Any]:
    """The back office's roster page: the partners, the entries of the centres the member sees with their state, and
    each centre's refusals of each partner's delegations (returned cases)."""
    _admin(member)
    visible = await visible_centres(ctx, member)
    scope: dict[str, Any] = {} if visible is None else {"centre_id": {"$in": sorted(visible)}}
    entries = await ctx.db[ROSTER].find(scope).sort("proposed_at", -1).to_list(500)
    refusals: dict[tuple[str, str], int] = {}
    for entry in entries:
        key = (entry["partner_id"], entry["centre_id"])
        if key not in refusals:
            refusals[key] = await ctx.db["cases"].count_documents(
                {"docking.partner_id": key[0], "centre.id": key[1], "status": workflow.RETURNED}
            )
    known = await centres.directory(ctx)
    own = [c for c in known.centres if visible is None or c.id in visible]
    mediators = {c.id: [{"login": m.login, "name": m.name} for m in await mediators_of(ctx, c.id)] for c in own}
    return {
        "partners": [{"id": p.id, "name": p.name, "kind": p.kind} for p in ctx.settings.docking.partners],
        "entries": [view(e) | {"refusals": refusals[(e["partner_id"], e["centre_id"])]} for e in entries],
        "centres": [{"id": c.id, "name": c.name} for c in own],
        "mediators": mediators,
    }
