"""Limiting password guesses per address and per account together (staff and portal accounts).

Two counts, each reserved atomically BEFORE the slow password check, so a burst of concurrent
guesses is counted like guesses made one after another (the sixth of a burst is refused like the
sixth in a row):

- per account and client address (`rate_limits`, `signin:<scope>:<account>:<address>`): five
  failures from one address lock that address out of that account for the rest of a 15-minute
  window. Unknown logins are counted the same way, so the answers never tell them apart.
- per account (`failed_attempts`, `locked_until` on the account): five failures from anywhere lock
  the account for 15 minutes. A locked account still lets through, one attempt every 30 seconds, an
  address that has not failed on it: a stranger's guesses do not shut the owner out, and a crowd
  of addresses gets one guess per 30 seconds between them. An administrator (staff) or the SMS
  reset (portal) lifts the lock at once.

Every refusal answers like a wrong pair: a different answer to the right password during a lock
would let guessing go on through it. These counts live in the database, so they hold across
processes (the per-process limits are in services/core/ratelimit.py).
"""

from __future__ import annotations

import enum
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter
from pymongo import ReturnDocument

from services.accounts.passwords import verify_password

MAX_FAILURES = 5  # per account, from any address, within a lock period
ADDRESS_MAX_FAILURES = 5  # per account and address
LOCK_PERIOD = timedelta(minutes=15)
CLEAN_PASS_INTERVAL = timedelta(seconds=30)  # a locked account: one attempt this often from an address without failures
COUNTERS = "rate_limits"
# Watched at /metrics (handlers/metrics.py): a burst of these is someone guessing.
LOCKOUTS = Counter(
    "mediation_lockouts_total",
    "Sign-in lockouts begun: an account locked (five failures from anywhere) or an address shut out of one",
    ["scope", "kind"],
)


class Verdict(enum.Enum):
    """What a sign-in learns: OK, or WRONG for a wrong pair and for any refused attempt."""

    OK = "ok"
    WRONG = "wrong"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # the embedded engine: naive UTC


def is_locked(doc: dict[str, Any], now: datetime) -> bool:
    """Whether the account document is locked at `now` (field `locked_until`)."""
    return minutes_locked(doc, now) > 0


def minutes_locked(doc: dict[str, Any], now: datetime) -> int:
    """Whole minutes (rounded up) until the account's lock runs out; 0 when it is not locked."""
    until = doc.get("locked_until")
    if until is None:
        return 0
    return max(0, math.ceil((_aware(until) - now).total_seconds() / 60))


def address_key(scope: str, account: str, address: str) -> str:
    return f"signin:{scope}:{account}:{address}"


async def verify_sign_in(
    db: Any,
    scope: str,
    accounts: str,
    doc: dict[str, Any] | None,
    login_key: str,
    address: str,
    password: str,
    now: datetime,
) -> Verdict:
    """Check a sign-in's password against the account `doc` of collection `accounts` (None: no such
    account, then `login_key` names what was typed), from client `address`, counting as it goes.

    The caller resets `failed_attempts` and `locked_until` with its own update on OK.
    """
    account = str(doc["_id"]) if doc is not None else login_key
    mine = address_key(scope, account, address)
    from_here = await _reserve(db, mine, now)  # this attempt included
    if from_here > ADDRESS_MAX_FAILURES:
        return Verdict.WRONG  # this address is out of this account for the window: no hash spent
    if doc is None:
        await verify_password(None, password)  # the time of a real check: unknown answers like wrong
        return Verdict.WRONG
    collection = db[accounts]
    count, locked = await _reserve_account(collection, doc, now)
    if locked or count > MAX_FAILURES:
        # Only an address that has not failed here passes, and only one every CLEAN_PASS_INTERVAL.
        if from_here > 1:
            return Verdict.WRONG
        if not await _take_clean_pass(collection, doc["_id"], now):
            # Turned away before any check: not a failure of this address (it may try again shortly).
            await db[COUNTERS].update_one({"_id": mine}, {"$inc": {"n": -1}})
            return Verdict.WRONG
    if await verify_password(doc["password_hash"], password):
        await db[COUNTERS].delete_one({"_id": mine})
        return Verdict.OK
    if from_here == ADDRESS_MAX_FAILURES:
        LOCKOUTS.labels(scope, "address").inc()
    if count >= MAX_FAILURES and not locked:  # conditional: concurrent failures set one lock, never prolong it
        locking = await collection.update_one(
            {"_id": doc["_id"], "$or": [{"locked_until": None}, {"locked_until": {"$lte": now}}]},
            {"$set": {"locked_until": now + LOCK_PERIOD}},
        )
        if locking.modified_count:
            LOCKOUTS.labels(scope, "account").inc()
    return Verdict.WRONG


async def _reserve(db: Any, key: str, now: datetime) -> int:
    """Count one attempt from an address (one $inc); a window that ran out starts again (once, conditionally)."""
    counters = db[COUNTERS]
    counted = await counters.find_one_and_update(
        {"_id": key},
        {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": now + LOCK_PERIOD}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    if _aware(counted["expires_at"]) > now:
        return counted["n"]
    await counters.update_one(
        {"_id": key, "expires_at": counted["expires_at"]}, {"$set": {"n": 0, "expires_at": now + LOCK_PERIOD}}
    )
    counted = await counters.find_one_and_update({"_id": key}, {"$inc": {"n": 1}}, return_document=ReturnDocument.AFTER)
    return counted["n"]


async def _reserve_account(collection: Any, doc: dict[str, Any], now: datetime) -> tuple[int, bool]:
    """Count one attempt on the account (one $inc); (attempts counted, locked now). A lock that ran out
    starts a fresh count, conditionally, so concurrent requests reset it once."""
    if doc.get("locked_until") is not None and not is_locked(doc, now):
        await collection.update_one(
            {"_id": doc["_id"], "locked_until": {"$lte": now}}, {"$set": {"failed_attempts": 0, "locked_until": None}}
        )
    counted = await collection.find_one_and_update(
        {"_id": doc["_id"]},
        {"$inc": {"failed_attempts": 1}},
        {"failed_attempts": 1, "locked_until": 1},
        return_document=ReturnDocument.AFTER,
    )
    if counted is None:  # deleted meanwhile
        return MAX_FAILURES + 1, True
    return counted["failed_attempts"], is_locked(counted, now)


async def _take_clean_pass(collection: Any, account_id: Any, now: datetime) -> bool:
    taken = await collection.update_one(
        {"_id": account_id, "$or": [{"clean_pass_at": None}, {"clean_pass_at": {"$lte": now}}]},
        {"$set": {"clean_pass_at": now + CLEAN_PASS_INTERVAL}},
    )
    return taken.modified_count == 1


# What an OK sign-in, an administrator's unlock or a reset writes on the account.
CLEARED = {"failed_attempts": 0, "locked_until": None, "clean_pass_at": None}


async def lift(db: Any, scope: str, accounts: str, account_id: str) -> None:
    """Lift an account's lock and every address's count on it (an administrator, or a proven reset)."""
    await db[accounts].update_one({"_id": account_id}, {"$set": CLEARED})
    prefix = re.escape(address_key(scope, account_id, ""))
    await db[COUNTERS].delete_many({"_id": {"$regex": f"^{prefix}"}})
