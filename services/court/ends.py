"""What a delegated case's end still owes its partner, written by the back office.

A mediation the mediator ends sends its art. 21 report with the move (services/cases/handling.py, told through
services/court/events.py); one a party ended (a refusal to sign) waits for the mediator's report here, and
`closed` goes out with it. The report is also a document signed by the mediator (调解终结报告, docgen's
`failure_report`), owed like an end's papers, kept in the case and sent with `closed` (services/court/outbox.py).
A settled case's agreement is then filed with the court for the record (`filed`, 特邀调解规定 art. 19).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from i18n import msg
from services.accounts.staff import StaffMember
from services.cases import access, moves, workflow
from services.cases.ends import report_paper
from services.cases.handling import parse_report
from services.cases.record import Case, delegated
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import Conflict, NotFound
from services.court import events

PROJECTION = {"status": 1, "docking": 1, "outcome": 1, "centre": 1}


async def _case(ctx: ServiceContext, member: StaffMember, serial: str) -> dict[str, Any]:
    doc = await access.for_staff(ctx, member, serial, PROJECTION)
    if not delegated(doc):
        raise NotFound("delegation_not_found")
    return doc


def report_due(doc: Mapping[str, Any]) -> bool:
    """A failed delegated case whose partner has not had its `closed` yet: the mediator's report is awaited."""
    return doc.get("status") == workflow.FAILED and not (doc.get("docking") or {}).get("closed_reported_at")


async def report(ctx: ServiceContext, member: StaffMember, serial: str, form: Mapping[str, Any]) -> Case:
    """The art. 21 report of a mediation a party ended: recorded, and `closed` sent with it."""
    parsed = parse_report(form) | {"signed_by": member.name}
    doc = await _case(ctx, member, serial)
    if not report_due(doc):
        raise Conflict("report_not_due", field="report_facts")
    now = ctx.clock()
    outcome = dict(doc["outcome"]) | {"report": parsed}
    updated = await moves.record_event(
        ctx,
        serial,
        "failure_report",
        ("staff", member.login),
        "backoffice",
        workflow.FAILED,
        when={"status": workflow.FAILED, "docking.closed_reported_at": None},
        set_fields={"outcome.report": parsed, "docking.closed_reported_at": now, "end_papers_due": True},
        push_fields={"outcome.papers": report_paper()},  # the report as a document, kept and sent with `closed`
        notify=[events.closed_failed(doc, now, outcome, parsed)],
        note=parsed["reason"][:100],
    )
    if updated is None:
        raise Conflict("report_not_due", field="report_facts")
    return updated


async def file_for_record(ctx: ServiceContext, member: StaffMember, serial: str) -> Case:
    """The signed agreement filed with the partner for the record (`filed`), once."""
    doc = await _case(ctx, member, serial)
    if doc["status"] != workflow.SETTLED or doc["docking"].get("filed_at"):
        raise Conflict("filing_not_due", field="status", current=workflow.status_label(doc["status"]))
    now = ctx.clock()
    effective = ((doc.get("outcome") or {}).get("agreement") or {}).get("effective_at")
    notice = events.event_notice(doc, "filed", now, filed_at=shanghai_iso(now), effective_at=shanghai_iso(effective))
    updated = await moves.record_event(
        ctx,
        serial,
        "filed",
        ("staff", member.login),
        "backoffice",
        workflow.SETTLED,
        when={"status": workflow.SETTLED, "docking.filed_at": None},
        set_fields={"docking.filed_at": now},
        notify=[notice],
        note=msg("event.note.filed", partner=doc["docking"]["partner_name"]).text(),
    )
    if updated is None:
        raise Conflict("filing_not_due", field="status", current=workflow.status_label(doc["status"]))
    return updated
