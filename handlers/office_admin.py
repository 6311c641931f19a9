"""Back-office administration: a centre's staff accounts and the working-day calendar of future years."""

from __future__ import annotations

import re

import tornado.web

from handlers.office import OfficeHandler
from services.accounts import staff
from services.core import work_calendar
from services.core.errors import ServiceError

_DATES = re.compile(r"[\s,，、;；]+")


class StaffListHandler(OfficeHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.show()

    async def show(self, status: int = 200, errors: list[str] | None = None, done: str = "") -> None:
        accounts = await staff.list_staff(self.ctx, self.staff_member)
        self.render_office(
            "office/staff.html", status, accounts=accounts, errors=errors or [], done=done,
            roles=staff.ROLE_LABELS, centres=self.ctx.settings.centres,
        )  # fmt: skip

    @tornado.web.authenticated
    async def post(self) -> None:
        arg = self.get_body_argument
        action = arg("action", "")
        try:
            if action == "create":
                await staff.create_staff(
                    self.ctx, self.staff_member, arg("login", ""), arg("name", ""), arg("role", ""),
                    arg("centre_id", "") or self.staff_member.centre_id, arg("password", ""), arg("phone", "") or None,
                )  # fmt: skip
                done = "账号已创建"
            elif action in ("activate", "deactivate"):
                await staff.set_active(self.ctx, self.staff_member, arg("login", ""), action == "activate")
                done = "已启用" if action == "activate" else "已停用"
            elif action == "reset":
                await staff.reset_password(self.ctx, self.staff_member, arg("login", ""), arg("password", ""))
                done = "密码已重置"
            else:
                raise tornado.web.HTTPError(400)
        except ServiceError as exc:
            if exc.status >= 500 or exc.status == 403:
                raise
            await self.show(exc.status, [e.message for e in exc.errors] or [exc.message])
            return
        await self.show(done=done)


class CalendarHandler(OfficeHandler):
    """Public holidays and adjusted working days of a year chinese-calendar does not know yet."""

    def _admin(self) -> None:
        if self.staff_member.role not in (staff.CENTRE_ADMIN, staff.SYSTEM_ADMIN):
            raise ServiceError(403, "forbidden", "只有管理员可以配置节假日")

    @tornado.web.authenticated
    async def get(self) -> None:
        self._admin()
        text = self.get_query_argument("year", "")
        year = int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else self.ctx.clock().year + 1
        configured = await work_calendar.get_year_calendar(self.ctx, year)
        self.render_office("office/calendar.html", year=year, configured=configured, errors=[], done="")

    @tornado.web.authenticated
    async def post(self) -> None:
        self._admin()
        year_text = self.get_body_argument("year", "")
        holidays = [d for d in _DATES.split(self.get_body_argument("holidays", "")) if d]
        working = [d for d in _DATES.split(self.get_body_argument("working_days", "")) if d]
        try:
            saved = await work_calendar.set_year_calendar(
                self.ctx, int(year_text) if year_text.isdigit() else year_text, holidays, working,
                self.staff_member.login,
            )  # fmt: skip
        except ServiceError as exc:
            if exc.status >= 500:
                raise
            self.render_office("office/calendar.html", exc.status, year=year_text, configured=None,
                               errors=[e.message for e in exc.errors] or [exc.message], done="")  # fmt: skip
            return
        self.render_office("office/calendar.html", year=saved.year, configured=saved, errors=[], done="已保存")


routes = [
    (r"/office/staff", StaffListHandler),
    (r"/office/calendar", CalendarHandler),
]
