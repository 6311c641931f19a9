"""Service (送达, issue 21 items 12 and 13): every notice and document served on each party with a record (sent,
opened, downloaded, or served on paper); each party's 送达地址确认书; a respondent the platform cannot invite is
flagged, invited otherwise, and the answer period runs from that day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.cases import documents, party_pages, queue, respondent, service
from services.cases.deadline_watch import record_silence
from services.core.context import SHANGHAI
from services.core.deadlines import working_days_deadline
from services.core.errors import Conflict, ValidationFailed
from services.core.work_calendar import load_work_calendar
from tests.support.cases import MEDIATOR, accepted_case, new_case
from tests.support.parties import claim_invitation, settle_by_signing
from tests.support.queries import assert_database_commands

TUESDAY = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


async def _case(ctx, serial: str) -> dict:
    return await ctx.db["cases"].find_one({"_id": serial})


def _records(doc: dict, party: str, item: str = "") -> dict[str, dict]:
    return {k: r for k, r in doc.get("service", {}).items() if r["party"] == party and (not item or r["item"] == item)}


def _invite_key(doc: dict) -> str:
    [invite] = [n for n in doc["notifications"] if n["kind"] == "invite"]
    return invite["serves"]


@pytest.mark.gen_test
async def test_every_message_to_a_party_is_a_notice_served_with_its_record_and_the_consent_is_in_the_case(
    ctx, clock, sender, sms
):
    clock.now = TUESDAY
    serial, applicant = await accepted_case(ctx)
    doc = await _case(ctx, serial)
    # The 送达地址确认书 given with the application is the case's own (no command of its own: the submission's
    # budget, tests/handlers/mp/test_applications.py).
    consent = doc["service_consent"]["applicant"]
    assert consent["electronic"] is True and consent["address"] == "上海市浦东新区张江路100号"
    assert consent["given_at"] == doc["created_at"] and consent["channel"] == "h5"
    # Every message to a party opened its record in the write that queued it, whatever its kind: the
    # acknowledgement and the acceptance to the applicant, the invitation to the respondent.
    kinds = {r["kind"] for r in _records(doc, "applicant").values()}
    assert kinds == {"submitted", "accept"}
    invite_key = _invite_key(doc)
    assert doc["respondent_access"]["notice"] == invite_key
    assert doc["service"][invite_key] == {
        "item": "notice",
        "kind": "invite",
        "title": "劳动人事争议调解邀请",
        "party": "respondent",
        "created_at": clock.now,
    }
    await sender.run_once()
    doc = await _case(ctx, serial)
    invite = doc["service"][invite_key]
    assert invite["sent_at"] == clock.now and invite["channel"] == "sms"  # delivered: the time of service
    # The applicant has no WeChat here: their messages could not be delivered, and their records say why.
    [ack] = [r for r in _records(doc, "applicant").values() if r["kind"] == "submitted"]
    assert ack["failed_at"] == clock.now and ack["error"]
    staff = (await queue.staff_case(ctx, MEDIATOR, serial))["service"]
    shown = {r["kind"]: r for r in staff["records"]}
    assert shown["invite"]["state"] == "sent"  # delivered, but the respondent has not consented yet
    assert shown["submitted"]["state"] == "failed" and shown["submitted"]["needs_paper"]
    assert staff["consents"]["applicant"]["electronic"] is True and staff["consents"]["respondent"] is None


@pytest.mark.gen_test
async def test_the_party_opening_their_page_opens_their_notices_once_and_staff_reading_never_does(
    ctx, clock, sms, db_commands
):
    clock.now = TUESDAY
    serial, applicant = await accepted_case(ctx)
    await queue.staff_case(ctx, MEDIATOR, serial)  # staff read the case file: nothing is opened
    assert not any(r.get("opened_at") for r in (await _case(ctx, serial))["service"].values())
    clock.advance(hours=1)
    with assert_database_commands(db_commands, 3) as first:  # the case, one write of the openings, the documents
        page = await party_pages.case_page(ctx, applicant, serial, "applicant")
    assert [c for c in first if c.endswith(" cases") and "update" in c] == ["update_one cases"]
    assert {r["kind"] for r in page["service"]} == {"submitted", "accept"}  # the respondent's are not theirs
    assert all(r["opened_at"] for r in page["service"])
    doc = await _case(ctx, serial)
    assert all(r["opened_at"] == clock.now for r in _records(doc, "applicant").values())
    assert not _records(doc, "respondent")[_invite_key(doc)].get("opened_at")
    clock.advance(hours=1)
    opened_at = clock.now - timedelta(hours=1)
    with assert_database_commands(db_commands, 2) as again:  # the same page again: nothing more to write
        await party_pages.case_page(ctx, applicant, serial, "applicant")
    assert not [c for c in again if "update" in c]
    doc = await _case(ctx, serial)
    assert all(r["opened_at"] == opened_at for r in _records(doc, "applicant").values())  # the first opening kept


@pytest.mark.gen_test
async def test_the_respondent_gives_the_address_for_service_at_the_first_visit_or_on_the_page(ctx, clock, sms):
    serial, _ = await accepted_case(ctx)
    token = next(n["link"] for n in (await _case(ctx, serial))["notifications"] if n["kind"] == "invite")
    token = token.rsplit("/", 1)[1]
    await respondent.send_code(ctx, sms, serial, token)
    doc = await _case(ctx, serial)
    code = sms.last_code(respondent._phone(ctx, doc), respondent.CODE_PURPOSE)
    with pytest.raises(ValidationFailed) as bad:  # a 送达地址确认书 with a problem: nothing changes, the code kept
        await respondent.claim(ctx, serial, token, code, None, "mp", consent={"electronic": "yes", "address": " "})
    assert {e.field for e in bad.value.errors} == {"service.electronic", "service.address"}
    consent = {"electronic": False, "address": "上海市浦东新区川沙路100号", "recipient": "李四"}
    person = await respondent.claim(ctx, serial, token, code, None, "mp", consent=consent)
    doc = await _case(ctx, serial)
    kept = doc["service_consent"]["respondent"]
    assert (kept["electronic"], kept["address"], kept["recipient"], kept["channel"]) == (
        False,
        "上海市浦东新区川沙路100号",
        "李四",
        "mp",
    )
    assert doc["timeline"][-1]["action"] == "respondent_claimed"  # in the claim's own write
    page = await party_pages.case_page(ctx, person, serial, "respondent")
    assert page["service_consent"]["electronic"] is False
    assert {r["state"] for r in page["service"]} == {"refused"}  # served on paper, the messages a courtesy
    # Changed later on the page: an event of the timeline.
    shown = await service.give_consent(ctx, person, serial, {"electronic": True, "address": "川沙路100号"}, "h5")
    assert shown["electronic"] is True and shown["recipient"] == ""
    doc = await _case(ctx, serial)
    assert doc["timeline"][-1]["action"] == "service_consent" and doc["timeline"][-1]["note"] == "同意电子送达"
    with pytest.raises(ValidationFailed) as unknown:
        await service.give_consent(ctx, person, serial, {"electronic": True, "address": "x", "email": "a@b.c"}, "h5")
    assert unknown.value.errors[0].field == "email"


@pytest.mark.gen_test
async def test_a_document_is_served_on_its_parties_and_their_download_is_its_record(
    ctx, clock, sms, blobs, sealed, papers, sender
):
    serial, applicant = await accepted_case(ctx)
    await settle_by_signing(ctx, blobs, sms, MEDIATOR, serial, applicant)
    doc = await _case(ctx, serial)
    await documents._issue(
        ctx, papers, doc, "agreement", ("system", "settle"), "system", to=("applicant", "respondent")
    )
    doc = await _case(ctx, serial)
    [issued] = [d for d in doc["documents"] if d["kind"] == "agreement"]
    served = {p: doc["service"][f"{issued['id']}-{p}"] for p in ("applicant", "respondent")}
    assert {r["item"] for r in served.values()} == {"document"} and served["applicant"]["title"] == "调解协议书"
    # Each party is told by a `served` message whose delivery is the document's (it opens no record of its own).
    messages = {n["to"]["type"]: n for n in doc["notifications"] if n["kind"] == "served"}
    assert {p: messages[p]["serves"] for p in messages} == {
        p: f"{issued['id']}-{p}" for p in ("applicant", "respondent")
    }
    assert served["respondent"]["notice"] == messages["respondent"]["id"]
    assert not any(r["kind"] == "served" for r in doc["service"].values())
    await sender.run_once()
    doc = await _case(ctx, serial)
    assert doc["service"][f"{issued['id']}-respondent"]["channel"] == "sms"
    # Staff downloading it is not the party's reading; the respondent's download is, once.
    await documents.document_for_staff(ctx, blobs, MEDIATOR, issued["id"])
    person = doc["respondent_access"]["person_id"]
    clock.advance(minutes=5)
    await documents.document_for_party(ctx, blobs, person, serial, issued["id"])
    first = clock.now
    clock.advance(minutes=5)
    await documents.document_for_party(ctx, blobs, person, serial, issued["id"])
    doc = await _case(ctx, serial)
    record = doc["service"][f"{issued['id']}-respondent"]
    assert record["downloaded_at"] == first and record["opened_at"] == first
    assert not doc["service"][f"{issued['id']}-applicant"].get("downloaded_at")
    listed = {d["id"]: d for d in await documents.documents_for_party(ctx, person, serial)}
    assert listed[issued["id"]]["service"]["downloaded_at"] is not None
    assert all(d["service"] is None for d in listed.values() if d["kind"] != "agreement")
    # A document issued by staff is served only when they say so.
    issued_quietly = await documents.generate(ctx, papers.renderers, blobs, MEDIATOR, serial, "agreement")
    served_again = await documents.generate(ctx, papers.renderers, blobs, MEDIATOR, serial, "agreement", serve=True)
    doc = await _case(ctx, serial)
    assert not [k for k in doc["service"] if k.startswith(issued_quietly.id)]
    assert {r["party"] for k, r in doc["service"].items() if k.startswith(served_again.id)} == {
        "applicant",
        "respondent",
    }


@pytest.mark.gen_test
async def test_a_respondent_the_platform_cannot_invite_is_invited_otherwise_and_answers_from_that_day(
    ctx, clock, sender, sms
):
    clock.now = TUESDAY
    serial, applicant = await accepted_case(ctx, contact_phone="021-6888 1234")  # a landline only
    await sender.run_once()
    doc = await _case(ctx, serial)
    key = _invite_key(doc)
    assert doc["service"][key]["failed_at"] == clock.now and "不是手机号码" in doc["service"][key]["error"]
    # Item 12: the case says so once, the applicant is told, the mediator sees it (the page and the queue).
    assert doc["respondent_access"]["undelivered_at"] == clock.now
    assert doc["timeline"][-1]["action"] == "invitation_undelivered"
    [told] = [n for n in doc["notifications"] if n["kind"] == "invitation_undelivered"]
    assert told["to"]["type"] == "applicant" and "邮寄、电话或当面" in told["lines"]["next_step"]
    staff = (await queue.staff_case(ctx, MEDIATOR, serial))["service"]
    assert staff["invitation_undelivered"] and staff["invitation_key"] == key
    assert [r["state"] for r in staff["records"] if r["key"] == key] == ["failed"]
    rows = (await queue.queue(ctx, MEDIATOR, queue.QueueFilter()))["items"]
    assert [r["respondent"] for r in rows if r["serial"] == serial] == ["未能电子邀请"]
    # No silence runs before the invitation is served, however long it takes.
    clock.advance(days=20)
    assert await record_silence(ctx) == 0
    # The mediator records how and when: refused with every problem named, nothing changed.
    with pytest.raises(ValidationFailed) as bad:
        await service.serve_on_paper(ctx, MEDIATOR, serial, {"key": "nope", "method": "fax", "on": "2027-13-01"})
    assert {e.field for e in bad.value.errors} == {"key", "method", "on"}
    with pytest.raises(ValidationFailed) as future:
        await service.serve_on_paper(ctx, MEDIATOR, serial, {"key": key, "method": "post", "on": "2030-01-01"})
    assert future.value.errors[0].field == "on"
    served_on = "2026-12-14"  # a Monday: the day the post was received
    form = {"key": key, "method": "post", "on": served_on, "note": "EMS 1234567890"}
    await service.serve_on_paper(ctx, MEDIATOR, serial, form)
    doc = await _case(ctx, serial)
    calendar = (await load_work_calendar(ctx)).for_centre(doc["centre"]["id"])
    due = working_days_deadline(date.fromisoformat(served_on), 5, calendar).due.isoformat()
    invited = doc["respondent_access"]
    assert (invited["served_on"], invited["answer_due"]) == (served_on, due)
    paper = doc["service"][key]["paper"]
    assert (paper["method"], paper["on"], paper["note"], paper["recorded_by"]) == (
        "post",
        served_on,
        "EMS 1234567890",
        MEDIATOR.login,
    )
    assert doc["timeline"][-1]["action"] == "served_on_paper" and "邮寄" in doc["timeline"][-1]["note"]
    [invited_told] = [n for n in doc["notifications"] if n["kind"] == "respondent_invited"]
    assert invited_told["lines"] == {"serial": serial, "method": "邮寄", "answer_due": due}
    staff = (await queue.staff_case(ctx, MEDIATOR, serial))["service"]
    assert not staff["invitation_undelivered"]
    assert [r["state"] for r in staff["records"] if r["key"] == key] == ["paper"]
    with pytest.raises(Conflict) as twice:
        await service.serve_on_paper(ctx, MEDIATOR, serial, form)
    assert twice.value.code == "already_served"
    # The answer period now runs from that day: silence only after its new due day.
    clock.now = datetime.fromisoformat(due).replace(hour=10, tzinfo=SHANGHAI)
    assert await record_silence(ctx) == 0
    clock.advance(days=1)
    assert await record_silence(ctx) == 1


@pytest.mark.gen_test
async def test_an_invitation_delivered_late_or_to_a_respondent_who_came_in_is_not_flagged(ctx, clock, sender, sms):
    serial, _ = await accepted_case(ctx)
    doc = await _case(ctx, serial)
    [invite] = [n for n in doc["notifications"] if n["kind"] == "invite"]
    await claim_invitation(ctx, sms, serial)  # the respondent found their way in
    await service.undelivered(ctx, serial, invite | {"state": "failed"})
    assert "undelivered_at" not in (await _case(ctx, serial))["respondent_access"]
    other, _ = await new_case(ctx)  # a message that is no invitation never flags anything
    submitted = next(n for n in (await _case(ctx, other))["notifications"] if n["kind"] == "submitted")
    await service.undelivered(ctx, other, submitted)
    assert (await _case(ctx, other))["timeline"][-1]["action"] == "submit"
