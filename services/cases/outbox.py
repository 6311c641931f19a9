"""Notifications as records inside the case document, written in the same update as the change.

A background sender (services/notification_sender.py) delivers them; this module only says what
a notification is, so every move writes the same shape.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

PENDING, CLAIMED, SENT, FAILED = "pending", "claimed", "sent", "failed"


def applicant_notice(
    doc_or_owner: dict[str, Any] | str, kind: str, title: str, lines: dict[str, str], link: str, now: datetime
) -> dict[str, Any]:
    """A message to the case's applicant (the person who owns the case), in WeChat."""
    owner = doc_or_owner if isinstance(doc_or_owner, str) else doc_or_owner["owner_person_id"]
    return {
        "id": uuid.uuid4().hex,
        "kind": kind,
        "to": {"type": "applicant", "person_id": owner},
        "title": title,
        "lines": lines,  # short keyword values (WeChat template values hold about 20 characters)
        "link": link,  # a path of our H5 pages, made absolute by the sender
        "created_at": now,
        "state": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "channel": None,
        "last_error": None,
        "sent_at": None,
    }


def push_notifications(notifications: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The update parts that add notifications to a case and wake the sender."""
    if not notifications:
        return {}
    return {"$push": {"notifications": {"$each": notifications}}, "$min": {"outbox_due_at": now}}
