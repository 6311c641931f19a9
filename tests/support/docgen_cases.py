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
