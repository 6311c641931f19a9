"""Who may read which case: its owner (the applicant) and the staff of its centre; anyone else finds nothing.

Like Zulip's `access_message`: the case is fetched and authorised in one step, and a case the caller
may not see is answered exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from i18n import msg
from services.accounts.staff import StaffMember, sees_centre
from services.core.context import ServiceContext
from services.core.errors import NotFound


async def for_staff(
    ctx: ServiceContext, member: StaffMember, serial: str, projection: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The case if the member sees its centre (an administrator: also the centres below; system: any)."""
    fields = None if projection is None else projection | {"centre": 1}
    doc = await ctx.db["cases"].find_one({"_id": serial}, fields)
    if doc is None or not await sees_centre(ctx, member, doc["centre"]["id"]):
        raise NotFound("case_not_found", msg("error.case_not_found.staff"))
    return doc


async def for_owner(
    ctx: ServiceContext, person_id: str, serial: str, projection: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One of the person's own cases (as its applicant)."""
    doc = await ctx.db["cases"].find_one({"_id": serial, "owner_person_id": person_id}, projection)
    if doc is None:
        raise NotFound("case_not_found")
    return doc
