"""Every end speaks: not accepted, failed (a closure reason of 法释〔2021〕23号 art. 25), refused; the written notice
and the arbitration application; day 15; the limitation explained; the acknowledgement; templates per kind."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime

import docx
import pytest

from services.cases import documents, handling, queue, respondent
from services.cases.limitation import limitation
from services.cases.outbox import check_templates
from services.core.errors import Conflict, NotFound, ValidationFailed
from services.core.work_calendar import WorkCalendar
from settings import KindTemplates, SettingsError
from tests.support.cases import MEDIATOR, accepted_case, new_case
from tests.support.parties import claim_invitation


def _texts(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    return [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]


@pytest.mark.gen_test(timeout=60)
async def test_the_respondent_declines_and_each_party_receives_the_notice_the_worker_the_arbitration_application(
    ctx, clock, sms, blobs, papers
):
    serial, applicant = await accepted_case(ctx)
    person = await claim_invitation(ctx, sms, serial)
    # "不同意调解" ends the mediation at once (调解仲裁法 arts. 5, 14 ¶3): no mediator's move is awaited.
    await respondent.answer(ctx, person, serial, {"decision": "decline", "reason": "不同意调解"}, "h5", papers)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["status"] == "failed" and doc["outcome"]["closure_reason"] == "refused_to_continue"
    assert doc["outcome"]["end"] == "refused" and doc["timeline"][-1]["action"] == "document"
    assert not doc["end_papers_due"]
    with pytest.raises(Conflict):  # nothing left for the mediator to end
        await handling.decide(ctx, MEDIATOR, serial, "fail", {"closure_reason": "too_far_apart"}, papers=papers)
    listed = {d["kind"]: d for d in await documents.documents_for_party(ctx, applicant, serial)}
    assert set(listed) == {"termination_notice", "arbitration"}
    notice = _texts(
        (await documents.document_for_party(ctx, blobs, applicant, serial, listed["termination_notice"]["id"])).data
    )
    assert notice[0] == "调解终止通知书" and "张三：" in notice
    assert any("因上海某某物流有限公司明确表示不同意调解，本调解组织于" in t for t in notice)
    right = next(t for t in notice if t.startswith("依照《中华人民共和国劳动争议调解仲裁法》"))
    assert "上海市黄浦区劳动人事争议仲裁委员会申请仲裁" in right and "请最迟于二〇二七年" in right
    # The respondent's own notice: addressed to them, their right without the applicant's dates.
    theirs = await documents.documents_for_party(ctx, person, serial)
    assert [d["kind"] for d in theirs] == ["termination_notice"]
    assert theirs[0]["id"] != listed["termination_notice"]["id"]
    their_notice = _texts((await documents.document_for_party(ctx, blobs, person, serial, theirs[0]["id"])).data)
    assert "上海某某物流有限公司：" in their_notice and any("与你（单位）之间的劳动人事争议" in t for t in their_notice)
    with pytest.raises(NotFound):  # the applicant's notice is not the respondent's to read
        await documents.document_for_party(ctx, blobs, person, serial, listed["termination_notice"]["id"])
    # The arbitration application carries every element of 劳动争议调解仲裁法 art. 28 (and 办案规则 art. 29).
    arbitration = docx.Document(
        io.BytesIO(
            (await documents.document_for_party(ctx, blobs, applicant, serial, listed["arbitration"]["id"])).data
        )
    )
    worker = {r.cells[0].text: r.cells[1].text for r in arbitration.tables[0].rows}
    employer = {r.cells[0].text: r.cells[1].text for r in arbitration.tables[1].rows}
    assert worker["姓名"] == "张三" and worker["性别"] == "男"
    assert worker["出生日期（年龄）"].startswith("一九九〇年三月七日（")
    assert worker["职业"] == "仓库管理员" and worker["工作单位"] == "上海某某物流有限公司"
    assert worker["住所"] == "上海市浦东新区张江路100号" and worker["通讯地址"] == "上海市浦东新区张江路100号2室"
    assert worker["联系电话"] == "13812345678" and worker["民族"] == "汉族"
    assert employer["住所"] == "上海市黄浦区南京东路街道南京东路100号"
    assert employer["法定代表人（主要负责人）"] == "周五" and employer["职务"] == "执行董事"
    texts = [p.text for p in arbitration.paragraphs]
    assert "仲裁请求" in texts and "事实和理由" in texts and "证据和证据来源" in texts and "证人" in texts
    assert texts[texts.index("此致") + 1] == "上海市黄浦区劳动人事争议仲裁委员会"  # the commission of the case's region
    fail = {n["to"]["type"]: n for n in doc["notifications"] if n["kind"] == "fail"}
    assert set(fail) == {"applicant", "respondent"}
    assert fail["applicant"]["lines"]["next_step"].startswith("请最迟于2027-")  # the safe last day (limitation.py)
    assert fail["respondent"]["lines"]["next_step"] == "可依法申请劳动人事争议仲裁"  # no date of theirs is known


@pytest.mark.gen_test(timeout=60)
async def test_a_declined_application_also_speaks(ctx, clock, papers, blobs):
    serial, applicant = await new_case(ctx)
    await handling.decide(ctx, MEDIATOR, serial, "decline", {"reason": "不属于劳动争议"}, papers=papers)
    listed = {d["kind"]: d for d in await documents.documents_for_party(ctx, applicant, serial)}
    notice = _texts(
        (await documents.document_for_party(ctx, blobs, applicant, serial, listed["termination_notice"]["id"])).data
    )
    assert any("决定不予受理。理由：不属于劳动争议。" in t for t in notice)


@pytest.mark.gen_test
async def test_day_15_is_flagged_and_both_parties_consent_to_go_on(ctx, clock):
    clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    serial, _ = await accepted_case(ctx)
    clock.now = datetime(2026, 12, 16, 2, 0, tzinfo=UTC)  # day 15
    page = await queue.queue(ctx, MEDIATOR, queue.QueueFilter())
    [row] = [r for r in page["items"] if r["serial"] == serial]
    assert row["deadline"]["due"] == "2026-12-16" and row["deadline"]["day15"] and not row["deadline"]["overdue"]
    with pytest.raises(ValidationFailed):
        await handling.extend(ctx, MEDIATOR, serial, {"until": "2026-12-10", "consent": "电话确认"})
    with pytest.raises(ValidationFailed):
        await handling.extend(ctx, MEDIATOR, serial, {"until": "2026-12-31", "consent": ""})
    doc = await handling.extend(ctx, MEDIATOR, serial, {"until": "2026-12-31", "consent": "双方电话同意，录音存档"})
    assert doc["mediation_extended_to"] == "2026-12-31" and doc["timeline"][-1]["action"] == "extend"
    assert doc["extensions"][0]["previous"] == "2026-12-16"
    assert {n["to"]["type"] for n in doc["notifications"] if n["kind"] == "extended"} == {"applicant", "respondent"}
    page = await queue.queue(ctx, MEDIATOR, queue.QueueFilter())
    [row] = [r for r in page["items"] if r["serial"] == serial]
    assert row["deadline"]["due"] == "2026-12-31" and not row["deadline"]["day15"] and row["deadline"]["extended"]


def test_the_limitation_is_explained_from_the_dates_given():
    received = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    told = limitation({"dispute_known_on": "2026-10-31", "employment_ended": "2026-10-31"}, received, WorkCalendar())
    assert told.starts.isoformat() == "2026-10-31" and told.ends_without_mediation.isoformat() == "2027-11-01"
    assert told.provisional  # 2027's holidays were not announced when the package was made
    text = told.as_dict()["text"]
    assert "一年" in text and "2026-11-20申请调解，时效因此中断" in text and told.ends is None
    ended = limitation(
        {"employment_started": "2024-03-01"}, received, WorkCalendar(), datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    )
    assert ended.starts is None and ended.ends.isoformat() == "2027-12-06"  # 5 Dec 2027 is a Sunday
    assert "不受一年时效限制" in ended.as_dict()["text"]  # still employed: wages are not limited meanwhile


@pytest.mark.gen_test
async def test_the_acknowledgement_on_submission_carries_the_serial(ctx, clock):
    serial, person = await new_case(ctx)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    [ack] = doc["notifications"]
    assert ack["kind"] == "submitted" and ack["to"] == {"type": "applicant", "person_id": person}
    assert ack["lines"] == {"serial": serial, "status": "已提交，等待受理", "next_step": "申请调解中断仲裁时效"}
    assert doc["outbox_due_at"] == clock.now


def test_a_kind_without_its_templates_is_refused_at_start(service_settings):
    check_templates(service_settings)  # the shipped config.yaml has them all
    notes = service_settings.notifications
    missing = dict(notes.kinds)
    del missing["breach"]
    without_sms = dict(notes.kinds) | {"invite": dataclasses.replace(notes.kinds["invite"], sms=None)}
    wrong_line = dict(notes.kinds)
    oa = notes.kinds["accept"].official_account
    wrong_line["accept"] = KindTemplates(dataclasses.replace(oa, keys=(("keyword1", "serial"), ("keyword2", "amount"))))
    for kinds, problem in (
        (missing, "breach: no official_account template"),
        (without_sms, "invite: no sms template"),
        (wrong_line, "'amount' is not a line of accept"),
    ):
        settings = dataclasses.replace(service_settings, notifications=dataclasses.replace(notes, kinds=kinds))
        with pytest.raises(SettingsError, match=problem):
            check_templates(settings)
