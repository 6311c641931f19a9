"""The one writer of cases: every change to a case document is made here, and nowhere else.

A change is ONE conditional update, atomic on any engine and with nothing to reconcile after a crash:
- `apply_move`: a move of the workflow's table (docs/domain.md#statuses-and-moves), conditional on the current status;
- `record_event`: anything else that happens to a case (a mediator assigned, a document issued, a
  deadline told), conditional on what the caller needs to hold;
- `create`: a new case; `write_outbox`: the sender's own bookkeeping of the notifications.
Each appends its timeline event and the notifications it causes in the same update, and a write that
adds a notification wakes the background sender through `ctx.wake_outbox` (no handler has to remember).
Each keeps the statistics counters (services/cases/counters.py) with at most one more command, computed
from the case as its write returned it.
The sender's contract: notifications are only ever appended, except by `write_outbox`, which changes
`outbox_rev` with them. tests/services/cases/test_single_writer.py fails if any other module writes `cases`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from services.cases import counters, workflow
from services.core.context import ServiceContext
from services.core.errors import Conflict, NotFound

CASES = "cases"
Actor = tuple[str, str]  # (type, id): ("applicant", person id), ("staff", login), ("system", "deadline")


def event(
    at: datetime,
    actor: Actor,
    action: str,
    channel: str,
    status: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One timeline entry: who did what, when, through which channel, and the status after it; `data`: the
    facts the event changed that the statistics count (a transfer's centres, an assigned mediator)."""
    entry = {
        "at": at,
        "actor": {"type": actor[0], "id": actor[1]},
        "action": action,
        "channel": channel,
        "status": status,
    }
    if note:
        entry["note"] = note
    if data:
        entry["data"] = data
    return entry


async def create(ctx: ServiceContext, doc: dict[str, Any]) -> None:
    """Insert a new case (DuplicateKeyError when its serial exists: the caller decides what that means)."""
    if doc.get("notifications"):  # the sender's queue, as for any other write of a notification
        doc.setdefault("outbox_due_at", min(n["next_attempt_at"] for n in doc["notifications"]))
    await ctx.db[CASES].insert_one(doc)
    await counters.created(ctx, doc)
    if doc.get("notifications"):
        ctx.wake_outbox()


def _update(
    now: datetime,
    timeline: dict[str, Any],
    set_fields: dict[str, Any] | None,
    push_fields: dict[str, Any] | None,
    inc_fields: dict[str, Any] | None,
    notify: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    update: dict[str, Any] = {
        "$set": {"updated_at": now, **(set_fields or {})},
        "$push": {"timeline": timeline, **(push_fields or {})},
    }
    if inc_fields:
        update["$inc"] = dict(inc_fields)
    if notify:
        update["$push"]["notifications"] = {"$each": notify}
        update["$min"] = {"outbox_due_at": now}  # the sender's queue: this case is due now
    return update


async def apply_move(
    ctx: ServiceContext,
    serial: str,
    move_name: str,
    actor: Actor,
    channel: str,
    *,
    scope: dict[str, Any] | None = None,
    when: dict[str, Any] | None = None,
    set_fields: dict[str, Any] | None = None,
    push_fields: dict[str, Any] | None = None,
    notify: list[dict[str, Any]] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One move of the table as one update conditional on the current status; the case after it.

    `scope` narrows whose case it is (the owner: `{"owner_person_id": ...}`): out of scope is not
    found. `when` adds what else must still hold (the version of the request items answered). A
    status the move does not start from, or a `when` that no longer holds, is a 409.
    """
    move = workflow.MOVES[move_name]
    now = ctx.clock()
    update = _update(
        now,
        event(now, actor, move_name, channel, move.target, note, data),
        {"status": move.target, **(set_fields or {})},
        push_fields,
        None,
        notify,
    )
    where = {"_id": serial, **(scope or {}), **(when or {}), "status": {"$in": sorted(move.sources)}}
    updated = await ctx.db[CASES].find_one_and_update(where, update, return_document=ReturnDocument.AFTER)
    if updated is None:
        current = await ctx.db[CASES].find_one({"_id": serial, **(scope or {})}, {"status": 1})
        if current is None:
            raise NotFound("case_not_found")
        label = workflow.status_label(current["status"])
        raise Conflict("move_not_allowed", field="status", current=label, move=move.label())
    await counters.written(ctx, updated)
    if notify:
        ctx.wake_outbox()
    return updated


async def record_event(
    ctx: ServiceContext,
    serial: str,
    action: str,
    actor: Actor,
    channel: str,
    status: str,
    *,
    when: dict[str, Any] | None = None,
    set_fields: dict[str, Any] | None = None,
    push_fields: dict[str, Any] | None = None,
    inc_fields: dict[str, Any] | None = None,
    notify: list[dict[str, Any]] | None = None,
    note: str = "",
    projection: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Something that happens to a case without moving it; None when `when` no longer holds.

    `status` is the status the event happened in (what the caller read, or required in `when`).
    """
    now = ctx.clock()
    update = _update(
        now, event(now, actor, action, channel, status, note, data), set_fields, push_fields, inc_fields, notify
    )
    updated = await ctx.db[CASES].find_one_and_update(
        {"_id": serial, **(when or {})}, update, counters.projection(projection), return_document=ReturnDocument.AFTER
    )
    await counters.written(ctx, updated)
    if updated is not None and notify:
        ctx.wake_outbox()
    return updated


async def write_outbox(ctx: ServiceContext, serial: str, version: dict[str, Any], update: dict[str, Any]) -> bool:
    """The sender's bookkeeping: one update of `notifications.*`, `outbox_rev` and `outbox_due_at` only,
    conditional on `version` (the outbox revision and length it read); False when someone got there first."""
    touched = {name for part in update.values() for name in part}
    if not all(name.startswith("notifications.") or name in ("outbox_rev", "outbox_due_at") for name in touched):
        raise ValueError(f"the outbox write may change the outbox only, not {sorted(touched)}")
    result = await ctx.db[CASES].update_one({"_id": serial, **version}, update)
    return result.matched_count == 1
