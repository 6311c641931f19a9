"""The mediator's work on a case: the queue, the case as staff see it, clarifying the request, moves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pymongo import ReturnDocument

from services.accounts import audit
from services.accounts.staff import StaffMember, can_see_centre
from services.cases import workflow
from services.cases.outbox import applicant_notice
from services.cases.taxonomy import Taxonomy
from services.cases.views import apply_move, case_detail
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.deadlines import Deadline, mediation_deadline
from services.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from services.core.i18n import msg
from services.core.personal_data import SEALED_FIELDS, unseal_party
from services.core.work_calendar import WorkCalendar, load_work_calendar
from services.intake.validation import SECTIONS

CHANNEL = "backoffice"
QUEUE_PAGE_SIZE = 20
MAX_QUEUE_PAGE = 100_000  # far beyond any queue; keeps `skip` inside what MongoDB accepts
MAX_VERSION = 2**31 - 1
MAX_ITEMS = 30
MAX_ITEM_TEXT = 500
MAX_REASON = 1000
MAX_PLACE = 200
REMINDER_DAYS = 3  # a case this close to its deadline is flagged to the mediator
_AMOUNT = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
_URL = re.compile(r"^https://[^\s]{3,300}$")

QUEUE_FIELDS = {
    "_id": 1, "kind": 1, "status": 1, "applicant.name": 1, "respondent.name": 1, "mediator": 1,
    "clarified": 1, "created_at": 1, "updated_at": 1, "session": 1, "centre": 1, "notifications.state": 1,
}  # fmt: skip


def _actor(member: StaffMember) -> tuple[str, str]:
    return ("staff", member.login)


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class QueueFilter:
    status: str = ""
    cause: str = ""  # first-level cause code
    date_from: date | None = None
    date_to: date | None = None
    mediator: str = ""  # a login, or "none" for unassigned
    overdue: bool = False
    page: int = 1


def start_of_day_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, SHANGHAI).astimezone(UTC)


def latest_overdue_receipt(today: date, calendar: WorkCalendar) -> date:
    """The last receipt date whose 15-day period ended before today.

    The due date never decreases as the receipt date grows, so "overdue" is "received on or before
    this day": a range on `created_at`, which the database can answer from an index.
    """
    day = today - timedelta(days=15)
    while mediation_deadline(day, calendar).due >= today:
        day -= timedelta(days=1)
    return day


async def queue(ctx: ServiceContext, member: StaffMember, filters: QueueFilter) -> dict[str, Any]:
    """One page of the member's centre's cases, newest first, with their deadlines."""
    calendar = await load_work_calendar(ctx)
    today = ctx.clock().astimezone(SHANGHAI).date()
    query: dict[str, Any] = {"centre.id": member.centre_id}
    if filters.status:
        if filters.status not in workflow.STATUS_LABELS:
            raise ValidationFailed([FieldError("status", "not_allowed", "没有这种案件状态")])
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
    deadline: Deadline = mediation_deadline(doc["created_at"], calendar)
    is_open = doc["status"] not in workflow.CLOSED
    days_left = deadline.days_left(today)
    return {
        "due": deadline.due.isoformat(),
        "provisional": deadline.provisional,
        "days_left": days_left,
        "overdue": is_open and deadline.overdue(today),
        "due_soon": is_open and 0 <= days_left <= REMINDER_DAYS,
    }


def _queue_row(doc: dict[str, Any], calendar: WorkCalendar, today: date) -> dict[str, Any]:
    items = (doc.get("clarified") or {}).get("items") or []
    return {
        "serial": doc["_id"],
        "kind": doc["kind"],
        "status": doc["status"],
        "status_label": workflow.STATUS_LABELS[doc["status"]],
        "applicant_name": doc["applicant"]["name"],
        "respondent_name": doc["respondent"]["name"],
        "cause": items[0]["cause_level1_label"] if items else "",
        "mediator": (doc.get("mediator") or {}).get("name", ""),
        "created_at": shanghai_iso(doc["created_at"]),
        "deadline": _deadline_view(doc, calendar, today),
        "failed_notifications": sum(1 for n in doc.get("notifications", []) if n.get("state") == "failed"),
    }


async def applicant_deadline(ctx: ServiceContext, case_view: dict[str, Any]) -> dict[str, Any]:
    """The mediation period of a case as the applicant's page shows it (from the case view)."""
    calendar = await load_work_calendar(ctx)
    today = ctx.clock().astimezone(SHANGHAI).date()
    received = datetime.fromisoformat(case_view["created_at"])
    return _deadline_view({"created_at": received, "status": case_view["status"]}, calendar, today)


async def _case_for(ctx: ServiceContext, member: StaffMember, serial: str) -> dict[str, Any]:
    """The case if the member's centre holds it; another centre's case is simply not found."""
    doc = await ctx.db["cases"].find_one({"_id": serial})
    if doc is None or not can_see_centre(member, doc["centre"]["id"]):
        raise NotFound("case_not_found", msg("error.case_not_found.staff"))
    return doc


async def staff_case(ctx: ServiceContext, member: StaffMember, serial: str) -> dict[str, Any]:
    """The case page's data: parties masked, claim, evidence, timeline, clarification, deadline, notices."""
    doc = await _case_for(ctx, member, serial)
    calendar = await load_work_calendar(ctx)
    today = ctx.clock().astimezone(SHANGHAI).date()
    view = case_detail(doc)
    view["centre_id"] = doc["centre"]["id"]
    view["labels"] = {
        party: {name: spec.label for name, spec in SECTIONS[doc["kind"], party].fields.items()}
        for party in ("applicant", "respondent")
    }
    view["deadline"] = _deadline_view(doc, calendar, today)
    view["clarified"] = doc.get("clarified")
    view["clarifications"] = doc.get("clarifications", [])
    view["session"] = doc.get("session")
    view["outcome"] = doc.get("outcome")
    view["review_flags"] = doc.get("review_flags", [])
    view["mediator_login"] = (doc.get("mediator") or {}).get("login", "")
    view["notifications"] = [
        {k: n.get(k) for k in ("kind", "title", "state", "attempts", "last_error", "channel")}
        | {"created_at": shanghai_iso(n.get("created_at")), "sent_at": shanghai_iso(n.get("sent_at"))}
        for n in doc.get("notifications", [])
    ]
    view["moves"] = [name for name, move in workflow.MOVES.items() if doc["status"] in move.sources]
    return view


async def reveal(ctx: ServiceContext, member: StaffMember, serial: str, party: str, field: str) -> str:
    """A personal number in clear, for staff of the case's centre; every viewing is recorded."""
    if party not in ("applicant", "respondent") or field not in SEALED_FIELDS:
        raise ValidationFailed([FieldError("field", "not_allowed", "只能查看证件号码或电话号码")])
    doc = await _case_for(ctx, member, serial)
    value = unseal_party(ctx.cipher, doc[party], party).get(field)
    if not isinstance(value, str):
        raise NotFound("field_empty")
    await audit.record(ctx, member, "reveal", serial, field=f"{party}.{field}")
    return value


# ---------------------------------------------------------------------------------------------
# Changing


async def assign(ctx: ServiceContext, member: StaffMember, serial: str, mediator_login: str) -> dict[str, Any]:
    """Put a mediator of the case's centre in charge: not a move, allowed in any open status."""
    doc = await _case_for(ctx, member, serial)
    mediator = next((m for m in await mediators_of(ctx, doc["centre"]["id"]) if m.login == mediator_login), None)
    if mediator is None:
        raise ValidationFailed([FieldError("mediator", "unknown", "请选择本中心在职的调解员")])
    now = ctx.clock()
    event = {"at": now, "actor": {"type": "staff", "id": member.login}, "action": "assign",
             "channel": CHANNEL, "status": doc["status"], "note": mediator.name}  # fmt: skip
    notice = applicant_notice(doc, "assigned", "调解员已确定", {"调解员": mediator.name},
                              f"/h5/cases/{serial}", now)  # fmt: skip
    updated = await ctx.db["cases"].find_one_and_update(
        {"_id": serial, "status": {"$nin": sorted(workflow.CLOSED)}},
        {
            "$set": {"mediator": {"login": mediator.login, "name": mediator.name}, "updated_at": now},
            "$push": {"timeline": event, "notifications": {"$each": [notice]}},
            "$min": {"outbox_due_at": now},
        },
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise Conflict("case_closed", field="status")
    return updated


def _amount(value: str, field: str, errors: list[FieldError]) -> str:
    text = (value or "").strip().replace(",", "")
    if not text:
        return "0.00"
    try:
        if not _AMOUNT.match(text):
            raise InvalidOperation
        return str(Decimal(text).quantize(Decimal("0.01")))
    except InvalidOperation:
        errors.append(FieldError(field, "invalid", "金额应为不超过两位小数的非负数字，如 12000.00"))
        return "0.00"


def check_request_items(taxonomy: Taxonomy, raw_items: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The standard request items a mediator wrote, each under a second-level cause; every problem listed."""
    errors: list[FieldError] = []
    items = []
    rows = [r for r in raw_items if any((r.get(k) or "").strip() for k in ("cause_code", "text", "amount"))]
    if not rows:
        raise ValidationFailed([FieldError("items", "required", "请至少填写一项请求事项")])
    if len(rows) > MAX_ITEMS:
        raise ValidationFailed([FieldError("items", "too_many", f"请求事项最多{MAX_ITEMS}项")])
    for i, row in enumerate(rows):
        prefix = f"items[{i}]"
        text = (row.get("text") or "").strip()
        if not text:
            errors.append(FieldError(f"{prefix}.text", "required", f"请填写第{i + 1}项请求的内容"))
        elif len(text) > MAX_ITEM_TEXT:
            errors.append(FieldError(f"{prefix}.text", "too_long", f"第{i + 1}项请求不能超过{MAX_ITEM_TEXT}字"))
        amount = _amount(row.get("amount", ""), f"{prefix}.amount", errors)
        try:
            cause = taxonomy.snapshot((row.get("cause_code") or "").strip(), f"{prefix}.cause_code")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        items.append({"number": i + 1, **cause, "text": text, "amount": amount})
    if errors:
        raise ValidationFailed(errors)
    return items


async def push_clarified(
    ctx: ServiceContext, member: StaffMember, taxonomy: Taxonomy, serial: str, raw_items: list[dict[str, str]]
) -> dict[str, Any]:
    """Send the standard request items to the applicant to confirm: a new numbered version."""
    doc = await _case_for(ctx, member, serial)
    items = check_request_items(taxonomy, raw_items)
    now = ctx.clock()
    version = int((doc.get("clarified") or {}).get("version", 0)) + 1
    clarified = {"version": version, "items": items, "pushed_at": now, "pushed_by": member.login,
                 "state": "pending", "answered_at": None, "comment": ""}  # fmt: skip
    notice = applicant_notice(
        doc, "clarify_pushed", "请确认调解请求",
        {"案件编号": serial, "请求事项": f"共{len(items)}项，请查看并确认"}, f"/h5/cases/{serial}/clarified", now,
    )  # fmt: skip
    return await apply_move(
        ctx, serial, "push_clarified", _actor(member), CHANNEL,
        set_fields={"clarified": clarified}, push_fields={"clarifications": clarified}, notify=[notice],
        # Conditional on the version read: two mediators pushing at once cannot both make version N.
        extra_filter={"clarified.version": version - 1} if version > 1 else {"clarified": None},
        note=f"第{version}版",
    )  # fmt: skip


async def answer_clarified(
    ctx: ServiceContext, person_id: str, serial: str, version: int, confirm: bool, comment: str, channel: str
) -> dict[str, Any]:
    """The applicant confirms the pushed items, or asks for a change with a comment."""
    if not 1 <= version <= MAX_VERSION:
        raise ValidationFailed([FieldError("version", "invalid", "请求事项的版本号无效，请刷新页面")])
    comment = (comment or "").strip()
    if not confirm and not comment:
        raise ValidationFailed([FieldError("comment", "required", "请写明需要修改的地方")])
    if len(comment) > MAX_REASON:
        raise ValidationFailed([FieldError("comment", "too_long", f"意见不能超过{MAX_REASON}字")])
    now = ctx.clock()
    move = "confirm_clarified" if confirm else "request_change"
    try:
        doc = await apply_move(
            ctx, serial, move, ("applicant", person_id), channel, owner_person_id=person_id,
            set_fields={"clarified.state": "confirmed" if confirm else "change_requested",
                        "clarified.answered_at": now, "clarified.comment": comment},
            extra_filter={"clarified.version": version}, note=comment,
        )  # fmt: skip
    except Conflict:
        current = await ctx.db["cases"].find_one({"_id": serial, "owner_person_id": person_id}, {"clarified": 1})
        if current and (current.get("clarified") or {}).get("version") != version:
            raise Conflict("clarified_version_stale") from None
        raise
    return case_detail(doc)


def _text(value: str, field: str, label: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed([FieldError(field, "required", f"请填写{label}")])
    if len(text) > limit:
        raise ValidationFailed([FieldError(field, "too_long", f"{label}不能超过{limit}字")])
    return text


async def simple_move(
    ctx: ServiceContext,
    member: StaffMember,
    serial: str,
    move: str,
    form: dict[str, str],
    terms: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """accept, decline, schedule, open_session, settle, fail: each checked, recorded and notified."""
    doc = await _case_for(ctx, member, serial)
    now = ctx.clock()
    link = f"/h5/cases/{serial}"
    set_fields: dict[str, Any] = {}
    note = ""
    if move == "accept":
        notice = applicant_notice(doc, move, "调解申请已受理", {"案件编号": serial, "状态": "已受理"}, link, now)
    elif move == "decline":
        note = _text(form.get("reason", ""), "reason", "不予受理的理由", MAX_REASON)
        set_fields["outcome"] = {"kind": "rejected", "at": now, "reason": note}
        notice = applicant_notice(doc, move, "调解申请不予受理", {"案件编号": serial, "理由": note[:20]}, link, now)
    elif move == "schedule":
        at = _session_time(form.get("at", ""), now)
        place = _text(form.get("place", ""), "place", "调解地点", MAX_PLACE, required=False)
        online = (form.get("online_link") or "").strip()
        if online and not _URL.match(online):
            raise ValidationFailed([FieldError("online_link", "invalid", "线上调解链接应以 https:// 开头")])
        if not place and not online:
            raise ValidationFailed([FieldError("place", "required", "请填写调解地点或线上调解链接")])
        set_fields["session"] = {"at": at, "place": place, "online_link": online, "scheduled_by": member.login}
        note = f"{shanghai_iso(at)[:16].replace('T', ' ')} {place or online}"
        when = at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        notice = applicant_notice(doc, move, "调解时间已安排", {"调解时间": when, "地点": (place or "线上")[:20]},
                                  link, now)  # fmt: skip
    elif move == "open_session":
        notice = applicant_notice(doc, move, "调解已开始", {"案件编号": serial}, link, now)
    elif move == "settle":
        agreement = check_agreement(form, terms or [], now)
        text = "；".join(t["text"] for t in agreement["terms"])
        set_fields["outcome"] = {"kind": "settled", "at": now, "agreement": agreement, "terms_text": text,
                                 "recorded_by": member.login}  # fmt: skip
        notice = applicant_notice(doc, move, "调解成功", {"案件编号": serial, "结果": "已达成调解协议"}, link, now)
    elif move == "fail":
        note = _text(form.get("reason", ""), "reason", "调解不成的原因", MAX_REASON)
        set_fields["outcome"] = {"kind": "failed", "at": now, "reason": note}
        notice = applicant_notice(
            doc, move, "调解未达成协议", {"案件编号": serial, "后续": "可依法申请劳动人事争议仲裁"}, link, now
        )
    else:
        raise NotFound("action_unknown")
    return await apply_move(
        ctx, serial, move, _actor(member), CHANNEL, set_fields=set_fields, notify=[notice], note=note
    )


def check_agreement(form: dict[str, str], rows: list[dict[str, str]], now: datetime) -> dict[str, Any]:
    """The agreed terms as numbered items (text, amount, due date, method), what is waived, copies."""
    errors: list[FieldError] = []
    terms = []
    for i, row in enumerate(r for r in rows if any((v or "").strip() for v in r.values())):
        text = (row.get("text") or "").strip()
        if not text:
            errors.append(FieldError(f"terms[{i}].text", "required", f"请填写第{i + 1}项协议内容"))
        elif len(text) > MAX_ITEM_TEXT:
            errors.append(FieldError(f"terms[{i}].text", "too_long", f"第{i + 1}项协议内容不能超过{MAX_ITEM_TEXT}字"))
        due = (row.get("due_date") or "").strip()
        if due:
            try:
                date.fromisoformat(due)
            except ValueError:
                errors.append(
                    FieldError(f"terms[{i}].due_date", "invalid", f"第{i + 1}项的履行期限应为日期，如 2026-12-31")
                )
        method = (row.get("method") or "").strip()[:100]
        terms.append({"text": text, "amount": _amount(row.get("amount", ""), f"terms[{i}].amount", errors),
                      "due_date": due, "method": method})  # fmt: skip
    if not terms:
        errors.append(FieldError("terms", "required", "请至少填写一项调解协议条款"))
    try:
        copies = int(form.get("copies") or 3)
    except ValueError:
        copies = 0
    if not 2 <= copies <= 10:
        errors.append(FieldError("copies", "invalid", "协议份数应为2到10份"))
    waivers = (form.get("waivers") or "").strip()
    if len(waivers) > MAX_REASON:
        errors.append(FieldError("waivers", "too_long", f"放弃的权利不能超过{MAX_REASON}字"))
    if errors:
        raise ValidationFailed(errors)
    effective = now.astimezone(SHANGHAI).date().isoformat()
    return {"terms": terms, "waivers": waivers, "copies": copies, "effective_date": effective}


def _session_time(text: str, now: datetime) -> datetime:
    """A session time typed in Shanghai time ("2026-12-01T09:30"), stored in UTC, not in the past."""
    try:
        local = datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationFailed([FieldError("at", "invalid", "请填写调解时间，如 2026-12-01 09:30")]) from None
    moment = (local if local.tzinfo else local.replace(tzinfo=SHANGHAI)).astimezone(UTC)
    if moment < now:
        raise ValidationFailed([FieldError("at", "in_past", "调解时间不能早于现在")])
    if moment > now + timedelta(days=365):
        raise ValidationFailed([FieldError("at", "too_far", "调解时间不能晚于一年以后")])
    return moment


async def mediators_of(ctx: ServiceContext, centre_id: str) -> list[StaffMember]:
    """The active mediators (and centre admins, who mediate too) of a centre, for the assign list."""
    docs = (
        await ctx.db["staff"]
        .find({"centre_id": centre_id, "active": True}, {"name": 1, "role": 1, "centre_id": 1})
        .to_list(None)
    )
    return [StaffMember(d["_id"], d["name"], d["role"], d["centre_id"]) for d in docs if d["role"] != "system_admin"]
