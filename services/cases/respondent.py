"""The respondent takes part: invited, proved, answering within the centre's period, with evidence of their own.

The interface later issues build on:
- `invitation(ctx, doc, now)`: the fields and the SMS a move writes to invite the respondent (accept,
  or submission where a centre invites at once). The case then carries `respondent_access`:
  `{token_hash, invited_at, answer_due (YYYY-MM-DD), answer_due_provisional, person_id, claimed_at,
  claimed_by (sms_code|card), answer, silence_recorded_at}`.
- The invitation links to `/h5/respondent/invitations/{serial}/{token}`; the respondent proves they are
  the invited party with a one-time code sent to the phone the applicant gave (`send_code`, `claim`),
  or a card-verified identity whose ID number is the respondent's; never by knowing the serial.
- `answer`: agree, decline (optional reason: it ends the mediation) or agree and propose (text, amount), once.
- `respondent_cases` / `respondent_case`: "我的申请" of the cases where the person is the respondent.
Every write goes through the case writer (services/cases/moves.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from i18n import msg
from platforms.sms import SmsProvider
from services.accounts import persons, sms_codes
from services.accounts.portal_accounts import id_number_hash
from services.cases import access, documents, ends, moves, service, workflow
from services.cases.centre_rules import rules_of
from services.cases.outbox import (
    Line,
    applicant_phone_field,
    applicant_recipient,
    notice,
    respondent_notice,
    respondent_phone_field,
)
from services.cases.record import Notification, delegated
from services.cases.views import answer_view, case_summary, party_view, shown_answer
from services.core.amounts import optional_amount
from services.core.context import SHANGHAI, ServiceContext
from services.core.deadlines import working_days_deadline
from services.core.errors import Conflict, FieldError, NotFound, ServiceError, ValidationFailed, field_error, invalid
from services.core.personal_data import unseal_party
from services.core.phones import e164, is_mobile, mask_phone
from services.core.work_calendar import WorkCalendar, load_work_calendar

CODE_PURPOSE = "respond"
DECISIONS = ("agree", "decline", "propose")
ANSWER_WORDS = {"agree": "agreed", "decline": "declined", "propose": "proposed"}  # notice.value.<words>
MAX_REASON = 500
MAX_PROPOSAL = 2000
MAX_FILES = 50
PHONE_IDENTITY = "phone"  # identities `phone::<lookup hash>`: a phone proved by a one-time code
LIST_LIMIT = 200


def _token_hash(ctx: ServiceContext, serial: str, token: str) -> str:
    return ctx.cipher.lookup_hash(f"{serial}:{token}", "invitation")


async def invitation(
    ctx: ServiceContext, doc: Mapping[str, Any], now: datetime, calendar: WorkCalendar, court: str = ""
) -> tuple[dict[str, Any], list[Notification]]:
    """The `respondent_access` a move sets to invite the respondent, and the invitation it sends (by SMS, the
    respondent being unknown to us). `doc` needs `_id`, `kind`, `centre`, `applicant.name`. The answer is due
    within the centre's period (default 5 working days, counted as procedural law counts: the day of the
    invitation does not count) on the centre's calendar (its own entries over the national arrangement).
    `court`: the court or institute that delegated the case, named in the invitation (services/court/)."""
    if (doc.get("respondent_access") or {}).get("invited_at"):
        return {}, []
    serial, centre_id = doc["_id"], doc["centre"]["id"]
    days = (await rules_of(ctx, centre_id)).respondent_answer_days
    due = working_days_deadline(now, days, calendar.for_centre(centre_id))
    token = secrets.token_urlsafe(18)
    access_fields = {
        "token_hash": _token_hash(ctx, serial, token),
        "invited_at": now,
        "answer_due": due.due.isoformat(),
        "answer_due_provisional": due.provisional,
        "person_id": None,
        "claimed_at": None,
        "claimed_by": None,
        "answer": None,
        "silence_recorded_at": None,
    }
    invited = {"_id": serial, "kind": doc["kind"], "respondent_access": access_fields}
    if court:
        lines = [
            ("serial", serial),
            ("court", court[:20]),
            ("next_step", msg("notice.value.answer_by", date=due.due.isoformat())),
        ]
        sent = respondent_notice(invited, "delegated_invite", now, lines)
    else:
        lines = [
            ("serial", serial),
            ("applicant", (doc.get("applicant") or {}).get("name", "")[:20]),
            ("answer_due", due.due.isoformat()),
        ]
        sent = respondent_notice(invited, "invite", now, lines)
    assert sent is not None
    sent["link"] = f"/h5/respondent/invitations/{serial}/{token}"  # the SMS's link carries the invitation
    # The service record of this message (services/cases/service.py): an invitation that cannot be delivered is
    # flagged, and the answer period then runs from the day the mediator serves it otherwise.
    access_fields["notice"] = moves.service_key(sent["id"], "respondent")
    return {"respondent_access": access_fields}, [sent]


def applicant_invitation(
    doc: Mapping[str, Any], now: datetime, ctx: ServiceContext, court: str
) -> tuple[dict[str, Any], list[Notification]]:
    """A delegated case's applicant (the court filed it, nobody owns it yet) is invited like a respondent: an SMS to
    the phone the court gave, naming the court; proving it makes them the case's owner (`claim`, role applicant)."""
    if (doc.get("applicant_access") or {}).get("invited_at"):
        return {}, []
    serial = doc["_id"]
    token = secrets.token_urlsafe(18)
    access_fields = {
        "token_hash": _token_hash(ctx, serial, token),
        "invited_at": now,
        "person_id": None,
        "claimed_at": None,
        "claimed_by": None,
    }
    to = {"type": "applicant", "person_id": None, "phone_field": applicant_phone_field(doc["kind"])}
    lines = [("serial", serial), ("court", court[:20]), ("next_step", msg("notice.value.join_delegated"))]
    sent = notice("delegated_invite", to, f"/h5/applicant/invitations/{serial}/{token}", now, lines)
    return {"applicant_access": access_fields}, [sent]


# ---------------------------------------------------------------- proving the invitation

ROLES = ("respondent", "applicant")  # who may be invited: the respondent always, a delegated case's applicant
ACCESS = {"respondent": "respondent_access", "applicant": "applicant_access"}


def _role(role: str) -> str:
    if role not in ROLES:
        raise NotFound("invitation_not_found")
    return role


async def _invited_case(ctx: ServiceContext, serial: str, token: str, role: str = "respondent") -> dict[str, Any]:
    """The case this invitation belongs to; a wrong token is answered exactly like a missing case."""
    field = ACCESS[_role(role)]
    doc: dict[str, Any] | None = await ctx.db["cases"].find_one(
        {"_id": serial},
        {
            "kind": 1,
            "status": 1,
            "centre": 1,
            "respondent": 1,
            "applicant": 1,
            field: 1,
            "owner_person_id": 1,
            "docking.partner_name": 1,
        },
    )
    invited = (doc or {}).get(field) or {}
    if (
        doc is None
        or not invited.get("token_hash")
        or not secrets.compare_digest(invited["token_hash"], _token_hash(ctx, serial, token or ""))
    ):
        raise NotFound("invitation_not_found")
    return doc


def _phone(ctx: ServiceContext, doc: Mapping[str, Any], role: str = "respondent") -> str:
    field = respondent_phone_field(doc["kind"]) if role == "respondent" else applicant_phone_field(doc["kind"])
    return unseal_party(ctx.cipher, doc[role], role).get(field) or ""


async def invitation_view(ctx: ServiceContext, serial: str, token: str, role: str = "respondent") -> dict[str, Any]:
    """What the invitation page shows before any proof: whom it invites, where the code goes (masked)."""
    doc = await _invited_case(ctx, serial, token, role)
    invited = doc[ACCESS[role]]
    phone = _phone(ctx, doc, role)
    return {
        "serial": serial,
        "centre": doc["centre"]["name"],
        "respondent_name": doc["respondent"].get("name", ""),
        "role": role,
        "party_name": doc[role].get("name", ""),
        "court": (doc.get("docking") or {}).get("partner_name", ""),
        "phone_masked": mask_phone(phone) if phone else "",
        "can_text": bool(phone) and is_mobile(phone),
        "answer_due": invited.get("answer_due", ""),
        "answer_due_provisional": invited.get("answer_due_provisional", False),
        "claimed": bool(invited.get("person_id")),
        "status": doc["status"],
        "status_label": workflow.status_label(doc["status"]),
    }


async def send_code(ctx: ServiceContext, sms: SmsProvider, serial: str, token: str, role: str = "respondent") -> int:
    """A one-time code to the phone the applicant (or the court) gave; returns the seconds before another may be
    asked."""
    doc = await _invited_case(ctx, serial, token, role)
    phone = _phone(ctx, doc, role)
    if not phone or not is_mobile(phone):  # SMS only to mobiles: the centre calls a landline
        raise Conflict("invitation_no_mobile", field="code")
    return await sms_codes.send_code(ctx, sms, e164(phone), CODE_PURPOSE)


async def claim(
    ctx: ServiceContext,
    serial: str,
    token: str,
    code: str,
    person_id: str | None,
    channel: str,
    role: str = "respondent",
    consent: Any = None,
) -> str:
    """Prove the invitation: a right code (or a card-verified identity that is the party's); the signed-in
    person, or the person the proved phone belongs to, becomes the case's respondent (or, for a delegated case's
    applicant, its owner). Returns that person. `consent`: the party's 送达地址确认书, given with this first visit
    (services/cases/service.py), kept in the same write; without it their page asks for it.

    Each failure changes nothing: a wrong or expired code is a 422 on `code`, a 送达地址确认书 with a problem a 422
    on its field (`service.address`), another person's proof of an invitation already claimed a 409.
    """
    given = None if consent is None else service.parse_consent(consent, "service.")
    doc = await _invited_case(ctx, serial, token, role)
    field = ACCESS[role]
    invited = doc[field]
    if person_id and invited.get("person_id") == person_id:
        if given is not None:  # proved before: only the 送达地址确认书 is new
            await service.keep_consent(ctx, serial, role, person_id, doc["status"], given, channel)
        return person_id
    by = "card" if person_id and await _card_matches(ctx, person_id, doc, role) else "sms_code"
    if by == "sms_code":
        phone = _phone(ctx, doc, role)
        if not (code or "").strip():
            raise invalid("code", "required", "error.required.invitation_code")
        await sms_codes.consume_code(ctx, e164(phone), CODE_PURPOSE, code, field_name="code")
        person_id = await _person_of_phone(ctx, e164(phone), person_id)
    assert person_id is not None
    if invited.get("person_id") == person_id:  # the party proving it again (a new browser, a session ended)
        if given is not None:
            await service.keep_consent(ctx, serial, role, person_id, doc["status"], given, channel)
        return person_id
    if invited.get("person_id"):
        raise Conflict("invitation_claimed", field="code")
    now = ctx.clock()
    set_fields: dict[str, Any] = {
        f"{field}.person_id": person_id,
        f"{field}.claimed_at": now,
        f"{field}.claimed_by": by,
    }
    if given is not None:  # the 送达地址确认书 in the claim's own write
        set_fields |= service.consent_fields(role, given, now, channel)
    when = {f"{field}.token_hash": invited["token_hash"], f"{field}.person_id": None}
    if role == "applicant":  # the case is the person's own from now on: their pages, their messages
        set_fields["owner_person_id"] = person_id
        when["owner_person_id"] = None
    updated = await moves.record_event(
        ctx,
        serial,
        f"{role}_claimed",
        (role, person_id),
        channel,
        doc["status"],
        when=when,
        set_fields=set_fields,
        projection={"_id": 1},
    )
    if updated is None:  # someone proved it between our read and our write
        raise Conflict("invitation_claimed", field="code")
    return person_id


async def _claimed_case(ctx: ServiceContext, serial: str, role: str = "respondent") -> dict[str, Any]:
    field = ACCESS[_role(role)]
    doc: dict[str, Any] | None = await ctx.db["cases"].find_one(
        {"_id": serial, f"{field}.person_id": {"$ne": None}}, {"kind": 1, "respondent": 1, "applicant": 1, field: 1}
    )
    if doc is None or not (doc.get(field) or {}).get("person_id"):
        raise NotFound("invitation_not_found")
    return doc


async def send_return_code(ctx: ServiceContext, sms: SmsProvider, serial: str, role: str = "respondent") -> int:
    """A party coming back (a message's link, another browser) proves the phone again: a code to it. Only for
    a case whose invitation was proved: the way in is the invitation, the way back the same phone."""
    doc = await _claimed_case(ctx, serial, role)
    phone = _phone(ctx, doc, role)
    if not phone or not is_mobile(phone):
        raise Conflict("invitation_no_mobile", field="code")
    return await sms_codes.send_code(ctx, sms, e164(phone), CODE_PURPOSE)


async def sign_back_in(ctx: ServiceContext, serial: str, code: str, role: str = "respondent") -> str:
    """The party of `serial`, proved again by a code to the phone; 422 on a wrong code, 404 for anyone else."""
    doc = await _claimed_case(ctx, serial, role)
    if not (code or "").strip():
        raise invalid("code", "required", "error.required.invitation_code")
    phone = e164(_phone(ctx, doc, role))
    await sms_codes.consume_code(ctx, phone, CODE_PURPOSE, code, field_name="code")
    person = await persons.person_of_identity(ctx, PHONE_IDENTITY, "", ctx.cipher.lookup_hash(phone, "mobile_identity"))
    if person is None or person != doc[ACCESS[role]]["person_id"]:
        raise NotFound("invitation_not_found")  # the phone proved, but the case's party is another person
    return person


async def _card_matches(ctx: ServiceContext, person_id: str, doc: Mapping[str, Any], role: str = "respondent") -> bool:
    """A person whose social security card identity is the invited party's own ID number (a worker's)."""
    number = unseal_party(ctx.cipher, doc[role], role).get("id_number")
    is_worker = doc["kind"] == ("employer" if role == "respondent" else "worker")
    if not is_worker or not number:
        return False
    person = await ctx.db["persons"].find_one({"_id": person_id}, {"verified_id_hash": 1})
    return bool(person and person.get("verified_id_hash") == id_number_hash(ctx, number))


async def _person_of_phone(ctx: ServiceContext, phone: str, signed_in: str | None) -> str:
    """The person behind a phone proved by a code: the signed-in person (the phone is linked to them, on
    that proof), or whoever the phone was linked to before, or a new person."""
    subject = ctx.cipher.lookup_hash(phone, "mobile_identity")
    if signed_in:
        await persons.link_identity(ctx, PHONE_IDENTITY, "", subject, signed_in)
        return signed_in
    known = await persons.person_of_identity(ctx, PHONE_IDENTITY, "", subject)
    if known:
        return known
    created = await persons.new_person(ctx)
    return await persons.link_identity(ctx, PHONE_IDENTITY, "", subject, created)


# ---------------------------------------------------------------- the answer


def parse_answer(body: Mapping[str, Any]) -> dict[str, Any]:
    """The answer as every front sends it: `decision` (agree|decline|propose), `reason`, `proposal`, `amount`."""
    errors: list[FieldError] = []
    decision = body.get("decision")
    if decision not in DECISIONS:
        errors.append(field_error("decision", "invalid", "error.invalid.answer_decision"))
    reason, proposal = body.get("reason") or "", body.get("proposal") or ""
    for name, value, limit in (("reason", reason, MAX_REASON), ("proposal", proposal, MAX_PROPOSAL)):
        if not isinstance(value, str):
            errors.append(field_error(name, "wrong_type", "error.wrong_type.answer_text"))
        elif len(value.strip()) > limit:
            errors.append(field_error(name, "too_long", "error.too_long.answer", limit=limit))
    answer: dict[str, Any] = {"decision": decision}
    if decision == "decline" and isinstance(reason, str):
        answer["reason"] = reason.strip()
    if decision == "propose":
        if isinstance(proposal, str) and not proposal.strip():
            errors.append(field_error("proposal", "required", "error.required.proposal"))
        answer["proposal"] = proposal.strip() if isinstance(proposal, str) else ""
        answer["amount"] = _amount(body.get("amount"), errors)
    if errors:
        raise ValidationFailed(errors)
    return answer


def _amount(value: Any, errors: list[FieldError]) -> str:
    """The amount a proposal names ("" when it names none), to the cent."""
    try:
        amount = optional_amount(value, "proposal", path="amount")
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        return ""
    return "" if amount is None else f"{amount:.2f}"


async def answer(
    ctx: ServiceContext,
    person_id: str,
    serial: str,
    body: Mapping[str, Any],
    channel: str,
    papers: documents.Papers | None = None,
) -> dict[str, Any]:
    """The respondent's one answer; the applicant is told. Two database commands: the read, the write.

    A second answer is a 409; an answer after the due day is kept and marked late, as long as the deadline watch
    has not yet recorded the silence that ends the mediation (services/cases/deadline_watch.py). A refusal ends the
    mediation at once (mediation is voluntary: 调解仲裁法 arts. 5, 14 ¶3), in the same write: the `refuse` move, each
    party told in writing (services/cases/ends.py; `papers`: where the notices are rendered). In a case a court or
    an arbitration institute delegated, the case goes back to the partner with its materials and the report the
    facts make (法释〔2021〕23号 art. 15 ¶2, art. 21).
    """
    parsed = parse_answer(body)
    doc = await access.for_respondent(ctx, person_id, serial, ends.END_PROJECTION)
    invited = doc["respondent_access"]
    if invited.get("answer"):
        raise Conflict("already_answered", field="decision")
    if doc["status"] in workflow.CLOSED:
        raise Conflict("case_closed", msg("error.case_closed.evidence"), field="status")
    now = ctx.clock()
    late = now.astimezone(SHANGHAI).date().isoformat() > invited["answer_due"]
    parsed |= {"at": now, "channel": channel, "late": late}
    when = {"respondent_access.person_id": person_id, "respondent_access.answer": None}
    if parsed["decision"] == "decline":
        shown = await _refused(ctx, doc, person_id, parsed, channel, when)
        if papers is not None:
            await documents.issue_end_papers(ctx, papers, serial)
        return shown
    result = msg(f"notice.value.{ANSWER_WORDS[parsed['decision']]}")
    to_applicant = applicant_recipient(doc)
    lines: list[Line] = [("serial", serial), ("result", result)]
    notices = [notice("respondent_answered", to_applicant, f"/h5/cases/{serial}", now, lines)] if to_applicant else []
    updated = await moves.record_event(
        ctx,
        serial,
        "respondent_answer",
        ("respondent", person_id),
        channel,
        doc["status"],
        when=when | {"status": {"$nin": sorted(workflow.CLOSED)}},
        set_fields={"respondent_access.answer": parsed},
        notify=notices,
        note=result.text(),
        projection={"respondent_access": 1},
    )
    if updated is None:  # answered (or closed) between the read and the write
        raise Conflict("already_answered", field="decision")
    answered = updated["respondent_access"]["answer"]
    assert answered is not None  # the write set it
    return shown_answer(answered)


async def _refused(
    ctx: ServiceContext,
    doc: Mapping[str, Any],
    person_id: str,
    parsed: dict[str, Any],
    channel: str,
    when: dict[str, Any],
) -> dict[str, Any]:
    """The respondent refuses: the mediation ends (`refuse`, refused_to_continue: 法释〔2021〕23号 art. 25(4)), both
    parties told with their next right; a delegated case's partner receives the case back with its materials and
    the report the facts make (art. 15 ¶2, art. 21)."""
    now, serial = parsed["at"], doc["_id"]
    reason = parsed.get("reason", "")
    report = delegated(doc)
    if report:
        words = msg("event.note.respondent_refused", reason=reason or "—")
    else:
        words = msg("event.note.refused", reason=reason) if reason else msg("move.refuse")
    outcome: dict[str, Any] = {
        "kind": "failed",
        "at": now,
        "closure_reason": "refused_to_continue",
        "reason": words.text(),
    }
    if report:
        outcome["materials_returned"] = True
        outcome["report"] = {
            "facts": msg("report.refused.facts", name=doc["respondent"]["name"]).text(),
            "reason": outcome["reason"],
            "costs": "",
            "notes": "",
            "generated": True,
            "signed_by": (doc.get("mediator") or {}).get("name", ""),
        }
    fields = ends.end_fields(doc, "refused", outcome, report=report)
    lines: list[Line] = [("serial", serial), ("reason", msg("move.refuse"))]
    notices = ends.end_notices(doc, "fail", now, await load_work_calendar(ctx), lines, outcome)
    # The report and the materials go back with the end (services/court/events.py, through the writer's hook).
    updated = await moves.apply_move(
        ctx,
        serial,
        "refuse",
        ("respondent", person_id),
        channel,
        case=doc,
        when=when,
        set_fields={"respondent_access.answer": parsed, **fields},
        notify=notices,
        note=outcome["reason"],
    )
    answered = updated["respondent_access"]["answer"]
    assert answered is not None  # the write set it
    return shown_answer(answered)


# ---------------------------------------------------------------- evidence and views


async def add_evidence(ctx: ServiceContext, person_id: str, serial: str, body: Any, channel: str) -> dict[str, Any]:
    """Attach files the respondent uploaded (POST /h5/files, /api/mp/files) to the case as their evidence."""
    ids = body.get("file_ids") if isinstance(body, Mapping) else None
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_FILES or not all(isinstance(i, str) for i in ids):
        raise invalid("file_ids", "required", "error.required.file_ids", limit=MAX_FILES)
    ids = list(dict.fromkeys(i.strip().lower() for i in ids))
    doc = await access.for_respondent(ctx, person_id, serial, {"status": 1, "respondent_evidence": 1})
    if doc["status"] in workflow.CLOSED:
        raise Conflict("case_closed", msg("error.case_closed.evidence"), field="status")
    owned = await ctx.db["files"].find({"_id": {"$in": ids}, "owner_person_id": person_id}, {"_id": 1}).to_list(None)
    if len(owned) != len(ids):
        # Not the caller's file (or none at all): not found, as anything of someone else's.
        raise ServiceError(404, "unknown_file", msg("error.unknown_file.evidence"), "file_ids")
    new = [i for i in ids if i not in (doc.get("respondent_evidence") or [])]
    if new:
        await moves.record_event(
            ctx,
            serial,
            "respondent_evidence",
            ("respondent", person_id),
            channel,
            doc["status"],
            when={"respondent_access.person_id": person_id},
            push_fields={"respondent_evidence": {"$each": new}},
            note=msg("event.note.files", count=len(new)).text(),
            projection={"_id": 1},
        )
    return await respondent_case(ctx, person_id, serial)


async def respondent_cases(ctx: ServiceContext, person_id: str) -> list[dict[str, Any]]:
    """ "我的申请" of a respondent: the cases where the person proved the invitation, newest first."""
    fields = {
        "_id": 1,
        "kind": 1,
        "status": 1,
        "centre": 1,
        "mediator": 1,
        "session": 1,
        "clarified": 1,
        "applicant.name": 1,
        "respondent.name": 1,
        "created_at": 1,
        "updated_at": 1,
        "respondent_access": 1,
    }
    cursor = ctx.db["cases"].find({"respondent_access.person_id": person_id}, fields)
    docs = await cursor.sort("created_at", -1).limit(LIST_LIMIT).to_list(LIST_LIMIT)
    return [
        case_summary(doc)
        | {
            "applicant_name": doc["applicant"]["name"],
            "answer": answer_view((doc.get("respondent_access") or {}).get("answer")),
        }
        for doc in docs
    ]


async def respondent_case(ctx: ServiceContext, person_id: str, serial: str) -> dict[str, Any]:
    """One case as its respondent reads it: the claims, the evidence list, progress, their answer."""
    return await respondent_view(ctx, await access.for_respondent(ctx, person_id, serial))


async def respondent_view(ctx: ServiceContext, doc: dict[str, Any]) -> dict[str, Any]:
    """`respondent_case` of a case already read (and authorised)."""
    view = await party_view(ctx, doc, role="respondent")
    view["evidence"] = []  # the applicant's files are listed by name (evidence_files), not handed over
    return view
