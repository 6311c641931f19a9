"""The same text through every front gets the core parser's verdict (issue 20, item 4).

Generated amounts (well formed, full-width, grouped by thousands, signed, with exponents, misplaced separators,
too many decimals, blank, or any mix of the characters people type) go through four entry points, each a real
HTTP request to a running server: the mini-program's application (JSON), the H5 application's claim step (a
form), the back office's local figures (a form) and a court's delegation (signed docking JSON). Each must give
services/core/amounts.py's verdict for its field: accepted with the same value as stored, or refused naming the
amount. Those fields differ in one rule only, whether zero is an answer (the claim and the delegated dispute:
yes; a local minimum wage: no). A serial typed with full-width digits is found by the public progress check.

At most 50 examples per entry point (CI runs on two cores); each entry point boots its own server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platforms.court import signed_headers
from services.accounts.persons import person_for_identity
from services.core.amounts import optional_amount, parse_amount
from services.core.errors import ValidationFailed
from services.intake import drafts
from settings import dev_docking_key
from tests.support.app import OA_APP_ID, STAFF_PASSWORD, body_of, make_staff, sign_in
from tests.support.browser_session import CookieClient
from tests.support.court import COURT, delegation_body
from tests.support.samples import worker_body

Verdict = tuple[str, str | None]  # ("accepted", "12000.00") or ("refused", None)
REFUSED: Verdict = ("refused", None)

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,  # nothing written into the work tree; a failure prints its example
    suppress_health_check=[HealthCheck.too_slow],
)

_WIDE = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
_TYPED = "0123456789０１２３４５６７８９,，.．-+eE \u3000٣x"


def _wide(text: str) -> str:
    return text.translate(_WIDE)


WELL_FORMED = st.one_of(
    st.from_regex(r"[0-9]{1,9}(\.[0-9]{1,2})?", fullmatch=True),
    st.from_regex(r"[0-9]{1,3}(,[0-9]{3}){0,2}(\.[0-9]{1,2})?", fullmatch=True),
)
NEAR_MISSES = st.one_of(
    st.from_regex(r"[+-]?[0-9]{1,4}([.,][0-9]{0,4}){0,3}([eE][+-]?[0-9]{1,2})?", fullmatch=True),
    st.sampled_from(
        ["", " ", "\u3000", "0", "0.00", "00", "-0", "-0.00", "+5", "1e3", "NaN", "Infinity", "12,000.00", "1,20,000"]
        + ["12,0000", "12.", ".5", "12.345", "100000000.00", "100000000.01", "1000000.01", "٣٠٠٠", "0" * 25 + "1"]
    ),
)
AMOUNTS = st.one_of(
    WELL_FORMED,
    WELL_FORMED.map(_wide),  # a Chinese keyboard's full-width digits and separators
    st.tuples(st.sampled_from(["", " ", "\u3000"]), WELL_FORMED, st.sampled_from(["", " ", "\u3000"])).map("".join),
    NEAR_MISSES,
    st.text(alphabet=_TYPED, max_size=22),
)


def core_verdict(text: str, field: str, blank: str | None) -> Verdict:
    """services/core/amounts.py's verdict; `blank`: what nothing typed means in the field (None: required)."""
    try:
        amount = parse_amount(text, field) if blank is None else optional_amount(text, field)
    except ValidationFailed:
        return REFUSED
    return ("accepted", blank if amount is None else f"{amount:.2f}")


def run_examples(io_loop: Any, field: str, blank: str | None, verdict: Callable[[str], Awaitable[Verdict]]) -> None:
    """Each generated text through one entry point, its verdict compared with the core parser's."""

    @SETTINGS
    @given(AMOUNTS)
    def same_verdict(text: str) -> None:
        front = io_loop.run_sync(lambda: verdict(text), timeout=60)
        assert front == core_verdict(text, field, blank), f"{text!r}: the front says {front}"

    same_verdict()


async def stored_claim_amount(app: Any, serial: str) -> str:
    doc = await app.settings["services"].ctx.db["cases"].find_one({"_id": serial}, {"claim.amount": 1})
    return str(doc["claim"]["amount"])


# --- the mini-program API ----------------------------------------------------------------------------------------


def test_the_mini_program_application_gives_the_core_verdict(app, api, wechat, io_loop):
    token = io_loop.run_sync(lambda: sign_in(api, wechat, "openid-amounts"))

    async def verdict(text: str) -> Verdict:
        body = worker_body()
        body["evidence"] = []
        body["claim"]["amount"] = text
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        response = await api.call("POST", "/api/mp/applications", body, token=token, headers=headers)
        if response.code == 201:
            return ("accepted", await stored_claim_amount(app, body_of(response)["serial"]))
        assert response.code == 422, response.body
        assert {e["field"] for e in body_of(response)["errors"]} == {"claim.amount"}, response.body
        return REFUSED

    run_examples(io_loop, "claim", "0.00", verdict)


# --- an H5 form --------------------------------------------------------------------------------------------------


@pytest.fixture
def env_overrides(pages_env):
    return pages_env  # OAuth comes back to this test's server


async def h5_signed_in(browser: CookieClient, wechat: Any, openid: str) -> None:
    """WeChat's OAuth as a browser goes through it: our redirect, WeChat's code, our callback."""
    first = await browser.get("/h5/apply")
    to_wechat = await browser.get(first.headers["Location"])
    state = parse_qs(urlsplit(to_wechat.headers["Location"]).query)["state"][0]
    code = wechat.state.issue_oauth_code(openid, OA_APP_ID)
    back = await browser.get(f"/h5/oauth/callback?code={code}&state={state}")
    assert back.code == 302, back.body


def test_the_h5_claim_step_gives_the_core_verdict(app, http_client, base_url, wechat, io_loop):
    ctx = app.settings["services"].ctx
    browser = CookieClient(http_client, base_url)
    io_loop.run_sync(lambda: h5_signed_in(browser, wechat, "o-amounts"))
    person = io_loop.run_sync(lambda: person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-amounts"))
    others = {k: v for k, v in worker_body().items() if k != "claim"} | {"evidence": []}
    claim_form = {k: v for k, v in worker_body()["claim"].items() if k != "amount"}

    async def verdict(text: str) -> Verdict:
        await drafts.save_draft(ctx, person, "worker", others)  # the other steps, as the person saved them
        response = await browser.post("/h5/apply/worker/claim", claim_form | {"amount": text})
        if response.code == 422:  # the step shows its problems: the amount is the only field in doubt
            assert 'data-field="f-amount"' in response.body.decode(), response.body
            return REFUSED
        assert response.code == 302 and response.headers["Location"] == "/h5/apply/worker/evidence"
        submitted = await browser.post("/h5/apply/worker/submit", {"idempotency_key": uuid.uuid4().hex})
        assert submitted.headers["Location"].startswith("/h5/apply/done/"), submitted.headers["Location"]
        return ("accepted", await stored_claim_amount(app, submitted.headers["Location"].rsplit("/", 1)[1]))

    run_examples(io_loop, "claim", "0.00", verdict)


# --- an office form ----------------------------------------------------------------------------------------------


def test_the_office_local_figure_form_gives_the_core_verdict(app, http_client, base_url, io_loop, cheap_hashing):
    ctx = app.settings["services"].ctx
    office = CookieClient(http_client, base_url)

    async def signed_in() -> None:
        await make_staff(app, "figures.admin", "system_admin")
        await office.get("/office/login")
        response = await office.post("/office/login", {"login": "figures.admin", "password": STAFF_PASSWORD})
        assert response.code == 302, response.body

    io_loop.run_sync(signed_in)
    where = {"region_code": "310115", "kind": "minimum_monthly_wage", "applies_from": "2026-07-01"}

    async def verdict(text: str) -> Verdict:
        response = await office.post("/office/figures", where | {"amount": text, "source": "沪人社规〔2026〕1号"})
        if response.code == 422:
            assert 'id="g-amount-error"' in response.body.decode(), response.body
            return REFUSED
        assert response.code == 200, response.body
        doc = await ctx.db["local_figures"].find_one(where)
        return ("accepted", doc["amount"])

    run_examples(io_loop, "local_figure", None, verdict)  # a minimum wage of 0 is a slip: zero refused


# --- docking JSON ------------------------------------------------------------------------------------------------


def test_a_delegation_gives_the_core_verdict(app, api, io_loop):
    async def verdict(text: str) -> Verdict:
        body = delegation_body()
        body["dispute"]["amount"] = text
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = signed_headers(COURT, dev_docking_key(COURT), "POST", "/api/docking/delegations", data)
        response = await api.call("POST", "/api/docking/delegations", raw=data, headers=headers)
        if response.code == 201:
            return ("accepted", await stored_claim_amount(app, body_of(response)["serial"]))
        assert response.code == 422, response.body
        assert {e["field"] for e in body_of(response)["errors"]} == {"dispute.amount"}, response.body
        return REFUSED

    run_examples(io_loop, "delegated_claim", "0.00", verdict)


# --- serials -----------------------------------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_a_serial_typed_with_full_width_digits_is_found(app, api, wechat, http_client, base_url):
    token = await sign_in(api, wechat, "openid-serial")
    body = worker_body() | {"evidence": []}
    response = await api.call(
        "POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "k-wide-1"}
    )
    serial = body_of(response)["serial"]
    typed = f"\u3000{_wide(serial)} "  # a Chinese keyboard, a space either side
    found = await api.call("GET", "/api/progress?" + urlencode({"serial": typed, "phone_last4": _wide("5678")}))
    assert found.code == 200 and body_of(found)["serial"] == serial, found.body
    page = CookieClient(http_client, base_url)
    await page.get("/h5/progress")
    shown = await page.post("/h5/progress", {"serial": typed, "phone_last4": "5678"})
    assert shown.code == 200 and 'id="progress-status"' in shown.body.decode(), shown.body
