"""Cases for docgen tests: awkward names, both kinds of applicant, long texts, nothing optional."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import docx

from docgen.sample import sample_case
from docgen.templates import DEFAULT_DIR
from i18n import Words

# Names that break naive XML templating, a character outside the BMP (𠮷) and an emoji.
WORKER_NAME = '张&三 <李四> "老\'王" 𠮷😀'
EMPLOYER_NAME = "上海A&B<有限>公司"
MEDIATOR_NAME = "吉𠮷调解员 & <助理>"
CENTRE_NAME = "浦东新区劳动人事争议调解中心 & <分中心>"


def worker_case() -> dict:
    """A worker's claim against an employer, settled, with awkward names everywhere."""
    case = sample_case()
    del case["breach"]  # every term performed, unless a test says otherwise
    case["applicant"]["name"] = WORKER_NAME
    case["respondent"]["name"] = EMPLOYER_NAME
    case["mediator"]["name"] = MEDIATOR_NAME
    case["centre"]["name"] = CENTRE_NAME
    case["evidence"] = [
        {"id": "e1", "name": "劳动合同&<1>.jpg", "source": "申请人提供", "purpose": "证明劳动关系"},
        {"id": "e2", "name": "工资条😀.png", "source": "申请人提供", "purpose": "证明工资标准"},
    ]
    case["witnesses"] = [{"name": "钱七 & 孙八", "address": "上海市浦东新区张江路3号", "phone": "13900000000"}]
    case["claim"]["facts"] = "申请人于2025年3月入职。\n被申请人自2026年8月起拖欠工资 & 未缴社保 <共三个月>。"
    case["outcome"]["agreement"]["signatures"][1]["name"] = EMPLOYER_NAME
    # 民事诉讼法 art. 205 (二): the courts a judicial confirmation may go to (services/cases/documents.py finds them).
    case["court_choices"] = [
        {"name": "上海市浦东新区人民法院", "basis": "respondent", "party": EMPLOYER_NAME},
        {"name": "上海市浦东新区人民法院", "basis": "centre"},
    ]
    return case


def employer_case() -> dict:
    """An employer's claim against a worker (no clarified items: the free-text request is used)."""
    case = sample_case()
    del case["breach"]
    case["kind"] = "employer"
    case["status"] = "failed"
    case["centre"]["name"] = CENTRE_NAME
    case["applicant"] = {
        "name": EMPLOYER_NAME,
        "uscc": "91310115MA1H7ABC1X",
        "industry": "C",
        "nature": "foreign_invested",
        "street": "上海市浦东新区金桥路8号",
        "email": "hr@example.com",
        "is_agent": True,
        "contact_name": "周代理",
        "contact_phone": "13700000000",
        "contact_id_type": "passport",
        "contact_id_number": "E12345678",
        "legal_representative_name": "吴法人",
        "legal_representative_phone": "13600000000",
    }
    case["respondent"] = {
        "name": WORKER_NAME,
        "phone": "13812345678",
        "id_type": "hk_macao_pass",
        "id_number": "H12345678",
        "address": "上海市徐汇区某路9号",
    }
    case["claim"] = {
        "amount": "5000",
        "venue": "work_location",
        "requests": "要求被申请人赔偿损失5000元",
        "facts": "被申请人离职时未交接工作，造成损失。",
    }
    del case["clarified"]
    case["outcome"] = {"kind": "failed", "at": "2026-11-21T02:00:00+00:00", "reason": "双方分歧较大 & 无法达成一致"}
    return case


def bare_case(kind: str = "worker", settled: bool = True) -> dict:
    """Only what the store always holds; every optional field absent or empty."""
    case: dict = {
        "serial": "20261122000171",
        "schema_version": 1,
        "kind": kind,
        "status": "settled" if settled else "accepted",
        "created_at": "2026-11-02T01:30:00+00:00",
        "centre": {"id": "sh-pudong", "name": "浦东新区劳动人事争议调解中心", "address": None, "phone": ""},
        "applicant": {"name": "王五", "email": None, "ethnicity": "", "migrant_worker": None},
        "respondent": {"name": "某某公司", "legal_representative_name": None},
        "claim": {"amount": "", "requests": "要求支付工资", "facts": "未付工资"},
        "clarified": None,
        "evidence": [],
        "witnesses": None,
        "mediator": None,
        "session": None,
    }
    if settled:
        case["outcome"] = {
            "kind": "settled",
            "at": "2026-11-22T06:00:00Z",
            "agreement": {
                "terms": [{"text": "被申请人支付工资", "amount": None, "due_date": "", "method": None}],
                "waivers": None,
                "copies": None,
                "effective_date": None,
            },
        }
    return case


def case_for(kind: str, case: dict) -> dict:
    """`case` as a document of `kind` needs it: a termination notice after a failed mediation, a payment order
    after a term was not performed."""
    if kind in ("termination_notice", "failure_report"):
        case["status"] = "failed"
        case["outcome"] = {"kind": "failed", "at": "2026-11-21T02:00:00+00:00", "closure_reason": "too_far_apart"}
        case["notice"] = {
            "addressee": "applicant",
            "end": "failed",
            "arbitrate": True,
            "last_day": "2027-11-02",
            "restart_day": "2027-11-22",
            "received": "2026-11-02",
        }
    if kind == "failure_report":
        case["outcome"]["report"] = {"facts": "双方就工资数额各执一词", "reason": "分歧较大", "costs": "", "notes": ""}
        case["delegation"] = {
            "partner": "上海市浦东新区人民法院",
            "partner_kind": "court",
            "case_no": "（2026）沪0115民诉前调1234号",
            "type": "pre_filing",
            "delegated_at": "2026-11-02T01:30:00+00:00",
            "accepted_at": "2026-11-03T01:30:00+00:00",
        }
        case["notice"] |= {"arbitrate": False, "last_day": "", "returns": "file"}
    if kind == "payment_order":
        case["breach"] = {"terms": [{"text": "被申请人支付工资", "amount": None, "due_date": ""}]}
    return case


WORDS = Words()  # what the service gives docgen: the catalogue's Chinese


ISSUED_AT = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)  # 23 November in Shanghai


DOCUMENT_ID = "D20261122000171-0001"


VERIFY_URL = f"https://mediate.example.gov.cn/verify/{DOCUMENT_ID}"


def centre_template(folder: Path, kind: str, *lines: str) -> Path:
    """The default template of `kind` with `lines` added as paragraphs, saved in a centre's folder."""
    folder.mkdir(exist_ok=True)
    doc = docx.Document(str(DEFAULT_DIR / f"{kind}.docx"))
    for line in lines:
        doc.add_paragraph(line)
    path = folder / f"{kind}.docx"
    doc.save(str(path))
    return path


# ---------------------------------------------------------------- cases as the store keeps them (issue 21)


def _signatures(applicant: str, organisation_role: str, organisation: str, signatory: str, capacity: str) -> list:
    """Three signatures as services/cases/signing.py keeps them: the worker, the organisation through a named
    person (with the identity proof each used), the mediator."""
    person_role = "applicant" if organisation_role == "respondent" else "respondent"
    at = datetime(2026, 11, 22, 5, 40, tzinfo=UTC)
    organisation_signature: dict = {
        "role": organisation_role,
        "name": organisation,
        "signatory": signatory,
        "capacity": capacity,
        "at": at.replace(minute=50),
        "proof": {"method": "sms", "phone": "137****1111"},
    }
    if capacity == "agent":
        organisation_signature["authority"] = {
            "agent_name": signatory,
            "file_id": "f" * 32,
            "recorded_at": datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
            "recorded_by": "li.ming",
            "recorded_by_name": "李明",
        }
    return [
        {"role": person_role, "name": applicant, "at": at, "proof": {"method": "card"}},
        organisation_signature,
        {"role": "mediator", "name": "李明", "at": at.replace(hour=6, minute=0), "proof": {"method": "staff"}},
    ]


def _settled(case: dict, signatures: list) -> dict:
    case["status"] = "settled"
    case["outcome"] = {
        "kind": "settled",
        "at": datetime(2026, 11, 22, 6, 0, tzinfo=UTC),
        "agreement": {
            "terms": [
                {"text": "被申请人支付申请人2026年8月至10月工资", "amount": "12000.00", "due_date": "2026-12-01"},
                {"text": "被申请人支付申请人经济补偿", "amount": "8000.50", "due_date": "2026-12-15"},
                {"text": "双方解除劳动关系", "amount": None, "due_date": "2026-12-01"},
            ],
            "waivers": "双方就本案再无其他争议",
            "copies": 3,
            "effective_date": "2026-11-22",
            "effective_at": datetime(2026, 11, 22, 6, 0, tzinfo=UTC),
            "signatures": signatures,
        },
    }
    case["breach"] = {
        "date": "2026-12-16",
        "terms": [
            {"text": "被申请人支付申请人2026年8月至10月工资", "amount": "12000.00", "due_date": "2026-12-01"},
            {"text": "被申请人支付申请人经济补偿", "amount": "8000.50", "due_date": "2026-12-15"},
        ],
    }
    return case


def _confirmed_items(case: dict) -> None:
    """Two items the applicant confirmed, totalling 20,000.50, beside the 12,000 first claimed."""
    case["claim"]["amount"] = "12000.00"
    case["clarified"] = {
        "version": 2,
        "state": "confirmed",
        "items": [
            {"cause_code": "05-01", "cause_label": "拖欠工资", "text": "支付2026年8月至10月工资", "amount": "12000.00"},
            {"cause_code": "03-01", "cause_label": "经济补偿", "text": "支付解除劳动合同经济补偿", "amount": "8000.50"},
        ],
    }


def filed_worker_case() -> dict:
    """A worker against a company (the organisation party): items confirmed beyond the first claim, evidence
    partly described, phones in E.164, the company signing through its legal representative."""
    case = sample_case()
    case["applicant"]["phone"] = "+8613817770001"
    case["respondent"]["contact_phone"] = "+862168881234"
    case["evidence"] = [
        {"id": "e1", "name": "劳动合同.jpg", "source": "用人单位与申请人签订", "purpose": "证明劳动关系"},
        {"id": "e2", "name": "银行流水.pdf", "source": "", "purpose": ""},  # the worker said nothing: 不详
    ]
    case["court_choices"] = [
        {"name": "上海市浦东新区人民法院", "basis": "respondent", "party": "上海某某物流有限公司"},
        {"name": "上海市浦东新区人民法院", "basis": "centre"},
    ]
    _confirmed_items(case)
    return _settled(case, _signatures("张三", "respondent", "上海某某物流有限公司", "赵六", "legal_representative"))


def filed_employer_case() -> dict:
    """An employer (the organisation party, signing through an agent it authorised) against a worker who gave no
    民族: the employer is not asked it."""
    case = sample_case()
    case["kind"] = "employer"
    case["applicant"] = {
        "name": "上海某某科技有限公司",
        "uscc": "91310104MA1FL0TA7X",
        "industry": "I",
        "nature": "private",
        "address": {"region_code": "310104014", "region_name": "上海市徐汇区徐家汇街道", "detail": "漕溪北路1号"},
        "email": "hr@example.com",
        "is_agent": True,
        "contact_name": "周代理",
        "contact_phone": "+8613700001111",
        "contact_id_type": "resident_id",
        "contact_id_number": "310104198001010016",
        "legal_representative_name": "钱伟",
        "legal_representative_title": "总经理",
        "legal_representative_phone": "+8613600002222",
    }
    case["respondent"] = {
        "name": "王小明",
        "phone": "+8613812345678",
        "id_type": "resident_id",
        "id_number": "320102199501010130",
        "gender": "male",
        "birth_date": "1995-01-01",
        "nationality": "CHN",
        "address": "江苏省南京市玄武区中山路1号",
        "job_title": "软件工程师",
    }
    case["authorities"] = {"applicant": {"agent_name": "周代理", "file_id": "f" * 32}}
    case["arbitration_commission"] = "上海市徐汇区劳动人事争议仲裁委员会"
    case["court_choices"] = [{"name": "上海市徐汇区人民法院", "basis": "applicant", "party": "上海某某科技有限公司"}]
    _confirmed_items(case)
    case["clarified"]["items"] = [
        {"cause_code": "11-01", "cause_label": "竞业限制", "text": "返还培训费用", "amount": "5000.00"},
        {"cause_code": "11-02", "cause_label": "赔偿损失", "text": "赔偿损失", "amount": "1200.00"},
    ]
    case["evidence"] = [{"id": "e1", "name": "培训协议.pdf", "source": "双方签订", "purpose": "证明培训服务期约定"}]
    settled = _settled(case, _signatures("王小明", "applicant", "上海某某科技有限公司", "周代理", "agent"))
    del settled["breach"]  # the employer's case: no payment order
    return settled


def filed_foreign_worker_case() -> dict:
    """A British worker on a passport: 国籍 instead of 民族, phone of another country."""
    case = filed_worker_case()
    case["applicant"].update(
        name="John Smith",
        nationality="GBR",
        ethnicity="",
        id_type="passport",
        id_number="E12345678",
        phone="+447911123456",
    )
    case["outcome"]["agreement"]["signatures"][0]["name"] = "John Smith"
    return case


def filed_delegated_case() -> dict:
    """A court's delegation (services/court/delegations.py shapes its parties): the organisation's 职务 from the
    delegation, its address as text, the worker's occupation unknown (不详); the court that invited the mediation."""
    case = filed_worker_case()
    case["docking"] = {
        "partner_id": "sh-pudong-court",
        "partner_kind": "court",
        "partner_name": "上海市浦东新区人民法院",
    }
    case["applicant"] = {
        "name": "李四",
        "id_type": "resident_id",
        "id_number": "310115199003070011",
        "birth_date": "1990-03-07",
        "gender": "male",
        "phone": "+8613900001111",
        "address": "上海市浦东新区张江路1号",
        "mailing_address": "上海市浦东新区张江路1号",
    }
    case["respondent"] = {
        "name": "上海某某物流有限公司",
        "uscc": "91310115MA1H7ABC1X",
        "legal_representative_name": "赵六",
        "legal_representative_title": "执行董事",
        "contact_name": "赵六",
        "contact_phone": "+862168881234",
        "address_text": "上海市浦东新区川沙路100号",
    }
    case["court_choices"] = [{"name": "上海市浦东新区人民法院", "basis": "delegating"}]
    case["confirmation_court"] = {"name": "上海市浦东新区人民法院", "basis": "delegating"}
    case["outcome"]["agreement"]["signatures"][0]["name"] = "李四"
    return case


FILED_CASES = {
    "worker": filed_worker_case,
    "employer": filed_employer_case,
    "foreigner": filed_foreign_worker_case,
    "delegated": filed_delegated_case,
}
