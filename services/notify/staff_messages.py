"""Messages to staff (collective-dispute alerts to administrators who opted in), sent by SMS in the background.

Queued in `staff_messages` by the rule that raises them (services/cases/collective.py), each a notification of
its kind (services/cases/outbox.py `staff_notice`) sent through that kind's SMS template (config.yaml
`notification_templates`; a kind without it refuses the start); at least once, retried with a growing pause
while the SMS provider is down, given up after two days or when the provider refuses it (marked failed).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from platforms.sms import SmsProvider, SmsRefused, SmsUnavailable
from services.cases.outbox import template_values
from services.core.background import Periodic
from services.core.context import ServiceContext
from services.core.phones import e164, is_mobile

log = logging.getLogger("mediation.staff_messages")
PHONE_FIELD = "staff.phone"  # the associated data the staff service sealed the phone under
BATCH = 50
GIVE_UP = timedelta(days=2)
CLAIM = timedelta(minutes=2)  # a message taken by one process waits this long before another may try it


async def send_due(ctx: ServiceContext, sms: SmsProvider) -> int:
    """One pass: every pending message that is due; returns how many went out."""
    now = ctx.clock()
    messages = ctx.db["staff_messages"]
    due = await messages.find({"state": "pending", "next_attempt_at": {"$lte": now}}).limit(BATCH).to_list(BATCH)
    sent = 0
    for message in due:
        # Taken first, by one conditional update (its due time moved on): of several processes reading the same
        # message, one sends it; one that stops before recording leaves it to be tried again after CLAIM.
        taken = await messages.update_one(
            {"_id": message["_id"], "state": "pending", "next_attempt_at": message["next_attempt_at"]},
            {"$set": {"next_attempt_at": now + CLAIM}},
        )
        if taken.modified_count != 1:
            continue
        templates = ctx.settings.notifications.kinds.get(str(message.get("kind") or ""))
        template = templates.sms if templates else None
        phone = ctx.cipher.decrypt(message["phone"], PHONE_FIELD)
        if template is None or not is_mobile(phone):
            problem = "no_sms_template" if template is None else "not_a_mobile"
            await messages.update_one(
                {"_id": message["_id"], "state": "pending"}, {"$set": {"state": "failed", "last_error": problem}}
            )
            continue
        values = template_values(template, message, ctx.settings.public_base_url)
        try:
            message_id = await sms.send_message(e164(phone), template.template_id, values)
        except SmsUnavailable:
            attempts = message.get("attempts", 0) + 1
            failed = now - message["created_at"] > GIVE_UP
            await messages.update_one(
                {"_id": message["_id"], "state": "pending"},
                {
                    "$set": {
                        "attempts": attempts,
                        "state": "failed" if failed else "pending",
                        "next_attempt_at": now + timedelta(seconds=min(300, 2**attempts)),
                    }
                },
            )
            continue
        except SmsRefused:
            await messages.update_one(
                {"_id": message["_id"], "state": "pending"}, {"$set": {"state": "failed", "last_error": "sms_refused"}}
            )
            continue
        await messages.update_one(
            {"_id": message["_id"]}, {"$set": {"state": "sent", "sent_at": now, "channel": "sms", "msgid": message_id}}
        )
        sent += 1
    return sent


class StaffMessageSender(Periodic):
    """Runs `send_due` every few seconds in the background."""

    def __init__(self, ctx: ServiceContext, sms: SmsProvider, interval_seconds: float = 5.0) -> None:
        super().__init__("staff messages", interval_seconds, log)
        self.ctx, self.sms = ctx, sms

    async def run_pass(self) -> int:
        return await send_due(self.ctx, self.sms)
