"""The back office's files (person, company, case archive), the collective-dispute alerts and the audit log."""

from __future__ import annotations

import os

from handlers.downloads import content_disposition
from handlers.office.base import OfficeHandler
from handlers.urls import SERIAL
from services.accounts import audit
from services.cases import collective
from services.core.errors import ServiceError
from services.stats import export, files

CHUNK = 64 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def stream_file(handler: OfficeHandler, path: str, name: str, content_type: str) -> None:
    """A private temporary file to the browser a chunk at a time, then removed."""
    try:
        await handler.durable()  # the audit of the export is on the disk before any byte goes out
        handler.set_header("Content-Type", content_type)
        handler.set_header("Content-Length", str(os.path.getsize(path)))
        handler.set_header("Content-Disposition", content_disposition(name))
        handler.set_header("X-Content-Type-Options", "nosniff")
        with open(path, "rb") as handle:  # noqa: ASYNC230 -- a local temp file, a chunk at a time
            while chunk := handle.read(CHUNK):
                handler.write(chunk)
                await handler.flush()
        handler.finish()
    finally:
        os.unlink(path)


class FilesHandler(OfficeHandler):
    """`/office/files?person=…|id_number=…` (P), `?q=…` (C: a credit code, a name or part of one; `uscc=` and
    `name=` as links once had them) or `?key=…` (C: an employer chosen from a list); the search forms without any."""

    async def get(self) -> None:
        arg = self.get_query_argument
        person, number, key = arg("person", ""), arg("id_number", ""), arg("key", "")
        company = arg("q", "") or arg("uscc", "") or arg("name", "")
        found, kind, errors, status = None, "", [], 200
        try:
            if person or number:
                found, kind = await files.person_file(self.ctx, self.staff_member, person, number), "P"
            elif company or key:
                found, kind = await files.company_file(self.ctx, self.staff_member, company, key), "C"
        except ServiceError as exc:
            problem = self.form_problem(exc)
            errors, status = problem.messages(), problem.status
        self.render_page(
            "office/files.html",
            status,
            found=found,
            kind=kind,
            errors=errors,
            query={"person": person, "id_number": number, "q": company},
        )


class ArchiveHandler(OfficeHandler):
    """The A file: one case as a .zip (documents, evidence, timeline, operations, an index PDF)."""

    async def get(self, serial: str) -> None:
        path, name = await files.case_archive(
            self.ctx, self.staff_member, self.services.blobs, self.services.pdf, serial
        )
        await stream_file(self, path, name, "application/zip")


class AlertsHandler(OfficeHandler):
    async def get(self) -> None:
        await self.show()

    async def show(self, status: int = 200, errors: list[str] | None = None) -> None:
        alerts = await collective.alerts_for(self.ctx, self.staff_member, self.get_query_argument("state", ""))
        self.render_page("office/alerts.html", status, alerts=alerts, errors=errors or [])

    async def post(self) -> None:
        try:
            await collective.start_special_procedure(
                self.ctx,
                self.staff_member,
                self.get_body_argument("alert", ""),
                self.get_body_argument("representatives", ""),
            )
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(problem.status, problem.messages())
            return
        self.redirect("/office/alerts")


class AuditHandler(OfficeHandler):
    def filters(self) -> audit.AuditFilter:
        return audit.parse_filter({k: self.get_query_argument(k) for k in self.request.query_arguments})

    async def get(self) -> None:
        choices = audit.action_choices(self.language)
        try:
            records = await audit.search(self.ctx, self.staff_member, self.filters(), self.language)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            self.render_page(
                "office/audit.html",
                problem.status,
                records=[],
                errors=problem.messages(),
                query=self.request.query,
                actions=choices,
                chosen={},
            )
            return
        chosen = {k: self.get_query_argument(k, "") for k in ("who", "action", "serial", "from", "to")}
        self.render_page(
            "office/audit.html", records=records, errors=[], query=self.request.query, actions=choices, chosen=chosen
        )


class AuditExportHandler(AuditHandler):
    async def get(self) -> None:
        path = await export.audit_workbook(self.ctx, self.staff_member, self.filters())
        await stream_file(self, path, "audit.xlsx", XLSX)


routes = [
    (r"/office/files", FilesHandler),
    (rf"/office/files/cases/{SERIAL}\.zip", ArchiveHandler),
    (r"/office/alerts", AlertsHandler),
    (r"/office/audit", AuditHandler),
    (r"/office/audit\.xlsx", AuditExportHandler),
]
