"""One WeChat access token per app id for every process, kept in the database and refreshed under a lease."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.context import utc_now
from wechat.client import WeChatUnavailable
from wechat.tokens import IssuedToken

log = logging.getLogger("mediation.wechat.tokens")

COLLECTION = "wechat_tokens"
EPOCH = datetime(1970, 1, 1, tzinfo=utc_now().tzinfo)
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
        clock: Callable[[], datetime] = utc_now,
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
        if not doc or not doc.get("access_token") or doc["access_token"] == stale:
            return None
        expires_at = doc["expires_at"]
        if expires_at - self.renew_before <= self.clock():
            return None
        self._cache[doc["_id"]] = (doc["access_token"], expires_at)
        return doc["access_token"]

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
