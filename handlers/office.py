"""The mediators' back office (desktop pages): sign-in, the queue, the case page and its actions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import tornado.web

from docgen.context import TITLES
from handlers.documents import requested_format, send_document
from handlers.files import send_download
from handlers.pages import COOKIE_FLAGS, PageHandler
from services.accounts import staff, web_sessions
from services.accounts.staff import StaffMember
from services.cases import documents
from services.cases import handling as backoffice
from services.core.errors import FieldError, ServiceError, ValidationFailed
from services.intake import evidence

STAFF_COOKIE = "office_session"
STAFF_IDLE_DAYS = 30 / (24 * 60)  # signed out after thirty idle minutes
SIMPLE_MOVES = ("accept", "decline", "schedule", "open_session", "settle", "fail")


class OfficeHandler(PageHandler):
    """A back-office page: the staff member is re-read on every request, so an ended session or a
    deactivation bites at once."""

    async def read_session(self) -> StaffMember | None:
        value = self.get_signed_cookie(STAFF_COOKIE, max_age_days=STAFF_IDLE_DAYS)
        if not value:
            return None
        session = value.decode()
        member = await staff.session_member(self.ctx, session)
        if member is None:
            self.clear_cookie(STAFF_COOKIE, secure=True, samesite="Lax")
            return None
        self.set_signed_cookie(STAFF_COOKIE, session, expires_days=None, **COOKIE_FLAGS)  # slide the idle limit
        return member

    def get_login_url(self) -> str:
        return "/office/login"

    @property
    def staff_member(self) -> StaffMember:
        assert self.current_user is not None, "use @tornado.web.authenticated"
        return self.current_user

    def render_office(self, template: str, status: int = 200, **values: Any) -> None:
        self.render_page(template, status, member=self.current_user, **values)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ServiceError) and exc.status < 500:
            self.clear_header("Content-Type")
            self.render_office("office/error.html", exc.status, message=exc.message,
                               errors=[e.message for e in exc.errors])  # fmt: skip
            return
        super().write_error(status_code, **kwargs)


class LoginHandler(OfficeHandler):
    def get(self) -> None:
        self.render_office("office/login.html", error="", login="")

    async def post(self) -> None:
        self.limit_client(self.services.sign_in_limiter)
        login = self.get_body_argument("login", "")
        try:
            member = await staff.authenticate(self.ctx, login, self.get_body_argument("password", ""))
        except ServiceError as exc:
            if exc.status >= 500:
                raise
            self.render_office("office/login.html", exc.status, error=exc.message, login=login[:32])
            return
        session = web_sessions.session_value(self.ctx, member.login, member.session_stamp)
        self.set_signed_cookie(STAFF_COOKIE, session, expires_days=None, **COOKIE_FLAGS)
        self.redirect("/office/")


class LogoutHandler(OfficeHandler):
    async def post(self) -> None:
        # Read up to the absolute limit: a copy gone idle here may still be alive in another hand.
        value = self.get_signed_cookie(STAFF_COOKIE, max_age_days=web_sessions.STAFF.lifetime / timedelta(days=1))
        if value:  # ended for good: the same cookie, replayed, is signed out
            await web_sessions.end(self.ctx, web_sessions.STAFF, value.decode())
        self.clear_cookie(STAFF_COOKIE, secure=True, samesite="Lax")
        self.redirect("/office/login")


def _date(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed([FieldError(field, "invalid", "日期格式应为 2026-11-22")]) from None


class QueueHandler(OfficeHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        arg = self.get_query_argument
        text = arg("page", "1")
        page = min(int(text), backoffice.MAX_QUEUE_PAGE) if text.isdigit() and text != "0" else 1
        filters = backoffice.QueueFilter(
            status=arg("status", ""), cause=arg("cause", ""), mediator=arg("mediator", ""),
            date_from=_date(arg("from", ""), "from"), date_to=_date(arg("to", ""), "to"),
            overdue=arg("overdue", "") == "1", page=page,
        )  # fmt: skip
        result = await backoffice.queue(self.ctx, self.staff_member, filters)
        self.render_office(
            "office/queue.html", result=result, filters=filters, statuses=backoffice.workflow.STATUS_LABELS,
            causes=self.services.taxonomies.for_centre(self.staff_member.centre_id).first_level,
            mediators=await backoffice.mediators_of(self.ctx, self.staff_member.centre_id),
            query={k: v[-1].decode() for k, v in self.request.query_arguments.items() if k != "page"},
        )  # fmt: skip


class CaseHandler(OfficeHandler):
    @tornado.web.authenticated
    async def get(self, serial: str) -> None:
        await self.show(serial)

    async def show(self, serial: str, status: int = 200, errors: list[str] | None = None,
                   revealed: dict[str, str] | None = None) -> None:  # fmt: skip
        case = await backoffice.staff_case(self.ctx, self.staff_member, serial)
        self.render_office(
            "office/case.html", status, case=case, errors=errors or [], revealed=revealed or {},
            documents=await documents.documents_for_staff(self.ctx, self.staff_member, serial), kinds=TITLES,
            taxonomy=self.services.taxonomies.for_centre(case["centre_id"]),
            mediators=await backoffice.mediators_of(self.ctx, case["centre_id"]),
        )  # fmt: skip


class CaseActionHandler(CaseHandler):
    """POST /office/cases/{serial}/{action}: one action, then back to the case page (or its errors)."""

    @tornado.web.authenticated
    async def post(self, serial: str, action: str) -> None:
        member = self.staff_member
        form = {k: self.get_body_argument(k, "") for k in self.request.body_arguments}
        revealed = None
        try:
            if action in SIMPLE_MOVES:
                terms = [
                    {"text": t, "amount": a, "due_date": d, "method": m}
                    for t, a, d, m in zip(
                        self.get_body_arguments("term_text"), self.get_body_arguments("term_amount"),
                        self.get_body_arguments("term_due"), self.get_body_arguments("term_method"), strict=False,
                    )
                ]  # fmt: skip
                await backoffice.simple_move(self.ctx, member, serial, action, form, terms)
            elif action == "clarify":
                case = await backoffice.staff_case(self.ctx, member, serial)
                taxonomy = self.services.taxonomies.for_centre(case["centre_id"])
                rows = [
                    {"cause_code": c, "text": t, "amount": a}
                    for c, t, a in zip(
                        self.get_body_arguments("cause_code"), self.get_body_arguments("text"),
                        self.get_body_arguments("amount"), strict=False,
                    )
                ]  # fmt: skip
                await backoffice.push_clarified(self.ctx, member, taxonomy, serial, rows)
            elif action == "assign":
                await backoffice.assign(self.ctx, member, serial, form.get("mediator", ""))
            elif action == "document":
                await documents.generate(
                    self.ctx, self.services.renderers, self.services.blobs, member, serial, form.get("kind", "")
                )
            elif action == "reveal":
                party, _, field = form.get("field", "").partition(".")
                value = await backoffice.reveal(self.ctx, member, serial, party, field)
                revealed = {form["field"]: value}
            else:
                raise tornado.web.HTTPError(404)
        except ServiceError as exc:
            if exc.status >= 500 or exc.status == 404:
                raise
            await self.show(serial, exc.status, [e.message for e in exc.errors] or [exc.message])
            return
        if revealed:
            await self.show(serial, revealed=revealed)
            return
        self.services.notification_sender.wake()  # the move wrote its notification: deliver it now
        self.redirect(f"/office/cases/{serial}")


class DocumentDownloadHandler(OfficeHandler):
    @tornado.web.authenticated
    async def get(self, document_id: str) -> None:
        fmt = requested_format(self)
        file = await documents.document_for_staff(self.ctx, self.services.blobs, self.staff_member, document_id)
        await send_document(self, self.services.pdf, file, fmt)


class StaffFileHandler(OfficeHandler):
    """Evidence, for staff of the centre of a case that lists it."""

    @tornado.web.authenticated
    async def get(self, file_id: str) -> None:
        reader = evidence.Reader.staff(self.staff_member)
        await send_download(self, await evidence.open_file(self.ctx, self.services.blobs, reader, file_id))


SERIAL = r"(\d{1,20})"
routes = [
    (r"/office/?", QueueHandler),
    (r"/office/login", LoginHandler),
    (r"/office/logout", LogoutHandler),
    (r"/office/cases/" + SERIAL, CaseHandler),
    (r"/office/cases/" + SERIAL + r"/([a-z_]+)", CaseActionHandler),
    (r"/office/documents/([0-9a-f]{32})", DocumentDownloadHandler),
    (r"/office/files/([0-9a-f]{32})", StaffFileHandler),
]
