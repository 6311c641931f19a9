"""The mini-program API of both parties, over HTTP: the invitation, its code and proof, the answer, evidence,
signatures, performance and a route's document; every refusal a clear 4xx in Chinese naming the field."""

from __future__ import annotations

import pytest

from services.accounts.staff import StaffMember
from services.cases import handling
from tests.support.app import body_of, sign_in
from tests.support.parties import due_in, invitation_link, signature_body, upload_seal
from tests.support.samples import worker_body

MEDIATOR = StaffMember("li.ming", "李明", "mediator", "sh-city")


async def accepted(api, wechat, app) -> tuple[str, str, str]:
    token = await sign_in(api, wechat, "o-mp-worker")
    body = worker_body()
    body["evidence"] = []
    body["applicant"]["phone"] = "+852 6123 4567"
    key = {"Idempotency-Key": "key-mp-p1"}
    created = await api.call("POST", "/api/mp/applications", body, token=token, headers=key)
    assert created.code == 201, created.body
    serial = body_of(created)["serial"]
    await handling.decide(app.settings["services"].ctx, MEDIATOR, serial, "accept", {})
    link = await invitation_link(app.settings["services"].ctx, serial)
    return serial, token, link.rsplit("/", 1)[1]


@pytest.mark.gen_test(timeout=60)
async def test_the_respondent_from_the_mini_program_to_a_signed_agreement(api, wechat, app):
    services = app.settings["services"]
    ctx, sms = services.ctx, services.sms
    serial, worker, token = await accepted(api, wechat, app)
    invitation = f"/api/mp/invitations/{serial}/{token}"
    shown = await api.call("GET", invitation)
    assert shown.code == 200 and body_of(shown)["phone_masked"] == "139****4321"
    assert (await api.call("GET", f"/api/mp/invitations/{serial}/{'x' * 24}")).code == 404  # a guessed link
    assert body_of(await api.call("POST", invitation + "/code"))["resend_after"] == 60
    hr = await sign_in(api, wechat, "o-mp-employer")
    wrong = await api.call("POST", invitation + "/claim", {"code": "12345"}, token=hr)
    assert wrong.code == 422 and body_of(wrong)["error"]["field"] == "code"
    assert (await api.call("POST", invitation + "/claim", {"code": "1"})).code == 401  # who claims it?
    claimed = await api.call("POST", invitation + "/claim", {"code": sms.last_code("13987654321", "respond")}, token=hr)
    assert claimed.code == 200 and body_of(claimed)["role"] == "respondent"
    [mine] = body_of(await api.call("GET", "/api/mp/respondent/cases", token=hr))["items"]
    assert mine["serial"] == serial
    assert (await api.call("GET", f"/api/mp/respondent/cases/{serial}", token=worker)).code == 404  # not theirs

    base = f"/api/mp/respondent/cases/{serial}"
    bad = await api.call("POST", base + "/answer", {"decision": "propose"}, token=hr)
    assert bad.code == 422 and body_of(bad)["error"]["field"] == "proposal"
    assert "方案" in body_of(bad)["error"]["message"]
    agreed = await api.call("POST", base + "/answer", {"decision": "agree"}, token=hr)
    assert agreed.code == 200 and body_of(agreed)["decision"] == "agree"
    again = await api.call("POST", base + "/answer", {"decision": "decline"}, token=hr)
    assert again.code == 409 and body_of(again)["error"]["code"] == "already_answered"

    await upload_seal(ctx, services.blobs, StaffMember("boss", "主任", "centre_admin", "sh-city"))
    rows = [{"text": "被申请人支付申请人工资", "amount": "12000", "due_date": due_in(ctx, 10), "category": "wages"}]
    await handling.decide(ctx, MEDIATOR, serial, "draft_agreement", {"without_session": "电话调解"}, rows)
    page = body_of(await api.call("GET", base + "/page", token=hr))
    assert page["can_sign"] and page["case"]["agreement"]["version"] == 1
    not_png = await api.call(
        "POST", base + "/signature", {"version": 1, "image": "data:image/png;base64,AAAA"}, token=hr
    )
    assert not_png.code == 422 and body_of(not_png)["error"]["field"] == "image"
    for who, path in ((hr, base), (worker, f"/api/mp/applications/{serial}")):
        signed = await api.call("POST", path + "/signature", signature_body(), token=who)
        assert signed.code == 201, signed.body
    assert body_of(await api.call("GET", f"/api/mp/applications/{serial}/page", token=worker))["case"]["status"] == (
        "signing"
    )  # the mediator's signature is still missing
    early = await api.call(
        "POST", f"/api/mp/applications/{serial}/performance", {"term": 1, "performed": False}, token=worker
    )
    assert early.code == 409 and body_of(early)["error"]["code"] == "not_settled"
    paper = await api.call("POST", f"/api/mp/applications/{serial}/papers/payment_order", token=worker)
    assert paper.code == 409 and body_of(paper)["error"]["code"] == "route_not_open"
    assert (await api.call("POST", f"/api/mp/applications/{serial}/papers/nonsense", token=worker)).code == 404


@pytest.mark.gen_test
async def test_refusing_to_sign_from_the_mini_program_ends_the_case(api, wechat, app):
    services = app.settings["services"]
    ctx = services.ctx
    serial, worker, _ = await accepted(api, wechat, app)
    await upload_seal(ctx, services.blobs, StaffMember("boss", "主任", "centre_admin", "sh-city"))
    rows = [{"text": "被申请人支付申请人工资", "amount": "12000", "due_date": due_in(ctx, 10)}]
    await handling.decide(ctx, MEDIATOR, serial, "draft_agreement", {"without_session": "电话调解"}, rows)
    refused = await api.call(
        "POST", f"/api/mp/applications/{serial}/refuse_signing", {"version": 1, "reason": "金额太少"}, token=worker
    )
    assert refused.code == 200
    page = body_of(refused)
    assert page["case"]["status"] == "failed" and page["may_arbitrate"]
    assert page["case"]["outcome"]["closure_reason"] == "refused_to_sign"
    assert {d["kind"] for d in page["documents"]} == {"termination_notice", "arbitration"}
