"""What people do to a case after it is submitted: a mediator assigned, the staff's decisions, the withdrawal.

Each is checked here and written by the case writer (services/cases/moves.py) with its timeline
event and the notification it causes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from i18n import msg
from services.accounts.staff import StaffMember
from services.cases import access, moves, workflow
from services.cases.clarification import MAX_ITEM_TEXT, check_amount
from services.cases.outbox import applicant_notice
from services.cases.queue import mediators_of
from services.cases.views import case_detail
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.errors import Conflict, FieldError, NotFound, ValidationFailed, field_error, invalid

CHANNEL = "backoffice"
STAFF_DECISIONS = ("accept", "decline", "schedule", "open_session", "settle", "fail")
MAX_REASON = 1000
MAX_WITHDRAW_REASON = 500
MAX_PLACE = 200
_URL = re.compile(r"^https://[^\s]{3,300}$")


def _staff(member: StaffMember) -> moves.Actor:
    return ("staff", member.login)


async def assign(ctx: ServiceContext, member: StaffMember, serial: str, mediator_login: str) -> dict[str, Any]:
    """Put a mediator of the case's centre in charge: not a move, allowed in any open status."""
    doc = await access.for_staff(ctx, member, serial, {"status": 1, "owner_person_id": 1})
    mediator = next((m for m in await mediators_of(ctx, doc["centre"]["id"]) if m.login == mediator_login), None)
    if mediator is None:
        raise invalid("mediator", "unknown", "error.unknown.mediator")
    now = ctx.clock()
    notice = applicant_notice(doc["owner_person_id"], "assigned", f"/h5/cases/{serial}", now,
                              [("mediator", mediator.name)])  # fmt: skip
    updated = await moves.record_event(
        ctx, serial, "assign", _staff(member), CHANNEL, doc["status"],
        when={"status": {"$nin": sorted(workflow.CLOSED)}},
        set_fields={"mediator": {"login": mediator.login, "name": mediator.name}}, notify=[notice], note=mediator.name,
        data={"mediator": mediator.login},
    )  # fmt: skip
    if updated is None:
        raise Conflict("case_closed", field="status")
    return updated


def _text(value: str, field: str, label: str, limit: int, required: bool = True) -> str:
    """Free text of a staff form; `label` names the field in the catalogue (`field.decision.<label>`)."""
    given = (value or "").strip()
    words = msg(f"field.decision.{label}")
    if required and not given:
        raise invalid(field, "required", "error.required.labelled", label=words)
    if len(given) > limit:
        raise invalid(field, "too_long", "error.too_long.labelled", label=words, limit=limit)
    return given


async def decide(
    ctx: ServiceContext,
    member: StaffMember,
    serial: str,
    move: str,
    form: Mapping[str, str],
    terms: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """accept, decline, schedule, open_session, settle, fail: each checked, recorded and notified."""
    if move not in STAFF_DECISIONS:
        raise NotFound("action_unknown")
    doc = await access.for_staff(ctx, member, serial, {"owner_person_id": 1})
    owner, now, link = doc["owner_person_id"], ctx.clock(), f"/h5/cases/{serial}"
    set_fields: dict[str, Any] = {}
    note = ""
    lines: list[tuple[str, Any]] = [("serial", serial)]
    if move == "accept":
        lines.append(("status", msg("status.accepted")))
    elif move == "decline":
        note = _text(form.get("reason", ""), "reason", "decline_reason", MAX_REASON)
        set_fields["outcome"] = {"kind": "rejected", "at": now, "reason": note}
        lines.append(("reason", note[:20]))
    elif move == "schedule":
        at = _session_time(form.get("at", ""), now)
        place = _text(form.get("place", ""), "place", "place", MAX_PLACE, required=False)
        online = (form.get("online_link") or "").strip()
        if online and not _URL.match(online):
            raise invalid("online_link", "invalid", "error.invalid.online_link")
        if not place and not online:
            raise invalid("place", "required", "error.required.place_or_link")
        set_fields["session"] = {"at": at, "place": place, "online_link": online, "scheduled_by": member.login}
        note = f"{shanghai_iso(at)[:16].replace('T', ' ')} {place or online}"
        when = at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        lines = [("session_time", when), ("place", (place or msg("notice.value.online").text())[:20])]
    elif move == "settle":
        agreement = check_agreement(form, terms or [], now)
        terms_text = "；".join(t["text"] for t in agreement["terms"])
        set_fields["outcome"] = {"kind": "settled", "at": now, "agreement": agreement, "terms_text": terms_text,
                                 "recorded_by": member.login}  # fmt: skip
        lines.append(("result", msg("notice.value.agreement_reached")))
    elif move == "fail":
        note = _text(form.get("reason", ""), "reason", "fail_reason", MAX_REASON)
        set_fields["outcome"] = {"kind": "failed", "at": now, "reason": note}
        lines.append(("next_step", msg("notice.value.may_arbitrate")))
    notice = applicant_notice(owner, move, link, now, lines)
    return await moves.apply_move(
        ctx, serial, move, _staff(member), CHANNEL, set_fields=set_fields, notify=[notice], note=note
    )


def parse_withdraw_reason(value: Any) -> str:
    """The applicant's reason for withdrawing, as every front sends it: optional text, at most 500 characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid("reason", "invalid", "error.invalid.withdraw_reason")
    reason = value.strip()
    if len(reason) > MAX_WITHDRAW_REASON:
        raise invalid("reason", "too_long", "error.too_long.withdraw_reason", limit=MAX_WITHDRAW_REASON)
    return reason


async def withdraw(ctx: ServiceContext, person_id: str, serial: str, reason: Any, channel: str) -> dict[str, Any]:
    """The applicant withdraws their application (a move of the table; any open status but after settling)."""
    note = parse_withdraw_reason(reason)
    doc = await moves.apply_move(
        ctx, serial, "withdraw", ("applicant", person_id), channel, scope={"owner_person_id": person_id}, note=note
    )
    return case_detail(doc)


def check_agreement(form: Mapping[str, str], rows: list[dict[str, str]], now: datetime) -> dict[str, Any]:
    """The agreed terms as numbered items (text, amount, due date, method), what is waived, copies."""
    errors: list[FieldError] = []
    terms = []
    for i, row in enumerate(r for r in rows if any((v or "").strip() for v in r.values())):
        term_text = (row.get("text") or "").strip()
        if not term_text:
            errors.append(field_error(f"terms[{i}].text", "required", "error.required.term_text", number=i + 1))
        elif len(term_text) > MAX_ITEM_TEXT:
            errors.append(field_error(f"terms[{i}].text", "too_long", "error.too_long.term_text", number=i + 1,
                                      limit=MAX_ITEM_TEXT))
        due = (row.get("due_date") or "").strip()
        if due:
            try:
                date.fromisoformat(due)
            except ValueError:
                errors.append(field_error(f"terms[{i}].due_date", "invalid", "error.invalid.term_due", number=i + 1))
        method = (row.get("method") or "").strip()[:100]
        terms.append({"text": term_text, "amount": check_amount(row.get("amount", ""), f"terms[{i}].amount", errors),
                      "due_date": due, "method": method})  # fmt: skip
    if not terms:
        errors.append(field_error("terms", "required", "error.required.terms"))
    try:
        copies = int(form.get("copies") or 3)
    except ValueError:
        copies = 0
    if not 2 <= copies <= 10:
        errors.append(field_error("copies", "invalid", "error.invalid.copies", low=2, high=10))
    waivers = (form.get("waivers") or "").strip()
    if len(waivers) > MAX_REASON:
        errors.append(field_error("waivers", "too_long", "error.too_long.waivers", limit=MAX_REASON))
    if errors:
        raise ValidationFailed(errors)
    effective = now.astimezone(SHANGHAI).date().isoformat()
    return {"terms": terms, "waivers": waivers, "copies": copies, "effective_date": effective}


def _session_time(value: str, now: datetime) -> datetime:
    """A session time typed in Shanghai time ("2026-12-01T09:30"), stored in UTC, not in the past."""
    try:
        local = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise invalid("at", "invalid", "error.invalid.session_time") from None
    moment = (local if local.tzinfo else local.replace(tzinfo=SHANGHAI)).astimezone(UTC)
    if moment < now:
        raise invalid("at", "in_past", "error.in_past.session_time")
    if moment > now + timedelta(days=365):
        raise invalid("at", "too_far", "error.too_far.session_time")
    return moment
