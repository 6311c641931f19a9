"""Transferring a case to another centre: an event of the timeline (the status stays), both parties told.

An administrator moves a case they see to a centre below theirs, or up to a centre above theirs (a
township sends a case beyond it to its district); system administrators anywhere. The case keeps its
region codes and its history; its mediator is released (the new centre assigns its own), and the
statistics count it where it goes (services/stats/counters.py reads the event's `data`).
"""

from __future__ import annotations

from i18n import msg
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember, visible_centres
from services.cases import access, moves, workflow
from services.cases.outbox import PARTIES_PROJECTION, party_notices
from services.cases.record import Case
from services.core.context import ServiceContext
from services.core.errors import Conflict, ServiceError, invalid
from services.directory import centres

CHANNEL = "backoffice"
MAX_REASON = 500


async def transfer(ctx: ServiceContext, member: StaffMember, serial: str, target_id: str, reason: str = "") -> Case:
    """Move the case to `target_id`; 403 for a mediator, 422 for an unknown, inactive or out-of-reach centre."""
    if member.role not in (CENTRE_ADMIN, SYSTEM_ADMIN):
        raise ServiceError(403, "forbidden", msg("error.forbidden.transfer"))
    doc = await access.for_staff(ctx, member, serial, PARTIES_PROJECTION | {"status": 1})
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise invalid("reason", "too_long", "error.too_long.transfer_reason", limit=MAX_REASON)
    known = await centres.directory(ctx)
    target = known.get((target_id or "").strip())
    if target is None:
        raise invalid("centre", "unknown", "error.unknown.transfer_centre")
    if not target.active:
        raise invalid("centre", "inactive", "error.inactive.transfer_centre", centre=target.name)
    current = doc["centre"]["id"]
    if target.id == current:
        raise invalid("centre", "same", "error.same.transfer_centre")
    visible = await visible_centres(ctx, member)
    upward = {c.id for c in known.ancestors(member.centre_id)}
    if visible is not None and target.id not in visible and target.id not in upward:
        raise ServiceError(403, "forbidden", msg("error.forbidden.transfer_target"))
    if doc["status"] in workflow.CLOSED:
        raise Conflict("case_closed_transfer", field="status")
    now = ctx.clock()
    # The applicant, and the respondent once invited (by SMS until known to us): the kind's templates.
    notices = party_notices(doc, "transfer", now, [("serial", serial), ("centre", target.name[:20])])
    updated = await moves.record_event(
        ctx,
        serial,
        "transfer",
        ("staff", member.login),
        CHANNEL,
        doc["status"],
        when={"centre.id": current, "status": {"$nin": sorted(workflow.CLOSED)}},
        set_fields={"centre": {"id": target.id, "name": target.name}, "mediator": None},
        notify=notices,
        note=reason or target.name,
        data={"from": current, "to": target.id},
    )
    if updated is None:  # closed or moved by someone else meanwhile
        raise Conflict("case_changed", field="status")
    return updated


async def targets(ctx: ServiceContext, member: StaffMember, but: str = "") -> list[centres.Centre]:
    """The active centres `member` may send a case to (none for a mediator), the case's own (`but`) left out."""
    if member.role not in (CENTRE_ADMIN, SYSTEM_ADMIN):
        return []
    known = await centres.directory(ctx)
    visible = await visible_centres(ctx, member)
    upward = {c.id for c in known.ancestors(member.centre_id)}
    return [
        c for c in known.centres if c.active and c.id != but and (visible is None or c.id in visible or c.id in upward)
    ]
