"""Fixtures only (helpers live in tests/support/): one app fixture and one WeChat stand-in for every test, on a
real HTTP server on a free port; the back office's cookie client.

Service-level tests take `ctx` instead: the services' context on a store of their own, no server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import close, make_app, service_context, start
from services.directory import centres
from settings import Settings, load_settings
from standins.wechat import WeChatStandIn
from store import CommandCounter, is_embedded
from store.indexes import ensure_indexes
from tests.support.app import ROOT, Api, server_environ
from tests.support.browser_session import CookieClient
from tests.support.queries import CommandLog
from tests.support.wechat import wechat_standin


@pytest.fixture
def wechat(io_loop: Any) -> Any:
    standin = wechat_standin()
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def card_platform(io_loop: Any, http_port: int) -> Any:
    """The card platform stand-in, its DEV channel notifying this test's server (use with http_server)."""
    from settings import DEV_CARD_CHANNEL_KEY, DEV_CARD_PUBLIC_KEY, CardPlatformSettings
    from standins.card_platform import CardPlatformStandIn, Channel

    callback = f"http://127.0.0.1:{http_port}/portal/card/notify"
    channel = Channel(callback, bytes.fromhex(DEV_CARD_CHANNEL_KEY), DEV_CARD_PUBLIC_KEY)
    standin = CardPlatformStandIn({CardPlatformSettings().channel_id: channel})
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def env_overrides() -> dict[str, str]:
    """Override in a test module to start the server with other settings."""
    return {}


@pytest.fixture
def pages_env(http_port: int) -> dict[str, str]:
    """Settings for page tests: links and OAuth come back to this test server (use with http_server)."""
    return {"PUBLIC_BASE_URL": f"http://127.0.0.1:{http_port}"}


@pytest.fixture
def settings(wechat: WeChatStandIn, env_overrides: dict[str, str], tmp_path: Path) -> Settings:
    environ = server_environ(wechat.base_url, str(tmp_path / "blobs"), **env_overrides)
    return load_settings(ROOT / "config.yaml", environ=environ)


@pytest.fixture
def db_commands() -> CommandLog:
    """Counts the database commands of the app or `ctx` (tests.support.queries.assert_database_commands)."""
    return CommandLog()


@pytest.fixture
def service_settings(tmp_path: Path) -> Settings:
    """Settings for service-level tests: no WeChat is reached (the address answers nothing)."""
    environ = server_environ("http://127.0.0.1:9/", str(tmp_path / "blobs"))
    return load_settings(ROOT / "config.yaml", environ=environ)


@pytest.fixture
def ctx(io_loop: Any, service_settings: Settings, db_commands: CommandCounter) -> Any:
    """What every service function needs, on a database of its own, with no server around it."""
    client, context = service_context(service_settings, db_commands)
    io_loop.run_sync(lambda: ensure_indexes(context.db))
    io_loop.run_sync(lambda: centres.seed(context))  # config.yaml's centres, as the server seeds a fresh store
    yield context

    async def teardown() -> None:
        if not is_embedded(service_settings.mongodb_uri):
            await client.drop_database(context.db.name)
        await client.close()

    io_loop.run_sync(teardown)
    context.stop_executor()


@pytest.fixture
def app(io_loop: Any, settings: Settings, db_commands: CommandCounter) -> Any:
    application = make_app(settings, db_commands)
    io_loop.run_sync(lambda: start(application))
    yield application
    db = application.settings["services"].ctx.db

    async def teardown() -> None:
        if not is_embedded(settings.mongodb_uri):
            await application.settings["mongo_client"].drop_database(db.name)
        await close(application)

    io_loop.run_sync(teardown)


@pytest.fixture
def api(http_client: Any, base_url: str) -> Api:
    return Api(http_client, base_url)


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with tiny parameters: the production ones take most of a second per hash."""
    from argon2 import PasswordHasher

    from services.accounts import passwords

    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def office(http_client: Any, base_url: str, cheap_hashing: None) -> CookieClient:
    """A browser of the back office, over HTTP (sign in with tests.support.office.sign_in)."""
    return CookieClient(http_client, base_url)
