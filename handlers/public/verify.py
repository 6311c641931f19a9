"""The public verification page of a generated document: /verify/{document id} (the QR code's address)."""

from __future__ import annotations

from handlers.access import public
from handlers.pages import PageHandler
from handlers.urls import VERIFY_ID
from services.cases import documents
from services.core.errors import ServiceError


class VerifyHandler(PageHandler):
    """Shows the kind, case serial, date and SM3 fingerprint (nothing personal); checks an uploaded copy."""

    @public
    async def get(self, document_id: str) -> None:
        shown = await documents.verification(self.ctx, document_id)
        self.render_page("verify.html", document=shown, result=None, error="")

    @public
    async def post(self, document_id: str) -> None:
        uploads = self.request.files.get("file") or []
        data = uploads[0]["body"] if uploads else b""
        try:
            result = await documents.verify_upload(self.ctx, document_id, data)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            shown = await documents.verification(self.ctx, document_id)
            self.render_page("verify.html", problem.status, document=shown, result=None, error=problem.message)
            return
        self.render_page("verify.html", document=result, result=result, error="")


routes = [(rf"/verify/{VERIFY_ID}", VerifyHandler)]
