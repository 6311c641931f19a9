"""The portal on a computer (`/portal/`): sign-in by the social security card's QR code or a password account."""

import tornado.web

from handlers.portal import card, signin

routes = [
    (r"/portal/?", tornado.web.RedirectHandler, {"url": "/portal/login"}),
    *signin.routes,
    *card.routes,
]
