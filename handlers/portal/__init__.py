"""The portal on a computer (`/portal/`): sign-in by the social security card's QR code or a password account."""

from handlers.access import public
from handlers.h5.privacy import MyDataPage
from handlers.pages import PageHandler
from handlers.portal import card, signin


class PortalHome(PageHandler):
    @public
    def get(self) -> None:
        self.redirect("/portal/login")


routes = [
    (r"/portal/?", PortalHome),
    *signin.routes,
    *card.routes,
    (r"/portal/me", MyDataPage),  # 我的数据 on a computer: the H5 page (handlers/h5/privacy.py)
]
