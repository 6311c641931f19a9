"""The back office's queue: the centre's cases with their deadlines, filtered and paged."""

from __future__ import annotations

from handlers.access import reveals_personal_data
from handlers.office.base import OfficeHandler
from services.cases import queue, workflow


class QueueHandler(OfficeHandler):
    @reveals_personal_data("queue_view")  # the parties' names
    async def get(self) -> None:
        query = {k: self.get_query_argument(k) for k in self.request.query_arguments}
        filters = queue.parse_filter(query)
        result = await queue.queue(self.ctx, self.staff_member, filters)
        centre = filters.centre or self.staff_member.centre_id  # whose causes and mediators the filters offer
        self.render_page(
            "office/queue.html",
            result=result,
            filters=filters,
            statuses=workflow.status_labels(self.language),
            causes=self.services.taxonomies.for_centre(centre).first_level,
            mediators=await queue.mediators_of(self.ctx, centre),
            centres=await queue.filter_centres(self.ctx, self.staff_member),
            query={k: v for k, v in query.items() if k != "page"},
        )


routes = [(r"/office/?", QueueHandler)]
