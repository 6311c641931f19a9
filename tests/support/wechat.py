"""The one WeChat stand-in of the tests (the mini-program and the official account), and what it received."""

from __future__ import annotations

import asyncio

from standins.wechat import WeChatStandIn
from tests.support.app import MP_APP_ID, MP_SECRET, OA_APP_ID, OA_SECRET


def wechat_standin() -> WeChatStandIn:
    """WeChat's servers for the test app: the mini-program and the official account, with their secrets."""
    return WeChatStandIn({MP_APP_ID: MP_SECRET, OA_APP_ID: OA_SECRET})


async def message_to(wechat, openid: str, seen: int, timeout: float = 10.0) -> dict:
    """The next WeChat message the stand-in accepted for `openid` (the sender runs in the background)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        mine = [m for m in wechat.state.sent if m.get("touser") == openid]
        if len(mine) > seen:
            return mine[seen]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no WeChat message #{seen + 1} reached {openid}")
