"""The documents of an end: the signed agreement with its signatures and seal, the termination notice, the
payment order and the arbitral review application, a foreigner's nationality; read back with python-docx."""

from __future__ import annotations

import io

import docx
import pytest
from PIL import Image

from docgen.errors import DocumentRefused
from tests.support.docgen_cases import (
    DOCUMENT_ID,
    EMPLOYER_NAME,
    ISSUED_AT,
    VERIFY_URL,
    WORKER_NAME,
    case_for,
    employer_case,
    worker_case,
)
from tests.support.readback import after, all_texts, list_items, pairs, paragraphs, rows, section

REQUEST_LIST, TERM_LIST = 1, 2


def png(colour: tuple[int, int, int], size: tuple[int, int] = (300, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_the_signed_agreement_carries_each_signature_and_the_seal_in_its_place(renderer):
    images = {
        "sig_applicant": png((0, 0, 1)),
        "sig_respondent": png((0, 0, 2)),
        "sig_mediator": png((0, 0, 3)),
        "seal": png((200, 0, 0), (200, 200)),
        "seal_respondent": png((180, 0, 0), (200, 200)),
    }
    result = renderer.render(
        "agreement", worker_case(), document_id=DOCUMENT_ID, verify_url=VERIFY_URL, issued_at=ISSUED_AT, images=images
    )
    doc = docx.Document(io.BytesIO(result.data))
    table = doc.tables[0]

    def image_in(cell) -> bytes:
        [blip] = cell._tc.xpath(".//a:blip")
        rid = blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
        return doc.part.related_parts[rid].blob

    assert image_in(table.rows[0].cells[0]) == images["sig_applicant"]  # the worker signs
    assert image_in(table.rows[0].cells[1]) == images["seal_respondent"]  # the company's seal, beside its name
    assert image_in(table.rows[1].cells[1]) == images["sig_respondent"]  # and the person who signed for it
    assert image_in(table.rows[3].cells[0]) == images["sig_mediator"]
    assert image_in(table.rows[3].cells[1]) == images["seal"]
    assert len(doc.inline_shapes) == 6  # five and the QR code
    with pytest.raises(ValueError):
        renderer.render(
            "agreement",
            worker_case(),
            document_id=DOCUMENT_ID,
            verify_url=VERIFY_URL,
            issued_at=ISSUED_AT,
            images={"signature": b"x"},
        )


def _ended(end: str, addressee: str = "applicant", **notice) -> dict:
    case = worker_case()
    case["status"] = {"declined": "rejected", "withdrawn": "withdrawn"}.get(end, "failed")
    kind = {"declined": "rejected", "withdrawn": "withdrawn"}.get(end, "failed")
    reason = {"refused": "refused_to_continue", "silent": "unreachable", "failed": "too_far_apart"}.get(end)
    case["outcome"] = {"kind": kind, "at": "2026-11-21T02:00:00+00:00", "end": end, "reason": "被申请人拒绝调解"}
    if reason:
        case["outcome"]["closure_reason"] = reason
    case["notice"] = {
        "addressee": addressee,
        "end": end,
        "arbitrate": True,
        "last_day": "2027-11-02" if addressee == "applicant" else "",
        "restart_day": "2027-11-22" if addressee == "applicant" else "",
        "received": "2026-11-02",
        "answer_due": "2026-11-09",
    } | notice
    return case


def test_termination_notice_after_a_refusal_tells_the_right_to_arbitrate_by_its_safe_last_day(render):
    _, doc = render("termination_notice", _ended("refused"))
    texts = paragraphs(doc)
    assert texts[0] == "调解终止通知书" and f"{WORKER_NAME}：" in texts
    assert (
        f"你（单位）于二〇二六年十一月二日向本调解组织申请调解的与{EMPLOYER_NAME}之间的劳动人事争议，"
        f"因{EMPLOYER_NAME}明确表示不同意调解，本调解组织于二〇二六年十一月二十一日终止调解。"
    ) in texts
    right = next(t for t in texts if t.startswith("依照《中华人民共和国劳动争议调解仲裁法》第五条、第二十七条"))
    assert "上海市浦东新区劳动人事争议仲裁委员会申请仲裁" in right
    assert "请最迟于二〇二七年十一月二日提出仲裁申请" in right
    why = next(t for t in texts if t.startswith("该日期自你（单位）申请调解之日"))
    assert "二〇二七年十一月二十二日" in why and "较早的日期" in why
    # One sentence on the right, not the art. 27 sentence twice; no explainer written for a page ("您").
    assert sum("第二十七条" in t for t in texts) == 1 and not any("您" in t for t in all_texts(doc))


def test_the_respondent_receives_a_notice_of_their_own(render):
    _, doc = render("termination_notice", _ended("silent", "respondent", wages_exception=False))
    texts = paragraphs(doc)
    assert f"{EMPLOYER_NAME}：" in texts and f"{WORKER_NAME}：" not in texts
    assert (
        f"{WORKER_NAME}于二〇二六年十一月二日向本调解组织申请调解的与你（单位）之间的劳动人事争议，"
        "因你（单位）未在答复期限（至二〇二六年十一月九日）内答复是否同意调解，本调解组织于二〇二六年十一月二十一日"
        "终止调解。"
    ) in texts
    right = next(t for t in texts if "申请仲裁" in t)
    assert right.startswith("你（单位）对本争议有仲裁请求的") and "自知道或者应当知道其权利被侵害之日起计算" in right
    assert not any("二〇二七年" in t for t in texts)  # the applicant's last day is the applicant's


def test_a_withdrawal_says_arbitration_is_not_barred(render):
    _, doc = render("termination_notice", _ended("withdrawn"))
    texts = paragraphs(doc)
    assert any("你（单位）于二〇二六年十一月二十一日撤回调解申请，本调解组织于同日终止调解。" in t for t in texts)
    right = next(t for t in texts if t.startswith("撤回调解申请不影响你（单位）依法申请仲裁。"))
    assert "请最迟于二〇二七年十一月二日提出仲裁申请" in right


def test_a_worker_still_employed_is_told_of_the_wage_exception_and_an_employer_never(render):
    _, doc = render("termination_notice", _ended("failed", wages_exception=True))
    assert any("第二十七条第四款" in t for t in paragraphs(doc))
    _, doc = render("termination_notice", _ended("failed", "respondent", wages_exception=False))
    assert not any("第二十七条第四款" in t for t in paragraphs(doc))


def test_a_failed_court_delegation_goes_back_to_the_court(render):
    case = _ended("refused", arbitrate=False, last_day="", restart_day="", returns="file")
    case["delegation"] = {
        "partner": "上海市浦东新区人民法院",
        "partner_kind": "court",
        "case_no": "（2026）沪0115民诉前调1234号",
        "type": "pre_filing",
        "delegated_at": "2026-11-02T01:30:00+00:00",
    }
    _, doc = render("termination_notice", case)
    texts = paragraphs(doc)
    assert any(
        t.startswith(
            "上海市浦东新区人民法院于二〇二六年十一月二日委派本调解组织调解的你（单位）与"
            f"{EMPLOYER_NAME}之间的劳动人事争议（案号：（2026）沪0115民诉前调1234号）"
        )
        for t in texts
    )
    assert (
        "依照《人民法院在线调解规则》第十五条第二款、第二十一条，本案及相关材料退回上海市浦东新区人民法院，"
        "由该院依法登记立案。"
    ) in texts
    assert not any("仲裁" in t for t in texts) and not any("向本调解组织申请调解" in t for t in texts)
    # Where the delegation says the dispute was not arbitrated, arbitration is named too.
    case["notice"] |= {"arbitrate": True, "last_day": "2027-11-02"}
    _, doc = render("termination_notice", case)
    texts = paragraphs(doc)
    assert "依照《人民法院在线调解规则》第十五条第二款、第二十一条，本案及相关材料退回上海市浦东新区人民法院。" in texts
    assert any("请最迟于二〇二七年十一月二日提出仲裁申请" in t for t in texts)


def test_termination_notice_of_a_declined_application(render):
    _, doc = render("termination_notice", _ended("declined") | {"outcome": _declined()})
    assert any("决定不予受理。理由：不属于劳动争议。" in t for t in paragraphs(doc))


def _declined() -> dict:
    return {"kind": "rejected", "at": "2026-11-03T02:00:00+00:00", "reason": "不属于劳动争议"}


def test_termination_notice_is_refused_for_a_case_that_did_not_end_that_way(render):
    with pytest.raises(DocumentRefused, match="not_ended"):
        render("termination_notice", worker_case())


def test_payment_order_for_agreed_pay_not_paid(render):
    case = worker_case()
    case["breach"] = {
        "date": "2026-12-02",
        "terms": [{"text": "被申请人支付申请人2026年8月至10月工资", "amount": "12000.00", "due_date": "2026-12-01"}],
    }
    _, doc = render("payment_order", case)
    texts = paragraphs(doc)
    assert texts[0] == "支付令申请书"
    assert pairs(doc.tables[0])["姓名"] == WORKER_NAME and pairs(doc.tables[1])["名称"] == EMPLOYER_NAME
    assert section(doc, "请求事项")[0] == (
        "请求人民法院向被申请人发出支付令，督促被申请人向申请人给付下列款项，共计人民币12,000.00元（壹万贰仟元整）："
    )
    assert list_items(doc, REQUEST_LIST) == [
        "被申请人支付申请人2026年8月至10月工资，人民币12,000.00元（壹万贰仟元整），约定于二〇二六年十二月一日前履行。"
    ]
    assert "第十六条" in section(doc, "事实和理由")[0]
    assert after(doc, "此致") == "上海市浦东新区人民法院"
    with pytest.raises(DocumentRefused, match="no_breach"):
        render("payment_order", worker_case())
    employer = employer_case()
    employer["breach"] = case["breach"]
    with pytest.raises(DocumentRefused, match="not_a_worker"):
        render("payment_order", employer)


def test_arbitral_review_application(render):
    _, doc = render("arbitral_review", worker_case())
    texts = paragraphs(doc)
    assert texts[0] == "仲裁审查申请书"
    assert list_items(doc, TERM_LIST)[0].startswith("被申请人支付申请人2026年8月至10月工资")
    assert any("第七十四条" in t and "十五日内" in t for t in texts)
    assert after(doc, "此致") == "上海市浦东新区劳动人事争议仲裁委员会"
    assert rows(doc.tables[0])[:2] == [
        ["申请人（签名）：", "申请人（盖章）："],
        ["", "法定代表人或委托代理人（签名）："],
    ]
    assert "附：" in texts and "1. 调解协议书一份" in texts


def test_arbitration_after_a_breach_asks_for_the_unperformed_terms(render):
    case = case_for("payment_order", worker_case())
    _, doc = render("arbitration", case)
    assert section(doc, "仲裁请求")[0].startswith("请求裁决被申请人履行双方于二〇二六年十一月二十二日经")
    assert "被申请人支付工资。" in list_items(doc, REQUEST_LIST)


def test_a_foreign_worker_has_a_nationality_row_instead_of_an_empty_ethnicity(render):
    case = worker_case()
    case["applicant"].update(nationality="GBR", ethnicity="", id_type="passport", id_number="E12345678")
    _, doc = render("arbitration", case)
    worker = pairs(doc.tables[0])
    assert worker["国籍"] == "英国" and "民族" not in worker
    _, doc = render("agreement", case)
    assert "国籍：英国" in paragraphs(doc)[2]
