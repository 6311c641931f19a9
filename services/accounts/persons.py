"""People and the identities through which they reach us (openids, unionid, later portal and card)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from services.core.context import ServiceContext


def identity_key(provider: str, app_id: str, subject: str) -> str:
    return f"{provider}:{app_id}:{subject}"


async def person_of_identity(ctx: ServiceContext, provider: str, app_id: str, subject: str) -> str | None:
    """The person an identity is linked to, or None: a lookup that creates nothing."""
    found = await ctx.db["identities"].find_one({"_id": identity_key(provider, app_id, subject)}, {"person_id": 1})
    return found["person_id"] if found else None


async def person_for_identity(
    ctx: ServiceContext, provider: str, app_id: str, subject: str, unionid: str | None = None
) -> str:
    """The person behind a signed-in identity, created on first sight.

    Two identities are linked only on proof: here, WeChat's unionid, which WeChat itself gives to
    both the official account's and the mini-program's openid of the same user.
    """
    known = await person_of_identity(ctx, provider, app_id, subject)
    if known:
        return known
    identities = ctx.db["identities"]
    key = identity_key(provider, app_id, subject)
    person_id = None
    if unionid:
        linked = await identities.find_one({"_id": identity_key("wechat_unionid", "", unionid)})
        person_id = linked["person_id"] if linked else None
    now = ctx.clock()
    if person_id is None:
        person_id = uuid.uuid4().hex
        await ctx.db["persons"].insert_one({"_id": person_id, "created_at": now, "verified": False})
    person_id = await _link(ctx, key, person_id, provider, now)
    if unionid:
        await _link(ctx, identity_key("wechat_unionid", "", unionid), person_id, "wechat_unionid", now)
    return person_id


async def new_person(ctx: ServiceContext, **fields: object) -> str:
    """A new person record (not verified unless `fields` say so)."""
    person_id = uuid.uuid4().hex
    await ctx.db["persons"].insert_one({"_id": person_id, "created_at": ctx.clock(), "verified": False, **fields})
    return person_id


async def link_identity(ctx: ServiceContext, provider: str, app_id: str, subject: str, person_id: str) -> str:
    """Link an identity to `person_id` (the caller holds the proof); returns the person it belongs to now,
    which is another one when the identity was already linked elsewhere (never moved silently)."""
    return await _link(ctx, identity_key(provider, app_id, subject), person_id, provider, ctx.clock())


async def _link(ctx: ServiceContext, key: str, person_id: str, provider: str, now: datetime) -> str:
    """Link an identity to a person; when a concurrent sign-in linked it first, that link wins."""
    try:
        await ctx.db["identities"].insert_one(
            {"_id": key, "person_id": person_id, "provider": provider, "created_at": now}
        )
        return person_id
    except DuplicateKeyError:
        existing = await ctx.db["identities"].find_one({"_id": key}, {"person_id": 1})
        return existing["person_id"]
