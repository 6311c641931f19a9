"""The back office's reading of cases: the queue with its deadlines, the case as staff see it, audited reveals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from i18n import catalogue, text
from services.accounts import audit
from services.accounts.staff import SYSTEM_ADMIN, StaffMember, centre_filter, visible_centres
from services.cases import access, corrections, ends, service, workflow
from services.cases.documents import confirmation_courts
from services.cases.performance import routes
from services.cases.record import organisation_role
from services.cases.views import CODED_FIELDS, WORDS, party_view
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.dates import parse_date
from services.core.deadlines import Deadline, latest_overdue_receipt, mediation_deadline, start_of_day_utc
from services.core.errors import NotFound, invalid
from services.core.numbers import read_whole
from services.core.personal_data import SEALED_FIELDS, unseal_party
from services.core.work_calendar import WorkCalendar, load_work_calendar
from services.directory import centres

QUEUE_PAGE_SIZE = 20
MAX_QUEUE_PAGE = 100_000  # far beyond any queue; keeps `skip` inside what MongoDB accepts
# Filter dates within these (0001-01-01 or 9999-12-31 would overflow when turned into UTC times).
FIRST_FILTER_DATE, LAST_FILTER_DATE = date(2000, 1, 1), date(2199, 12, 31)
REMINDER_DAYS = 3  # a case this close to its deadline is flagged to the mediator

QUEUE_FIELDS = {
    "_id": 1,
    "kind": 1,
    "status": 1,
    "applicant.name": 1,
    "respondent.name": 1,
    "mediator": 1,
    "clarified": 1,
    "created_at": 1,
    "updated_at": 1,
    "session": 1,
    "centre": 1,
    "notifications.state": 1,
    "mediation_extended_to": 1,
    "respondent_access.answer.decision": 1,
    "respondent_access.silence_recorded_at": 1,
    "respondent_access.undelivered_at": 1,
    "respondent_access.served_on": 1,
    "docking.partner_name": 1,
    "docking.partner_id": 1,
    "docking.partner_kind": 1,
    "docking.arbitrated": 1,
    "docking.answer_due": 1,
    "docking.answer_due_provisional": 1,
    "docking.mediation_due": 1,
    "docking.overdue_reported_at": 1,
    "corrections.state": 1,  # a correction request waiting for its answer (services/cases/corrections.py)
    "corrections.due": 1,
}


@dataclass(frozen=True)
class QueueFilter:
    status: str = ""
    cause: str = ""  # first-level cause code
    date_from: date | None = None
    date_to: date | None = None
    mediator: str = ""  # a login, or "none" for unassigned
    overdue: bool = False
    page: int = 1
    centre: str = ""  # one of the centres the member sees (queue_scope); empty: all of them


def parse_filter(query: Mapping[str, str]) -> QueueFilter:
    """The queue's filters as the page's query string gives them (status, cause, mediator, from, to, overdue, page)."""
    page = min(read_whole(query.get("page", "1")) or 1, MAX_QUEUE_PAGE)
    return QueueFilter(
        status=query.get("status", ""),
        cause=query.get("cause", ""),
        mediator=query.get("mediator", ""),
        date_from=_date(query.get("from", ""), "from"),
        date_to=_date(query.get("to", ""), "to"),
        overdue=query.get("overdue", "") == "1",
        page=page,
        centre=query.get("centre", "")[:40],
    )


def _date(value: str, field: str) -> date | None:
    if not value:
        return None
    day = parse_date(value, field, "error.invalid.date")
    if not FIRST_FILTER_DATE <= day <= LAST_FILTER_DATE:
        raise invalid(
            field,
            "out_of_range",
            "error.out_of_range.queue_date",
            first=FIRST_FILTER_DATE.isoformat(),
            last=LAST_FILTER_DATE.isoformat(),
        )
    return day


async def queue_scope(ctx: ServiceContext, member: StaffMember, centre: str) -> dict[str, Any]:
    """Whose cases a queue shows: those of every centre the member sees (staff.visible_centres: a system
    administrator every centre, a centre administrator theirs and those below, a mediator their own), or of
    the one chosen among them; a centre they do not see, or none of the directory's, is a field error."""
    visible = await visible_centres(ctx, member)
    if centre:
        if centre not in await centres.directory(ctx) or (visible is not None and centre not in visible):
            raise invalid("centre", "not_allowed", "error.not_allowed.centre")
        return {"centre.id": centre}
    return centre_filter(visible)


async def filter_centres(ctx: ServiceContext, member: StaffMember) -> list[dict[str, str]]:
    """The centres the queue's filter offers: those the member sees, when more than one (else none)."""
    visible = await visible_centres(ctx, member)
    if visible is not None and len(visible) < 2:
        return []
    known = await centres.directory(ctx)
    return [{"id": c.id, "name": c.name} for c in known.centres if visible is None or c.id in visible]


async def queue(ctx: ServiceContext, member: StaffMember, filters: QueueFilter) -> dict[str, Any]:
    """One page of the cases the member sees (queue_scope), newest first, with their deadlines."""
    calendar = await load_work_calendar(ctx)
    today = ctx.clock().astimezone(SHANGHAI).date()
    query: dict[str, Any] = await queue_scope(ctx, member, filters.centre)
    query["anonymised"] = {"$exists": False}  # a case file past its retention period is in no queue
    if filters.status:
        if filters.status not in workflow.STATUSES:
            raise invalid("status", "not_allowed", "error.not_allowed.status")
        query["status"] = filters.status
    if filters.cause:
        query["clarified.items.cause_level1_code"] = filters.cause
    created: dict[str, Any] = {}
    if filters.date_from:
        created["$gte"] = start_of_day_utc(filters.date_from)
    if filters.date_to:
        created["$lt"] = start_of_day_utc(filters.date_to + timedelta(days=1))
    if filters.overdue:
        limit = start_of_day_utc(latest_overdue_receipt(today, calendar) + timedelta(days=1))
        created["$lt"] = min(created.get("$lt", limit), limit)
        query.setdefault("status", {"$nin": sorted(workflow.CLOSED)})
    if created:
        query["created_at"] = created
    if filters.mediator == "none":
        query["mediator"] = None
    elif filters.mediator:
        query["mediator.login"] = filters.mediator
    page = max(1, filters.page)
    total = await ctx.db["cases"].count_documents(query)
    cursor = ctx.db["cases"].find(query, QUEUE_FIELDS).sort("created_at", -1)
    docs = await cursor.skip((page - 1) * QUEUE_PAGE_SIZE).limit(QUEUE_PAGE_SIZE).to_list(QUEUE_PAGE_SIZE)
    return {
        "items": [_queue_row(doc, calendar, today) for doc in docs],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // QUEUE_PAGE_SIZE)),
    }


def _deadline_view(doc: dict[str, Any], calendar: WorkCalendar, today: date) -> dict[str, Any]:
    """The 15-day period (调解仲裁法 art. 14), or the date both parties consented to; `day15`: the case has reached
    its last day (or passed it) and the mediator records the parties' consent to go on, or ends it. A delegated case
    where those 15 days do not apply (services/cases/ends.py `day15_applies`) shows the court's period instead
    (`court`: its due day once the centre accepted, "" before), never flagged for day 15."""
    is_open = doc["status"] not in workflow.CLOSED
    if not ends.day15_applies(doc):
        court_due = (doc.get("docking") or {}).get("mediation_due") or ""
        left = (date.fromisoformat(court_due) - today).days if court_due else None
        return {
            "due": court_due,
            "provisional": False,
            "days_left": left,
            "extended": False,
            "overdue": is_open and left is not None and left < 0,
            "due_soon": is_open and left is not None and 0 <= left <= REMINDER_DAYS,
            "day15": False,
            "court": True,
        }
    centre = (doc.get("centre") or {}).get("id", "")  # the centre's own entries count too
    deadline: Deadline = mediation_deadline(doc["created_at"], calendar.for_centre(centre))
    extended = doc.get("mediation_extended_to")
    due = date.fromisoformat(extended) if extended else deadline.due
    provisional = deadline.provisional and not extended
    days_left = (due - today).days
    return {
        "due": due.isoformat(),
        "provisional": provisional,
        "days_left": days_left,
        "extended": bool(extended),
        "overdue": is_open and days_left < 0,
        "due_soon": is_open and 0 <= days_left <= REMINDER_DAYS,
        "day15": is_open and days_left <= 0,
        "court": False,
    }


def _queue_row(doc: dict[str, Any], calendar: WorkCalendar, today: date) -> dict[str, Any]:
    items = (doc.get("clarified") or {}).get("items") or []
    return {
        "serial": doc["_id"],
        "kind": doc["kind"],
        "status": doc["status"],
        "status_label": workflow.status_label(doc["status"]),
        "applicant_name": doc["applicant"]["name"],
        "respondent_name": doc["respondent"]["name"],
        "cause": items[0]["cause_level1_label"] if items else "",
        "mediator": (doc.get("mediator") or {}).get("name", ""),
        "centre_name": (doc.get("centre") or {}).get("name", ""),
        "created_at": shanghai_iso(doc["created_at"]),
        "deadline": _deadline_view(doc, calendar, today),
        "failed_notifications": sum(1 for n in doc.get("notifications", []) if n.get("state") == "failed"),
        "respondent": _respondent_flag(doc),
        "delegation": _delegation_row(doc, today),
        "correction": corrections.queue_flag(doc, today),
    }


def _delegation_row(doc: dict[str, Any], today: date) -> dict[str, Any] | None:
    """A delegated case's clock in the queue (services/court/): the partner, the day to answer by (working days)
    while it waits, flagged once past; then the court's period."""
    docking = doc.get("docking")
    if not docking:
        return None
    waiting = doc["status"] == workflow.DELEGATED
    return {
        "partner": docking.get("partner_name", ""),
        "waiting": waiting,
        "answer_due": docking.get("answer_due"),
        "answer_due_provisional": docking.get("answer_due_provisional", False),
        "answer_overdue": waiting and today.isoformat() > str(docking.get("answer_due")),
        "not_confirmed_in_time": bool(docking.get("overdue_reported_at")),
        "mediation_due": docking.get("mediation_due"),
    }


def _respondent_flag(doc: dict[str, Any]) -> str:
    """What the queue says of the respondent: answered (agree/decline/propose), silent, not invited electronically
    (to be invited otherwise: services/cases/service.py), or nothing yet."""
    invited = doc.get("respondent_access") or {}
    answer = invited.get("answer") or {}
    if answer.get("decision"):
        return text(f"answer.{answer['decision']}")
    if invited.get("undelivered_at") and not invited.get("served_on"):
        return text("service.queue.undelivered")
    return text("answer.silent") if invited.get("silence_recorded_at") else ""


async def applicant_deadline(ctx: ServiceContext, case_view: dict[str, Any], centre_id: str) -> dict[str, Any]:
    """The mediation period of a case as the applicant's page shows it (from the case view); `centre_id`: the
    case's centre, whose own calendar entries count too."""
    calendar = await load_work_calendar(ctx)
    today = ctx.clock().astimezone(SHANGHAI).date()
    received = datetime.fromisoformat(case_view["created_at"])
    shown = {
        "created_at": received,
        "status": case_view["status"],
        "centre": {"id": centre_id},
        "mediation_extended_to": case_view.get("mediation_extended_to"),
    }
    return _deadline_view(shown, calendar, today)


def _field_label(kind: str, party: str, name: str, short: bool = True) -> str:
    """A field of a party as the form names it: under the party's heading without its prefix (`form.*`), or in
    full (`field.*`); an unknown field as it is."""
    for key in ((f"form.{kind}.{party}.{name}",) if short else ()) + (f"field.{kind}.{party}.{name}",):
        if catalogue().has(key):
            return text(key)
    return name


def _shown(name: str, value: Any) -> str:
    """A stored value in words: codes by their labels, countries by name, yes/no, an address as its text."""
    if isinstance(value, bool):
        return WORDS.yes_no(value)
    if isinstance(value, Mapping):
        if "masked" in value:
            return str(value["masked"])
        return f"{value.get('region_name') or ''}{value.get('detail') or ''}"
    if name == "nationality":
        return WORDS.country(str(value))
    if name in CODED_FIELDS:
        return WORDS.label(CODED_FIELDS[name], value)
    return "" if value is None else str(value)


def party_rows(kind: str, party: str, stored: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A party as the case page lists it: each field's label and value in words, personal numbers masked (with
    `revealable` for an audited "show"), empty fields left out."""
    rows = []
    for name, value in stored.items():
        shown = _shown(name, value)
        if shown:
            rows.append(
                {
                    "name": name,
                    "label": _field_label(kind, party, name),
                    "value": shown,
                    "revealable": name in SEALED_FIELDS,
                }
            )
    return rows


def review_flag_words(kind: str, flags: list[str]) -> list[str]:
    """The review flags intake raised ("respondent.uscc:check_failed"), each as a sentence a mediator acts on."""
    out = []
    for flag in flags:
        where, _, problem = flag.partition(":")
        party, _, name = where.partition(".")
        key = f"label.review_flag.{problem}"
        field = _field_label(kind, party, name, short=False)
        out.append(text(key, field=field) if catalogue().has(key) else flag)
    return out


async def staff_case(ctx: ServiceContext, member: StaffMember, serial: str) -> dict[str, Any]:
    """The case page's data: parties masked, claim, evidence, timeline, clarification, deadline, notices."""
    doc = await access.for_staff(ctx, member, serial)
    calendar = await load_work_calendar(ctx)
    today = ctx.clock().astimezone(SHANGHAI).date()
    view = await party_view(ctx, doc)
    view["centre_id"] = doc["centre"]["id"]
    view["party_rows"] = {party: party_rows(doc["kind"], party, doc[party]) for party in ("applicant", "respondent")}
    view["deadline"] = _deadline_view(doc, calendar, today)
    view["clarified"] = doc.get("clarified")
    view["clarifications"] = doc.get("clarifications", [])
    view["session"] = doc.get("session")
    view["outcome"] = doc.get("outcome")
    view["review_flags"] = review_flag_words(doc["kind"], doc.get("review_flags", []))
    view["session_today"] = bool(doc.get("session")) and (
        doc["session"]["at"].astimezone(SHANGHAI).date() <= today
    )  # "开始调解" is offered on the session's day
    view["mediator_login"] = (doc.get("mediator") or {}).get("login", "")
    view["notifications"] = [
        {k: n.get(k) for k in ("kind", "title", "state", "attempts", "last_error", "channel")}
        | {"created_at": shanghai_iso(n.get("created_at")), "sent_at": shanghai_iso(n.get("sent_at"))}
        for n in doc.get("notifications", [])
    ]
    view["moves"] = workflow.moves_from(doc["status"])
    view["closure_reasons"] = {code: text(f"label.closure_reason.{code}") for code in workflow.CLOSURE_REASONS}
    view["extensions"] = doc.get("extensions", [])
    named_respondent_files = view["respondent_files"]
    view["respondent_files"] = list(doc.get("respondent_evidence") or [])
    # The applicant's limitation as the back office reads it: the applicant in the third person, the safe last day.
    view["limitation"] = ends.case_limitation(doc, calendar).as_dict(audience="staff")
    view["routes"] = [r.as_dict() for r in routes(doc, today, calendar)]
    # An organisation party's agent: the authorisation the mediator saw (services/cases/signing.py), and the files
    # of that party it may be among.
    organisation = organisation_role(doc["kind"])
    view["organisation_role"] = organisation
    view["authority"] = (doc.get("authorities") or {}).get(organisation)
    view["organisation_files"] = view["evidence_files"] if organisation == "applicant" else named_respondent_files
    view["all_files"] = view["evidence_files"] + named_respondent_files
    settled = doc["status"] == workflow.SETTLED  # a judicial confirmation's courts (民事诉讼法 art. 205)
    view["court_choices"] = await confirmation_courts(ctx, doc) if settled else []
    view["corrections"] = corrections.for_staff_page(doc, today)
    view["service"] = service.staff_service(doc)  # the case file's service record (送达记录)
    return view


async def reveal(ctx: ServiceContext, member: StaffMember, serial: str, party: str, field: str) -> str:
    """A personal number in clear, for staff of the case's centre; every viewing is recorded."""
    if party not in ("applicant", "respondent") or field not in SEALED_FIELDS:
        raise invalid("field", "not_allowed", "error.not_allowed.reveal")
    doc = await access.for_staff(ctx, member, serial)
    value = unseal_party(ctx.cipher, doc[party], party).get(field)
    if not isinstance(value, str):
        raise NotFound("field_empty")
    await audit.record(ctx, member, "reveal", serial, field=f"{party}.{field}")
    return value


async def mediators_of(ctx: ServiceContext, centre_id: str) -> list[StaffMember]:
    """The active mediators (and centre admins, who mediate too) of a centre, for the assign list."""
    docs = (
        await ctx.db["staff"]
        .find({"centre_id": centre_id, "active": True}, {"name": 1, "role": 1, "centre_id": 1})
        .to_list(None)
    )
    return [StaffMember(d["_id"], d["name"], d["role"], d["centre_id"]) for d in docs if d["role"] != SYSTEM_ADMIN]
