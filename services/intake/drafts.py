"""Drafts of an application between steps: one per person and kind, shared by every front.

A draft remembers the step its person was last on (a returning person lands there). Once submitted it is
replaced by a marker naming the case, so that going back to the review page shows the case's done page
rather than an empty review; the next draft saved replaces the marker.
"""

from __future__ import annotations

from typing import Any

from i18n import msg
from services.accounts import portal_accounts
from services.core.amounts import read_amount
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.errors import FieldError, NotFound, ServiceError, ValidationFailed
from services.core.personal_data import SEALED_FIELDS, mask_field, masked_party, seal_party, unseal_party
from services.directory.regions import regions
from services.intake.submission import submit_application
from services.intake.validation import validate_application, validate_draft

KINDS = ("worker", "employer")
PARTIES = ("applicant", "respondent")


def _draft_id(person_id: str, kind: str) -> str:
    if kind not in KINDS:
        raise ServiceError(404, "draft_kind_unknown")
    return f"{person_id}:{kind}"


def _carry_masked_echoes(body: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """A page shows stored numbers masked; when it sends a mask back unchanged, keep the stored number."""
    kept: dict[str, dict[str, Any]] = {party: {} for party in PARTIES}
    for party in PARTIES:
        incoming = body.get(party)
        old = (stored or {}).get(party) or {}
        if not isinstance(incoming, dict):
            continue
        body[party] = incoming = dict(incoming)  # the caller's values (a page shown again) keep their masks
        for name in SEALED_FIELDS:
            value = incoming.get(name)
            sealed = old.get(name)
            if isinstance(value, str) and "*" in value and isinstance(sealed, dict) and sealed.get("masked") == value:
                kept[party][name] = sealed
                del incoming[name]
    return kept


async def _carry_own_numbers(ctx: ServiceContext, person_id: str, kind: str, body: dict[str, Any]) -> None:
    """The applicant step starts from the person's own numbers, masked (portal_accounts.applicant_prefill):
    a mask of one of them, sent back unchanged, stands for the number itself."""
    applicant = body.get("applicant")
    if not isinstance(applicant, dict):
        return
    masked = [n for n in SEALED_FIELDS if isinstance(applicant.get(n), str) and "*" in applicant[n]]
    if not masked:  # the usual case: nothing to look up
        return
    own = await portal_accounts.own_applicant_values(ctx, person_id, kind)
    body["applicant"] = applicant = dict(applicant)  # the caller's values (a page shown again) stay masked
    for name in masked:
        if name in own and mask_field(name, own[name]) == applicant[name]:
            applicant[name] = own[name]


async def save_draft(ctx: ServiceContext, person_id: str, kind: str, body: Any, step: str = "") -> dict[str, Any]:
    """Keep the draft (`step`: the page it was saved from, where its person comes back to)."""
    draft_id = _draft_id(person_id, kind)
    if isinstance(body, dict):
        body = {**body, "kind": kind}
    stored = await _stored(ctx, person_id, kind)
    kept = _carry_masked_echoes(body, stored["data"] if stored else None) if isinstance(body, dict) else {}
    if isinstance(body, dict):
        await _carry_own_numbers(ctx, person_id, kind, body)
    draft = validate_draft(body)
    for party in PARTIES:
        if party in draft or kept.get(party):
            draft[party] = seal_party(ctx.cipher, draft.get(party, {}), party) | kept.get(party, {})
    now = ctx.clock()
    draft.pop("review_flags", None)
    state: dict[str, Any] = {"person_id": person_id, "kind": kind, "data": draft, "updated_at": now}
    if step:
        state["step"] = step
    await ctx.db["drafts"].update_one({"_id": draft_id}, {"$set": state, "$unset": {"submitted": ""}}, upsert=True)
    return _view(draft, now)


async def _stored(ctx: ServiceContext, person_id: str, kind: str) -> dict[str, Any] | None:
    """The draft being written (a submitted one's marker is no draft)."""
    stored = await ctx.db["drafts"].find_one({"_id": _draft_id(person_id, kind)})
    return stored if stored is not None and "data" in stored and not stored.get("submitted") else None


async def load_draft(ctx: ServiceContext, person_id: str, kind: str) -> dict[str, Any]:
    stored = await _stored(ctx, person_id, kind)
    if stored is None:
        raise NotFound("draft_not_found")
    return _view(stored["data"], stored["updated_at"])


async def last_step(ctx: ServiceContext, person_id: str, kind: str) -> str | None:
    """The step the person was last on, for a draft being written; None without one."""
    stored = await _stored(ctx, person_id, kind)
    return (stored.get("step") or "notice") if stored else None


async def note_step(ctx: ServiceContext, person_id: str, kind: str, step: str) -> None:
    """The person opened `step` of their draft: that is where they come back to (no draft: nothing to note)."""
    await ctx.db["drafts"].update_one(
        {"_id": _draft_id(person_id, kind), "data": {"$exists": True}, "submitted": {"$exists": False}},
        {"$set": {"step": step}},
    )


async def submitted_serial(ctx: ServiceContext, person_id: str, kind: str) -> str | None:
    """The case the person's last draft of this kind became, while no new draft was started."""
    stored = await ctx.db["drafts"].find_one({"_id": _draft_id(person_id, kind)}, {"submitted": 1})
    return (stored or {}).get("submitted") or None


async def delete_draft(ctx: ServiceContext, person_id: str, kind: str) -> None:
    await ctx.db["drafts"].delete_one({"_id": _draft_id(person_id, kind)})


async def submit_draft(
    ctx: ServiceContext,
    person_id: str,
    kind: str,
    idempotency_key: str | None,
    channel: str,
    require_service: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Submit the saved draft as the application; once the case exists the draft gives way to its marker.
    `require_service`: the guided form's 送达 step must have been answered (the H5 pages)."""
    draft_id = _draft_id(person_id, kind)
    stored = await _stored(ctx, person_id, kind)
    if stored is None:
        raise NotFound("draft_not_found", msg("error.draft_not_found.submit"))
    body = _clear_body(ctx, stored["data"])
    case, created = await submit_application(ctx, person_id, idempotency_key, body, channel, require_service)
    await ctx.db["drafts"].update_one(
        {"_id": draft_id},
        {"$set": {"submitted": case["serial"], "updated_at": ctx.clock()}, "$unset": {"data": "", "step": ""}},
    )
    return case, created


def _view(draft: dict[str, Any], updated_at: Any) -> dict[str, Any]:
    view = dict(draft)
    for party in PARTIES:
        if party in view:
            view[party] = masked_party(view[party])
    view["updated_at"] = shanghai_iso(updated_at)
    return view


STEP_SECTIONS = {
    "notice": "consent",
    "applicant": "applicant",
    "respondent": "respondent",
    "claim": "claim",
    "evidence": "evidence",
    "service": "service",
}


def done_steps(draft: dict[str, Any]) -> set[str]:
    """The steps a draft has been saved from (the step bar links them)."""
    return {step for step, section in STEP_SECTIONS.items() if section in draft}


async def save_step(
    ctx: ServiceContext, person_id: str, kind: str, step: str, values: Any
) -> tuple[bool, list[FieldError]]:
    """Merge one page's values into the draft and keep it; return whether it was kept, and that page's problems.

    The draft is saved even when the page has problems (a closed page loses nothing), unless the
    values cannot be kept at all (too long, not a choice), which is reported the same way.
    """
    section = STEP_SECTIONS[step]
    stored = await _stored(ctx, person_id, kind)
    body: dict[str, Any] = _view(stored["data"], None) if stored else {"kind": kind}
    body.pop("updated_at", None)
    body[section] = values
    try:
        await save_draft(ctx, person_id, kind, body, step)
    except ValidationFailed as exc:
        return False, exc.errors
    return True, await draft_problems(ctx, person_id, kind, section)


async def draft_problems(ctx: ServiceContext, person_id: str, kind: str, section: str = "") -> list[FieldError]:
    """What submitting the draft through the guided form now would refuse (limited to one section when given):
    the 送达 step's answer included."""
    stored = await _stored(ctx, person_id, kind)
    body = _clear_body(ctx, stored["data"]) if stored else {"kind": kind}
    try:
        validate_application(body, today=ctx.clock().astimezone(SHANGHAI).date(), require_service=True)
    except ValidationFailed as exc:
        return [
            e
            for e in exc.errors
            if not section
            or e.field == section
            or e.field.startswith(section + ".")
            or e.field.startswith(section + "[")
        ]
    return []


def _clear_body(ctx: ServiceContext, data: dict[str, Any]) -> dict[str, Any]:
    body = dict(data)
    for party in PARTIES:
        if party in body:
            body[party] = unseal_party(ctx.cipher, body[party], party)
    return body


async def prefill(ctx: ServiceContext, person_id: str, kind: str, seed: dict[str, Any]) -> None:
    """Carry what the triage or the calculator found into the person's draft (anonymous until here): a claim
    item joins the request items once (its amount added to the claim's), facts and dates fill empty fields,
    the place chosen becomes the employer's region or the place of work. Nothing typed before is overwritten."""
    stored = await ctx.db["drafts"].find_one({"_id": _draft_id(person_id, kind)})
    body: dict[str, Any] = _view(stored["data"], None) if stored else {"kind": kind}
    body.pop("updated_at", None)
    claim = dict(body.get("claim") or {})
    given = seed.get("claim") or {}
    item = str(given.get("requests") or "").strip()
    requests = str(claim.get("requests") or "").strip()
    if item and item not in requests:
        claim["requests"] = f"{requests}\n{item}".strip()
        claim["amount"] = _sum_amounts(claim.get("amount"), given.get("amount"))
    for name in ("facts", "employment_started", "employment_ended", "dispute_known_on", "venue"):
        if given.get(name) and not claim.get(name):
            claim[name] = given[name]
    body["claim"] = claim
    place = str(seed.get("place_code") or "")
    if place and regions().get(place) is not None:
        if seed.get("venue") == "employer_location" and kind == "worker":
            respondent = dict(body.get("respondent") or {})
            address = dict(respondent.get("address") or {})
            address.setdefault("region_code", place)
            respondent["address"] = address
            body["respondent"] = respondent
            claim.setdefault("venue", "employer_location")
        elif kind == "worker":
            applicant = dict(body.get("applicant") or {})
            applicant.setdefault("work_location", regions().full_name(place))
            body["applicant"] = applicant
            claim.setdefault("venue", "work_location")
    await save_draft(ctx, person_id, kind, body)


def _sum_amounts(old: Any, new: Any) -> str:
    """The draft's amount with the calculator's added; what was typed, unchanged, when either cannot be read."""
    first, second = read_amount(old or "0"), read_amount(new or "0")
    if first is None or second is None:
        return str(old or new or "")
    return f"{first + second:.2f}"
