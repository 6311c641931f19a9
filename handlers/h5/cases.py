"""The applicant's own cases in H5 pages: 我的申请, one case (handlers/h5/parties.py), its documents and evidence,
confirming, withdrawing."""

from __future__ import annotations

from handlers.downloads import requested_format, send_document, send_download
from handlers.h5.parties import CaseHandler as PartyCaseHandler
from handlers.pages import PageHandler
from handlers.urls import DOCUMENT_ID, FILE_ID, SERIAL
from services.accounts import consents
from services.cases import clarification, documents, handling, views
from services.core.errors import ServiceError
from services.intake import evidence

CHANNEL = "h5"


class MyCasesHandler(PageHandler):
    async def get(self) -> None:
        cases = await views.my_cases(self.ctx, self.person_id)
        # The next visit asks again when the notice changed (docs/privacy.md#consents); the cases never wait for it.
        pending = await consents.pending(self.ctx, self.person_id, self.language)
        self.render_page("h5/cases.html", cases=cases, pending=pending)


class CaseDocumentHandler(PageHandler):
    async def get(self, serial: str, document_id: str) -> None:
        fmt = requested_format(self)
        file = await documents.document_for_party(self.ctx, self.services.blobs, self.person_id, serial, document_id)
        await send_document(self, self.services.pdf, file, fmt)


class ClarifiedHandler(PageHandler):
    """The request items the mediator wrote: the applicant confirms them or asks for a change."""

    async def get(self, serial: str) -> None:
        self.render_page("h5/clarified.html", case=await views.my_case(self.ctx, self.person_id, serial), error="")

    async def post(self, serial: str) -> None:
        answer = {name: self.get_body_argument(name, "") for name in ("decision", "version", "comment")}
        try:
            await clarification.answer_clarified(self.ctx, self.person_id, serial, answer, CHANNEL)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            case = await views.my_case(self.ctx, self.person_id, serial)
            self.render_page("h5/clarified.html", problem.status, case=case, error=problem.message)
            return
        self.redirect(f"/h5/cases/{serial}")


class FileHandler(PageHandler):
    async def get(self, file_id: str) -> None:
        reader = evidence.Reader.person(self.person_id)
        await send_download(self, await evidence.open_file(self.ctx, self.services.blobs, reader, file_id))


class WithdrawHandler(PageHandler):
    """Withdrawing asks first: a page that says what it means and asks why, then the withdrawal itself."""

    async def get(self, serial: str) -> None:
        case = await views.my_case(self.ctx, self.person_id, serial)
        self.render_page("h5/withdraw.html", case=case, reason="", error="")

    async def post(self, serial: str) -> None:
        reason = self.get_body_argument("reason", "")
        try:
            papers = documents.Papers(self.services.renderers, self.services.blobs)  # each party's notice, at once
            await handling.withdraw(self.ctx, self.person_id, serial, reason, CHANNEL, papers)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            case = await views.my_case(self.ctx, self.person_id, serial)
            self.render_page(
                "h5/withdraw.html",
                problem.status,
                case=case,
                reason=reason,
                error=problem.by_field().get("reason") or problem.message,
            )
            return
        self.redirect(f"/h5/cases/{serial}")


routes = [
    (r"/h5/cases", MyCasesHandler),
    (rf"/h5/cases/{SERIAL}", PartyCaseHandler, {"role": "applicant"}),
    (rf"/h5/cases/{SERIAL}/withdraw", WithdrawHandler),
    (rf"/h5/cases/{SERIAL}/clarified", ClarifiedHandler),
    (rf"/h5/cases/{SERIAL}/documents/{DOCUMENT_ID}", CaseDocumentHandler),
    (rf"/h5/files/{FILE_ID}", FileHandler),
]
