"""WeChat's access token: the stable_token call (async) and the bridge wechatpy's worker threads use."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Protocol

from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from wechat.client import WeChatRefused, WeChatUnavailable


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int  # seconds


async def fetch_stable_token(
    api_base: str, appid: str, secret: str, force_refresh: bool, timeout: float
) -> IssuedToken:
    """POST cgi-bin/stable_token (https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken.html).

    Async on purpose: it runs on the event loop under the database lease, never in a worker thread.
    """
    body = {"grant_type": "client_credential", "appid": appid, "secret": secret, "force_refresh": force_refresh}
    url = (api_base if api_base.endswith("/") else api_base + "/") + "cgi-bin/stable_token"
    try:
        response = await AsyncHTTPClient().fetch(
            url,
            method="POST",
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
            request_timeout=timeout,
            connect_timeout=timeout,
        )
    except HTTPClientError as exc:  # HTTP status >= 400 (a gateway in trouble) or a timeout (599)
        raise WeChatUnavailable(f"stable_token: {exc}") from exc
    except OSError as exc:  # connection refused, DNS, reset
        raise WeChatUnavailable(f"stable_token: {exc}") from exc
    try:
        result = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WeChatUnavailable("stable_token: the answer is not JSON") from exc
    errcode = int(result.get("errcode", 0) or 0)
    if errcode == -1:  # "system busy"
        raise WeChatUnavailable(result.get("errmsg", "system busy"))
    if errcode:
        raise WeChatRefused(errcode, result.get("errmsg", ""))
    return IssuedToken(result["access_token"], int(result.get("expires_in", 7200)))


class TokenSource(Protocol):
    """What the shared token service offers (implemented on the event loop, over the database)."""

    async def get(self, appid: str) -> str: ...

    async def refresh(self, appid: str, stale: str) -> str: ...


class ThreadTokenBridge:
    """Lets wechatpy, running in a worker thread, ask the async token service on the server's loop."""

    def __init__(self, source: TokenSource, timeout: float, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.source = source
        self.timeout = timeout
        self.loop = loop

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the server's loop (done at start, on that loop)."""
        self.loop = loop

    def _wait(self, coro: object) -> str:
        if self.loop is None:
            coro.close()  # type: ignore[attr-defined]
            raise RuntimeError("the token bridge is not bound to the server's event loop (app.start)")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:  # blocking here would deadlock the loop the answer must come from
            coro.close()  # type: ignore[attr-defined]
            raise RuntimeError("wechatpy must run in a worker thread (ctx.run_blocking), not on the event loop")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        try:
            return future.result(self.timeout)
        except TimeoutError as exc:
            future.cancel()
            raise WeChatUnavailable("access token: no answer in time") from exc

    def get(self, appid: str) -> str:
        return self._wait(self.source.get(appid))

    def refresh(self, appid: str, stale: str) -> str:
        return self._wait(self.source.refresh(appid, stale))
