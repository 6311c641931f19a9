"""Messages to staff (collective-dispute alerts to administrators who opted in), sent by SMS in the background.

Queued in `staff_messages` by the rule that raises them (services/cases/collective.py); sent at least once,
retried with a growing pause while the SMS provider is down, given up after two days (marked failed).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from platforms.sms import SmsProvider, SmsUnavailable
from services.core.context import ServiceContext

log = logging.getLogger("mediation.staff_messages")
PHONE_FIELD = "staff.phone"  # the associated data the staff service sealed the phone under
BATCH = 50
GIVE_UP = timedelta(days=2)


async def send_due(ctx: ServiceContext, sms: SmsProvider) -> int:
    """One pass: every pending message that is due; returns how many went out."""
    now = ctx.clock()
    due = await ctx.db["staff_messages"].find(
        {"state": "pending", "next_attempt_at": {"$lte": now}}).limit(BATCH).to_list(BATCH)  # fmt: skip
    sent = 0
    for message in due:
        try:
            await sms.send_notice(ctx.cipher.decrypt(message["phone"], PHONE_FIELD), message["notice"])
        except SmsUnavailable:
            attempts = message.get("attempts", 0) + 1
            failed = now - message["created_at"] > GIVE_UP
            await ctx.db["staff_messages"].update_one({"_id": message["_id"], "state": "pending"}, {"$set": {
                "attempts": attempts, "state": "failed" if failed else "pending",
                "next_attempt_at": now + timedelta(seconds=min(300, 2**attempts))}})  # fmt: skip
            continue
        await ctx.db["staff_messages"].update_one({"_id": message["_id"]}, {"$set": {"state": "sent", "sent_at": now}})
        sent += 1
    return sent


class StaffMessageSender:
    """Runs `send_due` every few seconds in the background."""

    def __init__(self, ctx: ServiceContext, sms: SmsProvider, interval_seconds: float = 5.0) -> None:
        self.ctx, self.sms, self.interval = ctx, sms, interval_seconds
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            try:
                await send_due(self.ctx, self.sms)
            except Exception:  # a database hiccup: try again next time
                log.exception("staff message pass failed")
            await asyncio.sleep(self.interval)
