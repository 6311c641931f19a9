"""Public endpoints: health, readiness, the progress check by serial, the OpenAPI document."""

from __future__ import annotations

from handlers.base import ApiHandler
from handlers.openapi import openapi_document
from services.cases.progress import check_progress


class HealthHandler(ApiHandler):
    def get(self) -> None:
        self.send_json({"status": "ok"})


class ReadyHandler(ApiHandler):
    async def get(self) -> None:
        await self.ctx.db.command("ping")  # a database that does not answer becomes a 503 in write_error
        self.send_json({"status": "ready"})


class ProgressHandler(ApiHandler):
    async def get(self) -> None:
        result = await check_progress(
            self.ctx,
            self.services.progress_limiter,
            self.request.remote_ip or "",
            self.get_query_argument("serial", ""),
            self.get_query_argument("phone_last4", ""),
        )
        self.send_json(result)


class OpenApiHandler(ApiHandler):
    def get(self) -> None:
        self.send_json(openapi_document())


routes = [
    (r"/healthz", HealthHandler),
    (r"/readyz", ReadyHandler),
    (r"/api/progress", ProgressHandler),
    (r"/api/openapi.json", OpenApiHandler),
]
