"""The public progress check: a serial plus the last four digits of the applicant's phone, rate-limited.

Two limits: every check from one address (per process, services/core/ratelimit.py), and the wrong
answers about one serial within an hour (in the database, so every process counts them together).
Only failures use that budget, and once it is spent only addresses that gave a wrong answer are
turned away: guessers from twenty addresses cannot shut out the applicant, who knows the digits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import ReturnDocument

from i18n import msg
from services.cases.views import phone_last4_matches
from services.cases.workflow import status_label
from services.core.codes import read_digits, read_serial
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import NotFound, ServiceError, ValidationFailed, field_error
from services.core.ratelimit import ClientRateLimiter


def _too_many() -> ServiceError:
    return ServiceError(429, "rate_limited", msg("error.rate_limited.progress"))


async def check_progress(
    ctx: ServiceContext, limiter: ClientRateLimiter, client: str, serial: str, phone_last4: str
) -> dict[str, Any]:
    errors = []
    typed, last4 = read_serial(serial), read_digits(phone_last4, 4)  # full-width digits read as ASCII
    if typed is None:
        errors.append(field_error("serial", "invalid", "error.invalid.serial"))
    if last4 is None:
        errors.append(field_error("phone_last4", "invalid", "error.invalid.phone_last4"))
    if typed is None or last4 is None:
        raise ValidationFailed(errors)
    if not typed.check_ok:  # 14 digits that fail the check digit: mistyped, so no such case
        raise ServiceError(404, "serial_mistyped", field="serial")
    serial, phone_last4 = typed.value, last4
    if not limiter.allow(client):
        raise _too_many()
    now = ctx.clock()
    window = now.replace(minute=0, second=0, microsecond=0)
    budget_id = f"progress:{serial}:{window:%Y%m%d%H}"
    doc = await ctx.db["cases"].find_one(
        {"_id": serial}, {"status": 1, "kind": 1, "applicant": 1, "created_at": 1, "updated_at": 1, "session": 1}
    )
    if doc is None or not phone_last4_matches(ctx, doc, phone_last4):
        failures = await ctx.db["rate_limits"].find_one_and_update(
            {"_id": budget_id},
            {
                "$inc": {"n": 1},
                "$setOnInsert": {"expires_at": window + timedelta(hours=2)},
                "$addToSet": {"failed": client},
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
            projection={"n": 1},
        )
        if failures["n"] > ctx.settings.progress_per_serial_per_hour:
            raise _too_many()
        raise NotFound("case_not_found", msg("error.case_not_found.progress"))
    spent = await ctx.db["rate_limits"].find_one({"_id": budget_id, "failed": client}, {"n": 1})
    if spent is not None and spent["n"] > ctx.settings.progress_per_serial_per_hour:
        raise _too_many()  # the right digits, but from an address that guessed wrong past the budget
    session = doc.get("session") or {}
    return {
        "serial": serial,
        "status": doc["status"],
        "status_label": status_label(doc["status"]),
        "submitted_at": shanghai_iso(doc["created_at"]),
        "updated_at": shanghai_iso(doc["updated_at"]),
        "next_session_at": shanghai_iso(session.get("at")),
    }
