"""Tells applicants, once, when the 15-day mediation period has run out: they may apply for arbitration."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from services.cases import workflow
from services.cases.handling import latest_overdue_receipt, start_of_day_utc
from services.cases.outbox import applicant_notice
from services.core.context import SHANGHAI, ServiceContext
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
    before = start_of_day_utc(latest_overdue_receipt(today, calendar) + timedelta(days=1))
    query = {"status": {"$nin": sorted(workflow.CLOSED)}, "created_at": {"$lt": before},
             "overdue_notified_at": None}  # fmt: skip
    docs = await ctx.db["cases"].find(query, {"owner_person_id": 1, "status": 1}).limit(BATCH).to_list(BATCH)
    told = 0
    for doc in docs:
        notice = applicant_notice(
            doc, "overdue", "调解期限已届满", {"案件编号": doc["_id"], "后续": "可依法申请劳动人事争议仲裁"},
            f"/h5/cases/{doc['_id']}", now,
        )  # fmt: skip
        event = {"at": now, "actor": {"type": "system", "id": "deadline"}, "action": "overdue",
                 "channel": "system", "status": doc["status"], "note": "调解期限已届满，当事人可申请仲裁"}  # fmt: skip
        updated = await ctx.db["cases"].update_one(
            {"_id": doc["_id"], "overdue_notified_at": None},
            {"$set": {"overdue_notified_at": now}, "$push": {"timeline": event, "notifications": notice},
             "$min": {"outbox_due_at": now}},
        )  # fmt: skip
        told += updated.modified_count
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
