"""WeChat's access token: the stable_token call, one token per app id shared by every process through the
database under a lease, and the bridge wechatpy's worker threads use to reach it."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pymongo.errors import DuplicateKeyError
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from wechat.errors import WeChatRefused, WeChatUnavailable


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

    def _wait(self, coro: Coroutine[Any, Any, str]) -> str:
        if self.loop is None:
            coro.close()
            raise RuntimeError("the token bridge is not bound to the server's event loop (app.start)")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:  # blocking here would deadlock the loop the answer must come from
            coro.close()
            raise RuntimeError("wechatpy must run in a worker thread (ctx.run_blocking), not on the event loop")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(self.timeout)
        except TimeoutError as exc:
            future.cancel()
            raise WeChatUnavailable("access token: no answer in time") from exc

    def get(self, appid: str) -> str:
        return self._wait(self.source.get(appid))

    def refresh(self, appid: str, stale: str) -> str:
        return self._wait(self.source.refresh(appid, stale))


log = logging.getLogger("mediation.wechat.tokens")

COLLECTION = "wechat_tokens"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Fetcher: (appid, secret, force_refresh) -> the token WeChat issued.
Fetcher = Callable[[str, str, bool], Awaitable[IssuedToken]]


class AccessTokens:
    """The shared token: `get` reads it (memory, then database); only the lease holder asks WeChat.

    The document `{_id: appid, access_token, expires_at, lease_until, lease_owner}` is the lock: a
    process takes the lease with one update conditional on `lease_until` having passed, so of
    several processes exactly one calls stable_token; the others wait briefly and re-read.
    """

    def __init__(
        self,
        db: Any,
        secrets: dict[str, str],
        fetcher: Fetcher,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        lease_seconds: float = 10.0,
        wait_seconds: float = 8.0,
        renew_before_seconds: float = 300.0,
    ) -> None:
        self.collection = db[COLLECTION]
        self.secrets = dict(secrets)
        self.fetcher = fetcher
        self.clock = clock
        self.lease = timedelta(seconds=lease_seconds)
        self.wait_seconds = wait_seconds
        # stable_token keeps the token for 2 hours; renew a little before the end, never on the edge.
        self.renew_before = timedelta(seconds=renew_before_seconds)
        self.owner = uuid.uuid4().hex  # this process
        self._cache: dict[str, tuple[str, datetime]] = {}

    async def get(self, appid: str) -> str:
        """A valid token for `appid`, fetched from WeChat only when nobody holds a fresh one."""
        cached = self._cache.get(appid)
        if cached and cached[1] - self.renew_before > self.clock():
            return cached[0]
        return await self._obtain(appid, stale=None)

    async def refresh(self, appid: str, stale: str) -> str:
        """WeChat refused `stale` (40001/42001): a new token, unless another process already has one."""
        self._cache.pop(appid, None)
        return await self._obtain(appid, stale=stale)

    async def _obtain(self, appid: str, stale: str | None) -> str:
        if appid not in self.secrets:
            raise KeyError(f"no secret configured for WeChat app {appid}")
        deadline = asyncio.get_running_loop().time() + self.wait_seconds
        delay = 0.02
        while True:
            doc = await self.collection.find_one({"_id": appid})
            usable = self._usable(doc, stale)
            if usable:
                return usable
            if await self._take_lease(appid, doc):
                # Force only when WeChat refused the very token we hold; else the normal mode suffices.
                force = stale is not None and doc is not None and doc.get("access_token") == stale
                return await self._fetch_under_lease(appid, force)
            if asyncio.get_running_loop().time() > deadline:
                raise WeChatUnavailable(f"access token for {appid}: another process holds the refresh lease")
            await asyncio.sleep(delay)  # another process is fetching: re-read shortly
            delay = min(delay * 2, 0.5)

    def _usable(self, doc: dict[str, Any] | None, stale: str | None) -> str | None:
        token: str | None = doc.get("access_token") if doc else None
        if not doc or not token or token == stale:
            return None
        expires_at = doc["expires_at"]
        if expires_at - self.renew_before <= self.clock():
            return None
        self._cache[doc["_id"]] = (token, expires_at)
        return token

    async def _take_lease(self, appid: str, doc: dict[str, Any] | None) -> bool:
        now = self.clock()
        claim = {"lease_until": now + self.lease, "lease_owner": self.owner}
        if doc is None:
            try:
                await self.collection.insert_one({"_id": appid, "access_token": None, "expires_at": EPOCH, **claim})
                return True
            except DuplicateKeyError:
                return False  # another process created it (and holds the lease) first
        taken = await self.collection.find_one_and_update(
            {"_id": appid, "lease_until": {"$lte": now}}, {"$set": claim}, projection={"_id": 1}
        )
        return taken is not None

    async def _fetch_under_lease(self, appid: str, force: bool) -> str:
        try:
            issued = await self.fetcher(appid, self.secrets[appid], force)
        except BaseException:
            # Let the next caller try at once instead of waiting for the lease to lapse.
            await self.collection.update_one(
                {"_id": appid, "lease_owner": self.owner}, {"$set": {"lease_until": EPOCH}}
            )
            raise
        now = self.clock()
        expires_at = now + timedelta(seconds=issued.expires_in)
        await self.collection.update_one(
            {"_id": appid},
            {
                "$set": {
                    "access_token": issued.access_token,
                    "expires_at": expires_at,
                    "fetched_at": now,
                    "lease_until": EPOCH,
                    "forced": force,
                }
            },
        )
        self._cache[appid] = (issued.access_token, expires_at)
        log.info("access token for %s fetched (force_refresh=%s)", appid, force)
        return issued.access_token
