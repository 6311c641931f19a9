"""A party's request to correct their personal data in a case (个人信息保护法 art. 46), answered by the centre in
the case's timeline by a due date the party is shown (docs/privacy.md#corrections).

The request names a field of the party's own particulars (what the applicant wrote about the respondent is the
respondent's to correct, not the applicant's), the correct value and why. It reaches the centre handling the case:
an event of the case's timeline, the case page's list of requests with the answer form, and a flag in the queue
when the due day is REMINDER_DAYS away or past. The mediator corrects it (a named field is then changed in the
case: a phone sealed and masked like any personal number) or refuses it with the reason, which the party reads.

The period: 个人信息保护法 sets none (art. 50 asks for a way to file requests and the reasons of a refusal); GB/T
35273-2020 § 8.7 c) answers within thirty days (or a period a law sets). We answer within CORRECTION_WORKING_DAYS
working days of the request, counted as every period here (services/core/deadlines.py), which ends within those
thirty days even across the Spring Festival (tests/services/cases/test_corrections.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from i18n import msg
from services.accounts.staff import StaffMember
from services.cases import access, moves
from services.core.codes import read_serial
from services.core.context import ServiceContext, shanghai_iso
from services.core.dates import read_date
from services.core.deadlines import working_days_deadline
from services.core.errors import Conflict, FieldError, NotFound, ValidationFailed, invalid
from services.core.idnumbers import NumberInvalid
from services.core.personal_data import SEALED_FIELDS, mask_field
from services.core.phones import parse_phone
from services.core.text import one_line
from services.core.work_calendar import load_work_calendar

CORRECTION_WORKING_DAYS = 15  # the period the party is shown (module docstring)
REMINDER_DAYS = 3  # the queue flags a request this close to its due day (as services/cases/queue.py does cases)
MAX_OPEN = 10  # open requests a party may have on one case: more waits for the answers
MAX_VALUE = 200
MAX_OTHER = 1000  # "other": what is wrong, in the party's words (the mediator corrects it by hand)
MAX_REASON = 500
OTHER = "other"
# The particulars a party may ask to correct: a natural person's own, or an organisation's people (its contact,
# its legal representative). The rest of a case (the claim, the facts) is the case itself: "other" asks for it.
PERSON_FIELDS = ("name", "phone", "address", "mailing_address", "email", "job_title", "work_location")
ORGANISATION_FIELDS = ("contact_name", "contact_phone", "legal_representative_name", "legal_representative_phone")
DECISIONS = ("corrected", "refused")
OPEN = "open"


def party_is_person(kind: str, role: str) -> bool:
    """Whether the party of `role` is a natural person: a worker's case's applicant, an employer's respondent."""
    return (kind == "worker") == (role == "applicant")


def correctable(kind: str, role: str) -> tuple[str, ...]:
    """The fields the party of `role` may ask to correct, and "other"."""
    return (*(PERSON_FIELDS if party_is_person(kind, role) else ORGANISATION_FIELDS), OTHER)


def _serial(value: Any) -> str:
    """A serial of the right shape (else 422); one whose check digit fails is no case of theirs (404, as any other)."""
    serial = read_serial(value)
    if serial is None:
        raise invalid("serial", "invalid", "error.invalid.serial")
    if not serial.check_ok:
        raise NotFound("case_not_found")
    return serial.value


def _text(value: Any, field: str, limit: int, required: bool) -> str:
    """Free text of a request or an answer; the correct value on one line (a name, an address), a reason as typed."""
    given = value.strip() if isinstance(value, str) else ""
    if field == "value":
        given = one_line(given)
    if required and not given:
        raise invalid(field, "required", f"error.required.correction_{field}")
    if len(given) > limit:
        raise invalid(field, "too_long", "error.too_long.correction", limit=limit)
    return given


def _requested(ctx: ServiceContext, role: str, field: str, value: Any) -> Any:
    """The correct value as kept: a phone checked and sealed under the party field's own name (so the answer can
    move it into the party as it is), other text on one line."""
    if field == OTHER:
        return _text(value, "value", MAX_OTHER, True)
    text = _text(value, "value", MAX_VALUE, True)
    if field in SEALED_FIELDS:
        try:
            number = parse_phone(text).e164
        except NumberInvalid as exc:
            raise ValidationFailed([FieldError("value", exc.code, exc.text)]) from None
        return ctx.cipher.encrypt(number, f"{role}.{field}") | {"masked": mask_field(field, number)}
    return text


def shown_value(value: Any) -> str:
    """A requested value as the parties and staff read it (a phone masked)."""
    return str(value.get("masked", "")) if isinstance(value, Mapping) else str(value or "")


def view(record: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    """One request as its party and the centre read it."""
    answer = record.get("answer") or {}
    due = str(record["due"])
    given = {
        "decision": answer.get("decision", ""),
        "note": answer.get("note", ""),
        "at": shanghai_iso(answer.get("at")),
    }
    out = {
        "id": record["id"],
        "role": record["role"],
        "field": record["field"],
        "value": shown_value(record.get("value")),
        "reason": record.get("reason", ""),
        "requested_at": shanghai_iso(record["at"]),
        "due": due,
        "due_provisional": bool(record.get("due_provisional")),
        "state": record["state"],
        "answer": given if answer else None,
    }
    due_day = read_date(due)  # stored by `request` as an ISO day
    if today is not None and due_day is not None:
        days_left = (due_day - today).days
        is_open = record["state"] == OPEN
        out["due_soon"] = is_open and 0 <= days_left <= REMINDER_DAYS
        out["overdue"] = is_open and days_left < 0
    return out


def queue_flag(doc: Mapping[str, Any], today: date) -> dict[str, Any] | None:
    """The queue's flag of a case with a correction request open: the earliest due day, and whether it is close
    (REMINDER_DAYS) or past. None without an open request."""
    open_dues = sorted(str(c["due"]) for c in doc.get("corrections") or [] if c.get("state") == OPEN)
    if not open_dues:
        return None
    days_left = (date.fromisoformat(open_dues[0]) - today).days
    return {
        "due": open_dues[0],
        "open": len(open_dues),
        "due_soon": 0 <= days_left <= REMINDER_DAYS,
        "overdue": days_left < 0,
    }


async def request(ctx: ServiceContext, person_id: str, body: Mapping[str, Any], channel: str) -> dict[str, Any]:
    """`{serial, field, value, reason}`: the party asks to correct one of their particulars in the case. A case
    the person is not a party to is not found (404); nothing is written on any refusal. Returns the request with
    the day it will be answered by."""
    serial = _serial(body.get("serial"))
    doc, role = await access.for_party(ctx, person_id, serial, {"kind": 1, "status": 1, "centre": 1, "corrections": 1})
    field = body.get("field")
    allowed = correctable(doc["kind"], role)
    if field not in allowed:
        raise invalid("field", "not_allowed", "error.not_allowed.correction_field")
    value = _requested(ctx, role, str(field), body.get("value"))
    reason = _text(body.get("reason"), "reason", MAX_REASON, False)
    mine = [c for c in doc.get("corrections") or [] if c.get("person_id") == person_id and c.get("state") == OPEN]
    if len(mine) >= MAX_OPEN:
        raise Conflict("too_many_corrections", field="serial", limit=MAX_OPEN)
    now = ctx.clock()
    calendar = (await load_work_calendar(ctx)).for_centre(doc["centre"]["id"])
    deadline = working_days_deadline(now, CORRECTION_WORKING_DAYS, calendar)
    record = {
        "id": uuid.uuid4().hex,
        "role": role,
        "person_id": person_id,
        "field": field,
        "value": value,
        "reason": reason,
        "at": now,
        "due": deadline.due.isoformat(),
        "due_provisional": deadline.provisional,
        "state": OPEN,
    }
    note = msg("event.note.correction_requested", field=msg(f"label.correction_field.{field}"), due=deadline.due)
    updated = await moves.record_event(
        ctx,
        serial,
        "correction_requested",
        (role, person_id),
        channel,
        doc["status"],
        push_fields={"corrections": record},
        note=note.text(),
        projection={"_id": 1},
    )
    if updated is None:  # the case went away between the read and the write
        raise NotFound("case_not_found")
    return {"serial": serial, **view(record)}


def _corrected_fields(doc: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """What a correction changes in the case: the party's named field (nothing for "other": corrected by hand)."""
    if record["field"] == OTHER:
        return {}
    return {f"{record['role']}.{record['field']}": record["value"]}


def parse_answer(form: Mapping[str, Any]) -> tuple[str, str]:
    decision = form.get("decision")
    if decision not in DECISIONS:
        raise invalid("decision", "not_allowed", "error.not_allowed.correction_decision")
    note = _text(form.get("note"), "note", MAX_REASON, decision == "refused")  # a refusal says why (art. 50)
    return str(decision), note


async def answer(
    ctx: ServiceContext, member: StaffMember, serial: str, correction_id: str, form: Mapping[str, Any]
) -> dict[str, Any]:
    """The centre's answer to one open request: `corrected` (a named field is changed in the case) or `refused`
    with the reason. Staff of another centre find no case; an answer already given is a 409."""
    decision, note = parse_answer(form)
    doc = await access.for_staff(ctx, member, serial, {"status": 1, "corrections": 1})
    records = list(doc.get("corrections") or [])
    index = next((i for i, c in enumerate(records) if c.get("id") == correction_id), None)
    if index is None:
        raise NotFound("correction_not_found")
    record = records[index]
    if record.get("state") != OPEN:
        raise Conflict("correction_answered", field="decision")
    now = ctx.clock()
    given = {"decision": decision, "note": note, "by": member.login, "at": now}
    changed = _corrected_fields(doc, record) if decision == "corrected" else {}
    words = msg(f"event.note.correction_{decision}", field=msg(f"label.correction_field.{record['field']}"), note=note)
    updated = await moves.record_event(
        ctx,
        serial,
        "correction_answered",
        ("staff", member.login),
        "office",
        doc["status"],
        when={f"corrections.{index}.id": correction_id, f"corrections.{index}.state": OPEN},
        set_fields={f"corrections.{index}.state": decision, f"corrections.{index}.answer": given, **changed},
        note=words.text(),
        projection={"_id": 1},
    )
    if updated is None:  # answered meanwhile by someone else
        raise Conflict("correction_answered", field="decision")
    return view(record | {"state": decision, "answer": given})


def of_person(cases: list[Mapping[str, Any]], person_id: str) -> list[dict[str, Any]]:
    """Every correction request the person made in these cases (theirs, read with `corrections`), newest first."""
    found = [
        {"serial": doc["_id"], **view(record)}
        for doc in cases
        for record in doc.get("corrections") or []
        if record.get("person_id") == person_id
    ]
    return sorted(found, key=lambda c: c["requested_at"], reverse=True)


def for_staff_page(doc: Mapping[str, Any], today: date) -> list[dict[str, Any]]:
    """The requests of a case as its case page lists them, open ones first."""
    rows = [view(c, today) for c in doc.get("corrections") or []]
    return sorted(rows, key=lambda c: (c["state"] != OPEN, c["due"]))
