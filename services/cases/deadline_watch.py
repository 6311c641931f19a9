"""The clocks of a case, watched in the background: the applicant told once when the 15-day mediation period has
run out (they may apply for arbitration; only where that period applies, services/cases/ends.py `day15_applies`),
a respondent's silence past the answer period recorded (it ends the mediation on the day after the period while no
session was set: the `lapse` move, each party told in writing), the papers ends still owe issued, and the
parties asked, the day after each term's due date, whether the agreement was performed."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from docgen.context import zh_date
from i18n import msg
from services.cases import documents, ends, moves, workflow
from services.cases.outbox import Line, applicant_notice
from services.cases.performance import ask_due
from services.cases.record import delegated
from services.cases.service import INVITATION_SERVED
from services.core.background import Periodic
from services.core.context import SHANGHAI, ServiceContext
from services.core.deadlines import latest_overdue_receipt, start_of_day_utc
from services.core.errors import Conflict
from services.core.work_calendar import WorkCalendar, load_work_calendar

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
            # 调解仲裁法 art. 14 ¶3 opens the way to arbitration: not for a delegated case whose dispute was arbitrated
            # (or whose delegation does not say), nor for an arbitration institute's own (ends.day15_applies).
            "$or": [{"docking.partner_id": None}, {"docking.partner_kind": "court", "docking.arbitrated": False}],
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
    """One pass: each respondent who did not answer by the due day is recorded as silent, once. While no session was
    set (workflow.LAPSE_SOURCES) the silence ends the mediation that day, the day after the answer period: the
    `lapse` move, each party told with their next right (services/cases/ends.py), a delegated case back to its
    partner with its materials (法释〔2021〕23号 art. 15 ¶2). A session set means the mediator reached the respondent
    otherwise: the applicant is only told, and the mediator goes on or ends it."""
    now = ctx.clock()
    today = now.astimezone(SHANGHAI).date().isoformat()
    query = {
        "status": {"$nin": sorted(workflow.CLOSED)},
        "respondent_access.answer": None,
        "respondent_access.silence_recorded_at": None,
        "respondent_access.answer_due": {"$lt": today},
        **INVITATION_SERVED,  # not a respondent the platform could not invite, before they are invited otherwise
    }
    fields = ends.END_PROJECTION | {"respondent_access": 1}
    docs = await ctx.db["cases"].find(query, fields).limit(BATCH).to_list(BATCH)
    calendar = await load_work_calendar(ctx) if docs else None
    told = 0
    for doc in docs:
        if doc["status"] in workflow.LAPSE_SOURCES:
            assert calendar is not None
            told += await _lapse(ctx, doc, calendar)
            continue
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
            notify=[notice] if doc.get("owner_person_id") else None,
            projection={"_id": 1},
        )
        told += updated is not None
    return told


async def _lapse(ctx: ServiceContext, doc: dict[str, Any], calendar: WorkCalendar) -> int:
    """The silence that ends the mediation (`lapse`, closure reason unreachable: 法释〔2021〕23号 art. 25(3)); 0 when
    the respondent answered (or the case moved) in the meantime: a late answer that came first is taken."""
    now, serial = ctx.clock(), doc["_id"]
    due = doc["respondent_access"]["answer_due"]
    note = msg("event.note.lapsed", due=due).text()
    # The outcome's words are printed in documents: no date as a computer writes it (the notice names the day itself).
    reason = msg("end.reason.silent").text()
    outcome: dict[str, Any] = {"kind": "failed", "at": now, "closure_reason": "unreachable", "reason": reason}
    report = delegated(doc)
    if report:
        outcome["materials_returned"] = True
        outcome["report"] = {
            "facts": msg("report.silent.facts", name=doc["respondent"]["name"], due=zh_date(due)).text(),
            "reason": reason,
            "costs": "",
            "notes": "",
            "generated": True,
            "signed_by": (doc.get("mediator") or {}).get("name", ""),
        }
    fields = ends.end_fields(doc, "silent", outcome, report=report)
    lines: list[Line] = [("serial", serial), ("reason", msg("move.lapse"))]
    try:
        await moves.apply_move(
            ctx,
            serial,
            "lapse",
            ("system", "deadline"),
            "system",
            case=doc,
            when={"respondent_access.answer": None, "respondent_access.silence_recorded_at": None},
            set_fields={"respondent_access.silence_recorded_at": now, **fields},
            notify=ends.end_notices(doc, "fail", now, calendar, lines, outcome),
            note=note,
        )
    except Conflict:  # answered, or moved on, between the read and the write
        return 0
    return 1


async def watch_once(ctx: ServiceContext, papers: documents.Papers | None = None) -> dict[str, int]:
    """Every clock once: what a pass of the watch did. `papers`: where the notices of the ends are rendered (the
    server's; without them the papers stay owed for the next pass that has them)."""
    done = {
        "overdue": await notify_overdue(ctx),
        "silent": await record_silence(ctx),
        "performance_asked": await ask_due(ctx),
    }
    if papers is not None:
        done["papers_issued"] = await documents.issue_owed_papers(ctx, papers)
    return done


class DeadlineWatch(Periodic):
    """Runs `watch_once` every few minutes in the background."""

    def __init__(
        self, ctx: ServiceContext, papers: documents.Papers | None = None, interval_seconds: float = 300.0
    ) -> None:
        super().__init__("deadline watch", interval_seconds, log)
        self.ctx = ctx
        self.papers = papers

    async def run_pass(self) -> dict[str, int]:
        return await watch_once(self.ctx, self.papers)
