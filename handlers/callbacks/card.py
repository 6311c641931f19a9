"""The card platform's notification of a login ticket's result: no cookies, its SM2 signature is the proof."""

from __future__ import annotations

from handlers.access import proved_by
from handlers.base import ApiHandler
from platforms.card import NotificationRefused
from services.accounts import card_signin


class CardNotifyHandler(ApiHandler):
    @proved_by("card_signature")
    async def post(self) -> None:
        try:
            await card_signin.handle_notification(
                self.ctx, self.services.card, self.json_body(), self.request.remote_ip or ""
            )
        except NotificationRefused as refused:  # the platform's protocol answers, not ours
            self.send_json({"code": refused.code, "message": refused.message}, refused.status)
            return
        self.send_json({"code": "0", "message": "ok"})


routes = [(r"/portal/card/notify", CardNotifyHandler)]
