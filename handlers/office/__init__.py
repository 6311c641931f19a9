"""The mediators' back office (`/office/`): staff signed in by password; errors on the office's own page."""

from handlers.office import admin, case, docking, files, guidance, privacy, queue, rosters, signin, stats

routes = [
    *queue.routes,
    *signin.routes,
    *case.routes,
    *admin.routes,
    *rosters.routes,
    *stats.routes,
    *files.routes,
    *docking.routes,
    *guidance.routes,
    *privacy.routes,
]
