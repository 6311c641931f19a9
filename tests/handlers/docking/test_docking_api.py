"""The docking protocol (docs/contracts.md) over real HTTP with the court-platform stand-in: delegations in (201,
the same again 200, another body 409, field errors 422), bad, stale and replayed signatures 401 with nothing
created, the state and withdrawal, our events out (signed, each event_id once, waiting while the partner is down and
shown 待推送), decisions back."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from platforms.court import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from services.court import delegations
from tests.support.app import make_staff
from tests.support.court import CENTRE, COURT, confirm_on_roster, delegation_body
from tests.support.store import cases_for_setup
from tests.support.waits import until


async def case_count(app) -> int:
    return await app.settings["services"].ctx.db["cases"].count_documents({})


@pytest.mark.gen_test(timeout=60)
async def test_delegations_in_signed_with_their_natural_key(app, http_server, court):
    body = delegation_body(pdf_size=20_000)
    status, receipt = await court.delegate(body)
    assert status == 201 and receipt["status"] == "delegated" and receipt["centre"]["id"] == CENTRE
    assert receipt["answer_due"] and len(receipt["serial"]) == 14
    status, again = await court.delegate(body)
    assert (status, again) == (200, receipt)
    status, differs = await court.delegate(body | {"type": "post_filing"})
    assert status == 409 and differs["error"]["field"] == "partner_case_no" and differs["error"]["message"]
    status, state = await court.state_of(body["partner_case_no"])
    assert status == 200 and state["serial"] == receipt["serial"] and state["answer"] is None
    status, missing = await court.state_of("(2026)沪0115民诉前调0号")
    assert status == 404
    bad = delegation_body(region_code="110101")
    bad["parties"][1]["legal_representative_name"] = ""
    status, refused = await court.delegate(bad)
    assert status == 422 and {e["field"] for e in refused["errors"]} == {
        "region_code",
        "parties[1].legal_representative_name",
    }
    assert await case_count(app) == 1
    # The longest number a delegation may carry (100 characters, percent-encoded in the path) is found by GET.
    longest = delegation_body(case_no="沪" * 100)
    status, _ = await court.delegate(longest)
    assert status == 201
    status, state = await court.state_of(longest["partner_case_no"])
    assert status == 200 and state["status"] == "delegated"


@pytest.mark.gen_test(timeout=60)
async def test_bad_stale_and_replayed_signatures_are_401_and_create_nothing(app, http_server, court, api):
    body = delegation_body()
    data = json.dumps(body, ensure_ascii=False).encode()
    # A replay: the very request a court sent, sent again (same nonce, same signature).
    from platforms.court import signed_headers

    headers = signed_headers(COURT, court.state.key, "POST", "/api/docking/delegations", data)
    first = await api.call("POST", "/api/docking/delegations", raw=data, headers=headers)
    assert first.code == 201
    replay = await api.call("POST", "/api/docking/delegations", raw=data, headers=headers)
    assert replay.code == 401 and json.loads(replay.body)["error"]["code"] == "docking_replayed"
    other = delegation_body()
    forged = await court.call("POST", "/api/docking/delegations", other, headers={SIGNATURE_HEADER: "0" * 64})
    stale = await court.call(
        "POST", "/api/docking/delegations", other, headers={TIMESTAMP_HEADER: str(int(time.time()) - 600)}
    )
    unsigned = await api.call("POST", "/api/docking/delegations", other)
    reused = await court.call("POST", "/api/docking/delegations", other, headers={NONCE_HEADER: headers[NONCE_HEADER]})
    for status, answer in (forged, stale, reused):
        assert status == 401 and answer["error"]["message"], answer
    assert unsigned.code == 401 and json.loads(unsigned.body)["error"]["code"] == "docking_unsigned"
    assert await case_count(app) == 1  # only the first, properly signed request made a case
    walked = await api.call("GET", "/api/docking/delegations/anything")  # unsigned reads are refused too
    assert walked.code == 401


@pytest.mark.gen_test(timeout=90)
async def test_events_go_out_signed_once_wait_while_the_partner_is_down_and_show_as_waiting(
    app, http_server, court, http_client, base_url, cheap_hashing
):
    services = app.settings["services"]
    ctx = services.ctx
    admin = await make_staff(app, "pd.admin", "centre_admin", CENTRE)
    await make_staff(app, "pd.mediator", "mediator", CENTRE, "王调解")
    await confirm_on_roster(ctx, "pd.mediator")
    body = delegation_body()
    _, receipt = await court.delegate(body)
    await delegations.accept(ctx, admin, receipt["serial"], "pd.mediator")
    events = await until(lambda: court.state.events_of(body["partner_case_no"]), what="the answer")
    assert [e["type"] for e in events] == ["answered"] and events[0]["answer"] == "accepted"
    assert events[0]["serial"] == receipt["serial"] and events[0]["event_id"]
    # The partner's system goes down: the next event waits, shown 待推送 on the case page, nothing lost.
    court.state.mode = "down"
    second = delegation_body()
    _, receipt2 = await court.delegate(second)
    court.state.mode = "down"
    await delegations.decline(ctx, admin, receipt2["serial"], "unable", "本周调解员均已排满")

    async def waiting():
        doc = await ctx.db["cases"].find_one({"_id": receipt2["serial"]})
        return [
            n
            for n in doc["notifications"]
            if n["kind"] == "partner_event" and n["attempts"] >= 1 and n["state"] == "pending"
        ]

    await until(waiting, what="a failed attempt")
    page = await office_case_page(app, http_client, base_url, receipt2["serial"])
    assert "待推送" in page and 'id="waiting-push"' in page
    assert court.state.events_of(second["partner_case_no"]) == []
    court.state.mode = "up"
    await hurry(app, receipt2["serial"])
    events2 = await until(lambda: court.state.events_of(second["partner_case_no"]), what="the delayed answer")
    assert [(e["type"], e["answer"], e["reason_code"]) for e in events2] == [("answered", "declined", "unable")]
    await asyncio.sleep(0.5)
    assert court.state.repeats == 0 and court.state.refused == 0  # never sent twice, always signed
    doc = await ctx.db["cases"].find_one({"_id": receipt2["serial"]})
    assert [n["state"] for n in doc["notifications"] if n["kind"] == "partner_event"] == ["sent"]


async def hurry(app, serial: str) -> None:
    """Skip the back-off a test cannot wait for: the partner's pause lifted, the event due now, the sender woken."""
    services = app.settings["services"]
    services.notification_sender.partners._down_until.clear()
    ctx = services.ctx
    doc = await ctx.db["cases"].find_one({"_id": serial})
    fields = {
        f"notifications.{i}.next_attempt_at": ctx.clock()
        for i, n in enumerate(doc["notifications"])
        if n["state"] == "pending"
    }
    await cases_for_setup(ctx).update_one({"_id": serial}, {"$set": fields | {"outbox_due_at": ctx.clock()}})
    services.notification_sender.wake()


async def office_case_page(app, http_client, base_url: str, serial: str) -> str:
    from tornado.web import create_signed_value

    from services.accounts import web_sessions

    ctx = app.settings["services"].ctx
    session = await web_sessions.issue(ctx, web_sessions.STAFF, "pd.admin")
    cookie = create_signed_value(app.settings["cookie_secret"], "office_session", session).decode()
    response = await http_client.fetch(
        f"{base_url}/office/cases/{serial}", headers={"Cookie": f"office_session={cookie}"}
    )
    return response.body.decode()


@pytest.mark.gen_test(timeout=60)
async def test_the_partner_withdraws_and_decides_on_the_roster(app, http_server, court, cheap_hashing):
    ctx = app.settings["services"].ctx
    admin = await make_staff(app, "pd.admin", "centre_admin", CENTRE)
    await make_staff(app, "pd.mediator", "mediator", CENTRE, "王调解")
    body = delegation_body()
    await court.delegate(body)
    status, withdrawn = await court.withdraw(body["partner_case_no"], "当事人已自行和解")
    assert status == 200 and withdrawn["status"] == "withdrawn"
    from services.court import roster

    court.state.auto_confirm_roster = True
    entry = await roster.propose(ctx, admin, {"partner_id": COURT, "subject": "mediator", "login": "pd.mediator"})
    app.settings["services"].docking_watch.wake()
    await until(lambda: court.state.roster, what="the roster sent")
    assert court.state.roster[entry["entry_id"]]["inviting_court"] == "上海市浦东新区人民法院"

    async def confirmed():
        return await roster.confirmed_mediators(ctx, COURT, CENTRE)

    assert await until(confirmed, what="the confirmation back") == {"pd.mediator"}
    status, again = await court.decide_roster(entry["entry_id"], "confirmed")
    assert status == 200 and again["state"] == "confirmed"
    status, wrong = await court.decide_roster("f" * 32, "confirmed")
    assert status == 404


@pytest.mark.gen_test(timeout=60)
async def test_the_mini_program_consents_and_applies_like_the_pages(app, http_server, api, wechat):
    from tests.support.app import body_of, sign_in
    from tests.support.samples import worker_body

    token = await sign_in(api, wechat, "openid-docking-mp")
    body = worker_body() | {"evidence": []}
    made = await api.call("POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "dock-mp-1"})
    serial = body_of(made)["serial"]
    consent = await api.call("POST", f"/api/mp/applications/{serial}/extension_consent", token=token)
    assert consent.code == 409 and body_of(consent)["error"]["code"] == "no_extension_request"
    applied = await api.call("POST", f"/api/mp/applications/{serial}/applications/judicial_confirmation", token=token)
    assert applied.code == 409 and body_of(applied)["error"]["code"] == "confirmation_not_settled"
    stranger = await sign_in(api, wechat, "openid-docking-stranger")
    hidden = await api.call("POST", f"/api/mp/applications/{serial}/extension_consent", token=stranger)
    assert hidden.code == 404
    page = await api.call("GET", f"/api/mp/applications/{serial}/page", token=token)
    assert body_of(page)["court"] is None and body_of(page)["applications"] == []


@pytest.mark.gen_test(timeout=20)
async def test_a_request_no_partner_signed_is_refused_before_its_body_is_sent(app, http_server, http_port):
    """The headers are checked first: a stranger announcing 20 MB gets its 401 without sending a byte of it."""
    for headers in (
        "",
        "X-Docking-Partner: nobody\r\nX-Docking-Timestamp: 1\r\nX-Docking-Nonce: n\r\nX-Docking-Signature: s\r\n",
    ):
        reader, writer = await asyncio.open_connection("127.0.0.1", http_port)
        writer.write(
            (
                f"POST /api/docking/delegations HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
                "Content-Type: application/json\r\nContent-Length: 20000000\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
        writer.close()
        await writer.wait_closed()
        assert status_line.split()[1] == b"401", status_line
    assert await case_count(app) == 0
