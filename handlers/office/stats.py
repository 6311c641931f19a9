"""Statistics for administrators: the page (tables with charts beside them) and its .xlsx, streamed."""

from __future__ import annotations

import json

from handlers.access import reveals_personal_data
from handlers.office.base import OfficeHandler
from handlers.office.files import XLSX, stream_file
from services.core.errors import ServiceError
from services.stats import export, report


@reveals_personal_data("stats_view")  # figures by mediator
class StatsHandler(OfficeHandler):
    def query(self) -> dict[str, str]:
        # Through decode_argument (handlers/base.py): bytes that are not UTF-8 a 400, unseen characters removed.
        return {k: self.get_query_argument(k) for k in self.request.query_arguments}

    async def get(self) -> None:
        query = self.query()
        try:
            filters = report.parse_filters(query, report.this_month(self.ctx))
            content = await report.report(self.ctx, self.staff_member, self.services.taxonomies, filters)
        except ServiceError as exc:
            problem = self.form_problem(exc)
            self.render_page(
                "office/stats.html", problem.status, content=None, errors=problem.messages(), query=query, charts="[]"
            )
            return
        charts = [
            {"key": t["key"], "title": t["title"], "type": t["chart"], "columns": t["columns"], "rows": t["rows"]}
            for t in content["tables"]
            if t["chart"] != "none"
        ]
        self.render_page(
            "office/stats.html",
            content=content,
            errors=[],
            query=query,
            charts=json.dumps(charts, ensure_ascii=False).replace("</", "<\\/"),
        )


@reveals_personal_data("stats_export")  # the period's cases
class StatsExportHandler(StatsHandler):
    """The page's figures and the period's cases as .xlsx; written off the loop, then streamed in chunks."""

    async def get(self) -> None:
        filters = report.parse_filters(self.query(), report.this_month(self.ctx))
        path, _ = await export.write_workbook(self.ctx, self.staff_member, self.services.taxonomies, filters)
        await stream_file(self, path, f"statistics-{filters.month_from}-{filters.month_to}.xlsx", XLSX)


routes = [
    (r"/office/stats", StatsHandler),
    (r"/office/stats/export\.xlsx", StatsExportHandler),
]
