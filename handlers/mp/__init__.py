"""The mini-program's JSON API (`/api/mp/`): callers proved by our bearer token; errors as JSON
(docs/contracts.md#errors)."""

from handlers.mp import applications, drafts, files, parties, privacy, session, subscriptions

routes = [
    *session.routes,
    *applications.routes,
    *drafts.routes,
    *files.routes,
    *subscriptions.routes,
    *parties.routes,
    *privacy.routes,
]
