"""What every front shares: the services built at start, a request id, JSON bodies, and the one error mapping."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

import tornado.web
from pymongo.errors import ConnectionFailure
from tornado import httputil
from tornado.http1connection import HTTP1Connection
from tornado.routing import PathMatches, Rule

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
from services.core.numbers import read_whole
from services.core.ratelimit import ClientRateLimiter
from services.core.text import has_lone_surrogate, json_bytes, json_text_is_clean, without_unseen
from services.court.watch import DockingWatch
from services.notify.inbox import WeChatMessages
from services.notify.sender import NotificationSender
from services.notify.staff_messages import StaffMessageSender
from services.stats.retention import RetentionJob
from store import defer_durability, durability_barrier
from store.blobs import BlobDamaged, BlobStore
from wechat.client import WeChatApi
from wechat.errors import WeChatUnavailable
from wechat.oauth import WebOAuth
from wechat.tokens import AccessTokens, ThreadTokenBridge

log = logging.getLogger("mediation.http")
# The request a log line was written for: set in ServiceHandler.prepare, in the request's own task, so every line
# logged while it runs (a service's warning, a traceback) carries it; "-" for the background loops.
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
RETRY_AFTER_SECONDS = 5  # what a 503 asks the caller to wait: a dependency down, or this process stopping
LANGUAGE_COOKIE = "lang"  # the language a person chose with the switch on every page (handlers/public/preferences.py)
MAX_JSON_BYTES = 256 * 1024
# A body a handler that does not stream may send (forms, JSON; a seal image). A larger one is read and thrown away,
# up to DRAIN_BYTES, and answered 413 in the front's own form (BoundedApplication): a browser still sending its
# body reads an answer only once it is all sent, never an empty 400 from Tornado or a reset connection.
MAX_BODY_BYTES = 2 * 1024 * 1024
DRAIN_BYTES = 64 * 1024 * 1024  # the HTTP server's own limit (app.serve): beyond it the connection is closed
# The deepest nesting a JSON body may have. Ours are a few levels deep (a delegation's documents, a draft's
# evidence list); beyond this a body is `malformed_json` (docs/stack-notes.md#input-and-security), whatever its
# depth: json.loads and the walk over its result never reach Python's recursion limit.
MAX_JSON_DEPTH = 32


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
    retention_job: RetentionJob | None = None  # the retention schedule's daily run (services/stats/retention.py)
    # Set when the process is asked to stop (app.serve, app.close): long polls end with a 503 and Retry-After.
    stopping: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    in_flight: int = 0  # requests begun and not yet finished (app.serve waits for them before closing the store)


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
    if isinstance(exc, BlobDamaged):  # a stored file that does not authenticate: never its wrong bytes
        return Problem(500, "file_damaged", text("error.file_damaged", locale))
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
        cookie, set by the switch on every page); until they choose, the browser's (or the mini-program's)
        `Accept-Language`, so a page and its own calls speak alike; Chinese when neither says."""
        chosen = self.get_cookie(LANGUAGE_COOKIE, "")
        if chosen in LOCALES:
            return chosen
        return best_locale(self.request.headers.get("Accept-Language", ""))

    def set_default_headers(self) -> None:
        # Browsers must not guess another type than the one we send (a JSON error shown as HTML).
        self.set_header("X-Content-Type-Options", "nosniff")
        if self.request_id:  # an error clears the headers: its answer names the request too
            self.set_header("X-Request-Id", self.request_id)

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

    def set_status(self, status_code: int, reason: str | None = None) -> None:
        super().set_status(status_code, reason)
        if status_code == 503:  # every 503 says when to try again (RFC 9110 §10.2.3), a page's as an API's
            self.set_header("Retry-After", str(RETRY_AFTER_SECONDS))

    _counted = False  # this request is in AppServices.in_flight

    def on_finish(self) -> None:
        if self._counted:
            self._counted = False
            self.services.in_flight -= 1
        super().on_finish()

    # A handler whose page shows its own words for a body over MAX_BODY_BYTES (the seal form) reads
    # `body_refused` in its method; for any other the request is refused in prepare, in its front's form.
    own_size_message: ClassVar[bool] = False

    @property
    def body_refused(self) -> bool:
        """Whether this request's body was over MAX_BODY_BYTES (and so thrown away: BoundedApplication)."""
        return bool(getattr(self.request, "body_refused", False))

    def check_xsrf_cookie(self) -> None:
        if self.body_refused:  # the token went with the body: the request is refused anyway, having done nothing
            return
        super().check_xsrf_cookie()

    def prepare(self) -> Any:
        if not self._counted:
            self._counted = True
            self.services.in_flight += 1  # this request's writes are made durable together, before it answers (finish)
        incoming = self.request.headers.get("X-Request-Id", "")
        self.request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex[:16]
        self.set_header("X-Request-Id", self.request_id)
        REQUEST_ID.set(self.request_id)
        defer_durability()  # this request's writes are made durable together, before it answers (finish)
        if self.body_refused and not self.own_size_message:
            raise ServiceError(413, "body_too_large")
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
        return {f"path_{k}" if k in audit.RECORD_FIELDS else k: v for k, v in named.items()}

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
        if isinstance(value, BlobDamaged):  # the file is named; a traceback would add nothing
            log.error("stored file damaged request_id=%s: %s", self.request_id, value)
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
        (400) rather than removed, so a value the OpenAPI document forbids is never quietly read as another.
        Otherwise Tornado's answer: the last value (stripped), or the default, or a 400 naming it as missing."""
        values = self.request.query_arguments.get(name)
        if not values:
            return super().get_query_argument(name, default, strip)
        text = ""
        for raw in values:
            # decode_argument: a 400 for bytes that are not UTF-8, else the text without unseen characters
            text = self.decode_argument(raw, name)
            if len(text) != len(raw.decode("utf-8")):
                raise ServiceError(400, "unseen_characters", field=name, field_name=name)
        # Tornado's own would also turn control characters into spaces: refused above, as unseen ones.
        return text.strip() if strip else text

    def json_body(self) -> Any:
        if len(self.request.body) > MAX_JSON_BYTES:
            raise ServiceError(413, "body_too_large")
        content_type = self.request.headers.get("Content-Type", "")
        if not content_type.startswith("application/json"):
            raise ServiceError(415, "json_required")
        return parse_json(self.request.body)

    def json_object(self) -> dict[str, Any]:
        """The body, which must be a JSON object."""
        body = self.json_body()
        if not isinstance(body, dict):
            raise ServiceError(400, "body_not_object")
        return body

    def send_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json_bytes(data))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        problem = self.problem(status_code, **kwargs)
        self.set_status(problem.status)
        self.announce_allowed(problem.status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        first = {"code": problem.code, "message": problem.message, "field": problem.field}
        shape: dict[str, Any] = {"error": first, "errors": list(problem.errors) or [first]}
        if problem.details:
            shape["details"] = problem.details
        self.finish(json_bytes(shape))


def invalid_unicode(field: str) -> ServiceError:
    return ServiceError(400, "invalid_unicode", field=field, field_name=field)


def parse_json(raw: bytes) -> Any:
    """A JSON body, parsed (load_json) and made safe (clean_json; not walked when the text shows nothing to clean)."""
    body = load_json(raw)
    return body if json_text_is_clean(raw.decode("utf-8")) else clean_json(body)


def load_json(raw: bytes) -> Any:
    """A JSON body parsed, for every route that takes one (the docking front's too): bytes that are not UTF-8, text
    that is not JSON or nesting deeper than MAX_JSON_DEPTH are a 400 `malformed_json`, never a RecursionError (a
    500), however deep the nesting. Clean it with clean_json before use."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: nesting past Python's limit
        raise ServiceError(400, "malformed_json") from exc
    # No deeper than the brackets it holds: a body with few (most) is not walked.
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and json_depth(body) > MAX_JSON_DEPTH:
        raise ServiceError(400, "malformed_json")
    return body


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:  # deeper than the limit is refused anyway: no need to walk further
            stack.extend((child, depth + 1) for child in children)
    return deepest


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
    # A 503 is a dependency down or this process stopping, said to the caller with Retry-After: not a fault.
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 or status == 503 else logging.ERROR
    log.log(level, json.dumps(line))


class RequestIdFilter(logging.Filter):
    """Gives every log record the id of the request it was written for (`%(request_id)s`; "-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class JsonLines(logging.Formatter):
    """LOG_FORMAT=json: one JSON object a line (time, level, logger, request id, message, and the traceback if
    any), for a log collector; the request's own line (log_request) is its message, parsed back into fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
        }
        message = record.getMessage()
        fields = _json_object(message) if record.name == log.name else None
        line.update(fields or {"message": message})
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _json_object(message: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def configure_logging(log_format: str = "text") -> None:
    """The process's log: every line with its request id; `json` for JSON lines (LOG_FORMAT)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO)
    for handler in root.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
        if log_format == "json":
            handler.setFormatter(JsonLines())
        else:
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))


class BoundedApplication(tornado.web.Application):
    """The application, with a body limit every front answers in its own form (JSON on the API, the page's error
    or its form's message on pages) instead of Tornado's empty 400 (docs/stack-notes.md#tornado), and its routes
    looked up by the path's first segment (RouteIndex)."""

    def find_handler(  # type: ignore[override]  # Tornado names its private delegate class as the type
        self, request: httputil.HTTPServerRequest, **kwargs: Any
    ) -> httputil.HTTPMessageDelegate:
        if len(self.default_router.rules) != 1:  # hosts' rules added (add_handlers) come first: Tornado's own walk
            return super().find_handler(request, **kwargs)
        rules = self.wildcard_router.rules
        if self._route_index is None or self._route_index.size != len(rules):
            self._route_index = RouteIndex(rules)
        for rule in self._route_index.candidates(request.path):
            params = rule.matcher.match(request)
            if params is not None:
                if rule.target_kwargs:
                    params["target_kwargs"] = rule.target_kwargs
                delegate = self.wildcard_router.get_target_delegate(rule.target, request, **params)
                if delegate is not None:
                    return delegate
        return super().find_handler(request, **kwargs)  # no route: the default handler (a 404 in its front's form)

    _route_index: RouteIndex | None = None

    def get_handler_delegate(  # type: ignore[override]  # Tornado names its private delegate class as the type
        self,
        request: httputil.HTTPServerRequest,
        target_class: type[tornado.web.RequestHandler],
        target_kwargs: dict[str, Any] | None = None,
        path_args: list[bytes] | None = None,
        path_kwargs: dict[str, bytes] | None = None,
    ) -> httputil.HTTPMessageDelegate:
        inner = super().get_handler_delegate(request, target_class, target_kwargs, path_args, path_kwargs)
        if getattr(target_class, "_stream_request_body", False):
            return inner  # uploads and docking: they limit their bodies themselves, as they stream
        return _BoundedBody(inner, request)


class RouteIndex:
    """The route table by the first segment of its paths: Tornado tries every rule's pattern in turn (180 here, so a
    route near the end, the WeChat callback, paid for 170 patterns tried per request). A path is tried against the
    rules whose pattern starts with its first segment written out (`/api/...` for `/api/mp/session`) and those whose
    first segment is a pattern, in the table's order: the first match is the one Tornado's own walk finds."""

    # A first segment of plain characters, then a slash that must be there, or the end: "/x/?..." is not one.
    _LITERAL = re.compile(r"/([A-Za-z0-9_-]*)(?:/(?![?*+{])|/\?\$?$|\$|$)")

    def __init__(self, rules: list[Rule]) -> None:
        self.size = len(rules)
        keys = [self._key(rule) for rule in rules]
        self._any = [rule for rule, key in zip(rules, keys, strict=True) if key is None]
        self._by_segment = {
            key: [rule for rule, other in zip(rules, keys, strict=True) if other in (key, None)]
            for key in set(keys)
            if key is not None
        }

    def _key(self, rule: Rule) -> str | None:
        """The pattern's first segment when it is plain text, else None (tried for every path)."""
        if not isinstance(rule.matcher, PathMatches):
            return None
        regex = rule.matcher.regex
        if regex.flags & re.IGNORECASE or _alternative_at_top(regex.pattern):  # another case, or first segment
            return None
        found = self._LITERAL.match(regex.pattern)
        return found.group(1) if found else None

    def candidates(self, path: str) -> list[Rule]:
        segment = path[1:].split("/", 1)[0] if path.startswith("/") else None
        return self._by_segment.get(segment, self._any) if segment is not None else self._any


def _alternative_at_top(pattern: str) -> bool:
    """Whether a regular expression has a `|` outside any group (`/a/x|/b/y`): then it has another beginning."""
    depth, at, in_class = 0, 0, False
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        at += 1
    return False


class _BoundedBody(httputil.HTTPMessageDelegate):
    """Holds a body for a handler that does not stream, up to MAX_BODY_BYTES; past it, reads on and throws the rest
    away (to DRAIN_BYTES: a declared length beyond that is answered at once), and the handler runs with no body and
    `request.body_refused` set (ServiceHandler.prepare)."""

    def __init__(self, inner: httputil.HTTPMessageDelegate, request: httputil.HTTPServerRequest) -> None:
        self.inner, self.request = inner, request
        self.chunks: list[bytes] = []
        self.size = 0
        self.refused = False
        self.answered = False

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> Any:
        length = read_whole(headers.get("Content-Length", "")) or 0
        if length > MAX_BODY_BYTES:
            self.refused = True
            connection = self.request.connection
            if isinstance(connection, HTTP1Connection):
                connection.set_max_body_size(length)  # read (and thrown away), never Tornado's own 400
        received = self.inner.headers_received(start_line, headers)
        if length > DRAIN_BYTES:  # answered now; the connection closes after the answer
            self._run()
        return received

    def data_received(self, chunk: bytes) -> Any:
        self.size += len(chunk)
        if self.size > MAX_BODY_BYTES:
            self.refused, self.chunks = True, []
        if not self.refused:
            self.chunks.append(chunk)
        return None

    def finish(self) -> None:
        self._run()

    def _run(self) -> None:
        if self.answered:
            return
        self.answered = True
        if self.refused:
            self.request.body_refused = True  # type: ignore[attr-defined]
            self.request.headers.pop("Content-Type", None)  # no form or multipart to parse: there is no body
        elif self.chunks:
            self.inner.data_received(b"".join(self.chunks))
        self.inner.finish()

    def on_connection_close(self) -> None:
        self.inner.on_connection_close()
