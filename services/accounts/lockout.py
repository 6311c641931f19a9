"""Locking an account after repeated failures: shared by staff and portal accounts (atomic counts)."""

from __future__ import annotations

import enum
import math
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument

from services.accounts.passwords import verify_password


class Verdict(enum.Enum):
    """What a sign-in learns: OK, or WRONG for a wrong pair and for any password while locked."""

    OK = "ok"
    WRONG = "wrong"


def is_locked(doc: dict[str, Any], now: datetime) -> bool:
    """Whether the account document is locked at `now` (fields `locked_until`, `failed_attempts`)."""
    return minutes_locked(doc, now) > 0


def minutes_locked(doc: dict[str, Any], now: datetime) -> int:
    """Whole minutes (rounded up) until the account's lock runs out; 0 when it is not locked."""
    until = doc.get("locked_until")
    if until is None:
        return 0
    if until.tzinfo is None:  # the embedded engine hands back naive UTC
        until = until.replace(tzinfo=now.tzinfo)
    return max(0, math.ceil((until - now).total_seconds() / 60))


async def verify_sign_in(
    collection: Any, doc: dict[str, Any] | None, password: str, now: datetime, max_failures: int,
    lock_period: timedelta,
) -> Verdict:  # fmt: skip
    """Check a sign-in's password against the account `doc` (None: no such account), counting failures.

    The argon2 verification always runs (a dummy one without an account). While an account is
    locked every password, the right one too, answers WRONG: telling the right password apart
    would let guessing go on through the lock, the first different answer revealing the password.
    Guesses at a locked account are not counted, so they cannot prolong the lock.
    """
    right = await verify_password(doc["password_hash"] if doc else None, password)
    if doc is None or is_locked(doc, now):
        return Verdict.WRONG
    if not right:
        await count_failure(collection, doc["_id"], doc, now, max_failures, lock_period)
        return Verdict.WRONG
    return Verdict.OK


async def count_failure(
    collection: Any, key: Any, doc: dict[str, Any], now: datetime, max_failures: int, lock_period: timedelta
) -> bool:
    """Count one failed attempt atomically; True when this failure reached `max_failures` and locked it."""
    if doc.get("locked_until") is not None:
        # A lock that has run out starts a fresh count; conditional, so concurrent requests reset it once.
        await collection.update_one(
            {"_id": key, "locked_until": {"$lte": now}}, {"$set": {"failed_attempts": 0, "locked_until": None}}
        )
    # One $inc on the server: concurrent failures are each counted, none lost.
    counted = await collection.find_one_and_update(
        {"_id": key}, {"$inc": {"failed_attempts": 1}}, {"failed_attempts": 1}, return_document=ReturnDocument.AFTER
    )
    if counted is None or counted["failed_attempts"] < max_failures:
        return False
    await collection.update_one(
        {"_id": key, "failed_attempts": {"$gte": max_failures}}, {"$set": {"locked_until": now + lock_period}}
    )
    return True
