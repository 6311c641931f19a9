"""Issue 22: several processes sending the staff's SMS at once send each message once (the message is taken by one
conditional update before it is sent)."""

from __future__ import annotations

import asyncio

import pytest

from services.cases.outbox import staff_notice
from services.notify.staff_messages import PHONE_FIELD, send_due
from standins.sms import RecordingSms


class SlowSms(RecordingSms):
    """An SMS gateway that takes a moment to answer: the other process's pass runs meanwhile."""

    async def send_message(self, *args, **kwargs):
        await asyncio.sleep(0.05)
        return await super().send_message(*args, **kwargs)


@pytest.mark.gen_test
async def test_two_passes_at_once_send_a_staff_message_once(ctx):
    now = ctx.clock()
    notice = staff_notice("city.admin", "collective_alert", "/office/alerts", now, [("workers", "10")])
    message = {k: v for k, v in notice.items() if k != "id"} | {"_id": notice["id"]}
    await ctx.db["staff_messages"].insert_one(message | {"phone": ctx.cipher.encrypt("13800000001", PHONE_FIELD)})
    sms = SlowSms()
    sent = await asyncio.gather(send_due(ctx, sms), send_due(ctx, sms))  # two processes' passes, interleaved
    assert sorted(sent) == [0, 1]
    assert len(sms.messages("SMS_COLLECTIVE_ALERT")) == 1
    assert (await ctx.db["staff_messages"].find_one({"_id": notice["id"]}))["state"] == "sent"
