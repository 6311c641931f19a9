"""The test server's environment, its JSON client, a mini-program sign-in and staff accounts."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from tornado.httpclient import HTTPResponse

from services.core.context import ServiceContext
from standins.wechat import WeChatStandIn

ROOT = Path(__file__).resolve().parents[2]


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


async def sign_in(api: Api, wechat: WeChatStandIn, openid: str = "openid-worker-1", unionid: str | None = None) -> str:
    code = wechat.state.issue_code(openid, unionid)
    response = await api.call("POST", "/api/mp/session", {"code": code})
    assert response.code == 200, response.body
    return body_of(response)["token"]


STAFF_PASSWORD = "Mediate-2026!"


async def make_staff(
    app_or_ctx: Any, login: str, role: str = "mediator", centre_id: str = "sh-city", name: str = ""
) -> Any:
    """A staff account for tests (created as the bootstrap path does, with no acting user)."""
    from services.accounts.staff import create_staff

    ctx = app_or_ctx if isinstance(app_or_ctx, ServiceContext) else app_or_ctx.settings["services"].ctx
    return await create_staff(ctx, None, login, name or f"调解员{login}", role, centre_id, STAFF_PASSWORD)
