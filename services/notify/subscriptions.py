"""Mini-program subscribe-message grants: each one the applicant accepts allows exactly one send."""

from __future__ import annotations

import re
from typing import Any

from pymongo import ReturnDocument

from services.core.context import ServiceContext
from services.core.errors import invalid

COLLECTION = "mp_subscriptions"  # _id = person_id; grants: {template_id: one-time grants left}
MAX_GRANTS = 100  # WeChat accumulates one-time grants too; a cap keeps a looping client harmless
MAX_IDS = 20
_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")  # also keeps ids safe as field names


def known_templates(ctx: ServiceContext) -> set[str]:
    return {t.mini_program.template_id for t in ctx.settings.notifications.kinds.values() if t.mini_program}


async def record_grants(ctx: ServiceContext, person_id: str, body: Any) -> dict[str, int]:
    """`{template_ids: [...]}` as wx.requestSubscribeMessage accepted them: one more grant each."""
    ids = body.get("template_ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_IDS:
        raise invalid("template_ids", "required", "error.required.template_ids", limit=MAX_IDS)
    known = known_templates(ctx)
    for template_id in ids:
        if not isinstance(template_id, str) or not _TEMPLATE_ID.match(template_id) or template_id not in known:
            raise invalid("template_ids", "unknown_template")
    increments: dict[str, int] = {}
    for template_id in ids:  # the same id twice: the user accepted it twice (two sends)
        increments[f"grants.{template_id}"] = increments.get(f"grants.{template_id}", 0) + 1
    doc = await ctx.db[COLLECTION].find_one_and_update(
        {"_id": person_id},
        {"$inc": increments, "$set": {"updated_at": ctx.clock()}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    grants = doc.get("grants", {})
    over = {f"grants.{t}": MAX_GRANTS for t, n in grants.items() if n > MAX_GRANTS}
    if over:
        await ctx.db[COLLECTION].update_one({"_id": person_id}, {"$set": over})
        grants = grants | {key.split(".", 1)[1]: MAX_GRANTS for key in over}
    return {t: int(n) for t, n in grants.items() if t in known}


async def grants_of(ctx: ServiceContext, person_id: str) -> dict[str, int]:
    doc = await ctx.db[COLLECTION].find_one({"_id": person_id})
    known = known_templates(ctx)
    return {t: int(n) for t, n in (doc or {}).get("grants", {}).items() if t in known}


async def take_grant(ctx: ServiceContext, person_id: str, template_id: str) -> bool:
    """Use one grant before a send (one conditional update: two senders never use the same grant)."""
    taken = await ctx.db[COLLECTION].find_one_and_update(
        {"_id": person_id, f"grants.{template_id}": {"$gte": 1}},
        {"$inc": {f"grants.{template_id}": -1}},
        projection={"_id": 1},
    )
    return taken is not None


async def return_grant(ctx: ServiceContext, person_id: str, template_id: str) -> None:
    """The send did not go through (WeChat down): the grant was not used."""
    await ctx.db[COLLECTION].update_one({"_id": person_id}, {"$inc": {f"grants.{template_id}": 1}})


async def forget_grants(ctx: ServiceContext, person_id: str, template_id: str) -> None:
    """WeChat says the user has no grant (43101): our count was wrong; stop trying this channel."""
    await ctx.db[COLLECTION].update_one({"_id": person_id}, {"$set": {f"grants.{template_id}": 0}})
