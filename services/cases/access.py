"""Who may read which case: its owner (the applicant), its respondent (once they proved the invitation) and the
staff of its centre; anyone else finds nothing.

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
    """The case if the member sees its centre (an administrator: also the centres below; system: any). A case file
    anonymised at the end of its retention period (services/stats/retention.py) is no one's to read."""
    fields = None if projection is None else projection | {"centre": 1}
    where = {"_id": serial, "anonymised": {"$exists": False}}
    doc: dict[str, Any] | None = await ctx.db["cases"].find_one(where, fields)
    if doc is None or not await sees_centre(ctx, member, doc["centre"]["id"]):
        raise NotFound("case_not_found", msg("error.case_not_found.staff"))
    return doc


async def for_owner(
    ctx: ServiceContext, person_id: str, serial: str, projection: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One of the person's own cases (as its applicant)."""
    doc: dict[str, Any] | None = await ctx.db["cases"].find_one(
        {"_id": serial, "owner_person_id": person_id}, projection
    )
    if doc is None:
        raise NotFound("case_not_found")
    return doc


async def for_respondent(
    ctx: ServiceContext, person_id: str, serial: str, projection: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A case whose invitation the person proved (as its respondent)."""
    fields = None if projection is None else projection | {"respondent_access": 1, "kind": 1}
    doc: dict[str, Any] | None = await ctx.db["cases"].find_one(
        {"_id": serial, "respondent_access.person_id": person_id}, fields
    )
    if doc is None:
        raise NotFound("case_not_found")
    return doc


PARTY_ROLES = ("applicant", "respondent")


async def for_party(
    ctx: ServiceContext,
    person_id: str,
    serial: str,
    projection: dict[str, Any] | None = None,
    role: str | None = None,
) -> tuple[dict[str, Any], str]:
    """A case of which the person is a party, and which: ("applicant" or "respondent"). One query.

    `role`: the party the caller's route is for (`/h5/cases/...` the applicant's, `/h5/respondent/cases/...` the
    respondent's): a person who is the other party of the case finds nothing there, before anything is written."""
    fields = None if projection is None else projection | {"owner_person_id": 1, "respondent_access": 1, "kind": 1}
    either: list[dict[str, Any]] = [{"owner_person_id": person_id}, {"respondent_access.person_id": person_id}]
    if role is not None:
        either = [either[PARTY_ROLES.index(role)]]  # ValueError on a role that is no party's: a bug of ours
    doc: dict[str, Any] | None = await ctx.db["cases"].find_one({"_id": serial, "$or": either}, fields)
    if doc is None:
        raise NotFound("case_not_found")
    if role is not None:
        return doc, role
    return doc, "applicant" if doc.get("owner_person_id") == person_id else "respondent"
