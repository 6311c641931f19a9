"""What a delegated case's moves tell the court or arbitration institute that delegated it (docs/contracts.md,
the docking contract).

A case a partner delegated carries `docking` (services/court/delegations.py). Each move that ends it, or that
the partner must know of, writes the partner's event into the case's outbox in the SAME update as the move
(services/cases/outbox.py `partner_notice`), so an end is never recorded without its news: `answered`,
`extended`, `closed`, `filed`. The events hold facts only; the signed agreement and the returned materials are
read when the event is sent (services/court/outbox.py).

The ends other rooms write (a settlement at the last signature, the applicant's withdrawal, a mediation the
mediator or the respondent's refusal ended) are told through the case writer's hook `HOOK` (registered by
app.service_context; services/cases/moves.py calls it before each move), so services/cases/ never builds a
court's event; this room's own moves (the answer, extensions, the report, the filing) build theirs here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.cases import workflow
from services.cases.moves import Change
from services.cases.outbox import partner_notice
from services.cases.record import Case, Notification, delegated
from services.core.context import ServiceContext, shanghai_iso

MEDIATION_EVENTS = "mediation-events"  # the partner's endpoint under its callback address
ENDING_MOVES = ("fail", "refuse", "lapse")  # the moves that end a delegated case without agreement


def event_notice(doc: Mapping[str, Any], event_type: str, now: datetime, **facts: Any) -> Notification:
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


def closed_failed(
    doc: Mapping[str, Any],
    now: datetime,
    outcome: Mapping[str, Any],
    report: Mapping[str, Any],
    materials_returned: bool = False,
) -> Notification:
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


def closed_settled(doc: Mapping[str, Any], now: datetime, effective_at: datetime) -> Notification:
    """`closed` of a settlement: the signed agreement (.docx, read when sent) and its effective time."""
    return event_notice(doc, "closed", now, outcome="settled", effective_at=shanghai_iso(effective_at))


def closed_withdrawn(doc: Mapping[str, Any], now: datetime, reason: str) -> Notification:
    """`closed` of a case the applicant withdrew."""
    return event_notice(doc, "closed", now, outcome="withdrawn", closed_at=shanghai_iso(now), reason=reason)


def news_of_end(change: Change) -> None:
    """What the partner of a delegated case is told of an end another room writes, added to the move's update:
    - the last signature (`settle`): `closed`, settled, effective at the outcome's time;
    - a withdrawal by the applicant (the partner's own is its own doing): `closed`, withdrawn, with the reason;
    - a failure whose outcome carries the art. 21 report (the mediator's, or the one a respondent's refusal or
      silence makes: `refuse`, `lapse`): `closed`, failed, and `docking.closed_reported_at`. A failure without it
      (a party refused to sign) waits for the mediator's report (services/court/ends.py)."""
    case = change.case
    if case is None or not delegated(case):
        return
    doc = {**case, "_id": change.serial}
    outcome = change.set_fields.get("outcome") or {}
    if change.action == "settle":
        change.notify.append(closed_settled(doc, outcome["at"], outcome["at"]))
    elif change.action == "withdraw" and change.actor[0] != "partner":
        change.notify.append(closed_withdrawn(doc, change.now, change.note))
    elif change.action in ENDING_MOVES and change.status == workflow.FAILED and "report" in outcome:
        change.set_fields["docking.closed_reported_at"] = change.now
        returned = bool(outcome.get("materials_returned"))
        change.notify.append(closed_failed(doc, change.now, outcome, outcome["report"], materials_returned=returned))


class PartnerNews:
    """The case writer's hook that tells a delegated case's partner of the ends other rooms write."""

    reads: tuple[str, ...] = ()

    def before_move(self, change: Change) -> None:
        news_of_end(change)

    async def after_write(self, ctx: ServiceContext, case: Case, new: bool) -> None:
        """Nothing after the write: the news went into the same update."""


HOOK = PartnerNews()
