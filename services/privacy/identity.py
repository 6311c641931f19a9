"""Who asks for a copy is proved again first (docs/privacy.md#a-copy): a copy gathers a person's data in one file,
so a session left open on a shared computer, or a copied token, must not be enough.

A proof is fresh for FRESH: a sign-in that recent (the session's or the token's issue time: inside WeChat a new
sign-in is WeChat's own proof again; on a computer the password or the card's QR code), or a one-time code sent to
the mobile the person's portal account proved at registration.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from platforms.sms import SmsProvider
from services.accounts import portal_accounts, sms_codes
from services.core.context import ServiceContext
from services.core.errors import Conflict

FRESH = timedelta(minutes=10)
PURPOSE = "my_data"  # the SMS code's purpose (services/accounts/sms_codes.py)


def fresh(proved_at: datetime | None, now: datetime) -> bool:
    """Whether a proof given at `proved_at` still stands for a copy."""
    return proved_at is not None and now - FRESH <= proved_at <= now + timedelta(minutes=1)


async def proved_mobile(ctx: ServiceContext, person_id: str) -> str:
    """The mobile the person's portal account proved ('' without one: then only a fresh sign-in proves them)."""
    account = await portal_accounts.account_of(ctx, person_id)
    if account is None:
        return ""
    return ctx.cipher.decrypt(account["mobile"], portal_accounts.MOBILE_FIELD)


async def masked_mobile(ctx: ServiceContext, person_id: str) -> str:
    account = await portal_accounts.account_of(ctx, person_id)
    return str(account["mobile"].get("masked", "")) if account else ""


async def send_code(ctx: ServiceContext, sms: SmsProvider, person_id: str) -> int:
    """A one-time code to the person's proved mobile; 409 `no_proved_mobile` without one (sign in again instead)."""
    mobile = await proved_mobile(ctx, person_id)
    if not mobile:
        raise Conflict("no_proved_mobile", field="code")
    return await sms_codes.send_code(ctx, sms, mobile, PURPOSE)


async def check_code(ctx: ServiceContext, person_id: str, code: str) -> None:
    """The code sent to the person's mobile (used up); 422 when wrong or expired, 409 without a proved mobile."""
    mobile = await proved_mobile(ctx, person_id)
    if not mobile:
        raise Conflict("no_proved_mobile", field="code")
    await sms_codes.consume_code(ctx, mobile, PURPOSE, code, "code")
