"""Notifications as records inside the case document, written by the case writer in the same update as the change.

The background sender (services/notify/sender.py) delivers them; this module only says what a
notification is, so every change writes the same shape. Its words come from the catalogue:
`notice.<kind>.title` and `notice.line.<line>` (the keyword names, in the order WeChat shows them).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from i18n import Msg, text, words

PENDING, CLAIMED, SENT, FAILED = "pending", "claimed", "sent", "failed"


def applicant_notice(
    owner_person_id: str, kind: str, link: str, now: datetime, lines: Sequence[tuple[str, Msg | str]]
) -> dict[str, Any]:
    """A message to the case's applicant (the person who owns the case), in WeChat.

    `lines` are (line name, value) in the order the message shows them; each value is short (WeChat
    template values hold about 20 characters), `link` a path of our H5 pages made absolute by the sender.
    """
    return {
        "id": uuid.uuid4().hex,
        "kind": kind,
        "to": {"type": "applicant", "person_id": owner_person_id},
        "title": text(f"notice.{kind}.title"),
        "lines": {text(f"notice.line.{name}"): words(value) for name, value in lines},
        "link": link,
        "created_at": now,
        "state": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "channel": None,
        "last_error": None,
        "sent_at": None,
    }
