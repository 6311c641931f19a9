"""The applicant's cases from the mini-program: submit, "我的申请", one case, withdraw, confirm, documents."""

from __future__ import annotations

from handlers.downloads import requested_format, send_document
from handlers.mp.base import CHANNEL, MpHandler
from handlers.urls import DOCUMENT_ID, SERIAL
from services.cases import clarification, documents, handling, views
from services.intake import submission


class ApplicationsHandler(MpHandler):
    async def get(self) -> None:
        self.send_json({"items": await views.my_cases(self.ctx, self.person_id())})

    async def post(self) -> None:
        person_id = self.person_id()
        case, _ = await submission.submit_application(
            self.ctx, person_id, self.request.headers.get("Idempotency-Key"), self.json_body(), CHANNEL
        )
        self.send_json(case, 201)


class ApplicationHandler(MpHandler):
    async def get(self, serial: str) -> None:
        self.send_json(await views.my_case(self.ctx, self.person_id(), serial))


class WithdrawHandler(MpHandler):
    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        reason = self.json_object().get("reason")
        papers = documents.Papers(self.services.renderers, self.services.blobs)  # each party's notice, at once
        self.send_json(await handling.withdraw(self.ctx, person_id, serial, reason, CHANNEL, papers))


class EvidenceHandler(MpHandler):
    """Evidence added after submitting, while the case is open: files uploaded with POST /api/mp/files."""

    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        self.send_json(await handling.add_evidence(self.ctx, person_id, serial, self.json_object(), CHANNEL))


class ClarifiedAnswerHandler(MpHandler):
    """The applicant's answer to the request items the mediator pushed: confirm, or ask for a change."""

    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        self.send_json(await clarification.answer_clarified(self.ctx, person_id, serial, self.json_object(), CHANNEL))


class DocumentsHandler(MpHandler):
    async def get(self, serial: str) -> None:
        items = await documents.documents_for_party(self.ctx, self.person_id(), serial)
        for item in items:
            item["download"] = f"/api/mp/applications/{serial}/documents/{item['id']}"
        self.send_json({"items": items})


class DocumentHandler(MpHandler):
    async def get(self, serial: str, document_id: str) -> None:
        fmt = requested_format(self)
        file = await documents.document_for_party(self.ctx, self.services.blobs, self.person_id(), serial, document_id)
        await send_document(self, self.services.pdf, file, fmt)


routes = [
    (r"/api/mp/applications", ApplicationsHandler),
    (rf"/api/mp/applications/{SERIAL}", ApplicationHandler),
    (rf"/api/mp/applications/{SERIAL}/withdraw", WithdrawHandler),
    (rf"/api/mp/applications/{SERIAL}/clarified", ClarifiedAnswerHandler),
    (rf"/api/mp/applications/{SERIAL}/evidence", EvidenceHandler),
    (rf"/api/mp/applications/{SERIAL}/documents", DocumentsHandler),
    (rf"/api/mp/applications/{SERIAL}/documents/{DOCUMENT_ID}", DocumentHandler),
]
