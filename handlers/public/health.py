"""Liveness and readiness for operators and load balancers."""

from __future__ import annotations

from handlers.access import public
from handlers.base import ApiHandler
from store import describe


class HealthHandler(ApiHandler):
    @public
    def get(self) -> None:
        self.send_json({"status": "ok"})


class ReadyHandler(ApiHandler):
    """200 with the engine in use and whether an acknowledged write survives a crash; 503 when the store fails."""

    @public
    async def get(self) -> None:
        await self.ctx.db.command("ping")  # a database that does not answer becomes a 503 in write_error
        self.send_json({"status": "ready", **describe(self.ctx.settings.mongodb_uri)})


routes = [
    (r"/healthz", HealthHandler),
    (r"/readyz", ReadyHandler),
]
