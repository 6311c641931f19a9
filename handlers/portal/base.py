"""The portal's base page (a computer's browser): the person's session, a safe return address, forms."""

from __future__ import annotations

from typing import Any

import tornado.web

from handlers.pages import PageHandler, PersonApiHandler
from services.accounts.web_signin import safe_next
from services.core.errors import ServiceError


class PortalPage(PageHandler):
    def next_url(self) -> str:
        return safe_next(self.get_argument("next", None))

    def render_form(self, template: str, status: int = 200, **values: Any) -> None:
        defaults = {"errors": {}, "message": "", "form": {}, "next_url": self.next_url()}
        self.render_page(template, status, **(defaults | values))

    def render_refusal(self, template: str, exc: ServiceError, **values: Any) -> None:
        """The form again after a refusal: each field's message beside it, any other at the top."""
        problem = self.form_problem(exc)
        errors = problem.by_field()
        self.render_form(template, problem.status, errors=errors, message="" if errors else problem.message, **values)


class PortalApiHandler(PersonApiHandler):
    """JSON for the portal's own pages: cookie session, so the XSRF header is required (ApiHandler skips it);
    a method that needs the session (none declared otherwise) is a 401 without one."""


def form_fields(handler: tornado.web.RequestHandler, *names: str) -> dict[str, str]:
    return {name: handler.get_body_argument(name, "")[:200] for name in names}
