"""Judicial confirmation and arbitral review, applied for online by both parties of any settled case.

The law asks both parties to apply together, in time: judicial confirmation within 30 days of the agreement taking
effect, to the basic court where the mediation organisation sits (民事诉讼法 art. 205) or the court that delegated
the case; arbitral review within 15 days, to the arbitration commission (劳动人事争议仲裁办案规则 art. 74). Each party
applies in their own page; the second application sends the joint application to the partner through the case's
outbox (`POST {callback_base}judicial-confirmations`, services/court/outbox.py builds the body with the agreement
and the application document). The decision comes back (`POST /api/docking/judicial-confirmations/{id}/decision`)
and reaches both parties. An application after the window is refused with the reason.

On the case: `confirmations.<kind>` = {applications: {applicant|respondent: {at, person_id, channel}}, id,
partner_id, partner_name, sent_at, state (applying|sent|confirmed|rejected), decision {decision, ruling_no,
decided_at, reason, received_at}}; `court_requests` maps an id to its case, kind and partner.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from i18n import msg
from services.cases import access, moves, workflow
from services.cases.centre_rules import arbitration_commission, rules_of
from services.cases.outbox import Line, partner_notice, party_notices
from services.cases.signing import effective_date
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.deadlines import calendar_days_deadline
from services.core.errors import Conflict, FieldError, NotFound, ValidationFailed, field_error
from services.core.work_calendar import WorkCalendar, load_work_calendar
from services.court import partners
from settings import Partner

REQUESTS = "court_requests"
ENDPOINT = "judicial-confirmations"
PARTIES = ("applicant", "respondent")
DECISIONS = ("confirmed", "rejected")
MAX_RULING, MAX_REASON = 100, 1000
CONFIRMATION_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Kind:
    days: int  # from the agreement taking effect
    partner_kind: str  # who decides: a court or an arbitration institute


KINDS = {
    "judicial_confirmation": Kind(30, "court"),  # 民事诉讼法 art. 205
    "arbitral_review": Kind(15, "arbitration"),  # 劳动人事争议仲裁办案规则 art. 74
}


async def target(ctx: ServiceContext, doc: Mapping[str, Any], kind: str) -> Partner | None:
    """Who decides an application of `kind` for this case: the partner that delegated it (of that kind), else the
    basic court where the centre sits / the case's arbitration commission, when we dock with it (None otherwise:
    the parties apply on paper, with the document one tap makes)."""
    docking = doc.get("docking") or {}
    wanted = KINDS[kind].partner_kind
    if docking.get("partner_kind") == wanted:
        own = partners.get(ctx, docking["partner_id"])
        if own is not None:
            return own
    if wanted == "court":
        return partners.by_name(ctx, (await rules_of(ctx, doc["centre"]["id"])).basic_court, "court")
    return partners.by_name(ctx, await arbitration_commission(ctx, doc), "arbitration")


def _window(doc: Mapping[str, Any], kind: str, calendar: WorkCalendar) -> date | None:
    effective = effective_date(doc)
    if effective is None:
        return None
    return calendar_days_deadline(effective, KINDS[kind].days, calendar).due


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound("confirmation_kind_unknown")
    return kind


async def panel(ctx: ServiceContext, doc: Mapping[str, Any], role: str, calendar: WorkCalendar, today: date) -> list:
    """Each application a party's page offers for a settled case: its window, where it goes, who applied, the
    decision."""
    if doc.get("status") != workflow.SETTLED:
        return []
    out = []
    for kind in KINDS:
        record = (doc.get("confirmations") or {}).get(kind) or {}
        due = _window(doc, kind, calendar)
        partner = await target(ctx, doc, kind)
        applied = sorted((record.get("applications") or {}).keys())
        decision = record.get("decision") or {}
        out.append(
            {
                "kind": kind,
                "label": msg(f"route.{kind}").text(),
                "due": due.isoformat() if due else None,
                "open": due is not None and today <= due,
                "partner_name": partner.name if partner else "",
                "online": partner is not None,
                "applied": applied,
                "mine": role in applied,
                "state": record.get("state", ""),
                "state_label": msg(f"confirmation.state.{record['state']}").text() if record.get("state") else "",
                "decision": {
                    "decision": decision.get("decision"),
                    "ruling_no": decision.get("ruling_no", ""),
                    "decided_at": decision.get("decided_at", ""),
                    "reason": decision.get("reason", ""),
                }
                if decision
                else None,
            }
        )
    return out


async def apply(
    ctx: ServiceContext, person_id: str, serial: str, kind: str, channel: str, role: str | None = None
) -> dict[str, Any]:
    """A party applies; with both parties' applications the joint application goes to the partner.
    `role`: the party whose route it came through (the other party finds no case there)."""
    _kind(kind)
    doc, role = await access.for_party(ctx, person_id, serial, role=role)
    if doc["status"] != workflow.SETTLED:
        raise Conflict("confirmation_not_settled", field="kind", current=workflow.status_label(doc["status"]))
    calendar = (await load_work_calendar(ctx)).for_centre(doc["centre"]["id"])
    now = ctx.clock()
    due = _window(doc, kind, calendar)
    if due is None or now.astimezone(SHANGHAI).date() > due:
        effective = effective_date(doc)
        raise Conflict(
            f"{kind}_too_late",
            field="kind",
            days=KINDS[kind].days,
            effective=effective.isoformat() if effective else "",
            due=due.isoformat() if due else "",
        )
    partner = await target(ctx, doc, kind)
    if partner is None:
        raise Conflict(f"{kind}_not_docked", field="kind")
    record = (doc.get("confirmations") or {}).get(kind) or {}
    if record.get("state") in ("sent", "confirmed", "rejected"):
        raise Conflict("confirmation_already_sent", field="kind")
    applications = dict(record.get("applications") or {})
    if role not in applications:
        mine = {"at": now, "person_id": person_id, "channel": channel}
        other = next(r for r in PARTIES if r != role)
        lines: list[Line] = [
            ("serial", serial),
            ("route", msg(f"route.{kind}")),
            ("next_step", msg("notice.value.apply_jointly", due=due.isoformat())),
        ]
        notices = [n for n in party_notices(doc, "joint_application", now, lines) if n["to"]["type"] == other]
        updated = await moves.record_event(
            ctx,
            serial,
            "confirmation_applied",
            (role, person_id),
            channel,
            workflow.SETTLED,
            when={
                "status": workflow.SETTLED,
                f"confirmations.{kind}.applications.{role}": None,
                f"confirmations.{kind}.id": None,
            },
            set_fields={f"confirmations.{kind}.applications.{role}": mine, f"confirmations.{kind}.state": "applying"},
            notify=None if other in applications else notices or None,
            note=msg(
                "event.note.confirmation_applied", role=msg(f"label.party.{role}"), route=msg(f"route.{kind}")
            ).text(),
        )
        if updated is None:
            raise Conflict("confirmation_already_sent", field="kind")
        applications = dict(((updated.get("confirmations") or {}).get(kind) or {}).get("applications") or {})
    if set(PARTIES) <= set(applications):
        await _send(ctx, serial, kind, partner, applications)
    return {"kind": kind, "applied": sorted(applications)}


async def _send(ctx: ServiceContext, serial: str, kind: str, partner: Partner, applications: Mapping[str, Any]) -> None:
    """The joint application into the case's outbox, once (conditional on no id yet)."""
    confirmation_id = uuid.uuid4().hex
    now = ctx.clock()
    await ctx.db[REQUESTS].insert_one(
        {"_id": confirmation_id, "serial": serial, "kind": kind, "partner_id": partner.id, "created_at": now}
    )
    event = {
        "id": confirmation_id,
        "type": kind,
        "serial": serial,
        "court": partner.name,
        "applied_at": {r: shanghai_iso(a["at"]) for r, a in applications.items()},
    }
    notice = partner_notice(partner.id, ENDPOINT, event, now, f"partner.event.{kind}")
    updated = await moves.record_event(
        ctx,
        serial,
        "confirmation_sent",
        ("system", "joint_application"),
        "system",
        workflow.SETTLED,
        when={
            f"confirmations.{kind}.id": None,
            **{f"confirmations.{kind}.applications.{r}": {"$ne": None} for r in PARTIES},
        },
        set_fields={
            f"confirmations.{kind}.id": confirmation_id,
            f"confirmations.{kind}.partner_id": partner.id,
            f"confirmations.{kind}.partner_name": partner.name,
            f"confirmations.{kind}.sent_at": now,
            f"confirmations.{kind}.state": "sent",
        },
        notify=[notice],
        note=msg("event.note.confirmation_sent", route=msg(f"route.{kind}"), partner=partner.name).text(),
        projection={"_id": 1},
    )
    if updated is None:  # the other party's request sent it a moment ago
        await ctx.db[REQUESTS].delete_one({"_id": confirmation_id})


async def decide(ctx: ServiceContext, partner: Partner, confirmation_id: str, body: Any) -> dict[str, Any]:
    """The court's (or institute's) ruling on an application it received; the same ruling again answers the same."""
    record = (
        await ctx.db[REQUESTS].find_one({"_id": confirmation_id})
        if CONFIRMATION_ID.match(confirmation_id or "")
        else None
    )
    if record is None or record["partner_id"] != partner.id:
        raise NotFound("confirmation_not_found")
    parsed = _parse_decision(body, ctx.clock())
    kind, serial = record["kind"], record["serial"]
    doc = await ctx.db["cases"].find_one({"_id": serial})
    if doc is None:
        raise NotFound("confirmation_not_found")
    current = (doc.get("confirmations") or {}).get(kind) or {}
    if current.get("state") in DECISIONS:
        if (
            current["state"] == parsed["decision"]
            and (current.get("decision") or {}).get("ruling_no") == parsed["ruling_no"]
        ):
            return _decision_view(confirmation_id, serial, kind, current)
        raise Conflict("confirmation_decided", field="decision")
    now = ctx.clock()
    stored = parsed | {"received_at": now}
    result = msg(f"confirmation.state.{parsed['decision']}")
    lines = [("serial", serial), ("route", msg(f"route.{kind}")), ("result", result)]
    updated = await moves.record_event(
        ctx,
        serial,
        "court_decision",
        ("partner", partner.id),
        "docking",
        doc["status"],
        when={f"confirmations.{kind}.id": confirmation_id, f"confirmations.{kind}.state": "sent"},
        set_fields={f"confirmations.{kind}.state": parsed["decision"], f"confirmations.{kind}.decision": stored},
        notify=party_notices(doc, "court_decision", now, lines),
        note=f"{result.text()} {parsed['ruling_no']}".strip(),
        projection={"confirmations": 1},
    )
    if updated is None:
        raise Conflict("confirmation_decided", field="decision")
    return _decision_view(confirmation_id, serial, kind, updated["confirmations"][kind])


def _parse_decision(body: Any, now: datetime) -> dict[str, Any]:
    errors: list[FieldError] = []
    body = body if isinstance(body, Mapping) else {}
    decision = body.get("decision")
    if decision not in DECISIONS:
        errors.append(field_error("decision", "not_allowed", "error.not_allowed.confirmation_decision"))
    ruling = body.get("ruling_no") or ""
    if not isinstance(ruling, str) or len(ruling.strip()) > MAX_RULING:
        errors.append(field_error("ruling_no", "invalid", "error.invalid.ruling_no", limit=MAX_RULING))
        ruling = ""
    reason = body.get("reason") or ""
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        errors.append(field_error("reason", "invalid", "error.invalid.docking_reason", limit=MAX_REASON))
        reason = ""
    decided_at = body.get("decided_at")
    decided = ""
    if decided_at not in (None, ""):
        try:
            decided = shanghai_iso(partners.partner_time(decided_at, now)) or ""
        except ValueError:
            errors.append(field_error("decided_at", "invalid", "error.invalid.docking_time"))
    if decision == "rejected" and not reason.strip():
        errors.append(field_error("reason", "required", "error.required.rejection_reason"))
    if errors:
        raise ValidationFailed(errors)
    return {"decision": decision, "ruling_no": ruling.strip(), "decided_at": decided, "reason": reason.strip()}


def _decision_view(confirmation_id: str, serial: str, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    decision = record.get("decision") or {}
    return {
        "id": confirmation_id,
        "serial": serial,
        "type": kind,
        "state": record.get("state"),
        "ruling_no": decision.get("ruling_no", ""),
        "decided_at": decision.get("decided_at", ""),
        "reason": decision.get("reason", ""),
    }
