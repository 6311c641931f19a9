"""The back office's case page and its actions: clarify, assign, the staff's decisions, documents, reveals."""

from __future__ import annotations

from typing import Any

import tornado.web

from handlers.downloads import requested_format, send_document, send_download
from handlers.office.base import OfficeHandler
from handlers.urls import DOCUMENT_ID, FILE_ID, OFFICE_ACTION, SERIAL
from services.cases import clarification, documents, handling, queue, service, signing, transfer
from services.core.errors import ServiceError
from services.court import assignment
from services.court import pages as court_pages
from services.intake import evidence

ROWS = 3  # blank rows a list form offers (request items, agreement terms)
ITEM_FIELDS = ("cause_code", "text", "amount")
TERM_FIELDS = ("text", "amount", "due_date", "method", "category")


class CasePage(OfficeHandler):
    """What the case page and the actions posted from it share: the page, shown again after a refusal."""

    async def show(
        self,
        serial: str,
        status: int = 200,
        errors: list[str] | None = None,
        revealed: dict[str, str] | None = None,
        action: str = "",
        typed: dict[str, Any] | None = None,
        field_errors: dict[str, str] | None = None,
    ) -> None:
        """The case page; after a refused action, `action`'s form shows again with what was `typed` and each
        error beside its field (`field_errors`, by the service's field path: "terms[0].due_date")."""
        case = await queue.staff_case(self.ctx, self.staff_member, serial)
        docking = await court_pages.staff_panel(self.ctx, self.staff_member, serial)
        typed = typed or {}
        self.render_page(
            "office/case.html",
            status,
            case=case,
            errors=errors or [],
            revealed=revealed or {},
            action=action,
            typed=typed,
            field_errors=field_errors or {},
            item_rows=_padded(typed.get("items") if action == "clarify" else _last_version(case), ITEM_FIELDS),
            term_rows=_padded(typed.get("terms") if action == "draft_agreement" else None, TERM_FIELDS),
            documents=await documents.documents_for_staff(self.ctx, self.staff_member, serial),
            kinds=documents.kinds(),
            taxonomy=self.services.taxonomies.for_centre(case["centre_id"]),
            mediators=docking["mediators"] if docking else await queue.mediators_of(self.ctx, case["centre_id"]),
            categories=signing.CATEGORIES,
            seal=await signing.seal_info(self.ctx, case["centre_id"]),
            transfer_targets=await transfer.targets(self.ctx, self.staff_member, but=case["centre_id"]),
            court_choices=case["court_choices"],
            docking=docking,
        )


class CaseHandler(CasePage):
    async def get(self, serial: str) -> None:
        await self.show(serial)


class CaseActionHandler(CasePage):
    """POST /office/cases/{serial}/{action}: one action, then back to the case page (or its errors); an action is
    only ever posted (GET: 405, Allow: POST)."""

    async def post(self, serial: str, action: str) -> None:
        member, arg, args = self.staff_member, self.get_body_argument, self.get_body_arguments
        form = {k: arg(k, "") for k in self.request.body_arguments}
        columns = zip(
            args("term_text"),
            args("term_amount"),
            args("term_due"),
            args("term_method"),
            args("term_category"),
            strict=False,
        )
        terms = [{"text": t, "amount": a, "due_date": d, "method": m, "category": c} for t, a, d, m, c in columns]
        rows = [
            {"cause_code": c, "text": t, "amount": a}
            for c, t, a in zip(args("cause_code"), args("text"), args("amount"), strict=False)
        ]
        try:
            if action in handling.STAFF_DECISIONS:
                papers = documents.Papers(self.services.renderers, self.services.blobs)
                await handling.decide(self.ctx, member, serial, action, form, terms, papers)
            elif action == "sign":  # the mediator signs the draft, as the parties do, on the page
                signer = signing.Signer("mediator", member.login, f"office:{member.login}", member)
                body = {"version": arg("version", ""), "image": arg("image", "")}
                papers = documents.Papers(self.services.renderers, self.services.blobs)
                await documents.sign_agreement(self.ctx, papers, signer, serial, body, handling.CHANNEL)
            elif action == "extend":
                await handling.extend(self.ctx, member, serial, {k: arg(k, "") for k in ("until", "consent")})
            elif action == "clarify":
                await clarification.push_clarified(self.ctx, self.services.taxonomies, member, serial, rows)
            elif action == "transfer":
                await transfer.transfer(self.ctx, member, serial, arg("centre", ""), arg("reason", ""))
            elif action == "assign":
                await assignment.assign(self.ctx, member, serial, arg("mediator", ""))
            elif action == "document":
                serve = arg("serve", "") == "1"  # and serve it on the parties (services/cases/service.py)
                await documents.generate(
                    self.ctx,
                    self.services.renderers,
                    self.services.blobs,
                    member,
                    serial,
                    arg("kind", ""),
                    serve,
                    court=arg("court", ""),
                )
            elif action == "serve":  # a notice or document served otherwise: post, phone, in person
                await service.serve_on_paper(self.ctx, member, serial, form)
            elif action == "authority":  # the mediator saw an agent's 授权委托书 (services/cases/signing.py)
                await signing.record_authority(self.ctx, member, serial, form)
            elif action == "evidence_note":  # where a piece of evidence came from, what it proves
                await evidence.note_for_staff(self.ctx, member, serial, arg("file_id", ""), form)
            elif action == "reveal":
                party, _, field = arg("field", "").partition(".")
                value = await queue.reveal(self.ctx, member, serial, party, field)
                await self.show(serial, revealed={arg("field", ""): value})
                return
            else:
                raise tornado.web.HTTPError(404)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            fields = problem.by_field()
            # Errors beside their fields; the others (and a summary of all) at the top.
            typed = form | {"items": _filled(rows, ITEM_FIELDS), "terms": _filled(terms, TERM_FIELDS[:4])}
            await self.show(serial, problem.status, problem.messages(), action=action, typed=typed, field_errors=fields)
            return
        self.redirect(f"/office/cases/{serial}")


def _filled(rows: list[dict[str, str]], fields: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows with anything typed, in order: the rows the service numbered its errors by."""
    return [r for r in rows if any((r.get(k) or "").strip() for k in fields)]


def _last_version(case: dict[str, Any]) -> list[dict[str, str]]:
    """The request items of the version last pushed: a new version (after "要求修改") starts from them."""
    items = (case.get("clarified") or {}).get("items") or []
    return [
        {"cause_code": i.get("cause_code", ""), "text": i.get("text", ""), "amount": _typed_amount(i.get("amount"))}
        for i in items
    ]


def _typed_amount(stored: str | None) -> str:
    return "" if not stored or stored == "0.00" else stored  # no amount was typed for "0.00"


def _padded(rows: list[dict[str, str]] | None, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows to show: what was typed, then blank ones up to ROWS (and one more blank row, at least)."""
    typed = list(rows or [])
    blank = {k: "" for k in fields}
    return typed + [dict(blank) for _ in range(max(ROWS - len(typed), 1 if typed else 0))]


class DocumentDownloadHandler(OfficeHandler):
    async def get(self, document_id: str) -> None:
        fmt = requested_format(self)
        file = await documents.document_for_staff(self.ctx, self.services.blobs, self.staff_member, document_id)
        await send_document(self, self.services.pdf, file, fmt)


class StaffFileHandler(OfficeHandler):
    """Evidence, for staff of the centre of a case that lists it."""

    async def get(self, file_id: str) -> None:
        reader = evidence.Reader.staff(self.staff_member)
        await send_download(self, await evidence.open_file(self.ctx, self.services.blobs, reader, file_id))


routes = [
    (rf"/office/cases/{SERIAL}", CaseHandler),
    (rf"/office/cases/{SERIAL}/{OFFICE_ACTION}", CaseActionHandler),
    (rf"/office/documents/{DOCUMENT_ID}", DocumentDownloadHandler),
    (rf"/office/files/{FILE_ID}", StaffFileHandler),
]
