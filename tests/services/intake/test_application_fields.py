"""What the documents must say, collected at intake: domicile by region, legal representative, mailing address,
employment dates, a worker respondent's particulars; phones of every country in E.164; wave 1's street."""

from __future__ import annotations

import pytest

from services.core.errors import ValidationFailed
from services.core.phones import is_mobile, mask_phone, parse_phone
from services.intake.routing import route_case
from services.intake.validation import validate_application, validate_draft
from tests.support.samples import TODAY, employer_body, wave1_worker_body, with_street, worker_body


def _errors(body) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_application(body, today=TODAY)
    return {e.field: e.code for e in caught.value.errors}


@pytest.mark.parametrize(
    ("typed", "e164", "mobile"),
    [
        ("13812345678", "+8613812345678", True),
        ("+86 138 1234 5678", "+8613812345678", True),
        ("+852 6123 4567", "+85261234567", True),  # a Hong Kong mobile
        ("00852 6123 4567", "+85261234567", True),  # as dialled from the mainland
        ("021-6888 1234", "+862168881234", False),  # a Shanghai company's landline
        ("+44 20 7946 0958", "+442079460958", False),
        ("＋８５２ ６１２３ ４５６７", "+85261234567", True),  # full-width, from a Chinese keyboard
    ],
)
def test_phones_of_every_country_in_e164(typed, e164, mobile):
    phone = parse_phone(typed)
    assert (phone.e164, phone.mobile) == (e164, mobile)


@pytest.mark.parametrize("typed", ["12345", "021-1234", "+852 1234", "138123456789", "电话", "", "+999 1234567"])
def test_what_cannot_be_a_phone(typed):
    with pytest.raises(ValueError):
        parse_phone(typed)


def test_masks_keep_working_for_every_country():
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("13812345678") == "138****5678"  # numbers stored before E.164
    assert mask_phone("+85261234567") == "+852 ****4567"
    assert mask_phone("+862168881234") == "021****1234"
    assert is_mobile("+85261234567") and not is_mobile("+862168881234") and is_mobile("13812345678")


def test_a_worker_with_a_hong_kong_mobile_applies():
    body = worker_body()
    body["applicant"]["phone"] = "+852 6123 4567"
    assert validate_application(body, today=TODAY)["applicant"]["phone"] == "+85261234567"


def test_a_company_landline_is_a_contact_phone_and_a_bad_phone_names_its_field():
    body = worker_body()
    body["respondent"]["contact_phone"] = "021-6888 1234"
    assert validate_application(body, today=TODAY)["respondent"]["contact_phone"] == "+862168881234"
    body["respondent"]["contact_phone"] = "12345"
    with pytest.raises(ValidationFailed) as caught:
        validate_application(body, today=TODAY)
    error = caught.value.errors[0]
    assert (error.field, error.code) == ("respondent.contact_phone", "invalid")
    assert error.message.startswith("被申请单位联系电话（手机可收短信通知）不正确，请填写手机或固定电话")


def test_domicile_is_a_region_down_to_the_township_with_its_street():
    result = validate_application(worker_body(), today=TODAY)
    address = result["respondent"]["address"]
    assert address == {"region_code": "310101002", "region_name": "上海市黄浦区南京东路街道", "detail": "南京东路100号"}
    county = worker_body()
    county["respondent"]["address"]["region_code"] = "310115"
    assert validate_application(county, today=TODAY)["respondent"]["address"]["region_name"] == "上海市浦东新区"
    township = worker_body()
    township["respondent"]["address"]["region_code"] = "310115103"
    address = validate_application(township, today=TODAY)["respondent"]["address"]
    assert address["region_name"] == "上海市浦东新区川沙新镇"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("999999", "unknown_region"),
        ("31011510", "unknown_region"),
        ("310000", "region_too_wide"),
        ("310100", "region_too_wide"),
    ],
)
def test_a_region_code_that_does_not_exist_or_is_too_wide(code, error):
    body = worker_body()
    body["respondent"]["address"]["region_code"] = code
    assert _errors(body) == {"respondent.address.region_code": error}


def test_an_address_needs_its_region_and_its_street_and_nothing_else():
    body = worker_body()
    body["respondent"]["address"] = {"detail": "川沙路100号", "zip": "201200"}
    assert _errors(body) == {"respondent.address.region_code": "required", "respondent.address.zip": "unknown_field"}
    body["respondent"]["address"] = "川沙路100号"
    assert _errors(body) == {"respondent.address": "wrong_type"}


def test_wave1_street_is_still_accepted_as_an_address_without_a_region():
    result = validate_application(wave1_worker_body(), today=TODAY)
    assert result["respondent"]["address"] == {"region_code": None, "region_name": "", "detail": "川沙新镇"}
    assert "street" not in result["respondent"]


@pytest.mark.gen_test
async def test_routing_reads_the_domicile(ctx):
    body = worker_body()
    body["respondent"]["address"]["region_code"] = "310115103"  # 浦东新区川沙新镇
    pudong = await route_case(ctx, validate_application(body, today=TODAY))
    assert pudong["centre"]["id"] == "sh-pudong" and pudong["routing_rule"] == "region:employer_location"
    # Wave 1's street has no code: the region it names (川沙新镇, a township of Pudong) is read from the text.
    old = await route_case(ctx, validate_application(wave1_worker_body(), today=TODAY))
    assert old["centre"]["id"] == "sh-pudong" and old["routing_rule"] == "text:employer_location"
    # A street naming no region: the region of the employer's credit code (Huangpu, served by the city's centre).
    nowhere = worker_body()
    with_street(nowhere["respondent"], "科苑路88号")
    city = await route_case(ctx, validate_application(nowhere, today=TODAY))
    assert city["centre"]["id"] == "sh-city" and city["routing_rule"] == "uscc:employer_location"


def test_employment_dates_and_the_day_the_dispute_became_known():
    body = worker_body()
    del body["claim"]["employment_started"]
    assert _errors(body) == {"claim.employment_started": "required"}
    body = worker_body()
    body["claim"].update(employment_started="2026-11-01", employment_ended="2026-10-31")
    assert _errors(body) == {"claim.employment_ended": "out_of_range"}
    body = worker_body()
    body["claim"]["dispute_known_on"] = "2026-11-23"  # after TODAY
    assert _errors(body) == {"claim.dispute_known_on": "out_of_range"}
    body["claim"]["dispute_known_on"] = "2026/11/01"
    assert _errors(body) == {"claim.dispute_known_on": "invalid"}
    employer = employer_body()  # an employer need not say when the worker started
    assert "employment_started" not in validate_application(employer, today=TODAY)["claim"]


def test_worker_respondent_particulars_and_the_legal_representatives_title():
    body = employer_body()
    body["respondent"].update(
        id_type="passport",
        id_number="E12345678",
        gender="female",
        birth_date="1990-01-02",
        nationality="GBR",
        phone="+852 6123 4567",
    )
    respondent = validate_application(body, today=TODAY)["respondent"]
    assert (respondent["nationality"], respondent["gender"], respondent["phone"]) == ("GBR", "female", "+85261234567")
    body["respondent"].update(id_type="resident_id", id_number=employer_body()["respondent"]["id_number"])
    assert _errors(body) == {
        "respondent.nationality": "mismatch",
        "respondent.birth_date": "mismatch",
        "respondent.gender": "mismatch",
    }
    body = employer_body()
    del body["applicant"]["legal_representative_title"]
    assert _errors(body) == {"applicant.legal_representative_title": "required"}


def test_drafts_keep_a_half_filled_address():
    draft = validate_draft({"kind": "worker", "respondent": {"address": {"region_code": "31"}}})
    assert draft["respondent"]["address"] == {"region_code": "31"}
    with pytest.raises(ValidationFailed):
        validate_draft({"kind": "worker", "respondent": {"address": {"detail": "x" * 201}}})
