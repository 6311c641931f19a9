"""Signing the agreement: the draft, drawn signatures stored encrypted with the signed-in identity and the time,
the mediator's, the seal; effective at the last signature; a revised draft voids signatures; refusing ends it."""

from __future__ import annotations

import base64
import io

import docx
import pytest
from PIL import Image

from services.accounts.staff import StaffMember
from services.cases import documents, handling, respondent, signing
from services.core.errors import Conflict, Forbidden, NotFound, ServiceError, ValidationFailed
from tests.support.cases import ADMIN, MEDIATOR, accepted_case
from tests.support.parties import (
    claim_invitation,
    draft,
    due_in,
    seal_png,
    signature_body,
    signature_data_url,
    upload_seal,
)
from tests.support.queries import assert_database_commands
from tests.support.store import cases_for_setup


async def drafted(ctx, sms, due_days: int = 10):
    serial, applicant = await accepted_case(ctx)
    respondent_person = await claim_invitation(ctx, sms, serial)
    await draft(ctx, MEDIATOR, serial, due_in(ctx, due_days))
    return serial, applicant, respondent_person


def signers(applicant: str, respondent_person: str) -> dict[str, signing.Signer]:
    return {
        "applicant": signing.Signer("", applicant, f"h5:{applicant}"),
        "respondent": signing.Signer("", respondent_person, f"mp:{respondent_person}"),
        "mediator": signing.Signer("mediator", MEDIATOR.login, "office:li.ming", MEDIATOR),
    }


@pytest.mark.gen_test
async def test_a_draft_needs_due_dates_three_copies_and_the_seal(ctx, clock, sms, blobs):
    serial, _ = await accepted_case(ctx)
    with pytest.raises(Conflict) as no_seal:
        await draft(ctx, MEDIATOR, serial, due_in(ctx, 10))
    assert no_seal.value.code == "seal_missing"
    await upload_seal(ctx, blobs, ADMIN)
    rows = [{"text": "支付工资", "amount": "100", "due_date": "", "method": ""}]
    with pytest.raises(ValidationFailed) as no_due:
        await handling.decide(ctx, MEDIATOR, serial, "draft_agreement", {"copies": "2"}, rows)
    assert {e.field for e in no_due.value.errors} == {"terms[0].due_date", "copies", "without_session"}
    assert "电话调解" in no_due.value.errors[0].message  # no session held: how was it reached?
    assert "履行期限" in no_due.value.errors[1].message
    rows[0]["due_date"] = "2020-01-01"
    with pytest.raises(ValidationFailed):  # a due date already passed
        await handling.decide(ctx, MEDIATOR, serial, "draft_agreement", {"without_session": "电话调解"}, rows)
    doc = await draft(ctx, MEDIATOR, serial, due_in(ctx, 10))
    assert doc["status"] == "signing" and doc["agreement"]["version"] == 1 and doc["agreement"]["copies"] == 3
    kinds = [(n["kind"], n["to"]["type"]) for n in doc["notifications"] if n["kind"] == "draft_agreement"]
    assert kinds == [("draft_agreement", "applicant"), ("draft_agreement", "respondent")]


@pytest.mark.gen_test(timeout=60)
async def test_each_signature_in_two_database_commands_and_the_last_settles_and_issues_the_agreement(
    ctx, clock, sms, blobs, sealed, papers, db_commands
):
    serial, applicant, respondent_person = await drafted(ctx, sms)
    who = signers(applicant, respondent_person)
    times = {}
    # A signature: the case read and its update. The applicant, who proved no invitation, also has their person read
    # (the identity proof their signature rests on: the card, or the WeChat sign-in). The last also settles: the
    # statistics' counters (one bulk), and the signed agreement issued (the case, the seal, the centre's templates,
    # the case's timeline, the document).
    for role, commands in (("respondent", 2), ("mediator", 2), ("applicant", 3 + 1 + 5)):
        clock.advance(minutes=7)
        body = signature_body()
        with assert_database_commands(db_commands, commands):  # what the fronts call
            view = await documents.sign_agreement(ctx, papers, who[role], serial, body, "h5")
        times[role] = clock.now
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["status"] == "settled" and view["status"] == "settled"
    final = doc["outcome"]["agreement"]
    assert doc["outcome"]["at"] == times["applicant"] == final["effective_at"]  # the last signature, not a click
    assert [s["role"] for s in final["signatures"]] == ["respondent", "mediator", "applicant"]
    first = final["signatures"][0]
    assert first["by"] == respondent_person and first["identity"] == f"mp:{respondent_person}"
    assert first["at"] == times["respondent"] and first["name"] == "上海某某物流有限公司"
    # Stored encrypted: the blob on disk is not the PNG, but reads back as it.
    raw = (blobs.path_of(first["blob_id"])).read_bytes()
    assert b"IHDR" not in raw
    png = await blobs.read(first["blob_id"])
    assert Image.open(io.BytesIO(png)).format == "PNG"
    assert doc["performance"] == [
        {"term": 0, "due_date": final["terms"][0]["due_date"], "state": "pending", "asked_at": None, "reports": []}
    ]
    assert [e["action"] for e in doc["timeline"]][-4:] == ["sign", "sign", "settle", "document"]  # the agreement issued
    settle = [n for n in doc["notifications"] if n["kind"] == "settle"]
    assert {n["to"]["type"] for n in settle} == {"applicant", "respondent"}


@pytest.mark.gen_test
async def test_bad_signatures_are_refused_naming_the_field_and_nothing_changes(ctx, clock, sms, blobs, sealed):
    serial, applicant, respondent_person = await drafted(ctx, sms)
    who = signers(applicant, respondent_person)["applicant"]
    before = await ctx.db["cases"].find_one({"_id": serial})
    gif = io.BytesIO()
    Image.new("RGB", (100, 40)).save(gif, "GIF")
    cases = {
        "data:image/gif;base64," + base64.b64encode(gif.getvalue()).decode(): "not_png",
        "data:image/png;base64,bm90IGEgcG5n": "not_png",  # "not a png"
        "data:image/png;base64," + "A" * (500 * 1024): "too_large",
        "": "required",
    }
    for image, code in cases.items():
        with pytest.raises(ValidationFailed) as refused:
            await signing.sign(ctx, blobs, who, serial, {"version": 1, "image": image}, "h5")
        assert (refused.value.errors[0].field, refused.value.code) == ("image", code)
    with pytest.raises(ValidationFailed) as no_version:
        await signing.sign(ctx, blobs, who, serial, {"version": "one", "image": signature_data_url()}, "h5")
    assert no_version.value.errors[0].field == "version"
    with pytest.raises(NotFound):  # not a party of this case
        await signing.sign(
            ctx,
            blobs,
            signing.Signer("", "stranger", "h5:x"),
            serial,
            signature_body(),
            "h5",
        )
    other = StaffMember("zhang", "张", "mediator", "sh-city")
    await cases_for_setup(ctx).update_one({"_id": serial}, {"$set": {"mediator": {"login": "li.ming", "name": "李明"}}})
    with pytest.raises(Forbidden):
        await signing.sign(
            ctx,
            blobs,
            signing.Signer("mediator", "zhang", "office:zhang", other),
            serial,
            signature_body(),
            "h5",
        )
    await cases_for_setup(ctx).update_one({"_id": serial}, {"$set": {"mediator": before.get("mediator")}})
    assert await ctx.db["cases"].find_one({"_id": serial}) == before


@pytest.mark.gen_test
async def test_a_revised_draft_voids_the_signatures_and_refuses_one_on_the_old_version(ctx, clock, sms, blobs, sealed):
    serial, applicant, respondent_person = await drafted(ctx, sms)
    who = signers(applicant, respondent_person)
    await signing.sign(ctx, blobs, who["applicant"], serial, signature_body(), "h5")
    with pytest.raises(Conflict) as twice:
        await signing.sign(ctx, blobs, who["applicant"], serial, signature_body(), "h5")
    assert twice.value.code == "already_signed"
    await handling.decide(ctx, MEDIATOR, serial, "revise_agreement", {})
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["status"] == "mediating" and doc["agreement"]["signatures"] == []
    assert doc["agreement_voided"][0]["signatures"][0]["role"] == "applicant"
    await draft(ctx, MEDIATOR, serial, due_in(ctx, 20))
    with pytest.raises(Conflict) as stale:  # signing what the page showed before the revision
        await signing.sign(ctx, blobs, who["respondent"], serial, signature_body(), "mp")
    assert stale.value.code == "agreement_revised" and stale.value.field == "version"
    assert "作废" in stale.value.message
    body = signature_body(2)
    view = await signing.sign(ctx, blobs, who["respondent"], serial, body, "mp")
    assert view["missing"] == ["applicant", "mediator"]


@pytest.mark.gen_test(timeout=60)
async def test_refusing_to_sign_ends_as_failed_with_that_reason_and_the_papers(ctx, clock, sms, blobs, sealed, papers):
    serial, applicant, respondent_person = await drafted(ctx, sms)
    who = signers(applicant, respondent_person)
    doc = await signing.refuse(ctx, who["respondent"], serial, {"version": 1, "reason": "金额不同意"}, "h5")
    assert doc["status"] == "failed" and doc["outcome"]["closure_reason"] == "refused_to_sign"
    assert "被申请人拒绝签署调解协议：金额不同意" in doc["outcome"]["reason"]
    issued = await documents.issue_end_papers(ctx, papers, serial)
    assert [(i.kind, i.title) for i in issued] == [
        ("termination_notice", "调解终止通知书"),  # the applicant's
        ("termination_notice", "调解终止通知书"),  # the respondent's
        ("arbitration", "劳动人事争议仲裁申请书"),
    ]
    listed = await documents.documents_for_party(ctx, applicant, serial)
    assert sorted(d["kind"] for d in listed) == ["arbitration", "termination_notice"]  # their own notice only
    theirs = await documents.documents_for_party(ctx, respondent_person, serial)
    assert [d["kind"] for d in theirs] == ["termination_notice"]  # neither the other's notice nor its application
    assert not (await ctx.db["cases"].find_one({"_id": serial}))["end_papers_due"]
    with pytest.raises(Conflict):
        await signing.sign(ctx, blobs, who["applicant"], serial, signature_body(), "h5")


@pytest.mark.gen_test(timeout=60)
async def test_the_signed_agreement_is_rendered_with_the_signatures_and_the_seal(
    ctx, clock, sms, blobs, sealed, papers
):
    serial, applicant, respondent_person = await drafted(ctx, sms)
    who = signers(applicant, respondent_person)
    company_seal = signature_data_url(9)  # the company's own seal image, beside its representative's signature
    for stroke, role in enumerate(("applicant", "respondent", "mediator")):
        body = signature_body(stroke=stroke) | ({"seal": company_seal} if role == "respondent" else {})
        await signing.sign(ctx, blobs, who[role], serial, body, "h5")
    issued = await documents.issue_for_party(ctx, papers, respondent_person, serial, "agreement", "mp")
    file = await documents.document_for_party(ctx, blobs, applicant, serial, issued.id)  # offered to both parties
    doc = docx.Document(io.BytesIO(file.data))
    table = doc.tables[0]
    blobs_in = {}
    cells = ((0, 0, "applicant"), (0, 1, "company_seal"), (1, 1, "respondent"), (3, 0, "mediator"), (3, 1, "seal"))
    for r, c, name in cells:
        [blip] = table.rows[r].cells[c]._tc.xpath(".//a:blip")
        rid = blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
        blobs_in[name] = doc.part.related_parts[rid].blob
    case = await ctx.db["cases"].find_one({"_id": serial})
    signed = {s["role"]: s for s in case["outcome"]["agreement"]["signatures"]}
    for role in ("applicant", "respondent", "mediator"):
        assert blobs_in[role] == await blobs.read(signed[role]["blob_id"])
    assert blobs_in["company_seal"] == await blobs.read(signed["respondent"]["seal_blob_id"])
    assert Image.open(io.BytesIO(blobs_in["seal"])).size == Image.open(io.BytesIO(seal_png())).size
    # The company signed through a named person, who proved the invitation with the code sent to its phone.
    assert table.rows[0].cells[1].text == "被申请人（盖章）：上海某某物流有限公司"
    assert table.rows[1].cells[1].text == "法定代表人（签名）：周五"  # the one the application names
    verification = doc.tables[-1].rows[0].cells[1].text
    masked = signed["respondent"]["proof"]["phone"]
    assert masked.startswith("139") and "****" in masked
    assert "由法定代表人周五于" in verification and f"身份核验：短信验证码（{masked}）" in verification
    texts = "\n".join(p.text for p in doc.paragraphs)
    effective = case["outcome"]["agreement"]["effective_date"]
    from docgen.context import zh_date

    assert f"生效日期为{zh_date(effective)}（最后一方签名时间" in texts  # the last signature's day and time


@pytest.mark.gen_test
async def test_an_organisation_signs_through_a_named_person_and_an_agent_only_once_the_mediator_saw_the_authority(
    ctx, clock, sms, blobs, sealed
):
    serial, applicant, respondent_person = await drafted(ctx, sms)
    company = signers(applicant, respondent_person)["respondent"]
    before = await ctx.db["cases"].find_one({"_id": serial})
    with pytest.raises(ValidationFailed) as no_capacity:  # whoever entered the code is not the company
        await signing.sign(ctx, blobs, company, serial, {"version": 1, "image": signature_data_url()}, "mp")
    assert no_capacity.value.errors[0].field == "capacity"
    with pytest.raises(Conflict) as no_authority:  # an agent signs only on an authorisation the mediator saw
        await signing.sign(ctx, blobs, company, serial, signature_body() | {"capacity": "agent"}, "mp")
    assert no_authority.value.code == "authority_not_recorded"
    assert await ctx.db["cases"].find_one({"_id": serial}) == before
    # The company files its 授权委托书; the mediator records the agent it names, once seen.
    file_id = "a" * 32
    await ctx.db["files"].insert_one(
        {"_id": file_id, "owner_person_id": respondent_person, "purpose": "evidence", "name": "授权委托书.pdf"}
    )
    with pytest.raises(ValidationFailed) as not_its_file:
        await signing.record_authority(ctx, MEDIATOR, serial, {"agent_name": "周代理", "file_id": file_id})
    assert not_its_file.value.errors[0].field == "file_id"
    await respondent.add_evidence(ctx, respondent_person, serial, {"file_ids": [file_id]}, "mp")
    with pytest.raises(ValidationFailed) as no_name:
        await signing.record_authority(ctx, MEDIATOR, serial, {"agent_name": " ", "file_id": file_id})
    assert no_name.value.errors[0].field == "agent_name"
    await signing.record_authority(ctx, MEDIATOR, serial, {"agent_name": "周代理", "file_id": file_id})
    await signing.sign(ctx, blobs, company, serial, signature_body() | {"capacity": "agent"}, "mp")
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["timeline"][-2]["action"] == "authority_recorded" and doc["timeline"][-2]["note"] == "委托代理人：周代理"
    [signature] = doc["agreement"]["signatures"]
    assert signature["name"] == "上海某某物流有限公司"  # for whom
    assert signature["signatory"] == "周代理" and signature["capacity"] == "agent"  # who, in what capacity
    assert signature["authority"]["file_id"] == file_id and signature["authority"]["recorded_by"] == MEDIATOR.login
    assert signature["proof"]["method"] == "sms" and "****" in signature["proof"]["phone"]  # how proved
    assert "seal_blob_id" not in signature  # the seal is optional, and never alone


@pytest.mark.gen_test
async def test_only_a_centres_administrator_uploads_its_seal_and_only_an_image(ctx, blobs):
    with pytest.raises(Forbidden):
        await signing.upload_seal(ctx, blobs, MEDIATOR, "sh-city", seal_png())
    with pytest.raises(Forbidden):
        await signing.upload_seal(ctx, blobs, ADMIN, "sh-pudong", seal_png())
    with pytest.raises(ValidationFailed) as not_image:
        await signing.upload_seal(ctx, blobs, ADMIN, "sh-city", b"%PDF-1.4 not an image")
    assert not_image.value.errors[0].field == "seal"
    with pytest.raises(ServiceError) as too_large:
        await signing.upload_seal(ctx, blobs, ADMIN, "sh-city", b"\x89PNG" + b"0" * (2 * 1024 * 1024))
    assert too_large.value.status == 413
    assert (await signing.upload_seal(ctx, blobs, ADMIN, "sh-city", seal_png()))["centre"] == "sh-city"
    assert await signing.seal_png(ctx, blobs, "sh-city")
