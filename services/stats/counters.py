"""Statistics counters, kept with every write of a case through the case writer's hook (`HOOK`, registered by
app.service_context; services/cases/moves.py calls it after each write): at most one extra command, shared by the
writes running at the same time (services/core/group_commit.py).

What a case contributes to the counters is a function of its facts fixed at filing (kind, channel, region,
industry, amount claimed, the day received) and of its timeline up to an event (`contributions(doc, upto)`).
Every write appends exactly one event, so the change a write makes is `contributions(after, n)` minus
`contributions(after, n - 1)`, both read from the case as the write returned it: no read of the case before,
and the sum of every change is what a recount from the cases gives (`recount`). Facts that change later are
carried by the events that change them: a transfer names the centre before and after (`data.from`/`to`),
an assignment its mediator (`data.mediator`), a collective-dispute link its alert, a pushed clarification is
the next version in `clarifications` (append-only), and the outcome (the agreed terms, a failure's closure
reason) is written once, by the closing move (settle at the last signature, fail, a refusal to sign).

The counters live in `stats`, one document per (centre, month in Asia/Shanghai, dimension) under `f`:
dimension `all`, `r:<region code>` for each level of the case's place (the region filter) and `m:<login>`
(the mediator filter and a mediator's performance); plus a balance per (centre, dimension) whose `od.<month>`
adds cases accepted and subtracts accepted cases closed, so the cases carried over into any period are
one read. A case is counted where it is now: a transfer moves its history to the new centre.

Beside them, the company file's index of employers (services/stats/files.py): one document per employer and
name it was filed under, `employer|<key>|<normalised name>` with dimension `employer` and the normalised name as
`name_key` (indexed: a part of a name is searched in the index's keys), so a name, or part of one, finds an
employer that also gave a credit code. A new case adds to it in the same bulk as its counters (no command more);
the recount adds what an index built before it lacks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from pymongo import UpdateOne

from services.cases import workflow
from services.cases.moves import Change
from services.cases.record import Case
from services.core.amounts import fen as to_fen
from services.core.amounts import read_amount
from services.core.context import SHANGHAI, ServiceContext
from services.core.group_commit import group_of
from services.directory.employers import normalise_name

STATS = "stats"
# What the rules read from a case: a write that asks for less gets these too.
FIELDS = (
    "kind",
    "channel",
    "created_at",
    "region_codes",
    "centre",
    "claim.amount_fen",
    "applicant.industry",
    "respondent.industry",
    "timeline",
    "clarifications",
    "outcome",
)
# The employer of a case as the company file's index reads it (what a recount reads besides FIELDS).
EMPLOYER_FIELDS = ("kind", "employer_key", "respondent.name", "applicant.name")
EMPLOYER_DIM = "employer"
CLOSED = workflow.CLOSED | {"returned"}  # a delegation declined ends the case too
ACCEPTED = "accepted"
MAX_DAYS = 999  # durations above are counted here


def month(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m")


def _key(text: Any) -> str:
    """A code as a field name: MongoDB field names may not hold '.' (cause codes may) nor start with '$'."""
    return str(text).replace(".", "%2E").replace("$", "%24") or "none"


def _fen(value: Any) -> int:
    amount = read_amount(value or "0")  # a stored amount ("12000.00"); 0 for one that cannot be read
    return 0 if amount is None else to_fen(amount)


def _events(doc: Mapping[str, Any], upto: int) -> list[dict[str, Any]]:
    return (doc.get("timeline") or [])[:upto]


def centre_at(doc: Mapping[str, Any], upto: int) -> str:
    """The case's centre after its first `upto` events: the last transfer's, else the one before the first."""
    timeline = doc.get("timeline") or []
    for entry in reversed(timeline[:upto]):
        if entry.get("action") == "transfer":
            return str(entry["data"]["to"])
    first = next((e for e in timeline if e.get("action") == "transfer"), None)
    return str(first["data"]["from"] if first else doc["centre"]["id"])


def mediator_at(events: list[dict[str, Any]]) -> str:
    login = ""
    for entry in events:
        if entry.get("action") in ("assign", "accept_delegation"):  # a delegation is accepted with its mediator
            login = (entry.get("data") or {}).get("mediator", "")
        elif entry.get("action") == "transfer":
            login = ""  # the new centre assigns its own
    return login


def cause_at(doc: Mapping[str, Any], events: list[dict[str, Any]]) -> tuple[str, str]:
    """(first-level, second-level) cause of the case's main request item, as clarified by then; ("", "") if not."""
    pushed = sum(1 for e in events if e.get("action") == "push_clarified")
    versions = doc.get("clarifications") or []
    if not pushed or len(versions) < pushed:
        return "", ""
    items = versions[pushed - 1].get("items") or []
    return (items[0].get("cause_level1_code", ""), items[0].get("cause_code", "")) if items else ("", "")


def _days(start: datetime, end: datetime) -> int:
    days = (end.astimezone(SHANGHAI).date() - start.astimezone(SHANGHAI).date()).days
    return max(0, min(days, MAX_DAYS))


def result_of(claimed_fen: int, agreed_fen: int) -> str:
    """By result, as the national table counts settled cases: the worker's claim met, nothing agreed, or between."""
    if claimed_fen > 0 and agreed_fen >= claimed_fen:
        return "worker"
    if claimed_fen > 0 and agreed_fen == 0:
        return "employer"
    return "both"


def agreed_fen(doc: Mapping[str, Any]) -> int:
    agreement = (doc.get("outcome") or {}).get("agreement") or {}
    return sum(_fen(term.get("amount")) for term in agreement.get("terms") or [])


def facts(doc: Mapping[str, Any], upto: int) -> Iterator[tuple[str, str]]:
    """(month, field) of every count the case makes after its first `upto` events (a field may repeat)."""
    events = _events(doc, upto)
    if not events:
        return
    kind, channel = doc.get("kind", ""), doc.get("channel", "")
    received = month(doc["created_at"])
    yield received, "received"
    yield received, f"received_ch.{_key(channel)}"
    yield received, f"received_kind.{_key(kind)}"
    accepted = next((e for e in events if e.get("status") == ACCEPTED), None)
    closed = next((e for e in events if e.get("status") in CLOSED), None)
    overdue = next((e for e in events if e.get("action") == "overdue"), None)
    collective = any(e.get("action") == "collective_linked" for e in events)
    if overdue is not None:
        yield month(overdue["at"]), "overdue"
    if accepted is not None:
        at = month(accepted["at"])
        employer = doc.get("respondent" if kind == "worker" else "applicant") or {}
        level1, level2 = cause_at(doc, events)
        yield at, "accepted"
        yield at, "workers"  # each application is one worker's (an employer's names one worker)
        if kind == "worker":
            yield at, "accepted_worker"
        if collective:
            yield at, "accepted_collective"
            yield at, "workers_collective"
        yield at, f"l1.{_key(level1)}"
        yield at, f"l2.{_key(level2)}"
        yield at, f"industry.{_key(employer.get('industry', ''))}"
        yield at, f"channel.{_key(channel)}"
        for code in doc.get("region_codes") or []:
            yield at, f"region.{_key(code)}"
    if closed is None:
        return
    at = month(closed["at"])
    if accepted is None:
        yield at, f"ended.{_key(closed['status'])}"  # declined, withdrawn or returned before acceptance
        return
    yield at, "closed"
    yield at, f"closed_as.{_key(closed['status'])}"
    yield at, f"dur.{_days(doc['created_at'], closed['at'])}"
    if overdue is not None and overdue["at"] <= closed["at"]:
        yield at, "closed_late"
    if closed["status"] == workflow.SETTLED:
        yield at, f"result.{result_of(int((doc.get('claim') or {}).get('amount_fen') or 0), agreed_fen(doc))}"
    elif closed["status"] == workflow.FAILED:  # why it ended without agreement (法释〔2021〕23号 art. 25)
        yield at, f"closed_reason.{_key((doc.get('outcome') or {}).get('closure_reason') or '')}"


def amounts(doc: Mapping[str, Any], upto: int) -> Iterator[tuple[str, str, int]]:
    """(month, field, fen): amounts claimed in accepted cases and agreed in settled ones."""
    events = _events(doc, upto)
    accepted = next((e for e in events if e.get("status") == ACCEPTED), None)
    if accepted is None:
        return
    yield month(accepted["at"]), "claimed_fen", int((doc.get("claim") or {}).get("amount_fen") or 0)
    closed = next((e for e in events if e.get("status") in CLOSED), None)
    if closed is not None and closed["status"] == workflow.SETTLED:
        yield month(closed["at"]), "agreed_fen", agreed_fen(doc)


def dimensions(doc: Mapping[str, Any], upto: int) -> list[str]:
    dims = ["all", *(f"r:{code}" for code in doc.get("region_codes") or [])]
    mediator = mediator_at(_events(doc, upto))
    return [*dims, f"m:{mediator}"] if mediator else dims


def contributions(doc: Mapping[str, Any], upto: int) -> dict[str, Counter[str]]:
    """Bucket id → field → count, of the case after its first `upto` events."""
    if upto <= 0:
        return {}
    centre = centre_at(doc, upto)
    dims = dimensions(doc, upto)
    per_month: dict[str, Counter[str]] = {}
    balance: Counter[str] = Counter()
    for when, field in facts(doc, upto):
        per_month.setdefault(when, Counter())[field] += 1
        if field == "accepted":
            balance[f"od.{when}"] += 1
        elif field == "closed":
            balance[f"od.{when}"] -= 1
    for when, field, fen in amounts(doc, upto):
        if fen:
            per_month.setdefault(when, Counter())[field] += fen
    out: dict[str, Counter[str]] = {}
    for dim in dims:
        for when, counts in per_month.items():
            out[f"{centre}|{when}|{dim}"] = Counter(counts)
        if balance:
            out[f"{centre}|bal|{dim}"] = Counter(balance)
    return out


def difference(after: dict[str, Counter[str]], before: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for bucket in after.keys() | before.keys():
        new, old = after.get(bucket, Counter()), before.get(bucket, Counter())
        changed = {f: new[f] - old[f] for f in new.keys() | old.keys() if new[f] != old[f]}
        if changed:
            out[bucket] = changed
    return out


# The actions the rules above read as such (centre_at, mediator_at, facts, cause_at); any other event changes what a
# case counts only by its status, when it is the first accepted or the first closed (unchanged_by_last).
COUNTED_ACTIONS = frozenset(("transfer", "assign", "accept_delegation", "overdue", "push_clarified"))


def unchanged_by_last(timeline: list[dict[str, Any]]) -> bool:
    """Whether the last event leaves every count of the case as it was (contributions with and without it equal),
    told from the events alone: most writes (a document issued, a notice read, a link before acceptance) change
    none, and the two contributions are not worked out. tests/services/stats/test_counters.py checks it against
    them on random timelines."""
    if len(timeline) < 2:
        return False  # the first event counts the case as received
    *earlier, last = timeline
    action, status = last.get("action"), last.get("status")
    accepted_before = any(e.get("status") == ACCEPTED for e in earlier)
    if action in COUNTED_ACTIONS or (action == "collective_linked" and accepted_before):
        return False
    if status == ACCEPTED:
        return accepted_before
    if status in CLOSED:
        return any(e.get("status") in CLOSED for e in earlier)
    return True


def change_of(doc: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """What the case's last event changed in the counters (the document as the write returned it)."""
    timeline = doc.get("timeline") or []
    if unchanged_by_last(timeline):
        return {}
    n = len(timeline)
    return difference(contributions(doc, n), contributions(doc, n - 1))


def parse_bucket(bucket: str) -> tuple[str, str, str]:
    centre, when, dim = bucket.split("|", 2)
    return centre, when, dim


def operations(change: dict[str, dict[str, int]]) -> list[UpdateOne]:
    ops = []
    for bucket, fields in sorted(change.items()):
        centre, when, dim = parse_bucket(bucket)
        ops.append(
            UpdateOne(
                {"_id": bucket},
                {
                    "$inc": {f"f.{field}": n for field, n in fields.items()},
                    "$setOnInsert": {"centre": centre, "month": when, "dim": dim},
                },
                upsert=True,
            )
        )
    return ops


# A write's counts: its change (bucket -> field -> n) and its employer's entry in the company index, if any.
Counted = tuple[Mapping[str, Mapping[str, int]], tuple[str, str, str, str] | None]


async def _write_counted(ctx: ServiceContext, items: list[Counted]) -> list[None]:
    """The counts of the writes running at the same time, summed into one bulk of upserts (a group commit): under
    load they mostly touch the same statistics documents (a centre's month), one upsert each instead of one per
    write. The company index: the name written last wins."""
    changes: dict[str, Counter[str]] = {}
    employers: dict[str, tuple[str, str, str, str]] = {}
    for change, entry in items:
        for bucket, fields in change.items():
            changes.setdefault(bucket, Counter()).update(fields)
        if entry:
            employers[entry[0]] = entry
    ops = operations({bucket: fields for bucket, counts in changes.items() if (fields := _nonzero(counts))})
    ops += [employer_operation(entry) for entry in employers.values()]
    if ops:
        await ctx.db[STATS].bulk_write(ops, ordered=False)
    return [None] * len(items)


async def _counted(
    ctx: ServiceContext, change: Mapping[str, Mapping[str, int]], entry: tuple[str, str, str, str] | None = None
) -> None:
    """Add a write's change (and its employer) to the counters, in one bulk with the writes running with it; back
    once it is written (its fault, if it failed)."""
    await group_of(ctx, STATS, _write_counted)((change, entry))


async def apply(ctx: ServiceContext, change: dict[str, dict[str, int]]) -> None:
    """Everything a write changed, in one bulk of upserts shared with the writes running with it; none when
    nothing changed."""
    if change:
        await _counted(ctx, change)


async def written(ctx: ServiceContext, doc: Mapping[str, Any] | None) -> None:
    """After each write of a case, with the case as the write returned it: what its last event changed."""
    if doc is not None and doc.get("timeline"):
        await apply(ctx, change_of(doc))


def employer_entry(doc: Mapping[str, Any]) -> tuple[str, str, str, str] | None:
    """(index id, employer key, display name, normalised name) of the case's employer in the company file's index;
    None for a case without an employer's key or name."""
    key = str(doc.get("employer_key") or "")
    party = doc.get("respondent" if doc.get("kind") == "worker" else "applicant") or {}
    name = " ".join(str(party.get("name") or "").split())
    normalised = normalise_name(name)
    if not key or not normalised:
        return None
    return f"{EMPLOYER_DIM}|{key}|{normalised}", key, name, normalised


def employer_operation(entry: tuple[str, str, str, str]) -> UpdateOne:
    bucket, key, name, normalised = entry
    uscc = key[5:] if key.startswith("uscc:") else ""
    fixed = {"dim": EMPLOYER_DIM, "key": key, "uscc": uscc, "name_key": normalised}
    # The name as it was last written under this spelling.
    return UpdateOne({"_id": bucket}, {"$setOnInsert": fixed, "$set": {"name": name}}, upsert=True)


async def created(ctx: ServiceContext, doc: Mapping[str, Any]) -> None:
    """After a case was inserted: everything it counts from the start, and its employer in the company index."""
    n = len(doc.get("timeline") or [])
    contributed = contributions(doc, n)  # all of it is new (zeros are left out where the bulk is written)
    entry = employer_entry(doc)
    if contributed or entry:
        await _counted(ctx, contributed, entry)


class Counting:
    """The case writer's hook that keeps the counters (services/cases/moves.py WriteHook)."""

    reads = FIELDS  # what the rules read from a case: a write that asks for less gets these too

    def before_move(self, change: Change) -> None:
        """Nothing to add to a move: the counters follow from the case the write returns."""

    async def after_write(self, ctx: ServiceContext, case: Case, new: bool) -> None:
        await (created(ctx, case) if new else written(ctx, case))


HOOK = Counting()


# ---------------------------------------------------------------------------------------------
# The recount: the same rules over every case, compared with (and, asked, written over) the counters.


def total(docs: Iterable[Mapping[str, Any]]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for doc in docs:
        for bucket, counts in contributions(doc, len(doc.get("timeline") or [])).items():
            out.setdefault(bucket, Counter()).update(counts)
    return out


def _unflatten(fields: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, int]]:
    for name, value in fields.items():
        if isinstance(value, dict):
            yield from _unflatten(value, f"{prefix}{name}.")
        elif value:
            yield f"{prefix}{name}", int(value)


def stored_fields(doc: dict[str, Any]) -> Counter[str]:
    """A stats document's counts as flat field names (zeros left out)."""
    return Counter(dict(_unflatten(doc.get("f") or {})))


def _nonzero(counts: Counter[str] | None) -> dict[str, int]:
    return {k: v for k, v in (counts or {}).items() if v}  # balances may be negative: only zeros are dropped


async def recount(ctx: ServiceContext, repair: bool = False, batch: int = 2000) -> dict[str, Any]:
    """Count again from every case; the buckets that differ from the counters (repaired when asked)."""
    recounted: dict[str, Counter[str]] = {}
    employers: dict[str, tuple[str, str, str, str]] = {}  # index id -> the entry its cases give
    fields = dict.fromkeys((*FIELDS, *EMPLOYER_FIELDS), 1)
    cases = 0
    async for doc in ctx.db["cases"].find({}, fields):
        cases += 1
        for bucket, counts in contributions(doc, len(doc.get("timeline") or [])).items():
            recounted.setdefault(bucket, Counter()).update(counts)
        entry = employer_entry(doc)
        if entry:
            employers[entry[0]] = entry
    found = await ctx.db[STATS].find({}).to_list(None)
    stored = {d["_id"]: stored_fields(d) for d in found if d.get("dim") != EMPLOYER_DIM}
    indexed = {d["_id"] for d in found if d.get("dim") == EMPLOYER_DIM}
    differing = sorted(
        b for b in recounted.keys() | stored.keys() if _nonzero(recounted.get(b)) != _nonzero(stored.get(b))
    )
    # The company index lacking an employer or a name of one (an index built before it, or a store restored).
    unindexed = sorted(employers.keys() - indexed)
    if repair and (differing or unindexed):
        change = difference(
            {b: recounted.get(b, Counter()) for b in differing}, {b: stored.get(b, Counter()) for b in differing}
        )
        ops = operations(change) + [employer_operation(employers[b]) for b in unindexed]
        for at in range(0, len(ops), batch):
            await ctx.db[STATS].bulk_write(ops[at : at + batch], ordered=False)
    return {"case_count": cases, "buckets": len(recounted), "differing": differing + unindexed}
