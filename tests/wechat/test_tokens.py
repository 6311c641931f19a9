"""The shared access token: one stable_token call for several processes, one refresh and retry, WeChat down."""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial

import pytest

from handlers.base import ApiHandler
from tests.support.app import OA_APP_ID, OA_SECRET, body_of
from tests.support.queries import assert_database_commands
from wechat.client import call_wechat
from wechat.errors import WeChatRefused, WeChatUnavailable
from wechat.tokens import AccessTokens, fetch_stable_token


@pytest.fixture(autouse=True)
def _serving(http_server):
    """The app listens (the settings fixture reserves its port; an unused reservation would leak)."""


def process(db, wechat, secret=OA_SECRET):
    """One more "process": its own token service (own memory, own lease owner) over the shared database."""
    return AccessTokens(db, {OA_APP_ID: secret}, partial(fetch_stable_token, wechat.base_url, timeout=5))


def stable_calls(wechat):
    return [json.loads(call.body) for call in wechat.state.calls("/cgi-bin/stable_token")]


async def user_info(app, openid="o-1"):
    services = app.settings["services"]
    return await services.ctx.run_blocking(call_wechat, services.wechat_oa.user.get, openid)


@pytest.mark.gen_test
async def test_two_processes_fetching_at_once_make_one_stable_token_call(app, wechat):
    db = app.settings["services"].ctx.db
    wechat.state.token_delay = 0.2  # the first fetch is still in flight when the others look
    first, second = process(db, wechat), process(db, wechat)
    tokens = await asyncio.gather(first.get(OA_APP_ID), second.get(OA_APP_ID), first.get(OA_APP_ID))
    assert len(set(tokens)) == 1
    [call] = stable_calls(wechat)
    assert call == {"grant_type": "client_credential", "appid": OA_APP_ID, "secret": OA_SECRET, "force_refresh": False}
    assert await app.settings["services"].access_tokens.get(OA_APP_ID) == tokens[0]  # a third, later
    assert len(stable_calls(wechat)) == 1


@pytest.mark.gen_test
async def test_a_fresh_token_is_served_from_memory(app, wechat, db_commands):
    tokens = app.settings["services"].access_tokens
    token = await tokens.get(OA_APP_ID)
    with assert_database_commands(db_commands, 0):
        assert await tokens.get(OA_APP_ID) == token


@pytest.mark.gen_test
@pytest.mark.parametrize("make_stale", ["invalidate_tokens", "expire_tokens"])  # 40001, 42001
async def test_refused_token_is_refreshed_once_and_the_call_retried(app, wechat, make_stale):
    wechat.state.unionids["o-1"] = "u-1"
    assert (await user_info(app))["unionid"] == "u-1"
    getattr(wechat.state, make_stale)()
    assert (await user_info(app))["openid"] == "o-1"
    calls = stable_calls(wechat)
    assert [c["force_refresh"] for c in calls] == [False, True]
    assert len(wechat.state.calls("/cgi-bin/user/info")) == 3  # ok, refused, retried


@pytest.mark.gen_test
async def test_a_token_another_process_already_renewed_is_taken_not_refetched(app, wechat):
    db = app.settings["services"].ctx.db
    first, second = process(db, wechat), process(db, wechat)
    old = await first.get(OA_APP_ID)
    renewed = await second.refresh(OA_APP_ID, old)  # second process saw 40001 first
    assert renewed != old
    assert await first.refresh(OA_APP_ID, old) == renewed  # first sees it later: no second forced refresh
    assert [c["force_refresh"] for c in stable_calls(wechat)] == [False, True]


@pytest.mark.gen_test
async def test_only_one_retry_when_refreshing_does_not_help(app, wechat):
    await user_info(app)
    wechat.state.reject_all_tokens = True
    with pytest.raises(WeChatRefused) as refused:
        await user_info(app)
    assert refused.value.errcode == 40001
    assert len(stable_calls(wechat)) == 2 and len(wechat.state.calls("/cgi-bin/user/info")) == 3


@pytest.mark.gen_test
async def test_wechat_down_is_a_clear_exception_and_releases_the_lease(app, wechat):
    tokens = app.settings["services"].access_tokens
    wechat.state.mode = "down"
    with pytest.raises(WeChatUnavailable):
        await tokens.get(OA_APP_ID)
    wechat.state.mode = "busy"
    with pytest.raises(WeChatUnavailable):
        await tokens.get(OA_APP_ID)
    wechat.state.mode = "up"
    began = time.monotonic()
    assert await tokens.get(OA_APP_ID)
    assert time.monotonic() - began < 1  # nobody waited for a lease left behind


@pytest.mark.gen_test
async def test_wrong_secret_is_refused_with_wechats_code(app, wechat):
    with pytest.raises(WeChatRefused) as refused:
        await process(app.settings["services"].ctx.db, wechat, secret="wrong").get(OA_APP_ID)
    assert refused.value.errcode == 40125


class _UserInfoHandler(ApiHandler):
    async def get(self) -> None:
        services = self.services
        self.send_json(await services.ctx.run_blocking(call_wechat, services.wechat_oa.user.get, "o-1"))


@pytest.mark.gen_test
async def test_handlers_turn_wechat_down_into_503(app, api, wechat):
    app.add_handlers(r".*", [(r"/test/user-info", _UserInfoHandler)])
    assert (await api.call("GET", "/test/user-info")).code == 200
    app.settings["services"].access_tokens._cache.clear()
    await app.settings["services"].ctx.db["wechat_tokens"].delete_many({})
    wechat.state.mode = "down"
    response = await api.call("GET", "/test/user-info")
    assert response.code == 503
    assert body_of(response)["error"]["code"] == "wechat_unavailable"


@pytest.mark.gen_test
async def test_the_bridge_refuses_to_block_the_event_loop(app):
    with pytest.raises(RuntimeError):
        app.settings["services"].token_bridge.get(OA_APP_ID)
