"""The administrative front (handlers/admin/): ADMIN_TOKEN from this machine, on its own listener, or nothing."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
import tornado.httpserver
import tornado.netutil

from app import make_admin_app
from handlers import admin
from handlers.access import ADMIN_TOKEN, FRONT_PROOFS, personal_data_problems, problems_of, proof_of
from handlers.admin.base import from_this_machine
from handlers.routes import ROUTES
from tests.support.app import OA_APP_ID

TOKEN = "test-admin-token-0123456789abcdef"


@pytest.fixture
def env_overrides(request: pytest.FixtureRequest, tmp_path: Any) -> dict[str, str]:
    overrides = {"ADMIN_TOKEN": TOKEN, "PUBLIC_BASE_URL": "https://m.example.cn"}
    if getattr(request, "param", "") == "durable":
        overrides["MONGODB_URI"] = f"embedded:{tmp_path / 'db'}"
    return overrides


@pytest.fixture
def admin_url(app: Any, io_loop: Any) -> Any:
    """The administrative front served as app.py serves it: its own server on 127.0.0.1."""
    [sock] = tornado.netutil.bind_sockets(0, address="127.0.0.1")
    server = tornado.httpserver.HTTPServer(make_admin_app(app))
    server.add_sockets([sock])
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.stop()


async def _call(http_client: Any, url: str, path: str, token: str = TOKEN, **headers: str) -> Any:
    sent = headers | ({"Authorization": f"Bearer {token}"} if token else {})
    method = "GET" if path.endswith("backup") else "POST"
    return await http_client.fetch(
        url + path, method=method, body=None if method == "GET" else b"", headers=sent, raise_error=False
    )


def _code(response: Any) -> str:
    return json.loads(response.body)["error"]["code"]


def test_every_admin_method_needs_the_admin_token_and_none_is_a_public_route():
    for pattern, handler, *_ in admin.routes:
        assert problems_of(handler) == [] and personal_data_problems(handler) == []
        assert proof_of(handler, "POST" if "backup" not in pattern else "GET") == ADMIN_TOKEN
    assert ADMIN_TOKEN in FRONT_PROOFS
    assert not [p for p, *_ in ROUTES if p.startswith("/admin")]  # never served on the public listener


def test_only_a_loopback_peer_is_from_this_machine():
    assert from_this_machine(("127.0.0.1", 5000)) and from_this_machine(("::1", 5000, 0, 0))
    assert not from_this_machine(("10.0.0.5", 5000)) and not from_this_machine(("0.0.0.0", 1))
    assert not from_this_machine("") and not from_this_machine(None) and not from_this_machine(("not an ip", 1))


@pytest.mark.gen_test
async def test_refused_without_the_token_relayed_or_while_the_server_has_none(app, http_client, admin_url, wechat):
    assert _code(await _call(http_client, admin_url, "/admin/menu/publish", token="")) == "admin_token_invalid"
    wrong = await _call(http_client, admin_url, "/admin/store/verify", token=TOKEN[:-1] + "x")
    assert wrong.code == 401 and _code(wrong) == "admin_token_invalid"
    relayed = await _call(http_client, admin_url, "/admin/store/backup", **{"X-Forwarded-For": "203.0.113.9"})
    assert relayed.code == 403 and _code(relayed) == "admin_not_local"
    assert OA_APP_ID not in wechat.state.menus  # nothing was done
    ctx = app.settings["services"].ctx
    ctx.settings = dataclasses.replace(ctx.settings, admin_token="")
    off = await _call(http_client, admin_url, "/admin/menu/publish")
    assert off.code == 403 and _code(off) == "admin_disabled"


@pytest.mark.gen_test
async def test_the_menu_is_published_through_the_running_server(app, http_client, admin_url, wechat):
    answer = await _call(http_client, admin_url, "/admin/menu/publish")
    assert answer.code == 200, answer.body
    assert json.loads(answer.body)["buttons"] == len(wechat.state.menus[OA_APP_ID]["button"])
    assert wechat.state.menus[OA_APP_ID]["button"][0]["url"] == "https://m.example.cn/h5/apply"


@pytest.mark.gen_test
async def test_the_store_commands_need_the_embedded_engine(app, http_client, admin_url):
    refused = await _call(http_client, admin_url, "/admin/store/verify")
    assert refused.code == 409 and _code(refused) == "store_not_embedded"  # the memory engine: nothing on a disk


@pytest.mark.parametrize("env_overrides", ["durable"], indirect=True)
@pytest.mark.gen_test
async def test_verify_and_backup_on_the_durable_engine(app, http_client, admin_url):
    verified = await _call(http_client, admin_url, "/admin/store/verify")
    assert verified.code == 200, verified.body
    report = json.loads(verified.body)
    assert report["problems"] == [] and report["collections"]["centres"] >= 1
    audit = app.settings["services"].ctx.db["audit"]
    assert await audit.count_documents({"action": "store_backup"}) == 0
    backup = await _call(http_client, admin_url, "/admin/store/backup")
    assert backup.code == 200 and backup.headers["Content-Type"] == "application/x-tar"
    # Every record left in the copy: recorded once, who and when (docs/privacy.md#every-look-is-recorded).
    [record] = await audit.find({"action": "store_backup"}).to_list(None)
    assert (record["who"], record["role"], record["centre"], record["serial"]) == ("admin_token", "operator", "", "")
    assert backup.body[:13] == b"MANIFEST.json" or b"MANIFEST.json" in backup.body[:1024]
