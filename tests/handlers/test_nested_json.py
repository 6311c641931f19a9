"""Issue 22: JSON nested at any depth is a 400 `malformed_json` on every route that reads JSON, never a 500.

A walk of every route of handlers/routes.py with every method that takes a body, signed in everywhere (the
mini-program's token, the H5 and office sessions with their XSRF pair, a court's signature on the docking API),
each sent bodies nested 600 deep (past the depth a recursive walk survives) and 20,000 to 100,000 deep (past
json.loads' own), as lists and as objects.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tornado.web import create_signed_value

from handlers.access import served
from handlers.base import MAX_JSON_DEPTH, json_depth, load_json, parse_json
from handlers.routes import ROUTES
from platforms.court import signed_headers
from services.accounts import web_sessions
from services.accounts.persons import person_for_identity
from services.core.errors import ServiceError
from services.core.text import without_unseen
from settings import dev_docking_key
from tests.support.app import MP_APP_ID, body_of, make_staff, sign_in
from tests.support.court import COURT
from tests.support.samples import worker_body

XSRF = "nestedjsonxsrftoken0123456789"
VALUES = {
    "file_id": "0" * 32,
    "document_id": "0" * 32,
    "kind": "worker",
    "step": "applicant",
    "ticket": "A" * 20,
    "action": "accept",
    "token": "B" * 24,
    "path": "favicon.ico",
    "centre_id": "sh-pudong",
    "locale": "en",
    "mode": "elder",
    "library_entry": "labour_contract_law",
    "figure_id": "0" * 32,
    "material_id": "0" * 32,
    "template_kind": "agreement",
    "node": "relationship",
    "partner_case_no": "%282026%29%E6%B2%AA0115%E6%B0%91%E8%AF%89%E5%89%8D%E8%B0%831%E5%8F%B7",
    "confirmation_id": "0" * 32,
    "entry_id": "0" * 32,
    "purpose": "survey",
    "correction_id": "0" * 32,
    "application": "judicial_confirmation",
}
# The routes the review found answering 500 (issue 22), each of which must now say malformed_json.
NAMED = {
    ("POST", "/api/calculator"),
    ("POST", "/api/mp/session"),
    ("POST", "/api/mp/applications"),
    ("PUT", "/api/mp/drafts/worker"),
    ("POST", "/api/docking/delegations"),
}


def nested(depth: int, kind: str) -> bytes:
    """An object whose `reason` holds `depth` levels of lists (or objects)."""
    if kind == "list":
        inner = "[" * depth + "]" * depth
    else:
        inner = '{"a":' * depth + "{}" + "}" * depth
    return ('{"code": "x", "reason": ' + inner + "}").encode()


# Past json.loads' own limit too, each under the JSON body's 256 KiB.
BODIES = [
    (depth, kind, nested(depth, kind))
    for depth, kind in ((600, "list"), (600, "object"), (100_000, "list"), (20_000, "object"))
]


def _path(pattern: str, values: dict[str, str]) -> str:
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], pattern)
    return path.replace("/?", "/").replace("\\.", ".").rstrip("$")


def test_the_depth_is_bounded_before_anything_walks_the_body():
    assert json_depth(json.loads("[[[1]], {}]")) == 3 and json_depth(7) == 0
    assert parse_json(b'{"a": [[{"b": "c"}]]}') == {"a": [[{"b": "c"}]]}
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert json_depth(load_json(at_limit.encode())) == MAX_JSON_DEPTH
    for _, _, body in BODIES + [(0, "", ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)).encode())]:
        with pytest.raises(ServiceError) as refused:
            parse_json(body)
        assert (refused.value.status, refused.value.code) == (400, "malformed_json")


def test_a_body_is_cleaned_whatever_escape_writes_what_nobody_sees():
    """parse_json skips the walk through a body's strings only when its text shows nothing to clean: characters
    nobody sees, written as they are or by any JSON escape (\\u, \\b, \\f), in a value or a key, are removed;
    a lone surrogate is a 400; tabs and line breaks stay."""
    cases = [
        (b'{"name": "Zhang\\bSan", "k\\fy": "x"}', {"name": "ZhangSan", "ky": "x"}),
        (b'{"reason": "\\f\\b"}', {"reason": ""}),
        ('{"name": "\u5f20\u202e\u4e09"}'.encode(), {"name": "\u5f20\u4e09"}),
        (b'{"name": "\\u5f20\\u200b\\u4e09"}', {"name": "\u5f20\u4e09"}),
        (b'{"facts": "a\\tb\\nc\\r\\\\bd"}', {"facts": "a\tb\nc\r\\bd"}),
        (b'{"plain": ["\xe5\xbc\xa0\xe4\xb8\x89", 1, true]}', {"plain": ["\u5f20\u4e09", 1, True]}),
    ]
    for raw, cleaned in cases:
        assert parse_json(raw) == cleaned, raw
    # Every character nobody sees, written as it is in an otherwise plain body (the fast path reads such a body
    # without searching it only when every character is printable), and in a body laid out on several lines.
    unseen = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and without_unseen(chr(c)) == ""]
    assert len(unseen) > 80
    for char in unseen:
        body = {"name": f"\u5f20{char}\u4e09"}
        assert parse_json(json.dumps(body, ensure_ascii=False).encode()) == {"name": "\u5f20\u4e09"}, hex(ord(char))
        laid_out = json.dumps(body, ensure_ascii=False, indent=2).encode()
        assert parse_json(laid_out) == {"name": "\u5f20\u4e09"}, hex(ord(char))
    with pytest.raises(ServiceError) as refused:
        parse_json(b'{"name": "\\ud800"}')
    assert (refused.value.status, refused.value.code) == (400, "invalid_unicode")


async def _signed_in(app: Any, wechat: Any, api: Any) -> tuple[dict[str, str], str]:
    ctx = app.settings["services"].ctx
    token = await sign_in(api, wechat, "openid-nested-json")
    made = await api.call(
        "POST",
        "/api/mp/applications",
        worker_body() | {"evidence": []},
        token=token,
        headers={"Idempotency-Key": "nested-0001"},
    )
    serial = body_of(made)["serial"]
    person = await person_for_identity(ctx, "wechat_mp", MP_APP_ID, "openid-nested-json", None)
    await make_staff(app, "nested.admin", role="system_admin")
    secret = app.settings["cookie_secret"]
    cookies = {
        "h5_session": create_signed_value(
            secret, "h5_session", await web_sessions.issue(ctx, web_sessions.PERSON, person)
        ).decode(),
        "office_session": create_signed_value(
            secret, "office_session", await web_sessions.issue(ctx, web_sessions.STAFF, "nested.admin")
        ).decode(),
        "_xsrf": XSRF,
    }
    headers = {
        "Authorization": f"Bearer {token}",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "X-XSRFToken": XSRF,
        "Content-Type": "application/json",
    }
    return headers, serial


@pytest.mark.gen_test(timeout=300)
async def test_every_json_route_answers_nested_bodies_without_a_500(app, wechat, api, http_client, base_url):
    headers, serial = await _signed_in(app, wechat, api)
    faults, named, walked = [], {}, 0
    calls = [
        (method, _path(pattern, VALUES | {"serial": serial}))
        for pattern, handler, *_ in ROUTES
        for method in ("POST", "PUT", "PATCH", "DELETE")
        if served(handler, method.lower())  # a method not served is a 405 that reads no body (the route walk's)
    ]
    # The named routes first: a route that signs out (walked later) would turn their answers into 401s.
    for method, path in sorted(calls, key=lambda call: call not in NAMED):
        for depth, kind, body in BODIES:
            sent = dict(headers)
            if path.startswith("/api/docking/"):
                sent |= signed_headers(COURT, dev_docking_key(COURT), method, path, body)
            response = await http_client.fetch(
                base_url + path,
                method=method,
                headers=sent,
                body=body,
                raise_error=False,
                follow_redirects=False,
                allow_nonstandard_methods=True,
                request_timeout=30,
            )
            walked += 1
            if response.code >= 500 and response.code != 503:  # 503: a platform down (no card stand-in here)
                faults.append(f"{method} {path} ({kind} × {depth}): {response.code}")
            if (method, path) in NAMED:
                named[(method, path, kind, depth)] = (response.code, (body_of(response) or {}).get("error"))
    assert walked > 100, walked
    assert not faults, "\n".join(faults)
    assert len(named) == 4 * len(NAMED), sorted(named)
    for where, (status, error) in named.items():
        assert status == 400 and error["code"] == "malformed_json", (where, status, error)
