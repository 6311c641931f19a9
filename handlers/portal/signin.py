"""Password accounts of the portal: sign-in, registration and reset (confirmed by SMS codes), sign-out."""

from __future__ import annotations

from handlers.access import public
from handlers.pages import PageHandler, in_wechat
from handlers.portal.base import PortalApiHandler, PortalPage, form_fields
from i18n import Words
from services.accounts import portal_accounts
from services.core.errors import ServiceError
from services.core.idnumbers import ID_TYPES


class LoginHandler(PortalPage):
    """The choice of sign-in: the card's QR code (a link into the card's app inside WeChat) or a password."""

    @public
    def get(self) -> None:
        self.render_form("portal/login.html", in_wechat=in_wechat(self))

    @public
    async def post(self) -> None:
        self.limit_client(self.services.sign_in_limiter)
        form = form_fields(self, "login", "password")
        try:
            person_id, stamp = await portal_accounts.authenticate(
                self.ctx, form["login"], form["password"], self.request.remote_ip or ""
            )
        except ServiceError as exc:
            self.render_refusal("portal/login.html", exc, in_wechat=in_wechat(self), form={"login": form["login"]})
            return
        await self.sign_in(person_id, stamp)
        self.redirect(self.next_url())


REGISTER_FIELDS = ("name", "id_type", "id_number", "mobile", "sms_code", "password", "password_confirm")


class RegisterHandler(PortalPage):
    def id_types(self) -> dict[str, str]:
        """The documents one may register with, named in the page's language."""
        return Words(self.language).choices("id_type", ID_TYPES)

    @public
    def get(self) -> None:
        self.render_form("portal/register.html", id_types=self.id_types())

    @public
    async def post(self) -> None:
        form = form_fields(self, *REGISTER_FIELDS)
        try:
            person_id = await portal_accounts.register(self.ctx, form, self.current_user)
        except ServiceError as exc:
            kept = {k: v for k, v in form.items() if not k.startswith("password") and k != "sms_code"}
            self.render_refusal("portal/register.html", exc, id_types=self.id_types(), form=kept)
            return
        await self.sign_in(person_id)
        self.redirect(self.next_url())


class ResetHandler(PortalPage):
    @public
    def get(self) -> None:
        self.render_form("portal/reset.html")

    @public
    async def post(self) -> None:
        form = form_fields(self, "mobile", "sms_code", "password", "password_confirm")
        try:
            person_id = await portal_accounts.reset_password(self.ctx, form)
        except ServiceError as exc:
            self.render_refusal("portal/reset.html", exc, form={"mobile": form["mobile"]})
            return
        await self.sign_in(person_id)  # the SMS code proved the mobile: no second sign-in needed
        self.redirect(self.next_url())


class SignOutHandler(PageHandler):
    @public
    async def post(self) -> None:
        await self.sign_out()
        self.redirect("/portal/login")


class SmsCodeHandler(PortalApiHandler):
    @public
    async def post(self) -> None:
        self.limit_client(self.services.sign_in_limiter)
        body = self.json_object()
        wait = await portal_accounts.send_code(
            self.ctx, self.services.sms, str(body.get("mobile", "")), str(body.get("purpose", ""))
        )
        self.send_json({"sent": True, "resend_after": wait})


routes = [
    (r"/portal/login", LoginHandler),
    (r"/portal/register", RegisterHandler),
    (r"/portal/reset", ResetHandler),
    (r"/portal/signout", SignOutHandler),
    (r"/portal/sms", SmsCodeHandler),
]
