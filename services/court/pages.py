"""What the pages show of docking: the court's panel on the back office's case page, and on each party's page the
court's clock (beside the day-15 one), the extension asked of them, and the applications they can make."""

from __future__ import annotations

from typing import Any

from i18n import DEFAULT_LOCALE, msg
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember
from services.cases import access, party_pages, workflow
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.work_calendar import load_work_calendar
from services.court import clocks, confirmations, delegations, ends

PARTNER_STATES = {"pending": "waiting", "claimed": "sending", "sent": "sent", "failed": "refused"}


def partner_events_view(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every event for the partner with its delivery state in words (待推送 while it waits)."""
    out = []
    for n in doc.get("notifications") or []:
        if (n.get("to") or {}).get("type") != "partner":
            continue
        state = PARTNER_STATES.get(n.get("state", ""), "waiting")
        out.append(
            {
                "id": n["id"],
                "title": n.get("title", ""),
                "type": (n.get("event") or {}).get("type", ""),
                "state": state,
                "state_label": msg(f"partner.state.{state}").text(),
                "attempts": n.get("attempts", 0),
                "last_error": n.get("last_error") or "",
                "created_at": shanghai_iso(n.get("created_at")),
                "sent_at": shanghai_iso(n.get("sent_at")),
            }
        )
    return out


async def staff_panel(ctx: ServiceContext, member: StaffMember, serial: str) -> dict[str, Any] | None:
    """The court's panel of a case page (None for a case nobody delegated)."""
    doc = await access.for_staff(ctx, member, serial)
    if not doc.get("docking"):
        return None
    calendar = await load_work_calendar(ctx)
    today = ctx.clock().astimezone(SHANGHAI).date()
    docking = doc["docking"]
    answering = doc["status"] == workflow.DELEGATED and member.role in (CENTRE_ADMIN, SYSTEM_ADMIN)
    offered = await delegations.offered_mediators(ctx, docking["partner_id"], doc["centre"]["id"])
    answer = docking.get("answer") or {}
    running = doc["status"] not in workflow.CLOSED and bool(docking.get("accepted_at"))
    return {
        "clock": clocks.clock_view(doc, calendar, today),
        "answer": {
            "decision": answer.get("decision"),
            "reason": answer.get("reason", ""),
            "at": shanghai_iso(answer.get("at")),
            "late": bool(answer.get("late")),
        }
        if answer
        else None,
        "can_answer": answering,
        "offered": [{"login": m.login, "name": m.name} for m in offered],
        "mediators": offered,  # the case page's assign list: the partner's confirmed mediators only
        "decline_reasons": {c: msg(f"label.decline_reason.{c}").text() for c in delegations.DECLINE_REASONS},
        "can_extend": running and not docking.get("extension_request"),
        "can_pause": running and not docking.get("paused_since"),
        "can_resume": running and bool(docking.get("paused_since")),
        "report_due": ends.report_due(doc),
        "can_file": doc["status"] == workflow.SETTLED and not docking.get("filed_at"),
        "filed_at": shanghai_iso(docking.get("filed_at")),
        "contact": delegations.contact_view(ctx, docking),
        "events": partner_events_view(doc),
        "waiting": sum(1 for e in partner_events_view(doc) if e["state"] in ("waiting", "sending")),
    }


async def case_page(
    ctx: ServiceContext, person_id: str, serial: str, role: str, locale: str = DEFAULT_LOCALE
) -> dict[str, Any]:
    """A party's page of one case (services/cases/party_pages.py) with what docking adds: the court's clock of a
    delegated case, the extension awaiting this party's consent, the joint applications of a settled case."""
    page = await party_pages.case_page(ctx, person_id, serial, role, locale)
    doc, _ = await access.for_party(ctx, person_id, serial)
    calendar = (await load_work_calendar(ctx)).for_centre(doc["centre"]["id"])
    today = ctx.clock().astimezone(SHANGHAI).date()
    court = None
    if doc.get("docking"):
        court = clocks.clock_view(doc, calendar, today)
        request = court.get("extension_request")
        court["may_consent"] = bool(
            request and role not in request["consents"] and doc["status"] not in workflow.CLOSED
        )
    page["court"] = court
    page["applications"] = await confirmations.panel(ctx, doc, role, calendar, today)
    return page
