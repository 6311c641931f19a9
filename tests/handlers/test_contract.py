"""The database down (503, nothing half-written), production refusals, and the OpenAPI contract."""

from __future__ import annotations

import re
import time

import pytest
import tornado.web
from tornado.web import create_signed_value

from app import close, make_app
from handlers.routes import ROUTES
from services.accounts.mp_sessions import SessionTokens
from settings import SettingsError, load_settings
from tests.support.app import ROOT, body_of, server_environ
from tests.support.samples import worker_body

DEAD_MONGO = "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300&connectTimeoutMS=300"


@pytest.fixture
def env_overrides():
    return {"MONGODB_URI": DEAD_MONGO}


@pytest.fixture
def app(io_loop, settings, db_commands):
    # No start(): the indexes cannot be created on a database that is down.
    application = make_app(settings, db_commands)
    yield application
    io_loop.run_sync(lambda: close(application))


@pytest.mark.gen_test(timeout=20)
async def test_database_down_is_a_clear_503(api, wechat):
    assert (await api.call("GET", "/healthz")).code == 200
    ready = await api.call("GET", "/readyz")
    assert ready.code == 503 and body_of(ready)["error"]["code"] == "database_unavailable"
    signin = await api.call("POST", "/api/mp/session", {"code": wechat.state.issue_code("openid-down")})
    assert signin.code == 503 and "数据库" in body_of(signin)["error"]["message"]
    token = SessionTokens("test-cookie-secret", 60).issue("person-1")
    body = worker_body()
    body["evidence"] = []
    submitted = await api.call(
        "POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "key-down-0001"}
    )
    assert submitted.code == 503 and "traceback" not in submitted.body.decode().lower()
    listed = await api.call("GET", "/api/mp/applications", token=token)
    assert listed.code == 503


@pytest.mark.gen_test(timeout=20)
async def test_database_down_while_checking_a_session_is_a_503_page_signed_out(http_client, base_url, app):
    # A correctly signed, current session: only the database can tell whether it was ended.
    session = f"person-1|stamp|{int(time.time())}"
    cookie = create_signed_value(app.settings["cookie_secret"], "h5_session", session).decode()
    page = await http_client.fetch(
        base_url + "/h5/cases", headers={"Cookie": f"h5_session={cookie}"}, follow_redirects=False, raise_error=False
    )
    body = page.body.decode()
    assert page.code == 503 and "数据库" in body
    assert 'id="portal-login-link"' in body and "/h5/signout" not in body  # shown signed out, not signed in
    staff = create_signed_value(app.settings["cookie_secret"], "office_session", f"li.ming|s|{int(time.time())}")
    office = await http_client.fetch(
        base_url + "/office/",
        headers={"Cookie": f"office_session={staff.decode()}"},
        follow_redirects=False,
        raise_error=False,
    )
    assert office.code == 503 and "/office/logout" not in office.body.decode()


def test_production_refuses_development_parts(tmp_path):
    partners = tmp_path / "partners.yaml"  # a deployment's partners: over HTTPS, keys from the environment
    partners.write_text(
        "- {id: sh-pudong-court, kind: court, name: 上海市浦东新区人民法院, "
        "callback_base: 'https://court.example.gov.cn/mediation/'}\n",
        encoding="utf-8",
    )
    docking = {"DOCKING_PARTNERS_FILE": str(partners), "DOCKING_KEY_SH_PUDONG_COURT": "7c" * 16}
    base = server_environ("https://api.weixin.qq.com/", APP_ENV="production", **docking)
    with pytest.raises(SettingsError, match="memory-only engine"):
        load_settings(ROOT / "config.yaml", environ=base)
    real_db = base | {"MONGODB_URI": "mongodb://db.internal:27017/", "SMS_PROVIDER": "none", "WECHAT_TOKEN": "t0k"}
    with pytest.raises(SettingsError, match="card platform's development keys"):
        load_settings(ROOT / "config.yaml", environ=real_db)
    from platforms.card_crypto import generate_key_pair

    private, public = generate_key_pair()
    real_db |= {
        "CARD_PLATFORM_BASE": "https://card.example.gov.cn/",
        "CARD_CHANNEL_KEY": "5a" * 16,
        "CARD_SM2_PRIVATE_KEY": private,
        "CARD_SM2_PUBLIC_KEY": public,
        "CARD_PLATFORM_PUBLIC_KEY": generate_key_pair()[1],
    }
    with pytest.raises(SettingsError, match="card platform stand-in"):
        load_settings(ROOT / "config.yaml", environ=real_db | {"CARD_PLATFORM_BASE": "http://127.0.0.1:9001/"})
    with pytest.raises(SettingsError, match="SMS stand-in"):
        load_settings(ROOT / "config.yaml", environ=real_db | {"SMS_PROVIDER": "standin"})
    with pytest.raises(SettingsError, match="stand-in"):
        load_settings(ROOT / "config.yaml", environ=real_db | {"WECHAT_API_BASE": "http://127.0.0.1:9000/"})
    no_key = {k: v for k, v in real_db.items() if k not in ("DATA_KEY", "WECHAT_TOKEN")}
    with pytest.raises(SettingsError, match="default keys and secrets: set DATA_KEY, WECHAT_TOKEN$"):
        load_settings(ROOT / "config.yaml", environ=no_key)
    # The demo's centre contact (issue 25, item 11): marked `demo: true`, or a number of zeros, is refused.
    with pytest.raises(SettingsError, match=r"centres.sh-pudong's example contact \(021-00000000"):
        load_settings(ROOT / "config.yaml", environ=real_db)
    shipped = (ROOT / "config.yaml").read_text(encoding="utf-8")
    demo_mark = next(line for line in shipped.splitlines() if line.strip().startswith("demo: true"))
    zeros = tmp_path / "zeros.yaml"
    zeros.write_text(shipped.replace(demo_mark + "\n", ""), encoding="utf-8")
    with pytest.raises(SettingsError, match="example contact"):
        load_settings(zeros, environ=real_db)
    real = tmp_path / "config.yaml"
    real.write_text(zeros.read_text(encoding="utf-8").replace("021-00000000", "021-58880000"), encoding="utf-8")
    assert load_settings(real, environ=real_db).production
    with pytest.raises(SettingsError, match="set DOCKING_KEY_SH_PUDONG_COURT$"):  # a partner's published dev key
        load_settings(real, environ={k: v for k, v in real_db.items() if k != "DOCKING_KEY_SH_PUDONG_COURT"})
    plain = tmp_path / "plain.yaml"
    plain.write_text(partners.read_text(encoding="utf-8").replace("https://", "http://"), encoding="utf-8")
    with pytest.raises(SettingsError, match="docking partner over plain HTTP"):
        load_settings(real, environ=real_db | {"DOCKING_PARTNERS_FILE": str(plain)})
    # The durable embedded engine is allowed in production (one process; app.py says so at start).
    durable = {k: v for k, v in real_db.items() if k != "BLOB_DIR"} | {"MONGODB_URI": "embedded:/srv/mediation/db"}
    beside = load_settings(real, environ=durable)
    assert (beside.blob_dir, beside.upload_tmp_dir) == ("/srv/mediation/db/blobs", "/srv/mediation/db/uploads")


def test_proxy_headers_are_trusted_only_when_configured():
    base = server_environ("https://api.weixin.qq.com/")
    assert not load_settings(ROOT / "config.yaml", environ=base).behind_proxy  # config.yaml: false
    assert load_settings(ROOT / "config.yaml", environ=base | {"BEHIND_PROXY": "true"}).behind_proxy
    assert not load_settings(ROOT / "config.yaml", environ=base | {"BEHIND_PROXY": "0"}).behind_proxy


def _openapi_path(route: str) -> str:
    """A route's pattern as an OpenAPI path: each named group `(?P<name>...)` becomes `{name}`."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    assert "(" not in path, f"route {route!r} has a group without a name"
    return path


def test_openapi_describes_exactly_the_api_routes():
    """Every /api/ route of the one route table, with every method its handler has, and nothing else."""
    from handlers.public.openapi import openapi_document

    document = openapi_document()
    routes = {}
    for pattern, handler, *_ in ROUTES:
        if pattern.startswith("/api/"):
            methods = {
                m.lower()
                for m in ("GET", "POST", "PUT", "DELETE")
                if getattr(handler, m.lower()) is not getattr(tornado.web.RequestHandler, m.lower())
            }
            routes[_openapi_path(pattern)] = methods
    described = {path: set(ops) for path, ops in document["paths"].items()}
    assert described == routes


@pytest.mark.gen_test
async def test_openapi_is_served(api):
    response = await api.call("GET", "/api/openapi.json")
    assert response.code == 200 and body_of(response)["openapi"].startswith("3.")


def test_readyz_says_the_memory_engine_keeps_nothing():
    from store import describe

    assert describe("mongomock://") == {"engine": "embedded-memory", "durable": False}
    assert describe("mongodb://db.internal:27017/") == {"engine": "mongodb", "durable": True}
