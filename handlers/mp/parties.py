"""The mini-program's API for both parties of a case: the respondent's invitation, proof, answer and evidence,
"我的申请" as respondent; for either party the case page, signing, refusing to sign, reporting performance, and
one tap to a route's document. Described in handlers/public/openapi.py."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from handlers.access import proved_by
from handlers.downloads import requested_format, send_document
from handlers.mp.base import CHANNEL, MpHandler
from handlers.urls import APPLICATION_KIND, DOCUMENT_ID, INVITATION_TOKEN, PAPER_KIND, SERIAL
from services.cases import documents, performance, respondent, service, signing
from services.court import clocks, confirmations
from services.court import pages as court_pages

PREFIX = {"applicant": "/api/mp/applications", "respondent": "/api/mp/respondent/cases"}


class PartyApi(MpHandler):
    role = "applicant"

    def initialize(self, role: str = "applicant") -> None:
        self.role = role

    async def page(self, person_id: str, serial: str) -> dict[str, Any]:
        return await court_pages.case_page(self.ctx, person_id, serial, self.role, self.language)

    def papers(self) -> documents.Papers:
        return documents.Papers(self.services.renderers, self.services.blobs)

    def signer(self, person_id: str) -> signing.Signer:
        return signing.Signer(self.role, person_id, f"{CHANNEL}:{person_id}")  # this route's party only


class InvitationHandler(MpHandler):
    @proved_by("invitation_token")
    async def get(self, serial: str, token: str) -> None:
        self.send_json(await respondent.invitation_view(self.ctx, serial, token))


class InvitationCodeHandler(MpHandler):
    @proved_by("invitation_token")
    async def post(self, serial: str, token: str) -> None:
        self.limit_client(self.services.sign_in_limiter)
        seconds = await respondent.send_code(self.ctx, self.services.sms, serial, token)
        self.send_json({"resend_after": seconds})


class InvitationClaimHandler(MpHandler):
    async def post(self, serial: str, token: str) -> None:
        person_id = self.person_id()
        body = self.json_object()
        code = body.get("code")
        consent = body.get("service")  # the 送达地址确认书, given with this first visit (optional)
        await respondent.claim(
            self.ctx, serial, token, code if isinstance(code, str) else "", person_id, CHANNEL, consent=consent
        )
        self.send_json(await respondent.respondent_case(self.ctx, person_id, serial))


class RespondentCasesHandler(MpHandler):
    async def get(self) -> None:
        self.send_json({"items": await respondent.respondent_cases(self.ctx, self.person_id())})


class PageHandler(PartyApi):
    async def get(self, serial: str) -> None:
        self.send_json(await self.page(self.person_id(), serial))


class AnswerHandler(PartyApi):
    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        answered = await respondent.answer(self.ctx, person_id, serial, self.json_object(), CHANNEL, self.papers())
        self.send_json(answered)


class EvidenceHandler(PartyApi):
    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        self.send_json(await respondent.add_evidence(self.ctx, person_id, serial, self.json_object(), CHANNEL))


class SignatureHandler(PartyApi):
    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        await documents.sign_agreement(
            self.ctx, self.papers(), self.signer(person_id), serial, self.json_object(), CHANNEL
        )
        self.send_json(await self.page(person_id, serial), 201)


class RefuseSigningHandler(PartyApi):
    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        await documents.refuse_signing(
            self.ctx, self.papers(), self.signer(person_id), serial, self.json_object(), CHANNEL
        )
        self.send_json(await self.page(person_id, serial))


class PerformanceHandler(PartyApi):
    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        items = await performance.report(self.ctx, person_id, serial, self.json_object(), CHANNEL, self.role)
        self.send_json({"items": items})


class PaperHandler(PartyApi):
    async def post(self, serial: str, kind: str) -> None:
        person_id = self.person_id()
        court = self.get_query_argument("court", "")  # a judicial confirmation's court, as the parties chose it
        issued = await documents.issue_for_party(
            self.ctx, self.papers(), person_id, serial, kind, CHANNEL, self.role, court=court
        )
        self.send_json(asdict(issued) | {"download": f"{PREFIX[self.role]}/{serial}/documents/{issued.id}"}, 201)


class ExtensionConsentHandler(PartyApi):
    """A delegated case: the party consents to extending the court's period; the page after it."""

    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        await clocks.consent_extension(self.ctx, person_id, serial, CHANNEL, self.role)
        self.send_json(await self.page(person_id, serial))


class ServiceConsentHandler(PartyApi):
    """The party's 送达地址确认书: consent to electronic service or not, the address; the page after it."""

    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        await service.give_consent(self.ctx, person_id, serial, self.json_object(), CHANNEL)
        self.send_json(await self.page(person_id, serial))


class ApplicationHandler(PartyApi):
    """A settled case: the party applies for judicial confirmation or arbitral review (jointly); the page after."""

    async def post(self, serial: str, application: str) -> None:
        person_id = self.person_id()
        await confirmations.apply(self.ctx, person_id, serial, application, CHANNEL, self.role)
        self.send_json(await self.page(person_id, serial))


class DocumentsHandler(PartyApi):
    async def get(self, serial: str) -> None:
        items = await documents.documents_for_party(self.ctx, self.person_id(), serial)
        for item in items:
            item["download"] = f"{PREFIX[self.role]}/{serial}/documents/{item['id']}"
        self.send_json({"items": items})


class DocumentHandler(PartyApi):
    async def get(self, serial: str, document_id: str) -> None:
        fmt = requested_format(self)
        file = await documents.document_for_party(self.ctx, self.services.blobs, self.person_id(), serial, document_id)
        await send_document(self, self.services.pdf, file, fmt)


def _party_routes(role: str) -> list[tuple[Any, ...]]:
    base, options = PREFIX[role], {"role": role}
    out: list[tuple[Any, ...]] = [
        (rf"{base}/{SERIAL}/page", PageHandler, options),
        (rf"{base}/{SERIAL}/signature", SignatureHandler, options),
        (rf"{base}/{SERIAL}/refuse_signing", RefuseSigningHandler, options),
        (rf"{base}/{SERIAL}/performance", PerformanceHandler, options),
        (rf"{base}/{SERIAL}/papers/{PAPER_KIND}", PaperHandler, options),
        (rf"{base}/{SERIAL}/extension_consent", ExtensionConsentHandler, options),
        (rf"{base}/{SERIAL}/applications/{APPLICATION_KIND}", ApplicationHandler, options),
        (rf"{base}/{SERIAL}/service", ServiceConsentHandler, options),
    ]
    if role == "respondent":  # the applicant's documents are in handlers/mp/applications.py
        out += [
            (rf"{base}/{SERIAL}", PageHandler, options),
            (rf"{base}/{SERIAL}/answer", AnswerHandler, options),
            (rf"{base}/{SERIAL}/evidence", EvidenceHandler, options),
            (rf"{base}/{SERIAL}/documents", DocumentsHandler, options),
            (rf"{base}/{SERIAL}/documents/{DOCUMENT_ID}", DocumentHandler, options),
        ]
    return out


routes = [
    (rf"/api/mp/invitations/{SERIAL}/{INVITATION_TOKEN}", InvitationHandler),
    (rf"/api/mp/invitations/{SERIAL}/{INVITATION_TOKEN}/code", InvitationCodeHandler),
    (rf"/api/mp/invitations/{SERIAL}/{INVITATION_TOKEN}/claim", InvitationClaimHandler),
    (r"/api/mp/respondent/cases", RespondentCasesHandler),
    *_party_routes("applicant"),
    *_party_routes("respondent"),
]
