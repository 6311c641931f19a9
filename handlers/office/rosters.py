"""Back-office rosters: the centres an administrator keeps (the level above manages) and the mediators' records."""

from __future__ import annotations

import tornado.web

from handlers.access import no_personal_data, reveals_personal_data
from handlers.office.base import OfficeHandler
from handlers.urls import CENTRE_ID
from i18n import text
from services.accounts import rosters
from services.core.errors import ServiceError
from services.directory import centres

CENTRE_FIELDS = (
    "id",
    "name",
    "level",
    "parent_id",
    "region_codes",
    "address",
    "phone",
    "courts",
    "match",
    "taxonomy",
    "enterprise_uscc",
    "industry",
)
PROFILE_FIELDS = ("qualifications", "expertise", "training", "alerts_opt_in")


@no_personal_data  # centres: organisations
class CentresHandler(OfficeHandler):
    async def get(self) -> None:
        await self.show()

    async def show(
        self, status: int = 200, errors: list[str] | None = None, done: str = "", form: dict[str, str] | None = None
    ) -> None:
        self.render_page(
            "office/centres.html",
            status,
            rows=await rosters.centre_list(self.ctx, self.staff_member),
            parents=await rosters.parents_for(self.ctx, self.staff_member),
            levels=centres.LEVELS,
            taxonomies=centres.taxonomy_keys(self.ctx),
            errors=errors or [],
            done=done,
            form=form or {},
        )

    async def post(self) -> None:
        form = {name: self.get_body_argument(name, "") for name in CENTRE_FIELDS}
        action = self.get_body_argument("action", "create")
        try:
            if action == "create":
                await rosters.create_centre(self.ctx, self.staff_member, form)
                done, form = text("office.done.centre_created"), {}
            elif action in ("activate", "deactivate"):
                await rosters.set_centre_active(self.ctx, self.staff_member, form["id"], action == "activate")
                done, form = text(f"office.done.centre_{action}d"), {}
            else:
                raise tornado.web.HTTPError(400)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(problem.status, problem.messages(), form=form)
            return
        await self.show(done=done)


@no_personal_data
class CentreHandler(OfficeHandler):
    """One centre's record, edited by the level above."""

    async def get(self, centre_id: str) -> None:
        centre = await rosters.centre_for_edit(self.ctx, self.staff_member, centre_id)
        await self.show(centre)

    async def show(self, centre: centres.Centre, status: int = 200, errors: list[str] | None = None) -> None:
        self.render_page(
            "office/centre.html",
            status,
            centre=centre,
            errors=errors or [],
            levels=centres.LEVELS,
            parents=await rosters.parents_for(self.ctx, self.staff_member),
            taxonomies=centres.taxonomy_keys(self.ctx),
        )

    async def post(self, centre_id: str) -> None:
        form = {name: self.get_body_argument(name, "") for name in CENTRE_FIELDS}
        try:
            await rosters.update_centre(self.ctx, self.staff_member, centre_id, form)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(
                await rosters.centre_for_edit(self.ctx, self.staff_member, centre_id),
                problem.status,
                problem.messages(),
            )
            return
        self.redirect("/office/centres")


@reveals_personal_data("mediators_view")  # the mediators' records
class MediatorsHandler(OfficeHandler):
    """The mediators' roster: centre, qualifications, expertise, training, performance."""

    async def get(self) -> None:
        await self.show()

    async def show(self, status: int = 200, errors: list[str] | None = None, done: str = "") -> None:
        roster = await rosters.mediator_roster(self.ctx, self.staff_member)
        self.render_page("office/mediators.html", status, roster=roster, errors=errors or [], done=done)

    async def post(self) -> None:
        form = {name: self.get_body_argument(name, "") for name in PROFILE_FIELDS}
        try:
            await rosters.save_profile(self.ctx, self.staff_member, self.get_body_argument("login", ""), form)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(problem.status, problem.messages())
            return
        await self.show(done=text("office.done.profile_saved"))


routes = [
    (r"/office/centres", CentresHandler),
    (rf"/office/centres/{CENTRE_ID}", CentreHandler),
    (r"/office/mediators", MediatorsHandler),
]
