"""What a delegated case's moves tell the court or arbitration institute that delegated it
(docs/contracts.md#we-call-the-partner).

A case a partner delegated carries `docking` (services/court/delegations.py). Each move that ends it, or that
the partner must know of, writes the partner's event into the case's outbox in the SAME update as the move
(services/cases/outbox.py `partner_notice`), so an end is never recorded without its news: `answered`,
`extended`, `closed`, `filed`. The events hold facts only; the signed agreement and the returned materials are
read when the event is sent (services/court/outbox.py). Moves of this room (signing, the staff's decisions, the
respondent's answer) build them here; services/court builds the others with the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from i18n import msg
from services.cases.outbox import partner_notice
from services.core.context import shanghai_iso
from services.core.errors import FieldError, ValidationFailed, field_error

MEDIATION_EVENTS = "mediation-events"  # the partner's endpoint under its callback address
# The report of a mediation that failed (法释〔2021〕23号 art. 21): the facts, why it failed, conduct of a party
# that raised the other's costs (the court may weigh it in costs), and what else the court should know.
REPORT_FIELDS = ("facts", "reason", "costs", "notes")
REQUIRED_REPORT = ("facts", "reason")
MAX_REPORT = 3000


def delegated(doc: Mapping[str, Any]) -> bool:
    return bool((doc.get("docking") or {}).get("partner_id"))


def event_notice(doc: Mapping[str, Any], event_type: str, now: datetime, **facts: Any) -> dict[str, Any]:
    """One event for the case's partner: its type, the partner's case number, our serial, when, and `facts`."""
    docking = doc["docking"]
    event = {
        "type": event_type,
        "partner_case_no": docking["partner_case_no"],
        "serial": doc["_id"],
        "at": shanghai_iso(now),
        **facts,
    }
    return partner_notice(docking["partner_id"], MEDIATION_EVENTS, event, now, f"partner.event.{event_type}")


def parse_report(form: Mapping[str, Any], prefix: str = "report_") -> dict[str, str]:
    """The art. 21 report as a form or a body gives it (`report_facts`, ...): facts and reason required."""
    errors: list[FieldError] = []
    report = {}
    for name in REPORT_FIELDS:
        value = form.get(prefix + name)
        given = value.strip() if isinstance(value, str) else ""
        if name in REQUIRED_REPORT and not given:
            errors.append(
                field_error(prefix + name, "required", "error.required.report", part=msg(f"label.report.{name}"))
            )
        elif len(given) > MAX_REPORT:
            errors.append(field_error(prefix + name, "too_long", "error.too_long.report", limit=MAX_REPORT))
        report[name] = given
    if errors:
        raise ValidationFailed(errors)
    return report


def closed_failed(
    doc: Mapping[str, Any],
    now: datetime,
    outcome: Mapping[str, Any],
    report: Mapping[str, str],
    materials_returned: bool = False,
) -> dict[str, Any]:
    """`closed` of a mediation that failed: the closure reason (法释〔2021〕23号 art. 25) and the art. 21 report;
    with `materials_returned` the delegation's documents go back with it (art. 15: the respondent refused)."""
    return event_notice(
        doc,
        "closed",
        now,
        outcome="failed",
        closure_reason=outcome.get("closure_reason", ""),
        closed_at=shanghai_iso(outcome.get("at") or now),
        report=dict(report),
        materials_returned=materials_returned,
    )


def closed_settled(doc: Mapping[str, Any], now: datetime, effective_at: datetime) -> dict[str, Any]:
    """`closed` of a settlement: the signed agreement (.docx, read when sent) and its effective time."""
    return event_notice(doc, "closed", now, outcome="settled", effective_at=shanghai_iso(effective_at))


def closed_withdrawn(doc: Mapping[str, Any], now: datetime, reason: str) -> dict[str, Any]:
    """`closed` of a case the applicant withdrew."""
    return event_notice(doc, "closed", now, outcome="withdrawn", closed_at=shanghai_iso(now), reason=reason)
