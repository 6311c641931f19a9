"""One app fixture and one WeChat stand-in for every test; a real HTTP server on a free port.

Service-level tests take `ctx` instead: the services' context on a store of their own, no server.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from app import close, make_app, service_context, start
from services.core.context import ServiceContext
from services.directory import centres
from settings import Settings, load_settings
from standins.wechat import WeChatStandIn
from store import CommandCounter, is_embedded
from store.indexes import ensure_indexes

ROOT = Path(__file__).resolve().parents[1]
MP_APP_ID, MP_SECRET = "wx-test-mini-program", "test-mp-secret"
OA_APP_ID, OA_SECRET = "wx-test-official-account", "test-oa-secret"
TEST_DATA_KEY = "2:" + "0f" * 16 + ",1:" + "a5" * 16


def server_environ(wechat_base: str, blob_dir: str = "", **overrides: str) -> dict[str, str]:
    """The environment a test server starts with; MONGODB_URI from the outside selects a real MongoDB."""
    env = {
        "APP_ENV": "test",
        "MONGODB_URI": os.environ.get("MONGODB_URI", "mongomock://"),
        "MONGODB_DATABASE": f"test_{uuid.uuid4().hex[:12]}",
        "WECHAT_API_BASE": wechat_base,
        "WECHAT_OAUTH_BASE": wechat_base + "connect/",
        "WECHAT_APP_ID": OA_APP_ID,
        "WECHAT_APP_SECRET": OA_SECRET,
        "WECHAT_MP_APP_ID": MP_APP_ID,
        "WECHAT_MP_APP_SECRET": MP_SECRET,
        "DATA_KEY": TEST_DATA_KEY,
        "LOOKUP_KEY": "test-lookup-key",
        "COOKIE_SECRET": "test-cookie-secret",
        "BLOB_DIR": blob_dir or "var/test-blobs",
    }
    env.update(overrides)
    return env


@pytest.fixture
def wechat(io_loop: Any) -> Any:
    standin = WeChatStandIn({MP_APP_ID: MP_SECRET, OA_APP_ID: OA_SECRET})
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
def db_commands() -> CommandCounter:
    return CommandCounter()


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
    context.executor.shutdown(wait=False)


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


class Api:
    """A JSON client of our server, through real HTTP."""

    def __init__(self, http_client: Any, base_url: str) -> None:
        self.http_client = http_client
        self.base_url = base_url

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> HTTPResponse:
        all_headers = {"Content-Type": "application/json"} | (headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        payload = (
            raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
        )
        if payload is None and method in ("POST", "PUT"):
            payload = b""
        return await self.http_client.fetch(
            self.base_url + path,
            method=method,
            body=payload,
            headers=all_headers,
            raise_error=False,
            allow_nonstandard_methods=True,
        )


def body_of(response: HTTPResponse) -> Any:
    return json.loads(response.body.decode()) if response.body else None


@pytest.fixture
def api(http_client: Any, base_url: str) -> Api:
    return Api(http_client, base_url)


async def sign_in(api: Api, wechat: WeChatStandIn, openid: str = "openid-worker-1", unionid: str | None = None) -> str:
    code = wechat.state.issue_code(openid, unionid)
    response = await api.call("POST", "/api/mp/session", {"code": code})
    assert response.code == 200, response.body
    return body_of(response)["token"]


STAFF_PASSWORD = "Mediate-2026!"


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with tiny parameters: the production ones take most of a second per hash."""
    from argon2 import PasswordHasher

    from services.accounts import passwords

    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


async def make_staff(
    app_or_ctx: Any, login: str, role: str = "mediator", centre_id: str = "sh-city", name: str = ""
) -> Any:
    """A staff account for tests (created as the bootstrap path does, with no acting user)."""
    from services.accounts.staff import create_staff

    ctx = app_or_ctx if isinstance(app_or_ctx, ServiceContext) else app_or_ctx.settings["services"].ctx
    return await create_staff(ctx, None, login, name or f"调解员{login}", role, centre_id, STAFF_PASSWORD)
