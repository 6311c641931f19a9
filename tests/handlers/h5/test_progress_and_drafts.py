"""Public progress by serial + phone digits (rate-limited), and drafts shared between steps."""

from __future__ import annotations

from datetime import date

import pytest

from services.cases.serials import make_serial
from tests.support.app import body_of, sign_in
from tests.support.samples import WORKER_ID, worker_body


def worker():
    body = worker_body()
    body["evidence"] = []
    return body


async def new_case(api, wechat, openid="openid-p"):
    token = await sign_in(api, wechat, openid)
    response = await api.call(
        "POST", "/api/mp/applications", worker(), token=token, headers={"Idempotency-Key": "key-progress-1"}
    )
    assert response.code == 201
    return token, body_of(response)["serial"]


@pytest.mark.gen_test
async def test_progress_shows_status_and_dates_only(api, wechat):
    _, serial = await new_case(api, wechat)
    response = await api.call("GET", f"/api/progress?serial={serial}&phone_last4=5678")
    assert response.code == 200
    progress = body_of(response)
    assert set(progress) == {"serial", "status", "status_label", "submitted_at", "updated_at", "next_session_at"}
    assert progress["status"] == "submitted"
    assert "张三" not in response.body.decode()


@pytest.mark.gen_test
async def test_progress_mismatch_unknown_and_mistyped(api, wechat):
    _, serial = await new_case(api, wechat)
    wrong = await api.call("GET", f"/api/progress?serial={serial}&phone_last4=0000")
    assert wrong.code == 404
    unknown_serial = make_serial(date(2026, 1, 2), 99)
    assert (await api.call("GET", f"/api/progress?serial={unknown_serial}&phone_last4=5678")).code == 404
    mistyped = serial[:-1] + str((int(serial[-1]) + 1) % 10)
    response = await api.call("GET", f"/api/progress?serial={mistyped}&phone_last4=5678")  # caught by its check digit
    assert response.code == 404 and body_of(response)["error"]["code"] == "serial_mistyped"
    assert body_of(response)["error"]["field"] == "serial" and "输错" in body_of(response)["error"]["message"]
    response = await api.call("GET", f"/api/progress?serial={serial[:-1]}&phone_last4=5678")  # not even 14 digits
    assert response.code == 422 and body_of(response)["error"]["field"] == "serial"
    response = await api.call("GET", f"/api/progress?serial={serial}&phone_last4=56")
    assert response.code == 422 and body_of(response)["error"]["field"] == "phone_last4"


@pytest.mark.gen_test
async def test_progress_is_rate_limited_per_client(api, wechat):
    _, serial = await new_case(api, wechat)
    codes = [(await api.call("GET", f"/api/progress?serial={serial}&phone_last4=0000")).code for _ in range(11)]
    assert codes[:10] == [404] * 10 and codes[10] == 429


@pytest.mark.gen_test
async def test_progress_is_rate_limited_per_serial_across_addresses(api, wechat, app):
    _, serial = await new_case(api, wechat)
    limiter = app.settings["services"].progress_limiter
    limiter.limit = 1000  # as if the guesses came from many addresses
    codes = [(await api.call("GET", f"/api/progress?serial={serial}&phone_last4=0000")).code for _ in range(21)]
    assert codes[:20] == [404] * 20 and codes[20] == 429
    right_digits_too_late = await api.call("GET", f"/api/progress?serial={serial}&phone_last4=5678")
    assert right_digits_too_late.code == 429


@pytest.mark.gen_test
async def test_draft_steps_mask_and_submit(api, wechat, app):
    token = await sign_in(api, wechat)
    full = worker()
    step1 = {"applicant": full["applicant"]}
    saved = await api.call("PUT", "/api/mp/drafts/worker", step1, token=token)
    assert saved.code == 200, saved.body
    shown = body_of(await api.call("GET", "/api/mp/drafts/worker", token=token))
    masked_id = shown["applicant"]["id_number"]
    assert masked_id != WORKER_ID and masked_id.endswith(WORKER_ID[-4:]) and "*" in masked_id
    assert shown["applicant"]["phone"] == "138****5678"

    # Step 2 sends everything the page shows, masks included: the stored numbers are kept.
    step2 = {
        "applicant": shown["applicant"],
        "respondent": full["respondent"],
        "claim": full["claim"],
        "consent": full["consent"],
        "evidence": [],
    }
    assert (await api.call("PUT", "/api/mp/drafts/worker", step2, token=token)).code == 200
    draft_doc = await app.settings["services"].ctx.db["drafts"].find_one({})
    assert WORKER_ID not in repr(draft_doc)

    submitted = await api.call(
        "POST", "/api/mp/drafts/worker/submit", token=token, headers={"Idempotency-Key": "key-draft-0001"}
    )
    assert submitted.code == 201, submitted.body
    serial = body_of(submitted)["serial"]
    doc = await app.settings["services"].ctx.db["cases"].find_one({"_id": serial})
    cipher = app.settings["services"].ctx.cipher
    assert cipher.decrypt(doc["applicant"]["id_number"], "applicant.id_number") == WORKER_ID
    assert (await api.call("GET", "/api/mp/drafts/worker", token=token)).code == 404


@pytest.mark.gen_test
async def test_incomplete_draft_cannot_be_submitted_and_is_kept(api, wechat, app):
    token = await sign_in(api, wechat)
    assert (await api.call("PUT", "/api/mp/drafts/worker", {"claim": {"facts": "只写了事实"}}, token=token)).code == 200
    response = await api.call(
        "POST", "/api/mp/drafts/worker/submit", token=token, headers={"Idempotency-Key": "key-draft-0002"}
    )
    assert response.code == 422
    assert "applicant.name" in {e["field"] for e in body_of(response)["errors"]}
    assert (await api.call("GET", "/api/mp/drafts/worker", token=token)).code == 200
    assert await app.settings["services"].ctx.db["cases"].count_documents({}) == 0


@pytest.mark.gen_test
async def test_draft_bad_input_and_isolation(api, wechat):
    token = await sign_in(api, wechat)
    bad = await api.call("PUT", "/api/mp/drafts/worker", {"applicant": {"gender": "robot"}}, token=token)
    assert bad.code == 422 and body_of(bad)["error"]["field"] == "applicant.gender"
    assert (await api.call("PUT", "/api/mp/drafts/alien", {}, token=token)).code == 404
    assert (await api.call("PUT", "/api/mp/drafts/worker", {"claim": {"facts": "x"}}, token=token)).code == 200
    other = await sign_in(api, wechat, "openid-other")
    assert (await api.call("GET", "/api/mp/drafts/worker", token=other)).code == 404
    assert (await api.call("DELETE", "/api/mp/drafts/worker", token=token)).code == 204
    assert (await api.call("GET", "/api/mp/drafts/worker", token=token)).code == 404


@pytest.mark.gen_test
async def test_a_draft_masks_numbers_as_the_parser_reads_them(api, wechat):
    """Issue 25, item 5: a draft keeps what was typed; its masks are those of the number the parser reads."""
    token = await sign_in(api, wechat)
    applicant = worker()["applicant"] | {"phone": "+86 138 1234 5678", "id_number": " " + WORKER_ID.lower() + " "}
    respondent = worker()["respondent"] | {"contact_phone": "１３９８７６５４３２１"}
    typed = {"applicant": applicant, "respondent": respondent}
    assert (await api.call("PUT", "/api/mp/drafts/worker", typed, token=token)).code == 200
    shown = body_of(await api.call("GET", "/api/mp/drafts/worker", token=token))
    assert shown["applicant"]["phone"] == "138****5678"
    assert shown["respondent"]["contact_phone"] == "139****4321"
    assert shown["applicant"]["id_number"] == WORKER_ID[:6] + "*" * 8 + WORKER_ID[-4:].upper()
    typed["applicant"] = applicant | {"phone": "+86 138 12"}  # half typed: its digits masked, none shown in full
    assert (await api.call("PUT", "/api/mp/drafts/worker", typed, token=token)).code == 200
    shown = body_of(await api.call("GET", "/api/mp/drafts/worker", token=token))
    assert shown["applicant"]["phone"] == "*******"
