"""Drafts between the steps of an application (shared with the H5 pages), and submitting one."""

from __future__ import annotations

from handlers.mp.base import CHANNEL, MpHandler
from handlers.urls import DRAFT_KIND
from services.intake import drafts


class DraftHandler(MpHandler):
    async def get(self, kind: str) -> None:
        self.send_json(await drafts.load_draft(self.ctx, self.person_id(), kind))

    async def put(self, kind: str) -> None:
        person_id = self.person_id()
        await self.notice_read()
        self.send_json(await drafts.save_draft(self.ctx, person_id, kind, self.json_body()))

    async def delete(self, kind: str) -> None:
        await drafts.delete_draft(self.ctx, self.person_id(), kind)
        self.set_status(204)
        self.finish()


class DraftSubmitHandler(MpHandler):
    async def post(self, kind: str) -> None:
        person_id = self.person_id()
        await self.notice_read()
        case, _ = await drafts.submit_draft(
            self.ctx, person_id, kind, self.request.headers.get("Idempotency-Key"), CHANNEL
        )
        self.send_json(case, 201)


routes = [
    (rf"/api/mp/drafts/{DRAFT_KIND}", DraftHandler),
    (rf"/api/mp/drafts/{DRAFT_KIND}/submit", DraftSubmitHandler),
]
