"""Following the agreement: each term's due date, asking the parties the day after, breaches and the routes they open.

A settled case carries `performance`: one entry per term `{term, due_date, state (pending|performed|
breached), asked_at, reports: [{by, performed, note, at, channel}]}`. The day after a term's due date
the parties are asked (`ask_due`, run by the deadline watch); the applicant answers performed or not
(the respondent may report performance too). A breach changes no status: it opens the routes the law
gives, each with its deadline and its document (`routes`), shown closed once the window has passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from i18n import DEFAULT_LOCALE, Msg, msg
from services.cases import access, moves, workflow
from services.cases.limitation import one_year_after
from services.cases.outbox import PARTIES_PROJECTION, Line, applicant_notice, party_notices
from services.cases.signing import PAYMENT_ORDER_CATEGORIES, effective_date
from services.cases.views import performance_view
from services.core.context import SHANGHAI, ServiceContext
from services.core.deadlines import calendar_days_deadline
from services.core.errors import Conflict, ValidationFailed, field_error
from services.core.numbers import read_whole
from services.core.work_calendar import WorkCalendar, load_work_calendar

MAX_NOTE = 500
BATCH = 200
JUDICIAL_CONFIRMATION_DAYS = 30  # 民事诉讼法 art. 205: within 30 days of the agreement taking effect, jointly
ARBITRAL_REVIEW_DAYS = 15  # 劳动人事争议仲裁办案规则 art. 74: within 15 days, jointly


@dataclass(frozen=True)
class Route:
    code: str  # arbitration | payment_order | judicial_confirmation | arbitral_review
    document: str  # the document kind one tap makes
    basis: str  # catalogue key of the article it rests on
    due: date | None
    provisional: bool
    available: bool  # the route applies to this case now (e.g. a payment order needs a breached pay term)
    open: bool  # available and still in time
    arbitrate_by: date | None = None  # the payment order's basis names the safe last day to apply for arbitration

    def basis_words(self) -> Msg:
        if self.code == "payment_order":
            if self.arbitrate_by is None:
                return msg("route.basis.payment_order_closed")
            return msg("route.basis.payment_order", due=self.arbitrate_by.isoformat())
        return msg(self.basis)

    def as_dict(self, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
        return {
            "code": self.code,
            "document": self.document,
            "label": msg(f"route.{self.code}").text(locale),
            "basis": self.basis_words().text(locale),
            "due": self.due.isoformat() if self.due else None,
            "provisional": self.provisional,
            "available": self.available,
            "open": self.open,
        }


def routes(doc: Mapping[str, Any], today: date, calendar: WorkCalendar) -> list[Route]:
    """The four routes of a settled case with their deadlines. Arbitration and the payment order follow a
    breach (劳动争议调解仲裁法 arts. 15, 16); judicial confirmation and arbitral review are open to both parties
    together from the agreement taking effect."""
    effective = effective_date(doc)
    if doc.get("status") != workflow.SETTLED or effective is None:
        return []
    terms = ((doc.get("outcome") or {}).get("agreement") or {}).get("terms") or []
    breached = [p for p in doc.get("performance") or [] if p.get("state") == "breached"]
    first_breach = min((date.fromisoformat(p["due_date"]) for p in breached), default=None)
    out = []
    if first_breach is not None:  # the day after the due date the right was infringed: one year (art. 27)
        due, provisional = one_year_after(first_breach, calendar)
        out.append(Route("arbitration", "arbitration", "route.basis.arbitration", due, provisional, True, today <= due))
    else:
        out.append(Route("arbitration", "arbitration", "route.basis.arbitration", None, False, False, False))
    pay = [p for p in breached if terms[p["term"]].get("category") in PAYMENT_ORDER_CATEGORIES]
    if pay and doc.get("kind") == "worker":
        # 调解仲裁法 art. 16 and 民事诉讼法 arts. 225-228 set no period of their own: the route stays open, and names
        # the day by which the worker applies for arbitration should the employer object and the order lapse (the
        # arbitration route's, art. 27: a year from the first breach).
        arbitrate_by, provisional = one_year_after(min(date.fromisoformat(p["due_date"]) for p in pay), calendar)
        out.append(
            Route(
                "payment_order",
                "payment_order",
                "route.basis.payment_order",
                None,
                provisional,
                True,
                True,
                arbitrate_by,
            )
        )
    else:
        out.append(Route("payment_order", "payment_order", "route.basis.payment_order", None, False, False, False))
    windows = (("judicial_confirmation", JUDICIAL_CONFIRMATION_DAYS), ("arbitral_review", ARBITRAL_REVIEW_DAYS))
    for code, days in windows:
        window = calendar_days_deadline(effective, days, calendar)
        out.append(Route(code, code, f"route.basis.{code}", window.due, window.provisional, True, today <= window.due))
    return out


def breached_terms(doc: Mapping[str, Any], for_payment_order: bool = False) -> list[dict[str, Any]]:
    """The terms reported not performed (for a payment order only those of pay, injury costs, compensation
    or damages), as the documents print them."""
    terms = ((doc.get("outcome") or {}).get("agreement") or {}).get("terms") or []
    out = []
    for entry in doc.get("performance") or []:
        term = terms[entry["term"]]
        if entry.get("state") == "breached" and (
            not for_payment_order or term.get("category") in PAYMENT_ORDER_CATEGORIES
        ):
            out.append({k: term.get(k) for k in ("text", "amount", "due_date")})
    return out


def parse_report(body: Mapping[str, Any], count: int) -> tuple[int, bool, str]:
    """`{term: 1.., performed: true|false, note}` as every front sends it (a form's "yes"/"no" too)."""
    errors = []
    term = read_whole(body.get("term"))
    if term is None or not 1 <= term <= max(count, 1):
        errors.append(field_error("term", "invalid", "error.invalid.performance_term", count=count))
    performed = body.get("performed")
    if isinstance(performed, str):
        performed = {"yes": True, "no": False, "true": True, "false": False}.get(performed, performed)
    if not isinstance(performed, bool):
        errors.append(field_error("performed", "required", "error.required.performed"))
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note.strip()) > MAX_NOTE:
        errors.append(field_error("note", "too_long", "error.too_long.performance_note", limit=MAX_NOTE))
    if errors:
        raise ValidationFailed(errors)
    assert term is not None
    return term - 1, bool(performed), note.strip()


async def report(
    ctx: ServiceContext,
    person_id: str,
    serial: str,
    body: Mapping[str, Any],
    channel: str,
    role: str | None = None,
) -> list[dict[str, Any]]:
    """A party reports on one term. The applicant's answer decides (performed, or breached once the due date
    has passed); a respondent reports performance. A breach sends the applicant the routes it opens.
    `role`: the party whose route the report came through (the other party finds no case there)."""
    doc, role = await access.for_party(
        ctx, person_id, serial, PARTIES_PROJECTION | {"status": 1, "performance": 1, "outcome": 1}, role
    )
    if doc["status"] != workflow.SETTLED:
        raise Conflict("not_settled", field="term", current=workflow.status_label(doc["status"]))
    index, performed, note = parse_report(body, len(doc.get("performance") or []))
    entry = doc["performance"][index]
    now = ctx.clock()
    today = now.astimezone(SHANGHAI).date()
    if role == "respondent" and not performed:
        raise ValidationFailed([field_error("performed", "invalid", "error.invalid.respondent_breach")])
    if not performed and today <= date.fromisoformat(entry["due_date"]):
        raise Conflict("not_due_yet", field="performed", due=entry["due_date"])
    set_fields: dict[str, Any] = {}
    notify = []
    if role == "applicant":
        set_fields[f"performance.{index}.state"] = "performed" if performed else "breached"
        if not performed:
            lines: list[Line] = [("serial", serial), ("next_step", msg("notice.value.routes_open"))]
            notify.append(applicant_notice(doc["owner_person_id"], "breach", f"/h5/cases/{serial}#routes", now, lines))
    record = {"by": role, "performed": performed, "note": note, "at": now, "channel": channel}
    actor = (role, person_id)
    words = msg(
        "performance.report_note",
        number=index + 1,
        state=msg(f"performance.state.{'performed' if performed else 'breached'}"),
    ).text()
    updated = await moves.record_event(
        ctx,
        serial,
        "performance_report",
        actor,
        channel,
        workflow.SETTLED,
        when={"status": workflow.SETTLED},
        set_fields=set_fields,
        push_fields={f"performance.{index}.reports": record},
        notify=notify or None,
        note=words,
        projection={"performance": 1, "outcome": 1},
    )
    if updated is None:
        raise Conflict("not_settled", field="term", current=workflow.status_label(doc["status"]))
    return performance_view(updated)


async def ask_due(ctx: ServiceContext) -> int:
    """One pass: each term whose due date has passed and nobody was asked about: both parties are asked
    (WeChat / SMS) whether it was performed; once per term, whichever process runs the pass."""
    now = ctx.clock()
    today = now.astimezone(SHANGHAI).date().isoformat()
    pending = {"state": "pending", "asked_at": None, "due_date": {"$lt": today}}
    query = {"status": workflow.SETTLED, "performance": {"$elemMatch": pending}}
    docs = await ctx.db["cases"].find(query, PARTIES_PROJECTION | {"performance": 1}).limit(BATCH).to_list(BATCH)
    asked = 0
    for doc in docs:
        due = [
            p for p in doc["performance"] if p["state"] == "pending" and not p.get("asked_at") and p["due_date"] < today
        ]
        set_fields = {f"performance.{p['term']}.asked_at": now for p in due}
        conditions = {f"performance.{p['term']}.asked_at": None for p in due}
        first = min(p["due_date"] for p in due)
        notices = party_notices(
            doc,
            "performance_check",
            now,
            [("serial", doc["_id"]), ("due_date", first), ("next_step", msg("notice.value.performed_question"))],
            page="#performance",
        )
        updated = await moves.record_event(
            ctx,
            doc["_id"],
            "performance_asked",
            ("system", "performance"),
            "system",
            workflow.SETTLED,
            when={"status": workflow.SETTLED, **conditions},
            set_fields=set_fields,
            notify=notices,
            note=msg("performance.asked_note", count=len(due)).text(),
            projection={"_id": 1},
        )
        asked += updated is not None
    return asked


async def routes_for(ctx: ServiceContext, doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    calendar = await load_work_calendar(ctx)
    today = ctx.clock().astimezone(SHANGHAI).date()
    return [r.as_dict() for r in routes(doc, today, calendar)]
