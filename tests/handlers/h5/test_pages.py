"""H5 pages over HTTP: WeChat OAuth sign-in and its refusals, cookies, XSRF, step errors."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.support.app import OA_APP_ID
from tests.support.browser_session import CookieClient
from tests.support.h5 import sign_in_page, start_oauth
from tests.support.samples import WORKER_ID


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


@pytest.fixture
def browser(http_client, base_url):
    return CookieClient(http_client, base_url)


@pytest.mark.gen_test
async def test_oauth_signs_in_and_returns_to_the_page_first_asked(browser, wechat, settings):
    location, query = await start_oauth(browser, "/h5/cases")
    assert location.startswith(settings.wechat_oauth_base + "oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    assert query["appid"] == [OA_APP_ID] and query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"] == [settings.public_base_url + "/h5/oauth/callback"]
    assert len(query["state"][0]) >= 32
    code = wechat.state.issue_oauth_code("o-worker-1", OA_APP_ID)
    back = await browser.get(f"/h5/oauth/callback?code={code}&state={query['state'][0]}")
    assert back.code == 302 and back.headers["Location"] == "/h5/cases"
    session_header = next(h for h in browser.set_cookie_headers if h.startswith("h5_session="))
    lowered = session_header.lower()
    assert "httponly" in lowered and "secure" in lowered and "samesite=lax" in lowered
    page = await browser.get("/h5/cases")
    assert page.code == 200 and "您还没有提交过调解申请" in page.body.decode()


@pytest.mark.gen_test
async def test_each_attempt_gets_a_fresh_state(browser):
    _, first = await start_oauth(browser)
    _, second = await start_oauth(browser)
    assert first["state"] != second["state"]


@pytest.mark.gen_test
async def test_wrong_or_missing_state_is_a_clear_page_and_no_session(browser, wechat):
    await start_oauth(browser)
    code = wechat.state.issue_oauth_code("o-worker-1", OA_APP_ID)
    wrong = await browser.get(f"/h5/oauth/callback?code={code}&state=forged-state")
    assert wrong.code == 400 and "登录链接已失效" in wrong.body.decode()
    assert "h5_session" not in browser.cookies
    stranger = CookieClient(browser.http_client, browser.base_url)  # a callback this browser never asked for
    missing = await stranger.get(f"/h5/oauth/callback?code={code}&state=x")
    assert missing.code == 400 and "h5_session" not in stranger.cookies


@pytest.mark.gen_test
async def test_reused_code_is_refused(browser, wechat):
    code = wechat.state.issue_oauth_code("o-worker-1", OA_APP_ID)
    _, query = await start_oauth(browser)
    assert (await browser.get(f"/h5/oauth/callback?code={code}&state={query['state'][0]}")).code == 302
    browser.cookies.pop("h5_session")
    _, query = await start_oauth(browser)
    again = await browser.get(f"/h5/oauth/callback?code={code}&state={query['state'][0]}")
    assert again.code == 400 and "授权已失效" in again.body.decode()
    assert "h5_session" not in browser.cookies


@pytest.mark.gen_test
async def test_snapshot_page_visitor_gets_no_session(browser, wechat):
    _, query = await start_oauth(browser)
    code = wechat.state.issue_oauth_code("o-snap", OA_APP_ID, snapshot=True)
    response = await browser.get(f"/h5/oauth/callback?code={code}&state={query['state'][0]}")
    assert response.code == 403 and "使用完整服务" in response.body.decode()
    assert "h5_session" not in browser.cookies


@pytest.mark.gen_test
async def test_wechat_down_during_oauth_is_503_page(browser, wechat):
    _, query = await start_oauth(browser)
    wechat.state.mode = "down"
    response = await browser.get(f"/h5/oauth/callback?code=whatever&state={query['state'][0]}")
    assert response.code == 503 and "微信服务暂时无法连接" in response.body.decode()


@pytest.mark.gen_test
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/h5/", "/api/mp/applications", "/\\evil"])
async def test_never_redirects_to_another_host_or_outside_h5(browser, wechat, target):
    first = await browser.get(f"/h5/oauth/start?next={quote(target, safe='')}")
    state = parse_qs(urlsplit(first.headers["Location"]).query)["state"][0]
    code = wechat.state.issue_oauth_code("o-worker-1", OA_APP_ID)
    back = await browser.get(f"/h5/oauth/callback?code={code}&state={state}")
    assert back.code == 302 and back.headers["Location"] == "/h5/apply"


@pytest.mark.gen_test
async def test_tampered_session_cookie_signs_out(browser, wechat):
    await sign_in_page(browser, wechat)
    assert (await browser.get("/h5/cases")).code == 200
    value = browser.cookies["h5_session"]
    browser.cookies["h5_session"] = value[:-3] + ("abc" if not value.endswith("abc") else "xyz")
    response = await browser.get("/h5/cases")
    assert response.code == 302 and response.headers["Location"].startswith("/h5/oauth/start")


@pytest.mark.gen_test
async def test_forms_need_the_xsrf_token(browser, wechat, app):
    await sign_in_page(browser, wechat)
    await browser.get("/h5/apply/worker/applicant")
    forged = await browser.post("/h5/apply/worker/applicant", {"name": "张三"}, xsrf=False)
    assert forged.code == 403
    assert await app.settings["services"].ctx.db["drafts"].count_documents({}) == 0


@pytest.mark.gen_test
async def test_step_errors_show_next_to_the_field_and_the_draft_is_kept(browser, wechat, app):
    await sign_in_page(browser, wechat)
    await browser.get("/h5/apply/worker/applicant")
    bad_id = WORKER_ID[:-1] + ("0" if WORKER_ID[-1] != "0" else "1")
    response = await browser.post(
        "/h5/apply/worker/applicant",
        {"name": "张三", "id_type": "resident_id", "id_number": bad_id, "phone": "12345"},
    )
    assert response.code == 422
    page = response.body.decode()
    assert 'id="error-id_number"' in page and "校验位" in page
    assert 'id="error-phone"' in page and 'id="error-name"' not in page
    again = await browser.get("/h5/apply/worker/applicant")
    assert 'value="张三"' in again.body.decode()  # a closed page loses nothing


@pytest.mark.gen_test
async def test_unknown_kind_or_step_is_404_page(browser, wechat):
    await sign_in_page(browser, wechat)
    assert (await browser.get("/h5/apply/alien/notice")).code == 404
    assert (await browser.get("/h5/apply/worker/nothing")).code == 404


@pytest.mark.gen_test
async def test_public_progress_page(browser):
    page = await browser.get("/h5/progress")
    assert page.code == 200 and "业务流水号" in page.body.decode()
    response = await browser.post("/h5/progress", {"serial": "123", "phone_last4": "12"})
    body = response.body.decode()
    assert response.code == 200 and 'id="error-serial"' in body and 'id="error-phone_last4"' in body


@pytest.mark.gen_test
async def test_h5_upload_needs_session_and_xsrf_header(browser, wechat, app):
    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4\n%%EOF\r\n--b--\r\n'
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    anonymous = await browser.http_client.fetch(
        browser.base_url + "/h5/files", method="POST", body=body, headers=headers, raise_error=False
    )
    assert anonymous.code == 403  # no XSRF cookie/header: refused before anything else
    await sign_in_page(browser, wechat)
    await browser.get("/h5/apply/worker/evidence")
    cookie_header = {"Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())}
    no_token = await browser.http_client.fetch(
        browser.base_url + "/h5/files", method="POST", body=body, headers=headers | cookie_header, raise_error=False
    )
    assert no_token.code == 403
    assert await app.settings["services"].ctx.db["files"].count_documents({}) == 0
