"""Back-office administration: a centre's staff accounts, the working-day calendar of future years, the seal."""

from __future__ import annotations

import re

import tornado.web

from handlers.office.base import OfficeHandler
from i18n import text
from services.accounts import staff
from services.cases import signing
from services.core.errors import ServiceError
from services.core.numbers import read_whole
from services.directory import centres

_DATES = re.compile(r"[\s,，、;；]+")


class StaffListHandler(OfficeHandler):
    async def get(self) -> None:
        await self.show()

    async def show(
        self,
        status: int = 200,
        errors: list[str] | None = None,
        done: str = "",
        typed: dict[str, str] | None = None,
        field_errors: dict[str, str] | None = None,
    ) -> None:
        """The staff list; after a refused creation the form shows again as typed (never the password), each
        error beside its field."""
        accounts = await staff.list_staff(self.ctx, self.staff_member)
        self.render_page(
            "office/staff.html",
            status,
            accounts=accounts,
            errors=errors or [],
            done=done,
            typed=typed or {},
            field_errors=field_errors or {},
            roles=staff.role_labels(),
            centres=await staff.staffable_centres(self.ctx, self.staff_member),
        )

    async def post(self) -> None:
        arg = self.get_body_argument
        action = arg("action", "")
        try:
            if action == "create":
                await staff.create_staff(
                    self.ctx,
                    self.staff_member,
                    arg("login", ""),
                    arg("name", ""),
                    arg("role", ""),
                    arg("centre_id", "") or self.staff_member.centre_id,
                    arg("password", ""),
                    arg("phone", "") or None,
                )
                done = text("office.done.staff_created")
            elif action in ("activate", "deactivate"):
                await staff.set_active(self.ctx, self.staff_member, arg("login", ""), action == "activate")
                done = text("office.done.staff_activated" if action == "activate" else "office.done.staff_deactivated")
            elif action == "unlock":
                await staff.unlock(self.ctx, self.staff_member, arg("login", ""))
                done = text("office.done.unlocked")
            elif action == "reset":
                await staff.reset_password(self.ctx, self.staff_member, arg("login", ""), arg("password", ""))
                done = text("office.done.password_reset")
            else:
                raise tornado.web.HTTPError(400)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            fields = problem.by_field() if action == "create" else {}
            kept = ("login", "name", "role", "centre_id", "phone") if action == "create" else ()
            typed = {k: arg(k, "") for k in kept}
            # Errors beside the creation form's fields; an action on a listed account says so at the top.
            others = [m for m in problem.messages() if m not in fields.values()]
            await self.show(problem.status, others, typed=typed, field_errors=fields)
            return
        await self.show(done=done)


def _dates(value: str) -> list[str]:
    return [d for d in _DATES.split(value) if d]


class CalendarHandler(OfficeHandler):
    """Public holidays and adjusted working days of a year chinese-calendar does not know yet."""

    async def get(self) -> None:
        year = read_whole(self.get_query_argument("year", "")) or 0
        year = year if 2000 <= year <= 2100 else self.ctx.clock().year + 1
        configured = await staff.calendar_year(self.ctx, self.staff_member, year)
        self.render_page("office/calendar.html", year=year, configured=configured, errors=[], done="")

    async def post(self) -> None:
        year_text = self.get_body_argument("year", "")
        try:
            saved = await staff.save_calendar_year(
                self.ctx,
                self.staff_member,
                year_text,  # read by work_calendar, which names the field when it is no year
                _dates(self.get_body_argument("holidays", "")),
                _dates(self.get_body_argument("working_days", "")),
            )
        except ServiceError as exc:
            problem = self.form_problem(exc)
            self.render_page(
                "office/calendar.html",
                problem.status,
                year=year_text,
                configured=None,
                errors=problem.messages(),
                done="",
            )
            return
        done = text("office.done.calendar_saved")
        self.render_page("office/calendar.html", year=saved.year, configured=saved, errors=[], done=done)


class SealHandler(OfficeHandler):
    """The centre's seal image, applied to signed agreements: uploaded by the centre's administrator. A body over
    the limit (handlers/base.py MAX_BODY_BYTES) is answered with this form and its own words, not an error page."""

    own_size_message = True

    async def get(self) -> None:
        await self.show()

    async def show(self, status: int = 200, errors: list[str] | None = None, done: str = "") -> None:
        centre = self.get_argument("centre", "") or self.staff_member.centre_id
        seal = await signing.seal_info(self.ctx, centre)
        self.render_page(
            "office/seal.html",
            status,
            centre=centre,
            seal=seal,
            errors=errors or [],
            done=done,
            centres=[c for c in (await centres.directory(self.ctx)).centres if c.active],
            seal_max_bytes=signing.MAX_SEAL_BYTES,
        )

    async def post(self) -> None:
        uploads = self.request.files.get("seal")
        data = uploads[0].body if uploads else b""
        centre = self.get_body_argument("centre", "") or self.staff_member.centre_id
        try:
            if self.body_refused:  # read and thrown away: the form says what the service says of a large seal
                raise signing.seal_too_large()
            await signing.upload_seal(self.ctx, self.services.blobs, self.staff_member, centre, data)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(problem.status, problem.messages())
            return
        await self.show(done=text("office.done.seal_uploaded"))


routes = [
    (r"/office/staff", StaffListHandler),
    (r"/office/calendar", CalendarHandler),
    (r"/office/seal", SealHandler),
]
