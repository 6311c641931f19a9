"""Issue 22: a party acting through a route of the other party's role is refused before anything is written.

A delegated case (both parties proved their invitations in the mini-program's sense: each has a token). For each of
the six actions — signing, refusing to sign, evidence, performance, consenting to an extension, applying for
judicial confirmation — and the papers of a route, the other party's route answers 404 and every document of
every collection is as it was; the party's own route then does it.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.cases import handling, signing
from services.court import clocks
from tests.support.app import body_of, make_staff
from tests.support.court import ADMIN, MEDIATOR, accepted, pdf_bytes
from tests.support.parties import due_in, signature_body, upload_seal

APPLICANT = "/api/mp/applications"
RESPONDENT = "/api/mp/respondent/cases"


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"NOTIFICATION_SENDER": "off"}  # no background pass writes while the documents are compared


async def everything(db: Any) -> dict[str, list[str]]:
    """Every document of every collection, by collection, in _id order."""
    return {
        name: [repr(doc) async for doc in db[name].find({}).sort("_id", 1)]
        for name in sorted(await db.list_collection_names())
    }


async def refused_with_nothing_written(api: Any, db: Any, path: str, body: Any, token: str) -> None:
    before = await everything(db)
    response = await api.call("POST", path, body, token=token)
    assert response.code == 404, (path, response.code, response.body)
    assert body_of(response)["error"]["code"] == "case_not_found"
    after = await everything(db)
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    assert not changed, f"{path}: written although refused: {changed}"


async def upload(api: Any, token: str) -> str:
    response = await api.http_client.fetch(
        api.base_url + "/api/mp/files",
        method="POST",
        body=pdf_bytes(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/pdf", "X-File-Name": "a.pdf"},
        raise_error=False,
    )
    assert response.code == 201, response.body
    return body_of(response)["id"]


@pytest.mark.gen_test(timeout=120)
async def test_each_action_through_the_other_partys_route_is_refused_with_nothing_written(app, api, cheap_hashing):
    services = app.settings["services"]
    ctx, db = services.ctx, services.ctx.db
    for member in (ADMIN, MEDIATOR):
        await make_staff(ctx, member.login, member.role, member.centre_id, member.name)
    serial, applicant, respondent = await accepted(ctx, services.blobs, services.sms)
    worker, employer = services.tokens.issue(applicant), services.tokens.issue(respondent)
    mine = {"applicant": (worker, f"{APPLICANT}/{serial}"), "respondent": (employer, f"{RESPONDENT}/{serial}")}
    other = {"applicant": (worker, f"{RESPONDENT}/{serial}"), "respondent": (employer, f"{APPLICANT}/{serial}")}

    # Consenting to the court's extension.
    await clocks.propose_extension(ctx, MEDIATOR, serial, "10")
    for role in ("applicant", "respondent"):
        token, path = other[role]
        await refused_with_nothing_written(api, db, path + "/extension_consent", None, token)
    token, path = mine["respondent"]
    assert (await api.call("POST", path + "/extension_consent", token=token)).code == 200

    # Evidence: each party's files, offered through the other's route.
    for role in ("applicant", "respondent"):
        token, path = other[role]
        file_id = await upload(api, token)
        await refused_with_nothing_written(api, db, path + "/evidence", {"file_ids": [file_id]}, token)
        token, path = mine[role]
        assert (await api.call("POST", path + "/evidence", {"file_ids": [file_id]}, token=token)).code == 200

    # Signing and refusing to sign the draft.
    await upload_seal(ctx, services.blobs, ADMIN, "sh-pudong")
    rows = [{"text": "被申请人支付申请人工资", "amount": "12000", "due_date": due_in(ctx, 10), "category": "wages"}]
    await handling.decide(ctx, MEDIATOR, serial, "draft_agreement", {"without_session": "电话调解"}, rows)
    signature = signature_body()  # the company signs through its legal representative
    for role in ("applicant", "respondent"):
        token, path = other[role]
        await refused_with_nothing_written(api, db, path + "/signature", signature, token)
        await refused_with_nothing_written(api, db, path + "/refuse_signing", {"version": 1, "reason": "x"}, token)
    for role in ("respondent", "applicant"):
        token, path = mine[role]
        assert (await api.call("POST", path + "/signature", signature, token=token)).code == 201
    mediator = signing.Signer("mediator", MEDIATOR.login, f"office:{MEDIATOR.login}", MEDIATOR)
    assert (await signing.sign(ctx, services.blobs, mediator, serial, signature, "backoffice"))["status"] == "settled"

    # Performance, a route's papers and the joint application, on the settled case.
    for role in ("applicant", "respondent"):
        token, path = other[role]
        await refused_with_nothing_written(api, db, path + "/performance", {"term": 1, "performed": True}, token)
        await refused_with_nothing_written(api, db, path + "/applications/judicial_confirmation", None, token)
        await refused_with_nothing_written(api, db, path + "/papers/agreement", None, token)
    token, path = mine["respondent"]
    assert (await api.call("POST", path + "/performance", {"term": 1, "performed": True}, token=token)).code == 200
    assert (await api.call("POST", path + "/applications/judicial_confirmation", token=token)).code == 200
