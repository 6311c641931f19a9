"""Cases as their parties read them: "我的申请", one case with its timeline, and the public progress factor."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from i18n import Words, msg
from services.cases import workflow
from services.core.amounts import read_amount
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import NotFound
from services.core.personal_data import masked_party
from services.directory import centres

WORDS = Words()
# Coded fields of a party shown with their words beside them (`<field>_label`): the table naming each code.
CODED_FIELDS = {
    "id_type": "id_type",
    "contact_id_type": "id_type",
    "gender": "gender",
    "education": "education",
    "industry": "industry",
    "nature": "nature",
}
JOIN_EARLY = timedelta(minutes=15)  # the video session's link opens this long before the session's time
JOIN_LATE = timedelta(hours=12)  # and closes this long after it (a session rescheduled gets a new time)

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
    return await party_view(ctx, doc)


async def party_view(ctx: ServiceContext, doc: Mapping[str, Any], role: str = "applicant") -> dict[str, Any]:
    """`case_detail` with what needs the database: the evidence by name, the centre's address and phone, and the
    video session's link when it is open now."""
    view = case_detail(doc, role, ctx.clock())
    named = await evidence_files(ctx, doc)
    view["evidence_files"] = named["applicant"]
    view["respondent_files"] = named["respondent"]
    centre = (await centres.directory(ctx)).get((doc.get("centre") or {}).get("id", ""))
    view["centre_contact"] = {
        "name": (doc.get("centre") or {}).get("name", ""),
        "address": centre.address if centre else "",
        "phone": centre.phone if centre else "",
        "demo": bool(centre and centre.demo),  # the demo's example contact: shown as such, never a number to call
    }
    return view


async def evidence_files(ctx: ServiceContext, doc: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each party's evidence by name (one query): file id, name, kind, size; files the applicant added after
    submitting carry when (`added_at`), so the mediator sees them as new."""
    ids = list(doc.get("evidence") or []) + list(doc.get("respondent_evidence") or [])
    found = (
        await ctx.db["files"]
        .find({"_id": {"$in": ids}}, {"name": 1, "kind": 1, "size": 1, "source": 1, "proves": 1})
        .to_list(None)
        if ids
        else []
    )
    by_id = {f["_id"]: f for f in found}
    added = {a["id"]: a for a in doc.get("evidence_added") or []}

    def listed(file_id: str) -> dict[str, Any]:
        record = by_id.get(file_id, {})
        late = added.get(file_id)
        return {
            "id": file_id,
            "name": record.get("name", ""),
            "kind": record.get("kind", ""),
            "size": int(record.get("size", 0)),
            "added_at": shanghai_iso(late["at"]) if late else None,
            "source": record.get("source", ""),  # where it came from, what it proves (调解仲裁法 art. 28 (三))
            "proves": record.get("proves", ""),
        }

    return {
        "applicant": [listed(i) for i in doc.get("evidence") or []],
        "respondent": [listed(i) for i in doc.get("respondent_evidence") or []],
    }


def case_summary(doc: Mapping[str, Any]) -> dict[str, Any]:
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


def labelled_party(party: Mapping[str, Any]) -> dict[str, Any]:
    """A party masked, with the words of each code beside it (`gender_label`, `nationality_label`...)."""
    shown = masked_party(dict(party))
    for field, table in CODED_FIELDS.items():
        if shown.get(field):
            shown[f"{field}_label"] = WORDS.label(table, shown[field])
    if shown.get("nationality"):
        shown["nationality_label"] = WORDS.country(shown["nationality"])
    return shown


def case_detail(doc: Mapping[str, Any], role: str = "applicant", now: datetime | None = None) -> dict[str, Any]:
    """One case as a party reads it (`role`: applicant or respondent): numbers masked, codes with their words,
    the invitation and the answer, the agreement to sign or signed, each term's performance; `now`: whether the
    video session's link is open (without it, it is not shown)."""
    view = case_summary(doc)
    claim = {k: v for k, v in doc["claim"].items() if k != "amount_fen"}
    # Always present (empty when none was chosen: the venue is optional), so every page can ask for it.
    claim["venue_label"] = WORDS.label("venue", claim["venue"]) if claim.get("venue") else ""
    claim["total"] = requested_total(doc)
    view.update(
        {
            "role": role,
            "applicant": labelled_party(doc["applicant"]),
            "respondent": labelled_party(doc["respondent"]),
            "respondent_access": access_view(doc.get("respondent_access")),
            "agreement": agreement_view(doc.get("agreement"), doc["status"], doc.get("outcome")),
            "performance": performance_view(doc),
            "mediation_extended_to": doc.get("mediation_extended_to"),
            "claim": claim,
            "evidence": list(doc.get("evidence", [])),
            "consent": {
                "version": doc["consent"]["version"],
                "accepted_at": shanghai_iso(doc["consent"]["accepted_at"]),
            },
            "timeline": [_event_view(e, role) for e in doc.get("timeline", [])],
            "clarified": _clarified_view(doc.get("clarified"), role),
            "outcome": _outcome_view(doc.get("outcome"), role),
            "session": session_view(doc.get("session"), now),
            "closed": doc["status"] in workflow.CLOSED,
        }
    )
    return view


def requested_total(doc: Mapping[str, Any], confirmed_only: bool = True) -> str:
    """请求金额合计: the sum of the items listed (the amount first claimed while none is), "0.00" for none. A page lists
    the items the applicant confirmed; a document (`confirmed_only=False`) the current ones, as docgen does."""
    clarified = doc.get("clarified") or {}
    listed = not confirmed_only or clarified.get("state") == "confirmed"
    items = clarified.get("items") or [] if listed else []
    if not items:
        return f"{read_amount((doc.get('claim') or {}).get('amount') or '0') or Decimal(0):.2f}"
    return f"{sum((read_amount(item.get('amount') or '0') or Decimal(0) for item in items), Decimal(0)):.2f}"


def _clarified_view(clarified: dict[str, Any] | None, role: str = "applicant") -> dict[str, Any] | None:
    """The standard request items as a party reads them (what the mediator pushed, and the answer); the applicant's
    comment to the mediator (a change asked for) is the applicant's, never shown to the respondent."""
    if not clarified:
        return None
    return {
        "version": clarified["version"],
        "state": clarified["state"],
        "comment": clarified.get("comment", "") if role == "applicant" else "",
        "pushed_at": shanghai_iso(clarified.get("pushed_at")),
        "items": [
            {k: item.get(k) for k in ("number", "cause_code", "cause_label", "cause_level1_label", "text", "amount")}
            | {"arbitrable": item.get("arbitrable", True), "cause_warning": item.get("cause_warning", "")}
            for item in clarified["items"]
        ],
    }


def _outcome_view(outcome: dict[str, Any] | None, role: str = "applicant") -> dict[str, Any] | None:
    """How the case ended; the applicant's reason for withdrawing is the applicant's, not shown to the respondent."""
    if not outcome:
        return None
    private = role == "respondent" and outcome.get("kind") == "withdrawn"
    fields = ("kind", "terms_text", "closure_reason") if private else ("kind", "reason", "terms_text", "closure_reason")
    shown = {k: outcome.get(k) for k in fields if outcome.get(k)}
    if outcome.get("closure_reason"):
        shown["closure_reason_label"] = msg(f"label.closure_reason.{outcome['closure_reason']}").text()
    return shown | {"at": shanghai_iso(outcome.get("at"))}


def session_view(session: Mapping[str, Any] | None, now: datetime | None = None) -> dict[str, Any] | None:
    """The session as the parties read it: time and place, and for an online session when its link opens
    (JOIN_EARLY before the time) and, once open at `now`, the link itself."""
    if not session:
        return None
    at: datetime | None = session.get("at")
    link: str = session.get("online_link", "")
    opens = at - JOIN_EARLY if link and at else None
    is_open = opens is not None and at is not None and now is not None and opens <= now <= at + JOIN_LATE
    return {
        "at": shanghai_iso(at),
        "place": session.get("place", ""),
        "online": bool(link),
        "opens_at": shanghai_iso(opens),
        "join_open": is_open,
        "online_link": link if is_open else "",
    }


# Events whose note is the applicant's own word to the centre (a change asked of the request items, the reason for
# withdrawing, files added) or the centre's internal record (a collective-dispute link): the respondent reads that
# they happened, not the note (each party sees what is addressed to them).
APPLICANT_PRIVATE_NOTES = frozenset(
    {"request_change", "confirm_clarified", "withdraw", "evidence_added", "collective_linked", "special_procedure"}
)


def _event_view(event: dict[str, Any], role: str = "applicant") -> dict[str, Any]:
    view = {
        "at": shanghai_iso(event["at"]),
        "action": event["action"],
        "label": workflow.action_label(event["action"]),
        "status": event["status"],
        "status_label": workflow.status_label(event["status"]),
        "by": event["actor"]["type"],
    }
    if event.get("note") and not (role == "respondent" and event["action"] in APPLICANT_PRIVATE_NOTES):
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


# ---------------------------------------------------------------- the respondent, the agreement, performance


def answer_view(answer_doc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A party's answer as the pages show it; None before there is one."""
    return shown_answer(answer_doc) if answer_doc else None


def shown_answer(answer_doc: Mapping[str, Any]) -> dict[str, Any]:
    """An answer given: its decision in words, and when."""
    shown = {
        k: answer_doc.get(k)
        for k in ("decision", "reason", "proposal", "amount", "channel", "late")
        if answer_doc.get(k) not in (None, "")
    }
    return shown | {"label": msg(f"answer.{answer_doc['decision']}").text(), "at": shanghai_iso(answer_doc.get("at"))}


def access_view(invited: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The invitation as staff and parties read it (never its token)."""
    if not invited or not invited.get("invited_at"):
        return None
    return {
        "invited_at": shanghai_iso(invited["invited_at"]),
        "answer_due": invited.get("answer_due"),
        "answer_due_provisional": invited.get("answer_due_provisional", False),
        "claimed": bool(invited.get("person_id")),
        "claimed_at": shanghai_iso(invited.get("claimed_at")),
        "answer": answer_view(invited.get("answer")),
        "silent": bool(invited.get("silence_recorded_at")),
    }


def agreement_view(
    agreement: Mapping[str, Any] | None, status: str, outcome: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The draft (or the signed agreement) as the parties and staff read it: terms, who signed when."""
    if not agreement:
        return {}
    final = (outcome or {}).get("agreement") if (outcome or {}).get("kind") == "settled" else None
    source = final or agreement
    signatures = {
        s["role"]: {"name": s.get("name", ""), "at": shanghai_iso(s.get("at"))} for s in source.get("signatures", [])
    }
    return {
        "version": agreement.get("version"),
        "status": status,
        "terms": list(source.get("terms") or []),
        "waivers": source.get("waivers", ""),
        "copies": source.get("copies"),
        "signatures": signatures,
        "missing": [r for r in workflow.SIGNERS if r not in signatures],
        "effective_at": shanghai_iso(final.get("effective_at")) if final else None,
    }


def performance_view(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    terms = ((doc.get("outcome") or {}).get("agreement") or {}).get("terms") or []
    return [
        {
            "term": p["term"],
            "number": p["term"] + 1,
            "text": terms[p["term"]].get("text", ""),
            "amount": terms[p["term"]].get("amount", ""),
            "due_date": p["due_date"],
            "state": p["state"],
            "state_label": msg(f"performance.state.{p['state']}").text(),
            "asked_at": shanghai_iso(p.get("asked_at")),
            "reports": [
                {"by": r["by"], "performed": r["performed"], "note": r.get("note", ""), "at": shanghai_iso(r["at"])}
                for r in p.get("reports", [])
            ],
        }
        for p in doc.get("performance") or []
    ]
