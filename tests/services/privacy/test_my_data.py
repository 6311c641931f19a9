"""What a person sees of their data (services/privacy/my_data.py), who looked at it, the copy, and deletion where the
law allows it (services/privacy/erasure.py): a clear refusal naming the basis where it does not, nothing changed."""

from __future__ import annotations

import json
import tempfile

import pytest

from services.accounts import consents
from services.cases import queue
from services.core.errors import ServiceError
from services.intake import drafts, evidence
from services.privacy import erasure, my_data
from tests.support.cases import MEDIATOR, accepted_case, new_case
from tests.support.court import pdf_bytes
from tests.support.samples import WORKER_ID, worker_body


async def _upload(ctx, blobs, person: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf_bytes())
        handle.flush()
        return (await evidence.store_upload(ctx, blobs, person, handle.name, "工资条.pdf"))["id"]


@pytest.mark.gen_test
async def test_the_page_holds_the_cases_files_drafts_consents_and_who_looked_masked(ctx, blobs):
    serial, person = await accepted_case(ctx)
    await queue.reveal(ctx, MEDIATOR, serial, "applicant", "id_number")  # a staff member sees the number
    file_id = await _upload(ctx, blobs, person)
    await drafts.save_draft(ctx, person, "employer", {"claim": {"requests": "x"}})
    await consents.grant(ctx, person, "survey", "2026-01", "h5")
    page = await my_data.page(ctx, person)
    [case] = page["cases"]
    assert case["serial"] == serial and case["role"] == "applicant" and case["claim"]["requests"]
    assert case["particulars"]["id_number"] == WORKER_ID[:6] + "********" + WORKER_ID[-4:]  # masked on the page
    assert [n["kind"] for n in case["notifications"]]  # the acknowledgement, the acceptance: addressed to them
    assert [f["id"] for f in page["files"]] == [file_id] and not page["files"][0]["in_a_case"]
    assert [d["kind"] for d in page["drafts"]] == ["employer"]
    assert page["consents"]["notice"]["accepted_version"] == "2026-01"  # the application's
    [look] = [v for v in page["views"] if v["action"] == "reveal"]
    assert look["viewer"] == "调解员" and look["centre"] == "上海市劳动人事争议调解中心" and look["name"] == ""
    assert "li.ming" not in json.dumps(page, ensure_ascii=False)  # no staff login, no name: the centre shows none
    assert WORKER_ID not in json.dumps(page, ensure_ascii=False)
    assert [f["field"] for f in page["correctable"][serial]][-1] == "other"


@pytest.mark.gen_test
async def test_a_centre_that_shows_names_shows_its_staff_name(ctx, blobs):
    serial, person = await accepted_case(ctx)
    await ctx.db["centres"].update_one({"_id": "sh-city"}, {"$set": {"settings.show_viewer_names": True}})
    from services.directory import centres

    centres.forget(ctx)
    await ctx.db["staff"].insert_one({"_id": MEDIATOR.login, "name": MEDIATOR.name, "centre_id": "sh-city"})
    await queue.reveal(ctx, MEDIATOR, serial, "applicant", "phone")
    [look] = [v for v in (await my_data.page(ctx, person))["views"] if v["action"] == "reveal"]
    assert look["name"] == MEDIATOR.name


@pytest.mark.gen_test
async def test_the_copy_holds_the_person_s_own_numbers_in_clear_and_none_of_the_other_side(ctx, blobs):
    body = worker_body()
    serial, person = await new_case(ctx)
    copy = await my_data.copy(ctx, person)
    text = json.dumps(copy, ensure_ascii=False)
    assert WORKER_ID in text and body["applicant"]["phone"][-4:] in text  # theirs, in clear
    assert body["respondent"]["contact_phone"] not in text  # the company's contact is the other side's
    document = my_data.copy_document(copy)
    assert document[:2] == b"PK"  # a .docx; its PDF is LibreOffice's (tests/handlers/h5/test_my_data.py)


@pytest.mark.gen_test
async def test_deletion_where_the_law_allows_it_and_a_refusal_naming_the_basis_where_it_does_not(ctx, blobs):
    serial, person = await new_case(ctx)
    case_before = await ctx.db["cases"].find_one({"_id": serial})
    for target, status, code in (
        (f"case:{serial}", 409, "deletion_refused"),  # the case file must be kept
        ("account", 409, "deletion_refused"),  # an account with a case
        ("case:20261122000171", 404, "case_not_found"),  # not theirs (or no such case)
        ("draft:worker", 404, "draft_not_found"),
        ("everything", 422, "not_allowed"),
        ("consent:notice", 409, "notice_not_a_consent"),
    ):
        with pytest.raises(ServiceError) as refused:
            await erasure.delete(ctx, blobs, person, target)
        assert (refused.value.status, refused.value.code) == (status, code), target
    with pytest.raises(ServiceError) as kept:
        await erasure.delete(ctx, blobs, person, f"case:{serial}")
    assert "第四十七条第二款" in kept.value.message  # the basis, named
    assert await ctx.db["cases"].find_one({"_id": serial}) == case_before  # nothing changed
    # What the law allows: a draft, an unused upload, an optional consent, at once.
    await drafts.save_draft(ctx, person, "employer", {"claim": {"requests": "x"}})
    file_id = await _upload(ctx, blobs, person)
    await consents.grant(ctx, person, "survey", "2026-01", "h5")
    assert await erasure.delete(ctx, blobs, person, "draft:employer") == {"deleted": "draft:employer"}
    assert await erasure.delete(ctx, blobs, person, f"file:{file_id}") == {"deleted": f"file:{file_id}"}
    await erasure.delete(ctx, blobs, person, "consent:survey")
    assert not await consents.granted(ctx, person, "survey")
    assert await ctx.db["files"].find_one({"_id": file_id}) is None
    assert await ctx.db["drafts"].find_one({"_id": f"{person}:employer"}) is None


@pytest.mark.gen_test
async def test_an_account_without_cases_is_closed_whole(ctx, blobs):
    from services.accounts.persons import person_for_identity

    person = await person_for_identity(ctx, "wechat_mp", "wx-app", "openid-leaving")
    file_id = await _upload(ctx, blobs, person)
    await drafts.save_draft(ctx, person, "worker", {"claim": {"requests": "x"}})
    await consents.grant(ctx, person, "survey", "2026-01", "h5")
    assert await erasure.delete(ctx, blobs, person, "account") == {"deleted": "account"}
    for collection, query in (
        ("identities", {"person_id": person}),
        ("files", {"_id": file_id}),
        ("drafts", {"_id": f"{person}:worker"}),
        ("consents", {"person_id": person}),
    ):
        assert await ctx.db[collection].count_documents(query) == 0, collection
    tombstone = await ctx.db["persons"].find_one({"_id": person})
    assert set(tombstone) == {"_id", "deleted_at", "mp_signed_out_at", "session_stamp"}  # nothing personal
    again = await person_for_identity(ctx, "wechat_mp", "wx-app", "openid-leaving")
    assert again != person  # signing in again is a new person
