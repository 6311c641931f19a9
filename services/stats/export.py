"""Every figure of the statistics page as .xlsx, with the cases of the period behind them, off the event loop.

openpyxl's write-only workbook writes each row to its sheet's temporary file as it comes, so memory stays flat
whatever the period; rows are appended in the blocking pool, a batch at a time, while the cases are read in
batches of known serials (a day's serials are numbered from 1: the day's sequence says how many there are),
so the event loop only ever copies one batch. The file is then streamed to the browser and removed.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook

from i18n import Words, text
from services.accounts import audit
from services.accounts.staff import StaffMember
from services.cases import workflow
from services.cases.serials import make_serial
from services.cases.taxonomy import Taxonomies
from services.core.context import SHANGHAI, ServiceContext
from services.core.dates import read_month
from services.stats import counters, report
from services.stats.report import Filters

BATCH = 100  # cases copied on the event loop at a time: a slice of ~10 ms on the embedded engine
CASE_FIELDS = {
    "status": 1,
    "created_at": 1,
    "centre": 1,
    "region_codes": 1,
    "channel": 1,
    "kind": 1,
    "mediator": 1,
    "clarified.items": 1,
    "respondent.industry": 1,
    "applicant.industry": 1,
    "respondent.name": 1,
    "applicant.name": 1,
    "claim.amount_fen": 1,
    "outcome": 1,
    "updated_at": 1,
}
CASE_COLUMNS = (
    "serial",
    "received",
    "status",
    "centre",
    "region",
    "channel",
    "kind",
    "cause",
    "industry",
    "employer",
    "mediator",
    "claimed",
    "agreed",
    "closed",
    "days",
)


def _days(first: str, last: str) -> list[date]:
    start, until = read_month(first), read_month(last)  # as parse_filters checked them
    if start is None or until is None:
        return []
    year, month = until.year, until.month
    end = date(year + month // 12, month % 12 + 1, 1)
    return [start + timedelta(days=i) for i in range((end - start).days)]


async def period_cases(ctx: ServiceContext, in_scope: set[str], filters: Filters) -> AsyncIterator[list[dict]]:
    """The cases received in the period, in scope and filters, a batch at a time (by serial: no scan)."""
    days = _days(filters.month_from, filters.month_to)
    sequences = await ctx.db["counters"].find({"_id": {"$in": [f"serial:{d:%Y%m%d}" for d in days]}}).to_list(None)
    issued = {doc["_id"][7:]: int(doc.get("seq", 0)) for doc in sequences}
    for day in days:
        count = issued.get(f"{day:%Y%m%d}", 0)
        for first in range(1, count + 1, BATCH):
            serials = [make_serial(day, n) for n in range(first, min(count, first + BATCH - 1) + 1)]
            docs = await ctx.db["cases"].find({"_id": {"$in": serials}}, CASE_FIELDS).to_list(None)
            picked = [d for d in docs if d["centre"]["id"] in in_scope and _filtered(d, filters)]
            if picked:
                yield sorted(picked, key=lambda d: d["_id"])


def _filtered(doc: dict[str, Any], filters: Filters) -> bool:
    if filters.region and filters.region not in (doc.get("region_codes") or []):
        return False
    return not filters.mediator or (doc.get("mediator") or {}).get("login") == filters.mediator


class Labels:
    """The words of the codes a case row shows, looked up once per export rather than once per cell."""

    def __init__(self) -> None:
        words = Words()
        self.status = workflow.status_labels()
        self.channel = {c: text(f"stats.channel.{c}") for c in report.CHANNELS}
        self.kind = {k: text(f"stats.kind.{k}") for k in ("worker", "employer")}
        self.industry = {i: words.label("industry", i) for i in report.INDUSTRIES}


def case_row(doc: dict[str, Any], labels: Labels) -> list[Any]:
    status = doc["status"]
    # Closed: the outcome's time (declined, settled, failed), else the last change (a withdrawal).
    closed = ((doc.get("outcome") or {}).get("at") or doc.get("updated_at")) if status in counters.CLOSED else None
    employer = doc.get("respondent" if doc.get("kind") == "worker" else "applicant") or {}
    items = (doc.get("clarified") or {}).get("items") or []
    received = doc["created_at"].astimezone(SHANGHAI).date()
    closed_on = closed.astimezone(SHANGHAI).date() if closed else None
    return [
        doc["_id"],
        received.isoformat(),
        labels.status.get(status, status),
        doc["centre"]["name"],
        (doc.get("region_codes") or [""])[-1],
        labels.channel.get(doc.get("channel", ""), doc.get("channel", "")),
        labels.kind.get(doc.get("kind", ""), ""),
        items[0].get("cause_level1_label", "") if items else "",
        labels.industry.get(employer.get("industry", ""), ""),
        employer.get("name", ""),
        (doc.get("mediator") or {}).get("name", ""),
        int((doc.get("claim") or {}).get("amount_fen") or 0) / 100,
        counters.agreed_fen(doc) / 100,
        closed_on.isoformat() if closed_on else "",
        (closed_on - received).days if closed_on else "",
    ]


def _sheet_title(title: str) -> str:
    """Excel's rules for a sheet's name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]


def _append(sheet: Any, rows: list[list[Any]]) -> None:
    for row in rows:
        sheet.append(row)


async def write_workbook(
    ctx: ServiceContext, member: StaffMember, taxonomies: Taxonomies, filters: Filters
) -> tuple[str, int]:
    """The workbook in a private temporary file: (path, rows of cases). The caller streams and removes it."""
    content = await report.report(ctx, member, taxonomies, filters)
    in_scope = await report.scope(ctx, member, filters)
    book = Workbook(write_only=True)
    for table in content["tables"]:
        sheet = book.create_sheet(_sheet_title(table["title"]))
        await ctx.run_blocking(_append, sheet, [table["columns"], *table["rows"]])
    sheet = book.create_sheet(_sheet_title(text("stats.table.cases")))
    await ctx.run_blocking(_append, sheet, [[text(f"stats.case.{c}") for c in CASE_COLUMNS]])
    labels, rows = Labels(), 0
    async for batch in period_cases(ctx, in_scope, filters):
        converted = [case_row(doc, labels) for doc in batch]
        await ctx.run_blocking(_append, sheet, converted)
        rows += len(converted)
    path = await _saved(ctx, book, "stats-")
    await audit.record(ctx, member, "stats_export", "", filters=filters.query(), rows=rows)
    return path, rows


async def audit_workbook(ctx: ServiceContext, member: StaffMember, filters: audit.AuditFilter) -> str:
    """The audit trail's matching records as .xlsx in a private temporary file (system administrators)."""
    rows = await audit.export_rows(ctx, member, filters)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(text("audit.sheet")))
    header = [text(f"audit.column.{c}") for c in ("at", "who", "role", "action", "serial", "details")]
    for at in range(0, max(len(rows), 1), BATCH * 4):
        await ctx.run_blocking(_append, sheet, ([header] if at == 0 else []) + rows[at : at + BATCH * 4])
    return await _saved(ctx, book, "audit-")


async def _saved(ctx: ServiceContext, book: Workbook, prefix: str) -> str:
    """The workbook written to a private temporary file (off the event loop); no file is left if writing fails."""
    handle, path = tempfile.mkstemp(prefix=prefix, suffix=".xlsx")
    os.close(handle)
    try:
        await ctx.run_blocking(book.save, path)
    except BaseException:
        os.unlink(path)
        raise
    return path
