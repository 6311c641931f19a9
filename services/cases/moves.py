"""The one writer of cases: every change to a case document is made here, and nowhere else.

Only this module asks the store for a writable handle on `cases` (store.guard.writable_cases); every other module
sees the collection read-only (ServiceContext.db), so a write anywhere else fails at once, and
tests/test_architecture.py lists who asks. A change is ONE conditional update, atomic on any engine and with
nothing to reconcile after a crash:
- `apply_move`: a move of the workflow's table (docs/domain.md#statuses-and-moves), conditional on the current status;
- `record_event`: anything else that happens to a case (a mediator assigned, a document issued, a
  deadline told), conditional on what the caller needs to hold;
- `create`: a new case (services/cases/record.py `new_case`); `write_outbox`: the sender's own bookkeeping;
- `anonymise_closed`: the retention schedule's end of a closed case file (services/stats/retention.py).
Later changes to cases (ends, service records, purges) are functions here too.
Service (送达, services/cases/service.py): every write that adds a notification to a party opens that notice's
service record (`service.<notice id>-<party>`) in the same update (`service_records`); the sender records its
delivery in its own write (`delivery_fields`), and `record_reads` the party's reading of it.
Each appends its timeline event and the notifications it causes in the same update, and a write that
adds a notification wakes the background sender through `ctx.wake_outbox` (no handler has to remember).

The writer's hooks (`WriteHook`, ServiceContext.case_hooks, filled once by app.service_context) are how the
rooms above keep what follows from a write without this module knowing them: before a move they may add to its
update (the court's news of a delegated case's end, services/court/events.py), after each write they see the
case as the write returned it (the statistics counters, services/stats/counters.py: at most one more command).
A context without hooks refuses to write, so nothing is ever silently left uncounted.
The sender's contract: notifications are only ever appended, except by `write_outbox`, which changes
`outbox_rev` with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pymongo import ReturnDocument

from services.cases import workflow
from services.cases.record import Case, Notification, ServiceRecord, TimelineEvent, event
from services.core.context import ServiceContext
from services.core.errors import Conflict, NotFound
from store.guard import writable_cases

Actor = tuple[str, str]  # (type, id): ("applicant", person id), ("staff", login), ("system", "deadline")
__all__ = [
    "Actor",
    "Change",
    "WriteHook",
    "anonymise_closed",
    "apply_move",
    "create",
    "delivery_fields",
    "event",
    "hooks_of",
    "record_event",
    "record_reads",
    "service_key",
    "service_records",
    "write_outbox",
]
SERVED_PARTIES = ("applicant", "respondent")  # whom notices and documents are served on (a partner's events are not)


@dataclass
class Change:
    """A move about to be written, as the hooks see it before the write: they may add fields to set and
    notifications to write, which go into the same update."""

    serial: str
    action: str  # the move's name
    status: str  # the status after it
    actor: Actor
    channel: str
    now: datetime
    case: Mapping[str, Any] | None  # the case as the caller read it (an end always gives it)
    set_fields: dict[str, Any]
    notify: list[Notification]
    note: str


class WriteHook(Protocol):
    """What the writer calls around each write of a case; kept in ServiceContext.case_hooks (app.service_context)."""

    # The fields of a case the hook reads after a write: a write returning a projection returns these too.
    reads: tuple[str, ...]

    def before_move(self, change: Change) -> None:
        """Add to a move's update (change.set_fields, change.notify) before it is written."""

    async def after_write(self, ctx: ServiceContext, case: Case, new: bool) -> None:
        """The case as a write returned it (`new`: inserted now, every event of it new)."""


def hooks_of(ctx: ServiceContext) -> tuple[WriteHook, ...]:
    hooks: tuple[WriteHook, ...] = tuple(ctx.case_hooks)
    if not hooks:
        raise RuntimeError(
            "this context has no case-writer hooks (the statistics, the court's news): build it with "
            "app.service_context"
        )
    return hooks


def _projection(hooks: tuple[WriteHook, ...], asked: dict[str, Any] | None) -> dict[str, Any] | None:
    """A write's projection widened to what the hooks read (None: the whole document, which has it all)."""
    if asked is None:
        return None
    widened = dict(asked)
    for hook in hooks:
        widened |= dict.fromkeys(hook.reads, 1)
    return widened


def service_key(item_id: str, party: str) -> str:
    """The key of the service of one notice or document on one party, in the case's `service`."""
    return f"{item_id}-{party}"


def service_records(notify: Iterable[Notification], now: datetime) -> dict[str, ServiceRecord]:
    """The service records a write of these notifications opens, by key: each message to a party is a notice
    served on them, whatever its kind. A message that announces a document (its `serves` set by the caller, who
    writes the document's record) opens none of its own. Marks each message with the record it serves."""
    records: dict[str, ServiceRecord] = {}
    for notification in notify:
        party = notification["to"].get("type")
        if party not in SERVED_PARTIES or notification.get("serves"):
            continue
        key = service_key(notification["id"], party)
        notification["serves"] = key
        records[key] = {
            "item": "notice",
            "kind": notification["kind"],
            "title": notification["title"],
            "party": party,
            "created_at": now,
        }
    return records


def delivery_fields(notification: Mapping[str, Any], state: str, at: Any, channel: Any, error: Any) -> dict[str, Any]:
    """What the sender's write of a result adds to the service record the message serves: when and through
    which channel it was delivered (the time of electronic service, 民事诉讼法 art. 90 ¶2), or when and why it
    could not be."""
    key = notification.get("serves")
    if not key:
        return {}
    if state == "sent":
        return {f"service.{key}.sent_at": at, f"service.{key}.channel": channel}
    if state == "failed":
        return {f"service.{key}.failed_at": at, f"service.{key}.error": error or ""}
    return {}


async def record_reads(
    ctx: ServiceContext, serial: str, keys: Iterable[str], at: datetime, downloaded: bool = False
) -> None:
    """The party read what was served on them: the first `opened_at` (and, a document downloaded, `downloaded_at`)
    of these service records, kept by `$min` so a later read never moves it. Only the service records change: no
    timeline event and no hook (like the sender's bookkeeping, it changes no figure); a record that is not there is
    not created."""
    fields: dict[str, Any] = {}
    for key in keys:
        fields[f"service.{key}.opened_at"] = at
        if downloaded:
            fields[f"service.{key}.downloaded_at"] = at
    if fields:
        where = {"_id": serial} | {f"service.{key}.item": {"$exists": True} for key in keys}
        await writable_cases(ctx.db).update_one(where, {"$min": fields})


async def create(ctx: ServiceContext, case: Case) -> None:
    """Insert a new case (DuplicateKeyError when its serial exists: the caller decides what that means)."""
    hooks = hooks_of(ctx)
    if case.get("notifications"):  # the sender's queue, as for any other write of a notification
        case.setdefault("outbox_due_at", min(n["next_attempt_at"] for n in case["notifications"]))
        served = service_records(case["notifications"], case["created_at"])
        if served:
            case["service"] = {**case.get("service", {}), **served}
    await writable_cases(ctx.db).insert_one(case)
    for hook in hooks:
        await hook.after_write(ctx, case, True)
    if case.get("notifications"):
        ctx.wake_outbox()


def _update(
    now: datetime,
    timeline: TimelineEvent,
    set_fields: dict[str, Any] | None,
    push_fields: dict[str, Any] | None,
    inc_fields: dict[str, Any] | None,
    notify: list[Notification] | None,
) -> dict[str, Any]:
    served = {f"service.{key}": record for key, record in service_records(notify or (), now).items()}
    update: dict[str, Any] = {
        "$set": {"updated_at": now, **served, **(set_fields or {})},
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
    case: Mapping[str, Any] | None = None,
    scope: dict[str, Any] | None = None,
    when: dict[str, Any] | None = None,
    set_fields: dict[str, Any] | None = None,
    push_fields: dict[str, Any] | None = None,
    notify: list[Notification] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Case:
    """One move of the table as one update conditional on the current status; the case after it.

    `case`: the case as the caller read it (at least services/cases/outbox.py PARTIES_PROJECTION), required for
    a move that ends the case, so the hooks can add what an end owes (a delegating court's news) to the same
    update without another read. `scope` narrows whose case it is (the owner: `{"owner_person_id": ...}`): out
    of scope is not found. `when` adds what else must still hold (the version of the request items answered).
    A status the move does not start from, or a `when` that no longer holds, is a 409.
    """
    move = workflow.MOVES[move_name]
    hooks = hooks_of(ctx)
    if case is None and move.target in workflow.CLOSED:
        raise TypeError(f"the move {move_name!r} ends the case: give the case as read (case=...)")
    now = ctx.clock()
    change = Change(
        serial,
        move_name,
        move.target,
        actor,
        channel,
        now,
        case,
        {"status": move.target, **(set_fields or {})},
        list(notify or ()),
        note,
    )
    for hook in hooks:
        hook.before_move(change)
    update = _update(
        now,
        event(now, actor, move_name, channel, move.target, note, data),
        change.set_fields,
        push_fields,
        None,
        change.notify,
    )
    where = {"_id": serial, **(scope or {}), **(when or {}), "status": {"$in": sorted(move.sources)}}
    cases = writable_cases(ctx.db)
    updated: Case | None = await cases.find_one_and_update(where, update, return_document=ReturnDocument.AFTER)
    if updated is None:
        current = await cases.find_one({"_id": serial, **(scope or {})}, {"status": 1})
        if current is None:
            raise NotFound("case_not_found")
        label = workflow.status_label(current["status"])
        raise Conflict("move_not_allowed", field="status", current=label, move=move.label())
    for hook in hooks:
        await hook.after_write(ctx, updated, False)
    if change.notify:
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
    notify: list[Notification] | None = None,
    note: str = "",
    projection: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Case | None:
    """Something that happens to a case without moving it; None when `when` no longer holds.

    `status` is the status the event happened in (what the caller read, or required in `when`).
    """
    hooks = hooks_of(ctx)
    now = ctx.clock()
    update = _update(
        now, event(now, actor, action, channel, status, note, data), set_fields, push_fields, inc_fields, notify
    )
    updated: Case | None = await writable_cases(ctx.db).find_one_and_update(
        {"_id": serial, **(when or {})}, update, _projection(hooks, projection), return_document=ReturnDocument.AFTER
    )
    if updated is not None:
        for hook in hooks:
            await hook.after_write(ctx, updated, False)
        if notify:
            ctx.wake_outbox()
    return updated


async def write_outbox(ctx: ServiceContext, serial: str, version: dict[str, Any], update: dict[str, Any]) -> bool:
    """The sender's bookkeeping: one update of `notifications.*`, `outbox_rev` and `outbox_due_at` only, and of
    the delivery in the service records the messages serve (`delivery_fields`), conditional on `version` (the
    outbox revision and length it read); False when someone got there first."""
    touched = {name for part in update.values() for name in part}
    delivery = ("sent_at", "channel", "failed_at", "error")
    if not all(
        name.startswith("notifications.")
        or name in ("outbox_rev", "outbox_due_at")
        or (name.startswith("service.") and name.rsplit(".", 1)[-1] in delivery)
        for name in touched
    ):
        raise ValueError(f"the outbox write may change the outbox only, not {sorted(touched)}")
    result = await writable_cases(ctx.db).update_one({"_id": serial, **version}, update)
    return bool(result.matched_count == 1)


# -- retention: a closed case file past its period (services/stats/retention.py, docs/privacy.md#retention) -----

# What an anonymised case keeps: what the statistics count (services/stats/counters.py FIELDS), nothing that names
# or reaches a person. The recount over anonymised cases gives the same figures.
KEPT_TOP: tuple[str, ...] = ("_id", "schema_version", "kind", "status", "channel", "created_at", "updated_at")
KEPT_TOP += ("centre", "region_codes", "routing_rule")


def file_ids(case: Mapping[str, Any]) -> list[str]:
    """Every stored file a case refers to: the parties' evidence and a delegation's documents."""
    ids = [*(case.get("evidence") or []), *(case.get("respondent_evidence") or [])]
    ids += [a.get("id") for a in case.get("evidence_added") or [] if isinstance(a, Mapping)]
    ids += [d.get("id") if isinstance(d, Mapping) else d for d in (case.get("docking") or {}).get("documents") or []]
    return sorted({i for i in ids if isinstance(i, str) and i})


def blob_ids(value: Any) -> list[str]:
    """Every stored blob the case document refers to itself (`blob_id` anywhere: the signatures' images)."""
    if isinstance(value, Mapping):
        own = [value["blob_id"]] if isinstance(value.get("blob_id"), str) else []
        return sorted({*own, *(b for v in value.values() for b in blob_ids(v))})
    if isinstance(value, list):
        return sorted({b for v in value for b in blob_ids(v)})
    return []


def anonymised(case: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The case as kept once its period is over: the fields the statistics read, stripped of every person."""
    kept: dict[str, Any] = {name: case[name] for name in KEPT_TOP if name in case}
    kept["claim"] = {"amount_fen": (case.get("claim") or {}).get("amount_fen", 0)}
    for party in ("applicant", "respondent"):
        industry = (case.get(party) or {}).get("industry")
        kept[party] = {"industry": industry} if industry else {}
    kept["timeline"] = [
        {k: e[k] for k in ("at", "action", "channel", "status", "data") if k in e}
        | {"actor": {"type": (e.get("actor") or {}).get("type", "")}}
        for e in case.get("timeline") or []
    ]
    kept["clarifications"] = [
        {"items": [{k: i.get(k, "") for k in ("cause_level1_code", "cause_code")} for i in (v.get("items") or [])[:1]]}
        for v in case.get("clarifications") or []
    ]
    outcome = case.get("outcome") or {}
    kept["outcome"] = {k: outcome[k] for k in ("kind", "at", "end", "closure_reason", "reason_code") if k in outcome}
    terms = ((outcome.get("agreement") or {}).get("terms")) or []
    if terms:
        kept["outcome"]["agreement"] = {"terms": [{"amount": t.get("amount")} for t in terms]}
    kept["anonymised"] = {"at": now, "files": file_ids(case), "blobs": blob_ids(case), "pending": True}
    return kept


async def anonymise_closed(
    ctx: ServiceContext, case: Mapping[str, Any], now: datetime, files_removed: bool = False
) -> bool:
    """End a closed case file past its retention period, in one conditional update each step, so that a purge
    cut short leaves the case whole or anonymised, never between (services/stats/retention.py):
    1. (`files_removed` False) the case becomes `anonymised(case)` if it is still closed, not yet anonymised and
       unchanged since read (`updated_at`): everything else is removed, `anonymised.pending` set and the ids of
       its stored files and blobs kept in `anonymised.files` and `.blobs` until the caller has deleted them and
       its documents;
    2. (`files_removed` True) the caller deleted those: the list and the mark go.
    No timeline event and no hook: the counters' facts are kept as they were (the recount agrees). True when
    the write happened."""
    cases = writable_cases(ctx.db)
    if files_removed:
        done = await cases.update_one(
            {"_id": case["_id"]},
            {"$set": {"anonymised.files": [], "anonymised.blobs": [], "anonymised.pending": False}},
        )
        return bool(done.modified_count)
    kept = anonymised(case, now)
    dropped = {name: "" for name in case if name not in kept}
    update: dict[str, Any] = {"$set": {k: v for k, v in kept.items() if k != "_id"}}
    if dropped:
        update["$unset"] = dropped
    where = {
        "_id": case["_id"],
        "status": {"$in": sorted(workflow.CLOSED)},
        "updated_at": case.get("updated_at"),
        "anonymised": {"$exists": False},
    }
    result = await cases.update_one(where, update)
    return bool(result.modified_count)
