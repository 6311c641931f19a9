"""Valid sample numbers and application bodies shared by the tests (each call returns a fresh copy)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from stdnum.cn import ric, uscc


def make_resident_id(area: str, birth: str, seq: str) -> str:
    """An 18-character ID (area 6 digits, birth YYYYMMDD, seq 3 digits) with its GB 11643 check digit."""
    body = area + birth + seq
    assert len(body) == 17 and body.isdigit(), body
    return body + ric.calc_check_digit(body + "0")  # the function ignores the last character


def make_uscc(first17: str) -> str:
    """A unified social credit code with a correct check character."""
    return first17 + uscc.calc_check_digit(first17)


WORKER_ID = make_resident_id("310115", "19900307", "001")  # Pudong, born 1990: odd sequence, a man
# Registered in Huangpu, like the sample domicile below: both route a worker's case to the city centre (no centre
# serves Huangpu), by the region code, or by the credit code's region where a street names no place.
COMPANY_USCC = make_uscc("91310101MA1K4ABCD")
EMPLOYER_USCC = make_uscc("91310104MA1FR2XY3")
CONTACT_ID = make_resident_id("310104", "19850612", "002")  # a woman
EMPLOYEE_ID = make_resident_id("320102", "19950101", "013")  # a man
TODAY = date(2026, 11, 22)  # a fixed "today" for tests; the bodies stay valid on any later date too

_WORKER: dict[str, Any] = {
    "kind": "worker",
    "applicant": {
        "name": "张三",
        "id_type": "resident_id",
        "id_number": WORKER_ID,
        "nationality": "CHN",
        "gender": "male",
        "ethnicity": "汉族",
        "birth_date": "1990-03-07",
        "education": "high_school",
        "phone": "13812345678",
        "email": "zs@example.com",
        "address": "上海市浦东新区张江路100号",
        "mailing_address": "上海市浦东新区张江路100号2室",
        "job_title": "仓库管理员",
        "migrant_worker": True,
        "contract_signed": False,
        "work_location": "上海市浦东新区川沙路200号",
    },
    "respondent": {
        "name": "上海某某物流有限公司",
        "uscc": COMPANY_USCC,
        "industry": "G",
        "nature": "private",
        "address": {"region_code": "310101002", "detail": "南京东路100号"},  # 黄浦区南京东路街道: the city centre's
        "legal_representative_name": "周五",
        "legal_representative_title": "执行董事",
        "contact_name": "李四",
        "contact_phone": "13987654321",
    },
    "claim": {
        "amount": "12000.00",
        "venue": "employer_location",
        "requests": "支付2026年8月至10月工资12000元",
        "facts": "本人于2024年3月入职，公司自2026年8月起未支付工资。",
        "employment_started": "2024-03-01",
        "employment_ended": "2026-10-31",
        "dispute_known_on": "2026-10-31",
    },
    "evidence": ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"],
    "consent": {"version": "2026-01", "accepted": True},
    "service": {"electronic": True, "address": "上海市浦东新区张江路100号", "recipient": "张三"},
}

_EMPLOYER: dict[str, Any] = {
    "kind": "employer",
    "applicant": {
        "name": "上海某某科技有限公司",
        "uscc": EMPLOYER_USCC,
        "industry": "I",
        "nature": "private",
        "address": {"region_code": "310104014", "detail": "漕溪北路1号"},  # 徐汇区徐家汇街道
        "email": "hr@example.com",
        "is_agent": False,
        "contact_name": "赵敏",
        "contact_phone": "13700001111",
        "contact_id_type": "resident_id",
        "contact_id_number": CONTACT_ID,
        "legal_representative_name": "钱伟",
        "legal_representative_title": "总经理",
        "legal_representative_phone": "13600002222",
    },
    "respondent": {
        "name": "王小明",
        "phone": "13812345678",
        "id_type": "resident_id",
        "id_number": EMPLOYEE_ID,
        "address": "江苏省南京市玄武区中山路1号",
        "job_title": "软件工程师",  # 调解仲裁法 art. 28 (一): the worker's occupation
    },
    "claim": {
        "amount": "0",
        "venue": "employer_location",
        "requests": "确认双方劳动关系已于2026年9月30日解除",
        "facts": "王小明于2026年9月30日离职，未办理交接手续。",
    },
    "evidence": [],
    "consent": {"version": "2026-01", "accepted": True},
    "service": {"electronic": False, "address": "上海市徐汇区漕溪北路1号", "recipient": "赵敏"},
}


def worker_body() -> dict[str, Any]:
    """A complete, valid application of a worker (a Pudong resident ID born 1990) against a company."""
    return copy.deepcopy(_WORKER)


def wave1_worker_body() -> dict[str, Any]:
    """A worker's application as wave 1 clients send it: the employer's street as free text, no new fields."""
    body = worker_body()
    respondent = body["respondent"]
    del respondent["address"], respondent["legal_representative_title"]
    respondent["street"] = "川沙新镇"
    for name in ("employment_ended", "dispute_known_on"):
        del body["claim"][name]
    del body["applicant"]["mailing_address"]
    del body["service"]  # the 送达地址确认书 came later (issue 21)
    return body


def with_street(party: dict[str, Any], street: str) -> dict[str, Any]:
    """`party` with wave 1's free-text `street` in place of the structured domicile (routing by text then)."""
    party.pop("address", None)
    party["street"] = street
    return party


def ended_on(body: dict[str, Any], day: str = "2025-12-31") -> dict[str, Any]:
    """`body` with the employment's end and the day the dispute became known on `day`: for histories filed on a
    test clock before TODAY (neither may lie in the future of the filing)."""
    for name in ("employment_ended", "dispute_known_on"):
        if name in body["claim"]:
            body["claim"][name] = day
    return body


def employer_body() -> dict[str, Any]:
    """A complete, valid application of an employer against a worker."""
    return copy.deepcopy(_EMPLOYER)
