""" "我的数据" on the H5 pages and the portal (the same pages on a computer): what the service holds about the signed-in
person and who looked at it, the copy (JSON, PDF) after a fresh proof of who asks, consents, correction requests,
deletion where the law allows it (docs/privacy.md). The privacy notice itself is public (handlers/public/privacy.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from handlers.access import reveals_personal_data
from handlers.downloads import content_disposition
from handlers.pages import COOKIE_FLAGS, SESSION_COOKIE, PageHandler, in_wechat
from services.accounts import web_sessions
from services.core.errors import ServiceError
from services.core.numbers import read_whole
from services.privacy import my_data

CHANNEL = "h5"
PROOF_COOKIE = "h5_proof"  # `<person>|<unix seconds>`: a one-time code proved who asks (services/privacy/identity.py)
HOME = "/h5/me"


class MyData(PageHandler):
    """What the page and the forms posted from it share: the page, shown again after a refusal."""

    async def show(self, status: int = 200, error: str = "", typed: dict[str, str] | None = None) -> None:
        page = await my_data.page(self.ctx, self.person_id, self.language)
        self.render_page("h5/me.html", status, me=page, error=error, typed=typed or {})

    async def refused(self, exc: ServiceError, typed: dict[str, str] | None = None) -> None:
        problem = self.form_problem(exc)
        await self.show(problem.status, error="；".join(problem.messages()), typed=typed)


class MyDataPage(MyData):
    """`/h5/me` (and `/portal/me`): everything held about the person, with the forms that act on it."""

    async def get(self) -> None:
        await self.show()


class ConsentsForm(MyData):
    """`action=accept` the notice in force, `grant` or `withdraw` an optional consent (each its own form)."""

    async def post(self) -> None:
        form = {k: self.get_body_argument(k, "") for k in ("purpose", "version", "action")}
        try:
            await my_data.act_on_consent(self.ctx, self.person_id, form, CHANNEL)
        except ServiceError as exc:
            await self.refused(exc)
            return
        self.redirect(f"{HOME}#consents")


class CorrectionsForm(MyData):
    async def post(self) -> None:
        form = {k: self.get_body_argument(k, "") for k in ("serial", "field", "value", "reason")}
        try:
            await my_data.request_correction(self.ctx, self.person_id, form, CHANNEL)
        except ServiceError as exc:
            await self.refused(exc, typed=form)
            return
        self.redirect(f"{HOME}#corrections")


class DeletionsForm(MyData):
    async def post(self) -> None:
        target = self.get_body_argument("target", "")
        try:
            done = await my_data.delete(self.ctx, self.services.blobs, self.person_id, target)
        except ServiceError as exc:
            await self.refused(exc)
            return
        if done["deleted"] == "account":
            self.clear_cookie(SESSION_COOKIE, secure=True, samesite="Lax")
            self.redirect("/h5/")
            return
        self.redirect(HOME)


def proved_at(handler: PageHandler) -> datetime | None:
    """When the person last proved who they are in this browser: the session's sign-in, or a one-time code."""
    person, times = handler.person_id, []
    session = handler.get_signed_cookie(SESSION_COOKIE, max_age_days=web_sessions.PERSON.idle_days)
    claim = web_sessions.read_claim(session.decode()) if session else None
    if claim is not None and claim.subject == person:
        times.append(claim.issued_at)
    proof = handler.get_signed_cookie(PROOF_COOKIE, max_age_days=1)
    who, _, seconds = (proof.decode() if proof else "").partition("|")
    at = read_whole(seconds)
    if who == person and at is not None:
        times.append(datetime.fromtimestamp(at, UTC))
    return max(times, default=None)


class CopyDownload(PageHandler):
    """`/h5/me/copy.json` and `.pdf`: the copy, given once who asks proved it again (else to `/h5/me/verify`)."""

    fmt = "json"

    def initialize(self, fmt: str = "json") -> None:
        self.fmt = fmt

    @reveals_personal_data("my_data_copy")  # recorded: the person was given a copy
    async def get(self) -> None:
        if self.get_query_argument("person", "") not in ("", self.person_id):
            self.nothing_shown()
            raise my_data.not_yours()
        if not my_data.proof_stands(self.ctx, proved_at(self)):
            self.nothing_shown()
            self.redirect(f"{HOME}/verify?next={quote(self.request.path)}")
            return
        name, content_type, data = await my_data.copy_file(
            self.ctx, self.services.pdf, self.person_id, self.fmt, self.language, self.get_query_argument("person", "")
        )
        self.set_header("Content-Type", content_type)
        self.set_header("Content-Disposition", content_disposition(name))
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(data)


NEXT = ("/h5/me/copy.json", "/h5/me/copy.pdf")


class VerifyPage(PageHandler):
    """Proving who asks before a copy: sign in again (WeChat's own proof inside WeChat, the portal's elsewhere), or a
    one-time code to the mobile the person's portal account proved."""

    def next_url(self) -> str:
        wanted = self.get_argument("next", "")
        return wanted if wanted in NEXT else HOME

    async def get(self) -> None:
        await self.show()

    async def show(self, status: int = 200, error: str = "", sent: int = 0) -> None:
        mobile = await my_data.proof_mobile(self.ctx, self.person_id)
        self.render_page(
            "h5/me_verify.html",
            status,
            mobile=mobile,
            error=error,
            sent=sent,
            next_url=self.next_url(),
            in_wechat=in_wechat(self),
        )

    async def post(self) -> None:
        action = self.get_body_argument("action", "")
        if action == "signin":  # a new sign-in proves who asks: the session ends here, and signing in opens `next`
            await self.sign_out()
            login = "/h5/oauth/start" if in_wechat(self) else "/portal/login"
            self.redirect(f"{login}?next={quote(self.next_url())}")
            return
        try:
            if action == "code":
                sent = await my_data.send_proof_code(self.ctx, self.services.sms, self.person_id)
                await self.show(sent=sent)
                return
            await my_data.check_proof_code(self.ctx, self.person_id, self.get_body_argument("code", ""))
        except ServiceError as exc:
            problem = self.form_problem(exc)
            await self.show(problem.status, error="；".join(problem.messages()))
            return
        now = int(self.ctx.real_clock().timestamp())  # real time, as proof_stands reads it
        self.set_signed_cookie(PROOF_COOKIE, f"{self.person_id}|{now}", expires_days=None, **COOKIE_FLAGS)
        self.redirect(self.next_url())


routes = [
    (r"/h5/me", MyDataPage),
    (r"/h5/me/consents", ConsentsForm),
    (r"/h5/me/corrections", CorrectionsForm),
    (r"/h5/me/deletions", DeletionsForm),
    (r"/h5/me/copy\.json", CopyDownload, {"fmt": "json"}),
    (r"/h5/me/copy\.pdf", CopyDownload, {"fmt": "pdf"}),
    (r"/h5/me/verify", VerifyPage),
]
