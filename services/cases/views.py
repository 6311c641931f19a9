"""Cases: submission (idempotent), the applicant's own views, moves through the workflow, progress."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.cases import workflow
from services.cases.serials import DAILY_LIMIT, make_serial
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.errors import Conflict, FieldError, NotFound, ServiceError, ValidationFailed
from services.core.personal_data import masked_party, seal_party
from services.intake.routing import route_case
from services.intake.validation import validate_application

SCHEMA_VERSION = 1
EVENT_LABELS = {"submit": "提交申请", "assign": "指派调解员"}  # events that are not moves of the table
IDEMPOTENCY_TTL = timedelta(hours=24)
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{8,100}$")
MY_CASES_LIMIT = 200

# What "我的申请" needs of a case; the timeline and the parties stay in the database.
SUMMARY_FIELDS = {
    "_id": 1,
    "kind": 1,
    "status": 1,
    "centre": 1,
    "mediator": 1,
    "session": 1,
    "clarified": 1,
    "respondent.name": 1,
    "applicant.name": 1,
    "created_at": 1,
    "updated_at": 1,
}


def check_idempotency_key(key: str | None) -> str:
    if not key or not IDEMPOTENCY_KEY_PATTERN.match(key):
        raise ServiceError(
            400,
            "idempotency_key_invalid",
            "请求缺少有效的 Idempotency-Key（8 到 100 位字母、数字或 _.:-）",
            "Idempotency-Key",
        )
    return key


def body_fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def submit_application(
    ctx: ServiceContext, person_id: str, idempotency_key: str, body: Any, channel: str
) -> tuple[dict[str, Any], bool]:
    """Create the case once per (person, key); returns (case view, created now).

    At most three commands on the usual path: the day's sequence, the idempotency record, the case.
    The record holds the serial before the case is written, so a retry after a crash between the
    two finishes the same case instead of creating another.
    """
    key = check_idempotency_key(idempotency_key)
    now = ctx.clock()
    application = validate_application(body, today=now.astimezone(SHANGHAI).date())
    if application["consent"]["version"] not in ctx.settings.consent_versions:
        raise ValidationFailed([FieldError("consent.version", "outdated", "告知书已更新，请重新阅读并同意后再提交")])
    await _check_evidence(ctx, person_id, application["evidence"])
    fingerprint = body_fingerprint(body)
    record_id = f"{person_id}:{key}"
    serial = await _next_serial(ctx, now)
    record = {"_id": record_id, "fingerprint": fingerprint, "serial": serial, "created_at": now}
    try:
        await ctx.db["idempotency"].insert_one(record)
    except DuplicateKeyError:
        record = await _existing_record(ctx, record_id, record, now)
        if record["fingerprint"] != fingerprint:
            raise ServiceError(
                422,
                "idempotency_key_reused",
                "同一个提交编号已用于另一份不同的申请，请刷新页面后重新提交",
                "Idempotency-Key",
            ) from None
        existing = await ctx.db["cases"].find_one({"_id": record["serial"]})
        if existing:
            return case_detail(existing), False
        serial = record["serial"]  # the first attempt stopped before writing its case
    doc = _new_case(ctx, serial, person_id, application, channel, now)
    try:
        await ctx.db["cases"].insert_one(doc)
    except DuplicateKeyError:  # a concurrent retry of the same submission wrote it first
        existing = await ctx.db["cases"].find_one({"_id": serial, "owner_person_id": person_id})
        if existing is None:
            raise
        return case_detail(existing), False
    return case_detail(doc), True


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


async def _next_serial(ctx: ServiceContext, now: datetime) -> str:
    day = now.astimezone(SHANGHAI).date()
    counter = await ctx.db["counters"].find_one_and_update(
        {"_id": f"serial:{day:%Y%m%d}"},
        {"$inc": {"seq": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    if counter["seq"] > DAILY_LIMIT:
        raise ServiceError(503, "serial_exhausted", "今日申请量已达上限，请明天再提交")
    return make_serial(day, counter["seq"])


async def _check_evidence(ctx: ServiceContext, person_id: str, file_ids: list[str]) -> None:
    """Every evidence reference must be a file this person uploaded, all within the per-case total (one query)."""
    if not file_ids:
        return
    cursor = ctx.db["files"].find({"_id": {"$in": file_ids}, "owner_person_id": person_id}, {"size": 1})
    found = await cursor.to_list(None)
    if len(found) != len(file_ids):
        raise ValidationFailed([FieldError("evidence", "unknown_file", "有证据文件不存在或已失效，请重新上传")])
    total, limit = sum(int(doc.get("size", 0)) for doc in found), ctx.settings.evidence.max_case_bytes
    if total > limit:
        mb = 1024 * 1024
        message = f"证据材料合计 {total / mb:.1f} MB，超过每件申请 {limit / mb:.0f} MB 的上限，请删减后再提交"
        raise ValidationFailed([FieldError("evidence", "evidence_total_too_large", message)])


def _new_case(
    ctx: ServiceContext, serial: str, person_id: str, application: dict[str, Any], channel: str, now: datetime
) -> dict[str, Any]:
    cipher = ctx.cipher
    return {
        "_id": serial,
        "schema_version": SCHEMA_VERSION,
        "kind": application["kind"],
        "status": workflow.SUBMITTED,
        "owner_person_id": person_id,
        "channel": channel,
        **route_case(ctx.settings, application),
        "applicant": seal_party(cipher, application["applicant"], "applicant"),
        "respondent": seal_party(cipher, application["respondent"], "respondent"),
        "claim": application["claim"],
        "evidence": application["evidence"],
        "consent": {"version": application["consent"]["version"], "accepted_at": now},
        "review_flags": application.get("review_flags", []),
        "mediator": None,
        "session": None,
        "timeline": [_event(now, "applicant", person_id, "submit", channel, workflow.SUBMITTED)],
        "notifications": [],
        "created_at": now,
        "updated_at": now,
    }


def _event(
    at: datetime, actor_type: str, actor_id: str, action: str, channel: str, status: str, note: str = ""
) -> dict[str, Any]:
    event = {
        "at": at,
        "actor": {"type": actor_type, "id": actor_id},
        "action": action,
        "channel": channel,
        "status": status,
    }
    if note:
        event["note"] = note
    return event


async def my_cases(ctx: ServiceContext, person_id: str) -> list[dict[str, Any]]:
    """ "我的申请": the person's cases, newest first, in one query."""
    cursor = ctx.db["cases"].find({"owner_person_id": person_id}, SUMMARY_FIELDS)
    docs = await cursor.sort("created_at", -1).limit(MY_CASES_LIMIT).to_list(MY_CASES_LIMIT)
    return [case_summary(doc) for doc in docs]


async def my_case(ctx: ServiceContext, person_id: str, serial: str) -> dict[str, Any]:
    """One of the person's cases with its timeline; someone else's case is simply not found."""
    doc = await ctx.db["cases"].find_one({"_id": serial, "owner_person_id": person_id})
    if doc is None:
        raise NotFound("case_not_found")
    return case_detail(doc)


async def withdraw(ctx: ServiceContext, person_id: str, serial: str, reason: str, channel: str) -> dict[str, Any]:
    doc = await apply_move(
        ctx,
        serial,
        "withdraw",
        ("applicant", person_id),
        channel,
        owner_person_id=person_id,
        note=reason,
    )
    return case_detail(doc)


async def apply_move(
    ctx: ServiceContext,
    serial: str,
    move_name: str,
    actor: tuple[str, str],
    channel: str,
    *,
    owner_person_id: str | None = None,
    set_fields: dict[str, Any] | None = None,
    push_fields: dict[str, Any] | None = None,
    notify: list[dict[str, Any]] | None = None,
    extra_filter: dict[str, Any] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One move of DESIGN.md's table as one update conditional on the current status.

    The status, its timeline event and the notifications it causes change together, in one
    `find_one_and_update`: atomic on any engine, and nothing to reconcile after a crash.
    """
    move = workflow.MOVES[move_name]
    now = ctx.clock()
    scope: dict[str, Any] = {"_id": serial}
    if owner_person_id is not None:
        scope["owner_person_id"] = owner_person_id
    event = _event(now, actor[0], actor[1], move_name, channel, move.target, note)
    update: dict[str, Any] = {
        "$set": {"status": move.target, "updated_at": now, **(set_fields or {})},
        "$push": {"timeline": event, **(push_fields or {})},
    }
    if notify:
        update["$push"]["notifications"] = {"$each": notify}
        update["$min"] = {"outbox_due_at": now}
    updated = await ctx.db["cases"].find_one_and_update(
        scope | (extra_filter or {}) | {"status": {"$in": sorted(move.sources)}},
        update,
        return_document=ReturnDocument.AFTER,
    )
    if updated is not None:
        return updated
    current = await ctx.db["cases"].find_one(scope, {"status": 1})
    if current is None:
        raise NotFound("case_not_found")
    label = workflow.STATUS_LABELS.get(current["status"], current["status"])
    raise Conflict("move_not_allowed", field="status", current=label, move=move.label)


def case_summary(doc: dict[str, Any]) -> dict[str, Any]:
    clarified = doc.get("clarified") or {}
    items = clarified.get("items") or []
    session = doc.get("session") or {}
    mediator = doc.get("mediator") or {}
    return {
        "serial": doc["_id"],
        "kind": doc["kind"],
        "status": doc["status"],
        "status_label": workflow.STATUS_LABELS.get(doc["status"], doc["status"]),
        "cause": items[0].get("cause_label") if items else None,
        "mediator": mediator.get("name"),
        "next_session_at": shanghai_iso(session.get("at")),
        "centre": (doc.get("centre") or {}).get("name"),
        "respondent_name": (doc.get("respondent") or {}).get("name"),
        "created_at": shanghai_iso(doc["created_at"]),
        "updated_at": shanghai_iso(doc["updated_at"]),
    }


def case_detail(doc: dict[str, Any]) -> dict[str, Any]:
    view = case_summary(doc)
    view.update(
        {
            "applicant": masked_party(doc["applicant"]),
            "respondent": masked_party(doc["respondent"]),
            "claim": {k: v for k, v in doc["claim"].items() if k != "amount_fen"},
            "evidence": list(doc.get("evidence", [])),
            "consent": {
                "version": doc["consent"]["version"],
                "accepted_at": shanghai_iso(doc["consent"]["accepted_at"]),
            },
            "timeline": [_event_view(e) for e in doc.get("timeline", [])],
            "clarified": _clarified_view(doc.get("clarified")),
            "outcome": _outcome_view(doc.get("outcome")),
            "session": _session_view(doc.get("session")),
        }
    )
    return view


def _clarified_view(clarified: dict[str, Any] | None) -> dict[str, Any] | None:
    """The standard request items as the applicant reads them (what the mediator pushed, and the answer)."""
    if not clarified:
        return None
    return {
        "version": clarified["version"],
        "state": clarified["state"],
        "comment": clarified.get("comment", ""),
        "pushed_at": shanghai_iso(clarified.get("pushed_at")),
        "items": [
            {k: item.get(k) for k in ("number", "cause_code", "cause_label", "cause_level1_label", "text", "amount")}
            for item in clarified["items"]
        ],
    }


def _outcome_view(outcome: dict[str, Any] | None) -> dict[str, Any] | None:
    if not outcome:
        return None
    shown = {k: outcome.get(k) for k in ("kind", "reason", "terms_text") if outcome.get(k)}
    return shown | {"at": shanghai_iso(outcome.get("at"))}


def _session_view(session: dict[str, Any] | None) -> dict[str, Any] | None:
    if not session:
        return None
    return {"at": shanghai_iso(session.get("at")), "place": session.get("place", ""),
            "online_link": session.get("online_link", "")}  # fmt: skip


def _event_view(event: dict[str, Any]) -> dict[str, Any]:
    move = workflow.MOVES.get(event["action"])
    view = {
        "at": shanghai_iso(event["at"]),
        "action": event["action"],
        "label": move.label if move else EVENT_LABELS.get(event["action"], event["action"]),
        "status": event["status"],
        "status_label": workflow.STATUS_LABELS.get(event["status"], event["status"]),
        "by": event["actor"]["type"],
    }
    if event.get("note"):
        view["note"] = event["note"]
    return view


def phone_last4_matches(ctx: ServiceContext, doc: dict[str, Any], last4: str) -> bool:
    """The second factor of the public progress check: the last four digits of the applicant's phone."""
    field = "phone" if doc["kind"] == "worker" else "contact_phone"
    sealed = doc["applicant"].get(field)
    if not sealed:
        return False
    phone = ctx.cipher.decrypt(sealed, f"applicant.{field}")
    return hmac.compare_digest(phone[-4:], last4)
