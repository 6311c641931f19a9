"""Submitting an application: once per (person, key), a serial at once, routed to its centre."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from i18n import msg
from services.cases import collective, moves, respondent, workflow
from services.cases.centre_rules import rules_of
from services.cases.outbox import applicant_notice
from services.cases.record import Case, new_case
from services.cases.serials import DAILY_LIMIT, make_serial
from services.cases.views import party_view
from services.core.context import SHANGHAI, ServiceContext
from services.core.errors import ServiceError, invalid
from services.core.group_commit import group_of
from services.core.text import json_bytes
from services.core.work_calendar import load_work_calendar
from services.directory import nationalities
from services.intake.routing import route_case
from services.intake.validation import validate_application

IDEMPOTENCY_TTL = timedelta(hours=24)
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{8,100}$")


def check_idempotency_key(key: str | None) -> str:
    if not key or not IDEMPOTENCY_KEY_PATTERN.match(key):
        raise ServiceError(400, "idempotency_key_invalid", field="Idempotency-Key")
    return key


def body_fingerprint(body: Any) -> str:
    """The body as canonical JSON (keys in order, no spaces), hashed: a retry with the same key sends the same."""
    return hashlib.sha256(json_bytes(body, sort_keys=True)).hexdigest()


async def submit_application(
    ctx: ServiceContext,
    person_id: str,
    idempotency_key: str | None,
    body: Any,
    channel: str,
    require_service: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Create the case once per (person, key); returns (case view, created now).

    At most three commands on the usual path: the day's sequence, the idempotency record, the case.
    The record holds the serial before the case is written, so a retry after a crash between the
    two finishes the same case instead of creating another. The applicant's 送达地址确认书 (`service`) goes into the
    case itself (services/cases/record.py `new_case`): no command of its own; `require_service`: it must be given.
    """
    key = check_idempotency_key(idempotency_key)
    now = ctx.clock()
    application = validate_application(body, today=now.astimezone(SHANGHAI).date(), require_service=require_service)
    if application["consent"]["version"] not in ctx.settings.consent_versions:
        current = ctx.settings.consent_versions[-1]  # the client learns which notice to show again
        raise invalid("consent.version", "outdated", "error.outdated.consent", current=current)
    await _check_evidence(ctx, person_id, application["evidence"])
    fingerprint = body_fingerprint(body)
    record_id = f"{person_id}:{key}"
    serial = await next_serial(ctx, now)
    record: dict[str, Any] = {"_id": record_id, "fingerprint": fingerprint, "serial": serial, "created_at": now}
    try:
        await ctx.db["idempotency"].insert_one(record)
    except DuplicateKeyError:
        record = await _existing_record(ctx, record_id, record, now)
        if record["fingerprint"] != fingerprint:
            raise ServiceError(422, "idempotency_key_reused", field="Idempotency-Key") from None
        existing = await ctx.db["cases"].find_one({"_id": record["serial"]})
        if existing:
            return await party_view(ctx, existing), False
        serial = record["serial"]  # the first attempt stopped before writing its case
    doc = new_case(
        ctx,
        serial,
        "submit",
        ("applicant", person_id),
        channel,
        now,
        application,
        owner_person_id=person_id,
        consent_version=application["consent"]["version"],
        place=await route_case(ctx, application),
    )
    await _speak(ctx, doc, now)
    try:
        await moves.create(ctx, doc)
    except DuplicateKeyError:  # a concurrent retry of the same submission wrote it first
        existing = await ctx.db["cases"].find_one({"_id": serial, "owner_person_id": person_id})
        if existing is None:
            raise
        return await party_view(ctx, existing), False
    await collective.check_new_case(ctx, doc)  # ten workers against one employer: an alert, the cases linked
    await nationalities.count_chosen(ctx, [application[p].get("nationality") for p in ("applicant", "respondent")])
    return await party_view(ctx, doc), True


async def _existing_record(ctx: ServiceContext, record_id: str, fresh: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The stored record for this key; one older than 24 hours is forgotten and replaced by `fresh`."""
    record = await ctx.db["idempotency"].find_one({"_id": record_id})
    if record is None or now - record["created_at"] <= IDEMPOTENCY_TTL:
        return record or fresh
    # Expired (the embedded engine has no TTL monitor): replace it only if nobody else did.
    replaced = await ctx.db["idempotency"].find_one_and_update(
        {"_id": record_id, "created_at": record["created_at"]},
        {"$set": {k: v for k, v in fresh.items() if k != "_id"}},
        return_document=ReturnDocument.AFTER,
    )
    return replaced or await ctx.db["idempotency"].find_one({"_id": record_id})


async def next_serial(ctx: ServiceContext, now: datetime) -> str:
    """The next serial of the day (Asia/Shanghai): the submissions taking one at the same time share one command."""
    return await group_of(ctx, "serials", _take_serials)(now.astimezone(SHANGHAI).date())


async def _take_serials(ctx: ServiceContext, days: list[date]) -> list[str | Exception]:
    """One increment of each day's sequence by the number of serials asked of it; they are handed out in turn.
    Past the day's limit a submission is refused (503), not given a serial of another day."""
    taken = Counter(days)
    last: dict[date, int] = {}
    for day, count in taken.items():
        counter = await ctx.db["counters"].find_one_and_update(
            {"_id": f"serial:{day:%Y%m%d}"},
            {"$inc": {"seq": count}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        last[day] = counter["seq"] - count  # the serials before these
    serials: list[str | Exception] = []
    for day in days:
        last[day] += 1
        serials.append(
            make_serial(day, last[day]) if last[day] <= DAILY_LIMIT else ServiceError(503, "serial_exhausted")
        )
    return serials


async def _check_evidence(ctx: ServiceContext, person_id: str, file_ids: list[str]) -> None:
    """Every evidence reference must be a file this person uploaded, all within the per-case total (one query)."""
    if not file_ids:
        return
    cursor = ctx.db["files"].find({"_id": {"$in": file_ids}, "owner_person_id": person_id}, {"size": 1})
    found = await cursor.to_list(None)
    if len(found) != len(file_ids):
        raise invalid("evidence", "unknown_file", "error.unknown_file.evidence")
    total, limit = sum(int(doc.get("size", 0)) for doc in found), ctx.settings.evidence.max_case_bytes
    if total > limit:
        mb = 1024 * 1024
        raise invalid(
            "evidence",
            "evidence_total_too_large",
            "error.evidence_total_too_large.submit",
            total=total / mb,
            limit=limit / mb,
        )


async def _speak(ctx: ServiceContext, doc: Case, now: datetime) -> None:
    """The acknowledgement with the serial (applying interrupts the limitation: 调解仲裁法 art. 27), and the
    respondent's invitation where the centre invites at submission rather than on acceptance."""
    serial, owner = doc["_id"], doc["owner_person_id"]
    assert owner is not None  # an application's case belongs to its applicant from the start
    doc["notifications"].append(
        applicant_notice(
            owner,
            "submitted",
            f"/h5/cases/{serial}",
            now,
            [
                ("serial", serial),
                ("status", msg("notice.value.submitted")),
                ("next_step", msg("notice.value.limitation_interrupted")),
            ],
        )
    )
    if (await rules_of(ctx, doc["centre"]["id"])).invite_respondent_on == "submit":
        invited, invitations = await respondent.invitation(ctx, doc, now, await load_work_calendar(ctx))
        if invited:  # {} when the respondent was invited already
            doc["respondent_access"] = invited["respondent_access"]
        doc["notifications"].extend(invitations)
        doc["timeline"].append(moves.event(now, ("system", "intake"), "invite", "system", workflow.SUBMITTED))
