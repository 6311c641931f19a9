"""The web portal's sign-in: social security card QR code (or its redirect inside WeChat), password accounts."""

from __future__ import annotations

import base64
import math
import re
from typing import Any
from urllib.parse import urlencode

import tornado.web

from handlers.base import ApiHandler
from handlers.pages import COOKIE_FLAGS, PageHandler, in_wechat, session_person, sign_person_in
from platforms.card import NotificationRefused
from services.accounts import card_signin, portal_accounts
from services.accounts.web_signin import safe_next
from services.core.errors import ServiceError
from services.core.idnumbers import DOC_NAMES

BINDING_COOKIE = "card_ticket"
BINDING_MAX_AGE_DAYS = 5 / (24 * 60)  # longer than a ticket lives plus the grace to pick it up


def _bind_ticket(handler: tornado.web.RequestHandler, ticket: card_signin.NewTicket) -> None:
    """The browser that asked keeps the ticket's binding secret in a signed cookie; polls must carry it."""
    handler.set_signed_cookie(
        BINDING_COOKIE, f"{ticket.ticket}:{ticket.binding_secret}", expires_days=None, **COOKIE_FLAGS
    )


def _form(handler: tornado.web.RequestHandler, *names: str) -> dict[str, str]:
    return {name: handler.get_body_argument(name, "")[:200] for name in names}


def _problems(exc: ServiceError) -> tuple[dict[str, str], str]:
    """Field messages (for the fields) and a message for the top of the form."""
    errors: dict[str, str] = {}
    for problem in exc.errors or ([exc] if exc.field else []):
        errors.setdefault(problem.field, problem.message)  # the first problem of each field
    return errors, "" if errors else exc.message


class PortalPage(PageHandler):
    def next_url(self) -> str:
        return safe_next(self.get_argument("next", None))

    def render_form(self, template: str, status: int = 200, **values: Any) -> None:
        defaults = {"errors": {}, "message": "", "form": {}, "next_url": self.next_url()}
        self.render_page(template, status, **(defaults | values))


class LoginHandler(PortalPage):
    """The choice of sign-in: the card's QR code (a link into the card's app inside WeChat) or a password."""

    def get(self) -> None:
        self.render_form("portal/login.html", in_wechat=in_wechat(self))

    async def post(self) -> None:
        self.limit_client(self.services.sign_in_limiter)
        form = _form(self, "login", "password")
        try:
            person_id, stamp = await portal_accounts.authenticate(self.ctx, form["login"], form["password"])
        except ServiceError as exc:
            if exc.status >= 500:
                raise
            errors, message = _problems(exc)
            self.render_form("portal/login.html", exc.status, in_wechat=in_wechat(self), errors=errors,
                             message=message, form={"login": form["login"]})  # fmt: skip
            return
        await self.sign_in(person_id, stamp)
        self.redirect(self.next_url())


REGISTER_FIELDS = ("name", "id_type", "id_number", "mobile", "sms_code", "password", "password_confirm")


class RegisterHandler(PortalPage):
    def get(self) -> None:
        self.render_form("portal/register.html", id_types=DOC_NAMES)

    async def post(self) -> None:
        form = _form(self, *REGISTER_FIELDS)
        try:
            person_id = await portal_accounts.register(self.ctx, form, self.current_user)
        except ServiceError as exc:
            if exc.status >= 500:
                raise
            errors, message = _problems(exc)
            kept = {k: v for k, v in form.items() if not k.startswith("password") and k != "sms_code"}
            self.render_form("portal/register.html", exc.status, id_types=DOC_NAMES, errors=errors,
                             message=message, form=kept)  # fmt: skip
            return
        await self.sign_in(person_id)
        self.redirect(self.next_url())


class ResetHandler(PortalPage):
    def get(self) -> None:
        self.render_form("portal/reset.html")

    async def post(self) -> None:
        form = _form(self, "mobile", "sms_code", "password", "password_confirm")
        try:
            person_id = await portal_accounts.reset_password(self.ctx, form)
        except ServiceError as exc:
            if exc.status >= 500:
                raise
            errors, message = _problems(exc)
            self.render_form("portal/reset.html", exc.status, errors=errors, message=message,
                             form={"mobile": form["mobile"]})  # fmt: skip
            return
        await self.sign_in(person_id)  # the SMS code proved the mobile: no second sign-in needed
        self.redirect(self.next_url())


class SignOutHandler(PageHandler):
    async def post(self) -> None:
        await self.sign_out()
        self.redirect("/portal/login")


class PortalApiHandler(ApiHandler):
    """JSON for the portal's own pages: cookie session, so the XSRF header is required (ApiHandler skips it)."""

    check_xsrf_cookie = tornado.web.RequestHandler.check_xsrf_cookie


class SmsCodeHandler(PortalApiHandler):
    async def post(self) -> None:
        self.limit_client(self.services.sign_in_limiter)
        body = self.json_body()
        if not isinstance(body, dict):
            raise ServiceError(400, "body_not_object", "请求格式不正确")
        wait = await portal_accounts.send_code(
            self.ctx, self.services.sms, str(body.get("mobile", "")), str(body.get("purpose", ""))
        )
        self.send_json({"sent": True, "resend_after": wait})


class CardTicketsHandler(PortalApiHandler):
    """POST: a new login ticket and its QR code (PNG data URL), bound to this browser."""

    async def post(self) -> None:
        ticket = await card_signin.create_ticket(
            self.ctx, self.services.card, await session_person(self), safe_next(self.get_query_argument("next", None))
        )
        png = await self.ctx.run_blocking(card_signin.qr_png, ticket.authorize_url)
        _bind_ticket(self, ticket)
        self.send_json({
            "ticket": ticket.ticket,
            "qr": "data:image/png;base64," + base64.b64encode(png).decode(),
            "authorize_url": ticket.authorize_url,
            "expires_in": ticket.expires_in,
            "poll": f"/portal/card/tickets/{ticket.ticket}",
        }, 201)  # fmt: skip


class CardTicketHandler(PortalApiHandler):
    """GET ?wait=seconds: the ticket's state (long-poll); confirmed signs THIS browser in, once."""

    async def get(self, ticket: str) -> None:
        bound = self.get_signed_cookie(BINDING_COOKIE, max_age_days=BINDING_MAX_AGE_DAYS)
        bound_ticket, _, secret = (bound or b"").decode().partition(":")
        if bound_ticket != ticket or not secret:
            raise ServiceError(403, "ticket_foreign", "该二维码不是在本浏览器上生成的，或已失效，请刷新页面重新获取")
        try:
            wait = float(self.get_query_argument("wait", "0"))
        except ValueError:
            wait = 0.0
        if not math.isfinite(wait):  # "nan" would slip through min/max and never stop waiting
            wait = 0.0
        state = await card_signin.poll_ticket(self.ctx, ticket, secret, wait)
        if state.state == "confirmed":
            await sign_person_in(self, state.person_id)
        if state.state != "pending":
            self.clear_cookie(BINDING_COOKIE, secure=True, samesite="Lax")
        self.send_json({"state": state.state, "message": state.message, "next": state.next_url or None})


class CardNotifyHandler(ApiHandler):
    """POST from the card platform: its signed result for a ticket (no cookies; the signature is the proof)."""

    async def post(self) -> None:
        try:
            await card_signin.handle_notification(
                self.ctx, self.services.card, self.json_body(), self.request.remote_ip or ""
            )
        except NotificationRefused as refused:
            self.send_json({"code": refused.code, "message": refused.message}, refused.status)
            return
        self.send_json({"code": "0", "message": "ok"})


class CardStartHandler(PortalPage):
    """Verify with the card: inside WeChat, the redirect flow (the phone cannot scan its own screen);
    elsewhere, the sign-in page with the QR code."""

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
            self.render_form("portal/login.html", 503, in_wechat=True, message=exc.message)
            return
        _bind_ticket(self, ticket)
        self.redirect(ticket.authorize_url)


class CardReturnHandler(PortalPage):
    """Back from the card's authorisation page (redirect flow): the page polls the ticket, then moves on."""

    def get(self) -> None:
        ticket = self.get_query_argument("ticket", "")
        poll = f"/portal/card/tickets/{ticket}" if re.fullmatch(TICKET, ticket) else ""
        self.render_form("portal/card_wait.html", poll=poll)


TICKET = r"([A-Za-z0-9_-]{16,64})"
routes = [
    (r"/portal/?", tornado.web.RedirectHandler, {"url": "/portal/login"}),
    (r"/portal/login", LoginHandler),
    (r"/portal/register", RegisterHandler),
    (r"/portal/reset", ResetHandler),
    (r"/portal/signout", SignOutHandler),
    (r"/portal/sms", SmsCodeHandler),
    (r"/portal/card/tickets", CardTicketsHandler),
    (r"/portal/card/tickets/" + TICKET, CardTicketHandler),
    (r"/portal/card/notify", CardNotifyHandler),
    (r"/portal/card/start", CardStartHandler),
    (r"/portal/card/return", CardReturnHandler),
]
