"""Identity document numbers, unified social credit codes and mobile numbers."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from services.core.idnumbers import (
    NumberInvalid,
    check_id_number,
    check_uscc,
    normalise_mobile,
    normalise_number,
)
from tests.support.samples import make_resident_id, make_uscc

TODAY = date(2026, 11, 22)


def _refused(id_type: str, number: str) -> str:
    with pytest.raises(NumberInvalid) as info:
        check_id_number(id_type, number, today=TODAY)
    return info.value.message


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def test_normalise_number_full_width_spaces_dashes_lower_x() -> None:
    assert normalise_number("３１０１１５ １９９０-０３０７ ００１ｘ") == "31011519900307001X"
    assert normalise_number(" e1234 5678 ") == "E12345678"
    assert normalise_number("1234—5678（01）") == "1234567801"


def test_pudong_id_born_before_the_district_existed_is_accepted() -> None:
    number = make_resident_id("310115", "19900307", "001")
    assert not ric.is_valid(number)  # the trap: stdnum's validate refuses it
    doc = check_id_number("resident_id", number, today=TODAY)
    assert doc.value == number
    assert doc.birth_date == date(1990, 3, 7)
    assert doc.gender == "male"


def test_gender_from_the_seventeenth_digit() -> None:
    doc = check_id_number("resident_id", make_resident_id("110101", "19800101", "002"), today=TODAY)
    assert doc.gender == "female"


def test_full_width_id_with_lower_case_x() -> None:
    # Find a sequence whose check digit is X, then type it full-width with a small x.
    number = next(
        n for n in (make_resident_id("440305", "19921212", f"{i:03d}") for i in range(200)) if n.endswith("X")
    )
    typed = "".join(chr(ord(c) + 0xFEE0) for c in number[:-1]) + "ｘ"
    doc = check_id_number("resident_id", typed, today=TODAY)
    assert doc.value == number
    assert doc.birth_date == date(1992, 12, 12)


def test_wrong_check_digit_is_refused() -> None:
    number = _wrong_check_digit(make_resident_id("310115", "19900307", "001"))
    assert _refused("resident_id", number) == "身份证号码校验位不正确，请核对"


def test_impossible_birth_date_is_refused() -> None:
    number = make_resident_id("310115", "19900230", "001")
    assert _refused("resident_id", number) == "身份证号码中的出生日期无效"


@pytest.mark.parametrize("birth", ["18991231", "20261123", "20300101"])
def test_birth_date_before_1900_or_in_the_future_is_refused(birth: str) -> None:
    assert "出生日期无效" in _refused("resident_id", make_resident_id("310115", birth, "001"))


@pytest.mark.parametrize("number", ["31011519900307001", "3101151990030700111", "31011519900307A01X"])
def test_resident_id_length_and_format(number: str) -> None:
    assert _refused("resident_id", number).startswith("身份证号码")


def test_resident_id_type_chosen_for_a_permit_says_so() -> None:
    assert "港澳台居民居住证" in _refused("resident_id", make_resident_id("810000", "19900307", "001"))
    assert "外国人永久居留身份证" in _refused("resident_id", make_resident_id("933840", "19900307", "001"))


@pytest.mark.parametrize("area", ["810000", "820000", "830000"])
def test_hk_macao_tw_residence_permit(area: str) -> None:
    number = make_resident_id(area, "19881130", "004")
    doc = check_id_number("hk_macao_tw_residence_permit", number, today=TODAY)
    assert (doc.value, doc.birth_date, doc.gender) == (number, date(1988, 11, 30), "female")


def test_residence_permit_rules() -> None:
    assert "810000" in _refused("hk_macao_tw_residence_permit", make_resident_id("310115", "19881130", "004"))
    bad = _wrong_check_digit(make_resident_id("810000", "19881130", "004"))
    assert "校验位不正确" in _refused("hk_macao_tw_residence_permit", bad)
    assert "出生日期无效" in _refused("hk_macao_tw_residence_permit", make_resident_id("810000", "19881131", "004"))


def test_foreign_permanent_residence_2023() -> None:
    # 9, Shanghai (31), nationality 840, born 1975-06-15, sequence 013.
    number = make_resident_id("931840", "19750615", "013")
    doc = check_id_number("foreign_permanent_residence", number, today=TODAY)
    assert (doc.value, doc.birth_date, doc.gender) == (number, date(1975, 6, 15), "male")
    assert "校验位不正确" in _refused("foreign_permanent_residence", _wrong_check_digit(number))
    # Not starting with 9, or an unknown accepting province.
    assert "应以9开头" in _refused("foreign_permanent_residence", make_resident_id("310115", "19750615", "013"))
    assert "应以9开头" in _refused("foreign_permanent_residence", make_resident_id("999840", "19750615", "013"))


def test_foreign_permanent_residence_old_card() -> None:
    doc = check_id_number("foreign_permanent_residence", "usa310075061501", today=TODAY)
    assert (doc.value, doc.birth_date) == ("USA310075061501", None)
    assert "国籍代码" in _refused("foreign_permanent_residence", "QQQ310075061501")


@pytest.mark.parametrize("number", ["E12345678", "EA1234567", "G12345678", "k 1234567", "123456789012"])
def test_passports_accepted(number: str) -> None:
    assert check_id_number("passport", number, today=TODAY).value == normalise_number(number)


@pytest.mark.parametrize("number", ["E123", "E1234567890123456789X", "E1234_5678", "护照12345"])
def test_passports_refused(number: str) -> None:
    assert _refused("passport", number).startswith("护照号码格式不正确")


@pytest.mark.parametrize("number", ["H12345678", "m1234567890", "Ｈ１２３４５６７８"])
def test_hk_macao_pass_accepted(number: str) -> None:
    doc = check_id_number("hk_macao_pass", number, today=TODAY)
    assert doc.value == normalise_number(number)
    assert doc.birth_date is None and doc.gender is None


@pytest.mark.parametrize("number", ["A12345678", "H1234567", "H123456789", "12345678"])
def test_hk_macao_pass_refused(number: str) -> None:
    assert "港澳居民来往内地通行证号码格式不正确" in _refused("hk_macao_pass", number)


@pytest.mark.parametrize("number", ["12345678", "1234567801", "1234 5678"])
def test_tw_pass_accepted(number: str) -> None:
    assert check_id_number("tw_pass", number, today=TODAY).value == normalise_number(number)


@pytest.mark.parametrize("number", ["1234567", "123456789", "T1234567"])
def test_tw_pass_refused(number: str) -> None:
    assert "台湾居民来往大陆通行证号码格式不正确" in _refused("tw_pass", number)


def test_unknown_type_and_empty_number() -> None:
    assert _refused("driving_licence", "123456") == "证件类型不正确"
    assert _refused("passport", " - ") == "请填写护照号码"


def test_uscc_good_check_character() -> None:
    code = make_uscc("91310115MA1K4ABCD")
    assert check_uscc(code.lower()) == type(check_uscc(code))(code, True)
    assert check_uscc("91110000600037341L").check_ok  # stdnum's own example


def test_uscc_failing_check_character_is_a_flag_not_an_error() -> None:
    good = make_uscc("91310115MA1K4ABCD")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    result = check_uscc(bad)
    assert result.value == bad
    assert result.check_ok is False


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91310115MA1K4ABC", "应为18位"),
        ("91310115MA1K4ABCO1", "无效字符"),  # O is not used
        ("91310115MA1K4ABCS1", "无效字符"),
        ("B1310115MA1K4ABCD1", "前两位"),  # no such registration authority
        ("94310115MA1K4ABCD1", "前两位"),  # market regulation has types 1-3 only
        ("913101A5MA1K4ABCD1", "行政区划代码"),
    ],
)
def test_uscc_bad_format_is_an_error(code: str, problem: str) -> None:
    with pytest.raises(NumberInvalid) as info:
        check_uscc(code)
    assert problem in info.value.message


@pytest.mark.parametrize(
    "text",
    ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "86 13812345678", "１３８１２３４５６７８"],
)
def test_mobile_accepted(text: str) -> None:
    assert normalise_mobile(text) == "13812345678"


@pytest.mark.parametrize("text", ["1381234567", "23812345678", "12812345678", "+852 9123 4567", "021-12345678", ""])
def test_mobile_refused(text: str) -> None:
    with pytest.raises(NumberInvalid) as info:
        normalise_mobile(text)
    assert info.value.message == "手机号码格式不正确，应为11位手机号"
