"""Every look at personal data is recorded (docs/privacy.md#every-look-is-recorded): every route whose method declares
`@reveals_personal_data` (handlers/access.py) is called on a centre with a case in every status, and each call leaves
an audit record naming who (login, role, centre, or the partner), what (the look, the case) and when, and never the
data itself. The walk's own table says how to call each declared route, so a route added later that declares a look
fails here until it has a row; one that declares nothing does not start (tests/handlers/test_access.py).
"""

from __future__ import annotations

import re
import tempfile
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from tornado.web import create_signed_value

from handlers.access import NO_PERSONAL_DATA, OWN_DATA, personal_data_of, served
from handlers.routes import ROUTES
from services.accounts import web_sessions
from services.cases import handling
from services.core.context import utc_now
from services.intake import evidence
from settings import dev_docking_key
from standins.court_platform import CourtPlatformStandIn
from tests.support import court
from tests.support.browser_session import CookieClient
from tests.support.office import sign_in
from tests.support.samples import WORKER_ID
from tests.support.seeded import ROOT, seed_every_status

# How the walk calls each declared look: (route as in handlers/routes.py with {name}, method) -> (path values, form).
# `{serial}` is an accepted city case with evidence and a document; `{partner_case_no}` an accepted delegation, whose
# serial is `delegated`. A form is refused on purpose where success would only redirect: the page shown again is
# the look.
CALLS: dict[tuple[str, str], tuple[dict[str, str], dict[str, str] | None]] = {
    ("/office/", "GET"): ({}, None),
    ("/office/cases/{serial}", "GET"): ({}, None),
    ("/office/cases/{serial}/{action}", "POST"): ({"action": "reveal"}, {"field": "applicant.id_number"}),
    ("/office/documents/{document_id}", "GET"): ({}, None),
    ("/office/files/{file_id}", "GET"): ({}, None),
    ("/office/staff", "GET"): ({}, None),
    ("/office/staff", "POST"): ({}, {"action": "create", "login": ""}),  # refused: the page again, with the list
    ("/office/mediators", "GET"): ({}, None),
    ("/office/mediators", "POST"): ({}, {"login": ""}),
    ("/office/stats", "GET"): ({}, None),
    ("/office/stats/export.xlsx", "GET"): ({}, None),
    ("/office/files", "GET"): ({"query": "?id_number=" + WORKER_ID}, None),
    ("/office/files/cases/{serial}.zip", "GET"): ({}, None),
    ("/office/alerts", "GET"): ({}, None),
    ("/office/alerts", "POST"): ({}, {"alert": ""}),
    ("/office/audit", "GET"): ({}, None),
    ("/office/audit.xlsx", "GET"): ({}, None),
    ("/office/cases/{serial}/docking/{action}", "POST"): ({"serial": "{delegated}", "action": "extend"}, {"days": "x"}),
    ("/office/roster", "GET"): ({}, None),
    ("/office/roster", "POST"): ({}, {"name": ""}),
    ("/office/training", "GET"): ({}, None),
    ("/office/training", "POST"): ({}, {"title": ""}),
    ("/office/cases/{serial}/corrections/{correction_id}", "POST"): ({}, {"decision": "corrected"}),  # none: 404
    ("/h5/me/copy.json", "GET"): ({}, None),  # a person given a copy of their own data: recorded as them
    ("/h5/me/copy.pdf", "GET"): ({}, None),
    ("/api/mp/me/copy", "GET"): ({"query": "?format=json"}, None),
    ("/api/docking/delegations/{partner_case_no}", "GET"): ({}, None),
    ("/api/docking/delegations/{partner_case_no}/withdraw", "POST"): ({}, None),  # last: it ends the delegation
}
SERVICE_ACTIONS = {"reveal", "file_view", "document_download", "evidence_download", "stats_export", "audit_export"}


def _template(pattern: str) -> str:
    named = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "{" + m.group(1) + "}", pattern)
    return named.replace("/?", "/").replace("\\.", ".").rstrip("$")


def declared_looks() -> dict[tuple[str, str], str]:
    """Every (route, method) that declares it reveals personal data, with the look's name."""
    out = {}
    for pattern, handler, *_ in ROUTES:
        for method in ("get", "post", "put", "delete", "patch"):
            look = personal_data_of(handler, method) if served(handler, method) else None
            if look not in (None, NO_PERSONAL_DATA, OWN_DATA):
                out[(_template(pattern), method.upper())] = look
    return out


def test_the_walk_has_a_row_for_every_declared_look():
    """A route added later that reveals personal data is walked too: it needs its row in CALLS."""
    declared = set(declared_looks())
    assert declared == set(CALLS), (
        f"declared but not walked: {sorted(declared - set(CALLS))}; walked but not declared: "
        f"{sorted(set(CALLS) - declared)}"
    )
    # The looks the issue names are among them: case pages and "show", downloads, P/C/A files, exports, the audit.
    assert {("/office/cases/{serial}", "GET"), ("/office/files/cases/{serial}.zip", "GET")} <= declared
    assert {("/office/stats/export.xlsx", "GET"), ("/office/audit.xlsx", "GET")} <= declared


async def _evidence_of(ctx: Any, blobs: Any, person: str, serial: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(court.pdf_bytes())
        handle.flush()
        stored = await evidence.store_upload(ctx, blobs, person, handle.name, "工资条.pdf")
    await handling.add_evidence(ctx, person, serial, {"file_ids": [stored["id"]]}, "h5")
    return stored["id"]


@pytest.fixture
def env_overrides(pages_env: dict[str, str]) -> dict[str, str]:
    return pages_env


@pytest.mark.gen_test(timeout=240)
async def test_every_declared_look_leaves_an_audit_record_with_who_what_when_and_never_the_data(
    app, http_server, http_client, base_url, cheap_hashing
):
    seeded = await seed_every_status(app)
    services = app.settings["services"]
    ctx = services.ctx
    serial = seeded.city["accepted"]
    file_id = await _evidence_of(ctx, services.blobs, seeded.applicant, serial)
    delegated = await ctx.db["cases"].find_one({"_id": seeded.pudong["accepted"]}, {"docking": 1})
    values = {
        "serial": serial,
        "delegated": seeded.pudong["accepted"],
        "document_id": seeded.documents[serial],
        "file_id": file_id,
        "correction_id": "0" * 32,
        "partner_case_no": quote(delegated["docking"]["partner_case_no"], safe=""),
    }
    office = CookieClient(http_client, base_url)
    await sign_in(office, ROOT.login)
    partner = CourtPlatformStandIn(court.COURT, dev_docking_key(court.COURT), "", base_url)  # signs; never listens
    person = CookieClient(http_client, base_url)  # the applicant, signed in just now (a copy needs a fresh proof)
    session = await web_sessions.issue(ctx, web_sessions.PERSON, seeded.applicant)
    person.cookies["h5_session"] = create_signed_value(app.settings["cookie_secret"], "h5_session", session).decode()
    token = services.tokens.issue(seeded.applicant)
    audit = ctx.db["audit"]
    secrets = [WORKER_ID, "13812345678", "+8613812345678", "张三"]  # the applicant's numbers and name as given
    unrecorded, leaked = [], []
    for (route, method), (extra, form) in CALLS.items():
        named = {k: values[v[1:-1]] if v.startswith("{") else v for k, v in extra.items() if k != "query"}
        path_values = values | named
        path = re.sub(r"\{(\w+)\}", lambda m, pv=path_values: pv[m.group(1)], route) + extra.get("query", "")
        look = declared_looks()[(route, method)]
        before = [r["_id"] async for r in audit.find({}, {"_id": 1})]
        if route.startswith("/api/docking/"):
            ctx.clock = utc_now  # the partner signs with today's time: the seeding moved ours eleven days on
        started = ctx.clock() - timedelta(seconds=1)
        if route.startswith("/api/docking/"):
            status, _ = await partner.call(method, path, None)
        elif route.startswith("/h5/"):
            status = (await person.get(path)).code
        elif route.startswith("/api/mp/"):
            headers = {"Authorization": f"Bearer {token}"}
            status = (await http_client.fetch(base_url + path, headers=headers, raise_error=False)).code
        elif method == "GET":
            status = (await office.get(path)).code
        else:
            status = (await office.post(path, form or {})).code
        assert status < 500, f"{method} {path}: {status}"
        records = await audit.find({"_id": {"$nin": before}}).to_list(None)
        looks = [r for r in records if r["action"] in (look, *SERVICE_ACTIONS)]
        if not looks:
            unrecorded.append(f"{method} {route} ({look}): {status}, recorded {[r['action'] for r in records]}")
            continue
        for record in looks:
            partner_call = route.startswith("/api/docking/")
            who = (court.COURT, "partner", "") if partner_call else (ROOT.login, ROOT.role, ROOT.centre_id)
            if route.startswith(("/h5/", "/api/mp/")):
                who = (seeded.applicant, "person", "")
            assert (record["who"], record["role"], record["centre"]) == who, record
            assert record["at"] >= started, record
            if "{serial}" in route or partner_call:
                case = seeded.pudong["accepted"] if partner_call else path_values["serial"]
                assert record["serial"] == case, record
            shown = repr(record)
            leaked += [f"{method} {route}: {secret}" for secret in secrets if secret in shown]
    assert not unrecorded, "looks without a record:\n" + "\n".join(unrecorded)
    assert not leaked, "audit records holding the data itself:\n" + "\n".join(leaked)
