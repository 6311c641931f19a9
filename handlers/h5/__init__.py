"""The official account's H5 pages (`/h5/`): people signed in by WeChat OAuth or the portal; errors as a page."""

from handlers.h5 import apply, cases, guidance, oauth, parties, privacy, progress

routes = [
    *oauth.routes,
    *guidance.routes,
    *apply.routes,
    *cases.routes,
    *parties.routes,
    *progress.routes,
    *privacy.routes,
]
