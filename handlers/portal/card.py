"""Sign-in with the electronic social security card: the QR code's login ticket, its poll, the redirect flow."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlencode

import tornado.web

from handlers.access import proved_by, public
from handlers.pages import COOKIE_FLAGS, in_wechat, session_person, sign_person_in
from handlers.portal.base import PortalApiHandler, PortalPage
from handlers.urls import CARD_TICKET
from services.accounts import card_signin
from services.accounts.web_signin import safe_next
from services.core.errors import ServiceError
from services.core.numbers import read_quantity

BINDING_COOKIE = "card_ticket"
BINDING_MAX_AGE_DAYS = 5 / (24 * 60)  # longer than a ticket lives plus the grace to pick it up


def _bind_ticket(handler: tornado.web.RequestHandler, ticket: card_signin.NewTicket) -> None:
    """The browser that asked keeps the ticket's binding secret in a signed cookie; polls must carry it."""
    handler.set_signed_cookie(
        BINDING_COOKIE, f"{ticket.ticket}:{ticket.binding_secret}", expires_days=None, **COOKIE_FLAGS
    )


class CardTicketsHandler(PortalApiHandler):
    """POST: a new login ticket and its QR code (PNG data URL), bound to this browser."""

    @public
    async def post(self) -> None:
        self.limit_client(self.services.card_ticket_limiter)
        ticket = await card_signin.create_ticket(
            self.ctx, self.services.card, await session_person(self), safe_next(self.get_query_argument("next", None))
        )
        png = await self.ctx.run_blocking(card_signin.qr_png, ticket.authorize_url)
        _bind_ticket(self, ticket)
        self.send_json(
            {
                "ticket": ticket.ticket,
                "qr": "data:image/png;base64," + base64.b64encode(png).decode(),
                "authorize_url": ticket.authorize_url,
                "expires_in": ticket.expires_in,
                "poll": f"/portal/card/tickets/{ticket.ticket}",
            },
            201,
        )


class CardTicketHandler(PortalApiHandler):
    """GET ?wait=seconds: the ticket's state (long-poll); confirmed signs THIS browser in, once."""

    @proved_by("ticket_binding")
    async def get(self, ticket: str) -> None:
        bound = self.get_signed_cookie(BINDING_COOKIE, max_age_days=BINDING_MAX_AGE_DAYS)
        bound_ticket, _, secret = (bound or b"").decode().partition(":")
        if bound_ticket != ticket or not secret:
            raise ServiceError(403, "ticket_foreign")
        wait = float(read_quantity(self.get_query_argument("wait", "0")) or 0)  # never "nan", never negative
        state = await card_signin.poll_ticket(self.ctx, ticket, secret, wait, self.services.stopping)
        if state.state == "confirmed":
            await sign_person_in(self, state.person_id)
        if state.state != "pending":
            self.clear_cookie(BINDING_COOKIE, secure=True, samesite="Lax")
        self.send_json({"state": state.state, "message": state.message, "next": state.next_url or None})


class CardStartHandler(PortalPage):
    """Verify with the card: inside WeChat, the redirect flow (the phone cannot scan its own screen);
    elsewhere, the sign-in page with the QR code."""

    @public
    async def get(self) -> None:
        next_url = self.next_url()
        if not in_wechat(self):
            self.redirect("/portal/login?" + urlencode({"next": next_url}))
            return
        return_url = self.ctx.settings.public_base_url + "/portal/card/return"
        try:
            ticket = await card_signin.create_ticket(
                self.ctx, self.services.card, self.current_user, next_url, return_url
            )
        except ServiceError as exc:
            if exc.status != 503:
                raise
            self.render_form("portal/login.html", 503, in_wechat=True, message=exc.message_in(self.language))
            return
        _bind_ticket(self, ticket)
        self.redirect(ticket.authorize_url)


class CardReturnHandler(PortalPage):
    """Back from the card's authorisation page (redirect flow): the page polls the ticket, then moves on."""

    @public
    def get(self) -> None:
        ticket = self.get_query_argument("ticket", "")
        poll = f"/portal/card/tickets/{ticket}" if re.fullmatch(CARD_TICKET, ticket) else ""
        self.render_form("portal/card_wait.html", poll=poll)


routes = [
    (r"/portal/card/tickets", CardTicketsHandler),
    (rf"/portal/card/tickets/{CARD_TICKET}", CardTicketHandler),
    (r"/portal/card/start", CardStartHandler),
    (r"/portal/card/return", CardReturnHandler),
]
