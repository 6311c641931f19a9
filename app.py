"""Composition root: build the store, the WeChat clients and the services once, join the routes, serve."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.netutil
import tornado.web

from handlers import admin
from handlers.access import UndeclaredAccess, check_routes
from handlers.base import DRAIN_BYTES, AppServices, BoundedApplication, NotFoundHandler, configure_logging, log_request
from handlers.metrics import log_and_count, route_labels
from handlers.pages import make_jinja_env
from handlers.public.home import not_found_route
from handlers.public.static import StaticFiles
from handlers.routes import ROUTES
from handlers.uploads import clean_upload_folder
from platforms.card import CardPlatformClient
from platforms.court import CourtClient
from platforms.pdf import PdfConverter
from platforms.sms import NoSms, SmsProvider
from services.accounts.mp_sessions import SessionTokens
from services.accounts.staff import SYSTEM_ADMIN, ensure_bootstrap_admin
from services.cases.deadline_watch import DeadlineWatch
from services.cases.documents import Papers, Renderers
from services.cases.outbox import check_templates
from services.cases.taxonomy import Taxonomies
from services.core.context import DemoClock, ServiceContext, clock_offset, utc_now
from services.core.personal_data import FieldCipher
from services.core.ratelimit import ClientRateLimiter
from services.court import events as court_events
from services.court.outbox import PartnerOutbox
from services.court.watch import DockingWatch
from services.directory import centres, local_figures
from services.library import entries as library_entries
from services.library import search as library_search
from services.notify.inbox import WeChatMessages
from services.notify.sender import NotificationSender
from services.notify.staff_messages import StaffMessageSender
from services.stats import counters
from services.stats.retention import RetentionJob
from settings import DEFAULT_PUBLIC_BASE_URL, Settings, SettingsError, describe_offset, load_settings, secret_risk
from standins.card_platform import CardPlatformStandIn, Channel
from standins.court_platform import CourtPlatformStandIn
from standins.server import StandInPortTaken
from standins.sms import RecordingSms
from standins.wechat import WeChatStandIn
from store import CommandCounter, StoreError, connect, describe, embedded_folder, is_embedded
from store.blobs import LocalBlobStore, open_blob_store
from store.guard import guard
from store.indexes import ensure_indexes
from wechat.callback import SafeMode
from wechat.client import WeChatApi
from wechat.oauth import WebOAuth
from wechat.tokens import AccessTokens, ThreadTokenBridge, fetch_stable_token

log = logging.getLogger("mediation")
ROOT = Path(__file__).resolve().parent
DRAIN_SECONDS = 10  # what requests in flight get to answer once the server is asked to stop
SIGN_INS_PER_CLIENT_PER_MINUTE = 30  # password checks (argon2, queued) and SMS codes per client address


NO_ADMINISTRATOR = (
    "NO ADMINISTRATOR YET: the back office (/office/) needs one. Stop this server (Ctrl-C) and start it again with "
    "BOOTSTRAP_ADMIN=admin:Choose-A-Passw0rd! bash scripts/serve.sh (your own login:password; made once, an "
    "existing administrator is never changed), or with the server stopped: python manage.py create-admin "
    "--login admin --name 管理员"
)

# What follows from every write of a case, kept by the rooms above the case writer (services/cases/moves.py
# WriteHook): the court's news of a delegated case's end, in the same update; the statistics, after it.
CASE_HOOKS = (court_events.HOOK, counters.HOOK)


def service_context(settings: Settings, counter: CommandCounter | None = None) -> tuple[Any, ServiceContext]:
    """The store and what every service function needs (the server, manage.py, the benches and the tests' `ctx`
    build it here, and only here): the database with cases read-only (store/guard.py), the case writer's hooks."""
    client, db = connect(settings.mongodb_uri, counter, settings.mongodb_database)
    ctx = ServiceContext(
        db=guard(db),
        cipher=FieldCipher(settings.data_keys, settings.current_key_version, settings.lookup_key),
        settings=settings,
        case_hooks=CASE_HOOKS,
        executor=ThreadPoolExecutor(max_workers=8, thread_name_prefix="blocking"),
        # The service's clock: real time itself in production; in development one the demo can move forward
        # (DEMO_CLOCK, the stand-ins' page). Sessions, codes and signed windows read `real_clock`, never moved.
        clock=utc_now if settings.production else DemoClock(settings.demo_clock),
    )
    return client, ctx


def sms_provider(name: str) -> SmsProvider:
    """The configured SMS provider; a real gateway's adapter is still to be written (only these two exist)."""
    if name == "standin":
        return RecordingSms()
    if name == "none":
        return NoSms()
    raise SettingsError(f"unknown SMS provider {name!r} ('standin' or 'none')")


@dataclasses.dataclass
class WeChatClients:
    access_tokens: AccessTokens
    bridge: ThreadTokenBridge
    official_account: WeChatApi
    mini_program: WeChatApi


def wechat_clients(settings: Settings, db: Any, clock: Any = utc_now) -> WeChatClients:
    """wechatpy clients for both apps, sharing one access token per app id with every process."""
    access_tokens = AccessTokens(
        db,
        {settings.wechat_app_id: settings.wechat_app_secret, settings.mp_app_id: settings.mp_app_secret},
        partial(fetch_stable_token, settings.wechat_api_base, timeout=settings.wechat_timeout),
        clock,
    )
    bridge = ThreadTokenBridge(access_tokens, timeout=3 * settings.wechat_timeout)  # wechatpy's threads ask here

    def client(app_id: str, secret: str) -> WeChatApi:
        return WeChatApi(app_id, secret, settings.wechat_api_base, settings.wechat_timeout, tokens=bridge)

    return WeChatClients(
        access_tokens,
        bridge,
        client(settings.wechat_app_id, settings.wechat_app_secret),
        client(settings.mp_app_id, settings.mp_app_secret),
    )


def make_app(settings: Settings, counter: CommandCounter | None = None, **app_settings: Any) -> tornado.web.Application:
    """Build the application; call on the event loop that will serve it (the Mongo client binds to it)."""
    routes = [*ROUTES, not_found_route]  # a person at an unknown address gets a page; the API its JSON 404
    check_routes(routes, NotFoundHandler, StaticFiles)  # deny by default: who may call each method, or no start
    check_templates(settings)  # a notification kind without its templates refuses the start
    client, ctx = service_context(settings, counter)
    sms = sms_provider(settings.sms_provider)
    wechat = wechat_clients(settings, ctx.db, ctx.real_clock)  # tokens expire in real time
    access_tokens, token_bridge, wechat_oa, wechat_mp = (
        wechat.access_tokens,
        wechat.bridge,
        wechat.official_account,
        wechat.mini_program,
    )
    safe_mode = (
        SafeMode(settings.wechat_token, settings.wechat_aes_key, settings.wechat_app_id)
        if settings.wechat_aes_key
        else None
    )
    renderers = Renderers({c.id: c.templates_dir for c in settings.centres})
    blobs = open_blob_store(
        embedded=is_embedded(settings.mongodb_uri),
        db=ctx.db,
        folder=settings.blob_dir,
        keys=settings.data_keys,
        current_version=settings.current_key_version,
        executor=ctx.executor,
    )
    court_client = CourtClient(settings.docking.self_id, settings.docking.timeout_seconds, ctx.run_blocking)
    partner_outbox = PartnerOutbox(ctx, court_client, Papers(renderers, blobs))  # a delegated case's events
    notification_sender = NotificationSender(ctx, wechat_oa, wechat_mp, sms=sms, partners=partner_outbox)
    ctx.wake_outbox = notification_sender.wake  # the case writer wakes it after writing a notification
    services = AppServices(
        ctx=ctx,
        tokens=SessionTokens(settings.cookie_secret, settings.mp_session_ttl),
        wechat_mp=wechat_mp,
        progress_limiter=ClientRateLimiter(settings.progress_per_client_per_minute),
        sign_in_limiter=ClientRateLimiter(SIGN_INS_PER_CLIENT_PER_MINUTE),
        mp_session_limiter=ClientRateLimiter(settings.mp_sessions_per_client_per_minute),
        card_ticket_limiter=ClientRateLimiter(settings.card_tickets_per_client_per_minute),
        access_tokens=access_tokens,
        token_bridge=token_bridge,
        wechat_oa=wechat_oa,
        wechat_messages=WeChatMessages(ctx, wechat_oa, safe_mode, settings.wechat_clicks),
        web_oauth=WebOAuth(
            settings.wechat_app_id,
            settings.wechat_app_secret,
            settings.wechat_api_base,
            settings.wechat_oauth_base,
            settings.wechat_timeout,
        ),
        taxonomies=Taxonomies.load(settings.centres),
        card=CardPlatformClient(settings.card_platform, ctx.run_blocking),
        sms=sms,
        renderers=renderers,
        pdf=PdfConverter(),
        blobs=blobs,
        notification_sender=notification_sender,
        deadline_watch=DeadlineWatch(ctx, Papers(renderers, blobs)),  # an end's notices rendered by the watch too
        court_client=court_client,
        docking_watch=DockingWatch(ctx, court_client),
    )
    services.staff_messages = StaffMessageSender(ctx, services.sms)
    services.retention_job = RetentionJob(ctx, blobs, client)  # what has outlived its period, daily
    services.taxonomies.bind(partial(_centre_taxonomy, ctx))
    application = BoundedApplication(
        routes,
        services=services,
        mongo_client=client,
        default_handler_class=NotFoundHandler,
        log_function=log_and_count,  # the request's log line and its counts at /metrics
        cookie_secret=settings.cookie_secret,
        xsrf_cookies=True,
        xsrf_cookie_kwargs={"httponly": True, "secure": True, "samesite": "Lax"},
        jinja_env=make_jinja_env(str(ROOT / "templates")),
        static_path=str(ROOT / "static"),
        static_handler_class=StaticFiles,  # versioned addresses cached for a year
        # gzip for pages, CSS, JS and JSON (a phone on a slow line; docs/stack-notes.md#tornado). The XSRF token in
        # every form is masked afresh on each request (Tornado's version 2 tokens), so compression leaks nothing of
        # it (BREACH).
        compress_response=True,
        login_url="/h5/oauth/start",
        **app_settings,
    )
    route_labels(application)  # the `route` label of the request counts (handlers/metrics.py)
    return application


def make_admin_app(app: tornado.web.Application) -> tornado.web.Application:
    """The administrative front (handlers/admin/) beside `app`, sharing its services and store: served on its own
    listener, on 127.0.0.1 only (serve), for manage.py."""
    check_routes(admin.routes, NotFoundHandler)
    return tornado.web.Application(
        admin.routes,
        services=app.settings["services"],
        mongo_client=app.settings["mongo_client"],
        default_handler_class=NotFoundHandler,
        log_function=log_request,
    )


def bind_admin(settings: Settings) -> list[Any]:
    """With ADMIN_TOKEN set, the administrative front's socket: 127.0.0.1:ADMIN_PORT (0: a free port)."""
    if not settings.admin_token:
        return []
    try:
        return tornado.netutil.bind_sockets(settings.admin_port, address="127.0.0.1")
    except OSError as exc:
        raise SettingsError(f"ADMIN_PORT {settings.admin_port} on 127.0.0.1 cannot be used ({exc.strerror})") from exc


def serve_admin(app: tornado.web.Application, sockets: list[Any]) -> tornado.httpserver.HTTPServer | None:
    """The administrative front on its own socket (bind_admin), its address written into the embedded folder's
    LOCK, where manage.py finds it; none without ADMIN_TOKEN."""
    if not sockets:
        return None
    server = tornado.httpserver.HTTPServer(make_admin_app(app), max_body_size=64 * 1024)
    server.add_sockets(sockets)
    address = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/"
    journal = getattr(app.settings["mongo_client"], "journal", None)
    if journal is not None:
        journal.announce(admin=address)
    log.info("administrative endpoint (manage.py, ADMIN_TOKEN) on %s", address)
    return server


def _clock_moved(services: AppServices) -> None:
    """The demo clock moved (the stand-ins' page): the watches look at the new time now, not in five minutes."""
    ahead = describe_offset(clock_offset(services.ctx.clock))
    log.warning("DEMO CLOCK moved: the service's clock runs %s ahead", ahead)
    for watch in (services.deadline_watch, services.docking_watch, services.notification_sender):
        if watch is not None:
            watch.wake()


def _centre_taxonomy(ctx: ServiceContext, centre_id: str) -> str | None:
    """The cause list a centre files under, from this process's snapshot of the directory."""
    known = centres.cached(ctx)
    centre = known.get(centre_id) if known else None
    return centre.taxonomy if centre else None


async def start(app: tornado.web.Application) -> None:
    """Work done once before serving: the indexes, the centres of a fresh database; the token bridge
    learns the serving loop; on the durable embedded engine (this process alone holds its folder),
    files left by a crash are removed."""
    services = app.settings["services"]
    services.token_bridge.bind(asyncio.get_running_loop())
    settings = services.ctx.settings
    if embedded_folder(settings.mongodb_uri):
        removed = clean_upload_folder(settings.upload_tmp_dir)
        if isinstance(services.blobs, LocalBlobStore):
            removed += services.blobs.remove_partial()
        if removed:
            log.warning("removed %d unfinished upload or blob file(s) left by an earlier process", removed)
    await ensure_indexes(services.ctx.db)
    await centres.seed(services.ctx)
    known = await centres.directory(services.ctx)
    if settings.production and (examples := centres.example_contacts(known)):
        raise SettingsError(
            f"APP_ENV=production refuses centres whose contact is still the demo's: {', '.join(examples)}; write their "
            "real address and phone in the back office (/office/centres/<id>, on a development start of this store)"
        )
    await library_entries.seed(services.ctx)  # the shipped laws and typical cases: new ones, and unedited ones renewed
    await local_figures.seed(services.ctx)  # the published local figures shipped in data/, each once
    await library_search.index(services.ctx)  # built before serving: the first search does not pay for it
    if services.ctx.settings.bootstrap_admin:
        created = await ensure_bootstrap_admin(services.ctx, services.ctx.settings.bootstrap_admin)
        if created:
            log.warning("created the first system administrator %r from BOOTSTRAP_ADMIN", created.login)
    if services.ctx.settings.notifications.sender_enabled:
        services.notification_sender.start()  # after the indexes: its pass reads cases by outbox_due_at
        services.deadline_watch.start()
        services.staff_messages.start()
        services.docking_watch.start()
        services.retention_job.start()


async def close(app: tornado.web.Application) -> None:
    """Stop everything this process started: the rendering pool and LibreOffice (no orphans), the
    background tasks, the thread pool, and the store (the durable engine finishes its journal)."""
    services = app.settings["services"]
    services.stopping.set()  # long polls end (503, Retry-After); the sender stops between two sends
    services.renderers.close()
    await services.pdf.close()
    await services.deadline_watch.stop()
    await services.staff_messages.stop()
    await services.docking_watch.stop()
    await services.retention_job.stop()
    await services.notification_sender.stop()  # lets a pass record what it sent
    services.ctx.stop_executor()
    await app.settings["mongo_client"].close()


async def finish_requests(app: tornado.web.Application, server: tornado.httpserver.HTTPServer) -> None:
    """Before the store closes: long polls are told to end (a 503 with Retry-After), the requests in flight get
    DRAIN_SECONDS to answer, then the connections are closed. A request is never left to meet a closed store
    (a 500 in the log)."""
    services = app.settings["services"]
    services.stopping.set()
    deadline = asyncio.get_running_loop().time() + DRAIN_SECONDS
    while services.in_flight > 0 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    if services.in_flight > 0:
        log.warning("stopping with %d request(s) still unanswered after %d s", services.in_flight, DRAIN_SECONDS)
    try:
        await asyncio.wait_for(server.close_all_connections(), 2)
    except TimeoutError:
        pass


def warn_about_start(settings: Settings, client: Any) -> None:
    """Say out loud what a person must know about this start: default secrets, the engine in use."""
    for name in settings.default_secrets:
        log.warning(
            "DEFAULT SECRET %s in use: anyone who reads this repository can %s; set %s before anything real",
            name,
            secret_risk(name),
            name,
        )
    if settings.demo_clock:
        log.warning(
            "DEMO CLOCK: the service's clock runs %s ahead of real time (deadlines, answer periods, performance "
            "checks, the court's periods); sessions and SMS codes keep real time. Development only.",
            describe_offset(settings.demo_clock),
        )
    engine = describe(settings.mongodb_uri)
    if not engine["durable"]:
        log.warning(
            "*** MEMORY-ONLY ENGINE (mongomock://): data lives in this process's memory only and is LOST "
            "when it stops. Use MONGODB_URI=embedded:var/db or a MongoDB for anything real. ***"
        )
    elif is_embedded(settings.mongodb_uri):
        journal = client.journal
        log.warning(
            "embedded engine in %s: durable (each write journaled and fsync'd before it is acknowledged), "
            "%d documents loaded in %.2f s from %s (snapshot %d bytes, journals %d bytes), every record's checksum "
            "and each journal's length checked; it serves this ONE process only",
            embedded_folder(settings.mongodb_uri),
            client.loaded_documents,
            client.load_seconds,
            "MANIFEST.json's files" if journal.found and journal.found.manifest else "the files found",
            journal.snapshot_bytes,
            journal.journal_bytes,
        )


async def serve(settings: Settings, port: int, with_standins: bool = False) -> None:
    # The port first: when it is taken, say so before anything starts or writes (stand-ins, the store's folder).
    try:
        sockets = tornado.netutil.bind_sockets(port, address=settings.listen_address)
    except OSError as exc:
        raise SettingsError(
            f"port {port} on {settings.listen_address} cannot be used ({exc.strerror}): another "
            "server runs there? Choose another with --port N"
        ) from exc
    admin_sockets = bind_admin(settings)
    standin = None
    if with_standins:
        settings, standin = start_standins(settings, port)
    app = make_app(settings)
    services = app.settings["services"]
    if standin is not None and isinstance(services.sms, RecordingSms):
        standin.state.sms = services.sms  # its codes and messages on the stand-in's page too
    if standin is not None and isinstance(services.ctx.clock, DemoClock):  # its control on the stand-in's page
        standin.state.clock = services.ctx.clock
        standin.state.clock_moved = partial(_clock_moved, services)
    await start(app)
    # What start loaded (the embedded engine's documents, the library's index) lives as long as the process: out of
    # the cyclic collector's full passes, which would otherwise walk all of it (a pause of a second at 100,000
    # records, bench/bench_retention.py) whenever enough new objects accumulate, as a purge's do. The serving
    # process only: tests start many apps in one process.
    gc.freeze()
    warn_about_start(settings, app.settings["mongo_client"])
    # Bodies are small everywhere but the upload handlers, which set their own limit while streaming; a larger one
    # is read and thrown away up to DRAIN_BYTES and answered 413 in its front's form (handlers/base.py).
    server = tornado.httpserver.HTTPServer(app, xheaders=settings.behind_proxy, max_body_size=DRAIN_BYTES)
    server.add_sockets(sockets)
    admin_server = serve_admin(app, admin_sockets)
    log.info("listening on http://%s:%d/ (env %s)", settings.listen_address, port, settings.app_env)
    if with_standins:
        log.warning(
            "WeChat stand-in on %s: open http://127.0.0.1:%d/h5/apply and choose 微信授权登录（本地替身） on the "
            "sign-in page (a browser whose User-Agent contains MicroMessenger goes straight to it) to 'authorise' "
            "as a test user; back office at /office/ (BOOTSTRAP_ADMIN=login:password creates an administrator); "
            "wx.login codes, the messages WeChat received and the SMS codes: %sstandin/",
            settings.wechat_api_base,
            port,
            settings.wechat_api_base,
        )
        log.warning(
            "card platform stand-in on %s: open http://127.0.0.1:%d/portal/login, open the QR code's address "
            "(the link under it) in another tab and confirm as a test person; SMS codes appear in this log",
            settings.card_platform.base_url,
            port,
        )
    if await services.ctx.db["staff"].find_one({"role": SYSTEM_ADMIN}, {"_id": 1}) is None:
        log.warning(NO_ADMINISTRATOR)  # last, where a newcomer reads: how to make the first one
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # an operator's stop: no orphaned workers, the journal closed
        asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
    with profiled():
        await stopping.wait()
    log.warning("stopping: no new connections; closing the rendering pool, LibreOffice and the store")
    server.stop()
    if admin_server is not None:
        admin_server.stop()
    await finish_requests(app, server)
    await close(app)
    log.warning("stopped")


@contextlib.contextmanager
def profiled() -> Iterator[None]:
    """With PROFILE=path (the benches, bench/README.md): the server's CPU while serving, under cProfile, its stats
    written to that path when it stops. Start-up and shutdown are left out."""
    path = os.environ.get("PROFILE")
    if not path:
        yield
        return
    import cProfile  # noqa: PLC0415 - a bench's tool, not the server's

    profiler = cProfile.Profile(time.process_time)  # CPU time: other processes on the machine do not count
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Online mediation of labour disputes: the server")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument(
        "--standins", action="store_true", help="run local stand-ins of WeChat (demo and development only)"
    )
    parser.add_argument(
        "--standin-ports",
        default=None,
        help="the stand-ins on 127.0.0.1:N (WeChat and SMS), N+1 (card platform), N+2... (partners): STANDIN_PORTS",
    )
    parser.add_argument(
        "--clock",
        default=None,
        help="move the service's clock forward, e.g. +8d or +36h (sets DEMO_CLOCK; development only)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    configure_logging()  # every line with its request id
    try:
        environ = dict(os.environ)
        if args.clock is not None:
            environ["DEMO_CLOCK"] = args.clock
        if args.standin_ports is not None:
            environ["STANDIN_PORTS"] = args.standin_ports
        settings = load_settings(args.config, environ)
        configure_logging(settings.log_format)
        if args.standins and settings.production:
            raise SettingsError("APP_ENV=production refuses the WeChat stand-in (--standins)")
        asyncio.run(serve(settings, args.port or settings.port, args.standins))
    except (SettingsError, StoreError, UndeclaredAccess, StandInPortTaken) as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 2
    return 0


def start_standins(settings: Settings, port: int) -> tuple[Settings, WeChatStandIn]:
    """Start the WeChat and card platform stand-ins on free local ports and point the settings at them."""
    if settings.public_base_url == DEFAULT_PUBLIC_BASE_URL:  # the demo on another port: links must follow it
        settings = dataclasses.replace(settings, public_base_url=f"http://127.0.0.1:{port}")
    standin = WeChatStandIn(
        {settings.wechat_app_id: settings.wechat_app_secret, settings.mp_app_id: settings.mp_app_secret}
    )
    first = settings.standin_ports  # 0: each on a free port
    base = standin.start(port=first)
    card = settings.card_platform
    channel = Channel(settings.public_base_url + "/portal/card/notify", card.channel_key, card.public_key)
    card_base = CardPlatformStandIn({card.channel_id: channel}).start(port=first and first + 1)
    partners = []
    # Each court / institute: a platform stand-in with a page of its own.
    for number, partner in enumerate(settings.docking.partners):
        court = CourtPlatformStandIn(
            partner.id,
            partner.key,
            settings.docking.self_id,
            settings.public_base_url,
            prefix=urlsplit(partner.callback_base).path or "/docking/",
        )
        court.start(port=first and first + 2 + number)
        partners.append(dataclasses.replace(partner, callback_base=court.callback_base))
        log.warning(
            "court platform stand-in for %s (%s): open %s to delegate a case and watch it come back",
            partner.id,
            partner.name,
            court.base_url,
        )
    settings = dataclasses.replace(
        settings,
        wechat_api_base=base,
        wechat_oauth_base=standin.oauth_base_url,
        card_platform=dataclasses.replace(card, base_url=card_base),
        docking=dataclasses.replace(settings.docking, partners=tuple(partners)),
    )
    return settings, standin


if __name__ == "__main__":
    sys.exit(main())
