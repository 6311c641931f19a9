"""The respondent takes part: invited by SMS through the outbox, proved by a one-time code, answers once within
the centre's period, adds evidence, sees their cases; silence recorded; every refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.accounts.staff import StaffMember
from services.cases import respondent
from services.cases.deadline_watch import record_silence
from services.core.deadlines import working_days_deadline
from services.core.errors import Conflict, NotFound, ServiceError, ValidationFailed
from services.core.personal_data import unseal_party
from services.core.work_calendar import load_work_calendar
from services.intake import evidence
from tests.support.cases import MEDIATOR, accepted_case, new_case
from tests.support.parties import claim_invitation, invitation_link
from tests.support.queries import assert_database_commands


async def _invite(ctx, serial: str) -> dict:
    doc = await ctx.db["cases"].find_one({"_id": serial})
    return next(n for n in doc["notifications"] if n["kind"] == "invite")


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


@pytest.mark.gen_test
async def test_accepting_invites_the_respondent_by_sms_through_the_outbox(ctx, clock, sender, sms):
    clock.now = clock.now.replace(year=2026, month=12, day=1, hour=2)  # a Tuesday in Shanghai
    serial, _ = await accepted_case(ctx)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    invited = doc["respondent_access"]
    assert invited["answer_due"] == "2026-12-08"  # five working days after the day of the invitation
    assert invited["person_id"] is None and invited["answer"] is None and "token_hash" in invited
    [invite] = [n for n in doc["notifications"] if n["kind"] == "invite"]
    assert invite["to"] == {"type": "respondent", "person_id": None, "phone_field": "contact_phone"}
    assert invite["link"].startswith(f"/h5/respondent/invitations/{serial}/")
    await sender.run_once()
    [message] = sms.messages("SMS_INVITE")
    assert message.mobile == "+8613987654321"  # the contact phone the applicant gave, in E.164
    assert message.params["serial"] == serial and message.params["answer_due"] == "2026-12-08"
    assert message.params["link"] == ctx.settings.public_base_url + invite["link"]
    stored = await _invite(ctx, serial)
    assert stored["state"] == "sent" and stored["channel"] == "sms" and stored["msgid"] == message.message_id


@pytest.mark.gen_test
async def test_sms_provider_down_the_invitation_waits_and_goes_out_once_when_back(ctx, clock, sender, sms):
    serial, _ = await accepted_case(ctx)
    sms.down = True
    await sender.run_once()
    invite = await _invite(ctx, serial)
    assert invite["state"] == "pending" and invite["last_error"] == "短信服务暂时无法发送，将自动重试"
    sms.down = False
    clock.now = invite["next_attempt_at"]
    await sender.run_once()
    clock.advance(hours=1)
    await sender.run_once()
    assert len(sms.messages("SMS_INVITE")) == 1  # at least once, never twice after the gateway took it


@pytest.mark.gen_test
async def test_a_landline_respondent_is_not_texted_and_the_mediator_reads_why(ctx, clock, sender, sms):
    serial, _ = await accepted_case(ctx, contact_phone="021-6888 1234")
    await sender.run_once()
    invite = await _invite(ctx, serial)
    assert invite["state"] == "failed" and "不是手机号码" in invite["last_error"] and sms.messages() == []
    with pytest.raises(Conflict) as refused:
        await respondent.send_code(ctx, sms, serial, _token(await invitation_link(ctx, serial)))
    assert refused.value.code == "invitation_no_mobile"
    view = await respondent.invitation_view(ctx, serial, _token(await invitation_link(ctx, serial)))
    assert view["can_text"] is False and view["phone_masked"] == "021****1234"


@pytest.mark.gen_test
async def test_the_invitation_is_proved_by_a_one_time_code_and_every_mistake_changes_nothing(ctx, clock, sms):
    serial, _ = await accepted_case(ctx)
    token = _token(await invitation_link(ctx, serial))
    view = await respondent.invitation_view(ctx, serial, token)
    assert view["phone_masked"] == "139****4321" and view["respondent_name"] == "上海某某物流有限公司"
    with pytest.raises(NotFound):  # knowing the serial is not enough
        await respondent.invitation_view(ctx, serial, "A" * 24)
    with pytest.raises(NotFound):
        await respondent.send_code(ctx, sms, serial, "A" * 24)
    await respondent.send_code(ctx, sms, serial, token)
    code = sms.last_code("+8613987654321", respondent.CODE_PURPOSE)
    before = await ctx.db["cases"].find_one({"_id": serial})
    with pytest.raises(ValidationFailed) as wrong:
        await respondent.claim(ctx, serial, token, "000000" if code != "000000" else "111111", None, "h5")
    assert wrong.value.errors[0].field == "code" and wrong.value.code == "sms_code_wrong"
    with pytest.raises(ValidationFailed):
        await respondent.claim(ctx, serial, token, "", None, "h5")
    assert await ctx.db["cases"].find_one({"_id": serial}) == before  # nothing changed
    typed = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))  # a Chinese keyboard's digits
    person = await respondent.claim(ctx, serial, token, f" {typed} ", None, "h5")
    invited = (await ctx.db["cases"].find_one({"_id": serial}))["respondent_access"]
    assert invited["person_id"] == person and invited["claimed_by"] == "sms_code"
    # The code is used up; someone else with another code of the same phone cannot take it over.
    with pytest.raises(ValidationFailed):
        await respondent.claim(ctx, serial, token, code, "someone-else", "h5")
    clock.advance(seconds=61)
    await respondent.send_code(ctx, sms, serial, token)
    with pytest.raises(Conflict):
        await respondent.claim(ctx, serial, token, sms.last_code("+8613987654321", "respond"), "someone-else", "h5")
    assert await respondent.claim(ctx, serial, token, "", person, "h5") == person  # proved before: nothing to do


@pytest.mark.gen_test
async def test_an_expired_code_is_refused(ctx, clock, sms):
    serial, _ = await accepted_case(ctx)
    token = _token(await invitation_link(ctx, serial))
    await respondent.send_code(ctx, sms, serial, token)
    clock.advance(minutes=6)
    with pytest.raises(ValidationFailed) as expired:
        await respondent.claim(ctx, serial, token, sms.last_code("+8613987654321"), None, "h5")
    assert expired.value.code == "sms_code_expired" and "失效" in expired.value.message


@pytest.mark.gen_test
async def test_the_answer_is_given_once_in_two_database_commands_and_the_applicant_is_told(
    ctx, clock, sms, db_commands
):
    serial, applicant = await accepted_case(ctx)
    person = await claim_invitation(ctx, sms, serial)
    with pytest.raises(ValidationFailed) as bad:
        await respondent.answer(ctx, person, serial, {"decision": "maybe"}, "h5")
    assert bad.value.errors[0].field == "decision"
    with pytest.raises(ValidationFailed) as no_proposal:
        await respondent.answer(ctx, person, serial, {"decision": "propose", "amount": "-5"}, "h5")
    assert {e.field for e in no_proposal.value.errors} == {"proposal", "amount"}
    with pytest.raises(NotFound):  # someone else's case
        await respondent.answer(ctx, "not-the-respondent", serial, {"decision": "agree"}, "h5")
    proposal = {"decision": "propose", "proposal": "分两期支付", "amount": "8000"}
    with assert_database_commands(db_commands, 2):  # what the fronts call
        answer = await respondent.answer(ctx, person, serial, proposal, "h5")
    assert answer["decision"] == "propose" and answer["amount"] == "8000.00" and answer["late"] is False
    with pytest.raises(Conflict) as twice:
        await respondent.answer(ctx, person, serial, {"decision": "decline"}, "h5")
    assert twice.value.code == "already_answered"
    doc = await ctx.db["cases"].find_one({"_id": serial})
    told = [n for n in doc["notifications"] if n["kind"] == "respondent_answered"]
    assert told[0]["to"] == {"type": "applicant", "person_id": applicant}
    assert told[0]["lines"]["result"] == "同意调解并提出方案"
    assert doc["timeline"][-1]["action"] == "respondent_answer"
    assert doc["timeline"][-1]["actor"] == {"type": "respondent", "id": person}


@pytest.mark.gen_test
async def test_declining_with_a_reason(ctx, clock, sms):
    serial, _ = await accepted_case(ctx)
    person = await claim_invitation(ctx, sms, serial)
    answer = await respondent.answer(ctx, person, serial, {"decision": "decline", "reason": "已足额支付"}, "mp")
    assert (answer["decision"], answer["reason"], answer["label"]) == ("decline", "已足额支付", "拒绝调解")


@pytest.mark.gen_test
async def test_the_respondent_sees_the_claims_and_the_evidence_list_with_numbers_masked(
    ctx, clock, sms, blobs, tmp_path
):
    serial, applicant = await accepted_case(ctx)
    person = await claim_invitation(ctx, sms, serial)
    case = await respondent.respondent_case(ctx, person, serial)
    assert case["role"] == "respondent" and case["claim"]["requests"].startswith("支付2026年8月")
    assert "*" in case["applicant"]["id_number"] and "*" in case["applicant"]["phone"]
    assert case["evidence"] == []  # the applicant's files are listed by name, not handed over
    [mine] = await respondent.respondent_cases(ctx, person)
    assert mine["serial"] == serial and mine["applicant_name"] == "张三"
    with pytest.raises(NotFound):
        await respondent.respondent_case(ctx, applicant, serial)  # the applicant is not the respondent
    # Their own evidence: uploaded as anyone uploads, then attached; someone else's file is refused.
    photo = tmp_path / "转账记录.png"
    from PIL import Image

    Image.new("RGB", (64, 64), (1, 2, 3)).save(photo)
    stored = await evidence.store_upload(ctx, blobs, person, str(photo), "转账记录.png")
    with pytest.raises(ServiceError) as unknown:  # not their file: not found
        await respondent.add_evidence(ctx, person, serial, {"file_ids": ["0" * 32]}, "h5")
    assert unknown.value.status == 404
    after = await respondent.add_evidence(ctx, person, serial, {"file_ids": [stored["id"]]}, "h5")
    assert [(f["id"], f["name"]) for f in after["respondent_files"]] == [(stored["id"], "转账记录.png")]
    staff = evidence.Reader.staff(StaffMember("li.ming", "李明", "mediator", "sh-city"))
    download = await evidence.open_file(ctx, blobs, staff, stored["id"])  # the mediator reads it
    assert download.name == "转账记录.png"
    assert b"".join([chunk async for chunk in download.chunks])  # read to the end: the file is closed


@pytest.mark.gen_test
async def test_silence_past_the_due_day_ends_the_mediation_once_and_a_late_answer_before_it_is_taken(ctx, clock, sms):
    clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    serial, applicant = await accepted_case(ctx)
    late, _ = await accepted_case(ctx)
    due = date.fromisoformat((await ctx.db["cases"].find_one({"_id": serial}))["respondent_access"]["answer_due"])
    clock.now += timedelta(days=(due - date(2026, 12, 1)).days)  # the due day itself: still in time
    assert await record_silence(ctx) == 0
    clock.advance(days=1)
    # A late answer that arrives on the day after, before the watch records the silence, is taken (marked late).
    person = await claim_invitation(ctx, sms, late)
    assert (await respondent.answer(ctx, person, late, {"decision": "agree"}, "h5"))["late"] is True
    assert await record_silence(ctx) == 1  # the silent one ends; the late one goes on
    assert await record_silence(ctx) == 0
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["status"] == "failed" and doc["timeline"][-1]["action"] == "lapse"
    assert doc["respondent_access"]["silence_recorded_at"] == clock.now
    assert doc["outcome"]["end"] == "silent" and doc["outcome"]["closure_reason"] == "unreachable"
    assert doc["end_papers_due"] is True  # each party's notice, rendered by the watch (services/cases/documents.py)
    told = {n["to"]["type"]: n for n in doc["notifications"] if n["kind"] == "fail"}
    assert set(told) == {"applicant", "respondent"}  # the respondent by SMS, still unknown to us
    assert told["applicant"]["lines"]["next_step"].startswith("请最迟于")
    assert (await ctx.db["cases"].find_one({"_id": late}))["status"] == "accepted"
    with pytest.raises(Conflict):  # no answer once the mediation ended
        person = await claim_invitation(ctx, sms, serial)
        await respondent.answer(ctx, person, serial, {"decision": "agree"}, "h5")


@pytest.mark.gen_test
async def test_a_centre_may_invite_at_submission(ctx, clock, monkeypatch):
    import dataclasses

    from services.directory import centres

    for centre in (await centres.directory(ctx)).centres:  # the centre's data, as an administrator keeps it
        own = dict(centre.settings) | {"invite_respondent_on": "submit", "respondent_answer_days": 3}
        await centres.replace(ctx, dataclasses.replace(centre, settings=own), "test")
    serial, _ = await new_case(ctx)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["status"] == "submitted" and doc["respondent_access"]["invited_at"] == clock.now
    calendar = (await load_work_calendar(ctx)).for_centre(doc["centre"]["id"])
    assert doc["respondent_access"]["answer_due"] == working_days_deadline(clock.now, 3, calendar).due.isoformat()
    assert [n["kind"] for n in doc["notifications"]] == ["submitted", "invite"]
    assert doc["outbox_due_at"] == clock.now  # the sender finds a new case's messages too
    await __import__("services.cases.handling", fromlist=["decide"]).decide(ctx, MEDIATOR, serial, "accept", {})
    assert [n["kind"] for n in (await ctx.db["cases"].find_one({"_id": serial}))["notifications"]].count("invite") == 1


@pytest.mark.gen_test
async def test_a_worker_respondent_with_a_verified_card_identity_proves_without_a_code(ctx, clock, sms):
    from services.accounts.portal_accounts import id_number_hash

    serial, _ = await accepted_case(ctx, kind="employer")
    doc = await ctx.db["cases"].find_one({"_id": serial})
    number = unseal_party(ctx.cipher, doc["respondent"], "respondent")["id_number"]
    await ctx.db["persons"].insert_one(
        {"_id": "worker-card", "verified": True, "verified_id_hash": id_number_hash(ctx, number)}
    )
    token = _token(await invitation_link(ctx, serial))
    assert await respondent.claim(ctx, serial, token, "", "worker-card", "h5") == "worker-card"
    assert (await ctx.db["cases"].find_one({"_id": serial}))["respondent_access"]["claimed_by"] == "card"


@pytest.mark.gen_test
async def test_a_respondent_comes_back_by_proving_the_phone_again(ctx, clock, sms):
    serial, _ = await accepted_case(ctx)
    with pytest.raises(NotFound):  # before the invitation was proved there is no way back, only the way in
        await respondent.send_return_code(ctx, sms, serial)
    person = await claim_invitation(ctx, sms, serial)
    clock.advance(seconds=61)
    token = _token(await invitation_link(ctx, serial))
    await respondent.send_code(ctx, sms, serial, token)  # the invitation again, from another browser
    assert await respondent.claim(ctx, serial, token, sms.last_code("+8613987654321"), None, "h5") == person
    clock.advance(seconds=61)
    await respondent.send_return_code(ctx, sms, serial)
    with pytest.raises(ValidationFailed):
        await respondent.sign_back_in(ctx, serial, "000000" if sms.last_code("+8613987654321") != "000000" else "1")
    assert await respondent.sign_back_in(ctx, serial, sms.last_code("+8613987654321")) == person
