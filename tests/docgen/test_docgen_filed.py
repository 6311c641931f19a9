"""Every document issue 21 touched, as a clerk files it: for a worker against a company, an employer (the company
signing through an agent), a foreigner and a court's delegation, each rendered and read back: no empty statutory
cell, no placeholder left, no ISO date, totals that are the sum of what the document lists, and the company signing
through a named person."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.support.docgen_cases import FILED_CASES
from tests.support.readback import all_texts, every_part_xml, paragraphs

KINDS = ("application", "agreement", "arbitration", "judicial_confirmation", "payment_order", "arbitral_review")
ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
FIGURE = r"人民币([\d,]+\.\d{2})元"
# The first label of a particulars table (a party, rendered row by row): every value in it must say something.
PARTICULARS = {"姓名", "名称", "单位名称"}


def _amount(figures: str) -> Decimal:
    return Decimal(figures.replace(",", ""))


def _documents(render, name: str):
    for kind in KINDS:
        case = FILED_CASES[name]()
        if kind == "payment_order" and case["kind"] != "worker":
            continue  # 调解仲裁法 art. 16: the worker's remedy
        yield kind, case, *render(kind, case)


@pytest.mark.parametrize("name", sorted(FILED_CASES))
def test_every_document_is_fileable(render, name):
    for kind, case, result, doc in _documents(render, name):
        where = f"{name} {kind}"
        xml = every_part_xml(result.data)
        assert "{{" not in xml and "{%" not in xml and "}}" not in xml, where
        texts = all_texts(doc)
        assert not [t for t in texts if ISO_DATE.search(t)], where
        assert not [t for t in texts if "您" in t], where
        for table in doc.tables:
            labels = [row.cells[0].text for row in table.rows]
            if labels and labels[0] in PARTICULARS and len(table.columns) == 2:
                empty = [row.cells[0].text for row in table.rows if not row.cells[1].text.strip()]
                assert not empty, (where, empty)  # 不详 where the case truly does not know
                if case["kind"] == "employer" or case["applicant"].get("nationality") == "GBR":
                    assert "民族" not in labels, where  # never asked of an employer; a foreigner has 国籍
            if labels and labels[0] == "序号" and table.rows[0].cells[1].text == "证据名称":
                assert all(cell.text.strip() for row in table.rows for cell in row.cells), where
        for line in paragraphs(doc):
            if line.startswith("请求金额合计："):  # the sum of the items listed just above
                listed = [_amount(m) for t in paragraphs(doc) for m in re.findall(r"（金额：" + FIGURE, t)]
                assert _amount(re.search(FIGURE, line).group(1)) == sum(listed), where
            if line.startswith("以上款项合计"):
                terms = [_amount(m) for t in paragraphs(doc) for m in re.findall(r"，金额" + FIGURE, t)]
                assert _amount(re.search(FIGURE, line).group(1)) == sum(terms), where
            if "共计人民币" in line:  # the payment order: the terms not performed
                owed = [_amount(m) for t in paragraphs(doc) for m in re.findall(r"^.*?，" + FIGURE, t) if t != line]
                assert _amount(re.search(r"共计" + FIGURE, line).group(1)) == sum(owed), where


@pytest.mark.parametrize("name", sorted(FILED_CASES))
def test_the_organisation_signs_through_a_named_person(render, name):
    case = FILED_CASES[name]()
    _, doc = render("agreement", case)
    organisation = "applicant" if case["kind"] == "employer" else "respondent"
    column = 0 if organisation == "applicant" else 1
    company = case[organisation]["name"]
    table = doc.tables[0]
    signed = next(s for s in case["outcome"]["agreement"]["signatures"] if s["role"] == organisation)
    capacity = {"legal_representative": "法定代表人", "agent": "委托代理人"}[signed["capacity"]]
    assert table.rows[0].cells[column].text.endswith(f"（盖章）：{company}")
    assert table.rows[1].cells[column].text == f"{capacity}（签名）：{signed['signatory']}"
    verification = doc.tables[-1].rows[0].cells[1].text
    assert f"由{capacity}{signed['signatory']}于" in verification
    assert "身份核验：短信验证码（137****1111）" in verification
    if signed["capacity"] == "agent":
        assert "授权委托书经调解员李明于二〇二六年十一月二十日核验" in verification


def test_the_totals_add_up_to_the_items_not_the_first_claim(render):
    _, doc = render("application", FILED_CASES["worker"]())
    assert "请求金额合计：人民币20,000.50元（贰万元伍角）" in paragraphs(doc)  # not the 12,000 first claimed
    _, doc = render("agreement", FILED_CASES["worker"]())
    assert "以上款项合计人民币20,000.50元（贰万元伍角）。" in paragraphs(doc)


def test_phones_print_as_people_write_them(render):
    _, doc = render("arbitration", FILED_CASES["worker"]())
    texts = all_texts(doc)
    assert "13817770001" in texts and "021-68881234" in texts
    assert not [t for t in texts if "+86" in t]
    _, doc = render("arbitration", FILED_CASES["foreigner"]())
    assert "+44 7911 123456" in all_texts(doc)


def test_particulars_the_case_lacks_read_unknown_and_the_delegation_gives_the_title(render):
    _, doc = render("arbitration", FILED_CASES["delegated"]())
    worker, employer = (dict((r.cells[0].text, r.cells[1].text) for r in t.rows) for t in doc.tables[:2])
    assert worker["职业"] == "不详" and worker["工作单位"] == "上海某某物流有限公司"
    assert "民族" not in worker  # the worker gave none
    assert employer["职务"] == "执行董事" and employer["住所"] == "上海市浦东新区川沙路100号"
    _, doc = render("application", FILED_CASES["worker"]())
    evidence = [[c.text for c in row.cells] for row in doc.tables[2].rows]
    assert evidence[1] == ["1", "劳动合同.jpg", "用人单位与申请人签订", "证明劳动关系"]
    assert evidence[2] == ["2", "银行流水.pdf", "不详", "不详"]


def test_applications_to_confirm_list_what_the_rules_require_and_go_to_the_right_court(render):
    _, doc = render("judicial_confirmation", FILED_CASES["employer"]())
    texts = paragraphs(doc)
    attached = texts[texts.index("附：") + 1 :]
    assert (
        "3. 上海某某科技有限公司的营业执照（或其他主体资格证明）复印件、法定代表人（主要负责人）身份证明书各一份"
        in attached
    )
    assert "4. 上海某某科技有限公司出具的授权委托书一份（委托代理人：周代理；已经调解员核验，本案存档）" in attached
    assert "5. 王小明的身份证明（居民身份证复印件）一份" in attached
    _, doc = render("judicial_confirmation", FILED_CASES["delegated"]())
    texts = paragraphs(doc)
    assert any("申请人向上海市浦东新区人民法院（邀请调解的人民法院）提出本申请" in t for t in texts)
    _, doc = render("arbitral_review", FILED_CASES["employer"]())
    assert "2. 浦东新区劳动人事争议调解中心主持调解的证明一份" in paragraphs(doc)
