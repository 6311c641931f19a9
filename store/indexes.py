"""Indexes declared in code and created at start. Natural keys are `_id`s and need none."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING

from store.guard import CASES, GuardedDatabase, writable_cases

INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict[str, Any]]]] = {
    # "我的申请": a person's cases, newest first.
    "cases": [
        ([("owner_person_id", ASCENDING), ("created_at", DESCENDING)], {"name": "owner_recent"}),
        ([("centre.id", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)], {"name": "centre_queue"}),
        # A system administrator's queue of every centre, newest first.
        ([("created_at", DESCENDING)], {"name": "recent"}),
        # The notification sender's pass: cases whose outbox is due (only those with one are indexed).
        ([("outbox_due_at", ASCENDING)], {"name": "outbox_due", "sparse": True}),
        # The company file and the collective-dispute warning: an employer's cases, newest first.
        ([("employer_key", ASCENDING), ("created_at", DESCENDING)], {"name": "by_employer"}),
        # The person file: cases where a person's identity number appears, in any role (keyed hashes).
        ([("id_hashes", ASCENDING)], {"name": "by_id_hash"}),
    ],
    # Statistics counters (`_id` = centre|month|dimension): a mediator's buckets (rosters), and the rest by id.
    "stats": [
        ([("dim", ASCENDING)], {"name": "by_dimension"}),
        # The company file's index of employers (services/stats/counters.py): a name, or part of one, searched.
        ([("name_key", ASCENDING)], {"name": "employer_names", "sparse": True}),
    ],
    # Collective-dispute alerts: open ones of a centre, an employer's.
    "alerts": [
        ([("centre_id", ASCENDING), ("state", ASCENDING)], {"name": "by_centre"}),
        ([("employer_key", ASCENDING)], {"name": "by_employer"}),
    ],
    # Their cases, one document each (services/cases/collective.py): an alert's list.
    "alert_cases": [([("alert", ASCENDING), ("serial", ASCENDING)], {"name": "by_alert"})],
    # The audit trail, newest first, read by system administrators; kept (AUDIT_RETENTION_DAYS) at least 180 days.
    "audit": [([("at", DESCENDING)], {"name": "recent"}), ([("serial", ASCENDING)], {"name": "by_case"})],
    "identities": [([("person_id", ASCENDING)], {"name": "by_person"})],
    # Portal (issue 6): accounts keyed by the ID number's lookup hash, one account per mobile too;
    # login tickets and SMS codes are short-lived (tickets kept an hour past expiry for support).
    "portal_accounts": [([("mobile_hash", ASCENDING)], {"name": "mobile_unique", "unique": True})],
    "card_tickets": [([("expires_at", ASCENDING)], {"name": "ttl_1h", "expireAfterSeconds": 3600})],
    "sms_codes": [([("expires_at", ASCENDING)], {"name": "ttl", "expireAfterSeconds": 0})],
    # Back-office accounts (`_id` = login): a centre's staff list; finding a system administrator.
    "staff": [
        ([("centre_id", ASCENDING), ("_id", ASCENDING)], {"name": "by_centre"}),
        ([("role", ASCENDING)], {"name": "by_role"}),
    ],
    # Idempotency keys are remembered for 24 hours (the service also checks the age itself).
    "idempotency": [([("created_at", ASCENDING)], {"name": "ttl_24h", "expireAfterSeconds": 86400})],
    "rate_limits": [([("expires_at", ASCENDING)], {"name": "ttl", "expireAfterSeconds": 0})],
    # A draft left alone for 90 days is dropped.
    "drafts": [([("updated_at", ASCENDING)], {"name": "ttl_90d", "expireAfterSeconds": 90 * 86400})],
    # Uploaded files: a person's files (the pending-evidence total at upload).
    "files": [([("owner_person_id", ASCENDING), ("created_at", DESCENDING)], {"name": "owner_recent"})],
    # WeChat callback: messages remembered for their retries, nonces for the timestamp window.
    "wechat_messages": [([("expires_at", ASCENDING)], {"name": "ttl", "expireAfterSeconds": 0})],
    "wechat_nonces": [([("expires_at", ASCENDING)], {"name": "ttl", "expireAfterSeconds": 0})],
    # Docking (services/court/): partners' nonces for 10 minutes; confirmations and roster entries by partner.
    "docking_nonces": [([("expires_at", ASCENDING)], {"name": "ttl", "expireAfterSeconds": 0})],
    "roster": [([("partner_id", ASCENDING), ("state", ASCENDING)], {"name": "by_partner"})],
}


async def ensure_indexes(db: Any) -> None:
    """Create every index above (an existing one is left as it is); `db` the service database or the engine's."""
    for collection, indexes in INDEXES.items():
        # Creating an index is the store's upkeep of a collection: cases takes its writable handle for it.
        handle = writable_cases(db) if collection == CASES and isinstance(db, GuardedDatabase) else db[collection]
        for keys, options in indexes:
            await handle.create_index(keys, **options)
