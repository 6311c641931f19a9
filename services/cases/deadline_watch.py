"""The clocks of a case, watched in the background: the applicant told once when the 15-day mediation period has
run out (they may apply for arbitration), a respondent's silence past the answer period recorded, and the
parties asked, the day after each term's due date, whether the agreement was performed."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from i18n import msg
from services.cases import moves, workflow
from services.cases.outbox import applicant_notice
from services.cases.performance import ask_due
from services.cases.service import INVITATION_SERVED
from services.core.background import Periodic
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
    # Each centre with entries of its own (local holidays move its deadlines; ids of the directory, whichever
    # centre an administrator kept them for) by its calendar; every other centre by the national one.
    ids = sorted(calendar.centres)
    scopes = [({"centre.id": i}, calendar.for_centre(i)) for i in ids] + [({"centre.id": {"$nin": ids}}, calendar)]
    docs: list[dict[str, Any]] = []
    for scope, centre_calendar in scopes:
        before = start_of_day_utc(latest_overdue_receipt(today, centre_calendar) + timedelta(days=1))
        query = {
            **scope,
            "status": {"$nin": sorted(workflow.CLOSED)},
            "created_at": {"$lt": before},
            "overdue_notified_at": None,
        }
        docs += await ctx.db["cases"].find(query, {"owner_person_id": 1, "status": 1}).limit(BATCH).to_list(BATCH)
    told = 0
    for doc in docs:
        lines = [("serial", doc["_id"]), ("next_step", msg("notice.value.may_arbitrate"))]
        notice = applicant_notice(doc["owner_person_id"], "overdue", f"/h5/cases/{doc['_id']}", now, lines)
        updated = await moves.record_event(
            ctx,
            doc["_id"],
            "overdue",
            ("system", "deadline"),
            "system",
            doc["status"],
            when={"overdue_notified_at": None},
            set_fields={"overdue_notified_at": now},
            notify=[notice],
            note=msg("event.note.overdue").text(),
            projection={"_id": 1},
        )
        told += updated is not None
    return told


async def record_silence(ctx: ServiceContext) -> int:
    """One pass: each respondent who did not answer by the due day is recorded as silent, once, and the
    applicant is told (the mediator then ends the mediation with its closure reason, or reaches them)."""
    now = ctx.clock()
    today = now.astimezone(SHANGHAI).date().isoformat()
    query = {
        "status": {"$nin": sorted(workflow.CLOSED)},
        "respondent_access.answer": None,
        "respondent_access.silence_recorded_at": None,
        "respondent_access.answer_due": {"$lt": today},
        **INVITATION_SERVED,  # not a respondent the platform could not invite, before they are invited otherwise
    }
    docs = await ctx.db["cases"].find(query, {"owner_person_id": 1, "status": 1}).limit(BATCH).to_list(BATCH)
    told = 0
    for doc in docs:
        lines = [("serial", doc["_id"]), ("next_step", msg("notice.value.may_arbitrate"))]
        notice = applicant_notice(doc["owner_person_id"], "respondent_silent", f"/h5/cases/{doc['_id']}", now, lines)
        updated = await moves.record_event(
            ctx,
            doc["_id"],
            "respondent_silent",
            ("system", "deadline"),
            "system",
            doc["status"],
            when={"respondent_access.answer": None, "respondent_access.silence_recorded_at": None},
            set_fields={"respondent_access.silence_recorded_at": now},
            notify=[notice],
            projection={"_id": 1},
        )
        told += updated is not None
    return told


async def watch_once(ctx: ServiceContext) -> dict[str, int]:
    """Every clock once: what a pass of the watch did."""
    return {
        "overdue": await notify_overdue(ctx),
        "silent": await record_silence(ctx),
        "performance_asked": await ask_due(ctx),
    }


class DeadlineWatch(Periodic):
    """Runs `watch_once` every few minutes in the background."""

    def __init__(self, ctx: ServiceContext, interval_seconds: float = 300.0) -> None:
        super().__init__("deadline watch", interval_seconds, log)
        self.ctx = ctx

    async def run_pass(self) -> dict[str, int]:
        return await watch_once(self.ctx)
