"""The centre's answer to a party's correction request (services/cases/corrections.py), from the case page: corrected
or refused with the reason, in the case's timeline; then back to the case page (or the page with the refusal)."""

from __future__ import annotations

from handlers.access import reveals_personal_data
from handlers.office.case import CasePage
from handlers.urls import CORRECTION_ID, SERIAL
from services.cases import corrections
from services.core.errors import ServiceError


class CorrectionAnswerHandler(CasePage):
    @reveals_personal_data("case_view")  # a refused answer shows the case page again
    async def post(self, serial: str, correction_id: str) -> None:
        form = {k: self.get_body_argument(k, "") for k in ("decision", "note")}
        try:
            await corrections.answer(self.ctx, self.staff_member, serial, correction_id, form)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(serial, problem.status, problem.messages())
            return
        self.redirect(f"/office/cases/{serial}#corrections")


routes = [(rf"/office/cases/{SERIAL}/corrections/{CORRECTION_ID}", CorrectionAnswerHandler)]
