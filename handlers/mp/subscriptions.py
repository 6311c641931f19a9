"""The mini-program tells us which subscribe messages the applicant accepted (wx.requestSubscribeMessage)."""

from __future__ import annotations

from handlers.mp.base import MpHandler
from services.notify import subscriptions


class SubscriptionsHandler(MpHandler):
    async def get(self) -> None:
        self.send_json({"grants": await subscriptions.grants_of(self.ctx, self.person_id())})

    async def post(self) -> None:
        """`{template_ids: [...]}`: the ids the user accepted; each allows one message."""
        person_id = self.person_id()
        await self.notice_read()
        grants = await subscriptions.record_grants(self.ctx, person_id, self.json_body())
        self.send_json({"grants": grants})


routes = [(r"/api/mp/subscriptions", SubscriptionsHandler)]
