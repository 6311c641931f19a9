"""What every front shares: the services built at start, a request id, JSON bodies, and the one error mapping."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

import tornado.web
from pymongo.errors import ConnectionFailure
from tornado.http1connection import HTTP1Connection

from handlers.access import FRONT_PROOFS, NO_PERSONAL_DATA, OWN_DATA, personal_data_of, proof_of, same_as_get, served
from i18n import DEFAULT_LOCALE, LOCALES, best_locale, text
from platforms.court import CourtClient
from platforms.pdf import PdfConverter
from platforms.sms import SmsProvider
from services.accounts import audit
from services.accounts.card_signin import IdentityProvider
from services.accounts.mp_sessions import SessionTokens, SignOuts
from services.cases.deadline_watch import DeadlineWatch
from services.cases.documents import Renderers
from services.cases.taxonomy import Taxonomies
from services.core.context import ServiceContext
from services.core.errors import FieldError, ServiceError
from services.core.ratelimit import ClientRateLimiter
from services.core.text import has_lone_surrogate, without_unseen
from services.court.watch import DockingWatch
from services.notify.inbox import WeChatMessages
from services.notify.sender import NotificationSender
from services.notify.staff_messages import StaffMessageSender
from store import defer_durability, durability_barrier
from store.blobs import BlobStore
from wechat.client import WeChatApi
from wechat.errors import WeChatUnavailable
from wechat.oauth import WebOAuth
from wechat.tokens import AccessTokens, ThreadTokenBridge

log = logging.getLogger("mediation.http")
LANGUAGE_COOKIE = "lang"  # the language a person chose with the switch on every page (handlers/public/preferences.py)
MAX_JSON_BYTES = 256 * 1024
_RECORD_FIELDS = ("_id", "at", "who", "role", "centre", "action", "serial")  # an audit record's own (audit.py)


@dataclass
class AppServices:
    """Everything built once at start; handlers reach it through `self.services`."""

    ctx: ServiceContext
    tokens: SessionTokens
    wechat_mp: WeChatApi
    progress_limiter: ClientRateLimiter
    sign_in_limiter: ClientRateLimiter  # password checks and SMS codes per client address (argon2, SMS cost)
    web_oauth: WebOAuth
    access_tokens: AccessTokens  # the shared WeChat access token (database, lease)
    token_bridge: ThreadTokenBridge  # how wechatpy's worker threads reach it
    wechat_oa: WeChatApi  # the official account's API client
    wechat_messages: WeChatMessages  # the callback
    blobs: BlobStore  # encrypted files: evidence, generated documents
    taxonomies: Taxonomies  # each centre's cause list
    card: IdentityProvider  # the social security card platform (portal sign-in)
    sms: SmsProvider  # verification codes of portal accounts
    renderers: Renderers  # document templates, per centre
    pdf: PdfConverter  # LibreOffice, where installed
    mp_session_limiter: ClientRateLimiter | None = None  # POST /api/mp/session per client (a WeChat call each)
    sign_outs: SignOuts = dataclasses.field(default_factory=SignOuts)  # mini-program tokens ended by sign-out
    card_ticket_limiter: ClientRateLimiter | None = None  # card login tickets per client
    notification_sender: NotificationSender | None = None  # started by app.start; woken by the case writer
    deadline_watch: DeadlineWatch | None = None  # tells applicants when the mediation period has run out
    staff_messages: StaffMessageSender | None = None  # collective-dispute alerts to administrators, by SMS
    court_client: CourtClient | None = None  # signed calls to courts and arbitration institutes (platforms/court.py)
    docking_watch: DockingWatch | None = None  # delegations not answered in time, the roster's sending


def database_down(exc: BaseException) -> bool:
    # Connection-level failures (no server, timeouts, lost primary) are the database being down;
    # any other PyMongo error is a refused command, i.e. a bug of ours, and stays a 500.
    return isinstance(exc, ConnectionFailure)


@dataclass(frozen=True)
class Problem:
    """What went wrong, as every front shows it: status, code, a message in the caller's language, the fields."""

    status: int
    code: str
    message: str
    field: str = ""
    errors: tuple[dict[str, str], ...] = ()  # {code, message, field} of every field problem found
    details: dict[str, Any] | None = None  # what a program needs to act on it (a 409 consent_required's notice)

    def by_field(self) -> dict[str, str]:
        """The first message of each field (a form marks each field once)."""
        out: dict[str, str] = {}
        for error in self.errors or ({"field": self.field, "message": self.message},):
            if error["field"]:
                out.setdefault(error["field"], error["message"])
        return out

    def messages(self) -> list[str]:
        """Every message, for a form that lists them at the top."""
        return [e["message"] for e in self.errors] or [self.message]


def _field_errors(errors: list[FieldError], locale: str) -> tuple[dict[str, str], ...]:
    return tuple(e.as_dict(locale) for e in errors)


def problem_of(exc: BaseException | None, status_code: int, locale: str = DEFAULT_LOCALE) -> Problem:
    """The one mapping of errors to what callers see: ours as raised, dependencies as 503, bugs as 500."""
    if isinstance(exc, ServiceError):
        fields = _field_errors(exc.errors, locale)
        return Problem(exc.status, exc.code, exc.message_in(locale), exc.field, fields, getattr(exc, "details", None))
    if exc is not None and database_down(exc):
        return Problem(503, "database_unavailable", text("error.database_unavailable", locale))
    if isinstance(exc, WeChatUnavailable):  # e.g. no access token: WeChat down, nothing changed
        return Problem(503, "wechat_unavailable", text("error.wechat_unavailable", locale))
    if isinstance(exc, tornado.web.HTTPError) or exc is None:
        key = f"http.{status_code}"
        words = text(key if key in _HTTP_WORDS else "http.other", locale)
        return Problem(status_code, f"http_{status_code}", words)
    return Problem(500, "internal_error", text("error.internal_error", locale))


_HTTP_WORDS = ("http.403", "http.404", "http.405")


class ServiceHandler(tornado.web.RequestHandler):
    """What every handler shares: the services built at start, a request id, quiet logs for refusals.

    Deny by default (handlers/access.py): a front's base class names its `proof` and checks it in `prepare`
    for every method that does not declare another (`@public`, `@proved_by`); a handler of no front has none,
    so each of its methods declares one. app.py refuses to start with a method that declares nothing."""

    request_id: str = ""
    proof: ClassVar[str | None] = None  # the front's proof, checked in its prepare (None: each method declares)

    def proof_required(self) -> bool:
        """Whether this request's method needs the front's proof (checked in prepare, before the method runs).
        A method the handler does not serve needs nothing: it answers 405 to anyone."""
        method = (self.request.method or "").lower()
        return served(type(self), method) and proof_of(type(self), method) in FRONT_PROOFS

    @property
    def services(self) -> AppServices:
        return self.application.settings["services"]

    @property
    def ctx(self) -> ServiceContext:
        return self.services.ctx

    @property
    def language(self) -> str:
        """The language of the words this request gets back: the person's choice on the pages (the `lang`
        cookie, set by the switch on every page); for the API (`/api/`, the mini-program's and anyone's) without
        it, the request's `Accept-Language`; Chinese otherwise (what our pages' own calls get, like the page)."""
        chosen = self.get_cookie(LANGUAGE_COOKIE, "")
        if chosen in LOCALES:
            return chosen
        if self.request.path.startswith("/api/"):
            return best_locale(self.request.headers.get("Accept-Language", ""))
        return DEFAULT_LOCALE

    def set_default_headers(self) -> None:
        # Browsers must not guess another type than the one we send (a JSON error shown as HTML).
        self.set_header("X-Content-Type-Options", "nosniff")

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The methods this handler answers (what a 405's Allow header lists)."""
        base = tornado.web.RequestHandler
        methods = ("GET", "POST", "PUT", "DELETE", "PATCH")
        own = [m for m in methods if getattr(cls, m.lower()) is not getattr(base, m.lower())]
        return own + (["HEAD"] if "GET" in own and cls.head is not base.head else [])

    def limit_body(self, size: int) -> None:
        """The largest body this request may send (a streamed one: set in prepare, before it is read)."""
        connection = self.request.connection
        if not isinstance(connection, HTTP1Connection):  # what Tornado's HTTP server gives every request
            raise TypeError(f"no body limit on {connection!r}")
        connection.set_max_body_size(size)

    def announce_allowed(self, status: int) -> None:
        """A 405 says which methods would have worked (RFC 9110 §15.5.6)."""
        if status == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))

    @same_as_get  # served, and declared, as GET is (handlers/access.py)
    async def head(self, *args: Any, **kwargs: Any) -> None:
        """HEAD is GET without the body (RFC 9110 §9.3.2): the same answer, whose body Tornado leaves out."""
        if type(self).get is tornado.web.RequestHandler.get:
            raise tornado.web.HTTPError(405)
        result = self.get(*args, **kwargs)
        if result is not None:
            await result

    _held: Any = None  # the answer, waiting for the disk (finish)
    # A look at personal data this method declares (handlers/access.py), recorded before its answer leaves unless
    # the request recorded something itself (`_recorded`, audit.watch); None once recorded, or nothing to record.
    _look: str | None = None
    _recorded: list[str] | None = None
    _error_page = False  # the answer is the front's error page (send_error): it shows nobody's data

    def prepare(self) -> Any:
        defer_durability()  # this request's writes are made durable together, before it answers (finish)
        incoming = self.request.headers.get("X-Request-Id", "")
        self.request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex[:16]
        self.set_header("X-Request-Id", self.request_id)
        look = personal_data_of(type(self), self.request.method or "")
        if look not in (None, NO_PERSONAL_DATA, OWN_DATA) and self.request.method != "HEAD":  # HEAD shows no body
            self._look, self._recorded = look, audit.watch()

    async def record_look(self, what: str) -> None:
        """Record that this request showed personal data (`what`, as declared): the front says who looked."""
        raise NotImplementedError(f"{type(self).__name__} declares a look at personal data but its front records none")

    look_serial = ""  # the case a look was at, when the path names none (set by the method before it answers)

    def looked_at(self) -> str:
        """The case this request's look was at: the path's serial, or what the method said (`look_serial`)."""
        return str((self.path_kwargs or {}).get("serial") or self.look_serial)

    def nothing_shown(self) -> None:
        """This answer shows nobody's data after all (a search form before any search): no look to record."""
        self._look = None

    def look_details(self) -> dict[str, str]:
        """What a record of a look names besides who and when: the path's identifiers (a serial, a document,
        a file; never a query, which may carry a typed number)."""
        named = {k: v for k, v in (self.path_kwargs or {}).items() if k != "serial"}
        return {f"path_{k}" if k in _RECORD_FIELDS else k: v for k, v in named.items()}

    def _look_due(self) -> bool:
        """A declared look not yet recorded, in an answer that shows something: a page or a file, or a page shown
        again with a refusal, never a redirect, a refusal of who asked, or the front's error page."""
        if self._look is None or self._recorded or self._error_page:
            return False
        status = self.get_status()
        return status < 300 or 400 <= status < 500 and status not in (401, 403, 405)

    async def _record_look(self) -> None:
        look, self._look = self._look, None
        if look is not None:
            await self.record_look(look)

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        self._error_page = True
        super().send_error(status_code, **kwargs)

    def flush(self, include_footers: bool = False) -> Any:
        """A streamed answer (a download): its look is recorded, and on the disk, before the first byte leaves."""
        if self._look_due() and not include_footers:  # finish's own flush (footers) never waits: finish recorded
            return asyncio.ensure_future(self._record_then_flush(include_footers))
        return super().flush(include_footers)

    async def _record_then_flush(self, include_footers: bool) -> None:
        await self._record_look()
        await self.durable()
        await super().flush(include_footers)

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        """Every form field, query parameter and path part passes here (Tornado): bytes that are not
        UTF-8 are a 400 naming the field, and characters nobody sees are removed."""
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            raise invalid_unicode(name or "path") from None
        return without_unseen(text)

    def finish(self, chunk: Any = None) -> Any:
        """Answer only once everything written so far is on the disk (the durable embedded engine; elsewhere
        at once): the answer is the acknowledgement. A disk that fails makes the answer a 503 instead."""
        if self._held is not None:
            return self._held
        if self._look_due():  # the record first: an answer whose look cannot be recorded does not leave
            if chunk is not None:
                self.write(chunk)
            self._held = asyncio.ensure_future(self._record_then_finish())
            return self._held
        defer_durability(False)  # what this task does after answering (a follow-up it spawns) waits itself
        barrier = durability_barrier(self.application.settings.get("mongo_client"))
        if barrier is None:
            return super().finish(chunk)
        if chunk is not None:
            self.write(chunk)
        self._held = asyncio.ensure_future(self._finish_when_durable(barrier))
        return self._held

    async def _record_then_finish(self) -> None:
        try:
            await self._record_look()
        except Exception as exc:  # the database went down: the data is not shown (a 503, or a 500 for a fault)
            self._held = None
            self.clear()
            self.log_exception(type(exc), exc, exc.__traceback__)
            self.send_error(503 if database_down(exc) else 500, exc_info=(type(exc), exc, exc.__traceback__))
            return
        self._held = None
        finished = self.finish()
        if finished is not None:
            await finished

    async def _finish_when_durable(self, barrier: Any) -> None:
        try:
            await barrier
        except ConnectionFailure as exc:  # store.journal.JournalFailed: a 503, as every command from now on
            self._held = None
            self.clear()
            self.send_error(503, exc_info=(type(exc), exc, exc.__traceback__))
            return
        super().finish()

    async def durable(self) -> None:
        """Wait for the disk before the first byte of a streamed answer (finish waits by itself)."""
        barrier = durability_barrier(self.application.settings.get("mongo_client"))
        if barrier is not None:
            await barrier

    def limit_client(self, limiter: ClientRateLimiter | None) -> None:
        """429 when this client address has asked too often (what it asks for is costly to answer)."""
        if limiter is not None and not limiter.allow(self.request.remote_ip or ""):
            raise ServiceError(429, "rate_limited")

    def problem(self, status_code: int, **kwargs: Any) -> Problem:
        return problem_of(kwargs.get("exc_info", (None, None, None))[1], status_code, self.language)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, ServiceError | tornado.web.HTTPError):
            return  # a refusal, not a fault: the request line says enough
        if value is not None and database_down(value):
            log.warning("database unavailable request_id=%s: %s", self.request_id, type(value).__name__)
            return
        if isinstance(value, WeChatUnavailable):
            log.warning("WeChat unavailable request_id=%s: %s", self.request_id, value)
            return
        super().log_exception(typ, value, tb)


class ApiHandler(ServiceHandler):
    """JSON in, JSON out; errors in the shape of docs/contracts.md#errors, never a traceback."""

    def check_xsrf_cookie(self) -> None:
        """Callers of the JSON API authenticate by token or signature, not cookies: no cross-site forgery."""

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Vary", "Accept-Language")  # messages and labels come in the caller's language

    def get_query_argument(self, name: str, default: Any = tornado.web._ARG_DEFAULT, strip: bool = True) -> Any:
        """An API query parameter names a code (a region, a centre, a serial): a character nobody sees is refused
        (400) rather than removed, so a value the OpenAPI document forbids is never quietly read as another."""
        for raw in self.request.query_arguments.get(name, []):
            # decode_argument: a 400 for bytes that are not UTF-8, else the text without unseen characters
            if self.decode_argument(raw, name) != raw.decode("utf-8"):
                raise ServiceError(400, "unseen_characters", field=name, field_name=name)
        return super().get_query_argument(name, default, strip)

    def json_body(self) -> Any:
        if len(self.request.body) > MAX_JSON_BYTES:
            raise ServiceError(413, "body_too_large")
        content_type = self.request.headers.get("Content-Type", "")
        if not content_type.startswith("application/json"):
            raise ServiceError(415, "json_required")
        try:
            body = json.loads(self.request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
            raise ServiceError(400, "malformed_json") from exc
        return clean_json(body)

    def json_object(self) -> dict[str, Any]:
        """The body, which must be a JSON object."""
        body = self.json_body()
        if not isinstance(body, dict):
            raise ServiceError(400, "body_not_object")
        return body

    def send_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        problem = self.problem(status_code, **kwargs)
        self.set_status(problem.status)
        self.announce_allowed(problem.status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        first = {"code": problem.code, "message": problem.message, "field": problem.field}
        shape: dict[str, Any] = {"error": first, "errors": list(problem.errors) or [first]}
        if problem.details:
            shape["details"] = problem.details
        self.finish(json.dumps(shape, ensure_ascii=False))


def invalid_unicode(field: str) -> ServiceError:
    return ServiceError(400, "invalid_unicode", field=field, field_name=field)


def clean_json(value: Any, path: str = "") -> Any:
    """A parsed JSON body made safe: a lone surrogate anywhere (a key too) is a 400 naming where it is;
    characters nobody sees are removed from every string (services/core/text.py)."""
    if isinstance(value, str):
        if has_lone_surrogate(value):
            raise invalid_unicode(path or "body")
        return without_unseen(value)
    if isinstance(value, list):
        return [clean_json(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if has_lone_surrogate(key):
                raise invalid_unicode(where.encode("utf-8", "backslashreplace").decode())
            out[without_unseen(key)] = clean_json(item, where)
        return out
    return value


class NotFoundHandler(ApiHandler):
    def prepare(self) -> None:
        super().prepare()
        raise tornado.web.HTTPError(404)


def log_request(handler: tornado.web.RequestHandler) -> None:
    """One structured line per request: id, method, path (never the query), status, duration."""
    status = handler.get_status()
    line = {
        "request_id": getattr(handler, "request_id", ""),
        "method": handler.request.method,
        "path": handler.request.path,
        "status": status,
        "ms": round(1000.0 * handler.request.request_time(), 2),
    }
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    log.log(level, json.dumps(line))
