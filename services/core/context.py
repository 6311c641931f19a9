"""What every service function needs, built once at start and passed in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, TypeVarTuple, overload
from zoneinfo import ZoneInfo

from services.core.personal_data import FieldCipher
from settings import Settings
from store.guard import GuardedDatabase

SHANGHAI = ZoneInfo("Asia/Shanghai")
_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")


def utc_now() -> datetime:
    return datetime.now(UTC)


class DemoClock:
    """The service's clock moved forward by `offset`, in development only (settings.py refuses DEMO_CLOCK in
    production; app.service_context gives production `utc_now` itself). What reads it: every deadline, answer
    period, performance check, the deadline watch, the court's periods, retention. The stand-ins' page moves it
    while the server runs (one attribute, set from the stand-in's thread). A call costs one addition."""

    __slots__ = ("offset",)

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def clock_offset(clock: Callable[[], datetime]) -> timedelta:
    """How far `clock` runs ahead of real time: a DemoClock's offset, else none (the banner's question)."""
    return clock.offset if isinstance(clock, DemoClock) else timedelta(0)


def _nobody_listens() -> None:
    """The outbox's wake-up before a sender is attached (commands, service tests): the next poll finds it."""


@dataclass
class ServiceContext:
    # A pymongo AsyncDatabase or the embedded engine's, with the cases collection read-only (store/guard.py).
    db: GuardedDatabase
    cipher: FieldCipher
    settings: Settings
    # The case writer's hooks (services/cases/moves.py WriteHook), filled in one place, app.service_context: the
    # statistics counters and the court's news. The writer refuses to write with none.
    case_hooks: tuple[Any, ...]
    executor: Executor | None = None  # for blocking work (wechatpy, hashing); None = the loop's default
    # Two clocks, on purpose. `clock` is the service's: the law's days (deadlines, answer periods, the deadline
    # watch, performance checks, the court's periods, retention) and every time the case records; a DemoClock in
    # development can move it forward (DEMO_CLOCK, serve.sh --clock +8d). `real_clock` is the world's and is never
    # moved: sessions, one-time SMS codes and their caps, sign-in lockouts, the card's QR tickets, the timestamp
    # windows of signed requests (WeChat's callback, partners' signatures, their nonces) and WeChat's access tokens.
    # Whatever stores a time and later compares it reads the same one of the two
    # (tests/services/core/test_demo_clock.py).
    clock: Callable[[], datetime] = utc_now
    real_clock: Callable[[], datetime] = utc_now
    # Called by the case writer after it wrote a notification: the sender (app.make_app) delivers it now.
    wake_outbox: Callable[[], None] = _nobody_listens
    # What a room keeps per process and per store (the directory's snapshot of centres): never module globals,
    # which tests with a store each would share.
    caches: dict[str, Any] = field(default_factory=dict)

    async def run_blocking(self, func: Callable[[*_Args], _T], *args: *_Args) -> _T:
        """Run a blocking call in the thread pool so the event loop stays responsive."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    def stop_executor(self) -> None:
        """At the end of a command: stop the thread pool it was given (the loop's default is not ours to stop)."""
        if self.executor is not None:
            self.executor.shutdown(wait=False)


@overload
def shanghai_iso(moment: datetime) -> str: ...
@overload
def shanghai_iso(moment: None) -> None: ...
@overload
def shanghai_iso(moment: datetime | None) -> str | None: ...
def shanghai_iso(moment: datetime | None) -> str | None:
    """A stored UTC time as people read it: ISO 8601 in Asia/Shanghai."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # stored times are UTC; a naive one came from a driver without tz_aware
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")
