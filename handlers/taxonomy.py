"""The dispute-cause taxonomy for the fronts: `GET /api/taxonomy?centre=…`."""

from __future__ import annotations

from handlers.base import ApiHandler


class TaxonomyHandler(ApiHandler):
    def get(self) -> None:
        centre_id = self.get_query_argument("centre", "") or self.ctx.settings.default_centre
        taxonomy = self.services.taxonomies.for_centre(centre_id)
        # Public and fixed until the next start: let browsers and the mini-program keep it a while.
        self.set_header("Cache-Control", "public, max-age=300")
        self.send_json(taxonomy.as_json())


routes = [
    (r"/api/taxonomy", TaxonomyHandler),
]
