"""Docking's clocks and queues nobody acts on, in the background: delegations not answered in time reported to
their partner, roster entries sent, expired nonces forgotten (the embedded engine has no TTL monitor)."""

from __future__ import annotations

import asyncio
import logging

from platforms.court import CourtClient
from services.core.context import ServiceContext
from services.court import delegations, roster, signing

log = logging.getLogger("mediation.docking")


async def watch_once(ctx: ServiceContext, client: CourtClient) -> dict[str, int]:
    return {"not_confirmed_in_time": await delegations.report_overdue(ctx),
            "roster_sent": await roster.send_due(ctx, client),
            "nonces_forgotten": await signing.forget_expired(ctx)}  # fmt: skip


class DockingWatch:
    """Runs `watch_once` every `interval` seconds (sooner after `wake()`: a roster entry just proposed)."""

    def __init__(self, ctx: ServiceContext, client: CourtClient, interval_seconds: float = 60.0) -> None:
        self.ctx = ctx
        self.client = client
        self.interval = interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="docking-watch")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                done = await watch_once(self.ctx, self.client)
                if any(done.values()):
                    log.info("docking watch: %s", done)
            except Exception:  # a database hiccup or a bug: keep watching, say it
                log.exception("docking watch pass failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except TimeoutError:
                pass
            self._wake.clear()
