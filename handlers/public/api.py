"""Public JSON for anyone: the progress check by serial, the notice, the reference lists, regions, centres, the cause
taxonomy, the OpenAPI description."""

from __future__ import annotations

import json

from handlers.access import public
from handlers.base import ApiHandler
from handlers.public.openapi import openapi_document
from services.accounts import rosters
from services.cases.progress import check_progress
from services.cases.taxonomy import taxonomy_for
from services.directory import regions
from services.intake import reference


class ProgressHandler(ApiHandler):
    @public
    async def get(self) -> None:
        result = await check_progress(
            self.ctx,
            self.services.progress_limiter,
            self.request.remote_ip or "",
            self.get_query_argument("serial", ""),
            self.get_query_argument("phone_last4", ""),
        )
        self.send_json(result)


class TaxonomyHandler(ApiHandler):
    """`GET /api/taxonomy?centre=…`: a centre's two-level cause list (the default centre's without one)."""

    @public
    async def get(self) -> None:
        centre_id = self.get_query_argument("centre", "") or self.ctx.settings.default_centre
        taxonomy = await taxonomy_for(self.ctx, self.services.taxonomies, centre_id)
        # Public and fixed until the next start: let browsers and the mini-program keep it a while.
        self.set_header("Cache-Control", "public, max-age=300")
        self.send_json(taxonomy.as_json())


class RegionsHandler(ApiHandler):
    """`GET /api/regions?parent=310115`: the children of a region (no parent: the provinces)."""

    @public
    def get(self) -> None:
        self.set_header("Cache-Control", "public, max-age=86400")  # shipped data: changes with a release
        self.send_json(regions.children_of(self.get_query_argument("parent", "")))


class CentresHandler(ApiHandler):
    """`GET /api/centres`: the active mediation centres, their regions, address, phone and inviting courts."""

    @public
    async def get(self) -> None:
        self.set_header("Cache-Control", "public, max-age=60")
        self.send_json(await rosters.public_centres(self.ctx))


class NoticeHandler(ApiHandler):
    """`GET /api/notice`: the notice (告知书) an applicant accepts now; its version is what `consent.version` says."""

    @public
    def get(self) -> None:
        self.set_header("Cache-Control", "public, max-age=300")
        self.set_header("Vary", "Accept-Language")
        self.send_json(reference.notice(self.ctx, self.language))


class ReferenceHandler(ApiHandler):
    """`GET /api/reference`: every list of codes an application uses, with labels in the caller's language."""

    @public
    async def get(self) -> None:
        self.set_header("Cache-Control", "public, max-age=300")
        self.set_header("Vary", "Accept-Language")
        self.send_json(await reference.reference(self.ctx, self.language))


class OpenApiHandler(ApiHandler):
    """`GET /api/openapi.json`: built once per process (the lists it names come from the settings)."""

    _built: dict[int, str] = {}

    @public
    def get(self) -> None:
        settings = self.ctx.settings
        if id(settings) not in self._built:
            self._built.clear()
            self._built[id(settings)] = json.dumps(openapi_document(settings), ensure_ascii=False)
        self.set_header("Cache-Control", "public, max-age=300")
        self.finish(self._built[id(settings)])


routes = [
    (r"/api/progress", ProgressHandler),
    (r"/api/taxonomy", TaxonomyHandler),
    (r"/api/regions", RegionsHandler),
    (r"/api/centres", CentresHandler),
    (r"/api/notice", NoticeHandler),
    (r"/api/reference", ReferenceHandler),
    (r"/api/openapi.json", OpenApiHandler),
]
