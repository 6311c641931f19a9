"""Every end of a case, and what it owes each party: a written notice naming the next right and its last day.

The ends (docs/domain.md#every-end), each a move of the workflow (services/cases/workflow.py) that closes the case:
- `declined` (不予受理, `decline`), before the case was accepted;
- `failed` with a closure reason of 法释〔2021〕23号 art. 25 (`fail`); `expired` is the failure for the period's end
  (art. 25(6)), accepted only from the day after the period's last day (`period_end`);
- `refused`: the respondent said "不同意调解" (`refuse`; 调解仲裁法 arts. 5, 14 ¶3: mediation is voluntary;
  法释〔2021〕23号 art. 15 ¶2 and art. 25(4) for a delegated case);
- `silent`: the respondent did not answer within the answer period (`lapse`, recorded by the deadline watch on the
  day after the period; art. 15 ¶2 and art. 25(3) for a delegated case);
- `withdrawn`: the applicant withdrew (`withdraw`; withdrawing does not bar arbitration, 调解仲裁法 art. 5);
- `settled` (the agreement, services/cases/signing.py) and `returned` (a delegation declined before any party
  was invited, services/court/delegations.py) owe no termination notice.

Each end without agreement writes, in its own move, the notification of each party (`end_notices`: the next
step in a line, the safe last day where it is the applicant's) and `outcome.papers` (`end_fields`): the papers it
owes with the ids they will have (the termination notices, 调解终止通知书, one per party; the applicant's
arbitration application; a delegated case's report), rendered after the move by services/cases/documents.py
`issue_end_papers` (right away where the caller holds the renderers, else by the deadline watch, which also
retries one that failed). A delegated case that ends without agreement goes back to its court or institute
(法释〔2021〕23号 art. 21, art. 15 ¶2): its notices say so; arbitration is named only where the delegation said
the dispute was not arbitrated (`arbitration_open`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from i18n import DEFAULT_LOCALE, Msg, msg, words
from services.cases import workflow
from services.cases.limitation import Limitation, limitation
from services.cases.outbox import PARTIES_PROJECTION, Line, applicant_recipient, notice, respondent_notice
from services.cases.record import Notification, delegated
from services.core.deadlines import Deadline, calendar_days_deadline, mediation_deadline
from services.core.work_calendar import WorkCalendar

# What an end is called (outcome.end); `settled` and `returned` owe no termination notice.
ENDS = ("declined", "failed", "refused", "silent", "expired", "withdrawn")
NOTICE_ENDS = frozenset(ENDS)
PARTIES = ("applicant", "respondent")
# What an end reads of a case: its parties' ways (the notifications), the dates of the limitation, the periods.
END_PROJECTION = PARTIES_PROJECTION | {
    "status": 1,
    "created_at": 1,
    "claim": 1,
    "centre": 1,
    "mediation_extended_to": 1,
    "respondent.name": 1,
    "mediator": 1,
}
# Whom a delegated case goes back to (docking.type): a court files a case delegated before filing (委派, 法释〔2021〕
# 23号 art. 21(2)), resumes one delegated after filing (委托, art. 21(3)); an arbitration institute deals with its own.
RETURNS = {"pre_filing": "file", "post_filing": "resume", "arbitration": "institute"}


# ---------------------------------------------------------------- the periods


def period_days(docking: Mapping[str, Any]) -> int:
    """A delegated case's period: the partner's days plus every extension granted and every day an appraisal paused
    it (法释〔2021〕23号 arts. 24, 26)."""
    extended = sum(int(e.get("days") or 0) for e in docking.get("extensions") or [])
    return int(docking.get("mediation_days") or 30) + extended + int(docking.get("paused_days") or 0)


def court_period(docking: Mapping[str, Any], calendar: WorkCalendar) -> Deadline | None:
    """The court's period, counted from the centre's acceptance (art. 24 ¶2); None before it accepted."""
    accepted = docking.get("accepted_at")
    return calendar_days_deadline(accepted, period_days(docking), calendar) if accepted else None


def day15_applies(doc: Mapping[str, Any]) -> bool:
    """Whether the 15 days of 调解仲裁法 art. 14 ¶3 (after which a party may apply for arbitration) concern the case:
    every case filed with us; a delegated one only where the delegation said the dispute was not yet arbitrated (a
    court's case after an award, or an arbitration institute's own case, has no way to arbitration to open)."""
    return arbitration_open(doc)


def arbitration_open(doc: Mapping[str, Any]) -> bool:
    """Whether arbitration is the next right after an end: always for a case filed with us; for a delegated case
    only where the delegation said the dispute has not been arbitrated (`docking.arbitrated` false)."""
    if not delegated(doc):
        return True
    docking = doc.get("docking") or {}
    return docking.get("partner_kind", "court") == "court" and docking.get("arbitrated") is False


def returns_to(doc: Mapping[str, Any]) -> str:
    """Where a delegated case goes after an end without agreement ("" for a case filed with us): file, resume,
    institute."""
    if not delegated(doc):
        return ""
    docking = doc.get("docking") or {}
    return RETURNS.get(
        str(docking.get("type") or ""), "file" if docking.get("partner_kind") == "court" else "institute"
    )


def period_end(doc: Mapping[str, Any], calendar: WorkCalendar) -> date | None:
    """The last day of the mediation period an end for its expiry (art. 25(6)) waits for: a delegated case's court
    period from the centre's acceptance plus the extensions agreed and the days paused (法释〔2021〕23号 arts. 24, 26;
    None before it was accepted); any other case's 15 days from receipt (调解仲裁法 art. 14 ¶3), or the later date
    both parties agreed (`mediation_extended_to`). Counted on the case's centre's calendar."""
    centre = calendar.for_centre((doc.get("centre") or {}).get("id", ""))
    if delegated(doc):
        period = court_period(doc["docking"], centre)
        return period.due if period else None
    extended = doc.get("mediation_extended_to")
    if extended:
        return date.fromisoformat(extended)
    return mediation_deadline(doc["created_at"], centre).due


# ---------------------------------------------------------------- which end


def end_of(doc: Mapping[str, Any]) -> str:
    """The end a closed case came to (ENDS, or settled, returned); "" while it is open."""
    outcome = doc.get("outcome") or {}
    kind = outcome.get("kind")
    if kind == "rejected":
        return "declined"
    if kind == "failed":
        if outcome.get("end"):
            return str(outcome["end"])
        return "expired" if outcome.get("closure_reason") == "period_expired" else "failed"
    if kind in ("settled", "returned", "withdrawn"):
        return str(kind)
    return "withdrawn" if doc.get("status") == workflow.WITHDRAWN else ""


def invited(doc: Mapping[str, Any]) -> bool:
    """Whether the respondent knows of the case (invited): only then is there a notice to serve them."""
    return bool((doc.get("respondent_access") or {}).get("invited_at"))


def addressees(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """Who receives a termination notice: the applicant, and the respondent once invited."""
    return ("applicant", "respondent") if invited(doc) else ("applicant",)


def case_limitation(doc: Mapping[str, Any], calendar: WorkCalendar, ended_at: datetime | None = None) -> Limitation:
    """The case's limitation (services/cases/limitation.py), counted again from `ended_at` (else the outcome's time
    of an end without agreement)."""
    outcome = doc.get("outcome") or {}
    if ended_at is None and end_of(doc) in NOTICE_ENDS:
        ended_at = outcome.get("at")
    return limitation(
        doc.get("claim") or {},
        doc["created_at"],
        calendar.for_centre((doc.get("centre") or {}).get("id", "")),
        ended_at,
        worker_applies=doc.get("kind") == "worker",
    )


# ---------------------------------------------------------------- what the end writes


@dataclass(frozen=True)
class NextRight:
    """What an end leaves a party: arbitration (with its safe last day where it is the applicant's), or the case's
    return to its court or institute."""

    arbitrate: bool
    last_day: date | None
    returns: str

    def line(self) -> Msg:
        """The notification's `next_step` (a WeChat line holds about 20 characters)."""
        if self.returns and not self.arbitrate:
            return msg(f"notice.value.returns.{self.returns}")
        if self.arbitrate and self.last_day is not None:
            return msg("notice.value.arbitrate_by", date=self.last_day.isoformat())
        return msg("notice.value.may_arbitrate")


def next_right(doc: Mapping[str, Any], role: str, facts: Limitation) -> NextRight:
    """The next right of `role` after the case's end: the applicant's safe last day is theirs to know; the
    respondent's own claims run from dates we do not have (art. 27 ¶1), so theirs is named without a day."""
    arbitrate = arbitration_open(doc)
    last_day = facts.last_day if arbitrate and role == "applicant" else None
    return NextRight(arbitrate, last_day, returns_to(doc))


def end_fields(doc: Mapping[str, Any], end: str, outcome: Mapping[str, Any], report: bool = False) -> dict[str, Any]:
    """The fields an end's move sets: the outcome with its `end` and the papers it owes (`papers`: each with the id it
    will have, so the notifications written with the move can name them), and `end_papers_due`, which the last paper
    clears (services/cases/documents.py `issue_end_papers`). The papers: each party's termination notice (the
    respondent's once invited); the applicant's arbitration application where arbitration is the next right (after a
    withdrawal it is offered with one tap instead); a delegated case's report to its court (`report`)."""
    if end not in NOTICE_ENDS:
        raise ValueError(f"no termination notice for the end {end!r}")
    papers = [{"kind": "termination_notice", "to": role, "id": uuid.uuid4().hex} for role in addressees(doc)]
    if end != "withdrawn" and arbitration_open(doc):
        papers.append({"kind": "arbitration", "to": "applicant", "id": uuid.uuid4().hex})
    if report:
        papers.append({"kind": "failure_report", "to": "partner", "id": uuid.uuid4().hex})
    return {"outcome": {**outcome, "end": end, "papers": papers}, "end_papers_due": True}


def report_paper() -> dict[str, str]:
    """The report a mediator writes after an end a party made (a refusal to sign), owed like the end's papers."""
    return {"kind": "failure_report", "to": "partner", "id": uuid.uuid4().hex}


def notice_id(doc: Mapping[str, Any], role: str) -> str | None:
    """The id of `role`'s termination notice (issued, or still owed)."""
    papers = (doc.get("outcome") or {}).get("papers") or []
    return next((p["id"] for p in papers if p["kind"] == "termination_notice" and p.get("to") == role), None)


def end_notices(
    doc: Mapping[str, Any],
    kind: str,
    now: datetime,
    calendar: WorkCalendar,
    lines: Sequence[Line],
    outcome: Mapping[str, Any],
) -> list[Notification]:
    """The notification of an end to each party, each with its own next step (`notice.value.*`): `kind` is the
    move's (fail, decline, withdraw); `lines` the lines both share (serial, reason or status); `outcome` the outcome
    the move writes (its time counts the year again). `doc` needs PARTIES_PROJECTION, `created_at`, `claim`,
    `centre`. Each opens the party's page of the case, where the termination notice is."""
    facts = case_limitation(doc, calendar, outcome.get("at"))
    out: list[Notification] = []
    serial = doc["_id"]
    to_applicant = applicant_recipient(doc)
    if to_applicant is not None:
        own = [*lines, ("next_step", next_right(doc, "applicant", facts).line())]
        out.append(notice(kind, to_applicant, f"/h5/cases/{serial}#end", now, own))
    if invited(doc):
        theirs = [*lines, ("next_step", next_right(doc, "respondent", facts).line())]
        told = respondent_notice(doc, kind, now, theirs, page="#end")
        if told is not None:
            out.append(told)
    return out


# ---------------------------------------------------------------- what the pages show


def page_view(
    doc: Mapping[str, Any], role: str, calendar: WorkCalendar, locale: str = DEFAULT_LOCALE
) -> dict[str, Any] | None:
    """The end as a party's page shows it (None while the case is open, or settled): what happened, the next right
    in the reader's words, and whether the arbitration application is one tap away (the applicant's)."""
    end = end_of(doc)
    if end not in NOTICE_ENDS:
        return None
    facts = case_limitation(doc, calendar)
    right = next_right(doc, role, facts)
    docking = doc.get("docking") or {}
    lines: list[Msg] = [msg(f"end.page.what.{end}")]
    if right.returns:
        lines.append(msg(f"end.page.returns.{right.returns}", partner=docking.get("partner_name", "")))
    if right.arbitrate:
        if end == "withdrawn" and role == "applicant":
            lines.append(msg("end.page.withdrawn_not_barred"))
        if right.last_day is not None:
            lines.append(msg("end.page.arbitrate_by", date=right.last_day.isoformat()))
            if facts.ends is not None and facts.ends != right.last_day:
                lines.append(msg("end.page.why_safe", ends=facts.ends.isoformat()))
        elif role == "applicant" and facts.ran_out_before:
            lines.append(msg("end.page.arbitrate_at_once"))
        else:
            lines.append(msg("end.page.may_arbitrate"))
    return {
        "end": end,
        "lines": [words(m, locale) for m in lines],
        "last_day": right.last_day.isoformat() if right.last_day else None,
        "returns": right.returns,
        "partner": docking.get("partner_name", ""),
        "partner_case_no": docking.get("partner_case_no", ""),
        "may_arbitrate": role == "applicant" and right.arbitrate,
        "notice": notice_id(doc, role),
    }
