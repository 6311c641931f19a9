"""SMS verification codes: issuing and checking codes, and the service-wide caps on how many messages go out.

The providers that carry the messages are in platforms/sms.py; the stand-in that records them in standins/sms.py.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from pymongo import ReturnDocument

from i18n import msg
from platforms.sms import SmsProvider, SmsUnavailable
from services.core.codes import read_digits
from services.core.context import SHANGHAI, ServiceContext
from services.core.errors import DependencyDown, ServiceError, invalid

log = logging.getLogger("mediation.sms")

CODE_TTL = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
MAX_CODE_ATTEMPTS = 5  # wrong guesses before the code is dropped (a new one must be asked for)
PURPOSES = {purpose: msg(f"sms.purpose.{purpose}") for purpose in ("register", "reset")}  # asked for on the portal
# Codes the service sends only to a mobile it already holds as proved (services/privacy/identity.py: a copy of one's
# data), never to a number someone types.
OWN_PURPOSES = {"my_data": msg("sms.purpose.my_data")}
# Sent instead of a code when the purpose does not fit the mobile's account (services.portal_accounts.send_code):
# the phone's owner learns why no code came, the asker learns nothing. A real gateway maps each to a template.
NOTICES = {notice: msg(f"sms.notice.{notice}") for notice in ("already_registered", "no_account")}


def _code_id(ctx: ServiceContext, mobile: str, purpose: str) -> str:
    return ctx.cipher.lookup_hash(f"{purpose}:{mobile}", "sms_code_slot")


def _code_hash(ctx: ServiceContext, mobile: str, purpose: str, code: str) -> str:
    # Keyed: a copy of the database does not give the codes away (10^6 values are quickly tried otherwise).
    return ctx.cipher.lookup_hash(f"{purpose}:{mobile}:{code}", "sms_code")


def _aware(moment: datetime, now: datetime) -> datetime:
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment


async def send_code(
    ctx: ServiceContext, provider: SmsProvider, mobile: str, purpose: str, notice: str | None = None
) -> int:
    """Issue a fresh code for (mobile, purpose) and send it; returns the seconds before another may be asked.

    `mobile` must be normalised. One code per minute per mobile and purpose; a new code replaces the old.
    With `notice` (a key of NOTICES) the phone gets that notice instead, under the same limits and with
    the same answer; the slot then holds no usable code, so any code given for it is simply wrong.
    """
    codes = ctx.db["sms_codes"]
    slot, now = _code_id(ctx, mobile, purpose), ctx.real_clock()
    previous = await codes.find_one({"_id": slot}, {"sent_at": 1})
    if previous and _aware(previous["sent_at"], now) > now - RESEND_AFTER:
        wait = int((_aware(previous["sent_at"], now) + RESEND_AFTER - now).total_seconds()) + 1
        raise ServiceError(429, "sms_too_soon", field="mobile", seconds=wait)
    counted = await _count_against_caps(ctx, now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    await codes.update_one(
        {"_id": slot},
        {
            "$set": {
                "code_hash": "" if notice else _code_hash(ctx, mobile, purpose, code),
                "sent_at": now,
                "expires_at": now + CODE_TTL,
                "attempts": 0,
            }
        },
        upsert=True,
    )
    try:
        if notice:
            await provider.send_notice(mobile, notice)
        else:
            await provider.send_code(mobile, code, purpose)
    except SmsUnavailable as exc:
        await codes.delete_one({"_id": slot, "sent_at": now})  # not sent: may be asked again at once
        await _uncount(ctx, counted)
        raise DependencyDown("sms_unavailable") from exc
    return int(RESEND_AFTER.total_seconds())


async def _count_against_caps(ctx: ServiceContext, now: datetime) -> list[str]:
    """Count one message against the service-wide caps (per minute, per Shanghai day; shared by every process),
    so that requests from many addresses for many mobiles cannot run up the bill; 429, nothing sent, when over."""
    minute = now.replace(second=0, microsecond=0)
    day = now.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    windows = (
        (
            f"sms:minute:{minute:%Y%m%d%H%M}",
            ctx.settings.sms_per_minute,
            minute + timedelta(minutes=2),
            "error.sms_global_limit.minute",
        ),
        (f"sms:day:{day:%Y%m%d}", ctx.settings.sms_per_day, day + timedelta(days=2), "error.sms_global_limit.day"),
    )
    counted: list[str] = []
    for key, cap, expires_at, refusal in windows:
        counter = await ctx.db["rate_limits"].find_one_and_update(
            {"_id": key},
            {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": expires_at}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        counted.append(key)
        if counter["n"] > cap:
            await _uncount(ctx, counted)  # refused requests do not use up the day's allowance
            raise ServiceError(429, "sms_global_limit", msg(refusal))
    return counted


async def _uncount(ctx: ServiceContext, keys: list[str]) -> None:
    for key in keys:
        await ctx.db["rate_limits"].update_one({"_id": key}, {"$inc": {"n": -1}})


async def consume_code(ctx: ServiceContext, mobile: str, purpose: str, code: str, field_name: str = "sms_code") -> None:
    """Check a code and use it up; ValidationFailed (422) when wrong, expired or tried too often."""
    codes = ctx.db["sms_codes"]
    slot, now = _code_id(ctx, mobile, purpose), ctx.real_clock()
    doc = await codes.find_one({"_id": slot})
    if doc is None or _aware(doc["expires_at"], now) <= now or doc.get("attempts", 0) >= MAX_CODE_ATTEMPTS:
        raise invalid(field_name, "sms_code_expired")
    given = read_digits(code, 6)  # typed on a Chinese keyboard: １２３４５６ is the code 123456
    if given is None or not secrets.compare_digest(doc["code_hash"], _code_hash(ctx, mobile, purpose, given)):
        await codes.update_one({"_id": slot, "sent_at": doc["sent_at"]}, {"$inc": {"attempts": 1}})
        raise invalid(field_name, "sms_code_wrong")
    # Deleting is the use: of two requests racing with the same code, only one deletes it.
    deleted = await codes.delete_one({"_id": slot, "code_hash": doc["code_hash"]})
    if deleted.deleted_count != 1:
        raise invalid(field_name, "sms_code_expired")
