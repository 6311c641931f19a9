"""Mini-program sign-in through the WeChat stand-in: tokens, refusals, WeChat down."""

from __future__ import annotations

import time

import pytest

from services.accounts import mp_sessions
from services.accounts.mp_sessions import SessionTokens
from services.core.errors import Unauthorized
from tests.support.app import MP_APP_ID, MP_SECRET, body_of, sign_in


@pytest.mark.gen_test
async def test_code_becomes_our_token_and_session_key_stays_here(api, wechat):
    code = wechat.state.issue_code("openid-a")
    response = await api.call("POST", "/api/mp/session", {"code": code})
    assert response.code == 200
    body = body_of(response)
    assert set(body) == {"token", "expires_in"}
    assert body["expires_in"] == 7200
    assert b"session_key" not in response.body
    [call] = wechat.state.calls("/sns/jscode2session")
    assert call.query == {"appid": MP_APP_ID, "secret": MP_SECRET, "js_code": code, "grant_type": "authorization_code"}
    listed = await api.call("GET", "/api/mp/applications", token=body["token"])
    assert listed.code == 200 and body_of(listed) == {"items": []}


@pytest.mark.gen_test
async def test_reused_and_unknown_codes_are_clear_4xx(api, wechat):
    code = wechat.state.issue_code("openid-a")
    assert (await api.call("POST", "/api/mp/session", {"code": code})).code == 200
    reused = await api.call("POST", "/api/mp/session", {"code": code})
    assert reused.code == 401
    assert body_of(reused)["error"]["field"] == "code"
    assert "已被使用" in body_of(reused)["error"]["message"]
    unknown = await api.call("POST", "/api/mp/session", {"code": "never-issued"})
    assert unknown.code == 401 and "无效" in body_of(unknown)["error"]["message"]


@pytest.mark.gen_test
async def test_missing_code_and_malformed_json(api):
    missing = await api.call("POST", "/api/mp/session", {})
    assert missing.code == 400 and body_of(missing)["error"]["field"] == "code"
    malformed = await api.call("POST", "/api/mp/session", raw=b"{not json")
    assert malformed.code == 400 and body_of(malformed)["error"]["code"] == "malformed_json"


@pytest.mark.gen_test
async def test_wechat_down_or_busy_is_503(api, wechat):
    for mode in ("down", "busy"):
        wechat.state.mode = mode
        response = await api.call("POST", "/api/mp/session", {"code": "any"})
        assert response.code == 503, mode
        assert body_of(response)["error"]["code"] == "wechat_unavailable"


@pytest.mark.gen_test
async def test_wechat_unreachable_is_503(api, wechat):
    wechat.stop()  # nothing listens on the port any more: connection refused
    response = await api.call("POST", "/api/mp/session", {"code": "any"})
    assert response.code == 503
    assert "微信" in body_of(response)["error"]["message"]


@pytest.mark.gen_test
async def test_same_openid_is_the_same_person_and_unionid_links(api, wechat):
    first = await sign_in(api, wechat, "openid-x", unionid="union-1")
    again = await sign_in(api, wechat, "openid-x")
    other_app_openid = await sign_in(api, wechat, "openid-y", unionid="union-1")
    stranger = await sign_in(api, wechat, "openid-z", unionid="union-2")
    tokens = SessionTokens("test-cookie-secret", 60)
    assert tokens.person_of(first) == tokens.person_of(again) == tokens.person_of(other_app_openid)
    assert tokens.person_of(stranger) != tokens.person_of(first)


@pytest.mark.gen_test
async def test_missing_tampered_and_foreign_tokens_are_401(api, wechat):
    token = await sign_in(api, wechat)
    assert (await api.call("GET", "/api/mp/applications")).code == 401
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = await api.call("GET", "/api/mp/applications", token=tampered)
    assert response.code == 401 and body_of(response)["error"]["code"] == "token_invalid"
    forged = SessionTokens("another-secret", 60).issue("someone")
    assert (await api.call("GET", "/api/mp/applications", token=forged)).code == 401


def test_expired_token_is_refused():
    tokens = SessionTokens("secret", ttl_seconds=-1)
    with pytest.raises(Unauthorized) as refused:
        tokens.person_of(tokens.issue("p1"))
    assert refused.value.code == "token_expired"


def test_a_token_is_checked_once_and_its_age_every_time(monkeypatch):
    """The signature of a token is checked the first time it comes, its age each time: a token that was good
    expires all the same, and a forged one is never taken as checked."""
    tokens = SessionTokens("secret", ttl_seconds=60)
    token = tokens.issue("p1")
    checks = []
    real = tokens._serializer.loads
    monkeypatch.setattr(tokens._serializer, "loads", lambda *a, **k: checks.append(1) or real(*a, **k))
    assert tokens.person_of(token) == tokens.person_of(token) == "p1"
    assert len(checks) == 1
    later = time.time() + 61
    monkeypatch.setattr(mp_sessions.time, "time", lambda: later)
    with pytest.raises(Unauthorized) as refused:
        tokens.person_of(token)
    assert refused.value.code == "token_expired"
    forged = SessionTokens("another-secret", 60).issue("p1")
    for _ in range(2):
        with pytest.raises(Unauthorized):
            tokens.person_of(forged)
    assert len(checks) == 3 and forged not in tokens._checked


def test_a_token_padded_with_what_base64_skips_is_refused_and_not_remembered():
    """itsdangerous' decoder skips characters outside base64: padded copies of one token would each check, and
    each be remembered under its own key (a person signed in once could fill the process's memory)."""
    tokens = SessionTokens("secret", ttl_seconds=60)
    token = tokens.issue("p1")
    assert tokens._serializer.loads(token + "!!!!", max_age=60)["p"] == "p1"  # what the shape check is for
    for padded in (token + "!!!!", token + "!" * 4000, token + "é" * 4, " " + token):
        with pytest.raises(Unauthorized) as refused:
            tokens.person_of(padded)
        assert refused.value.code == "token_invalid"
    assert tokens._checked == {}
    assert tokens.person_of(token) == "p1"


@pytest.mark.gen_test
async def test_sign_out_ends_every_token_of_the_person_at_once(api, wechat, app):
    first = await sign_in(api, wechat, "openid-signout")
    second = await sign_in(api, wechat, "openid-signout")  # another device
    assert (await api.call("GET", "/api/mp/applications", token=first)).code == 200
    assert (await api.call("DELETE", "/api/mp/session", token=first)).code == 204
    for token in (first, second):
        refused = await api.call("GET", "/api/mp/applications", token=token)
        assert refused.code == 401 and body_of(refused)["error"]["code"] == "token_revoked"
    again = await sign_in(api, wechat, "openid-signout")  # signing in again works at once
    assert (await api.call("GET", "/api/mp/applications", token=again)).code == 200
    assert (await api.call("DELETE", "/api/mp/session")).code == 401


@pytest.mark.gen_test
async def test_another_process_learns_of_a_sign_out_from_the_database(api, wechat, app):
    from services.accounts.mp_sessions import SignOuts

    token = await sign_in(api, wechat, "openid-elsewhere")
    services = app.settings["services"]
    elsewhere = SignOuts(max_age=0)  # a second process, its cache always stale
    person, issued = services.tokens.read(token)
    await elsewhere.check(services.ctx, person, issued)
    await services.sign_outs.sign_out(services.ctx, person)
    with pytest.raises(Exception, match="token_revoked"):
        await elsewhere.check(services.ctx, person, issued)


@pytest.mark.gen_test
async def test_wechat_code_exchanges_are_limited_per_address(api, wechat, app):
    app.settings["services"].mp_session_limiter.limit = 5
    codes = [(await api.call("POST", "/api/mp/session", {"code": f"garbage-{i}"})).code for i in range(8)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3
    assert len([r for r in wechat.state.requests if r.path.endswith("jscode2session")]) == 5  # 3 never reached WeChat
