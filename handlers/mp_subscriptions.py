"""The mini-program tells us which subscribe messages the applicant accepted (wx.requestSubscribeMessage)."""

from __future__ import annotations

from handlers.base import ApiHandler
from services.notify import subscriptions as mp_subscriptions


class SubscriptionsHandler(ApiHandler):
    async def get(self) -> None:
        self.send_json({"grants": await mp_subscriptions.grants_of(self.ctx, self.person_id())})

    async def post(self) -> None:
        """`{template_ids: [...]}`: the ids the user accepted; each allows one message."""
        person_id = self.person_id()
        grants = await mp_subscriptions.record_grants(self.ctx, person_id, self.json_body())
        self.send_json({"grants": grants})


routes = [(r"/api/mp/subscriptions", SubscriptionsHandler)]
