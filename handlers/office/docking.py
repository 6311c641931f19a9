"""The back office's docking: a delegated case's answer, clock and ends (POST /office/cases/{serial}/docking/{action},
then back to the case page), and the special-invite roster page."""

from __future__ import annotations

from handlers.access import reveals_personal_data
from handlers.office.base import OfficeHandler
from handlers.office.case import CasePage
from handlers.urls import DOCKING_ACTION, SERIAL
from services.core.errors import ServiceError
from services.court import clocks, delegations, ends, roster


class DockingActionHandler(CasePage):
    """An action is only ever posted (GET: 405, Allow: POST)."""

    @reveals_personal_data("case_view")  # a refused action shows the case page again
    async def post(self, serial: str, action: str) -> None:
        member, arg = self.staff_member, self.get_body_argument
        form = {k: arg(k, "") for k in self.request.body_arguments}
        try:
            if action == "accept":
                await delegations.accept(self.ctx, member, serial, arg("mediator", ""))
            elif action == "decline":
                await delegations.decline(self.ctx, member, serial, arg("reason_code", ""), arg("reason", ""))
            elif action == "extend":
                await clocks.propose_extension(self.ctx, member, serial, arg("days", ""))
            elif action == "pause":
                await clocks.pause(self.ctx, member, serial, arg("note", ""))
            elif action == "resume":
                await clocks.resume(self.ctx, member, serial)
            elif action == "report":
                await ends.report(self.ctx, member, serial, form)
            else:  # file
                await ends.file_for_record(self.ctx, member, serial)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(serial, problem.status, problem.messages())
            return
        self.redirect(f"/office/cases/{serial}#docking")


@reveals_personal_data("roster_view")  # the mediators proposed: names, training, performance
class RosterHandler(OfficeHandler):
    """The partners' special-invite rosters: what was proposed, sent and decided, refusals counted; propose more."""

    async def get(self) -> None:
        await self.show()

    async def show(self, status: int = 200, errors: list[str] | None = None) -> None:
        page = await roster.listing(self.ctx, self.staff_member)
        self.render_page("office/roster.html", status, errors=errors or [], **page)

    async def post(self) -> None:
        form = {k: self.get_body_argument(k, "") for k in self.request.body_arguments}
        try:
            await roster.propose(self.ctx, self.staff_member, form)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(problem.status, problem.messages())
            return
        if self.services.docking_watch is not None:
            self.services.docking_watch.wake()  # sent now, not at the next pass
        self.redirect("/office/roster")


routes = [
    (rf"/office/cases/{SERIAL}/docking/{DOCKING_ACTION}", DockingActionHandler),
    (r"/office/roster", RosterHandler),
]
