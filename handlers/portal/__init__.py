"""The portal on a computer (`/portal/`): sign-in by the social security card's QR code or a password account."""

from handlers.pages import PageHandler
from handlers.portal import card, signin


class PortalHome(PageHandler):
    def get(self) -> None:
        self.redirect("/portal/login")


routes = [
    (r"/portal/?", PortalHome),
    *signin.routes,
    *card.routes,
]
