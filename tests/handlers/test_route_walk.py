"""Every route of handlers/routes.py with every method, signed out and signed in everywhere: never a 500."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tornado.web import create_signed_value

from handlers.routes import ROUTES
from services.accounts import web_sessions
from services.accounts.persons import person_for_identity
from tests.support.app import MP_APP_ID, make_staff, sign_in
from tests.support.samples import worker_body

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
XSRF = "routewalkxsrftoken0123456789"
# A value for each named group of handlers/urls.py (the serial is replaced by a real case's).
SAMPLES = {
    "serial": "20261122000017",
    "file_id": "0" * 32,
    "document_id": "0" * 32,
    "kind": "worker",
    "step": "applicant",
    "ticket": "A" * 20,
    "action": "accept",
    "token": "B" * 24,
    "path": "favicon.ico",  # the one static file outside /static/
    "centre_id": "sh-pudong",  # a centre of config.yaml's seed (the system administrator may edit it)
    "locale": "en",
    "mode": "elder",
    "library_entry": "labour_contract_law",
    "figure_id": "0" * 32,
    "material_id": "0" * 32,
    "template_kind": "agreement",
    "node": "relationship",
    "partner_case_no": "%282026%29%E6%B2%AA0115%E6%B0%91%E8%AF%89%E5%89%8D%E8%B0%831%E5%8F%B7",  # URL-encoded
    "confirmation_id": "0" * 32,
    "entry_id": "0" * 32,
    "application": "judicial_confirmation",
}
# Hostile first: the empty body that follows may close the case (a withdrawal), ending what can be reached.
BODIES = (
    ("application/json", b'{"reason": "\\ud800", "code": "x", "template_ids": [], "decision": "confirm"}'),
    ("application/x-www-form-urlencoded", b"a=1&reason=%E2%80%AE%ED%A0%80&login=x"),
    ("application/json", b"{}"),
)


@pytest.fixture(params=["memory", "durable"])
def env_overrides(request, tmp_path):
    """The walk on both embedded engines: the durable one holds every answer until the disk has it."""
    return {"MONGODB_URI": f"embedded:{tmp_path / 'db'}"} if request.param == "durable" else {}


def _path(pattern: str, values: dict[str, str]) -> str:
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], pattern)
    return path.replace("/?", "/").rstrip("$")


async def _identities(app: Any, wechat: Any, api: Any) -> tuple[dict[str, str], str]:
    """Headers of one caller signed in everywhere (mini-program token, H5 session, system administrator
    session, XSRF pair), and the serial of a case of theirs."""
    ctx = app.settings["services"].ctx
    token = await sign_in(api, wechat, "openid-route-walk")
    body = worker_body() | {"evidence": []}
    made = await api.call("POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "walk-0001"})
    serial = json.loads(made.body)["serial"]
    person = await person_for_identity(ctx, "wechat_mp", MP_APP_ID, "openid-route-walk", None)
    await make_staff(app, "walk.admin", role="system_admin")
    secret = app.settings["cookie_secret"]
    person_session = await web_sessions.issue(ctx, web_sessions.PERSON, person)
    staff_session = await web_sessions.issue(ctx, web_sessions.STAFF, "walk.admin")
    cookies = {
        "h5_session": create_signed_value(secret, "h5_session", person_session).decode(),
        "office_session": create_signed_value(secret, "office_session", staff_session).decode(),
        "_xsrf": XSRF,
    }
    headers = {
        "Authorization": f"Bearer {token}",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "X-XSRFToken": XSRF,
    }
    return headers, serial


@pytest.mark.gen_test(timeout=240)
async def test_every_route_with_every_method_is_never_a_500(app, wechat, api, http_client, base_url, cheap_hashing):
    signed_in, serial = await _identities(app, wechat, api)
    values = SAMPLES | {"serial": serial}
    faults, seen = [], []
    for pattern, _handler, *_ in ROUTES:
        path = _path(pattern, values)
        for method in METHODS:
            for headers in ({}, signed_in):
                bodies = BODIES if method in ("POST", "PUT", "PATCH") else ((None, None),)
                for content_type, body in bodies:
                    sent = dict(headers) | ({"Content-Type": content_type} if content_type else {})
                    response = await http_client.fetch(
                        base_url + path,
                        method=method,
                        headers=sent,
                        body=body,
                        raise_error=False,
                        follow_redirects=False,
                        allow_nonstandard_methods=True,
                        request_timeout=20,
                    )
                    seen.append(response.code)
                    where = f"{method} {path} ({'signed in' if headers else 'anonymous'}, {content_type})"
                    if response.code >= 500 and response.code != 503 or response.code == 599:
                        faults.append(f"{where}: {response.code}")
                    if response.code == 405 and not response.headers.get("Allow"):
                        faults.append(f"{where}: 405 without Allow")
                    if path.startswith("/api/") and "json" in response.headers.get("Content-Type", ""):
                        if response.headers.get("X-Content-Type-Options") != "nosniff":
                            faults.append(f"{where}: JSON without nosniff")
    assert len(seen) > 1000 and {200, 400, 401, 405} <= set(seen)
    assert not faults, "\n".join(faults)


@pytest.mark.gen_test
async def test_get_on_an_action_url_is_a_405_naming_post(app, http_client, base_url):
    response = await http_client.fetch(
        base_url + "/office/cases/20261122000017/accept", raise_error=False, follow_redirects=False
    )
    assert response.code == 405 and response.headers["Allow"] == "POST"
