"""Docking's clocks and queues nobody acts on, in the background: delegations not answered in time reported to
their partner, roster entries sent, expired nonces forgotten (the embedded engine has no TTL monitor)."""

from __future__ import annotations

import logging

from platforms.court import CourtClient
from services.core.background import Periodic
from services.core.context import ServiceContext
from services.court import delegations, roster, signing

log = logging.getLogger("mediation.docking")


async def watch_once(ctx: ServiceContext, client: CourtClient) -> dict[str, int]:
    return {
        "not_confirmed_in_time": await delegations.report_overdue(ctx),
        "roster_sent": await roster.send_due(ctx, client),
        "nonces_forgotten": await signing.forget_expired(ctx),
    }


class DockingWatch(Periodic):
    """Runs `watch_once` every `interval` seconds (sooner after `wake()`: a roster entry just proposed)."""

    def __init__(self, ctx: ServiceContext, client: CourtClient, interval_seconds: float = 60.0) -> None:
        super().__init__("docking watch", interval_seconds, log)
        self.ctx, self.client = ctx, client

    async def run_pass(self) -> dict[str, int]:
        return await watch_once(self.ctx, self.client)
