"""POST /api/mp/session: a wx.login code becomes our bearer token."""

from __future__ import annotations

from handlers.mp.base import MpHandler
from services.accounts.mp_sessions import sign_in_with_code


class SessionHandler(MpHandler):
    async def post(self) -> None:
        code = self.json_object().get("code")
        self.send_json(await sign_in_with_code(self.ctx, self.services.wechat_mp, self.services.tokens, code))


routes = [(r"/api/mp/session", SessionHandler)]
