"""The WeChat stand-in answers like WeChat: stable_token, menu, messages, web OAuth; and the menu command."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from settings import load_settings
from tests.support.app import OA_APP_ID, OA_SECRET, ROOT, server_environ
from wechat.menu import render_menu


@pytest.fixture
def call(http_client, wechat):
    async def fetch(path, body=None, method=None, **kwargs):
        response = await http_client.fetch(
            wechat.base_url + path,
            method=method or ("POST" if body is not None else "GET"),
            body=json.dumps(body) if isinstance(body, dict) else body,
            raise_error=False,
            follow_redirects=False,
            **kwargs,
        )
        return response

    return fetch


async def token_of(call, force=False):
    body = {"grant_type": "client_credential", "appid": OA_APP_ID, "secret": OA_SECRET, "force_refresh": force}
    return json.loads((await call("cgi-bin/stable_token", body)).body)


@pytest.mark.gen_test
async def test_stable_token_errors_and_force_refresh(call):
    wrong_app = {"grant_type": "client_credential", "appid": "wx-nope", "secret": "x"}
    assert json.loads((await call("cgi-bin/stable_token", wrong_app)).body)["errcode"] == 40013
    wrong_secret = {"grant_type": "client_credential", "appid": OA_APP_ID, "secret": "x"}
    assert json.loads((await call("cgi-bin/stable_token", wrong_secret)).body)["errcode"] == 40125
    first = await token_of(call)
    assert first["expires_in"] == 7200 and first["access_token"]
    assert (await token_of(call))["access_token"] == first["access_token"]  # normal mode: the same one
    forced = await token_of(call, force=True)
    assert forced["access_token"] != first["access_token"]
    old = json.loads((await call(f"cgi-bin/user/info?access_token={first['access_token']}&openid=o")).body)
    assert old["errcode"] == 40001
    fresh = json.loads((await call(f"cgi-bin/user/info?access_token={forced['access_token']}&openid=o")).body)
    assert fresh["openid"] == "o"


@pytest.mark.gen_test
async def test_expired_token_is_42001(call, wechat):
    token = (await token_of(call))["access_token"]
    wechat.state.expire_tokens()
    answer = json.loads((await call(f"cgi-bin/menu/create?access_token={token}", {"button": []})).body)
    assert answer["errcode"] == 42001


@pytest.mark.gen_test
async def test_messages_are_recorded_or_refused(call, wechat):
    token = (await token_of(call))["access_token"]
    text = {"touser": "o-1", "msgtype": "text", "text": {"content": "您的申请已受理"}}
    assert json.loads((await call(f"cgi-bin/message/custom/send?access_token={token}", text)).body)["errcode"] == 0
    wechat.state.send_errors["o-gone"] = 43004
    gone = await call(f"cgi-bin/message/template/send?access_token={token}", {"touser": "o-gone", "data": {}})
    assert json.loads(gone.body)["errcode"] == 43004
    template = {"touser": "o-1", "template_id": "T1", "data": {"thing1": {"value": "已受理"}}}
    sent = json.loads((await call(f"cgi-bin/message/template/send?access_token={token}", template)).body)
    assert sent["errcode"] == 0 and sent["msgid"]
    assert [m["kind"] for m in wechat.state.sent] == ["custom", "template"]


@pytest.mark.gen_test
async def test_web_oauth_like_wechat(call, wechat):
    redirect = "http://127.0.0.1:9/h5/oauth/callback?next=%2Fh5%2Fapply"
    query = urlencode(
        {"appid": OA_APP_ID, "redirect_uri": redirect, "response_type": "code", "scope": "snsapi_base", "state": "s1"}
    )
    page = await call(f"connect/oauth2/authorize?{query}")
    text = page.body.decode()
    assert page.code == 200 and '<meta charset="utf-8">' in text
    assert 'id="authorize"' in text and 'name="openid"' in text and "授权" in text and "o-test-worker" in text
    form = {"appid": OA_APP_ID, "redirect_uri": redirect, "scope": "snsapi_base", "state": "s1", "openid": "o-w"}
    pressed = await call("connect/oauth2/authorize", urlencode(form), method="POST")
    assert pressed.code == 302
    location = urlsplit(pressed.headers["Location"])
    assert location.path == "/h5/oauth/callback"
    params = parse_qs(location.query)
    assert params["state"] == ["s1"] and params["next"] == ["/h5/apply"]

    exchange = f"sns/oauth2/access_token?appid={OA_APP_ID}&secret={OA_SECRET}&grant_type=authorization_code&code="
    answer = json.loads((await call(exchange + params["code"][0])).body)
    assert answer["openid"] == "o-w" and answer["scope"] == "snsapi_base" and "is_snapshotuser" not in answer
    assert set(answer) >= {"access_token", "expires_in", "refresh_token"}
    assert json.loads((await call(exchange + params["code"][0])).body)["errcode"] == 40163
    assert json.loads((await call(exchange + "made-up")).body)["errcode"] == 40029
    snapshot = wechat.state.issue_oauth_code("o-snap", OA_APP_ID, snapshot=True)
    assert json.loads((await call(exchange + snapshot)).body)["is_snapshotuser"] == 1

    snapshot_page = await call(f"connect/oauth2/authorize?{query}&snapshot=1")
    assert 'name="snapshot" value="1"' in snapshot_page.body.decode()
    bad = await call("connect/oauth2/authorize?" + query.replace(OA_APP_ID, "wx-unknown"))
    assert bad.code == 400


@pytest.mark.gen_test(timeout=60)  # a subprocess: python's start alone can take seconds on a busy machine
async def test_menu_publish_is_one_command_through_the_shared_token(wechat, tmp_path):
    env = os.environ | server_environ(wechat.base_url, str(tmp_path), PUBLIC_BASE_URL="https://m.example.cn")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "manage.py",
        "menu",
        "publish",
        "--config",
        str(ROOT / "config.yaml"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 50)
    assert process.returncode == 0, err.decode()
    menu = wechat.state.menus[OA_APP_ID]
    assert menu["button"][0] == {"type": "view", "name": "在线调解", "url": "https://m.example.cn/h5/apply"}
    assert menu["button"][1]["url"] == "https://m.example.cn/h5/cases"
    assert len(wechat.state.calls("/cgi-bin/stable_token")) == 1


def test_render_menu_fills_every_view_url():
    settings = load_settings(ROOT / "config.yaml", environ={})
    menu = render_menu(settings.wechat_menu, "https://x.example.cn/")
    urls = [i["url"] for b in menu["button"] for i in [b, *b.get("sub_button", [])] if "url" in i]
    assert urls and all(u.startswith("https://x.example.cn/h5/") for u in urls)
    keys = [i["key"] for b in menu["button"] for i in b.get("sub_button", []) if i.get("type") == "click"]
    assert set(keys) <= set(settings.wechat_clicks)


@pytest.mark.gen_test
async def test_people_get_a_login_code_and_see_messages_and_sms_codes(call, wechat, api):
    """The tour (docs/tour.md): a wx.login code over HTTP, exchanged for our token; the page lists what WeChat received
    and the SMS stand-in's codes."""
    from datetime import UTC, datetime

    from standins.sms import RecordingSms, SentSms

    issued = json.loads((await call("standin/login-code", "openid=o-demo-dev")).body)
    assert issued["openid"] == "o-demo-dev" and issued["code"]
    session = await api.call("POST", "/api/mp/session", {"code": issued["code"]})
    assert session.code == 200 and json.loads(session.body)["token"]
    again = await api.call("POST", "/api/mp/session", {"code": issued["code"]})
    assert again.code != 200  # one use, as WeChat's

    wechat.state.sent.append(
        {
            "kind": "template",
            "msgid": 7,
            "touser": "o-demo-dev",
            "template_id": "TPL-1",
            "url": "http://127.0.0.1/h5/cases/1",
            "data": {"thing1": {"value": "调解时间已安排"}},
        }
    )
    sms = RecordingSms([SentSms("+8613812345678", "123456", "register", datetime.now(UTC))])
    wechat.state.sms = sms
    listed = json.loads((await call("standin/messages")).body)
    assert listed["wechat"][-1]["values"] == {"thing1": "调解时间已安排"}
    assert listed["sms"] == [dict(listed["sms"][0], mobile="138****5678", code="123456")]
    page = await call("standin/")
    text = page.body.decode()
    assert page.code == 200 and "调解时间已安排" in text and "123456" in text and "138****5678" in text
    assert "13812345678" not in text  # the mobile masked even here
