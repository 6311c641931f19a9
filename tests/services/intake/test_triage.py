"""The triage: the shipped tree is valid, a tree edited into a loop, a dead end or half a language is refused,
answers lead where the law says (one year, art. 27; the final-award threshold, art. 47)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal

import pytest
import yaml

from services.core.context import SHANGHAI
from services.core.errors import ValidationFailed
from services.directory import centres, local_figures
from services.intake import triage

DEFAULT = yaml.safe_load(triage.DEFAULT_FILE.read_text(encoding="utf-8"))


def refused(tree) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        triage.check_tree(tree)
    return [e.message_in("en") for e in caught.value.errors]


def test_the_shipped_tree_is_valid_and_every_end_has_an_action():
    tree = triage.default_tree()
    ends = [n for n in tree.nodes.values() if n["kind"] == "end"]
    assert tree.start == "relationship" and tree.escape == "end_none" and len(ends) >= 8
    assert all(e["actions"] for e in ends)
    assert {"inspection", "letter", "legal_aid", "apply"} <= {a for e in ends for a in e["actions"]}


def test_a_loop_is_refused_naming_it():
    tree = copy.deepcopy(DEFAULT)
    tree["nodes"]["group"]["options"][1]["next"] = "relationship"
    messages = refused(tree)
    assert any("loop" in m and "relationship" in m and "group" in m for m in messages)


def test_a_dead_end_and_a_missing_english_text_are_refused():
    tree = copy.deepcopy(DEFAULT)
    tree["nodes"]["claim"]["options"][0]["next"] = "nowhere"
    del tree["nodes"]["end_apply"]["text"]["en"]
    tree["nodes"]["amount"]["next"] = {"within": "end_final_award"}  # a branch with no way on
    messages = refused(tree)
    assert any("nowhere" in m and "dead end" in m for m in messages)
    assert any("end_apply" in m and "en" in m for m in messages)
    assert any("amount" in m and "within" in m for m in messages)


def test_an_unreachable_node_and_a_bad_article_are_refused():
    tree = copy.deepcopy(DEFAULT)
    tree["nodes"]["orphan"] = copy.deepcopy(tree["nodes"]["end_apply"])
    assert any("orphan" in m for m in refused(tree))
    tree = copy.deepcopy(DEFAULT)
    tree["nodes"]["end_apply"]["articles"] = ["labour_law:abc"]
    assert any("labour_law:abc" in m for m in refused(tree))


def test_the_limitation_branches_at_one_year():
    tree = triage.default_tree()
    today = date(2026, 11, 30)  # a Monday
    within = triage.answer(tree, "known_date", {"relationship": "yes"}, "2025-11-30", today)
    assert within.next == "place" and within.answers == {"relationship": "yes", "known_date": "2025-11-30"}
    # A last day that is not a working day moves to the next one: a year from 28 November 2025 ends on Saturday
    # 28 November 2026, moved to Monday the 30th (services/cases/limitation.py); a year from the 27th ends on Friday.
    weekend = triage.answer(tree, "known_date", {"relationship": "yes"}, "2025-11-28", today)
    beyond = triage.answer(tree, "known_date", {"relationship": "yes"}, "2025-11-27", today)
    assert weekend.next == "place" and beyond.next == "end_time_barred"
    with pytest.raises(ValidationFailed):
        triage.answer(tree, "known_date", {}, "2027-01-01", today)
    with pytest.raises(ValidationFailed):
        triage.answer(tree, "relationship", {}, "perhaps", today)


@pytest.mark.gen_test
async def test_the_final_award_threshold_is_twelve_minimum_wages_of_the_place(ctx):
    answers = {"relationship": "yes", "place": "310115"}
    unknown = await triage.step(ctx, "", "amount", answers, "20000")
    assert unknown.next == "end_apply"  # no minimum wage configured: the general end
    page = await triage.page(ctx, "", "end_apply", unknown.answers)
    assert any("没有收录" in m.text() for m in page.missing)  # said apart from the notes
    today = ctx.clock().astimezone(SHANGHAI).date()
    figure = {"region_code": "310000", "kind": "minimum_monthly_wage", "amount": "2690", "source": "test"}
    old = (today - timedelta(days=3 * 365)).isoformat()  # older than two years (最低工资规定 art. 10): not in force
    await local_figures.save_figure(ctx, figure | {"applies_from": old}, "test")
    stale = await triage.step(ctx, "", "amount", answers, "20000")
    assert stale.next == "end_apply"
    page = await triage.page(ctx, "", "end_apply", stale.answers)
    assert any("2,690.00元" in m.text() and "可能已经调整" in m.text() for m in page.missing)
    recent = (today - timedelta(days=365)).isoformat()
    await local_figures.save_figure(ctx, figure | {"applies_from": recent}, "test")
    within = await triage.step(ctx, "", "amount", answers, "32280")  # 12 x 2,690
    above = await triage.step(ctx, "", "amount", answers, "32280.01")
    assert within.next == "end_final_award" and above.next == "end_apply"
    page = await triage.page(ctx, "", "end_final_award", within.answers)
    notes = [n.text("en") for n in page.notes]
    assert any("CNY 32,280.00" in n for n in notes) and page.centre and page.centre.id == "sh-pudong"
    assert not page.missing
    assert page.seed["claim"]["amount"] == "32280.00" and page.seed["place_code"] == "310115"
    assert Decimal(page.seed["claim"]["amount"]) == 12 * Decimal("2690")


@pytest.mark.gen_test
async def test_the_letter_is_a_docx_with_the_answers(ctx):
    import io

    import docx

    seed = {"claim": {"requests": "请求支付加班费2750.00元"}}
    data = await triage.negotiation_letter(ctx, seed, worker="王小明", employer="")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "协商函" in text and "王小明" in text and "请求支付加班费2750.00元" in text
    assert "＿＿＿＿＿＿：" in text  # the employer left blank to write by hand


@pytest.mark.gen_test
async def test_the_letter_states_the_facts_and_never_asks_the_questions(ctx):
    """Served on the employer and exhibited later: statements from the answers, 原系 for a worker who left, no
    placeholder anywhere, dates in Chinese numerals, and the copy the worker keeps (调解仲裁法 art. 27 (2))."""
    import io

    import docx

    from tests.support.readback import every_part_xml

    tree = triage.default_tree()
    answers = {
        "relationship": "yes",
        "employment_status": "left",
        "known_date": "2026-11-01",
        "place": "310115",
        "group": "fewer",
        "claim": "unlawful_termination",
    }
    seed = triage.seed_of(tree, answers)
    data = await triage.negotiation_letter(ctx, seed, worker="王小明", employer="上海某某物流有限公司")
    texts = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert "本人王小明原系贵单位职工。" in texts[2]
    assert texts[3] == (
        "有关情况如下：本人的工作地点在上海市浦东新区。"
        "本人于二〇二六年十一月一日被贵单位解除劳动合同，本人认为贵单位解除劳动合同违法。"
    )
    assert "本函一式两份，一份送达贵单位，一份由本人留存。" in texts
    xml = every_part_xml(data)
    assert "{{" not in xml and "document_id" not in xml  # the footer carries no template placeholder
    for question in (node.get("question", {}).get("zh") for node in tree.nodes.values()):
        assert not question or question not in xml
    assert "2026-11-01" not in xml and "2026年" not in xml  # 二〇二六年…, as official texts write dates
    # The application prefilled from the triage gets the same statements (the employer named as such).
    assert seed["claim"]["facts"] == (
        "本人的工作地点在上海市浦东新区。本人于二〇二六年十一月一日被用人单位解除劳动合同，本人认为用人单位解除劳动合同违法。"
    )
    still_employed = {"relationship": "yes", "employment_status": "employed", "employed_issue": "wages"}
    data = await triage.negotiation_letter(ctx, triage.seed_of(tree, still_employed), worker="王小明")
    texts = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert "本人王小明系贵单位职工。" in texts[2] and texts[3] == "有关情况如下：本人在职期间，贵单位拖欠本人工资。"


def test_a_statement_naming_an_unknown_answer_is_refused_when_the_tree_is_saved():
    data = yaml.safe_load(triage.DEFAULT_FILE.read_text(encoding="utf-8"))
    data["nodes"]["place"]["statement"] = {"zh": "本人在{employer_name}工作"}
    data["nodes"]["employment_status"]["options"][1]["former"] = "yes"
    with pytest.raises(ValidationFailed) as refused:
        triage.check_tree(data)
    rule = "的事实陈述（statement）应为中文文字，只能使用 known_date、place、amount、unit 四项答案；"
    rule += "former 应为 true 或 false"
    assert [e.message for e in refused.value.errors] == [f"节点“employment_status”{rule}", f"节点“place”{rule}"]


@pytest.mark.gen_test
async def test_a_place_no_centre_serves_is_sent_to_the_default_centre(ctx):
    directory = await centres.directory(ctx)
    assert directory.route("110101", "work_location") is None  # Beijing: no centre of the test settings serves it
    page = await triage.page(ctx, "", "end_apply", {"relationship": "yes", "place": "110101"})
    assert page.centre is not None and page.centre.id == directory.default.id
    assert any(directory.default.name in n.text("zh") for n in page.notes)
