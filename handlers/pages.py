"""The base of every HTML page: jinja2 rendering, the H5 session cookie, one error page."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import jinja2
import tornado.web

from handlers.base import ServiceHandler
from services.accounts import web_sessions

log = logging.getLogger("mediation.http")

SESSION_COOKIE = "h5_session"
SESSION_IDLE_DAYS = 2 / 24  # signed out after two idle hours
OAUTH_COOKIE = "h5_oauth"
OAUTH_MAX_AGE_DAYS = 10 / (24 * 60)  # an authorisation attempt lives ten minutes
COOKIE_FLAGS = {"httponly": True, "secure": True, "samesite": "Lax"}


def make_jinja_env(template_dir: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt variable fails the test, not the citizen's page
    )


async def session_person(handler: ServiceHandler) -> str | None:
    """The person of this browser's H5 session; a tampered, idle, too old or ended session means signed out."""
    value = handler.get_signed_cookie(SESSION_COOKIE, max_age_days=SESSION_IDLE_DAYS)
    if not value:
        return None
    session = value.decode()
    person = await web_sessions.check(handler.ctx, web_sessions.PERSON, session)
    if person is None:
        handler.clear_cookie(SESSION_COOKIE, secure=True, samesite="Lax")
        return None
    handler.set_signed_cookie(SESSION_COOKIE, session, expires_days=None, **COOKIE_FLAGS)  # slide the idle limit
    return person["_id"]


async def sign_person_in(handler: ServiceHandler, person_id: str, stamp: str | None = None) -> None:
    """`stamp`: read before a password check (web_sessions.current_stamp); otherwise the current one."""
    if stamp is None:
        session = await web_sessions.issue(handler.ctx, web_sessions.PERSON, person_id)
    else:
        session = web_sessions.session_value(handler.ctx, person_id, stamp)
    handler.set_signed_cookie(SESSION_COOKIE, session, expires_days=None, **COOKIE_FLAGS)


def in_wechat(handler: tornado.web.RequestHandler) -> bool:
    """WeChat's own browser (phone or desktop client) says so in its User-Agent."""
    return "MicroMessenger" in handler.request.headers.get("User-Agent", "")


class PageHandler(ServiceHandler):
    """HTML in WeChat's look; errors as a page a person understands, never a traceback."""

    async def prepare(self) -> None:
        super().prepare()
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Referrer-Policy", "same-origin")
        self.current_user = await self.read_session()

    async def read_session(self) -> Any:
        return await session_person(self)

    def get_current_user(self) -> Any:
        return None  # the session is read in prepare: before it (or when reading failed) nobody is signed in

    def get_login_url(self) -> str:
        # Inside WeChat, WeChat's OAuth signs people in; any other browser gets the portal's choice
        # (card QR code, password, registration).
        return "/h5/oauth/start" if in_wechat(self) else "/portal/login"

    @property
    def person_id(self) -> str:
        person = self.current_user
        assert person, "use @tornado.web.authenticated"
        return person

    async def sign_in(self, person_id: str, stamp: str | None = None) -> None:
        await sign_person_in(self, person_id, stamp)

    async def sign_out(self) -> None:
        """Ends the session for good: the same cookie, replayed, is signed out."""
        # Read up to the absolute limit: a copy gone idle here may still be alive in another hand.
        value = self.get_signed_cookie(SESSION_COOKIE, max_age_days=web_sessions.PERSON.lifetime / timedelta(days=1))
        if value:
            await web_sessions.end(self.ctx, web_sessions.PERSON, value.decode())
        self.clear_cookie(SESSION_COOKIE, secure=True, samesite="Lax")

    def render_page(self, template: str, status: int = 200, **values: Any) -> None:
        env: jinja2.Environment = self.application.settings["jinja_env"]
        page = env.get_template(template).render(
            xsrf_form_html=self.xsrf_form_html,
            xsrf_token=self.xsrf_token.decode(),
            static_url=self.static_url,
            signed_in=bool(self.current_user),
            # The WeChat stand-in (development): desktop browsers may "authorise" through it too.
            local_wechat=self.ctx.settings.wechat_oauth_base.startswith("http://127.0.0.1"),
            **values,
        )
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        problem = self.problem(status_code, **kwargs)
        self.clear_header("Content-Type")
        self.render_page("h5/error.html", problem.status, message=problem.message)

    def oauth_attempt(self) -> dict[str, str] | None:
        raw = self.get_signed_cookie(OAUTH_COOKIE, max_age_days=OAUTH_MAX_AGE_DAYS)
        self.clear_cookie(OAUTH_COOKIE, secure=True, samesite="Lax")  # single use, whatever happens next
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def remember_oauth_attempt(self, state: str, next_url: str) -> None:
        self.set_signed_cookie(
            OAUTH_COOKIE, json.dumps({"state": state, "next": next_url}), expires_days=None, **COOKIE_FLAGS
        )
