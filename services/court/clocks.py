"""The court's clock of a delegated case: answered within the partner's working days, finished within its period from
acceptance (法释〔2021〕23号 art. 24: 30 days), extended only with every party's consent recorded in their own pages and
within the partner's cap, paused while an expert appraisal runs (art. 26: the appraisal's time does not count).

The day-15 rule of 调解仲裁法 art. 14 ¶3 (a party may go to arbitration once 15 days pass without agreement) is shown
beside the court's clock only where it applies: a delegation that says the dispute was not arbitrated
(services/cases/ends.py `day15_applies`; services/cases/queue.py keeps the day-15 clock).
The period is always recomputed from its parts (`period_days`): the partner's days, the extensions granted and the
days paused, counted from acceptance as procedural law counts (services/core/deadlines.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from i18n import msg
from services.accounts.staff import StaffMember
from services.cases import access, moves, workflow
from services.cases.ends import court_period, day15_applies, period_days
from services.cases.outbox import PARTIES_PROJECTION, Line, party_notices
from services.cases.record import Case, delegated
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.deadlines import calendar_days_deadline
from services.core.errors import Conflict, NotFound, ValidationFailed, field_error
from services.core.numbers import parse_whole
from services.core.work_calendar import WorkCalendar, load_work_calendar
from services.court import events

PARTIES = ("applicant", "respondent")
MAX_NOTE = 500


# The period itself is the cases room's (services/cases/ends.py), which also guards an end for its expiry.
mediation_period = court_period


def extension_room(docking: Mapping[str, Any]) -> int | None:
    """Days of extension the partner's cap still allows (None: no cap)."""
    cap = docking.get("extension_cap_days")
    if cap is None:
        return None
    return max(0, int(cap) - sum(int(e.get("days") or 0) for e in docking.get("extensions") or []))


def clock_view(doc: Mapping[str, Any], calendar: WorkCalendar, today: date) -> dict[str, Any]:
    """The court's clock as the case page shows it (staff and parties): the answer day, the period, the pause."""
    docking = doc["docking"]
    is_open = doc["status"] not in workflow.CLOSED
    view: dict[str, Any] = {
        "partner_name": docking["partner_name"],
        "partner_case_no": docking["partner_case_no"],
        "partner_kind": docking.get("partner_kind", "court"),
        "type": docking.get("type", ""),
        "answer_due": docking["answer_due"],
        "answer_due_provisional": docking.get("answer_due_provisional", False),
        "mediation_days": docking.get("mediation_days"),
        "answer_overdue": doc["status"] == workflow.DELEGATED and today.isoformat() > docking["answer_due"],
        "not_confirmed_in_time": bool(docking.get("overdue_reported_at")),
        "accepted_at": shanghai_iso(docking.get("accepted_at")),
        "mediation_due": None,
        "days_left": None,
        "paused": bool(docking.get("paused_since")),
        "paused_days": int(docking.get("paused_days") or 0),
        "extensions": [
            {"days": e["days"], "until": e["until"], "at": shanghai_iso(e["at"])}
            for e in docking.get("extensions") or []
        ],
        "extension_room": extension_room(docking),
        "extension_request": None,
        "video_link": docking.get("video_link"),
        "day15": day15_applies(doc),  # the 15 days of 调解仲裁法 art. 14 ¶3 shown beside it only where they apply
        "arbitrated": docking.get("arbitrated"),
    }
    period = mediation_period(docking, calendar.for_centre(doc["centre"]["id"]))
    if period is not None:
        view |= {
            "mediation_due": period.due.isoformat(),
            "mediation_due_provisional": period.provisional,
            "days_left": (period.due - today).days,
            "overdue": is_open and today > period.due,
        }
    request = docking.get("extension_request")
    if request:
        view["extension_request"] = {
            "days": request["days"],
            "until": request["until"],
            "consents": sorted(request.get("consents") or {}),
            "proposed_at": shanghai_iso(request["proposed_at"]),
        }
    return view


async def _staff_case(ctx: ServiceContext, member: StaffMember, serial: str) -> dict[str, Any]:
    doc = await access.for_staff(ctx, member, serial, PARTIES_PROJECTION | {"status": 1, "docking": 1, "centre": 1})
    if not delegated(doc):
        raise NotFound("delegation_not_found")
    if doc["status"] in workflow.CLOSED or not doc["docking"].get("accepted_at"):
        raise Conflict("delegation_not_running", field="status", current=workflow.status_label(doc["status"]))
    return doc


def _days(value: Any) -> int:
    return parse_whole(value, "days", 1, 365, "error.invalid.extension_days")


async def propose_extension(ctx: ServiceContext, member: StaffMember, serial: str, days_text: Any) -> Case:
    """The mediator proposes extending the court's period by `days`: within the partner's cap, and only once both
    parties consent in their own pages (art. 24) does it take effect."""
    days = _days(days_text)
    doc = await _staff_case(ctx, member, serial)
    docking = doc["docking"]
    room = extension_room(docking)
    if room is not None and days > room:
        raise ValidationFailed(
            [
                field_error(
                    "days",
                    "over_cap",
                    "error.over_cap.extension",
                    partner=docking["partner_name"],
                    cap=docking["extension_cap_days"],
                    room=room,
                )
            ]
        )
    if docking.get("extension_request"):
        raise Conflict("extension_pending", field="days")
    calendar = (await load_work_calendar(ctx)).for_centre(doc["centre"]["id"])
    until = calendar_days_deadline(docking["accepted_at"], period_days(docking) + days, calendar).due.isoformat()
    now = ctx.clock()
    request = {"days": days, "until": until, "proposed_at": now, "proposed_by": member.login, "consents": {}}
    lines: list[Line] = [("serial", serial), ("due_date", until), ("next_step", msg("notice.value.consent_extension"))]
    updated = await moves.record_event(
        ctx,
        serial,
        "extension_proposed",
        ("staff", member.login),
        "backoffice",
        doc["status"],
        when={"docking.extension_request": None, "status": {"$nin": sorted(workflow.CLOSED)}},
        set_fields={"docking.extension_request": request},
        notify=party_notices(doc, "extension_request", now, lines),
        note=msg("event.note.extension_proposed", days=days, until=until).text(),
    )
    if updated is None:
        raise Conflict("extension_pending", field="days")
    return updated


async def consent_extension(
    ctx: ServiceContext, person_id: str, serial: str, channel: str, role: str | None = None
) -> dict[str, Any]:
    """A party consents, in their page, to the extension proposed; the last consent extends the period and the
    partner is told (`extended`, with the consents recorded). `role`: the party whose route it came through."""
    doc: Mapping[str, Any]
    doc, role = await access.for_party(ctx, person_id, serial, PARTIES_PROJECTION | {"status": 1, "docking": 1}, role)
    request: Mapping[str, Any] | None = (doc.get("docking") or {}).get("extension_request")
    if not request:
        raise Conflict("no_extension_request", field="consent")
    if doc["status"] in workflow.CLOSED:
        raise Conflict("case_closed", field="status")
    now = ctx.clock()
    consents = dict(request.get("consents") or {})
    if role not in consents:
        consent = {"at": now, "person_id": person_id, "channel": channel}
        updated = await moves.record_event(
            ctx,
            serial,
            "extension_consent",
            (role, person_id),
            channel,
            doc["status"],
            when={
                "docking.extension_request.proposed_at": request["proposed_at"],
                f"docking.extension_request.consents.{role}": None,
            },
            set_fields={f"docking.extension_request.consents.{role}": consent},
            note=msg("event.note.extension_consent", role=msg(f"label.party.{role}")).text(),
            projection={"docking": 1, "status": 1, **PARTIES_PROJECTION},
        )
        if updated is None:
            raise Conflict("no_extension_request", field="consent")
        doc, request = updated, updated["docking"].get("extension_request") or {}
        consents = dict(request.get("consents") or {})
    if set(PARTIES) <= set(consents):
        await _extend(ctx, doc, serial, request)
    return {"consented": sorted(consents)}


async def _extend(ctx: ServiceContext, doc: Mapping[str, Any], serial: str, request: Mapping[str, Any]) -> None:
    now = ctx.clock()
    record = {
        "days": request["days"],
        "until": request["until"],
        "at": now,
        "consents": {
            r: {"at": c["at"], "channel": c.get("channel", "")} for r, c in (request.get("consents") or {}).items()
        },
    }
    lines = [("serial", serial), ("due_date", request["until"])]
    notices = party_notices(doc, "extended", now, lines)
    notices.append(
        events.event_notice(
            {**doc, "_id": serial},
            "extended",
            now,
            mediation_due=request["until"],
            days=request["days"],
            consents={r: shanghai_iso(c["at"]) for r, c in record["consents"].items()},
        )
    )
    await moves.record_event(
        ctx,
        serial,
        "delegation_extended",
        ("system", "consents"),
        "system",
        doc["status"],
        when={
            "docking.extension_request.proposed_at": request["proposed_at"],
            **{f"docking.extension_request.consents.{r}": {"$ne": None} for r in PARTIES},
        },
        set_fields={"docking.mediation_due": request["until"], "docking.extension_request": None},
        push_fields={"docking.extensions": record},
        notify=notices,
        note=msg("event.note.extend", due=request["until"]).text(),
    )


async def pause(ctx: ServiceContext, member: StaffMember, serial: str, note: str) -> Case:
    """An expert appraisal starts: the court's period stops running until it ends (art. 26)."""
    text = (note or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise ValidationFailed([field_error("note", "required", "error.required.appraisal_note", limit=MAX_NOTE)])
    doc = await _staff_case(ctx, member, serial)
    now = ctx.clock()
    updated = await moves.record_event(
        ctx,
        serial,
        "appraisal_started",
        ("staff", member.login),
        "backoffice",
        doc["status"],
        when={"docking.paused_since": None, "status": {"$nin": sorted(workflow.CLOSED)}},
        set_fields={"docking.paused_since": now, "docking.pause_note": text},
        note=text,
    )
    if updated is None:
        raise Conflict("already_paused", field="note")
    return updated


async def resume(ctx: ServiceContext, member: StaffMember, serial: str) -> Case:
    """The appraisal ended: the days it took are added to the period, which runs again."""
    doc = await _staff_case(ctx, member, serial)
    docking = doc["docking"]
    since: datetime | None = docking.get("paused_since")
    if since is None:
        raise Conflict("not_paused", field="note")
    now = ctx.clock()
    days = max(0, (now.astimezone(SHANGHAI).date() - since.astimezone(SHANGHAI).date()).days)
    calendar = (await load_work_calendar(ctx)).for_centre(doc["centre"]["id"])
    after = dict(docking) | {"paused_days": int(docking.get("paused_days") or 0) + days}
    period = mediation_period(after, calendar)
    assert period is not None
    record = {"from": since, "to": now, "days": days, "note": docking.get("pause_note", "")}
    updated = await moves.record_event(
        ctx,
        serial,
        "appraisal_ended",
        ("staff", member.login),
        "backoffice",
        doc["status"],
        when={"docking.paused_since": since},
        inc_fields={"docking.paused_days": days},
        set_fields={
            "docking.paused_since": None,
            "docking.mediation_due": period.due.isoformat(),
            "docking.mediation_due_provisional": period.provisional,
        },
        push_fields={"docking.pauses": record},
        note=msg("event.note.appraisal_ended", days=days, due=period.due.isoformat()).text(),
    )
    if updated is None:
        raise Conflict("not_paused", field="note")
    return updated
