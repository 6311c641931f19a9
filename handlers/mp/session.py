"""POST /api/mp/session: a wx.login code becomes our bearer token."""

from __future__ import annotations

from handlers.access import public
from handlers.mp.base import MpHandler
from services.accounts.mp_sessions import sign_in_with_code


class SessionHandler(MpHandler):
    @public  # signing in: the wx.login code is checked with WeChat
    async def post(self) -> None:
        self.limit_client(self.services.mp_session_limiter)  # each code costs a call to WeChat
        code = self.json_object().get("code")
        services = self.services
        self.send_json(await sign_in_with_code(self.ctx, services.wechat_mp, services.tokens, code, services.sign_outs))

    async def delete(self) -> None:
        """Sign out: every token of this person stops working (on every device)."""
        await self.services.sign_outs.sign_out(self.ctx, self.person_id())
        self.set_status(204)
        self.finish()


routes = [(r"/api/mp/session", SessionHandler)]
