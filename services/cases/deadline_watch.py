"""Tells applicants, once, when the 15-day mediation period has run out: they may apply for arbitration."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from i18n import msg
from services.cases import moves, workflow
from services.cases.outbox import applicant_notice
from services.core.context import SHANGHAI, ServiceContext
from services.core.deadlines import latest_overdue_receipt, start_of_day_utc
from services.core.work_calendar import load_work_calendar

log = logging.getLogger("mediation.deadlines")
BATCH = 200


async def notify_overdue(ctx: ServiceContext) -> int:
    """One pass: every open case past its deadline and not yet told gets a notice and a timeline event.

    Each case is changed by one update conditional on `overdue_notified_at` being unset, so
    several processes running this pass tell each applicant once.
    """
    now = ctx.clock()
    calendar = await load_work_calendar(ctx)
    today = now.astimezone(SHANGHAI).date()
    ids = [c.id for c in ctx.settings.centres]
    # Each centre by its own calendar (its local holidays move its deadlines); any other by the national one.
    scopes = [({"centre.id": i}, calendar.for_centre(i)) for i in ids] + [({"centre.id": {"$nin": ids}}, calendar)]
    docs: list[dict] = []
    for scope, centre_calendar in scopes:
        before = start_of_day_utc(latest_overdue_receipt(today, centre_calendar) + timedelta(days=1))
        query = {**scope, "status": {"$nin": sorted(workflow.CLOSED)}, "created_at": {"$lt": before},
                 "overdue_notified_at": None}  # fmt: skip
        docs += await ctx.db["cases"].find(query, {"owner_person_id": 1, "status": 1}).limit(BATCH).to_list(BATCH)
    told = 0
    for doc in docs:
        lines = [("serial", doc["_id"]), ("next_step", msg("notice.value.may_arbitrate"))]
        notice = applicant_notice(doc["owner_person_id"], "overdue", f"/h5/cases/{doc['_id']}", now, lines)
        updated = await moves.record_event(
            ctx, doc["_id"], "overdue", ("system", "deadline"), "system", doc["status"],
            when={"overdue_notified_at": None}, set_fields={"overdue_notified_at": now}, notify=[notice],
            note=msg("event.note.overdue").text(), projection={"_id": 1},
        )  # fmt: skip
        told += updated is not None
    return told


class DeadlineWatch:
    """Runs `notify_overdue` every few minutes in the background."""

    def __init__(self, ctx: ServiceContext, interval_seconds: float = 300.0) -> None:
        self.ctx = ctx
        self.interval = interval_seconds
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            try:
                told = await notify_overdue(self.ctx)
                if told:
                    log.info("told %d applicants their mediation period has run out", told)
            except Exception:  # a database hiccup: try again next time, never stop watching
                log.exception("deadline watch pass failed")
            await asyncio.sleep(self.interval)
