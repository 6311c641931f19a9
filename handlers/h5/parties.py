"""Both parties' pages of a case (H5 inside WeChat, and the same pages on a computer): the case, signing the
agreement on the phone, reporting performance, one tap to a route's document; and the respondent's own way in
(the invitation proved by a one-time code), their answer and evidence, "我的申请" as respondent."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from handlers.access import proved_by, public
from handlers.downloads import requested_format, send_document
from handlers.pages import PageHandler, in_wechat
from handlers.urls import APPLICATION_KIND, DOCUMENT_ID, INVITATION_TOKEN, PAPER_KIND, SERIAL
from services.cases import documents, handling, party_pages, performance, respondent, service, signing
from services.core.errors import ServiceError
from services.court import clocks, confirmations
from services.court import pages as court_pages

CHANNEL = "h5"
PREFIX = {"applicant": "/h5/cases", "respondent": "/h5/respondent/cases"}


class PartyPage(PageHandler):
    """A page of one case for the party of `role` (set by the route)."""

    role = "applicant"

    def initialize(self, role: str = "applicant") -> None:
        self.role = role

    @property
    def prefix(self) -> str:
        return PREFIX[self.role]

    def get_login_url(self) -> str:
        """A respondent signed out comes back by proving the phone again (they may have no account anywhere)."""
        serial = self.path_kwargs.get("serial", "")
        if self.role == "respondent" and serial:
            return f"/h5/respondent/cases/{serial}/signin"
        return super().get_login_url()

    async def show(
        self, serial: str, template: str = "h5/case.html", status: int = 200, error: str = "", **values: Any
    ) -> None:
        page = await court_pages.case_page(self.ctx, self.person_id, serial, self.role, self.language)
        self.render_page(template, status, prefix=self.prefix, role=self.role, error=error, **page, **values)

    async def refused(self, serial: str, exc: ServiceError, template: str = "h5/case.html", **values: Any) -> None:
        """The page again with the refusal; `values` give the form back what was sent (a choice is kept)."""
        problem = self.form_problem(exc)
        await self.show(serial, template, problem.status, error="；".join(problem.messages()), **values)

    def papers(self) -> documents.Papers:
        return documents.Papers(self.services.renderers, self.services.blobs)


class CaseHandler(PartyPage):
    async def get(self, serial: str) -> None:
        await self.show(serial)


class AgreementHandler(PartyPage):
    """The draft to review and sign with a finger (signature_pad), or to refuse."""

    async def get(self, serial: str) -> None:
        await self.show(serial, "h5/agreement.html")


class SignHandler(PartyPage):
    async def post(self, serial: str) -> None:
        body = {name: self.get_body_argument(name, "") for name in ("version", "image", "capacity", "seal")}
        signer = signing.Signer(self.role, self.person_id, f"{CHANNEL}:{self.person_id}")  # this route's party
        try:
            await documents.sign_agreement(self.ctx, self.papers(), signer, serial, body, CHANNEL)
        except ServiceError as exc:
            await self.refused(serial, exc, "h5/agreement.html")
            return
        self.redirect(f"{self.prefix}/{serial}")


class RefuseSigningHandler(PartyPage):
    async def post(self, serial: str) -> None:
        body = {"version": self.get_body_argument("version", ""), "reason": self.get_body_argument("reason", "")}
        signer = signing.Signer(self.role, self.person_id, f"{CHANNEL}:{self.person_id}")  # this route's party
        try:
            await documents.refuse_signing(self.ctx, self.papers(), signer, serial, body, CHANNEL)
        except ServiceError as exc:
            await self.refused(serial, exc, "h5/agreement.html")
            return
        self.redirect(f"{self.prefix}/{serial}")


class PerformanceHandler(PartyPage):
    async def post(self, serial: str) -> None:
        body = {name: self.get_body_argument(name, "") for name in ("term", "performed", "note")}
        try:
            await performance.report(self.ctx, self.person_id, serial, body, CHANNEL, self.role)
        except ServiceError as exc:
            await self.refused(serial, exc)
            return
        self.redirect(f"{self.prefix}/{serial}#performance")


class PaperHandler(PartyPage):
    """One tap: the document of a route (arbitration, payment order, judicial confirmation, arbitral review)."""

    async def post(self, serial: str, kind: str) -> None:
        court = self.get_body_argument("court", "")  # a judicial confirmation's court, as the parties chose it
        try:
            issued = await documents.issue_for_party(
                self.ctx, self.papers(), self.person_id, serial, kind, CHANNEL, self.role, court=court
            )
        except ServiceError as exc:
            await self.refused(serial, exc)
            return
        self.redirect(f"{self.prefix}/{serial}/documents/{issued.id}")


class ExtensionConsentHandler(PartyPage):
    """A delegated case: the party consents to extending the court's period (the last consent extends it)."""

    async def post(self, serial: str) -> None:
        try:
            await clocks.consent_extension(self.ctx, self.person_id, serial, CHANNEL, self.role)
        except ServiceError as exc:
            await self.refused(serial, exc)
            return
        self.redirect(f"{self.prefix}/{serial}#court")


class ServiceConsentHandler(PartyPage):
    """The party's 送达地址确认书 (services/cases/service.py): consent to electronic service or not, and the address."""

    async def post(self, serial: str) -> None:
        body = service.consent_from_form({k: self.get_body_argument(k, "") for k in service.CONSENT_FIELDS})
        try:
            await service.give_consent(self.ctx, self.person_id, serial, body, CHANNEL)
        except ServiceError as exc:
            await self.refused(serial, exc)
            return
        self.redirect(f"{self.prefix}/{serial}#service")


class ApplicationHandler(PartyPage):
    """A settled case: the party applies for judicial confirmation or arbitral review (jointly with the other)."""

    async def post(self, serial: str, application: str) -> None:
        try:
            await confirmations.apply(self.ctx, self.person_id, serial, application, CHANNEL, self.role)
        except ServiceError as exc:
            await self.refused(serial, exc)
            return
        self.redirect(f"{self.prefix}/{serial}#applications")


class DocumentHandler(PartyPage):
    async def get(self, serial: str, document_id: str) -> None:
        fmt = requested_format(self)
        file = await documents.document_for_party(self.ctx, self.services.blobs, self.person_id, serial, document_id)
        await send_document(self, self.services.pdf, file, fmt)


class DocumentSummaryHandler(PartyPage):
    """`…/documents/{id}/summary`: an official (Chinese) document explained in the reader's language."""

    async def get(self, serial: str, document_id: str) -> None:
        summary = await documents.summary_for_party(self.ctx, self.person_id, serial, document_id)
        self.render_page("h5/document_summary.html", summary=summary, base=f"{self.prefix}/{serial}")


# ---------------------------------------------------------------- the respondent's own pages


class InvitationHandler(PageHandler):
    """The invitation's link: who is invited, where the code goes; the code proves it, and signs a computer's
    browser in. Inside WeChat the visitor is signed in by WeChat first, so later messages reach them there.
    The respondent's, and a delegated case's applicant's (`role`, set by the route: they own the case after)."""

    role = "respondent"

    def initialize(self, role: str = "respondent") -> None:
        self.role = role

    @proved_by("invitation_token")
    async def get(self, serial: str, token: str) -> None:
        if in_wechat(self) and not self.current_user:
            self.redirect(f"/h5/oauth/start?next={quote(self.request.path)}")
            return
        await self.show(serial, token)

    async def show(self, serial: str, token: str, status: int = 200, error: str = "", sent: int = 0) -> None:
        invitation = await respondent.invitation_view(self.ctx, serial, token, self.role)
        self.render_page(
            "h5/invitation.html",
            status,
            invitation=invitation,
            token=token,
            error=error,
            sent=sent,
            case_link=f"{PREFIX[self.role]}/{serial}",
        )

    @proved_by("invitation_token")
    async def post(self, serial: str, token: str) -> None:
        """`action=code`: send the one-time code; `action=claim`: prove it with the code."""
        try:
            if self.get_body_argument("action", "") == "code":
                self.limit_client(self.services.sign_in_limiter)  # each code is an SMS: its cost is capped
                seconds = await respondent.send_code(self.ctx, self.services.sms, serial, token, self.role)
                await self.show(serial, token, sent=seconds)
                return
            code = self.get_body_argument("code", "")
            person = await respondent.claim(self.ctx, serial, token, code, self.current_user, CHANNEL, self.role)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(serial, token, problem.status, error="；".join(problem.messages()))
            return
        if person != self.current_user:
            await self.sign_in(person)
        self.redirect(f"{PREFIX[self.role]}/{serial}")


class ReturnHandler(PageHandler):
    """The respondent's way back to a case whose invitation they proved: a code to the same phone."""

    @public  # a sign-in page
    async def get(self, serial: str) -> None:
        self.render_page("h5/respondent_signin.html", serial=serial, error="", sent=0)

    @public  # a sign-in: a one-time code to the phone the invitation proved
    async def post(self, serial: str) -> None:
        try:
            if self.get_body_argument("action", "") == "code":
                self.limit_client(self.services.sign_in_limiter)
                seconds = await respondent.send_return_code(self.ctx, self.services.sms, serial)
                self.render_page("h5/respondent_signin.html", serial=serial, error="", sent=seconds)
                return
            person = await respondent.sign_back_in(self.ctx, serial, self.get_body_argument("code", ""))
        except ServiceError as exc:
            problem = self.form_problem(exc)
            self.render_page(
                "h5/respondent_signin.html", problem.status, serial=serial, error="；".join(problem.messages()), sent=0
            )
            return
        await self.sign_in(person)
        self.redirect(f"/h5/respondent/cases/{serial}")


class RespondentCasesHandler(PageHandler):
    async def get(self) -> None:
        cases = await respondent.respondent_cases(self.ctx, self.person_id)
        self.render_page("h5/respondent_cases.html", cases=cases)


class AnswerHandler(PartyPage):
    async def post(self, serial: str) -> None:
        body = {name: self.get_body_argument(name, "") for name in ("decision", "reason", "proposal", "amount")}
        try:
            await respondent.answer(self.ctx, self.person_id, serial, body, CHANNEL, self.papers())
        except ServiceError as exc:
            await self.refused(serial, exc, answer_typed=body)
            return
        self.redirect(f"{self.prefix}/{serial}")


class EvidenceHandler(PartyPage):
    """Either party adds evidence while the case is open (the applicant after submitting too)."""

    async def post(self, serial: str) -> None:
        body = {"file_ids": [v for v in self.get_body_arguments("evidence") if v]}
        add = respondent.add_evidence if self.role == "respondent" else handling.add_evidence
        try:
            await add(self.ctx, self.person_id, serial, body, CHANNEL)
        except ServiceError as exc:
            await self.refused(serial, exc)
            return
        self.redirect(f"{self.prefix}/{serial}#evidence")


class SessionHandler(PartyPage):
    """The session's "进入视频调解" link (also the WeChat message's): the video meeting from its time on (a quarter
    of an hour early); before then, or for a session in a room, its time and place."""

    async def get(self, serial: str) -> None:
        page = await party_pages.case_page(self.ctx, self.person_id, serial, self.role)
        session = page["case"].get("session") or {}
        if session.get("join_open"):
            self.redirect(session["online_link"])
            return
        self.render_page("h5/session.html", prefix=self.prefix, case=page["case"], session=session)


def _party_routes(role: str) -> list[tuple[Any, ...]]:
    base, options = PREFIX[role], {"role": role}
    out: list[tuple[Any, ...]] = [
        (rf"{base}/{SERIAL}/agreement", AgreementHandler, options),
        (rf"{base}/{SERIAL}/signature", SignHandler, options),
        (rf"{base}/{SERIAL}/refuse_signing", RefuseSigningHandler, options),
        (rf"{base}/{SERIAL}/performance", PerformanceHandler, options),
        (rf"{base}/{SERIAL}/papers/{PAPER_KIND}", PaperHandler, options),
        (rf"{base}/{SERIAL}/documents/{DOCUMENT_ID}/summary", DocumentSummaryHandler, options),
        (rf"{base}/{SERIAL}/extension_consent", ExtensionConsentHandler, options),
        (rf"{base}/{SERIAL}/applications/{APPLICATION_KIND}", ApplicationHandler, options),
        (rf"{base}/{SERIAL}/evidence", EvidenceHandler, options),
        (rf"{base}/{SERIAL}/session", SessionHandler, options),
        (rf"{base}/{SERIAL}/service", ServiceConsentHandler, options),
    ]
    if role == "respondent":  # the applicant's case page and downloads are in handlers/h5/cases.py
        out += [
            (rf"{base}/{SERIAL}", CaseHandler, options),
            (rf"{base}/{SERIAL}/documents/{DOCUMENT_ID}", DocumentHandler, options),
            (rf"{base}/{SERIAL}/answer", AnswerHandler, options),
        ]
    return out


routes = [
    (rf"/h5/respondent/invitations/{SERIAL}/{INVITATION_TOKEN}", InvitationHandler),
    (rf"/h5/applicant/invitations/{SERIAL}/{INVITATION_TOKEN}", InvitationHandler, {"role": "applicant"}),
    (r"/h5/respondent/cases", RespondentCasesHandler),
    (rf"/h5/respondent/cases/{SERIAL}/signin", ReturnHandler),
    *_party_routes("applicant"),
    *_party_routes("respondent"),
]
