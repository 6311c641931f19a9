"""Putting a mediator in charge of a case, as the back office does: for a delegated case, only a mediator its
partner confirmed on the special-invite roster (services/court/roster.py).

It lives in this room, above services/cases/, because the rule reads the court's roster, which the cases room
may not import (tests/test_architecture.py); the write itself is the cases room's (services/cases/handling.py
`assign`). The back office calls this for every case, delegated or not, so no path skips the roster.
"""

from __future__ import annotations

from services.accounts.staff import StaffMember
from services.cases import access, handling
from services.cases.record import Case
from services.core.context import ServiceContext
from services.core.errors import invalid
from services.court import roster


async def assign(ctx: ServiceContext, member: StaffMember, serial: str, mediator_login: str) -> Case:
    """A mediator of the case's centre in charge (not a move, allowed in any open status); of a delegated case
    one on the partner's roster, else a field error naming the partner."""
    doc = await access.for_staff(ctx, member, serial, handling.ASSIGN_PROJECTION)
    mediator = await handling.mediator_for(ctx, doc, mediator_login)
    docking = doc.get("docking") or {}
    partner_id = docking.get("partner_id")
    if partner_id and not await roster.on_roster(ctx, partner_id, doc["centre"]["id"], mediator.login):
        raise invalid("mediator", "not_on_roster", "error.not_on_roster.mediator", partner=docking["partner_name"])
    return await handling.assign(ctx, member, doc, mediator)
