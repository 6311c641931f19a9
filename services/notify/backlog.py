"""How far behind the outbox is, read from the cases (for /metrics): the notifications to people still waiting and
the oldest, and the same for the events a delegated case owes its court or institute. Read only; one query over
the cases whose outbox is due at all (`outbox_due_at` set, indexed: the sender reads by it too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.cases.outbox import CLAIMED, PARTNER, PENDING
from services.core.context import ServiceContext

WAITING = (PENDING, CLAIMED)


@dataclass(frozen=True)
class Backlog:
    outbox_depth: int = 0
    outbox_oldest_seconds: float = 0.0
    docking_pending: int = 0
    docking_oldest_seconds: float = 0.0


async def figures(ctx: ServiceContext) -> Backlog:
    now = ctx.clock()
    fields = {"notifications.state": 1, "notifications.created_at": 1, "notifications.to.type": 1}
    cursor = ctx.db["cases"].find({"outbox_due_at": {"$ne": None}}, fields)
    people: list[datetime] = []
    partners: list[datetime] = []
    async for doc in cursor:
        for notification in doc.get("notifications") or []:
            if notification.get("state") not in WAITING:
                continue
            created = _aware(notification.get("created_at"), now)
            (partners if (notification.get("to") or {}).get("type") == PARTNER else people).append(created)
    return Backlog(
        len(people),
        (now - min(people)).total_seconds() if people else 0.0,
        len(partners),
        (now - min(partners)).total_seconds() if partners else 0.0,
    )


def _aware(moment: Any, now: datetime) -> datetime:
    if not isinstance(moment, datetime):
        return now
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # the embedded engine: naive UTC
