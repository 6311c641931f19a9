"""The audit trail: which staff member saw which case's personal numbers in clear, and when."""

from __future__ import annotations

import uuid
from typing import Any

from services.accounts.staff import StaffMember
from services.core.context import ServiceContext


async def record(ctx: ServiceContext, member: StaffMember, action: str, serial: str, **details: Any) -> None:
    """Append one record (`reveal` of a number, `document_download`, ...); never the clear values themselves."""
    await ctx.db["audit"].insert_one({
        "_id": uuid.uuid4().hex, "at": ctx.clock(), "who": member.login, "role": member.role,
        "action": action, "serial": serial, **details,
    })  # fmt: skip
