"""Administration commands.

`python manage.py create-admin --login admin --name 管理员 --centre sh-city`: the first system administrator;
`python manage.py menu show|publish [--config]`: the official account's menu from configuration.
`python manage.py recount [--repair] [--config]`: count the statistics again from the cases, compare with the
counters the case writer keeps, and (with --repair) write the differences over them.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
import time

from pymongo.errors import ConnectionFailure

from app import service_context, wechat_clients
from services.accounts.staff import create_first_admin, password_problems
from services.core.errors import ServiceError
from services.directory import centres
from services.stats import counters
from settings import Settings, SettingsError, load_settings
from store import StoreError
from store.indexes import ensure_indexes
from wechat.errors import WeChatRefused, WeChatUnavailable
from wechat.menu import publish, render_menu

EMBEDDED_REFUSAL = (
    "refusing: MONGODB_URI is the memory-only engine (mongomock://), whose data lives in one process only;\n"
    "an administrator created here would vanish when this command exits. Point MONGODB_URI at a MongoDB or\n"
    "at the durable embedded engine (embedded:var/db, while the server is stopped), or start the server with\n"
    "BOOTSTRAP_ADMIN=login:password to create the first administrator inside the server's own process."
)

RECOUNT_REFUSAL = (
    "refusing: MONGODB_URI is the memory-only engine (mongomock://), whose data lives in one process only: a\n"
    "recount here would count a fresh, empty store. Point MONGODB_URI at a MongoDB or at the durable embedded\n"
    "engine (embedded:var/db, while the server is stopped)."
)


def read_password() -> str:
    """ADMIN_PASSWORD from the environment, else asked twice without echo."""
    from_env = os.environ.get("ADMIN_PASSWORD")
    if from_env:
        return from_env
    first = getpass.getpass("Password for the new administrator: ")
    if first != getpass.getpass("Repeat the password: "):
        raise SystemExit("the two passwords differ; nothing was created")
    return first


async def create_admin(settings: Settings, login: str, name: str, centre_id: str, password: str) -> None:
    # The same store and context the server builds (app.make_app), without the HTTP side.
    client, ctx = service_context(settings)
    try:
        await ensure_indexes(ctx.db)
        await centres.seed(ctx)  # a fresh database: config.yaml's centres (an existing one keeps its own)
        await create_first_admin(ctx, login, name, centre_id, password)
    finally:
        ctx.stop_executor()
        await client.close()


async def publish_menu(settings: Settings) -> None:
    """Publish the configured menu through the shared access token (the server's database)."""
    mongo, ctx = service_context(settings)
    try:
        wechat = wechat_clients(settings, ctx.db)
        wechat.bridge.bind(asyncio.get_running_loop())
        menu = render_menu(settings.wechat_menu, settings.public_base_url)
        await ctx.run_blocking(publish, wechat.official_account, menu)
    finally:
        ctx.stop_executor()
        await mongo.close()


def menu_command(settings: Settings, action: str) -> int:
    menu = render_menu(settings.wechat_menu, settings.public_base_url)
    if action == "show":
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    try:
        asyncio.run(publish_menu(settings))
    except WeChatUnavailable as exc:
        print(f"WeChat is unavailable, nothing published: {exc}", file=sys.stderr)
        return 1
    except WeChatRefused as exc:
        print(f"WeChat refused the menu: {exc}", file=sys.stderr)
        return 1
    print(f"menu published for {settings.wechat_app_id} ({len(menu['button'])} buttons)")
    return 0


async def recount_command(settings: Settings, repair: bool) -> int:
    """Recount from the cases; 0 when the counters agree (or were repaired), 1 when they differ."""
    client, ctx = service_context(settings)
    try:
        began = time.perf_counter()
        report = await counters.recount(ctx, repair=repair)
        seconds = time.perf_counter() - began
    finally:
        ctx.stop_executor()
        await client.close()
    print(
        f"recounted {report['case_count']} cases into {report['buckets']} counters in {seconds:.1f} s; "
        f"{len(report['differing'])} differ{' (repaired)' if repair and report['differing'] else ''}"
    )
    for bucket in report["differing"][:20]:
        print(f"  {bucket}")
    return 0 if repair or not report["differing"] else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Administration commands of the mediation backend")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create the first system administrator")
    create.add_argument("--login", required=True, help="login name: 3-32 of a-z 0-9 _ . -")
    create.add_argument("--name", required=True, help="display name, e.g. 管理员")
    create.add_argument("--centre", default="", help="centre id from config.yaml (default: default_centre)")
    create.add_argument("--config", default="config.yaml")
    menu = commands.add_parser("menu", help="show or publish the official account's menu (config.yaml wechat_menu)")
    menu.add_argument("action", choices=["show", "publish"])
    menu.add_argument("--config", default="config.yaml")
    recount_parser = commands.add_parser("recount", help="recount the statistics from the cases and compare")
    recount_parser.add_argument("--repair", action="store_true", help="write the recount over counters that differ")
    recount_parser.add_argument("--config", default="config.yaml")
    args = parser.parse_args(argv)

    try:
        settings = load_settings(args.config)
    except (SettingsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return _run(args, settings)
    except StoreError as exc:  # the durable embedded engine's folder is held by the running server
        print(f"refusing: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "menu":
        return menu_command(settings, args.action)
    if settings.mongodb_uri.startswith("mongomock://"):
        print(RECOUNT_REFUSAL if args.command == "recount" else EMBEDDED_REFUSAL, file=sys.stderr)
        return 2
    if args.command == "recount":
        return asyncio.run(recount_command(settings, args.repair))
    centre_id = args.centre or settings.default_centre
    password = read_password()
    problems = password_problems(password, args.login)
    if problems:  # checked before connecting, so a weak password costs no round trip
        print("error: " + "；".join(p.message for p in problems), file=sys.stderr)
        return 2
    try:
        asyncio.run(create_admin(settings, args.login, args.name, centre_id, password))
    except ServiceError as exc:
        details = "；".join(e.message for e in exc.errors) or exc.message
        print(f"refused: {details}", file=sys.stderr)
        return 1
    except ConnectionFailure as exc:
        print(
            f"error: MongoDB at MONGODB_URI did not answer ({type(exc).__name__}); nothing was created", file=sys.stderr
        )
        return 1
    print(f"created system administrator {args.login.strip().lower()} at {centre_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
