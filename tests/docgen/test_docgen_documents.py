"""The four documents, rendered and read back with python-docx: every field where it should be."""

from __future__ import annotations

import cn2an
import pytest
from docx.shared import Pt

from docgen.context import KINDS
from docgen.errors import DocumentRefused
from docgen.qr import qr_png
from docgen.render import sm3_hex
from tests.support.docgen_cases import (
    CENTRE_NAME,
    DOCUMENT_ID,
    EMPLOYER_NAME,
    ISSUED_AT,
    MEDIATOR_NAME,
    VERIFY_URL,
    WORKER_NAME,
    bare_case,
    case_for,
    employer_case,
    worker_case,
)
from tests.support.readback import (
    after,
    all_texts,
    every_part_xml,
    list_items,
    num_id,
    pairs,
    paragraphs,
    part_xml,
    rows,
    section,
)

REQUEST_LIST, TERM_LIST = 1, 2
ISSUED = "二〇二六年十一月二十三日"  # ISSUED_AT is 17:30 UTC on the 22nd: the 23rd in Shanghai
CREATED = "二〇二六年十一月二日"
SETTLED = "二〇二六年十一月二十二日"


def verification_lines(doc) -> list[str]:
    return doc.tables[-1].rows[0].cells[1].text.split("\n")


# ---------------------------------------------------------------- 调解申请书


def test_application_by_a_worker(render):
    _, doc = render("application", worker_case())
    texts = paragraphs(doc)
    assert texts[0] == "劳动人事争议调解申请书" and doc.paragraphs[0].style.name == "DocTitle"
    assert "案件编号：20261122000171" in texts
    assert texts.index("申请人（劳动者）") < texts.index("被申请人（用人单位）")
    assert pairs(doc.tables[0]) == {
        "姓名": WORKER_NAME,
        "性别": "男",
        "出生日期": "一九九〇年三月七日",
        "民族": "汉族",
        "证件类型": "居民身份证",
        "证件号码": "310115199003070011",
        "文化程度": "高中",
        "职业（工作岗位）": "仓库管理员",
        "工作单位": EMPLOYER_NAME,
        "住所": "上海市浦东新区张江路1号",
        "通讯地址": "上海市浦东新区张江路1号2室",
        "联系电话": "13812345678",  # as people write it, not E.164
        "电子邮箱": "zs@example.com",
        "是否农民工": "是",
        "是否签订劳动合同": "否",
        "工作地点": "上海市浦东新区川沙路100号仓库",
    }
    assert pairs(doc.tables[1]) == {
        "单位名称": EMPLOYER_NAME,
        "统一社会信用代码": "91310115MA1H7ABC1X",
        "所属行业": "交通运输、仓储和邮政业",
        "单位性质": "私营企业",
        "住所": "上海市浦东新区川沙新镇川沙路100号",
        "法定代表人（主要负责人）": "赵六",
        "职务": "执行董事",
        "联系人": "王经理",
        "联系电话": "021-58000000",
    }
    requests = section(doc, "请求事项")
    assert requests == [
        "支付2026年8月至10月工资（金额：人民币12,000.00元，壹万贰仟元整）",
        "请求金额合计：人民币12,000.00元（壹万贰仟元整）",
        "案件提交地：用人单位所在地",
    ]
    assert list_items(doc, REQUEST_LIST) == requests[:1]
    assert section(doc, "事实和理由") == [worker_case()["claim"]["facts"]]
    assert rows(doc.tables[2]) == [
        ["序号", "证据名称", "证据来源", "证明目的"],
        ["1", "劳动合同&<1>.jpg", "申请人提供", "证明劳动关系"],
        ["2", "工资条😀.png", "申请人提供", "证明工资标准"],
    ]
    assert after(doc, "此致") == CENTRE_NAME
    signature = texts.index(next(t for t in texts if t.startswith("申请人（签名或盖章）")))
    assert texts[signature + 1] == CREATED


def test_application_by_an_employer_uses_the_free_text_request(render):
    _, doc = render("application", employer_case())
    assert "申请人（用人单位）" in paragraphs(doc)
    assert pairs(doc.tables[0]) == {
        "单位名称": EMPLOYER_NAME,
        "统一社会信用代码": "91310115MA1H7ABC1X",
        "所属行业": "制造业",
        "单位性质": "外商投资企业",
        "住所": "上海市浦东新区金桥路8号",
        "电子邮箱": "hr@example.com",
        "法定代表人（主要负责人）": "吴法人",
        "职务": "不详",  # a statutory particular the case lacks: said so, never an empty cell
        "法定代表人电话": "13600000000",
        "委托代理人": "周代理",
        "委托代理人电话": "13700000000",
        "委托代理人证件类型": "护照",
        "委托代理人证件号码": "E12345678",
    }
    assert pairs(doc.tables[1]) == {
        "姓名": WORKER_NAME,
        "性别": "不详",
        "出生日期": "不详",
        "证件类型": "港澳居民来往内地通行证",  # no 民族 row: the employer is not asked it, the worker gave none
        "证件号码": "H12345678",
        "职业（工作岗位）": "不详",
        "工作单位": EMPLOYER_NAME,
        "住所": "上海市徐汇区某路9号",
        "联系电话": "13812345678",
    }
    assert section(doc, "请求事项")[:2] == ["要求被申请人赔偿损失5000元", "请求金额合计：人民币5,000.00元（伍仟元整）"]
    assert list_items(doc, REQUEST_LIST) == []
    assert "案件提交地：劳动合同履行地" in paragraphs(doc)


# ---------------------------------------------------------------- 调解协议书


def test_agreement(render):
    _, doc = render("agreement", worker_case())
    texts = paragraphs(doc)
    assert texts[0] == "调解协议书"
    assert texts[2] == (
        f"申请人：{WORKER_NAME}，男，一九九〇年三月七日出生，汉族，居民身份证：310115199003070011，"
        f"职业：仓库管理员，工作单位：{EMPLOYER_NAME}，住所：上海市浦东新区张江路1号，"
        "通讯地址：上海市浦东新区张江路1号2室，联系电话：13812345678"
    )
    assert texts[3] == (
        f"被申请人：{EMPLOYER_NAME}，统一社会信用代码：91310115MA1H7ABC1X，"
        "住所：上海市浦东新区川沙新镇川沙路100号，法定代表人（主要负责人）：赵六（执行董事），联系电话：021-58000000"
    )
    assert texts[4] == f"调解组织：{CENTRE_NAME}，地址：上海市浦东新区合欢路2号，电话：021-50000000"
    assert texts[5] == f"调解员：{MEDIATOR_NAME}"
    assert section(doc, "争议事项")[0] == (
        f"{WORKER_NAME}与{EMPLOYER_NAME}因劳动人事争议，于{CREATED}向{CENTRE_NAME}申请调解。申请人的请求如下："
    )
    assert list_items(doc, REQUEST_LIST) == ["支付2026年8月至10月工资（金额：人民币12,000.00元，壹万贰仟元整）"]
    terms = section(doc, "协议内容")
    assert terms == [
        f"经{CENTRE_NAME}主持调解，双方当事人自愿达成如下协议：",
        "被申请人支付申请人2026年8月至10月工资，金额人民币12,000.00元（壹万贰仟元整），"
        "于二〇二六年十二月一日前以银行转账方式履行。",
        "以上款项合计人民币12,000.00元（壹万贰仟元整）。",
        "双方确认：双方就本案再无其他争议。",
    ]
    assert list_items(doc, TERM_LIST) == terms[1:2]
    effect = section(doc, "协议效力")
    assert f"生效日期为{SETTLED}（最后一方签名时间14:00）" in effect[0]
    assert effect[1].startswith("本协议一式三份，")
    # The worker signs; the company seals, and its legal representative signs for it (民法典 arts. 61, 490).
    assert rows(doc.tables[0]) == [
        ["申请人（签名）：", f"被申请人（盖章）：{EMPLOYER_NAME}"],
        ["", "法定代表人（签名）：赵六"],
        [f"{SETTLED} 13:40", f"{SETTLED} 13:50"],
        ["调解员（签名）：", "调解组织（盖章）："],
        [f"{SETTLED} 14:00", SETTLED],
    ]
    assert [line for line in verification_lines(doc) if line.startswith("签署核验")] == [
        f"签署核验：申请人张三于{SETTLED} 13:40签名（身份核验：微信小程序登录）",  # the name the signature recorded
        f"签署核验：被申请人{EMPLOYER_NAME}由法定代表人赵六于{SETTLED} 13:50签名"
        "（身份核验：短信验证码（138****0000））",
        f"签署核验：调解员李调解于{SETTLED} 14:00签名（身份核验：工作人员账号登录）",
    ]


@pytest.mark.parametrize("kind", ["agreement", "judicial_confirmation"])
@pytest.mark.parametrize("status", ["submitted", "accepted", "scheduled", "mediating", "failed", "withdrawn"])
def test_agreement_and_judicial_confirmation_are_refused_before_settlement(renderer, kind, status):
    case = worker_case()
    case["status"] = status
    if status == "failed":
        case["outcome"] = {"kind": "failed", "at": "2026-11-21T02:00:00Z", "reason": "分歧较大"}
    else:
        del case["outcome"]
    with pytest.raises(DocumentRefused) as caught:
        renderer.render(kind, case, document_id=DOCUMENT_ID, verify_url=VERIFY_URL, issued_at=ISSUED_AT)
    assert caught.value.code == "not_settled"
    assert "尚未调解成功" in caught.value.message and "not settled" in caught.value.message_en


def test_a_settlement_without_terms_is_refused(render):
    case = worker_case()
    case["outcome"]["agreement"]["terms"] = []
    with pytest.raises(DocumentRefused, match="agreement_incomplete"):
        render("agreement", case)


# ---------------------------------------------------------------- 仲裁申请书


def test_arbitration_application_by_a_worker(render):
    _, doc = render("arbitration", worker_case())
    texts = paragraphs(doc)
    assert texts.index("申请人（劳动者）") < texts.index("被申请人（用人单位）")
    assert "申请人（用人单位）" not in texts
    # 劳动争议调解仲裁法 art. 28 and 办案规则 art. 29: every element, read back.
    assert pairs(doc.tables[0]) == {
        "姓名": WORKER_NAME,
        "性别": "男",
        "出生日期（年龄）": "一九九〇年三月七日（36岁）",
        "民族": "汉族",
        "证件类型": "居民身份证",
        "证件号码": "310115199003070011",
        "职业": "仓库管理员",
        "工作单位": EMPLOYER_NAME,
        "住所": "上海市浦东新区张江路1号",
        "通讯地址": "上海市浦东新区张江路1号2室",
        "联系电话": "13812345678",  # as people write it, not E.164
    }
    assert pairs(doc.tables[1]) == {
        "名称": EMPLOYER_NAME,
        "统一社会信用代码": "91310115MA1H7ABC1X",
        "住所": "上海市浦东新区川沙新镇川沙路100号",
        "通讯地址": "上海市浦东新区川沙新镇川沙路100号",
        "法定代表人（主要负责人）": "赵六",
        "职务": "执行董事",
        "联系电话": "021-58000000",
    }
    assert list_items(doc, REQUEST_LIST)[-1] == "支付2026年8月至10月工资（金额：人民币12,000.00元，壹万贰仟元整）"
    facts = section(doc, "事实和理由")
    assert facts == [
        "申请人于二〇二五年三月一日入职被申请人处，于二〇二六年十月三十一日离职，于二〇二六年十月三十一日知道其权利被侵害。",
        worker_case()["claim"]["facts"],
        f"本争议已于{CREATED}向{CENTRE_NAME}申请调解。",
    ]
    assert rows(doc.tables[2])[1] == ["1", "劳动合同&<1>.jpg", "申请人提供", "证明劳动关系"]
    assert rows(doc.tables[3]) == [
        ["序号", "姓名", "住所", "联系电话"],
        ["1", "钱七 & 孙八", "上海市浦东新区张江路3号", "13900000000"],
    ]
    assert after(doc, "此致") == "上海市浦东新区劳动人事争议仲裁委员会"  # the commission of the case's region
    assert ISSUED in texts


def test_arbitration_application_by_an_employer_after_failed_mediation(render):
    _, doc = render("arbitration", employer_case())
    texts = paragraphs(doc)
    assert texts.index("申请人（用人单位）") < texts.index("被申请人（劳动者）")
    employer, worker = pairs(doc.tables[0]), pairs(doc.tables[1])
    assert employer["名称"] == EMPLOYER_NAME and employer["法定代表人（主要负责人）"] == "吴法人"
    assert employer["住所"] == "上海市浦东新区金桥路8号" and employer["联系电话"] == "13700000000"
    assert worker["姓名"] == WORKER_NAME and worker["证件号码"] == "H12345678"
    assert worker["住所"] == "上海市徐汇区某路9号" and worker["联系电话"] == "13812345678"
    assert section(doc, "仲裁请求")[0] == "要求被申请人赔偿损失5000元"
    assert section(doc, "事实和理由")[1] == (
        f"本争议已于{CREATED}向{CENTRE_NAME}申请调解，于二〇二六年十一月二十一日"
        "调解不成（双方分歧较大 & 无法达成一致）。"
    )


def test_arbitration_is_made_after_a_withdrawal_too(render):
    """Withdrawing the mediation does not bar arbitration (调解仲裁法 art. 5): the application is offered after it."""
    case = worker_case()
    case["status"] = "withdrawn"
    case["outcome"] = {"kind": "withdrawn", "at": "2026-11-21T02:00:00+00:00", "reason": "准备直接申请仲裁"}
    _, doc = render("arbitration", case)
    assert any(t.endswith("申请调解。") for t in section(doc, "事实和理由"))
    case["status"] = "mediating"
    del case["outcome"]
    render("arbitration", case)
    render("application", {**case, "status": "withdrawn"})


# ---------------------------------------------------------------- 司法确认申请书


def test_judicial_confirmation(render):
    _, doc = render("judicial_confirmation", worker_case())
    texts = paragraphs(doc)
    assert texts[0] == "司法确认申请书"
    assert texts[2].startswith(f"申请人：{WORKER_NAME}，男，") and texts[3].startswith(f"申请人：{EMPLOYER_NAME}，")
    assert section(doc, "请求事项") == [f"请求人民法院确认申请人于{SETTLED}经{CENTRE_NAME}主持调解达成的调解协议有效。"]
    reasons = section(doc, "事实和理由")
    assert reasons[0] == (
        f"申请人{WORKER_NAME}与{EMPLOYER_NAME}因劳动人事争议，于{CREATED}向{CENTRE_NAME}申请调解，"
        f"经调解员{MEDIATOR_NAME}主持调解，于{SETTLED}自愿达成如下调解协议："
    )
    assert list_items(doc, TERM_LIST) == [reasons[1]]
    assert f"该调解协议自{SETTLED}起生效。" in reasons
    # 民事诉讼法 art. 205 (二): before the parties chose, the courts open to them, and a blank for the one chosen.
    assert (
        "依照《中华人民共和国民事诉讼法》第二百零五条，本申请可以向当事人住所地、标的物所在地、调解组织所在地的基层"
        f"人民法院提出，本案可选择：上海市浦东新区人民法院（{EMPLOYER_NAME}住所地）、上海市浦东新区人民法院（调解组织所在地）。"
    ) in texts
    assert after(doc, "此致") == "________人民法院"
    assert rows(doc.tables[0]) == [
        ["申请人（签名）：", "申请人（盖章）："],
        ["", "法定代表人或委托代理人（签名）："],
        ["", ISSUED],
    ]
    assert texts[texts.index("附：") + 1 :][:4] == [
        "1. 调解协议书一份",
        f"2. {CENTRE_NAME}主持调解的证明一份",
        f"3. {WORKER_NAME}的身份证明（居民身份证复印件）一份",
        f"4. {EMPLOYER_NAME}的营业执照（或其他主体资格证明）复印件、法定代表人（主要负责人）身份证明书各一份",
    ]


def test_judicial_confirmation_to_the_court_the_parties_chose(render):
    case = worker_case()
    case["confirmation_court"] = {"name": "上海市徐汇区人民法院", "basis": "applicant", "party": WORKER_NAME}
    _, doc = render("judicial_confirmation", case)
    texts = paragraphs(doc)
    assert (
        f"依照《中华人民共和国民事诉讼法》第二百零五条，申请人向上海市徐汇区人民法院（{WORKER_NAME}住所地）提出本申请。"
    ) in texts
    assert after(doc, "此致") == "上海市徐汇区人民法院"
    case["confirmation_court"] = {"name": "上海市浦东新区人民法院", "basis": "delegating"}
    _, doc = render("judicial_confirmation", case)
    assert "申请人向上海市浦东新区人民法院（邀请调解的人民法院）提出本申请" in "".join(paragraphs(doc))


# ---------------------------------------------------------------- every kind


@pytest.mark.parametrize("kind", KINDS)
def test_awkward_characters_survive_in_every_document(render, kind):
    _, doc = render(kind, case_for(kind, worker_case()))
    text = "\n".join(all_texts(doc))
    for name in (WORKER_NAME, EMPLOYER_NAME, CENTRE_NAME):
        assert name in text
    assert "&amp;" not in text and "&lt;" not in text and "&#" not in text


@pytest.mark.parametrize("kind", ["application", "arbitration"])
def test_a_5000_character_statement_of_facts(render, kind):
    case = worker_case()
    sentence = "申请人在被申请人处工作期间，被申请人长期安排加班但未支付加班工资 & 未缴社保 <𠮷>。"
    facts = ((sentence * 100)[:2500] + "\n" + sentence * 100)[:4999] + "止"
    assert len(facts) == 5000
    case["claim"]["facts"] = facts
    _, doc = render(kind, case)
    assert facts in section(doc, "事实和理由")


@pytest.mark.parametrize("kind", ["application", "agreement", "arbitration"])
def test_twenty_request_items_are_one_numbered_list(render, kind):
    case = worker_case()
    case["clarified"]["items"] = [
        {"cause_code": "05-01", "cause_label": "拖欠工资", "text": f"第{i}项请求：支付{i}月工资。", "amount": f"{i}000"}
        for i in range(1, 21)
    ]
    _, doc = render(kind, case)
    expected = [
        f"第{i}项请求：支付{i}月工资（金额：人民币{i * 1000:,}.00元，{cn2an.an2cn(f'{i}000', 'rmb')}）"
        for i in range(1, 21)
    ]
    assert list_items(doc, REQUEST_LIST) == expected
    items = [p for p in doc.paragraphs if num_id(p) == REQUEST_LIST]
    assert {p._p.pPr.numPr.ilvl.val for p in items} == {0}  # one list, one level: Word numbers 1 to 20 across pages


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("applicant", ["worker", "employer"])
def test_a_case_with_every_optional_field_empty(render, kind, applicant):
    if kind == "payment_order" and applicant == "employer":
        with pytest.raises(DocumentRefused, match="not_a_worker"):  # only a worker asks for a payment order
            render(kind, case_for(kind, bare_case(applicant)))
        return
    result, doc = render(kind, case_for(kind, bare_case(applicant)))
    texts = all_texts(doc)
    for text in texts:
        assert "None" not in text and "{{" not in text and "{%" not in text and "{#" not in text
    xml = every_part_xml(result.data)
    assert "{{" not in xml and "{%" not in xml and ">None<" not in xml
    assert "王五" in "\n".join(texts) and "某某公司" in "\n".join(texts)
    if kind in ("application", "arbitration"):
        assert "无" in texts  # no evidence
        assert "请求金额合计：无" in texts


@pytest.mark.parametrize("kind", KINDS)
def test_page_set_up_and_fonts(render, kind):
    result, doc = render(kind, case_for(kind, worker_case()))
    section_ = doc.sections[0]
    assert round(section_.page_width.mm) == 210 and round(section_.page_height.mm) == 297
    margins = [section_.top_margin, section_.bottom_margin, section_.left_margin, section_.right_margin]
    assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]

    def east_asia(style_name: str) -> str:
        return doc.styles[style_name].element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )

    assert doc.paragraphs[0].style.name == "DocTitle"
    assert east_asia("DocTitle") == "方正小标宋简体" and doc.styles["DocTitle"].font.size == Pt(22)
    assert east_asia("Normal") == "仿宋_GB2312" and doc.styles["Normal"].font.size == Pt(16)
    assert east_asia("DocBody") == "仿宋_GB2312" and doc.styles["DocBody"].font.size == Pt(16)
    assert doc.styles["Normal"].paragraph_format.line_spacing == Pt(28.95)  # 22 lines a page
    assert doc.styles["TableText"].paragraph_format.line_spacing == 1.0  # the QR code is not clipped
    fonts = part_xml(result.data, "word/fontTable.xml")
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>' in fonts
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts
    numbering = part_xml(result.data, "word/numbering.xml")
    assert '<w:numFmt w:val="decimal"/><w:suff w:val="nothing"/><w:lvlText w:val="%1."/>' in numbering
    assert '<w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/><w:lvlText w:val="%1、"/>' in numbering


@pytest.mark.parametrize("kind", KINDS)
def test_qr_code_document_id_and_fingerprint(render, kind):
    result, doc = render(kind, case_for(kind, worker_case()))
    assert len(doc.inline_shapes) == 1
    blip = doc.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip
    assert doc.part.related_parts[blip.embed].blob == qr_png(VERIFY_URL)  # the image encodes the verify URL
    lines = verification_lines(doc)
    assert f"文书编号：{DOCUMENT_ID}" in lines and VERIFY_URL in lines and f"生成日期：{ISSUED}" in lines
    assert f"文书编号：{DOCUMENT_ID}" in [p.text for p in doc.sections[0].footer.paragraphs]
    assert doc.core_properties.identifier == DOCUMENT_ID
    assert result.sm3_hex == sm3_hex(result.data) and len(result.sm3_hex) == 64
    assert result.kind == kind and result.document_id == DOCUMENT_ID and result.serial == "20261122000171"
    assert result.filename == f"20261122000171-{result.title}.docx"


def test_sm3_is_sm3():
    # GB/T 32905-2016, example 1
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_the_fingerprint_changes_with_any_byte(render):
    result, _ = render("application", worker_case())
    changed = bytearray(result.data)
    changed[len(changed) // 2] ^= 1
    assert sm3_hex(bytes(changed)) != result.sm3_hex
