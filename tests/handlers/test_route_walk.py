"""Every route of handlers/routes.py with every method, signed out and signed in everywhere: never a 500.

Signed out first: every method that is not in PUBLIC below (this test's own list, not the handlers'
declarations) refuses the anonymous caller — a 401 or 403, or for a page a redirect to a sign-in page — and
nothing is written but what MAY_CHANGE names. Then signed in everywhere: never a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine
from tornado.web import RequestHandler, URLSpec, create_signed_value

from handlers.access import PUBLIC as DECLARED_PUBLIC
from handlers.access import proof_of, served
from handlers.base import BoundedApplication
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
    "purpose": "survey",
    "correction_id": "0" * 32,
}
# Hostile first: the empty body that follows may close the case (a withdrawal), ending what can be reached.
BODIES = (
    ("application/json", b'{"reason": "\\ud800", "code": "x", "template_ids": [], "decision": "confirm"}'),
    ("application/x-www-form-urlencoded", b"a=1&reason=%E2%80%AE%ED%A0%80&login=x"),
    ("application/json", b"{}"),
)


# Who may call without signing in: (route, method) with the route written as in handlers/routes.py, each named
# group as {name}. HEAD goes with GET. A route opened by mistake is refused by nothing, and the walk fails on it.
PUBLIC = {
    ("/", "GET"),  # the front door
    ("/healthz", "GET"),  # operators and load balancers
    ("/readyz", "GET"),
    ("/api/progress", "GET"),  # progress by serial and the phone's last four digits (the second factor)
    ("/h5/progress", "GET"),
    ("/h5/progress", "POST"),
    ("/api/taxonomy", "GET"),  # reference data
    ("/api/regions", "GET"),
    ("/api/centres", "GET"),
    ("/api/notice", "GET"),
    ("/api/reference", "GET"),
    ("/api/openapi.json", "GET"),  # the mini-program's contract
    ("/api/calculator", "POST"),  # guidance before applying: anonymous by design
    ("/api/library", "GET"),
    ("/api/library/{library_entry}", "GET"),
    ("/api/triage", "GET"),
    ("/h5/calculator", "GET"),
    ("/h5/triage", "GET"),
    ("/h5/triage/letter", "POST"),
    ("/h5/triage/{node}", "GET"),
    ("/h5/library", "GET"),
    ("/h5/library/{library_entry}", "GET"),
    ("/lang/{locale}", "GET"),  # the language and display switches of every page
    ("/display/{mode}", "GET"),
    ("/verify/{document_id}", "GET"),  # a document's QR code: kind, serial, date, fingerprint (nothing personal)
    ("/verify/{document_id}", "POST"),
    ("/{path}", "GET"),  # the favicon (static files)
    ("/h5/", "GET"),  # a redirect to /h5/apply, which needs the session
    ("/h5/oauth/start", "GET"),  # signing in and out
    ("/h5/oauth/callback", "GET"),
    ("/h5/signout", "POST"),
    ("/h5/respondent/cases/{serial}/signin", "GET"),  # the respondent's way back: a code to the proved phone
    ("/h5/respondent/cases/{serial}/signin", "POST"),
    ("/portal/", "GET"),
    ("/portal/login", "GET"),
    ("/portal/login", "POST"),
    ("/portal/register", "GET"),
    ("/portal/register", "POST"),
    ("/portal/reset", "GET"),
    ("/portal/reset", "POST"),
    ("/portal/signout", "POST"),
    ("/portal/sms", "POST"),
    ("/portal/card/tickets", "POST"),
    ("/portal/card/start", "GET"),
    ("/portal/card/return", "GET"),
    ("/office/login", "GET"),
    ("/office/login", "POST"),
    ("/office/logout", "POST"),
    ("/office/forgot", "GET"),
    ("/api/mp/session", "POST"),  # a wx.login code becomes our token
    ("/privacy", "GET"),  # the privacy notice (PIPL arts. 17, 30): what a respondent reads before any code
    ("/api/privacy", "GET"),
}
# Routes proved by something other than a session, token or partner signature, and how a caller without the
# proof (here: a made-up token, no signature, no binding cookie) is refused.
OWN_PROOF_REFUSALS = {
    "invitation_token": {404},  # an unknown invitation is not found (nothing tells whether the case exists)
    "wechat_signature": set(),  # a 403 like the others
    "card_signature": {400, 415},  # the card platform's protocol's answer; a body not JSON is no notification
    "ticket_binding": set(),  # 403 ticket_foreign
    # /metrics: the walk calls from loopback, which is the operator's own machine (strangers get a 404 there, and
    # the holder of METRICS_TOKEN the figures: tests/handlers/test_metrics.py).
    "operator": {200},
}
# Where a page sends a caller without a session: WeChat's OAuth, the portal's choice, the office's, the respondent's
# way back by a code to the phone their invitation proved.
SIGN_IN_PAGES = re.compile(r"/h5/oauth/start|/portal/login|/office/login|/h5/respondent/cases/\d+/signin")
# Collections an anonymous walk may change, and why. Nothing else may gain, lose or change a document.
MAY_CHANGE = {
    "rate_limits": "failed sign-ins counted per account and address (services/accounts/lockout.py)",
}


def _template(pattern: str) -> str:
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "{" + m.group(1) + "}", pattern).replace("/?", "/")


@pytest.fixture(params=["memory", "durable"])
def env_overrides(request, tmp_path):
    """The walk on both embedded engines: the durable one holds every answer until the disk has it."""
    return {"MONGODB_URI": f"embedded:{tmp_path / 'db'}"} if request.param == "durable" else {}


def _path(pattern: str, values: dict[str, str]) -> str:
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], pattern)
    return path.replace("/?", "/").replace("\\.", ".").rstrip("$")  # `export\.xlsx` is visited as export.xlsx


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


async def _fetch(http_client: Any, url: str, method: str, headers: dict[str, str], content_type: Any, body: Any) -> Any:
    sent = dict(headers) | ({"Content-Type": content_type} if content_type else {})
    return await http_client.fetch(
        url,
        method=method,
        headers=sent,
        body=body,
        raise_error=False,
        follow_redirects=False,
        allow_nonstandard_methods=True,
        request_timeout=20,
    )


def _faults_of(response: Any, where: str, path: str) -> list[str]:
    faults = []
    if response.code >= 500 and response.code != 503 or response.code == 599:
        faults.append(f"{where}: {response.code}")
    if response.code == 405 and not response.headers.get("Allow"):
        faults.append(f"{where}: 405 without Allow")
    if path.startswith("/api/") and "json" in response.headers.get("Content-Type", ""):
        if response.headers.get("X-Content-Type-Options") != "nosniff":
            faults.append(f"{where}: JSON without nosniff")
    return faults


def _refused(response: Any, handler: type, method: str) -> bool:
    """Whether an anonymous caller was refused: 401/403, a page's redirect to sign in, or a 405 for a method the
    handler does not serve; a route with a proof of its own refuses as OWN_PROOF_REFUSALS says."""
    if not served(handler, method.lower()):
        return response.code in (401, 403, 405)  # 403: no XSRF pair; 401: docking checks the signature first
    if response.code in (301, 302, 303, 307):
        return bool(SIGN_IN_PAGES.fullmatch(urlsplit(response.headers.get("Location", "")).path))
    allowed = OWN_PROOF_REFUSALS.get(proof_of(handler, method) or "", set())
    return response.code in (401, 403) or response.code in allowed


async def _documents(db: Any) -> dict[str, list[Any]]:
    """Every document of every collection, by collection, in _id order."""
    out = {}
    for name in sorted(await db.list_collection_names()):
        out[name] = [repr(doc) async for doc in db[name].find({}).sort("_id", 1)]
    return out


def test_the_public_list_is_what_the_handlers_declare():
    """PUBLIC above and the handlers' @public say the same: neither may open a route alone."""
    declared = set()
    for pattern, handler, *_ in ROUTES:
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            if served(handler, method.lower()) and proof_of(handler, method) == DECLARED_PUBLIC:
                declared.add((_template(pattern), method))
    assert declared == PUBLIC


@pytest.mark.gen_test(timeout=300)
async def test_every_route_refuses_the_anonymous_and_is_never_a_500(
    app, wechat, api, http_client, base_url, cheap_hashing
):
    signed_in, serial = await _identities(app, wechat, api)
    db = app.settings["services"].ctx.db
    values = SAMPLES | {"serial": serial}
    faults, open_routes, seen = [], [], []
    # Signed out: no cookie at all, and a browser's XSRF pair without a session (so a POST reaches the check).
    anonymous = ({}, {"Cookie": f"_xsrf={XSRF}", "X-XSRFToken": XSRF})
    before = await _documents(db)
    for pattern, handler, *_ in ROUTES:
        path = _path(pattern, values)
        for method in METHODS:
            public = (_template(pattern), "GET" if method == "HEAD" else method) in PUBLIC
            for headers in anonymous:
                bodies = BODIES if method in ("POST", "PUT", "PATCH") else ((None, None),)
                for content_type, body in bodies:
                    response = await _fetch(http_client, base_url + path, method, headers, content_type, body)
                    seen.append(response.code)
                    where = f"{method} {path} (anonymous{', XSRF pair' if headers else ''}, {content_type})"
                    faults += _faults_of(response, where, path)
                    if not public and not _refused(response, handler, method):
                        location = response.headers.get("Location", "")
                        open_routes.append(f"{where}: {response.code} {location}".rstrip())
    after = await _documents(db)
    assert not open_routes, "not refused to an anonymous caller:\n" + "\n".join(open_routes)
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    counts = {name: (len(before.get(name, [])), len(after.get(name, []))) for name in changed}
    assert set(changed) <= set(MAY_CHANGE), f"an anonymous walk changed these (documents before, after): {counts}"
    for pattern, _handler, *_ in ROUTES:
        path = _path(pattern, values)
        for method in METHODS:
            bodies = BODIES if method in ("POST", "PUT", "PATCH") else ((None, None),)
            for content_type, body in bodies:
                response = await _fetch(http_client, base_url + path, method, signed_in, content_type, body)
                seen.append(response.code)
                faults += _faults_of(response, f"{method} {path} (signed in, {content_type})", path)
    assert len(seen) > 1000 and {200, 302, 400, 401, 403, 405} <= set(seen)
    assert not faults, "\n".join(faults)


@pytest.mark.gen_test
async def test_get_on_an_action_url_is_a_405_naming_post(app, http_client, base_url):
    response = await http_client.fetch(
        base_url + "/office/cases/20261122000017/accept", raise_error=False, follow_redirects=False
    )
    assert response.code == 405 and response.headers["Allow"] == "POST"


# The route table looked up by the path's first segment (handlers/base.py RouteIndex) finds, for every route and for
# paths no route serves, the handler Tornado's own walk through every rule finds, with the same path arguments.
ODD_PATHS = [
    "/",
    "//",
    "/favicon.ico",
    "/robots.txt",
    "/nothing/here",
    "/api/none",
    "/api",
    "/API/mp/session",
    "/h5",
    "/office",
    "/static/none.css",
    "relative",
    "/wechat/callback/",
    "/healthz/x",
    "/%E4%B8%AD",
]


def _request(method: str, path: str) -> HTTPServerRequest:
    return HTTPServerRequest(
        start_line=RequestStartLine(method, path, "HTTP/1.1"), headers=HTTPHeaders({"Host": "127.0.0.1"})
    )


def _found(delegate: Any) -> tuple[Any, Any, Any]:
    inner = getattr(delegate, "inner", delegate)  # BoundedApplication's body limit wraps most
    return inner.handler_class, inner.path_args, inner.path_kwargs


def test_every_path_finds_the_handler_tornados_walk_finds(app):
    paths = [_path(route[0], SAMPLES | {"serial": "20261122000017"}) for route in ROUTES] + ODD_PATHS
    assert len(paths) > 150
    for path in paths:
        for method in ("GET", "POST"):
            ours = app.find_handler(_request(method, path))
            walk = app.default_router.find_handler(_request(method, path))
            if walk is None:  # no rule: the default handler, both ways
                walk = app.get_handler_delegate(_request(method, path), app.settings["default_handler_class"])
            assert _found(ours) == _found(walk), path


def test_patterns_whose_first_segment_only_looks_plain_are_tried_for_every_path():
    """An optional slash after the first segment, an alternative at the top, a pattern matched without case: each
    may match a path of another first segment, so the lookup tries it for every path, in the table's order."""
    kinds = [type(f"Handler{n}", (RequestHandler,), {}) for n in range(5)]
    app = BoundedApplication(
        [
            (r"/h5/?(?P<rest>x.*)", kinds[0]),
            (r"/a/x|/b/y", kinds[1]),
            URLSpec(re.compile(r"/api/x$", re.I), kinds[2]),
            (r"/api/(?P<which>one|two)$", kinds[3]),
            (r"/.*", kinds[4]),  # the catch-all after them
        ]
    )
    for path in ("/h5x", "/h5/x", "/b/y", "/a/x", "/API/x", "/api/two", "/api/three", "/other"):
        ours = app.find_handler(_request("GET", path))
        walk = app.default_router.find_handler(_request("GET", path))
        assert _found(ours) == _found(walk), path
