"""Composition root: build the store, the WeChat clients and the services once, join the routes, serve."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import tornado.web

from handlers import files, mp, public, wechat_callback
from handlers.base import AppServices, NotFoundHandler, log_request
from services.context import ServiceContext
from services.mp_sessions import SessionTokens
from services.personal_data import FieldCipher
from services.progress import ClientRateLimiter
from settings import Settings, SettingsError, load_settings
from store import CommandCounter, connect, is_embedded
from store.indexes import ensure_indexes
from wechat.client import WeChatApi

log = logging.getLogger("mediation")


def make_app(settings: Settings, counter: CommandCounter | None = None, **app_settings: Any) -> tornado.web.Application:
    """Build the application; call on the event loop that will serve it (the Mongo client binds to it)."""
    client, db = connect(settings.mongodb_uri, counter, settings.mongodb_database)
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="blocking")
    ctx = ServiceContext(
        db=db,
        cipher=FieldCipher(settings.data_keys, settings.current_key_version, settings.lookup_key),
        settings=settings,
        executor=executor,
    )
    services = AppServices(
        ctx=ctx,
        tokens=SessionTokens(settings.cookie_secret, settings.mp_session_ttl),
        wechat_mp=WeChatApi(
            settings.mp_app_id, settings.mp_app_secret, settings.wechat_api_base, settings.wechat_timeout
        ),
        progress_limiter=ClientRateLimiter(settings.progress_per_client_per_minute),
    )
    routes = [*public.routes, *mp.routes, *files.routes, *wechat_callback.routes]
    return tornado.web.Application(
        routes,
        services=services,
        mongo_client=client,
        default_handler_class=NotFoundHandler,
        log_function=log_request,
        cookie_secret=settings.cookie_secret,
        xsrf_cookies=True,
        **app_settings,
    )


async def start(app: tornado.web.Application) -> None:
    """Work done once before serving: the indexes."""
    await ensure_indexes(app.settings["services"].ctx.db)


async def close(app: tornado.web.Application) -> None:
    app.settings["services"].ctx.executor.shutdown(wait=False)
    await app.settings["mongo_client"].close()


async def serve(settings: Settings, port: int) -> None:
    app = make_app(settings)
    await start(app)
    if is_embedded(settings.mongodb_uri):
        log.warning(
            "*** EMBEDDED ENGINE (mongomock://): data lives in this process's memory only and is LOST "
            "when it stops. Set MONGODB_URI to a MongoDB for anything real. ***"
        )
    app.listen(port, xheaders=settings.behind_proxy)
    log.info("listening on http://127.0.0.1:%d/ (env %s)", port, settings.app_env)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Online mediation of labour disputes: the server")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--config", default="config.yaml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 2
    asyncio.run(serve(settings, args.port or settings.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
