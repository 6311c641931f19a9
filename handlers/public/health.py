"""Liveness and readiness for operators and load balancers."""

from __future__ import annotations

from handlers.base import ApiHandler


class HealthHandler(ApiHandler):
    def get(self) -> None:
        self.send_json({"status": "ok"})


class ReadyHandler(ApiHandler):
    async def get(self) -> None:
        await self.ctx.db.command("ping")  # a database that does not answer becomes a 503 in write_error
        self.send_json({"status": "ready"})


routes = [
    (r"/healthz", HealthHandler),
    (r"/readyz", ReadyHandler),
]
