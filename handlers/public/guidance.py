"""Guidance for anyone, as JSON: the claim calculator, the triage's tree, the library
(docs/contracts.md#reference-data-guidance-and-progress-public)."""

from __future__ import annotations

from handlers.access import public
from handlers.base import ApiHandler
from handlers.urls import LIBRARY_ENTRY
from services.intake import calculator, triage
from services.library import entries, search


class CalculatorHandler(ApiHandler):
    """`POST /api/calculator`: one claim computed, with its steps, articles and assumptions (anonymous)."""

    @public
    async def post(self) -> None:
        result = await calculator.calculate(self.ctx, self.json_object())
        self.send_json(result.as_json(self.language))


class LibraryHandler(ApiHandler):
    """`GET /api/library?q=加班费&kind=&cause=`: a search (with `q`) or the list of entries (without)."""

    @public
    async def get(self) -> None:
        arg = self.get_query_argument
        q, kind, cause = arg("q", None), arg("kind", ""), arg("cause", "")
        limit = search.parse_limit(arg("limit", "10"))  # checked in both: the document states one rule
        if q is None:
            self.send_json({"items": await entries.list_entries(self.ctx, kind, cause)})
            return
        self.send_json(await search.search(self.ctx, q, kind, cause, limit))


class LibraryEntryHandler(ApiHandler):
    """`GET /api/library/{library_entry}`: one law, policy or typical case with its full text and source."""

    @public
    async def get(self, library_entry: str) -> None:
        self.set_header("Cache-Control", "public, max-age=60")
        self.send_json((await entries.get_entry(self.ctx, library_entry)).as_json())


routes = [
    (r"/api/calculator", CalculatorHandler),
    (r"/api/library", LibraryHandler),
    (rf"/api/library/{LIBRARY_ENTRY}", LibraryEntryHandler),
]


class TriageTreeHandler(ApiHandler):
    """`GET /api/triage?centre=`: the question tree, for the mini-program to walk (it carries the same words)."""

    @public
    async def get(self) -> None:
        tree = await triage.tree_for(self.ctx, self.get_query_argument("centre", ""))
        self.set_header("Cache-Control", "public, max-age=60")
        self.send_json({"version": tree.version, "start": tree.start, "escape": tree.escape, "nodes": tree.nodes})


routes.append((r"/api/triage", TriageTreeHandler))
