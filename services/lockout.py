"""Locking an account after repeated failures: shared by staff and portal accounts (atomic counts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument


def is_locked(doc: dict[str, Any], now: datetime) -> bool:
    """Whether the account document is locked at `now` (fields `locked_until`, `failed_attempts`)."""
    until = doc.get("locked_until")
    if until is None:
        return False
    if until.tzinfo is None:  # the embedded engine hands back naive UTC
        until = until.replace(tzinfo=now.tzinfo)
    return until > now


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
