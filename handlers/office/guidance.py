"""Back-office guidance: the library (search, and its texts kept by system administrators), the local figures of the
calculator, a centre's triage tree, its document templates, and training material with who read what."""

from __future__ import annotations

from urllib.parse import quote

from docgen import DOCX_MEDIA_TYPE
from handlers.access import no_personal_data, reveals_personal_data
from handlers.office.base import OfficeHandler
from handlers.urls import FIGURE_ID, LIBRARY_ENTRY, MATERIAL_ID, TEMPLATE_KIND
from services.accounts import rosters
from services.cases import centre_templates
from services.core.errors import ServiceError, ValidationFailed
from services.directory import centres, local_figures
from services.intake import triage
from services.library import entries, search, training

ENTRY_FIELDS = (
    "id",
    "kind",
    "title",
    "title_en",
    "issuer",
    "number",
    "date",
    "effective_date",
    "status",
    "causes",
    "text",
    "summary_en",
    "source_name",
    "source_url",
)


@no_personal_data
class LibraryHandler(OfficeHandler):
    """`/office/library?q=`: every staff member searches the laws and typical cases in everyday words."""

    async def get(self) -> None:
        await self.show()

    async def show(
        self,
        status: int = 200,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> None:
        q, kind = self.get_query_argument("q", ""), self.get_query_argument("kind", "")
        cause = self.get_query_argument("cause", "")
        found, listed, error = None, [], ""
        try:
            if q.strip():
                found = await search.search(self.ctx, q, kind, cause)
            else:
                listed = await entries.list_entries(self.ctx, kind if kind in entries.KINDS else "", cause)
        except ValidationFailed as exc:
            error = self.form_problem(exc).message
        self.render_page(
            "office/library.html",
            status,
            q=q,
            kind=kind,
            cause=cause,
            found=found,
            listed=listed,
            error=error,
            kinds=entries.KINDS,
            statuses=entries.STATUSES,
            may_edit=entries.may_edit(self.staff_member),
            errors=errors or {},
            values=values or {},
            entry=None,
        )

    async def post(self) -> None:
        values = {name: self.get_body_argument(name, "") for name in ENTRY_FIELDS}
        try:
            entry = await entries.save_entry(self.ctx, self.staff_member, values)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(problem.status, problem.by_field(), values)
            return
        self.redirect(f"/office/library/{entry.id}")


@no_personal_data
class LibraryEntryHandler(OfficeHandler):
    async def get(self, library_entry: str) -> None:
        entry = await entries.get_entry(self.ctx, library_entry)
        await self.show(entry)

    async def show(
        self,
        entry: entries.Entry,
        status: int = 200,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> None:
        shown = values or {
            "id": entry.id,
            "kind": entry.kind,
            "title": entry.title,
            "title_en": entry.title_en,
            "issuer": entry.issuer,
            "number": entry.number,
            "date": entry.date,
            "effective_date": entry.effective_date,
            "status": entry.status,
            "causes": " ".join(entry.causes),
            "text": entry.text,
            "summary_en": entry.summary_en,
            "source_name": entry.source.get("name", ""),
            "source_url": entry.source.get("url", ""),
        }
        self.render_page(
            "office/library_entry.html",
            status,
            entry=entry,
            passages=entry.passages(),
            may_edit=entries.may_edit(self.staff_member),
            kinds=entries.KINDS,
            statuses=entries.STATUSES,
            errors=errors or {},
            values=shown,
        )

    async def post(self, library_entry: str) -> None:
        if self.get_body_argument("action", "") == "delete":
            await entries.delete_entry(self.ctx, self.staff_member, library_entry)
            self.redirect("/office/library")
            return
        values = {name: self.get_body_argument(name, "") for name in ENTRY_FIELDS}
        try:
            await entries.save_entry(self.ctx, self.staff_member, values, library_entry)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            entry = await entries.get_entry(self.ctx, library_entry)
            await self.show(entry, problem.status, problem.by_field(), values)
            return
        self.redirect(f"/office/library/{library_entry}")


@no_personal_data
class FiguresHandler(OfficeHandler):
    """`/office/figures`: the average and minimum wages per city, with the day they apply from and their source."""

    async def get(self) -> None:
        await self.show()

    async def show(
        self,
        status: int = 200,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        done: bool = False,
    ) -> None:
        figures = await local_figures.all_figures(self.ctx)
        self.render_page(
            "office/figures.html",
            status,
            figures=figures,
            kinds=local_figures.KINDS,
            may_edit=rosters.may_keep_figures(self.staff_member),
            errors=errors or {},
            values=values or {},
            done=done,
        )

    async def post(self) -> None:
        arg = self.get_body_argument
        values = {name: arg(name, "") for name in ("region_code", "kind", "amount", "applies_from", "source")}
        try:
            if arg("action", "") == "remove":
                await rosters.remove_local_figure(self.ctx, self.staff_member, arg("figure_id", ""))
            else:
                await rosters.save_local_figure(self.ctx, self.staff_member, values)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(problem.status, problem.by_field(), values)
            return
        await self.show(done=True)


@no_personal_data
class FigureHandler(OfficeHandler):
    """`POST /office/figures/{id}`: remove one figure."""

    async def post(self, figure_id: str) -> None:
        await rosters.remove_local_figure(self.ctx, self.staff_member, figure_id)
        self.redirect("/office/figures")


@no_personal_data
class TriageHandler(OfficeHandler):
    """`/office/triage?centre=`: a centre's question tree as YAML; a loop or a dead end is refused when saved."""

    async def get(self) -> None:
        centre = self.get_query_argument("centre", "") or self.staff_member.centre_id
        await self.show(centre, await triage.tree_source(self.ctx, centre))

    async def show(
        self, centre: str, source: str, status: int = 200, errors: list[str] | None = None, done: bool = False
    ) -> None:
        self.render_page("office/triage.html", status, centre=centre, source=source, errors=errors or [], done=done)

    async def post(self) -> None:
        centre = self.get_body_argument("centre", "") or self.staff_member.centre_id
        source = self.get_body_argument("source", "")
        try:
            if self.get_body_argument("action", "") == "reset":
                await triage.reset_centre_tree(self.ctx, self.staff_member, centre)
                source = await triage.tree_source(self.ctx, centre)
            else:
                await triage.save_centre_tree(self.ctx, self.staff_member, centre, source)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(centre, source, problem.status, problem.messages())
            return
        await self.show(centre, source, done=True)


routes = [
    (r"/office/library", LibraryHandler),
    (rf"/office/library/{LIBRARY_ENTRY}", LibraryEntryHandler),
    (r"/office/figures", FiguresHandler),
    (rf"/office/figures/{FIGURE_ID}", FigureHandler),
    (r"/office/triage", TriageHandler),
]


def _uploaded(handler: OfficeHandler, name: str) -> tuple[str, bytes | None]:
    files = handler.request.files.get(name) or []
    return (files[0]["filename"], files[0]["body"]) if files and files[0]["body"] else ("", None)


@no_personal_data
class TemplatesPage(OfficeHandler):
    """The centre's templates page, shown by the list and again after a replacement."""

    async def show(self, centre: str, status: int = 200, errors: list[str] | None = None, done: bool = False) -> None:
        listing = await centre_templates.listing(self.ctx, self.staff_member, centre)
        known = await centres.directory(self.ctx)
        may_replace = rosters.administers_centre(known, self.staff_member, centre)
        self.render_page(
            "office/templates.html",
            status,
            centre=centre,
            listing=listing,
            errors=errors or [],
            may_replace=may_replace,
            done=done,
        )


@no_personal_data
class TemplatesHandler(TemplatesPage):
    """`/office/templates?centre=`: the centre's document templates in use, to download and (administrators) replace."""

    async def get(self) -> None:
        await self.show(self.get_query_argument("centre", "") or self.staff_member.centre_id)


@no_personal_data
class TemplateHandler(TemplatesPage):
    """`GET /office/templates/{kind}?centre=` downloads the template in use; `POST` replaces it (or restores the
    default)."""

    async def get(self, template_kind: str) -> None:
        centre = self.get_query_argument("centre", "") or self.staff_member.centre_id
        data = await centre_templates.download(self.ctx, self.services.blobs, self.staff_member, centre, template_kind)
        self.set_header("Content-Type", DOCX_MEDIA_TYPE)
        self.set_header("Content-Disposition", f'attachment; filename="{template_kind}.docx"')
        self.finish(data)

    async def post(self, template_kind: str) -> None:
        centre = self.get_body_argument("centre", "") or self.staff_member.centre_id
        try:
            if self.get_body_argument("action", "") == "restore":
                await centre_templates.restore_default(self.ctx, self.staff_member, centre, template_kind)
            else:
                _, data = _uploaded(self, "file")
                await centre_templates.replace(
                    self.ctx, self.services.blobs, self.staff_member, centre, template_kind, data or b""
                )
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(centre, problem.status, problem.messages())
            return
        await self.show(centre, done=True)


@reveals_personal_data("training_view")  # who read what
class TrainingHandler(OfficeHandler):
    """`/office/training`: material to read (documents and links) and, for administrators, who read what."""

    async def get(self) -> None:
        await self.show()

    async def show(
        self,
        status: int = 200,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> None:
        listed = await training.materials(self.ctx, self.staff_member)
        self.render_page(
            "office/training.html",
            status,
            materials=listed,
            errors=errors or {},
            values=values or {},
            may_publish=training.may_publish(self.staff_member),
        )

    async def post(self) -> None:
        arg = self.get_body_argument
        values = {name: arg(name, "") for name in ("title", "description", "url")}
        filename, data = _uploaded(self, "file")
        try:
            await training.publish(
                self.ctx,
                self.services.blobs,
                self.staff_member,
                values["title"],
                values["description"],
                values["url"],
                filename,
                data,
            )
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(problem.status, problem.by_field(), values)
            return
        self.redirect("/office/training")


@no_personal_data
class MaterialHandler(OfficeHandler):
    """`GET /office/training/{id}`: open a material (recorded as read); `POST` withdraws it."""

    async def get(self, material_id: str) -> None:
        link, data, filename, content_type = await training.open_material(
            self.ctx, self.services.blobs, self.staff_member, material_id
        )
        if link:
            self.redirect(link)
            return
        self.set_header("Content-Type", content_type)
        self.set_header("Content-Disposition", "attachment; filename*=UTF-8''" + quote(filename))
        self.finish(data)

    async def post(self, material_id: str) -> None:
        await training.withdraw(self.ctx, self.staff_member, material_id)
        self.redirect("/office/training")


routes += [
    (r"/office/templates", TemplatesHandler),
    (rf"/office/templates/{TEMPLATE_KIND}", TemplateHandler),
    (r"/office/training", TrainingHandler),
    (rf"/office/training/{MATERIAL_ID}", MaterialHandler),
]
