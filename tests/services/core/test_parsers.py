"""The parsers of services/core/: amounts, dates, whole numbers and quantities, codes (issue 20, item 4)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from i18n import catalogue
from services.cases.serials import make_serial
from services.core import amounts
from services.core.amounts import FIELDS, optional_amount, parse_amount, read_amount
from services.core.codes import Serial, read_cause_code, read_digits, read_region_code, read_serial
from services.core.dates import parse_date, read_date, read_moment, read_month
from services.core.errors import ValidationFailed
from services.core.numbers import parse_whole, read_quantity, read_whole
from services.core.phones import check_written_phone

# The rule as the issue states it, after NFKC: an independent oracle for the parser.
RULE = (re.compile(r"^\d+(\.\d{1,2})?$", re.ASCII), re.compile(r"^\d{1,3}(,\d{3})*(\.\d{1,2})?$", re.ASCII))


def refusal(text: object, field: str = "claim") -> tuple[str, str, str]:
    with pytest.raises(ValidationFailed) as refused:
        parse_amount(text, field, path="claim.amount")
    (error,) = refused.value.errors
    return error.field, error.code, error.message


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("12000", "12000.00"),
        ("12000.5", "12000.50"),
        ("12,000.00", "12000.00"),
        ("1,234,567.89", "1234567.89"),
        ("１２，０００．５０", "12000.50"),  # full-width, as a Chinese keyboard types it
        ("\u3000 7 ", "7.00"),
        ("0", "0.00"),
        (12000, "12000.00"),  # a JSON integer, as written
        (12000.5, "12000.50"),
    ],
)
def test_amounts_people_type(typed, value):
    assert str(parse_amount(typed, "claim")) == value


@pytest.mark.parametrize(
    ("typed", "code", "words"),
    [
        ("-5", "out_of_range", "请求金额不能为负数"),
        ("-0", "out_of_range", "请求金额不能为负数"),  # never "-0.00"
        ("+5", "invalid", "请求金额应为金额，如 12000.00 或 12,000.00"),
        ("1e3", "invalid", "请求金额应为金额，如 12000.00 或 12,000.00"),
        ("NaN", "invalid", "请求金额应为金额，如 12000.00 或 12,000.00"),
        ("٣٠٠٠", "invalid", "请求金额应为金额，如 12000.00 或 12,000.00"),  # digits NFKC leaves as they are
        ("12.345", "invalid", "请求金额最多两位小数"),
        ("1,20,000", "invalid", "请求金额的千位分隔符应每三位一个，如 12,000.00"),
        ("12,0000", "invalid", "请求金额的千位分隔符应每三位一个，如 12,000.00"),
        ("100000000.01", "out_of_range", "请求金额不能超过100,000,000.00元"),
        ("", "required", "请填写请求金额"),
        (True, "invalid", "请求金额应为金额，如 12000.00 或 12,000.00"),
    ],
)
def test_amounts_refused_name_the_field(typed, code, words):
    assert refusal(typed) == ("claim.amount", code, words)


def test_zero_only_where_the_field_admits_it():
    admitted = {name for name, rule in FIELDS.items() if rule.zero}
    assert admitted == {"claim", "proposal", "delegated_claim", "request_item", "agreement_term", "triage"}
    assert all(rule.why for rule in FIELDS.values())
    assert parse_amount("0.00", "claim") == 0
    field, code, words = refusal("0.00", "monthly_wage")
    assert (code, words) == ("out_of_range", "月工资应大于 0")


def test_every_amount_field_has_its_name_in_both_languages():
    words = catalogue()
    for name in FIELDS:
        key = amounts.AmountField.label(name)
        assert words.text(key, "zh_CN", {}) and words.text(key, "en", {}) != words.text(key, "zh_CN", {}), key
    assert refusal("-1", "proposal")[2] == "方案金额不能为负数"
    with pytest.raises(ValidationFailed) as refused:
        parse_amount("-1", "proposal")
    assert refused.value.errors[0].message_in("en") == "Amount proposed cannot be negative"


def test_blank_is_none_for_optional_fields_and_read_amount_forgives_nothing():
    assert optional_amount(None, "claim") is None and optional_amount(" \u3000", "claim") is None
    assert read_amount("1e3") is None and read_amount("12,000") == Decimal("12000")


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet="0123456789０１２３４５６７８９,，.．-+eE \u3000", max_size=16))
def test_the_parser_keeps_the_rule_of_the_issue(typed):
    text = unicodedata.normalize("NFKC", typed).strip()
    shaped = any(r.match(text) for r in RULE) and len(text) <= amounts.MAX_LENGTH
    try:
        value = parse_amount(typed, "claim")
    except ValidationFailed:
        value = None
    if not shaped:
        assert value is None
    elif Decimal(text.replace(",", "")) <= amounts.HUNDRED_MILLION:
        assert value == Decimal(text.replace(",", "")) and value.as_tuple().exponent == -2
        assert str(value)[0] != "-"
    else:
        assert value is None


@settings(max_examples=100, deadline=None, database=None)
@given(st.decimals(min_value=0, max_value=100_000_000, places=2))
def test_an_amount_written_any_way_reads_the_same(amount):
    plain, grouped = f"{amount:.2f}", f"{amount:,.2f}"
    wide = grouped.translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))
    assert parse_amount(plain, "claim") == parse_amount(grouped, "claim") == parse_amount(wide, "claim") == amount


def test_dates_months_and_moments():
    assert read_date("2026-03-01") == date(2026, 3, 1) == read_date("２０２６－０３－０１")
    assert [read_date(t) for t in ("20260301", "2026-W01-1", "2026-02-30", "2026-3-1", "", None)] == [None] * 6
    assert read_month("2026-03") == date(2026, 3, 1) and read_month("2026-13") is None
    assert read_moment("2026-12-01T09:30") == datetime(2026, 12, 1, 9, 30)
    offset = read_moment("2026-12-01T09:30:00+08:00")
    assert offset is not None and offset.utcoffset() == timedelta(hours=8)
    assert read_moment("2026-12-01") is None and read_moment("2026-12-01T25:00") is None
    assert read_moment("0001-01-01T00:00:00+14:00") == datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    with pytest.raises(ValidationFailed) as refused:
        parse_date("soon", "until", "error.invalid.extension_date")
    assert (refused.value.errors[0].field, refused.value.errors[0].code) == ("until", "invalid")


def test_whole_numbers_and_quantities():
    assert [read_whole(v) for v in ("12", "１２", " 7 ", 12)] == [12, 12, 7, 12]
    assert [read_whole(v) for v in ("-1", "1.0", "1e3", "", True, 1.0, "٣")] == [None] * 7
    assert read_whole("²") == 2  # NFKC's reading; int("²") alone raised ValueError (a 500)
    with pytest.raises(ValidationFailed) as refused:
        parse_whole("366", "days", 1, 365, "error.invalid.extension_days")
    assert refused.value.errors[0].field == "days"
    assert read_quantity("7.5") == Decimal("7.5") == read_quantity("７．５") == read_quantity(7.5)
    assert [read_quantity(v) for v in ("-1", "1e3", "nan", float("inf"), True)] == [None] * 5


def test_codes():
    serial = make_serial(date(2026, 12, 1), 1)
    wide = serial.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert read_serial(f"\u3000{wide} ") == Serial(serial, check_ok=True)  # typed on a Chinese keyboard
    mistyped = serial[:-1] + str((int(serial[-1]) + 1) % 10)
    assert read_serial(mistyped) == Serial(mistyped, check_ok=False)
    assert read_serial(serial[:-1]) is None and read_serial(serial.replace("0", "٠")) is None
    assert read_region_code("３１０１１５") == "310115" and read_region_code("31011") is None
    assert read_cause_code("05-01") == "05-01" and read_cause_code("5-1") is None
    assert read_digits("５６７８", 4) == "5678" and read_digits("567", 4) is None
    assert check_written_phone("021-5888 0000") == "021-5888 0000" and check_written_phone("call me") is None
