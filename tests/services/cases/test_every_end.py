"""Every end speaks (issue 21's "done when"): each end of a case (declined; failed for each reason of 法释〔2021〕23号
art. 25; refused; silent; expired; withdrawn; a delegated case that failed) writes its notice to each party, naming
the next right and its last day; every document of each end is rendered for a worker, an employer, a foreigner and a
delegated case, read back, and holds no empty statutory cell, no placeholder, no ISO date and no "您"."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import docx
import pytest

from services.cases import documents, handling, respondent, signing
from services.cases.deadline_watch import watch_once
from services.core.errors import Conflict, ValidationFailed
from services.court import delegations
from services.court.outbox import PartnerOutbox
from services.intake.submission import submit_application
from tests.support import court
from tests.support.app import make_staff
from tests.support.cases import MEDIATOR, accepted_case
from tests.support.parties import claim_invitation, draft, due_in
from tests.support.readback import all_texts
from tests.support.samples import employer_body, worker_body

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Tuesday
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# What an official document never holds: a placeholder left, a date as a computer writes it, the pages' "您", or a
# sentence whose fact is missing (an empty bracket, a colon or a date with nothing after it, "与之间").
HOLES = ("{{", "{%", "您", "（）", "：。", "：，", "于，", "于。", "与之间", "因，", "None", "年月日")


def _foreigner_body() -> dict[str, Any]:
    body = worker_body()
    body["applicant"].update(
        name="John Smith", id_type="passport", id_number="E12345678", nationality="GBR", birth_date="1985-01-31"
    )
    del body["applicant"]["ethnicity"]
    return body


BODIES = {"worker": worker_body, "employer": employer_body, "foreigner": _foreigner_body}


async def _case(ctx: Any, party: str, accept: bool = True) -> tuple[str, str]:
    body = BODIES[party]()
    body["evidence"] = []
    person = f"person-{uuid.uuid4().hex[:8]}"
    case, _ = await submit_application(ctx, person, f"key-{uuid.uuid4().hex[:12]}", body, "h5")
    if accept:
        await handling.decide(ctx, MEDIATOR, case["serial"], "accept", {})
    return case["serial"], person


async def _papers_of(ctx: Any, blobs: Any, serial: str) -> dict[tuple[str, str], list[str]]:
    """Every document of the case read back: (kind, addressee) -> every paragraph, cell and footer line."""
    out: dict[tuple[str, str], list[str]] = {}
    for record in await ctx.db["documents"].find({"serial": serial}).to_list(None):
        data = await blobs.read(record["blob_id"])
        out[(record["kind"], record.get("addressee", ""))] = all_texts(docx.Document(io.BytesIO(data)))
    return out


def _official(kind: str, texts: list[str]) -> None:
    joined = "\n".join(texts)
    for hole in HOLES:
        assert hole not in joined, f"{kind}: {hole!r} in {joined[:400]}"
    found = ISO_DATE.search(joined)
    assert not found, f"{kind}: an ISO date in {joined[max(0, found.start() - 80) : found.end() + 20]!r}"


async def _ended(ctx: Any, blobs: Any, papers: Any, serial: str) -> tuple[dict[str, Any], dict]:
    """The end's papers issued (as the watch would) and read back, each checked as an official document."""
    await documents.issue_end_papers(ctx, papers, serial)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert not doc.get("end_papers_due"), "every paper the end owed was issued"
    read = await _papers_of(ctx, blobs, serial)
    for (kind, _), texts in read.items():
        _official(kind, texts)
    return doc, read


def _told(doc: dict[str, Any], kind: str) -> dict[str, str]:
    """Each party's notification of the end: whom to, and the next step it names."""
    return {n["to"]["type"]: n["lines"].get("next_step", "") for n in doc["notifications"] if n["kind"] == kind}


def _notice(read: dict, role: str) -> str:
    return "\n".join(read[("termination_notice", role)])


# ---------------------------------------------------------------- a case filed with the centre


@pytest.mark.parametrize("party", ["worker", "employer", "foreigner"])
@pytest.mark.gen_test(timeout=120)
async def test_every_end_writes_each_party_a_notice_naming_the_next_right_and_its_last_day(
    ctx, clock, sms, blobs, papers, party
):
    clock.now = START
    names = {"worker": "张三", "employer": "上海某某科技有限公司", "foreigner": "John Smith"}
    other = {"worker": "上海某某物流有限公司", "employer": "王小明", "foreigner": "上海某某物流有限公司"}

    # Declined (不予受理) before the respondent was invited: the applicant's notice only.
    serial, _ = await _case(ctx, party, accept=False)
    await handling.decide(ctx, MEDIATOR, serial, "decline", {"reason": "不属于劳动争议调解范围"}, papers=papers)
    doc, read = await _ended(ctx, blobs, papers, serial)
    assert set(read) == {("termination_notice", "applicant"), ("arbitration", "applicant")}
    notice = _notice(read, "applicant")
    assert f"{names[party]}：" in notice and "决定不予受理。理由：不属于劳动争议调解范围。" in notice
    assert "请最迟于二〇二七年十二月一日提出仲裁申请" in notice  # a year from the application (art. 27 ¶2)
    assert _told(doc, "decline") == {"applicant": "请最迟于2027-12-01申请仲裁"}

    # Refused: "不同意调解" ends it at once, each party told; the refusal's own notice to the respondent.
    serial, _ = await _case(ctx, party)
    person = await claim_invitation(ctx, sms, serial)
    await respondent.answer(ctx, person, serial, {"decision": "decline"}, "h5", papers)
    doc, read = await _ended(ctx, blobs, papers, serial)
    assert doc["status"] == "failed" and doc["outcome"]["end"] == "refused"
    assert set(read) == {
        ("termination_notice", "applicant"),
        ("termination_notice", "respondent"),
        ("arbitration", "applicant"),
    }
    assert f"因{other[party]}明确表示不同意调解" in _notice(read, "applicant")
    theirs = _notice(read, "respondent")
    assert f"{other[party]}：" in theirs and "因你（单位）明确表示不同意调解" in theirs
    assert "你（单位）对本争议有仲裁请求的" in theirs and "二〇二七年" not in theirs  # not the applicant's day
    assert _told(doc, "fail") == {"applicant": "请最迟于2027-12-01申请仲裁", "respondent": "可依法申请劳动人事争议仲裁"}

    # Silent: the day after the answer period the watch ends it (and renders the notices itself).
    serial, _ = await _case(ctx, party)
    due = date.fromisoformat((await ctx.db["cases"].find_one({"_id": serial}))["respondent_access"]["answer_due"])
    clock.now = START + timedelta(days=(due - date(2026, 12, 1)).days + 1)
    done = await watch_once(ctx, papers)
    assert done["silent"] == 1 and done["papers_issued"] == 3
    doc, read = await _ended(ctx, blobs, papers, serial)
    assert doc["outcome"]["end"] == "silent" and doc["timeline"][-1]["action"] == "document"
    assert f"因{other[party]}未在答复期限（至" in _notice(read, "applicant")
    clock.now = START

    # Expired: only from the day after the period's last day (15 days from receipt, 调解仲裁法 art. 14 ¶3).
    serial, _ = await _case(ctx, party)
    expired = {"closure_reason": "period_expired"}
    with pytest.raises(ValidationFailed) as early:
        await handling.decide(ctx, MEDIATOR, serial, "fail", expired, papers=papers)
    assert early.value.errors[0].field == "closure_reason" and "2026-12-16" in str(early.value.errors[0].message)
    clock.now = START + timedelta(days=16)
    await handling.decide(ctx, MEDIATOR, serial, "fail", expired, papers=papers)
    doc, read = await _ended(ctx, blobs, papers, serial)
    assert doc["outcome"]["end"] == "expired" and "因调解期限届满且未能协商延长" in _notice(read, "applicant")
    assert "如自调解终止之日起计算则至二〇二七年十二月十七日" in _notice(read, "applicant")  # why the earlier day
    clock.now = START

    # Withdrawn: the notice says arbitration is not barred, with its last day; the application one tap away.
    serial, applicant = await _case(ctx, party)
    await handling.withdraw(ctx, applicant, serial, "准备直接申请仲裁", "h5", papers)
    doc, read = await _ended(ctx, blobs, papers, serial)
    assert set(read) == {("termination_notice", "applicant"), ("termination_notice", "respondent")}
    notice = _notice(read, "applicant")
    assert "撤回调解申请不影响你（单位）依法申请仲裁。" in notice and "请最迟于二〇二七年十二月一日" in notice
    assert _told(doc, "withdraw")["applicant"] == "请最迟于2027-12-01申请仲裁"
    issued = await documents.issue_for_party(ctx, papers, applicant, serial, "arbitration", "h5")
    assert issued.kind == "arbitration"


@pytest.mark.gen_test(timeout=120)
async def test_a_failure_for_each_reason_of_article_25_speaks_its_reason(ctx, clock, sms, blobs, papers, sealed):
    clock.now = START
    reasons = {
        "settled_and_withdrew": "因双方自行和解并撤回申请",
        "unreachable": "因在调解期限内无法联系到当事人",
        "refused_to_continue": "因一方当事人明确表示不愿继续调解",
        "too_far_apart": "因双方分歧较大，难以达成调解协议",
        "other": "因其他导致调解无法进行的情形（申请人住院治疗）",
    }
    for reason, words in reasons.items():
        serial, _ = await accepted_case(ctx)
        form = {"closure_reason": reason, "reason": "申请人住院治疗" if reason == "other" else ""}
        await handling.decide(ctx, MEDIATOR, serial, "fail", form, papers=papers)
        doc, read = await _ended(ctx, blobs, papers, serial)
        assert words in _notice(read, "applicant") and words in _notice(read, "respondent"), reason
        assert doc["outcome"]["end"] == "failed"
    # A party refusing to sign (art. 25(7)).
    serial, applicant = await accepted_case(ctx)
    await draft(ctx, MEDIATOR, serial, due_in(ctx, 10))
    person = await claim_invitation(ctx, sms, serial)
    await documents.refuse_signing(
        ctx, papers, signing.Signer("", person, f"h5:{person}"), serial, {"version": 1, "reason": "金额不同意"}, "h5"
    )
    doc, read = await _ended(ctx, blobs, papers, serial)
    assert "因一方当事人拒绝在调解协议上签章（被申请人拒绝签署调解协议：金额不同意）" in _notice(read, "applicant")


# ---------------------------------------------------------------- a delegated case


async def _delegated(ctx: Any, blobs: Any, sms: Any, **dispute: Any) -> tuple[str, str, str]:
    for member in (court.ADMIN, court.MEDIATOR):
        if await ctx.db["staff"].find_one({"_id": member.login}) is None:
            await make_staff(ctx, member.login, member.role, member.centre_id, member.name)
    body = court.delegation_body()
    body["dispute"] |= dispute
    receipt, _ = await delegations.create(ctx, blobs, ctx.settings.docking.partner(court.COURT), body)
    serial = receipt["serial"]
    await court.confirm_on_roster(ctx, court.MEDIATOR.login)
    await delegations.accept(ctx, court.ADMIN, serial, court.MEDIATOR.login)
    return serial, await court.claim(ctx, sms, serial, "applicant"), body["partner_case_no"]


@pytest.mark.gen_test(timeout=120)
async def test_a_failed_delegation_goes_back_to_its_court_with_the_mediators_report(ctx, clock, sms, blobs, papers):
    clock.now = START
    serial, applicant, case_no = await _delegated(ctx, blobs, sms)
    person = await court.claim(ctx, sms, serial, "respondent")
    # The court's own period (法释〔2021〕23号 art. 24: 30 days from acceptance) before "period expired" is accepted.
    with pytest.raises(ValidationFailed) as early:
        await handling.decide(ctx, court.MEDIATOR, serial, "fail", {"closure_reason": "period_expired"})
    assert "2026-12-31" in str(early.value.errors[0].message)
    report = {"report_facts": "双方对工资数额各执一词", "report_reason": "双方分歧较大", "report_costs": ""}
    await handling.decide(
        ctx, court.MEDIATOR, serial, "fail", {"closure_reason": "too_far_apart", **report}, papers=papers
    )
    doc, read = await _ended(ctx, blobs, papers, serial)
    assert set(read) == {
        ("termination_notice", "applicant"),
        ("termination_notice", "respondent"),
        ("failure_report", "partner"),
    }  # no arbitration application: the delegation did not say the dispute was not arbitrated
    for role, name in (("applicant", "王五"), ("respondent", "上海某某物流有限公司")):
        notice = _notice(read, role)
        assert f"{name}：" in notice and f"（案号：{case_no}）" in notice and "上海市浦东新区人民法院" in notice
        assert "本案退回上海市浦东新区人民法院，由该院依法登记立案。" in notice
        assert "仲裁" not in notice and "向本调解组织申请调解" not in notice
    assert _told(doc, "fail") == {"applicant": "案件退回委派法院立案", "respondent": "案件退回委派法院立案"}
    report_text = "\n".join(read[("failure_report", "partner")])
    for part in ("一、调解基本情况", "双方对工资数额各执一词", "二、调解不成的原因", "双方分歧较大"):
        assert part in report_text
    assert "三、导致其他当事人诉讼成本增加的行为\n无。" in report_text and "调解员（签名）：王调解" in report_text
    closed = [n for n in doc["notifications"] if n["kind"] == "partner_event" and n["event"]["type"] == "closed"]
    assert len(closed) == 1 and closed[0]["event"]["report"]["facts"] == "双方对工资数额各执一词"
    # The `closed` the court receives carries the report as the document the mediator signed, the one kept in the case.
    body = await PartnerOutbox(ctx, None, papers).body(serial, closed[0])
    [kept] = [d for d in doc["documents"] if d["kind"] == "failure_report"]
    record = await ctx.db["documents"].find_one({"_id": kept["id"]})
    assert body["report_document"]["sm3"] == record["sm3"] and body["report"]["signed_by"] == "王调解"
    # Neither party sees the report to the court, nor the other's notice.
    assert [d["kind"] for d in await documents.documents_for_party(ctx, applicant, serial)] == ["termination_notice"]
    assert [d["kind"] for d in await documents.documents_for_party(ctx, person, serial)] == ["termination_notice"]
    with pytest.raises(Conflict):  # and no arbitration application to make
        await documents.issue_for_party(ctx, papers, applicant, serial, "arbitration", "h5")


@pytest.mark.gen_test(timeout=120)
async def test_a_delegation_of_a_dispute_not_yet_arbitrated_also_names_arbitration(ctx, clock, sms, blobs, papers):
    clock.now = START
    serial, applicant, _ = await _delegated(ctx, blobs, sms, arbitrated=False)
    due = date.fromisoformat((await ctx.db["cases"].find_one({"_id": serial}))["respondent_access"]["answer_due"])
    clock.now = START + timedelta(days=(due - date(2026, 12, 1)).days + 1)
    assert (await watch_once(ctx, papers))["silent"] == 1  # silence: art. 15 ¶2, the materials go back
    doc, read = await _ended(ctx, blobs, papers, serial)
    assert doc["outcome"]["end"] == "silent" and doc["outcome"]["materials_returned"]
    assert ("arbitration", "applicant") in read and ("failure_report", "partner") in read
    notice = _notice(read, "applicant")
    assert (
        "依照《人民法院在线调解规则》第十五条第二款、第二十一条，本案及相关材料退回上海市浦东新区人民法院。" in notice
    )
    assert "请最迟于二〇二七年" in notice
    assert "本报告依据平台记录的被申请人答复情况制作" in "\n".join(read[("failure_report", "partner")])
    assert (await documents.issue_for_party(ctx, papers, applicant, serial, "arbitration", "h5")).kind


# ---------------------------------------------------------------- what each party sees


@pytest.mark.gen_test(timeout=60)
async def test_each_party_sees_what_is_addressed_to_them(ctx, clock, sms, cheap_hashing):
    from services.cases import clarification, party_pages, queue
    from services.cases.taxonomy import Taxonomies

    clock.now = START
    serial, applicant = await _case(ctx, "worker", accept=False)
    member = await make_staff(ctx, MEDIATOR.login, MEDIATOR.role, MEDIATOR.centre_id, MEDIATOR.name)
    items = [{"cause_code": "05-01", "text": "支付2026年8月至10月工资", "amount": "12000"}]
    await clarification.push_clarified(ctx, Taxonomies.load(ctx.settings.centres), member, serial, items)
    private = "第2项应是经济补偿金，请调解员改一下"
    await clarification.answer_clarified(
        ctx, applicant, serial, {"decision": "change", "version": 1, "comment": private}, "h5"
    )
    await handling.decide(ctx, MEDIATOR, serial, "accept", {})
    person = await claim_invitation(ctx, sms, serial)

    theirs = await party_pages.case_page(ctx, person, serial, "respondent")
    shown = repr(theirs)
    assert private not in shown  # the applicant's change request to the mediator is the applicant's
    assert theirs["limitation"] is None and "您于" not in shown  # the applicant's limitation, addressed as "您"
    own = await party_pages.case_page(ctx, applicant, serial, "applicant")
    assert private in repr(own) and own["limitation"]["text"].count("您") >= 1
    staff = await queue.staff_case(ctx, MEDIATOR, serial)
    assert "您" not in staff["limitation"]["text"] and "申请人于2026-12-01申请调解" in staff["limitation"]["text"]
    assert staff["limitation"]["last_day"] == "2027-12-01"


@pytest.mark.gen_test(timeout=60)
async def test_a_delegated_cases_pages_show_the_courts_period_and_the_15_days_only_where_they_apply(
    ctx, clock, sms, blobs
):
    from services.cases import queue
    from services.court import pages

    clock.now = START
    serial, applicant, _ = await _delegated(ctx, blobs, sms)
    page = await pages.case_page(ctx, applicant, serial, "applicant")
    assert page["deadline"] is None and page["court"]["mediation_due"] == "2026-12-31"  # 30 days from acceptance
    assert page["court"]["day15"] is False
    staff = await queue.staff_case(ctx, court.MEDIATOR, serial)
    assert staff["deadline"]["court"] and staff["deadline"]["due"] == "2026-12-31" and not staff["deadline"]["day15"]
    # Not arbitrated: 调解仲裁法 art. 14 ¶3's 15 days beside the court's 30.
    serial, applicant, _ = await _delegated(ctx, blobs, sms, arbitrated=False)
    page = await pages.case_page(ctx, applicant, serial, "applicant")
    assert page["deadline"]["due"] == "2026-12-16" and page["court"]["day15"] is True
