"""WeChat's callback for the official account: GET checks the address, POST delivers messages."""

from __future__ import annotations

from tornado.ioloop import IOLoop

from handlers.access import proved_by
from handlers.base import ApiHandler
from services.notify.inbox import CallbackQuery


class CallbackHandler(ApiHandler):
    def _query(self) -> CallbackQuery:
        names = ("signature", "timestamp", "nonce", "echostr", "encrypt_type", "msg_signature")
        return CallbackQuery(**{name: self.get_query_argument(name, "") for name in names})

    @proved_by("wechat_signature")
    def get(self) -> None:
        echostr = self.services.wechat_messages.verify_echo(self._query())
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(echostr)

    @proved_by("wechat_signature")
    async def post(self) -> None:
        answer = await self.services.wechat_messages.receive(self._query(), self.request.body)
        self.set_header("Content-Type", answer.content_type)
        await self.finish(answer.body)
        if answer.followup is not None:  # slow work (anything calling WeChat) only once WeChat has its reply
            IOLoop.current().spawn_callback(answer.followup)


routes = [(r"/wechat/callback", CallbackHandler)]
