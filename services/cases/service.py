"""Service (送达): every notice and document meant for a party served on them, with a record of it; each party's
送达地址确认书 (consent to electronic service, and the address for service otherwise); service on paper, recorded by
the mediator, where electronic service is refused or fails.

The model is 民事诉讼法 art. 90 (with the addressee's consent, documents may be served electronically, in a way that
confirms receipt; served on the day the message reaches the addressee's own system) and 民诉法解释 art. 136 (the
consent is confirmed in the 送达地址确认书); for a delegated case, 法释〔2021〕23号 arts. 8, 17 and 19 ¶2 (service of
the online mediation's documents to the parties through the platform).

What is served, generically (no kind is named here): every message the case writer puts in a party's outbox is a
notice served on them (services/cases/moves.py `service_records` opens its record in the same update), and every
document issued for a party (services/cases/documents.py, `to=`) is announced to them by a `served` message whose
delivery serves the document (`document_service`). The record of each (notice or document, party), in the case's
`service` (record.py `ServiceRecord`, keyed `<item id>-<party>`):

- sent: the sender delivered the message to the party's WeChat or phone (its channel and time, `delivery_fields`);
  or failed, with the reason;
- opened: the party opened their page of the case, which shows the notices served on them (`mark_opened`);
  downloaded: the party downloaded the document (a read by the addressee, never by staff);
- paper: the mediator served it otherwise (post, phone, in person), with the day and a note (`serve_on_paper`).

Electronic service counts only with the party's consent (`service_consent.<role>`, taken with the application,
at the respondent's first visit, or later on their page): a party who refuses is served on paper, and the message
is a courtesy. A respondent whose invitation could not be delivered (a landline, no phone) is flagged to the
mediator and the applicant is told (`undelivered`); the answer period then runs from the day the mediator records
serving the invitation otherwise (`serve_on_paper`), and the deadline watch records no silence before
(`INVITATION_SERVED`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from i18n import Msg, msg
from services.accounts.staff import StaffMember
from services.cases import access, moves, workflow
from services.cases.centre_rules import rules_of
from services.cases.outbox import PARTIES_PROJECTION, Line, applicant_recipient, notice, respondent_notice
from services.cases.record import Case, Notification, ServiceConsent, ServiceRecord
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.dates import parse_date
from services.core.deadlines import working_days_deadline
from services.core.errors import Conflict, FieldError, NotFound, ValidationFailed, field_error, invalid
from services.core.text import one_line
from services.core.work_calendar import load_work_calendar

PARTIES = moves.SERVED_PARTIES
MAX_ADDRESS = 200
MAX_RECIPIENT = 50
MAX_NOTE = 200
CONSENT_FIELDS = ("electronic", "address", "recipient")  # a 送达地址确认书's fields, as every front names them
METHODS = ("post", "phone", "in_person")  # service otherwise than through the platform
INVITATIONS = ("invite", "delegated_invite")  # the messages that invite the respondent
# A state of a service record, as staff and the party read it (`service.state.<state>`).
STATES = ("pending", "sent", "served", "refused", "failed", "no_channel", "paper")
NEEDS_PAPER = ("refused", "failed", "no_channel")  # electronic service cannot be had: the mediator serves otherwise
# The deadline watch records a respondent's silence only once the invitation was served: delivered, or served
# otherwise after it could not be (services/cases/deadline_watch.py).
INVITATION_SERVED = {
    "$or": [{"respondent_access.undelivered_at": None}, {"respondent_access.served_on": {"$ne": None}}]
}
CHANNEL = "backoffice"


# ---------------------------------------------------------------- the 送达地址确认书


def parse_consent(body: Any, prefix: str = "") -> dict[str, Any]:
    """A 送达地址确认书 as every front sends it: `electronic` (true: served through the platform; false: on paper),
    `address` (where paper is served) and, optional, `recipient` (who receives it). Every problem listed."""
    if not isinstance(body, Mapping):
        raise invalid(prefix.rstrip(".") or "electronic", "wrong_type", "error.wrong_type.service_consent")
    errors: list[FieldError] = []
    electronic = body.get("electronic")
    if not isinstance(electronic, bool):
        errors.append(field_error(f"{prefix}electronic", "required", "error.required.service_electronic"))
    texts: dict[str, str] = {}
    for name, limit, required in (("address", MAX_ADDRESS, True), ("recipient", MAX_RECIPIENT, False)):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            errors.append(field_error(f"{prefix}{name}", "wrong_type", f"error.wrong_type.service_{name}"))
            continue
        given = one_line(value or "").strip()
        if required and not given:
            errors.append(field_error(f"{prefix}{name}", "required", f"error.required.service_{name}"))
        elif len(given) > limit:
            errors.append(field_error(f"{prefix}{name}", "too_long", f"error.too_long.service_{name}", limit=limit))
        elif given:
            texts[name] = given
    unknown = sorted(set(body) - set(CONSENT_FIELDS))
    errors += [
        field_error(f"{prefix}{name}", "unknown_field", "error.unknown_field.service", name=name) for name in unknown
    ]
    if errors:
        raise ValidationFailed(errors)
    return {"electronic": electronic, **texts}


def consent_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """A page's 送达地址确认书 form as the body `parse_consent` reads (the choice `true`/`false` a boolean; none made:
    left out, so it is asked for)."""
    body: dict[str, Any] = {name: form.get(name, "") for name in ("address", "recipient")}
    choice = {"true": True, "false": False}.get(form.get("electronic", ""))
    return body | ({"electronic": choice} if choice is not None else {})


def consent_fields(role: str, consent: Mapping[str, Any], now: datetime, channel: str) -> dict[str, ServiceConsent]:
    """What a write sets to keep a party's 送达地址确认书 (the claim of an invitation, or `give_consent`)."""
    kept: ServiceConsent = {
        "electronic": bool(consent["electronic"]),
        "address": str(consent["address"]),
        "given_at": now,
        "channel": channel,
    }
    if consent.get("recipient"):
        kept["recipient"] = str(consent["recipient"])
    return {f"service_consent.{role}": kept}


def consent_note(consent: Mapping[str, Any]) -> str:
    """The timeline's words for a 送达地址确认书 given."""
    return msg("event.note.service_consent_" + ("electronic" if consent["electronic"] else "paper")).text()


async def give_consent(ctx: ServiceContext, person_id: str, serial: str, body: Any, channel: str) -> dict[str, Any]:
    """A party gives (or changes) their 送达地址确认书 on their page; the consent as now kept. One read, one write."""
    consent = parse_consent(body)
    doc, role = await access.for_party(ctx, person_id, serial, {"status": 1})
    return await keep_consent(ctx, serial, role, person_id, doc["status"], consent, channel)


async def keep_consent(
    ctx: ServiceContext, serial: str, role: str, person_id: str, status: str, consent: Mapping[str, Any], channel: str
) -> dict[str, Any]:
    """Write a party's 送达地址确认书 (an event of the timeline); the consent as now kept."""
    updated = await moves.record_event(
        ctx,
        serial,
        "service_consent",
        (role, person_id),
        channel,
        status,
        set_fields=dict(consent_fields(role, consent, ctx.clock(), channel)),
        note=consent_note(consent),
        projection={"service_consent": 1},
    )
    if updated is None:
        raise NotFound("case_not_found")
    shown = consent_view((updated.get("service_consent") or {}).get(role))
    assert shown is not None  # the write set it
    return shown


def consent_view(consent: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A 送达地址确认书 as its party and staff read it (None: not given yet)."""
    if not consent:
        return None
    return {
        "electronic": bool(consent.get("electronic")),
        "address": consent.get("address", ""),
        "recipient": consent.get("recipient", ""),
        "given_at": shanghai_iso(consent.get("given_at")),
        "label": msg("service.consent." + ("electronic" if consent.get("electronic") else "paper")).text(),
    }


# ---------------------------------------------------------------- records and their state


def state_of(record: Mapping[str, Any], consent: Mapping[str, Any] | None) -> str:
    """Where the service of one item on one party stands (STATES)."""
    if record.get("paper"):
        return "paper"
    if consent is not None and not consent.get("electronic"):
        return "refused"
    if record.get("item") == "document" and not record.get("notice"):
        return "no_channel"
    if record.get("sent_at"):
        return "served" if consent else "sent"  # delivered; without a consent given, not yet service
    if record.get("failed_at"):
        return "failed"
    return "pending"


def _served_at(record: Mapping[str, Any], state: str) -> str | None:
    """When it was served: the message's delivery (民事诉讼法 art. 90 ¶2), or the day recorded for paper."""
    if state == "paper":
        return str(record["paper"]["on"])
    if state == "served":
        return shanghai_iso(record.get("sent_at"))
    return None


def record_view(key: str, record: Mapping[str, Any], consent: Mapping[str, Any] | None) -> dict[str, Any]:
    """One service record as the case file and the party's page show it."""
    state = state_of(record, consent)
    paper = record.get("paper")
    channel = record.get("channel") or ""
    return {
        "key": key,
        "item": record["item"],
        "kind": record["kind"],
        "title": record.get("title", ""),
        "party": record["party"],
        "party_label": msg(f"service.party.{record['party']}").text(),
        "state": state,
        "state_label": msg(f"service.state.{state}").text(),
        "needs_paper": state in NEEDS_PAPER,
        "created_at": shanghai_iso(record.get("created_at")),
        "sent_at": shanghai_iso(record.get("sent_at")),
        "channel": channel,
        "channel_label": msg(f"service.channel.{channel}").text() if channel else "",
        "failed_at": shanghai_iso(record.get("failed_at")),
        "error": record.get("error", "") if record.get("failed_at") else "",
        "opened_at": shanghai_iso(record.get("opened_at")),
        "downloaded_at": shanghai_iso(record.get("downloaded_at")),
        "served_at": _served_at(record, state),
        "paper": {
            "method": paper["method"],
            "method_label": msg(f"service.method.{paper['method']}").text(),
            "on": paper["on"],
            "note": paper.get("note", ""),
        }
        if paper
        else None,
    }


def _records(doc: Mapping[str, Any]) -> list[tuple[str, ServiceRecord]]:
    """The case's service records, oldest first (a record some older write left without its item is skipped)."""
    stored: dict[str, ServiceRecord] = doc.get("service") or {}
    kept = [(k, r) for k, r in stored.items() if isinstance(r, Mapping) and r.get("item")]
    return sorted(kept, key=lambda pair: (pair[1].get("created_at") or datetime.min, pair[0]))


def party_service(doc: Mapping[str, Any], role: str) -> list[dict[str, Any]]:
    """What was served on this party (送达记录 of their page), oldest first: what the other party was served is
    not theirs to read."""
    consent = (doc.get("service_consent") or {}).get(role)
    return [record_view(k, r, consent) for k, r in _records(doc) if r["party"] == role]


def staff_service(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The case file's service record: each party's 送达地址确认书 and every notice and document served on them."""
    consents = doc.get("service_consent") or {}
    records = [record_view(k, r, consents.get(r["party"])) for k, r in _records(doc)]
    invited = doc.get("respondent_access") or {}
    return {
        "consents": {party: consent_view(consents.get(party)) for party in PARTIES},
        "records": records,
        "unserved": [r for r in records if r["state"] != "paper"],
        "methods": {m: msg(f"service.method.{m}").text() for m in METHODS},
        # Item 12: a respondent the platform could not invite, until the mediator serves the invitation otherwise.
        "invitation_undelivered": bool(invited.get("undelivered_at")) and not invited.get("served_on"),
        "invitation_key": invited.get("notice", ""),
    }


def document_state(doc: Mapping[str, Any], document_id: str, role: str) -> dict[str, Any] | None:
    """The service on this party of one document of the case (None: not served on them)."""
    key = moves.service_key(document_id, role)
    record = (doc.get("service") or {}).get(key)
    if not record or not record.get("item"):
        return None
    return record_view(key, record, (doc.get("service_consent") or {}).get(role))


async def mark_opened(ctx: ServiceContext, doc: dict[str, Any], role: str) -> None:
    """The party opened their page, which shows the notices served on them: those not opened before are opened
    now (one write, only when there is one). A document is opened when it is downloaded (`mark_downloaded`)."""
    keys = [k for k, r in _records(doc) if r["party"] == role and r["item"] == "notice" and not r.get("opened_at")]
    if keys:
        now = ctx.clock()
        await moves.record_reads(ctx, doc["_id"], keys, now)
        for key in keys:  # the page shows them opened now, as the case now says
            doc["service"][key]["opened_at"] = now


async def mark_downloaded(ctx: ServiceContext, doc: Mapping[str, Any], document_id: str, role: str) -> None:
    """The party downloaded a document served on them: the first download is the record's."""
    key = moves.service_key(document_id, role)
    record = (doc.get("service") or {}).get(key)
    if record and record.get("item") and not record.get("downloaded_at"):
        await moves.record_reads(ctx, doc["_id"], [key], ctx.clock(), downloaded=True)


# ---------------------------------------------------------------- documents served


def document_service(
    doc: Mapping[str, Any], document_id: str, kind: str, title: str, parties: Iterable[str], now: datetime
) -> tuple[dict[str, ServiceRecord], list[Notification]]:
    """Serving a document on `parties`: its record for each (set in the write that issues it), and the `served`
    message to each party there is a way to reach, whose delivery serves it. `doc` needs PARTIES_PROJECTION."""
    fields: dict[str, ServiceRecord] = {}
    messages: list[Notification] = []
    serial = doc["_id"]
    lines: list[Line] = [("serial", serial), ("document", title[:20]), ("next_step", msg("notice.value.open_document"))]
    for party in dict.fromkeys(parties):
        if party not in PARTIES:
            raise ValueError(f"a document is served on a party, not on {party!r}")
        key = moves.service_key(document_id, party)
        record: ServiceRecord = {
            "item": "document",
            "kind": kind,
            "title": title,
            "party": party,
            "created_at": now,
            "notice": None,
        }
        message: Notification | None
        if party == "applicant":
            to = applicant_recipient(doc)
            message = notice("served", to, f"/h5/cases/{serial}#service", now, lines) if to else None
        else:
            message = respondent_notice(doc, "served", now, lines, "#service")
        if message is not None:
            message["serves"] = key
            record["notice"] = message["id"]
            messages.append(message)
        fields[f"service.{key}"] = record
    return fields, messages


# ---------------------------------------------------------------- a party not reached, and paper


async def undelivered(ctx: ServiceContext, serial: str, notification: Mapping[str, Any]) -> None:
    """A message to a party could not be delivered (the sender gave up: a landline, no phone, WeChat refused). Its
    record says so already; when it is the respondent's invitation, the case says it too, once: the mediator sees
    that the respondent could not be invited electronically, and the applicant is told that the centre invites
    them otherwise (by post, by phone or in person) and that the answer period runs from then."""
    if notification.get("kind") not in INVITATIONS or (notification.get("to") or {}).get("type") != "respondent":
        return
    doc = await ctx.db["cases"].find_one({"_id": serial}, PARTIES_PROJECTION | {"status": 1})
    invited = (doc or {}).get("respondent_access") or {}
    if doc is None or doc["status"] in workflow.CLOSED or invited.get("person_id") or invited.get("served_on"):
        return  # ended, or the respondent found their way in anyway
    if invited.get("notice") and invited["notice"] != notification.get("serves"):
        return  # an older invitation's message
    now = ctx.clock()
    to = applicant_recipient(doc)
    lines: list[Line] = [("serial", serial), ("next_step", msg("notice.value.invited_otherwise"))]
    told = [notice("invitation_undelivered", to, f"/h5/cases/{serial}", now, lines)] if to else []
    await moves.record_event(
        ctx,
        serial,
        "invitation_undelivered",
        ("system", "sender"),
        "system",
        doc["status"],
        when={"respondent_access.undelivered_at": None, "respondent_access.person_id": None},
        set_fields={"respondent_access.undelivered_at": now},
        notify=told or None,
        note=str(notification.get("last_error") or ""),
        projection={"_id": 1},
    )


def parse_paper(form: Mapping[str, Any], records: Mapping[str, Any], earliest: str, today: str) -> dict[str, str]:
    """The mediator's record of a service on paper: which record (`key`), how (`method`), the day it was served
    (`on`: not before the case, not after today) and a note (a tracking number, who took the call)."""
    errors: list[FieldError] = []
    key = str(form.get("key") or "")
    if key not in records or not (records[key] or {}).get("item"):
        errors.append(field_error("key", "unknown", "error.unknown.service_record"))
    method = str(form.get("method") or "")
    if method not in METHODS:
        errors.append(field_error("method", "not_allowed", "error.not_allowed.service_method"))
    on = ""
    try:
        day = parse_date(form.get("on"), "on", "error.invalid.service_day").isoformat()
        if not earliest <= day <= today:
            errors.append(field_error("on", "out_of_range", "error.out_of_range.service_day", first=earliest))
        on = day
    except ValidationFailed as exc:
        errors += exc.errors
    note = one_line(str(form.get("note") or "")).strip()
    if len(note) > MAX_NOTE:
        errors.append(field_error("note", "too_long", "error.too_long.service_note", limit=MAX_NOTE))
    if errors:
        raise ValidationFailed(errors)
    return {"key": key, "method": method, "on": on, "note": note}


async def serve_on_paper(ctx: ServiceContext, member: StaffMember, serial: str, form: Mapping[str, Any]) -> Case:
    """The mediator records how and when a notice or document was served otherwise than through the platform (post,
    phone, in person): the record says so, and it is an event of the timeline. When it is the respondent's
    invitation (not answered yet), the answer period runs from that day: a new due day in working days on the
    centre's calendar, a silence recorded before forgotten, and the applicant told."""
    doc = await access.for_staff(ctx, member, serial, PARTIES_PROJECTION | {"status": 1, "service": 1, "created_at": 1})
    now = ctx.clock()
    today = now.astimezone(SHANGHAI).date().isoformat()
    earliest = doc["created_at"].astimezone(SHANGHAI).date().isoformat()
    paper = parse_paper(form, doc.get("service") or {}, earliest, today)
    key = paper.pop("key")
    record = doc["service"][key]
    if record.get("paper"):
        raise Conflict("already_served", field="key")
    set_fields: dict[str, Any] = {f"service.{key}.paper": paper | {"recorded_at": now, "recorded_by": member.login}}
    notify: list[Notification] = []
    invited = doc.get("respondent_access") or {}
    invitation = record["party"] == "respondent" and (
        key == invited.get("notice") or (not invited.get("notice") and record["kind"] in INVITATIONS)
    )
    if invitation and not invited.get("answer") and doc["status"] not in workflow.CLOSED:
        centre = doc["centre"]["id"]
        days = (await rules_of(ctx, centre)).respondent_answer_days
        calendar = (await load_work_calendar(ctx)).for_centre(centre)
        due = working_days_deadline(parse_date(paper["on"], "on", "error.invalid.service_day"), days, calendar)
        set_fields |= {
            "respondent_access.served_on": paper["on"],
            "respondent_access.answer_due": due.due.isoformat(),
            "respondent_access.answer_due_provisional": due.provisional,
            "respondent_access.silence_recorded_at": None,
        }
        to = applicant_recipient(doc)
        if to:
            lines: list[Line] = [
                ("serial", serial),
                ("method", msg(f"service.method.{paper['method']}")),
                ("answer_due", due.due.isoformat()),
            ]
            notify.append(notice("respondent_invited", to, f"/h5/cases/{serial}", now, lines))
    words: Msg = msg(
        "event.note.served_on_paper",
        title=record.get("title", ""),
        party=msg(f"service.party.{record['party']}"),
        method=msg(f"service.method.{paper['method']}"),
        on=paper["on"],
    )
    updated = await moves.record_event(
        ctx,
        serial,
        "served_on_paper",
        ("staff", member.login),
        CHANNEL,
        doc["status"],
        when={f"service.{key}.item": {"$exists": True}, f"service.{key}.paper": {"$exists": False}},
        set_fields=set_fields,
        notify=notify or None,
        note=words.text() + (f"（{paper['note']}）" if paper["note"] else ""),
    )
    if updated is None:
        raise Conflict("already_served", field="key")
    return updated
