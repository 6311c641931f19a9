"""The application body (docs/contracts.md#the-application-body-in-brief): required fields, formats, cross-checks,
every error at once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.core.errors import FieldError, ValidationFailed
from services.intake.validation import validate_application, validate_draft
from tests.support.samples import (
    COMPANY_USCC,
    CONTACT_ID,
    TODAY,
    WORKER_ID,
    employer_body,
    make_resident_id,
    worker_body,
)


def _errors(body: Any, *, draft: bool = False) -> dict[str, FieldError]:
    """The errors by field path (the test bodies make at most one error per field)."""
    with pytest.raises(ValidationFailed) as info:
        if draft:
            validate_draft(body)
        else:
            validate_application(body, today=TODAY)
    failed = info.value
    assert failed.status == 422
    assert (failed.field, failed.code) == (failed.errors[0].field, failed.errors[0].code)
    return {e.field: e for e in failed.errors}


def _only_error(body: Any) -> FieldError:
    errors = _errors(body)
    assert len(errors) == 1, errors
    return next(iter(errors.values()))


# --- valid bodies and what cleaning gives ---------------------------------------------------


def test_worker_body_is_cleaned() -> None:
    result = validate_application(worker_body(), today=TODAY)
    assert result["kind"] == "worker"
    assert result["applicant"] == worker_body()["applicant"] | {"phone": "+8613812345678"}  # phones in E.164
    assert result["respondent"] == worker_body()["respondent"] | {
        "contact_phone": "+8613987654321",
        "address": {"region_code": "310101002", "region_name": "上海市黄浦区南京东路街道", "detail": "南京东路100号"},
    }
    assert result["claim"] == {**worker_body()["claim"], "amount": "12000.00", "amount_fen": 1_200_000}
    assert result["evidence"] == worker_body()["evidence"]
    assert result["consent"] == {"version": "2026-01", "accepted": True}
    assert result["review_flags"] == []
    assert result["service"] == worker_body()["service"]  # the 送达地址确认书 (issue 21)
    assert set(result) == {"kind", "applicant", "respondent", "claim", "evidence", "consent", "service", "review_flags"}


def test_pudong_id_of_someone_born_in_1990_is_accepted() -> None:
    assert WORKER_ID.startswith("31011519900307")
    result = validate_application(worker_body(), today=TODAY)
    assert result["applicant"]["id_number"] == WORKER_ID


def test_values_are_normalised() -> None:
    body = worker_body()
    typed = "".join(chr(ord(c) + 0xFEE0) for c in WORKER_ID)  # full-width digits
    body["applicant"].update(name="  张三 ", id_number=typed, phone="+86 138 1234 5678", email=" ZS@Example.COM ")
    body["respondent"]["contact_phone"] = "0086-139-8765-4321"
    body["respondent"]["uscc"] = COMPANY_USCC.lower()
    body["claim"]["amount"] = "12000.5"
    body["evidence"] = [" 0123456789ABCDEF0123456789ABCDEF "]
    result = validate_application(body, today=TODAY)
    applicant = result["applicant"]
    assert (applicant["name"], applicant["id_number"]) == ("张三", WORKER_ID)
    assert (applicant["phone"], applicant["email"]) == ("+8613812345678", "zs@example.com")
    assert result["respondent"]["contact_phone"] == "+8613987654321"
    assert result["respondent"]["uscc"] == COMPANY_USCC
    assert (result["claim"]["amount"], result["claim"]["amount_fen"]) == ("12000.50", 1_200_050)
    assert result["evidence"] == ["0123456789abcdef0123456789abcdef"]


def test_full_width_id_with_lower_case_x() -> None:
    number = next(
        n for n in (make_resident_id("310115", "19900307", f"{i:03d}") for i in range(1, 200, 2)) if n.endswith("X")
    )
    body = worker_body()
    body["applicant"]["id_number"] = "".join(chr(ord(c) + 0xFEE0) for c in number[:-1]) + "ｘ"
    assert validate_application(body, today=TODAY)["applicant"]["id_number"] == number


def test_absent_optional_fields_stay_absent() -> None:
    body = worker_body()
    for key in ("email", "ethnicity"):
        del body["applicant"][key]
    body["respondent"]["uscc"] = ""
    body["respondent"]["contact_name"] = None
    del body["respondent"]["contact_phone"], body["respondent"]["legal_representative_title"]
    del body["claim"]["venue"], body["claim"]["employment_ended"], body["claim"]["dispute_known_on"]
    del body["applicant"]["mailing_address"]
    result = validate_application(body, today=TODAY)
    assert "email" not in result["applicant"] and "mailing_address" not in result["applicant"]
    assert set(result["respondent"]) == {"name", "industry", "nature", "address", "legal_representative_name"}
    assert set(result["claim"]) == {"amount", "amount_fen", "requests", "facts", "employment_started"}
    assert "venue" not in result["claim"]


@pytest.mark.parametrize("amount", ["0", "", "  ", None, "０"])
def test_nothing_claimed(amount: str | None) -> None:
    body = worker_body()
    body["claim"]["amount"] = amount
    claim = validate_application(body, today=TODAY)["claim"]
    assert (claim["amount"], claim["amount_fen"]) == ("0.00", 0)


def test_amount_absent_means_nothing_claimed() -> None:
    body = worker_body()
    del body["claim"]["amount"]
    claim = validate_application(body, today=TODAY)["claim"]
    assert (claim["amount"], claim["amount_fen"]) == ("0.00", 0)


def test_foreign_worker_with_passport_and_no_ethnicity() -> None:
    body = worker_body()
    body["applicant"].update(id_type="passport", id_number="a1234 5678", nationality="USA", birth_date="1985-01-31")
    del body["applicant"]["ethnicity"]
    applicant = validate_application(body, today=TODAY)["applicant"]
    assert (applicant["id_number"], applicant["nationality"], applicant["birth_date"]) == (
        "A12345678",
        "USA",
        "1985-01-31",
    )


def test_hk_residence_permit_holder() -> None:
    body = worker_body()
    number = make_resident_id("810000", "19881130", "004")
    body["applicant"].update(
        id_type="hk_macao_tw_residence_permit", id_number=number, birth_date="1988-11-30", gender="female"
    )
    assert validate_application(body, today=TODAY)["applicant"]["id_number"] == number


def test_foreigners_permanent_residence_id_birth_date_must_match() -> None:
    body = worker_body()
    number = make_resident_id("931840", "19750615", "013")
    body["applicant"].update(
        id_type="foreign_permanent_residence", id_number=number, nationality="USA", birth_date="1975-06-15"
    )
    del body["applicant"]["ethnicity"]
    assert validate_application(body, today=TODAY)["applicant"]["id_number"] == number
    body["applicant"]["birth_date"] = "1975-06-16"
    assert _only_error(body).field == "applicant.birth_date"


def test_employer_body_is_cleaned() -> None:
    body = employer_body()
    body["respondent"]["phone"] = "+86 138-1234-5678"
    result = validate_application(body, today=TODAY)
    assert result["applicant"] == employer_body()["applicant"] | {
        "contact_phone": "+8613700001111",
        "legal_representative_phone": "+8613600002222",
        "address": {"region_code": "310104014", "region_name": "上海市徐汇区徐家汇街道", "detail": "漕溪北路1号"},
    }
    assert result["respondent"]["phone"] == "+8613812345678"
    # What the resident ID says of the worker is filled in where the employer did not type it.
    respondent = result["respondent"]
    assert (respondent["gender"], respondent["birth_date"], respondent["nationality"]) == ("male", "1995-01-01", "CHN")
    assert result["applicant"]["contact_id_number"] == CONTACT_ID
    assert result["claim"]["amount"] == "0.00" and result["claim"]["amount_fen"] == 0
    assert result["evidence"] == []
    assert result["review_flags"] == []


def test_employer_without_uscc_is_flagged_not_refused() -> None:
    body = employer_body()
    del body["applicant"]["uscc"]
    result = validate_application(body, today=TODAY)
    assert "uscc" not in result["applicant"]
    assert result["review_flags"] == ["applicant.uscc:missing"]


def test_employer_respondent_document_is_optional_but_complete() -> None:
    body = employer_body()
    del body["respondent"]["id_type"], body["respondent"]["id_number"], body["respondent"]["address"]
    assert set(validate_application(body, today=TODAY)["respondent"]) == {"name", "phone", "job_title"}
    body["respondent"]["id_number"] = make_resident_id("320102", "19950101", "013")
    error = _only_error(body)
    assert (error.field, error.code, error.message) == ("respondent.id_type", "required", "请选择被申请人证件类型")


def test_employer_respondent_document_is_checked() -> None:
    body = employer_body()
    body["respondent"]["id_number"] = body["respondent"]["id_number"][:-1] + "Y"
    error = _only_error(body)
    assert (error.field, error.code) == ("respondent.id_number", "invalid")


def test_employer_required_fields() -> None:
    body = employer_body()
    body["applicant"] = {"name": "上海某某科技有限公司"}
    body["respondent"] = {}
    errors = _errors(body)
    assert set(errors) == {
        "applicant.industry",
        "applicant.nature",
        "applicant.address",
        "applicant.email",
        "applicant.is_agent",
        "applicant.contact_name",
        "applicant.contact_phone",
        "applicant.contact_id_type",
        "applicant.contact_id_number",
        "applicant.legal_representative_name",
        "applicant.legal_representative_title",
        "applicant.legal_representative_phone",
        "respondent.name",
        "respondent.phone",
        "respondent.job_title",  # 调解仲裁法 art. 28 (一): the worker's occupation
    }
    assert all(e.code == "required" for e in errors.values())
    assert errors["respondent.job_title"].message == "请填写被申请人职业（工作岗位）"
    assert errors["respondent.name"].message == "请填写被申请人姓名"


# --- unified social credit codes -------------------------------------------------------------


def test_respondent_uscc_failing_check_character_is_a_flag() -> None:
    body = worker_body()
    bad = COMPANY_USCC[:-1] + ("0" if COMPANY_USCC[-1] != "0" else "1")
    body["respondent"]["uscc"] = bad
    result = validate_application(body, today=TODAY)
    assert result["respondent"]["uscc"] == bad
    assert result["review_flags"] == ["respondent.uscc:check_failed"]


def test_uscc_bad_format_is_an_error() -> None:
    body = worker_body()
    body["respondent"]["uscc"] = "91310115MA1K4ABCO1"
    error = _only_error(body)
    assert (error.field, error.code) == ("respondent.uscc", "invalid")
    assert "统一社会信用代码" in error.message


# --- single problems ------------------------------------------------------------------------


def test_wrong_check_digit_is_refused() -> None:
    body = worker_body()
    body["applicant"]["id_number"] = WORKER_ID[:-1] + ("1" if WORKER_ID[-1] != "1" else "2")
    error = _only_error(body)
    assert (error.field, error.code) == ("applicant.id_number", "invalid")
    assert error.message == "申请人身份证号码校验位不正确，请核对"


def test_impossible_birth_date_in_the_number_is_refused() -> None:
    body = worker_body()
    body["applicant"]["id_number"] = make_resident_id("310115", "19900230", "001")
    error = _only_error(body)
    assert (error.field, error.message) == ("applicant.id_number", "申请人身份证号码中的出生日期无效")


def test_birth_date_and_gender_must_match_the_number() -> None:
    body = worker_body()
    body["applicant"].update(birth_date="1990-03-08", gender="female")
    errors = _errors(body)
    assert set(errors) == {"applicant.birth_date", "applicant.gender"}
    assert {e.code for e in errors.values()} == {"mismatch"}
    assert "1990-03-07" in errors["applicant.birth_date"].message


def test_resident_id_requires_chinese_nationality() -> None:
    body = worker_body()
    body["applicant"]["nationality"] = "USA"
    error = _only_error(body)
    assert (error.field, error.code) == ("applicant.nationality", "mismatch")


@pytest.mark.parametrize("nationality", ["XYZ", "chn", "CN", "中国"])
def test_unknown_nationality(nationality: str) -> None:
    body = worker_body()
    body["applicant"].update(id_type="passport", id_number="E12345678", nationality=nationality)
    error = _only_error(body)
    assert (error.field, error.code) == ("applicant.nationality", "not_allowed")


@pytest.mark.parametrize(
    ("birth", "code"),
    [
        ("19900307", "invalid"),
        ("1990-02-30", "invalid"),
        ("1990/03/07", "invalid"),
        ("2026-11-22", "out_of_range"),  # today
        ("2027-01-01", "out_of_range"),
        ("2010-11-23", "out_of_range"),  # 16 tomorrow
        ("1900-01-01", "out_of_range"),  # older than 120
    ],
)
def test_bad_birth_dates(birth: str, code: str) -> None:
    body = worker_body()
    body["applicant"].update(id_type="passport", id_number="E12345678", nationality="USA", birth_date=birth)
    error = _only_error(body)
    assert (error.field, error.code) == ("applicant.birth_date", code)


def test_sixteen_today_is_old_enough() -> None:
    body = worker_body()
    body["applicant"].update(id_type="passport", id_number="E12345678", nationality="USA", birth_date="2010-11-22")
    assert validate_application(body, today=TODAY)["applicant"]["birth_date"] == "2010-11-22"


@pytest.mark.parametrize(
    ("amount", "code", "message"),
    [
        ("-100", "out_of_range", "请求金额不能为负数"),
        ("-0", "out_of_range", "请求金额不能为负数"),  # no sign at all: "-0" once became "-0.00"
        ("100.123", "invalid", "请求金额最多两位小数"),
        ("12.500", "invalid", "请求金额最多两位小数"),
        ("1,20,000", "invalid", "请求金额的千位分隔符应每三位一个，如 12,000.00"),
        ("12,0000", "invalid", "请求金额的千位分隔符应每三位一个，如 12,000.00"),
        ("1e5", "invalid", "请求金额应为金额，如 12000.00 或 12,000.00"),
        ("+100", "invalid", "请求金额应为金额，如 12000.00 或 12,000.00"),
        ("NaN", "invalid", "请求金额应为金额，如 12000.00 或 12,000.00"),
        ("100000000.01", "out_of_range", "请求金额不能超过100,000,000.00元"),
    ],
)
def test_bad_amounts(amount: str, code: str, message: str) -> None:
    body = worker_body()
    body["claim"]["amount"] = amount
    error = _only_error(body)
    assert (error.field, error.code, error.message) == ("claim.amount", code, message)


def test_largest_amount_and_thousands_separators() -> None:
    body = worker_body()
    body["claim"]["amount"] = "100,000,000"
    assert validate_application(body, today=TODAY)["claim"]["amount_fen"] == 10_000_000_000
    body["claim"]["amount"] = "１２，０００．５"  # a Chinese keyboard's full-width digits and separators
    assert validate_application(body, today=TODAY)["claim"]["amount"] == "12000.50"


def test_unknown_fields_are_named() -> None:
    body = worker_body()
    body["applicant"]["wechat_id"] = "zs"
    body["priority"] = "high"
    errors = _errors(body)
    assert set(errors) == {"applicant.wechat_id", "priority"}
    assert errors["applicant.wechat_id"].code == "unknown_field"
    assert "applicant.wechat_id" in errors["applicant.wechat_id"].message


def test_employer_fields_in_a_worker_body_are_unknown() -> None:
    body = worker_body()
    body["applicant"]["uscc"] = COMPANY_USCC
    assert _only_error(body).code == "unknown_field"


@pytest.mark.parametrize(
    ("section", "key", "value", "path"),
    [
        ("applicant", "name", 123, "applicant.name"),
        ("applicant", "phone", 13812345678, "applicant.phone"),
        ("applicant", "migrant_worker", "true", "applicant.migrant_worker"),
        ("applicant", "contract_signed", 0, "applicant.contract_signed"),
        ("claim", "amount", 12000, "claim.amount"),
        ("claim", "facts", ["a", "b"], "claim.facts"),
        ("consent", "accepted", 1, "consent.accepted"),
    ],
)
def test_wrong_types(section: str, key: str, value: Any, path: str) -> None:
    body = worker_body()
    body[section][key] = value
    error = _only_error(body)
    assert (error.field, error.code) == (path, "wrong_type")


def test_wrong_types_of_whole_parts() -> None:
    body = worker_body()
    body["evidence"] = {"0": "0123456789abcdef0123456789abcdef"}
    body["respondent"] = ["上海某某物流有限公司"]
    errors = _errors(body)
    assert {p: e.code for p, e in errors.items()} == {"evidence": "wrong_type", "respondent": "wrong_type"}


def test_body_must_be_an_object() -> None:
    bodies: tuple[object, ...] = (None, [], "kind=worker")
    for body in bodies:
        assert _only_error(body).code == "wrong_type"


def test_overlong_texts() -> None:
    body = worker_body()
    body["claim"]["facts"] = "事" * 10001
    body["applicant"]["name"] = "名" * 51
    body["respondent"]["name"] = "公" * 100  # a company name may be 100 long
    errors = _errors(body)
    assert set(errors) == {"claim.facts", "applicant.name"}
    assert {e.code for e in errors.values()} == {"too_long"}
    assert errors["claim.facts"].message == "事实与理由不能超过10000个字"


@pytest.mark.parametrize(("value", "code"), [("XX", "not_allowed"), ("U", "not_allowed"), ("g", "not_allowed")])
def test_enumerations_are_exact(value: str, code: str) -> None:
    body = worker_body()
    body["respondent"]["industry"] = value
    error = _only_error(body)
    assert (error.field, error.code) == ("respondent.industry", code)


def test_bad_email_and_phone() -> None:
    body = worker_body()
    body["applicant"]["email"] = "zs@example"
    body["respondent"]["contact_phone"] = "021-1234"
    errors = _errors(body)
    assert {p: e.code for p, e in errors.items()} == {
        "applicant.email": "invalid",
        "respondent.contact_phone": "invalid",
    }


def test_consent_must_be_given() -> None:
    body = worker_body()
    body["consent"]["accepted"] = False
    error = _only_error(body)
    assert (error.field, error.code) == ("consent.accepted", "not_accepted")
    del body["consent"]
    assert {p: e.code for p, e in _errors(body).items()} == {
        "consent.version": "required",
        "consent.accepted": "required",
    }


def test_evidence_rules() -> None:
    body = worker_body()
    good = body["evidence"][0]
    body["evidence"] = [good, "not-a-file-id", 42, good.upper()]
    errors = _errors(body)
    assert {p: e.code for p, e in errors.items()} == {
        "evidence[1]": "invalid",
        "evidence[2]": "wrong_type",
        "evidence[3]": "duplicate",
    }
    body["evidence"] = [f"{i:032x}" for i in range(101)]
    assert _only_error(body).code == "too_many"
    body["evidence"] = [f"{i:032x}" for i in range(100)]
    assert len(validate_application(body, today=TODAY)["evidence"]) == 100


@pytest.mark.parametrize(
    ("kind", "code"), [(None, "required"), ("", "required"), ("court", "not_allowed"), (1, "wrong_type")]
)
def test_kind(kind: Any, code: str) -> None:
    body = worker_body()
    body["kind"] = kind
    error = _only_error(body)  # without a kind the parties are not checked, but nothing else is wrong
    assert (error.field, error.code) == ("kind", code)


def test_every_error_is_listed_at_once() -> None:
    body = worker_body()
    body["applicant"].update(
        name="",
        id_number=WORKER_ID[:-1] + "Y",
        gender="unknown",
        phone="12345",
        email=5,
        migrant_worker="yes",
        birth_date="1990-13-01",
    )
    del body["applicant"]["education"]
    body["applicant"]["nickname"] = "小张"
    body["respondent"].update(industry="Z", uscc="123")
    del body["respondent"]["address"]
    body["claim"].update(amount="-1", venue="court", requests="  ", facts="事" * 10001)
    body["evidence"] = ["x", "x"]
    body["consent"] = {"accepted": False}
    errors = _errors(body)
    assert {p: e.code for p, e in errors.items()} == {
        "applicant.name": "required",
        "applicant.id_number": "invalid",
        "applicant.gender": "not_allowed",
        "applicant.phone": "invalid",
        "applicant.email": "wrong_type",
        "applicant.migrant_worker": "wrong_type",
        "applicant.birth_date": "invalid",
        "applicant.education": "required",
        "applicant.nickname": "unknown_field",
        "respondent.industry": "not_allowed",
        "respondent.uscc": "invalid",
        "respondent.address": "required",
        "claim.amount": "out_of_range",
        "claim.venue": "not_allowed",
        "claim.requests": "required",
        "claim.facts": "too_long",
        "evidence[0]": "invalid",
        "evidence[1]": "invalid",
        "consent.version": "required",
        "consent.accepted": "not_accepted",
    }
    assert errors["applicant.name"].message == "请填写申请人姓名"
    assert errors["applicant.education"].message == "请选择申请人文化程度"


def test_today_decides_the_age() -> None:
    body = worker_body()
    body["applicant"].update(id_type="passport", id_number="E12345678", nationality="USA", birth_date="2010-11-23")
    assert _only_error(body).code == "out_of_range"
    assert validate_application(body, today=date(2026, 11, 23))["applicant"]["birth_date"] == "2010-11-23"


# --- drafts ---------------------------------------------------------------------------------


def test_draft_with_half_the_fields() -> None:
    body = {
        "kind": "worker",
        "applicant": {"name": " 张三 ", "id_type": "resident_id", "id_number": "3101151990", "phone": "138 1234"},
        "claim": {"amount": "12000.", "facts": ""},
        "consent": {"accepted": False},
    }
    draft = validate_draft(body)
    # Kept as typed (stripped), nothing required, no number or format checks; empty and absent dropped.
    assert draft == {
        "kind": "worker",
        "applicant": {"name": "张三", "id_type": "resident_id", "id_number": "3101151990", "phone": "138 1234"},
        "claim": {"amount": "12000."},
        "consent": {"accepted": False},
    }
    assert validate_draft(draft) == draft  # a saved draft loads back unchanged


def test_draft_still_checks_types_unknown_fields_choices_and_lengths() -> None:
    body = {
        "kind": "worker",
        "applicant": {"gender": "other", "migrant_worker": "yes", "name": "名" * 51, "hobby": "x"},
        "respondent": {"industry": "Z"},
        "claim": {"facts": 7},
        "evidence": ["zzz"],
    }
    errors = _errors(body, draft=True)
    assert {p: e.code for p, e in errors.items()} == {
        "applicant.gender": "not_allowed",
        "applicant.migrant_worker": "wrong_type",
        "applicant.name": "too_long",
        "applicant.hobby": "unknown_field",
        "respondent.industry": "not_allowed",
        "claim.facts": "wrong_type",
        "evidence[0]": "invalid",
    }


def test_draft_requires_kind() -> None:
    errors = _errors({"applicant": {"name": "张三"}}, draft=True)
    assert {p: e.code for p, e in errors.items()} == {"kind": "required"}


def test_complete_bodies_are_valid_drafts() -> None:
    for body in (worker_body(), employer_body()):
        assert validate_draft(body) == body


def test_samples_are_fresh_copies() -> None:
    body = worker_body()
    body["applicant"]["name"] = "改了"
    body["evidence"].append("x")
    assert worker_body()["applicant"]["name"] == "张三"
    assert len(worker_body()["evidence"]) == 2
