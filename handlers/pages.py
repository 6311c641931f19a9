"""The base of every HTML page: jinja2 rendering, the person's session cookie, one error page, one form rule."""

from __future__ import annotations

import json
import logging
from typing import Any, TypedDict
from urllib.parse import urlencode, urlsplit

import jinja2
import markupsafe
import tornado.web

from handlers.access import OWN_DATA, PERSON_SESSION
from handlers.base import ApiHandler, Problem, ServiceHandler, problem_of
from i18n import catalogue, format_day, format_money, text
from services.accounts import audit, web_sessions
from services.cases import workflow
from services.core.context import SHANGHAI, clock_offset
from services.core.errors import ServiceError, Unauthorized
from settings import describe_offset

log = logging.getLogger("mediation.http")


class CookieFlags(TypedDict):
    """Every cookie we set: unread by scripts, sent over HTTPS only, not on another site's form post."""

    httponly: bool
    secure: bool
    samesite: str


SESSION_COOKIE = "h5_session"
OAUTH_COOKIE = "h5_oauth"
OAUTH_MAX_AGE_DAYS = 10 / (24 * 60)  # an authorisation attempt lives ten minutes
COOKIE_FLAGS: CookieFlags = {"httponly": True, "secure": True, "samesite": "Lax"}
# Refusals a page shows as its own error page rather than on the form that was sent: nothing typed
# into the form can mend them. (A 404 goes back to the form: what was not found is usually what was
# typed; where it is the page's own subject, showing the form again fails with the 404 itself.)
NOT_FORM_PROBLEMS = (403, 405)
DISPLAY_COOKIE = "display"  # "elder": the 大字版 a person switched on (handlers/public/preferences.py)


def make_jinja_env(template_dir: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt variable fails the test, not the citizen's page
    )


async def session_person(handler: ServiceHandler) -> str | None:
    """The person of this browser's session; a tampered, idle, too old or ended session means signed out."""
    value = handler.get_signed_cookie(SESSION_COOKIE, max_age_days=web_sessions.PERSON.idle_days)
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
    renew_xsrf(handler)


def renew_xsrf(handler: tornado.web.RequestHandler) -> None:
    """A new XSRF token at sign-in: one planted or read before (e.g. on a shared computer) is worth nothing after."""
    handler.request.cookies.pop("_xsrf", None)
    for cached in ("_xsrf_token", "_raw_xsrf_token"):  # Tornado 6's memo of the token read from the cookie
        if hasattr(handler, cached):
            delattr(handler, cached)
    handler.xsrf_token  # noqa: B018 - reading it makes a fresh token and sets its cookie


def in_wechat(handler: tornado.web.RequestHandler) -> bool:
    """WeChat's own browser (phone or desktop client) says so in its User-Agent."""
    return "MicroMessenger" in handler.request.headers.get("User-Agent", "")


def login_redirect(handler: tornado.web.RequestHandler) -> str:
    """Where a caller without a session goes to sign in, with the way back (Tornado's `authenticated` rule)."""
    url = handler.get_login_url()
    if "?" not in url:
        back = handler.request.full_url() if urlsplit(url).scheme else handler.request.uri
        url += "?" + urlencode({"next": back})
    return url


async def record_own_look(handler: ServiceHandler, person_id: str, what: str) -> None:
    """A person given their own data (a copy of it) is recorded too, as the person (docs/privacy.md)."""
    ctx = handler.ctx
    await audit.record_actor(ctx, person_id, audit.PERSON_ROLE, "", what, handler.looked_at(), **handler.look_details())


class PersonApiHandler(ApiHandler):
    """JSON for our own pages, whose caller is the person of the session cookie: the XSRF header is required
    (ApiHandler skips it); a method that needs the person (all but those declared otherwise) is a 401 without."""

    proof = PERSON_SESSION
    personal_data = OWN_DATA  # the session's person reads their own (handlers/access.py)
    check_xsrf_cookie = tornado.web.RequestHandler.check_xsrf_cookie

    async def record_look(self, what: str) -> None:
        await record_own_look(self, str(self.current_user or ""), what)

    async def prepare(self) -> None:
        super().prepare()
        if self.proof_required():
            self.current_user = await session_person(self)
            if not self.current_user:
                raise Unauthorized("session_expired")


def moment_words(value: Any) -> str:
    """A time the services give in ISO 8601 (Asia/Shanghai), as people read it: 2026-12-07 22:29."""
    return str(value or "")[:16].replace("T", " ")


class PageHandler(ServiceHandler):
    """HTML in WeChat's look; errors as a page a person understands, never a traceback.

    Every method needs the person's session unless it is declared `@public` (or another proof): without one,
    a GET or HEAD is sent to sign in (`get_login_url`, with the way back) and any other method is a 403."""

    error_template = "h5/error.html"
    proof = PERSON_SESSION
    personal_data: str | None = OWN_DATA  # the session's person reads their own cases (handlers/access.py)

    async def record_look(self, what: str) -> None:
        await record_own_look(self, str(self.current_user or ""), what)

    async def prepare(self) -> None:
        super().prepare()
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Referrer-Policy", "same-origin")
        self.current_user = await self.read_session()
        if not self.current_user and self.proof_required():
            self.refuse_anonymous()

    def refuse_anonymous(self) -> None:
        """Nobody signed in where the method needs someone: to the sign-in page (GET, HEAD) or 403."""
        if self.request.method not in ("GET", "HEAD"):
            raise tornado.web.HTTPError(403)
        self.redirect(login_redirect(self))
        raise tornado.web.Finish()  # the method (and what a subclass's prepare does next) does not run

    async def read_session(self) -> Any:
        return await session_person(self)

    def get_current_user(self) -> Any:
        return None  # the session is read in prepare: before it (or when reading failed) nobody is signed in

    def get_login_url(self) -> str:
        # Inside WeChat, WeChat's OAuth signs people in; any other browser gets the portal's choice
        # (card QR code, password, registration).
        return "/h5/oauth/start" if in_wechat(self) else "/portal/login"

    @property
    def elder_mode(self) -> bool:
        """The 大字版 (互联网网站适老化通用设计规范): larger type, stronger contrast, bigger targets."""
        return self.get_cookie(DISPLAY_COOKIE, "") == "elder"

    @property
    def person_id(self) -> str:
        """The signed-in person: a method that needs the session is never reached without one (prepare)."""
        person = self.current_user
        if not person:  # a @public method asked for a person: a fault of ours, not the caller's
            raise RuntimeError(f"{type(self).__name__}.{self.request.method} is public: it has no person")
        return person

    async def sign_in(self, person_id: str, stamp: str | None = None) -> None:
        await sign_person_in(self, person_id, stamp)

    async def sign_out(self) -> None:
        """Ends the session for good: the same cookie, replayed, is signed out."""
        # Read up to the absolute limit: a copy gone idle here may still be alive in another hand.
        value = self.get_signed_cookie(SESSION_COOKIE, max_age_days=web_sessions.PERSON.lifetime_days)
        if value:
            await web_sessions.end(self.ctx, web_sessions.PERSON, value.decode())
        self.clear_cookie(SESSION_COOKIE, secure=True, samesite="Lax")

    def form_problem(self, exc: ServiceError) -> Problem:
        """The one rule of which refusals go back onto the form that was sent (with its values kept):
        every 4xx a person can mend there. What the form cannot mend (forbidden, a method the page
        does not take) and faults (5xx) go on to the error page."""
        if exc.status >= 500 or exc.status in NOT_FORM_PROBLEMS:
            raise exc
        return problem_of(exc, exc.status, self.language)

    def page_values(self) -> dict[str, Any]:
        """What every template of this front may use besides its own values: `_("key", **params)` the words of
        the page's language, `money`/`day` amounts and dates as that language writes them, the switches."""
        locale = self.language

        def words(key: str, **params: Any) -> str:
            if any(isinstance(value, markupsafe.Markup) for value in params.values()):
                # A parameter in markup (a <strong> with its id, around a value): the others are escaped here
                # and the sentence is kept as markup, so each language places the emphasis where it reads.
                safe = {
                    name: value if isinstance(value, markupsafe.Markup) else markupsafe.escape(value)
                    for name, value in params.items()
                }
                return markupsafe.Markup(text(key, locale, **safe))
            return text(key, locale, **params)

        return {
            "_": words,
            "lang": locale,
            "html_lang": "en" if locale == "en" else "zh-CN",
            # Codes a case carries, in the page's words (the views' own labels are Chinese, for the back office).
            "status_words": lambda status: workflow.status_label(status, locale),
            "action_words": lambda action: workflow.action_label(action, locale),
            "money": lambda value: format_money(value, locale),
            "day": lambda value: format_day(value, locale),
            "when": moment_words,
            # The evidence upload's rule, stated beside each file input (upload_max_bytes below checks it).
            "upload_limit_mb": self.ctx.settings.evidence.max_file_bytes // (1024 * 1024),
            # A code in words where the catalogue has them (`label("stats.channel." ~ c, c)`), else the code itself.
            "label": lambda key, code: text(key, locale) if catalogue().has(key) else str(code),
            "elder": self.elder_mode,
            "here": self.request.uri or "/",
            "xsrf_form_html": self.xsrf_form_html,
            "xsrf_token": self.xsrf_token.decode(),
            "static_url": self.static_url,
            "signed_in": bool(self.current_user),
            "t": words,  # the same as `_` (issue 13's pages): {{ t("page.apply.back") }}
            # The WeChat stand-in (development): desktop browsers may "authorise" through it too.
            "local_wechat": self.ctx.settings.wechat_oauth_base.startswith("http://127.0.0.1"),
            # The evidence pages check a file's size before sending it (static/js/upload.js), in the server's words.
            "upload_max_bytes": self.ctx.settings.evidence.max_file_bytes,
            "upload_too_large": text(
                "error.file_too_large.upload", locale, megabytes=self.ctx.settings.evidence.max_file_bytes // 2**20
            ),
            "demo_clock": self.demo_clock(locale),  # the banner of every page while the demo clock is moved
        }

    def demo_clock(self, locale: str) -> str:
        """The demo clock's banner (development only, services/core/context.py DemoClock): empty on real time."""
        offset = clock_offset(self.ctx.clock)
        if not offset:
            return ""
        now = self.ctx.clock().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        return text("page.demo_clock", locale, offset=describe_offset(offset), now=now)

    def words(self, key: str, **params: Any) -> str:
        """Words of the catalogue in this page's language (what templates call `t`)."""
        return text(key, self.language, **params)

    def render_page(self, template: str, status: int = 200, **values: Any) -> None:
        env: jinja2.Environment = self.application.settings["jinja_env"]
        page = env.get_template(template).render(**self.page_values(), **values)
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Vary", "Accept-Language, Cookie")  # the words follow the browser until the switch is used
        self.finish(page)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        problem = self.problem(status_code, **kwargs)
        self.announce_allowed(problem.status)
        self.clear_header("Content-Type")
        self.render_page(
            self.error_template,
            problem.status,
            message=problem.message,
            errors=[e["message"] for e in problem.errors],
            request_id=self.request_id,  # what the person can quote to the centre (the same id is in the log)
        )

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
