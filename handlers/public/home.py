"""The front door (`GET /`): what this service is and where each person goes, in the page's language; and the page
a person gets at an address we do not serve (the API keeps its JSON 404)."""

from __future__ import annotations

import tornado.web

from handlers.access import public
from handlers.pages import PageHandler


class HomeHandler(PageHandler):
    async def read_session(self) -> None:
        return None  # nobody's page: no session read

    @public
    def get(self) -> None:
        self.render_page("h5/home.html")


class PageNotFoundHandler(PageHandler):
    """Any address outside /api/ that no route serves: a page saying so with the way home, never JSON."""

    async def read_session(self) -> None:
        return None

    def check_xsrf_cookie(self) -> None:
        return None  # nothing here changes anything: a POST to nowhere is a 404 like a GET, not a 403

    async def prepare(self) -> None:
        await super().prepare()
        raise tornado.web.HTTPError(404)


routes = [(r"/", HomeHandler)]
# Last of all the routes (app.py): the API's unknown addresses fall through to its JSON NotFoundHandler.
not_found_route = (r"/(?!api/).*", PageNotFoundHandler)
