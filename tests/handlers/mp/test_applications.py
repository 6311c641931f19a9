"""Submitting applications through real HTTP: idempotency, storage, "我的申请", bad input."""

from __future__ import annotations

import json
import logging

import pytest
from tornado.gen import multi

from services.core.codes import Serial, read_serial
from tests.support.app import body_of, sign_in
from tests.support.queries import assert_database_commands
from tests.support.samples import CONTACT_ID, EMPLOYEE_ID, WORKER_ID, employer_body, with_street, worker_body
from tests.support.store import cases_for_setup

WORKER_PHONE = "13812345678"


def worker(**claim_overrides):
    body = worker_body()
    body["evidence"] = []  # uploads come with the official-account issue; ids must name real files
    body["claim"].update(claim_overrides)
    return body


async def submit(api, token, body, key="key-00000001"):
    return await api.call("POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": key})


def db_of(app):
    return app.settings["services"].ctx.db


async def stored_cases(app):
    return await db_of(app)["cases"].find({}).to_list(None)


@pytest.mark.gen_test
async def test_worker_submits_and_gets_a_serial_at_once(api, wechat, app):
    token = await sign_in(api, wechat)
    response = await submit(api, token, worker())
    assert response.code == 201, response.body
    case = body_of(response)
    assert read_serial(case["serial"]) == Serial(case["serial"], check_ok=True)  # 14 digits, its Luhn digit right
    assert case["status"] == "submitted" and case["status_label"] == "已提交"
    assert [e["action"] for e in case["timeline"]] == ["submit"]
    assert case["timeline"][0]["at"].endswith("+08:00")
    assert case["applicant"]["id_number"] == WORKER_ID[:6] + "********" + WORKER_ID[-4:]
    assert case["applicant"]["phone"] == "138****5678"
    assert case["respondent"]["contact_phone"] == "139****4321"
    assert case["consent"]["version"] == "2026-01"
    assert case["claim"]["amount"] == "12000.00"

    [doc] = await stored_cases(app)
    assert doc["_id"] == case["serial"] and doc["schema_version"] == 1
    assert doc["status"] == "submitted" and doc["channel"] == "mp"
    assert doc["centre"]["id"] and doc["region_codes"] and doc["routing_rule"]
    assert doc["consent"]["accepted_at"].tzinfo is not None
    assert doc["claim"]["amount_fen"] == 1_200_000
    clear_text = repr(doc)
    for secret in (WORKER_ID, WORKER_PHONE, "13987654321"):
        assert secret not in clear_text, "personal numbers must be stored encrypted"
    cipher = app.settings["services"].ctx.cipher
    assert cipher.decrypt(doc["applicant"]["id_number"], "applicant.id_number") == WORKER_ID


@pytest.mark.gen_test
async def test_case_is_routed_by_the_chosen_place(api, wechat, app):
    token = await sign_in(api, wechat)
    body = worker()
    body["respondent"]["address"]["region_code"] = "310115103"  # 浦东新区川沙新镇
    assert (await submit(api, token, body, "key-route-0001")).code == 201
    body = worker(venue="work_location")
    body["applicant"]["work_location"] = "上海市黄浦区南京东路1号"
    assert (await submit(api, token, body, "key-route-0002")).code == 201
    body = worker()  # wave 1's free-text street still routes by the place it names
    with_street(body["respondent"], "浦东新区川沙新镇")
    assert (await submit(api, token, body, "key-route-0003")).code == 201
    docs = sorted(await stored_cases(app), key=lambda d: d["_id"])
    assert [d["centre"]["id"] for d in docs] == ["sh-pudong", "sh-city", "sh-pudong"]
    # The region code of the domicile (川沙新镇, a township of Pudong) goes to the most specific centre serving it
    # or a region above (Pudong's district centre).
    lineage = ["310000", "310100", "310115", "310115103"]
    assert docs[0]["region_codes"] == lineage
    assert docs[0]["routing_rule"] == "region:employer_location" and docs[0]["routing"]["matched_code"] == "310115"
    # No region code given: the place is read from the text; the one in Huangpu, which no centre serves, goes up
    # to the city's; wave 1's street naming 川沙新镇 goes to Pudong's.
    assert docs[1]["routing_rule"] == "text:work_location" and docs[1]["routing"]["matched_code"] == "310000"
    assert docs[2]["region_codes"] == lineage
    assert docs[2]["routing_rule"] == "text:employer_location" and docs[2]["routing"]["matched_code"] == "310115"


@pytest.mark.gen_test
async def test_employer_submits_against_a_worker(api, wechat, app):
    token = await sign_in(api, wechat, "openid-hr")
    response = await submit(api, token, employer_body())
    assert response.code == 201, response.body
    case = body_of(response)
    assert case["kind"] == "employer"
    assert case["applicant"]["contact_id_number"] == CONTACT_ID[:6] + "********" + CONTACT_ID[-4:]
    assert case["respondent"]["id_number"].endswith(EMPLOYEE_ID[-4:]) and "*" in case["respondent"]["id_number"]
    [doc] = await stored_cases(app)
    assert EMPLOYEE_ID not in repr(doc) and CONTACT_ID not in repr(doc)


@pytest.mark.gen_test
async def test_same_key_same_body_is_the_same_case(api, wechat, app, db_commands):
    token = await sign_in(api, wechat)
    first = await submit(api, token, worker())
    again = await submit(api, token, worker())
    assert first.code == again.code == 201
    assert body_of(first)["serial"] == body_of(again)["serial"]
    assert len(await stored_cases(app)) == 1


@pytest.mark.gen_test
async def test_racing_requests_with_one_key_make_one_case(api, wechat, app):
    token = await sign_in(api, wechat)
    responses = await multi([submit(api, token, worker()) for _ in range(8)])
    assert {r.code for r in responses} == {201}
    assert len({body_of(r)["serial"] for r in responses}) == 1
    assert len(await stored_cases(app)) == 1


@pytest.mark.gen_test
async def test_same_key_other_body_is_422_and_keys_are_per_person(api, wechat, app):
    token = await sign_in(api, wechat)
    assert (await submit(api, token, worker())).code == 201
    changed = await submit(api, token, worker(amount="99.00"))
    assert changed.code == 422
    assert body_of(changed)["error"]["field"] == "Idempotency-Key"
    other_person = await sign_in(api, wechat, "openid-other")
    assert (await submit(api, other_person, worker())).code == 201  # same key, another person: a new case
    assert len(await stored_cases(app)) == 2


@pytest.mark.gen_test
async def test_interrupted_submission_is_finished_by_the_retry(api, wechat, app):
    """The idempotency record exists but the case write never happened (a crash in between)."""
    token = await sign_in(api, wechat)
    db = db_of(app)
    first = await submit(api, token, worker(), "key-crash-0001")
    serial = body_of(first)["serial"]
    await cases_for_setup(db).delete_one({"_id": serial})
    retried = await submit(api, token, worker(), "key-crash-0001")
    assert retried.code == 201 and body_of(retried)["serial"] == serial
    assert [d["_id"] for d in await stored_cases(app)] == [serial]


@pytest.mark.gen_test
async def test_missing_idempotency_key_is_400(api, wechat, app):
    token = await sign_in(api, wechat)
    response = await api.call("POST", "/api/mp/applications", worker(), token=token)
    assert response.code == 400 and body_of(response)["error"]["field"] == "Idempotency-Key"
    assert await stored_cases(app) == []


BAD_INPUTS = [
    ("unknown field", lambda b: b["applicant"].update(nickname="x"), "applicant.nickname"),
    ("wrong type", lambda b: b["claim"].update(amount=12000), "claim.amount"),
    ("overlong facts", lambda b: b["claim"].update(facts="事" * 10001), "claim.facts"),
    (
        "bad ID check digit",
        lambda b: b["applicant"].update(id_number=WORKER_ID[:-1] + ("0" if WORKER_ID[-1] != "0" else "1")),
        "applicant.id_number",
    ),
    ("negative amount", lambda b: b["claim"].update(amount="-1.00"), "claim.amount"),
    ("three decimals", lambda b: b["claim"].update(amount="1.005"), "claim.amount"),
    ("missing name", lambda b: b["applicant"].pop("name"), "applicant.name"),
    ("consent refused", lambda b: b["consent"].update(accepted=False), "consent.accepted"),
    ("bad mobile", lambda b: b["applicant"].update(phone="12345"), "applicant.phone"),
    ("outdated consent", lambda b: b["consent"].update(version="2019-01"), "consent.version"),
    ("unknown evidence file", lambda b: b.update(evidence=["0123456789abcdef0123456789abcdef"]), "evidence"),
]


@pytest.mark.gen_test
@pytest.mark.parametrize("label,spoil,field", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
async def test_bad_input_names_the_field_and_stores_nothing(api, wechat, app, label, spoil, field):
    token = await sign_in(api, wechat)
    body = worker()
    spoil(body)
    response = await submit(api, token, body)
    assert response.code == 422, response.body
    error = body_of(response)
    assert field in {e["field"] for e in error["errors"]}
    assert all(e["message"] and not e["message"].isascii() for e in error["errors"]), "messages are Chinese"
    assert await stored_cases(app) == []
    assert await db_of(app)["idempotency"].find({}).to_list(None) == []


@pytest.mark.gen_test
async def test_every_field_problem_is_listed_at_once(api, wechat):
    token = await sign_in(api, wechat)
    body = worker(amount="-5", facts="")
    body["applicant"]["phone"] = "999"
    response = await submit(api, token, body)
    assert response.code == 422
    fields = {e["field"] for e in body_of(response)["errors"]}
    assert {"claim.amount", "claim.facts", "applicant.phone"} <= fields


@pytest.mark.gen_test
async def test_malformed_json_and_non_object_body(api, wechat, app):
    token = await sign_in(api, wechat)
    raw = await api.call(
        "POST", "/api/mp/applications", raw=b'{"kind": ', token=token, headers={"Idempotency-Key": "key-00000001"}
    )
    assert raw.code == 400 and body_of(raw)["error"]["code"] == "malformed_json"
    listed = await submit(api, token, ["not", "an", "object"])
    assert listed.code == 422
    assert await stored_cases(app) == []


@pytest.mark.gen_test
async def test_my_applications_and_one_case(api, wechat, app):
    alice = await sign_in(api, wechat, "openid-alice")
    bob = await sign_in(api, wechat, "openid-bob")
    one = body_of(await submit(api, alice, worker(), "key-alice-001"))
    two = body_of(await submit(api, alice, employer_body(), "key-alice-002"))
    bobs = body_of(await submit(api, bob, worker(), "key-bob-0001"))

    listed = body_of(await api.call("GET", "/api/mp/applications", token=alice))["items"]
    assert [c["serial"] for c in listed] == [two["serial"], one["serial"]]  # newest first
    assert set(listed[0]) >= {"serial", "status", "status_label", "cause", "mediator", "next_session_at", "updated_at"}
    assert "timeline" not in listed[0]

    detail = await api.call("GET", f"/api/mp/applications/{one['serial']}", token=alice)
    assert detail.code == 200 and body_of(detail)["timeline"][0]["action"] == "submit"
    foreign = await api.call("GET", f"/api/mp/applications/{bobs['serial']}", token=alice)
    assert foreign.code == 404 and body_of(foreign)["error"]["code"] == "case_not_found"
    assert (await api.call("GET", "/api/mp/applications/12345678901234", token=alice)).code == 404


@pytest.mark.gen_test
async def test_database_commands_per_request(api, wechat, app, db_commands):
    # The submission's acknowledgement wakes the background sender, whose commands are not the request's.
    await app.settings["services"].notification_sender.stop()
    token = await sign_in(api, wechat)
    for i in range(3):
        assert (await submit(api, token, worker(), f"key-warmup-{i:03d}")).code == 201
    # Issue 2's three (the day's sequence, the idempotency record, the case), the statistics counters (issue 15:
    # one command with each write of a case), the collective-dispute check (one update of the employer's tally, which
    # returns it); the centres come from the process's snapshot of the directory. A Chinese party's nationality is
    # not counted (China leads every list), another's is one command more (the order lists offer them in).
    with assert_database_commands(db_commands, 5):
        created = await submit(api, token, worker(), "key-counted-01")
    assert created.code == 201
    # The 送达地址确认书 (issue 21) is in the case's own insert: no command of its own.
    stored = await app.settings["services"].ctx.db["cases"].find_one({"_id": body_of(created)["serial"]})
    assert stored["service_consent"]["applicant"]["electronic"] is True
    with assert_database_commands(db_commands, 1):
        assert (await api.call("GET", "/api/mp/applications", token=token)).code == 200
    serial = body_of(created)["serial"]
    with assert_database_commands(db_commands, 1):
        assert (await api.call("GET", f"/api/mp/applications/{serial}", token=token)).code == 200


@pytest.mark.gen_test(timeout=60)  # the end's notices are rendered before the answer (services/cases/ends.py)
async def test_withdrawal_is_a_move_of_the_table(api, wechat, app):
    token = await sign_in(api, wechat)
    serial = body_of(await submit(api, token, worker()))["serial"]
    other = await sign_in(api, wechat, "openid-other")
    assert (await api.call("POST", f"/api/mp/applications/{serial}/withdraw", {"reason": "x"}, token=other)).code == 404
    assert (await api.call("POST", f"/api/mp/applications/{serial}/withdraw", {}, token=token)).code == 422
    done = await api.call(
        "POST", f"/api/mp/applications/{serial}/withdraw", {"reason": "已和公司协商解决"}, token=token
    )
    assert done.code == 200 and body_of(done)["status"] == "withdrawn"
    assert body_of(done)["timeline"][-1]["note"] == "已和公司协商解决"
    again = await api.call("POST", f"/api/mp/applications/{serial}/withdraw", {"reason": "再次撤回"}, token=token)
    assert again.code == 409 and "已撤回" in body_of(again)["error"]["message"]


@pytest.mark.gen_test
async def test_logs_carry_no_personal_numbers(api, wechat, app, caplog):
    caplog.set_level(logging.DEBUG)
    token = await sign_in(api, wechat)
    assert (await submit(api, token, worker())).code == 201
    bad = worker()
    bad["applicant"]["id_number"] = WORKER_ID[:-1] + "0"
    await submit(api, token, bad, "key-bad-00001")
    await api.call("GET", "/api/progress?serial=20261122000171&phone_last4=5678")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/api/mp/applications" in text  # the request lines are there...
    for secret in (WORKER_ID, WORKER_PHONE, "phone_last4", WORKER_ID[:-1] + "0"):
        assert secret not in text  # ...without personal numbers or query strings
    line = next(json.loads(r.getMessage()) for r in caplog.records if r.name == "mediation.http")
    assert set(line) == {"request_id", "method", "path", "status", "ms"}


@pytest.mark.gen_test
async def test_request_id_is_returned(api):
    response = await api.call("GET", "/healthz")
    assert response.code == 200 and len(response.headers["X-Request-Id"]) >= 16
    assert body_of(response) == {"status": "ok"}


@pytest.mark.gen_test
async def test_unknown_api_path_is_json_404(api):
    response = await api.call("GET", "/api/nothing-here")
    assert response.code == 404 and body_of(response)["error"]["code"] == "http_404"


@pytest.mark.gen_test
async def test_absurdly_nested_json_is_a_400(api, wechat, app):
    token = await sign_in(api, wechat)
    deep = b"[" * 5000 + b"]" * 5000
    response = await api.call(
        "POST", "/api/mp/applications", raw=deep, token=token, headers={"Idempotency-Key": "key-deep-0001"}
    )
    assert response.code == 400 and body_of(response)["error"]["code"] == "malformed_json"
    huge_version = await api.call(
        "POST", "/api/mp/applications/20261122000171/clarified", {"version": 10**25, "decision": "confirm"}, token=token
    )
    assert huge_version.code == 422 and body_of(huge_version)["error"]["field"] == "version"


@pytest.mark.gen_test
async def test_one_parser_for_a_withdrawal_reason_and_a_clarified_answer(api, wechat, app):
    """The same input is refused the same way by every front (services parse it, not handlers)."""
    token = await sign_in(api, wechat)
    created = await api.call(
        "POST",
        "/api/mp/applications",
        worker_body() | {"evidence": []},
        token=token,
        headers={"Idempotency-Key": "key-parsers-01"},
    )
    serial = body_of(created)["serial"]
    too_long = await api.call("POST", f"/api/mp/applications/{serial}/withdraw", {"reason": "因" * 501}, token=token)
    assert too_long.code == 422 and body_of(too_long)["error"]["field"] == "reason"
    bad = await api.call("POST", f"/api/mp/applications/{serial}/clarified", {"decision": "maybe"}, token=token)
    assert bad.code == 422 and {e["field"] for e in body_of(bad)["errors"]} == {"decision", "version"}
    detail = await api.call("GET", f"/api/mp/applications/{serial}", token=token)
    assert body_of(detail)["status"] == "submitted"  # nothing changed
