"""A complete sample case: every field filled. Used to try templates when they load, and by the bench."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

_SAMPLE = {
    "serial": "20261122000171",
    "schema_version": 1,
    "kind": "worker",
    "status": "settled",
    "created_at": datetime(2026, 11, 2, 1, 30, tzinfo=UTC),
    "centre": {
        "id": "sh-pudong",
        "name": "浦东新区劳动人事争议调解中心",
        "address": "上海市浦东新区合欢路2号",
        "phone": "021-50000000",
        "basic_court": "上海市浦东新区人民法院",
    },
    "arbitration_commission": "上海市浦东新区劳动人事争议仲裁委员会",
    "debtor_court": "上海市浦东新区人民法院",
    "limitation": {
        "text": "本案调解于二〇二六年十一月二十二日终止，申请仲裁的时效期间自该日起重新计算一年。",
        "ends": "2027-11-22",
    },
    "applicant": {
        "name": "张三",
        "id_type": "resident_id",
        "id_number": "310115199003070011",
        "nationality": "CHN",
        "gender": "male",
        "ethnicity": "汉族",
        "birth_date": "1990-03-07",
        "education": "high_school",
        "phone": "+8613812345678",
        "email": "zs@example.com",
        "address": "上海市浦东新区张江路1号",
        "mailing_address": "上海市浦东新区张江路1号2室",
        "job_title": "仓库管理员",
        "migrant_worker": True,
        "contract_signed": False,
        "work_location": "上海市浦东新区川沙路100号仓库",
    },
    "respondent": {
        "name": "上海某某物流有限公司",
        "uscc": "91310115MA1H7ABC1X",
        "industry": "G",
        "nature": "private",
        "contact_name": "王经理",
        "address": {"region_code": "310115103", "region_name": "上海市浦东新区川沙新镇", "detail": "川沙路100号"},
        "contact_phone": "+862158000000",
        "legal_representative_name": "赵六",
        "legal_representative_title": "执行董事",
    },
    "claim": {
        "amount": "12000.00",
        "amount_fen": 1200000,
        "venue": "employer_location",
        "requests": "要求公司支付拖欠的工资。",
        "facts": "申请人自2025年3月起在被申请人处工作，2026年8月起被申请人未支付工资。",
        "employment_started": "2025-03-01",
        "employment_ended": "2026-10-31",
        "dispute_known_on": "2026-10-31",
    },
    "clarified": {
        "version": 2,
        "confirmed_at": datetime(2026, 11, 5, 3, 0, tzinfo=UTC),
        "items": [
            {"cause_code": "05-01", "cause_label": "拖欠工资", "text": "支付2026年8月至10月工资", "amount": "12000.00"},
        ],
    },
    "evidence": [{"id": "ev1", "name": "劳动合同.jpg", "source": "申请人提供", "purpose": "证明劳动关系"}],
    "witnesses": [{"name": "钱七", "address": "上海市浦东新区张江路3号", "phone": "13900000000"}],
    "mediator": {"id": "med1", "name": "李调解"},
    "session": {
        "at": datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        "place": "第一调解室",
        "online_link": "https://meeting.example.com/123",
    },
    "outcome": {
        "kind": "settled",
        "at": datetime(2026, 11, 22, 6, 0, tzinfo=UTC),
        "agreement": {
            "terms": [
                {
                    "text": "被申请人支付申请人2026年8月至10月工资",
                    "amount": "12000.00",
                    "due_date": "2026-12-01",
                    "method": "银行转账",
                }
            ],
            "waivers": "双方就本案再无其他争议",
            "copies": 3,
            "effective_date": "2026-11-22",
            "effective_at": datetime(2026, 11, 22, 6, 0, tzinfo=UTC),
            "signatures": [
                {
                    "role": "applicant",
                    "name": "张三",
                    "at": datetime(2026, 11, 22, 5, 40, tzinfo=UTC),
                    "proof": {"method": "wechat_mp"},
                },
                {  # the company, signed for by its legal representative (services/cases/signing.py)
                    "role": "respondent",
                    "name": "上海某某物流有限公司",
                    "signatory": "赵六",
                    "capacity": "legal_representative",
                    "at": datetime(2026, 11, 22, 5, 50, tzinfo=UTC),
                    "proof": {"method": "sms", "phone": "138****0000"},
                },
                {
                    "role": "mediator",
                    "name": "李调解",
                    "at": datetime(2026, 11, 22, 6, 0, tzinfo=UTC),
                    "proof": {"method": "staff"},
                },
            ],
        },
    },
    "breach": {
        "date": "2026-12-02",
        "terms": [
            {"text": "被申请人支付申请人2026年8月至10月工资", "amount": "12000.00", "due_date": "2026-12-01"},
        ],
    },
}


def sample_case() -> dict:
    """A fresh copy of the complete sample case (a worker's claim, settled)."""
    return copy.deepcopy(_SAMPLE)


def sample_case_for(kind: str) -> dict:
    """The sample case as a document of `kind` needs it: a termination notice needs a mediation that ended, the
    failure report a delegated case that failed."""
    case = sample_case()
    if kind in ("termination_notice", "failure_report"):
        case["status"] = "failed"
        case["outcome"] = {
            "kind": "failed",
            "at": datetime(2026, 11, 22, 6, 0, tzinfo=UTC),
            "closure_reason": "too_far_apart",
            "reason": "双方对工资数额分歧较大",
        }
        case["notice"] = {
            "addressee": "applicant",
            "end": "failed",
            "arbitrate": True,
            "last_day": "2027-11-02",
            "restart_day": "2027-11-22",
            "received": "2026-11-02",
            "returns": "",
        }
    if kind == "failure_report":
        case["outcome"]["report"] = {
            "facts": "双方就拖欠工资数额各执一词。",
            "reason": "双方分歧较大",
            "costs": "",
            "notes": "",
            "signed_by": "李调解",
        }
        case["delegation"] = {
            "partner": "上海市浦东新区人民法院",
            "partner_kind": "court",
            "case_no": "（2026）沪0115民诉前调1234号",
            "type": "pre_filing",
            "delegated_at": datetime(2026, 11, 2, 1, 30, tzinfo=UTC),
            "accepted_at": datetime(2026, 11, 3, 1, 30, tzinfo=UTC),
        }
        case["notice"] |= {"arbitrate": False, "last_day": "", "returns": "file"}
    return case
