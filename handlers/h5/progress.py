"""The public progress page: anyone may check one case with its serial and the applicant's phone digits."""

from __future__ import annotations

from handlers.access import public
from handlers.pages import PageHandler
from services.cases.progress import check_progress
from services.core.errors import ServiceError


class ProgressPageHandler(PageHandler):
    """Public: the serial and the phone's last four digits are the second factor (services/cases/progress.py)."""

    @public
    def get(self) -> None:
        self.render_page("h5/progress.html", result=None, errors={}, message="", serial="", phone_last4="")

    @public
    async def post(self) -> None:
        # POST, not a query string: the phone digits stay out of URLs, histories and access logs.
        serial = self.get_body_argument("serial", "")
        last4 = self.get_body_argument("phone_last4", "")
        result, errors, message = None, {}, ""
        try:
            result = await check_progress(
                self.ctx, self.services.progress_limiter, self.request.remote_ip or "", serial, last4
            )
        except ServiceError as exc:
            problem = self.form_problem(exc)
            errors = problem.by_field() if problem.status == 422 else {}
            message = "" if errors else problem.message
        self.render_page(
            "h5/progress.html", result=result, errors=errors, message=message, serial=serial, phone_last4=last4
        )


routes = [(r"/h5/progress", ProgressPageHandler)]
