"""明确请求: the mediator turns the applicant's story into standard request items; the applicant confirms them.

Each push is a new numbered version (every version kept); the applicant answers one version, and an
answer to a version that is no longer the current one is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from i18n import msg
from services.accounts.staff import StaffMember
from services.cases import access, moves
from services.cases.outbox import applicant_notice
from services.cases.record import Case
from services.cases.taxonomy import Taxonomies, Taxonomy
from services.cases.views import party_view
from services.core.amounts import optional_amount
from services.core.context import ServiceContext
from services.core.errors import Conflict, FieldError, ValidationFailed, field_error, invalid
from services.core.numbers import read_whole

CHANNEL = "backoffice"
MAX_VERSION = 2**31 - 1
MAX_ITEMS = 30
MAX_ITEM_TEXT = 500
MAX_COMMENT = 1000


def check_amount(value: str, path: str, errors: list[FieldError], field: str = "request_item") -> str:
    """The amount of a row of a form (`field` of services/core/amounts.py) as "12000.00"; "0.00" when empty."""
    try:
        amount = optional_amount(value, field, path=path)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        return "0.00"
    return f"{amount or 0:.2f}"


def check_request_items(taxonomy: Taxonomy, raw_items: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The standard request items a mediator wrote, each under a second-level cause; every problem listed."""
    errors: list[FieldError] = []
    items = []
    rows = [r for r in raw_items if any((r.get(k) or "").strip() for k in ("cause_code", "text", "amount"))]
    if not rows:
        raise invalid("items", "required", "error.required.items")
    if len(rows) > MAX_ITEMS:
        raise invalid("items", "too_many", "error.too_many.items", limit=MAX_ITEMS)
    for i, row in enumerate(rows):
        prefix = f"items[{i}]"
        item_text = (row.get("text") or "").strip()
        if not item_text:
            errors.append(field_error(f"{prefix}.text", "required", "error.required.item_text", number=i + 1))
        elif len(item_text) > MAX_ITEM_TEXT:
            errors.append(
                field_error(f"{prefix}.text", "too_long", "error.too_long.item_text", number=i + 1, limit=MAX_ITEM_TEXT)
            )
        amount = check_amount(row.get("amount", ""), f"{prefix}.amount", errors)
        try:
            cause = taxonomy.snapshot((row.get("cause_code") or "").strip(), f"{prefix}.cause_code")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        items.append({"number": i + 1, **cause, "text": item_text, "amount": amount})
    if errors:
        raise ValidationFailed(errors)
    return items


async def push_clarified(
    ctx: ServiceContext, taxonomies: Taxonomies, member: StaffMember, serial: str, raw_items: list[dict[str, str]]
) -> Case:
    """Send the standard request items to the applicant to confirm: a new numbered version."""
    doc = await access.for_staff(ctx, member, serial, {"clarified.version": 1, "owner_person_id": 1})
    items = check_request_items(taxonomies.for_centre(doc["centre"]["id"]), raw_items)
    now = ctx.clock()
    version = int((doc.get("clarified") or {}).get("version", 0)) + 1
    clarified = {
        "version": version,
        "items": items,
        "pushed_at": now,
        "pushed_by": member.login,
        "state": "pending",
        "answered_at": None,
        "comment": "",
    }
    notice = applicant_notice(
        doc["owner_person_id"],
        "clarify_pushed",
        f"/h5/cases/{serial}/clarified",
        now,
        [("serial", serial), ("requests", msg("notice.value.items_to_confirm", count=len(items)))],
    )
    return await moves.apply_move(
        ctx,
        serial,
        "push_clarified",
        ("staff", member.login),
        CHANNEL,
        # Conditional on the version read: two mediators pushing at once cannot both make version N.
        when={"clarified.version": version - 1} if version > 1 else {"clarified": None},
        set_fields={"clarified": clarified},
        push_fields={"clarifications": clarified},
        notify=[notice],
        note=msg("event.note.version", version=version).text(),
    )


@dataclass(frozen=True)
class ClarifiedAnswer:
    version: int
    confirm: bool
    comment: str


def parse_answer(raw: Mapping[str, Any]) -> ClarifiedAnswer:
    """The applicant's answer as every front sends it (JSON or a form): decision, version, comment."""
    errors: list[FieldError] = []
    decision = raw.get("decision")
    if decision not in ("confirm", "change"):
        errors.append(field_error("decision", "decision_invalid"))
    version = read_whole(raw.get("version"))
    if version is None or not 1 <= version <= MAX_VERSION:
        errors.append(field_error("version", "version_invalid"))
    comment = raw.get("comment")
    comment = comment.strip() if isinstance(comment, str) else ""
    if decision == "change" and not comment:
        errors.append(field_error("comment", "required", "error.required.change_comment"))
    if len(comment) > MAX_COMMENT:
        errors.append(field_error("comment", "too_long", "error.too_long.comment", limit=MAX_COMMENT))
    if errors:
        raise ValidationFailed(errors)
    assert version is not None
    return ClarifiedAnswer(version, decision == "confirm", comment)


async def answer_clarified(
    ctx: ServiceContext, person_id: str, serial: str, raw: Mapping[str, Any], channel: str
) -> dict[str, Any]:
    """The applicant confirms the pushed items, or asks for a change with a comment."""
    answer = parse_answer(raw)
    move = "confirm_clarified" if answer.confirm else "request_change"
    try:
        doc = await moves.apply_move(
            ctx,
            serial,
            move,
            ("applicant", person_id),
            channel,
            scope={"owner_person_id": person_id},
            when={"clarified.version": answer.version},
            set_fields={
                "clarified.state": "confirmed" if answer.confirm else "change_requested",
                "clarified.answered_at": ctx.clock(),
                "clarified.comment": answer.comment,
            },
            note=answer.comment,
        )
    except Conflict:
        await _refuse_stale(ctx, person_id, serial, answer.version)
        raise
    return await party_view(ctx, doc)


async def _refuse_stale(ctx: ServiceContext, person_id: str, serial: str, version: int) -> None:
    current = await access.for_owner(ctx, person_id, serial, {"clarified.version": 1})
    if (current.get("clarified") or {}).get("version") != version:
        raise Conflict("clarified_version_stale")
