"""Service (送达) in the mini-program API (issue 21, item 13): the 送达地址确认书 with the application, at the
respondent's first visit and on the page; what was served on the caller, with its state; documents listed with
their service, and the caller's download recorded."""

from __future__ import annotations

import pytest

from services.accounts.staff import StaffMember
from services.cases import documents, handling, signing
from tests.support.app import body_of, sign_in
from tests.support.parties import due_in, invitation_link, signature_body, upload_seal
from tests.support.samples import worker_body

MEDIATOR = StaffMember("li.ming", "李明", "mediator", "sh-city")


@pytest.mark.gen_test(timeout=60)
async def test_the_address_for_service_and_what_was_served_on_each_party(api, wechat, app):
    services = app.settings["services"]
    ctx, sms = services.ctx, services.sms
    worker = await sign_in(api, wechat, "o-mp-served")
    body = worker_body()
    body["evidence"] = []
    bad = dict(body, service={"electronic": "yes", "address": ""})
    refused = await api.call("POST", "/api/mp/applications", bad, token=worker, headers={"Idempotency-Key": "key-s-00"})
    assert refused.code == 422
    assert {e["field"] for e in body_of(refused)["errors"]} == {"service.electronic", "service.address"}
    created = await api.call(
        "POST", "/api/mp/applications", body, token=worker, headers={"Idempotency-Key": "key-s-01"}
    )
    serial = body_of(created)["serial"]
    await handling.decide(ctx, MEDIATOR, serial, "accept", {})
    page = body_of(await api.call("GET", f"/api/mp/applications/{serial}/page", token=worker))
    assert page["service_consent"]["electronic"] is True and page["service_consent"]["address"]
    assert {r["kind"] for r in page["service"]} == {"submitted", "accept"}  # the invitation is the respondent's
    assert all(r["opened_at"] for r in page["service"])  # this page shows them: opened, by the applicant

    # The respondent's first visit: the code, and the 送达地址确认书 with it.
    token = (await invitation_link(ctx, serial)).rsplit("/", 1)[1]
    invitation = f"/api/mp/invitations/{serial}/{token}"
    await api.call("POST", invitation + "/code")
    hr = await sign_in(api, wechat, "o-mp-served-hr")
    code = sms.last_code("13987654321", "respond")
    wrong = await api.call("POST", invitation + "/claim", {"code": code, "service": {"electronic": True}}, token=hr)
    assert wrong.code == 422 and body_of(wrong)["error"]["field"] == "service.address"
    consent = {"electronic": True, "address": "上海市浦东新区川沙路100号", "recipient": "李四"}
    claimed = await api.call("POST", invitation + "/claim", {"code": code, "service": consent}, token=hr)
    assert claimed.code == 200, claimed.body
    base = f"/api/mp/respondent/cases/{serial}"
    page = body_of(await api.call("GET", base + "/page", token=hr))
    assert page["service_consent"]["recipient"] == "李四"
    assert [r["kind"] for r in page["service"]] == ["invite"]
    # Changed on the page: refused with the field named, or kept and the page answered.
    blank = await api.call("POST", base + "/service", {"electronic": False, "address": "  "}, token=hr)
    assert blank.code == 422 and body_of(blank)["error"]["field"] == "address"
    changed = await api.call("POST", base + "/service", {"electronic": False, "address": "川沙路100号"}, token=hr)
    assert changed.code == 200 and body_of(changed)["service_consent"]["electronic"] is False
    assert {r["state"] for r in body_of(changed)["service"]} == {"refused"}

    # The signed agreement is served on both: listed with its service on the caller; the download recorded.
    await upload_seal(ctx, services.blobs, StaffMember("boss", "主任", "centre_admin", "sh-city"))
    rows = [{"text": "被申请人支付申请人工资", "amount": "12000", "due_date": due_in(ctx, 10), "category": "wages"}]
    await handling.decide(ctx, MEDIATOR, serial, "draft_agreement", {"without_session": "电话调解"}, rows)
    image = signature_body()  # the company signs through its legal representative
    for who, path in ((hr, base), (worker, f"/api/mp/applications/{serial}")):
        assert (await api.call("POST", path + "/signature", image, token=who)).code == 201
    mediator = signing.Signer("mediator", MEDIATOR.login, f"office:{MEDIATOR.login}", MEDIATOR)
    papers = documents.Papers(services.renderers, services.blobs)
    await documents.sign_agreement(ctx, papers, mediator, serial, image, "backoffice")
    listed = body_of(await api.call("GET", base + "/documents", token=hr))["items"]
    [agreement] = [d for d in listed if d["kind"] == "agreement"]
    assert agreement["service"]["party"] == "respondent" and agreement["service"]["downloaded_at"] is None
    assert (await api.call("GET", agreement["download"], token=hr)).code == 200
    listed = body_of(await api.call("GET", base + "/documents", token=hr))["items"]
    assert [d["service"]["downloaded_at"] for d in listed if d["kind"] == "agreement"] != [None]
    mine = body_of(await api.call("GET", f"/api/mp/applications/{serial}/documents", token=worker))["items"]
    assert [d["service"]["downloaded_at"] for d in mine if d["kind"] == "agreement"] == [None]
