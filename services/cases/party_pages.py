"""One case as either party's page (H5, portal, mini-program) shows it: the case, its documents, its clocks, and
what the party can do next (answer, sign, report performance, take a route).

Each party sees what is addressed to them (docs/domain.md#every-end): their own documents and notices, never the
other party's; the applicant's limitation is the applicant's (the respondent's page shows none); the end of a case
in the reader's words with their next right (services/cases/ends.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from i18n import DEFAULT_LOCALE
from services.cases import access, documents, ends, queue, respondent, service, workflow
from services.cases.performance import routes
from services.cases.record import organisation_role
from services.cases.views import party_view
from services.core.context import SHANGHAI, ServiceContext
from services.core.work_calendar import load_work_calendar


def signing_for(doc: Mapping[str, Any], role: str) -> dict[str, str] | None:
    """For the organisation party's page: the people who may sign for it (民法典 arts. 61, 162), its legal
    representative as the case names them and the agent whose authorisation the mediator recorded (or "")."""
    if role != organisation_role(doc["kind"]):
        return None
    party = doc.get(role) or {}
    agent = ((doc.get("authorities") or {}).get(role) or {}).get("agent_name", "")
    return {"legal_representative": str(party.get("legal_representative_name") or ""), "agent": str(agent)}


async def case_page(
    ctx: ServiceContext, person_id: str, serial: str, role: str, locale: str = DEFAULT_LOCALE
) -> dict[str, Any]:
    """Everything a party's page of one case needs; `role` is the page's (applicant or respondent): a case of
    which the person is the other party is not found on it. The limitation and the routes in `locale`.

    What was served on the party is listed (送达记录, services/cases/service.py) with their 送达地址确认书 (None: to
    be given here); opening the page opens the notices served on them, recorded once (a write only then)."""
    if role == "respondent":
        doc = await access.for_respondent(ctx, person_id, serial)
        case = await respondent.respondent_view(ctx, doc)
    else:
        doc = await access.for_owner(ctx, person_id, serial)
        case = await party_view(ctx, doc)
    calendar = await load_work_calendar(ctx)
    today = ctx.clock().astimezone(SHANGHAI).date()
    end = ends.page_view(doc, role, calendar, locale)
    await service.mark_opened(ctx, doc, role)
    # A closed case has no running clock: no deadline, not even one shown as passed. A delegated case shows the
    # court's period (services/court/pages.py); the 15 days of 调解仲裁法 art. 14 ¶3 only where they apply.
    shows_day15 = not case["closed"] and ends.day15_applies(doc)
    return {
        "case": case,
        "documents": await documents.case_documents(ctx, serial, doc, role),
        "service": service.party_service(doc, role),
        "service_consent": service.consent_view((doc.get("service_consent") or {}).get(role)),
        "deadline": await queue.applicant_deadline(ctx, case, doc["centre"]["id"]) if shows_day15 else None,
        "limitation": ends.case_limitation(doc, calendar).as_dict(locale) if role == "applicant" else None,
        "routes": [r.as_dict(locale) for r in routes(doc, today, calendar)],
        "end": end,
        "can_answer": role == "respondent"
        and not (case.get("respondent_access") or {}).get("answer")
        and doc["status"] not in workflow.CLOSED,
        "can_sign": doc["status"] == workflow.SIGNING and role in (case.get("agreement") or {}).get("missing", []),
        "signing_for": signing_for(doc, role),
        "court_choices": await documents.confirmation_courts(ctx, doc) if doc["status"] == workflow.SETTLED else [],
        "may_arbitrate": bool(end and end["may_arbitrate"]),
        "party_kinds": documents.PARTY_KINDS[role],
    }
