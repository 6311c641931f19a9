"""What people do to a case after it is submitted: a mediator assigned, the staff's decisions, the withdrawal.

Each is checked here and written by the case writer (services/cases/moves.py) with its timeline
event and the notifications it causes. Accepting invites the respondent (services/cases/respondent.py);
every end without agreement (not accepted, failed, withdrawn) owes each party a written notice naming the next
right and its last day, and the applicant the arbitration application where it is the next right
(services/cases/ends.py; rendered by services/cases/documents.py `issue_end_papers`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from i18n import msg
from services.accounts.staff import StaffMember
from services.cases import access, documents, ends, moves, respondent, signing, workflow
from services.cases.outbox import Line, applicant_notice, party_notices
from services.cases.queue import mediators_of
from services.cases.record import Case, FailureReport, Notification, delegated
from services.cases.views import party_view
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.dates import parse_date, read_moment
from services.core.deadlines import mediation_deadline
from services.core.errors import Conflict, FieldError, NotFound, ServiceError, ValidationFailed, field_error, invalid
from services.core.work_calendar import WorkCalendar, load_work_calendar

CHANNEL = "backoffice"
STAFF_DECISIONS = ("accept", "decline", "schedule", "open_session", "fail", "draft_agreement", "revise_agreement")
ENDS = ("decline", "fail")  # decisions after which each party receives the written notice
MAX_REASON = 1000
MAX_WITHDRAW_REASON = 500
MAX_PLACE = 200
MAX_EXTENSION_DAYS = 60  # a consented extension is short: the parties may always go to arbitration
_URL = re.compile(r"^https://[^\s]{3,300}$")
DECIDE_PROJECTION = ends.END_PROJECTION | {"applicant.name": 1, "agreement": 1, "session": 1}
# The report of a mediation that failed (法释〔2021〕23号 art. 21), owed to a delegated case's partner: the facts,
# why it failed, conduct of a party that raised the other's costs (the court may weigh it in costs), and what else
# the court should know.
REPORT_FIELDS = ("facts", "reason", "costs", "notes")
REQUIRED_REPORT = ("facts", "reason")
MAX_REPORT = 3000
ASSIGN_PROJECTION = {
    "status": 1,
    "owner_person_id": 1,
    "mediator.login": 1,
    "docking.partner_id": 1,
    "docking.partner_name": 1,
}


def _staff(member: StaffMember) -> moves.Actor:
    return ("staff", member.login)


async def mediator_for(ctx: ServiceContext, doc: Mapping[str, Any], mediator_login: str) -> StaffMember:
    """A mediator of the case's centre, by login; a field error otherwise."""
    mediator = next((m for m in await mediators_of(ctx, doc["centre"]["id"]) if m.login == mediator_login), None)
    if mediator is None:
        raise invalid("mediator", "unknown", "error.unknown.mediator")
    return mediator


async def assign(ctx: ServiceContext, member: StaffMember, doc: Mapping[str, Any], mediator: StaffMember) -> Case:
    """Put a mediator of the case's centre in charge: not a move, allowed in any open status. `doc`: the case as
    read with ASSIGN_PROJECTION; `mediator`: checked by the caller (services/court/assignment.py `assign`, which
    also holds a delegated case to the partner's roster)."""
    serial = doc["_id"]
    if (doc.get("mediator") or {}).get("login") == mediator.login and doc["status"] not in workflow.CLOSED:
        return cast(Case, doc)  # the same mediator again (a second click, a reload): nothing new to record or send
    now = ctx.clock()
    lines = [("serial", serial), ("mediator", mediator.name)]
    owner = doc.get("owner_person_id")  # a delegated case nobody owns yet has nobody to tell
    notices = [applicant_notice(owner, "assigned", f"/h5/cases/{serial}", now, lines)] if owner else []
    updated = await moves.record_event(
        ctx,
        serial,
        "assign",
        _staff(member),
        CHANNEL,
        doc["status"],
        # Another mediator only: two clicks racing write one event and one message.
        when={"status": {"$nin": sorted(workflow.CLOSED)}, "mediator.login": {"$ne": mediator.login}},
        set_fields={"mediator": {"login": mediator.login, "name": mediator.name}},
        notify=notices or None,
        note=mediator.name,
        data={"mediator": mediator.login},
    )
    if updated is None:
        now_held = await ctx.db["cases"].find_one({"_id": serial}, ASSIGN_PROJECTION)
        if now_held and now_held["status"] not in workflow.CLOSED:
            return cast(Case, now_held)  # the race's other click assigned the same mediator
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


def parse_closure(form: Mapping[str, str]) -> tuple[str, str]:
    """The closure reason (法释〔2021〕23号 art. 25, workflow.CLOSURE_REASONS) and the mediator's note
    (required for "other", which names no reason itself)."""
    reason = (form.get("closure_reason") or "").strip()
    if reason not in workflow.CLOSURE_REASONS:
        raise invalid("closure_reason", "not_allowed", "error.not_allowed.closure_reason")
    note = _text(form.get("reason", ""), "reason", "fail_reason", MAX_REASON, required=reason == "other")
    return reason, note


def parse_report(form: Mapping[str, Any], prefix: str = "report_") -> FailureReport:
    """The art. 21 report as a form or a body gives it (`report_facts`, ...): facts and reason required."""
    errors: list[FieldError] = []
    report = {}
    for name in REPORT_FIELDS:
        value = form.get(prefix + name)
        given = value.strip() if isinstance(value, str) else ""
        if name in REQUIRED_REPORT and not given:
            errors.append(
                field_error(prefix + name, "required", "error.required.report", part=msg(f"label.report.{name}"))
            )
        elif len(given) > MAX_REPORT:
            errors.append(field_error(prefix + name, "too_long", "error.too_long.report", limit=MAX_REPORT))
        report[name] = given
    if errors:
        raise ValidationFailed(errors)
    return {"facts": report["facts"], "reason": report["reason"], "costs": report["costs"], "notes": report["notes"]}


async def decide(
    ctx: ServiceContext,
    member: StaffMember,
    serial: str,
    move: str,
    form: Mapping[str, str],
    terms: list[dict[str, str]] | None = None,
    papers: documents.Papers | None = None,
) -> Case:
    """accept, decline, schedule, open_session, fail, draft_agreement, revise_agreement: each checked,
    recorded and notified; an end issues the applicant's written notice (`papers`: where documents go)."""
    if move not in STAFF_DECISIONS:
        raise NotFound("action_unknown")
    if move == "draft_agreement":
        return await signing.draft(ctx, member, serial, form, terms or [])
    if move == "revise_agreement":
        return await signing.revise(ctx, member, serial)
    doc = await access.for_staff(ctx, member, serial, DECIDE_PROJECTION)
    now = ctx.clock()
    set_fields: dict[str, Any] = {}
    note = ""
    notify: list[Notification]
    if move == "accept":
        notify = [
            applicant_notice(
                doc["owner_person_id"],
                "accept",
                f"/h5/cases/{serial}",
                now,
                [("serial", serial), ("status", msg("status.accepted"))],
            )
        ]
        invited, invitations = await respondent.invitation(ctx, doc, now, await load_work_calendar(ctx))
        set_fields |= invited
        notify += invitations
    elif move == "decline":
        note = _text(form.get("reason", ""), "reason", "decline_reason", MAX_REASON)
        outcome = {"kind": "rejected", "at": now, "reason": note}
        set_fields |= ends.end_fields(doc, "declined", outcome)
        lines: list[Line] = [("serial", serial), ("reason", note[:20])]
        notify = ends.end_notices(doc, "decline", now, await load_work_calendar(ctx), lines, outcome)
    elif move == "schedule":
        at = _session_time(form.get("at", ""), now)
        place = _text(form.get("place", ""), "place", "place", MAX_PLACE, required=False)
        # A delegated case's session may take place in the court platform's video room (sent with the delegation).
        online = (form.get("online_link") or "").strip() or ((doc.get("docking") or {}).get("video_link") or "")
        if online and not _URL.match(online):
            raise invalid("online_link", "invalid", "error.invalid.online_link")
        if not place and not online:
            raise invalid("place", "required", "error.required.place_or_link")
        set_fields["session"] = {"at": at, "place": place, "online_link": online, "scheduled_by": member.login}
        note = f"{shanghai_iso(at)[:16].replace('T', ' ')} {place or online}"
        when = at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        shown_place = (place or msg("notice.value.online").text())[:20]
        # An online session's message opens its way in ("进入视频调解", open from the session's time).
        notify = party_notices(
            doc,
            "schedule",
            now,
            [("serial", serial), ("session_time", when), ("place", shown_place)],
            page="/session" if online else "",
        )
    elif move == "open_session":
        if workflow.move_allowed(move, doc["status"]):  # else the move itself is refused, saying why
            session_day(doc, now)
        notify = party_notices(doc, "open_session", now, [("serial", serial), ("status", msg("status.mediating"))])
    else:  # fail
        reason, note = parse_closure(form)
        calendar = await load_work_calendar(ctx)
        if reason == "period_expired" and workflow.move_allowed(move, doc["status"]):
            period_over(doc, calendar, now)
        outcome = {"kind": "failed", "at": now, "closure_reason": reason, "reason": note}
        report = delegated(doc)
        # The court receives the art. 21 report with the end (services/court/events.py), signed by the mediator.
        if report:
            outcome["report"] = parse_report(form) | {"signed_by": member.name}
        set_fields |= ends.end_fields(doc, "expired" if reason == "period_expired" else "failed", outcome, report)
        lines = [("serial", serial), ("reason", msg(f"label.closure_reason.{reason}"))]
        notify = ends.end_notices(doc, "fail", now, calendar, lines, outcome)
        note = msg(f"label.closure_reason.{reason}").text() + (f"：{note}" if note else "")
    updated = await moves.apply_move(
        ctx, serial, move, _staff(member), CHANNEL, case=doc, set_fields=set_fields, notify=notify, note=note
    )
    if move in ENDS and papers is not None:
        await documents.issue_end_papers(ctx, papers, serial)
    return updated


def period_over(doc: Mapping[str, Any], calendar: WorkCalendar, now: datetime) -> None:
    """An end for the period's expiry (法释〔2021〕23号 art. 25(6)) only from the day after the period's last day
    (services/cases/ends.py `period_end`: 15 days from receipt plus an agreed extension, 调解仲裁法 art. 14 ¶3; a
    delegated case's period from acceptance, art. 24): a 422 on the closure reason before."""
    last = ends.period_end(doc, calendar)
    if last is None:
        raise invalid("closure_reason", "not_started", "error.not_started.period_expired")
    if now.astimezone(SHANGHAI).date() <= last:
        after = (last + timedelta(days=1)).isoformat()
        raise invalid(
            "closure_reason", "too_early", "error.too_early.period_expired", due=last.isoformat(), after=after
        )


async def extend(ctx: ServiceContext, member: StaffMember, serial: str, form: Mapping[str, str]) -> Case:
    """Day 15 without agreement (调解仲裁法 art. 14): the mediator records that both parties consent to go on,
    with a new date. An event, not a move; without it the mediator ends the case (`fail`, period_expired)."""
    doc = await access.for_staff(ctx, member, serial, DECIDE_PROJECTION | {"created_at": 1, "mediation_extended_to": 1})
    if doc["status"] in workflow.CLOSED:
        raise Conflict("case_closed", field="status")
    calendar = (await load_work_calendar(ctx)).for_centre(doc["centre"]["id"])  # its own entries count too
    current = doc.get("mediation_extended_to") or mediation_deadline(doc["created_at"], calendar).due.isoformat()
    until = _extension_date(form.get("until", ""), current)
    consent = _text(form.get("consent", ""), "consent", "consent", MAX_REASON)
    now = ctx.clock()
    record = {"until": until, "consent": consent, "by": member.login, "at": now, "previous": current}
    notices = party_notices(doc, "extended", now, [("serial", serial), ("due_date", until)])
    updated = await moves.record_event(
        ctx,
        serial,
        "extend",
        _staff(member),
        CHANNEL,
        doc["status"],
        when={"status": {"$nin": sorted(workflow.CLOSED)}, "mediation_extended_to": doc.get("mediation_extended_to")},
        set_fields={"mediation_extended_to": until},
        push_fields={"extensions": record},
        notify=notices,
        note=msg("event.note.extend", due=until).text() + f"（{consent}）",
    )
    if updated is None:
        raise Conflict("case_closed", field="status")
    return updated


def _extension_date(value: str, current: str) -> str:
    day = parse_date(value, "until", "error.invalid.extension_date")
    earliest = parse_date(current, "until", "error.invalid.extension_date")  # the due day the case has
    if not earliest < day <= earliest + timedelta(days=MAX_EXTENSION_DAYS):
        raise invalid(
            "until", "out_of_range", "error.out_of_range.extension_date", current=current, days=MAX_EXTENSION_DAYS
        )
    return day.isoformat()


def parse_withdraw_reason(value: Any) -> str:
    """The applicant's reason for withdrawing, as every front sends it: required text, at most 500 characters
    (the mediator and the statistics need to know why: settled with the employer, gone to arbitration...)."""
    if value is not None and not isinstance(value, str):
        raise invalid("reason", "invalid", "error.invalid.withdraw_reason")
    reason = (value or "").strip()
    if not reason:
        raise invalid("reason", "required", "error.required.withdraw_reason")
    if len(reason) > MAX_WITHDRAW_REASON:
        raise invalid("reason", "too_long", "error.too_long.withdraw_reason", limit=MAX_WITHDRAW_REASON)
    return reason


async def withdraw(
    ctx: ServiceContext,
    person_id: str,
    serial: str,
    reason: Any,
    channel: str,
    papers: documents.Papers | None = None,
) -> dict[str, Any]:
    """The applicant withdraws their application (a move of the table; any open status but after settling). Each
    party is told in writing (services/cases/ends.py): withdrawing does not bar arbitration (调解仲裁法 art. 5), and
    the applicant's notice says so with the safe last day; the arbitration application is one tap away."""
    note = parse_withdraw_reason(reason)
    doc = await access.for_owner(ctx, person_id, serial, ends.END_PROJECTION)
    now = ctx.clock()
    outcome = {"kind": "withdrawn", "at": now, "reason": note}
    lines: list[Line] = [("serial", serial), ("status", msg("notice.value.withdrawn"))]
    # A delegating court hears of it too (services/court/events.py).
    notify = ends.end_notices(doc, "withdraw", now, await load_work_calendar(ctx), lines, outcome)
    updated = await moves.apply_move(
        ctx,
        serial,
        "withdraw",
        ("applicant", person_id),
        channel,
        case=doc,
        scope={"owner_person_id": person_id},
        set_fields=ends.end_fields(doc, "withdrawn", outcome),
        note=note,
        notify=notify or None,
    )
    if papers is not None:
        await documents.issue_end_papers(ctx, papers, serial)
    return await party_view(ctx, updated)


def session_day(doc: Mapping[str, Any], now: datetime) -> date:
    """The day of the case's session, which has come (docs/domain.md#statuses-and-moves: a session opens on its day, not
    before)."""
    at: datetime | None = (doc.get("session") or {}).get("at")
    day = at.astimezone(SHANGHAI).date() if at else None
    if day is None or day > now.astimezone(SHANGHAI).date():
        raise Conflict("session_not_today", field="status", day=day.isoformat() if day else "")
    return day


def _session_time(value: str, now: datetime) -> datetime:
    """A session time typed in Shanghai time ("2026-12-01T09:30"), stored in UTC, not in the past."""
    local = read_moment(value)
    if local is None:
        raise invalid("at", "invalid", "error.invalid.session_time")
    moment = (local if local.tzinfo else local.replace(tzinfo=SHANGHAI)).astimezone(UTC)
    if moment < now:
        raise invalid("at", "in_past", "error.in_past.session_time")
    if moment > now + timedelta(days=365):
        raise invalid("at", "too_far", "error.too_far.session_time")
    return moment


MAX_ADDED_FILES = 20  # files attached at once after submitting


async def add_evidence(ctx: ServiceContext, person_id: str, serial: str, body: Any, channel: str) -> dict[str, Any]:
    """The applicant adds evidence after submitting, while the case is open: files they uploaded (POST /h5/files,
    /api/mp/files) join the case's evidence, each marked with when it came, so the mediator sees it as new."""
    ids = body.get("file_ids") if isinstance(body, Mapping) else None
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_ADDED_FILES or not all(isinstance(i, str) for i in ids):
        raise invalid("file_ids", "required", "error.required.file_ids", limit=MAX_ADDED_FILES)
    ids = list(dict.fromkeys(i.strip().lower() for i in ids))
    doc = await access.for_owner(ctx, person_id, serial, {"status": 1, "evidence": 1})
    if doc["status"] in workflow.CLOSED:
        raise Conflict("case_closed", msg("error.case_closed.evidence"), field="status")
    owned = await ctx.db["files"].find({"_id": {"$in": ids}, "owner_person_id": person_id}, {"size": 1}).to_list(None)
    if len(owned) != len(ids):
        # Not the caller's file (or none at all): not found, as anything of someone else's.
        raise ServiceError(404, "unknown_file", msg("error.unknown_file.evidence"), "file_ids")
    new = [i for i in ids if i not in (doc.get("evidence") or [])]
    if new:
        attached = (
            await ctx.db["files"].find({"_id": {"$in": list(doc.get("evidence") or [])}}, {"size": 1}).to_list(None)
        )
        total = sum(int(f.get("size", 0)) for f in attached + [f for f in owned if f["_id"] in new])
        limit = ctx.settings.evidence.max_case_bytes
        if total > limit:
            mb = 1024 * 1024
            raise invalid(
                "file_ids",
                "evidence_total_too_large",
                "error.evidence_total_too_large.submit",
                total=total / mb,
                limit=limit / mb,
            )
        now = ctx.clock()
        updated = await moves.record_event(
            ctx,
            serial,
            "evidence_added",
            ("applicant", person_id),
            channel,
            doc["status"],
            when={"owner_person_id": person_id, "status": {"$nin": sorted(workflow.CLOSED)}},
            push_fields={
                "evidence": {"$each": new},
                "evidence_added": {"$each": [{"id": i, "at": now, "by": "applicant"} for i in new]},
            },
            note=msg("event.note.files", count=len(new)).text(),
            projection={"_id": 1},
        )
        if updated is None:
            raise Conflict("case_closed", msg("error.case_closed.evidence"), field="status")
    return await party_view(ctx, await access.for_owner(ctx, person_id, serial))
