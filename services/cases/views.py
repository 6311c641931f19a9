"""Cases as their parties read them: "我的申请", one case with its timeline, and the public progress factor."""

from __future__ import annotations

import hmac
from typing import Any

from services.cases import workflow
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import NotFound
from services.core.personal_data import masked_party

MY_CASES_LIMIT = 200

# What "我的申请" needs of a case; the timeline and the parties stay in the database.
SUMMARY_FIELDS = {
    "_id": 1,
    "kind": 1,
    "status": 1,
    "centre": 1,
    "mediator": 1,
    "session": 1,
    "clarified": 1,
    "respondent.name": 1,
    "applicant.name": 1,
    "created_at": 1,
    "updated_at": 1,
}


async def my_cases(ctx: ServiceContext, person_id: str) -> list[dict[str, Any]]:
    """ "我的申请": the person's cases, newest first, in one query."""
    cursor = ctx.db["cases"].find({"owner_person_id": person_id}, SUMMARY_FIELDS)
    docs = await cursor.sort("created_at", -1).limit(MY_CASES_LIMIT).to_list(MY_CASES_LIMIT)
    return [case_summary(doc) for doc in docs]


async def my_case(ctx: ServiceContext, person_id: str, serial: str) -> dict[str, Any]:
    """One of the person's cases with its timeline; someone else's case is simply not found."""
    doc = await ctx.db["cases"].find_one({"_id": serial, "owner_person_id": person_id})
    if doc is None:
        raise NotFound("case_not_found")
    return case_detail(doc)


def case_summary(doc: dict[str, Any]) -> dict[str, Any]:
    clarified = doc.get("clarified") or {}
    items = clarified.get("items") or []
    session = doc.get("session") or {}
    mediator = doc.get("mediator") or {}
    return {
        "serial": doc["_id"],
        "kind": doc["kind"],
        "status": doc["status"],
        "status_label": workflow.status_label(doc["status"]),
        "cause": items[0].get("cause_label") if items else None,
        "mediator": mediator.get("name"),
        "next_session_at": shanghai_iso(session.get("at")),
        "centre": (doc.get("centre") or {}).get("name"),
        "respondent_name": (doc.get("respondent") or {}).get("name"),
        "created_at": shanghai_iso(doc["created_at"]),
        "updated_at": shanghai_iso(doc["updated_at"]),
    }


def case_detail(doc: dict[str, Any]) -> dict[str, Any]:
    view = case_summary(doc)
    view.update(
        {
            "applicant": masked_party(doc["applicant"]),
            "respondent": masked_party(doc["respondent"]),
            "claim": {k: v for k, v in doc["claim"].items() if k != "amount_fen"},
            "evidence": list(doc.get("evidence", [])),
            "consent": {
                "version": doc["consent"]["version"],
                "accepted_at": shanghai_iso(doc["consent"]["accepted_at"]),
            },
            "timeline": [_event_view(e) for e in doc.get("timeline", [])],
            "clarified": _clarified_view(doc.get("clarified")),
            "outcome": _outcome_view(doc.get("outcome")),
            "session": _session_view(doc.get("session")),
        }
    )
    return view


def _clarified_view(clarified: dict[str, Any] | None) -> dict[str, Any] | None:
    """The standard request items as the applicant reads them (what the mediator pushed, and the answer)."""
    if not clarified:
        return None
    return {
        "version": clarified["version"],
        "state": clarified["state"],
        "comment": clarified.get("comment", ""),
        "pushed_at": shanghai_iso(clarified.get("pushed_at")),
        "items": [
            {k: item.get(k) for k in ("number", "cause_code", "cause_label", "cause_level1_label", "text", "amount")}
            for item in clarified["items"]
        ],
    }


def _outcome_view(outcome: dict[str, Any] | None) -> dict[str, Any] | None:
    if not outcome:
        return None
    shown = {k: outcome.get(k) for k in ("kind", "reason", "terms_text") if outcome.get(k)}
    return shown | {"at": shanghai_iso(outcome.get("at"))}


def _session_view(session: dict[str, Any] | None) -> dict[str, Any] | None:
    if not session:
        return None
    return {"at": shanghai_iso(session.get("at")), "place": session.get("place", ""),
            "online_link": session.get("online_link", "")}  # fmt: skip


def _event_view(event: dict[str, Any]) -> dict[str, Any]:
    view = {
        "at": shanghai_iso(event["at"]),
        "action": event["action"],
        "label": workflow.action_label(event["action"]),
        "status": event["status"],
        "status_label": workflow.status_label(event["status"]),
        "by": event["actor"]["type"],
    }
    if event.get("note"):
        view["note"] = event["note"]
    return view


def phone_last4_matches(ctx: ServiceContext, doc: dict[str, Any], last4: str) -> bool:
    """The second factor of the public progress check: the last four digits of the applicant's phone."""
    field = "phone" if doc["kind"] == "worker" else "contact_phone"
    sealed = doc["applicant"].get(field)
    if not sealed:
        return False
    phone = ctx.cipher.decrypt(sealed, f"applicant.{field}")
    return hmac.compare_digest(phone[-4:], last4)
